"""The validation stage: load, schema, semantic checks, objectives -> a ``Result``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from drgen import build, checks, diagnostics, loader, objectives, orchestrators, renderable, resources, schema_check
from drgen.diagnostics import Diagnostic
from drgen.diagnostics import Path as Node
from drgen.model import Blueprint
from drgen.objectives import Assessment


@dataclass(frozen=True)
class Result:
    """What validating one blueprint found."""

    file: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    blueprint: Blueprint | None = None
    """The model, when the blueprint has no errors."""
    assessment: Assessment | None = None
    """The objective assessment, when the blueprint is otherwise valid."""

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def check_document(document: loader.Document | None, problems: list[Diagnostic], base_dir: str,
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


def check_file(path: str | os.PathLike[str], source_root: str | os.PathLike[str] | None = None) -> Result:
    """Validate the blueprint at ``path``; function sources must lie in ``source_root`` (default: its folder)."""
    document, problems = loader.load_file(path)
    return check_document(document, problems, str(Path(path).parent), _root(source_root))


def check_text(text: str, file: str = "<string>", base_dir: str = ".",
               source_root: str | os.PathLike[str] | None = None) -> Result:
    document, problems = loader.load_text(text, file)
    return check_document(document, problems, base_dir, _root(source_root))


def _root(source_root: str | os.PathLike[str] | None) -> str | None:
    return None if source_root is None else os.fspath(source_root)
