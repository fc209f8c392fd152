"""The exceptions drgen raises. The CLI turns each into a message and an exit status."""

from __future__ import annotations

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing when drgen starts
if TYPE_CHECKING:
    from drgen.diagnostics import Diagnostic


class DrgenError(Exception):
    """Base of every error drgen raises on purpose."""

    exit_code = 1


class UsageError(DrgenError):
    """A command was called wrongly, or a file could not be read or written."""

    exit_code = 2


class InvalidBlueprint(DrgenError):
    """The blueprint has errors; ``diagnostics`` holds every one of them."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        count = sum(1 for d in diagnostics if d.is_error)
        super().__init__(f"the blueprint has {count} error{'s' if count != 1 else ''}")


class RenderError(DrgenError):
    """The blueprint is valid but cannot be rendered (e.g. a template over a CloudFormation limit)."""


class LintError(DrgenError):
    """cfn-lint found errors or warnings in rendered templates."""

    def __init__(self, findings: list[str]) -> None:
        self.findings = findings
        super().__init__(f"cfn-lint reported {len(findings)} finding{'s' if len(findings) != 1 else ''}")


class DeployError(DrgenError):
    """A deployment step failed; the message names the step, the region and AWS's reason."""


class DrillError(DrgenError):
    """A drill scenario could not be run."""
