"""Semantic checks: what the JSON Schema cannot express. One module per topic.

Each check is a function ``(ctx: Context) -> Iterator[Diagnostic]``, registered in ``ALL``. Checks read
``ctx.data`` (the blueprint with schema defaults filled in). They also run when the schema found
errors elsewhere, so that every problem is reported at once; a check that meets a part the schema
already rejected is skipped for that run (``run`` below), never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from drgen.diagnostics import Diagnostic, Path
from drgen.loader import Document


@dataclass
class Context:
    document: Document
    data: dict[str, Any]
    schema_errors: frozenset[Path]
    """Paths at which the schema found errors: checks may skip what sits under them."""
    base_dir: str = "."
    """The blueprint's folder: function sources are relative to it."""
    source_root: str | None = None
    """The folder function sources must lie in, when the caller names one (else ``base_dir``)."""

    def error(self, code: str, message: str, path: Path, *, key: bool = False) -> Diagnostic:
        return self.document.diagnostic(code, message, path, key=key)

    def broken(self, path: Path) -> bool:
        """Whether the schema found an error at or under ``path`` (its data cannot be trusted)."""
        n = len(path)
        return any(p[:n] == tuple(path) for p in self.schema_errors)

    def items(self, section: str) -> Iterator[tuple[int, dict[str, Any]]]:
        """The well-formed entries of a list section, with their index."""
        value = self.data.get(section)
        if not isinstance(value, list):
            return
        for index, item in enumerate(value):
            if isinstance(item, dict) and not self.broken((section, index)):
                yield index, item


Check = Callable[[Context], Iterator[Diagnostic]]


def all_checks() -> list[Check]:
    from drgen.checks import (
        auth,
        control,
        deployment,
        limits,
        linting,
        names,
        network,
        references,
        scale,
        secrets,
        tables,
        tags,
        tooling,
    )

    return [*network.CHECKS, *names.CHECKS, *tags.CHECKS, *references.CHECKS, *limits.CHECKS, *secrets.CHECKS,
            *auth.CHECKS, *tables.CHECKS, *tooling.CHECKS, *linting.CHECKS, *control.CHECKS, *deployment.CHECKS,
            *scale.CHECKS]


def run(ctx: Context) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for check in all_checks():
        try:
            found.extend(check(ctx))
        except (KeyError, TypeError, ValueError, AttributeError, IndexError):
            if not ctx.schema_errors:
                raise  # a valid document must never break a check: that is a bug in drgen
    return found
