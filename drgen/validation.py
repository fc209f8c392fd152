"""The validation stage: load, schema, semantic checks, objectives -> a ``Result``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from drgen import (
    build,
    checks,
    diagnostics,
    environments,
    loader,
    objectives,
    orchestrators,
    renderable,
    resources,
    schema_check,
)
from drgen.diagnostics import Diagnostic
from drgen.diagnostics import Path as Node
from drgen.errors import UsageError
from drgen.model import Blueprint
from drgen.objectives import Assessment
from drgen.schema_check import suggest


@dataclass(frozen=True)
class Result:
    """What validating one blueprint found."""

    file: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    blueprint: Blueprint | None = None
    """The model, when the blueprint has no errors."""
    assessment: Assessment | None = None
    """The objective assessment, when the blueprint is otherwise valid."""
    environments: tuple[str, ...] = ()
    """The environments the blueprint declares; when it declares some and none was chosen, ``blueprint`` and
    ``assessment`` are ``None`` and ``diagnostics`` are those of every environment."""
    environment: str | None = None
    """The environment checked, when one was chosen."""

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def check_document(document: loader.Document | None, problems: list[Diagnostic], base_dir: str,
                   source_root: str | None = None, env: str | None = None) -> Result:
    """The result of ``document``; of its environment ``env``, or of all of its environments at once when it
    declares some and ``env`` is ``None`` (each finding of only some of them saying which)."""
    if document is None or (env is None and not environments.declares(document)):
        return _check(document, problems, base_dir, source_root)
    each = check_each(document, problems, base_dir, source_root, env)
    if len(each) == 1:
        return each[0][1]
    return combine(each)


def check_each(document: loader.Document, problems: list[Diagnostic], base_dir: str, source_root: str | None = None,
               env: str | None = None) -> list[tuple[str | None, Result]]:
    """The result of each environment of ``document`` (only ``env`` when given; ``None`` names a blueprint that
    declares no environments). Raises ``UsageError`` for an environment it does not declare."""
    if not environments.declares(document):
        if env is not None and env != document.data.get("environment"):
            raise UsageError(f"--env {env}: {document.file} declares no environments (its environment is "
                             f"{document.data.get('environment')!r}); add an environments section, or drop --env")
        return [(None, _check(document, problems, base_dir, source_root))]
    found = [*problems, *environments.section_problems(document)]
    known = environments.names(document)
    if env is not None and env not in known:
        raise UsageError(f"--env {env}: {document.file} declares no such environment{suggest(env, known)}; "
                         f"its environments: {', '.join(known) or 'none'}")
    if not known:
        return [(None, Result(document.file, diagnostics.sort(found), environments=()))]
    each: list[tuple[str | None, Result]] = []
    for name in [env] if env is not None else known:
        merged, merge_problems = environments.select(document, name)
        result = _check(merged, [*found, *merge_problems], base_dir, source_root)
        each.append((name, replace(result, environments=tuple(known), environment=name)))
    return each


def combine(each: list[tuple[str | None, Result]]) -> Result:
    """One result for several environments: every finding once, those of only some environments saying which."""
    seen: dict[Diagnostic, list[str]] = {}
    for name, result in each:
        for d in result.diagnostics:
            seen.setdefault(d, []).append(str(name))
    found = [d if len(names) == len(each) or d.path.startswith(f"{environments.SECTION}.")  # where it was set says
             else replace(d, message=f"{d.message}; in environment {', '.join(names)}") for d, names in seen.items()]
    first = each[0][1]
    return Result(first.file, diagnostics.sort(found), environments=first.environments)


def _check(document: loader.Document | None, problems: list[Diagnostic], base_dir: str,
           source_root: str | None = None) -> Result:
    if document is None:
        return Result(problems[0].file if problems else "<string>", diagnostics.sort(problems))
    schema = resources.schema()
    found = list(problems)
    # what the loader refused it reported; the schema would only say again that it is missing or null
    errors = [e for e in schema_check.check(schema, document) if e[2] not in document.refused]
    for code, message, path, at_key in errors:
        found.append(document.diagnostic(code, message, path, key=at_key))
    data = build.with_defaults(schema, document.data)
    broken = frozenset({*(path for _, _, path, _ in errors), *document.refused})
    ctx = checks.Context(document, data, broken, base_dir, source_root)
    found.extend(checks.run(ctx))
    sound = not any(d.is_error for d in found)
    if sound:
        model, dropped = build.blueprint(schema, document.data, base_dir, source_root), frozenset[Node]()
    else:  # the checks that need a model run on what is sound, so that every problem is reported at once
        built = build.partial(schema, document.data, base_dir, ctx.broken, source_root)
        if built is None:
            return Result(document.file, diagnostics.sort(found))
        model, dropped = built
    for code, message, path in [*renderable.findings(model), *orchestrators.findings(model)]:
        found.append(document.diagnostic(code, message, path, key=len(path) == 1))
    assessment = objectives.assess(model)
    for code, message, path in objectives.findings(assessment):
        if sound or _trusted(path, dropped | ctx.schema_errors):
            found.append(document.diagnostic(code, message, path))
    result_ok = not any(d.is_error for d in found)
    return Result(document.file, diagnostics.sort(found), model if result_ok else None,
                  assessment if sound else None)


def _trusted(path: Node, left_out: frozenset[Node]) -> bool:
    """Whether an objective finding at ``path`` stands although ``left_out`` parts are missing from the model.

    Leaving a store out only lowers the RPO estimate, so a store's own finding stands. The RTO estimate rests
    on the strategy, the failover mode, the DNS health check and the failover alarms, and the objectives
    themselves: it stands only when none of them was left out.
    """
    if any(p[:1] == ("objectives",) for p in left_out):
        return False
    if path[:2] == ("objectives", "rto"):
        return not any(p[:1] in (("strategy",), ("failover",), ("dns",), ("alarms",)) for p in left_out)
    return True


def check_file(path: str | os.PathLike[str], source_root: str | os.PathLike[str] | None = None,
               env: str | None = None) -> Result:
    """Validate the blueprint at ``path`` (its environment ``env``, or all of them); function sources must lie in
    ``source_root`` (default: its folder)."""
    document, problems = loader.load_file(path)
    return check_document(document, problems, str(Path(path).parent), _root(source_root), env)


def check_file_each(path: str | os.PathLike[str], source_root: str | os.PathLike[str] | None = None,
                    env: str | None = None) -> list[tuple[str | None, Result]]:
    """The result of each environment of the blueprint at ``path`` (see ``check_each``)."""
    document, problems = loader.load_file(path)
    if document is None:
        return [(None, check_document(document, problems, ".", None))]
    return check_each(document, problems, str(Path(path).parent), _root(source_root), env)


def check_text(text: str, file: str = "<string>", base_dir: str = ".",
               source_root: str | os.PathLike[str] | None = None, env: str | None = None) -> Result:
    document, problems = loader.load_text(text, file)
    return check_document(document, problems, base_dir, _root(source_root), env)


def _root(source_root: str | os.PathLike[str] | None) -> str | None:
    return None if source_root is None else os.fspath(source_root)
