"""drgen: multi-region disaster recovery for AWS from one declarative blueprint.

The public API::

    import drgen
    problems = drgen.validate("blueprints/trading-platform.yaml")   # list[Diagnostic]
    blueprint = drgen.load("blueprints/trading-platform.yaml")      # Blueprint, or InvalidBlueprint
    rendered = drgen.render(blueprint)                              # Rendered: path -> bytes
    steps = drgen.plan(blueprint)                                   # Plan: ordered (layer, region) steps
    assessment = drgen.assess(blueprint)                            # Assessment: the RPO and both RTOs
    result = drgen.deploy(rendered, session=boto3.Session())        # DeployResult, or DeployError

Heavy dependencies (troposphere, boto3) are imported only by the stages that need them; importing ``drgen``
itself loads only its exceptions (``Blueprint`` and ``Diagnostic`` load on first use), so the command line
starts handling an interrupt almost at once.
"""

from __future__ import annotations

import os  # loaded by the interpreter before any import: free

from drgen.errors import (
    DeployError,
    DrgenError,
    DrillError,
    InvalidBlueprint,
    LintError,
    RenderError,
    UsageError,
)

TYPE_CHECKING = False  # typing's own constant, without importing typing at start-up (mypy reads it the same)
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

    from drgen.aws.deploy import DeployOptions, DeployResult
    from drgen.aws.deploy import Event as DeployEvent
    from drgen.diagnostics import Diagnostic
    from drgen.drilling import DrillReport
    from drgen.model import Blueprint
    from drgen.objectives import Assessment
    from drgen.planning import Plan
    from drgen.rendering import Rendered

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name == "Blueprint":
        from drgen.model import Blueprint

        return Blueprint
    if name == "Diagnostic":
        from drgen.diagnostics import Diagnostic

        return Diagnostic
    raise AttributeError(f"module 'drgen' has no attribute {name!r}")


_PATH = "a path (str or os.PathLike)"
_BLUEPRINT = "a Blueprint or a path (str or os.PathLike)"


def _expect(function: str, name: str, value: object, kinds: tuple[type, ...], what: str) -> None:
    """Raise ``TypeError`` naming the argument unless ``value`` is one of ``kinds``."""
    if not isinstance(value, kinds):
        raise TypeError(f"drgen.{function}(): {name} must be {what}, not {type(value).__name__}")


def validate(source: str | os.PathLike[str], *, source_root: str | os.PathLike[str] | None = None,
             env: str | None = None) -> list[Diagnostic]:
    """Every diagnostic for a blueprint: ``source`` is a path, or YAML text when it is a ``str`` with a newline.
    Function sources must lie inside ``source_root`` (default: the blueprint's folder). A blueprint that declares
    ``environments`` is checked in environment ``env``, or in every one of them when ``env`` is ``None``."""
    from drgen.validation import check_file, check_text

    _expect("validate", "source", source, (str, os.PathLike), "YAML text or a path (str or os.PathLike)")
    if env is not None:
        _expect("validate", "env", env, (str,), "a str (an environment's name) or None")
    if isinstance(source, str) and "\n" in source:
        return check_text(source, source_root=source_root, env=env).diagnostics
    return check_file(source, source_root, env).diagnostics


def load(path: str | os.PathLike[str], *, source_root: str | os.PathLike[str] | None = None,
         env: str | None = None) -> Blueprint:
    """The model of the blueprint at ``path``; raises ``InvalidBlueprint`` with every diagnostic if it has errors.
    Function sources must lie inside ``source_root`` (default: the blueprint's folder). A blueprint that declares
    ``environments`` needs ``env``, the environment to load (``UsageError`` without it, or for one it does not
    declare)."""
    from drgen.validation import check_file

    _expect("load", "path", path, (str, os.PathLike), _PATH)
    if env is not None:
        _expect("load", "env", env, (str,), "a str (an environment's name) or None")
    result = check_file(path, source_root, env)
    if not result.ok:
        raise InvalidBlueprint(result.diagnostics)
    if result.blueprint is None:
        raise UsageError(f"{path} declares environments ({', '.join(result.environments)}): choose one "
                         "(--env NAME, or env= in the library)")
    return result.blueprint


def _model(function: str, blueprint: Blueprint | str | os.PathLike[str]) -> Blueprint:
    from drgen.model import Blueprint

    _expect(function, "blueprint", blueprint, (Blueprint, str, os.PathLike), _BLUEPRINT)
    return blueprint if isinstance(blueprint, Blueprint) else load(blueprint)


