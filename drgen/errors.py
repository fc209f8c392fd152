"""The exceptions drgen raises. The CLI turns each into a message and an exit status."""

from __future__ import annotations

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing when drgen starts
if TYPE_CHECKING:
    from collections.abc import Iterable

    from drgen.diagnostics import Diagnostic

UNREADABLE = "E001"
"""The code of a file drgen cannot read: a usage error's exit status (2), not an invalid blueprint's (1)."""


def exit_status(diagnostics: Iterable[Diagnostic]) -> int:
    """0 when no diagnostic is an error, 2 when a file could not be read (E001), else 1 (docs/cli.md)."""
    errors = {d.code for d in diagnostics if d.is_error}
    return 2 if UNREADABLE in errors else 1 if errors else 0


class DrgenError(Exception):
    """Base of every error drgen raises on purpose."""

    exit_code = 1


class UsageError(DrgenError):
    """A command was called wrongly, or a file could not be read or written."""

    exit_code = 2


class InvalidBlueprint(DrgenError):
    """The blueprint has errors; ``diagnostics`` holds every one of them. ``exit_code`` is 2 when the file
    could not be read (E001), else 1."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        self.exit_code = exit_status(diagnostics) or 1
        count = sum(1 for d in diagnostics if d.is_error)
        super().__init__(f"the blueprint has {count} error{'s' if count != 1 else ''}")


class RenderError(DrgenError):
    """The blueprint is valid but cannot be rendered (e.g. a template over a CloudFormation limit)."""


class LintError(DrgenError):
    """cfn-lint found errors or warnings in rendered templates. ``summary``: the regions linted and the rules
    ignored, printed after the findings."""

    def __init__(self, findings: list[str], summary: list[str] | None = None) -> None:
        self.findings = findings
        self.summary = summary or []
        super().__init__(f"cfn-lint reported {len(findings)} finding{'s' if len(findings) != 1 else ''}")


class DeployError(DrgenError):
    """A deployment step failed; the message names the step, the region and AWS's reason."""


class DrillError(DrgenError):
    """A drill scenario could not be run."""