def plan(blueprint: Blueprint | str | os.PathLike[str]) -> Plan:
    """The deployment plan of a blueprint (pure: no AWS call)."""
    from drgen.planning import build_plan

    return build_plan(_model("plan", blueprint))


def assess(blueprint: Blueprint | str | os.PathLike[str]) -> Assessment:
    """The objective assessment (pure): the RPO with every data store's term, and the RTO of an unplanned
    failover (what ``objectives.rto`` is checked against) and of a planned one, each with its steps."""
    from drgen.objectives import assess as run

    return run(_model("assess", blueprint))


def render(blueprint: Blueprint | str | os.PathLike[str]) -> Rendered:
    """Everything ``drgen render`` writes, in memory: relative path -> bytes (pure, deterministic)."""
    from drgen.rendering import render_blueprint

    return render_blueprint(_model("render", blueprint))


def drill(blueprint: Blueprint | str | os.PathLike[str], scenarios: list[str] | None = None) -> DrillReport:
    """Run the failover scenarios against an in-process emulated AWS (moto); see ``drgen.drilling``."""
    from drgen.drilling import drill as run

    model = _model("drill", blueprint)
    if scenarios is not None:
        _expect("drill", "scenarios", scenarios, (list, tuple), "a list of scenario names or None")
        for name in scenarios:
            _expect("drill", "each scenario", name, (str,), "a str (a scenario name)")
    return run(model, list(scenarios) if scenarios is not None else None)


def deploy(rendered: Rendered | Blueprint | str | os.PathLike[str], session: Any = None, *,
           dry_run: bool = False, endpoint_url: str | None = None,
           on_event: Callable[[DeployEvent], None] | None = None,
           options: DeployOptions | None = None) -> DeployResult:
    """Deploy a render (or a blueprint, rendered first) with the clients of ``session`` (a ``boto3.Session``;
    default: boto3's default session). ``on_event`` receives progress; see ``drgen.aws.deploy``."""
    from drgen.aws.deploy import DeployOptions, deploy_rendered
    from drgen.model import Blueprint
    from drgen.rendering import Rendered as RenderedType

    _expect("deploy", "rendered", rendered, (RenderedType, Blueprint, str, os.PathLike),
            "a Rendered, a Blueprint or a path (str or os.PathLike)")
    if session is not None and not callable(getattr(session, "client", None)):
        raise TypeError(f"drgen.deploy(): session must be a boto3.Session (or None), not {type(session).__name__}")
    if on_event is not None and not callable(on_event):
        raise TypeError(f"drgen.deploy(): on_event must be callable (or None), not {type(on_event).__name__}")
    _expect("deploy", "dry_run", dry_run, (bool,), "a bool")
    if endpoint_url is not None:
        _expect("deploy", "endpoint_url", endpoint_url, (str,), "a str (a URL) or None")
    if options is None:
        options = DeployOptions(dry_run=dry_run, endpoint_url=endpoint_url)
    _expect("deploy", "options", options, (DeployOptions,), "a drgen.aws.deploy.DeployOptions or None")
    if not isinstance(rendered, RenderedType):
        rendered = render(rendered)
    if session is None:
        import boto3

        session = boto3.Session()
    return deploy_rendered(rendered, session, options, on_event)


def write(rendered: Rendered, directory: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write a render to ``directory`` atomically: all of it or nothing. ``directory`` may be new, empty, or a
    previous render holding exactly what its manifest lists (``force``: also a render changed since); anything
    else, and the current or the blueprint's directory or their ancestors, is refused with ``UsageError``."""
    from pathlib import Path

    from drgen.output import write_atomically
    from drgen.rendering import Rendered as RenderedType

    _expect("write", "rendered", rendered, (RenderedType,), "a Rendered (from drgen.render)")
    _expect("write", "directory", directory, (str, os.PathLike), _PATH)
    return write_atomically(rendered, Path(directory), force=force)


__all__ = [
    "Blueprint",
    "DeployError",
    "Diagnostic",
    "DrgenError",
    "DrillError",
    "InvalidBlueprint",
    "LintError",
    "RenderError",
    "UsageError",
    "assess",
    "deploy",
    "drill",
    "load",
    "plan",
    "render",
    "validate",
    "write",
]
