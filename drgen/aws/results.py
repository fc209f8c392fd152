"""What a caller passes to a deployment and gets back: options, progress events, changes and the result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from drgen.aws.clients import check_endpoint

QUIET = ("unchanged", "skipped")
"""The actions that change nothing: what is deployed as rendered, and what ``--skip-region`` leaves alone."""


@dataclass(frozen=True)
class DeployOptions:
    dry_run: bool = False
    """Say what would change, calling only read APIs."""
    poll_seconds: float = 10.0
    """How long to wait between two reads of a running operation."""
    timeout_seconds: float = 4 * 3600.0
    """How long one operation may run (an Aurora secondary cluster takes most of an hour)."""
    max_attempts: int = 8
    """botocore's attempts per call (throttling, 5xx and connection errors are retried)."""
    endpoint_url: str | None = None
    """An AWS-compatible endpoint for every service (e.g. a moto_server): an http(s) URL, else ``UsageError``."""
    skip_regions: tuple[str, ...] = ()
    """Regions not to contact at all (``drgen deploy --skip-region``, ``drgen.aws.skips``); never the control region."""

    def __post_init__(self) -> None:
        if self.endpoint_url is not None:
            check_endpoint(self.endpoint_url)
        if not isinstance(self.skip_regions, tuple) or not all(isinstance(r, str) for r in self.skip_regions):
            raise TypeError("skip_regions must be a tuple of region names (str)")


@dataclass(frozen=True)
class Event:
    """One thing worth showing while deploying: a step started, still runs, or ended."""

    layer: str
    region: str
    action: str
    """create, update, unchanged, upload, wait."""
    status: str
    """What AWS says (RUNNING, SUCCEEDED, CREATE_IN_PROGRESS...) or drgen's own word (started, skipped)."""
    elapsed: float
    detail: str = ""

    def line(self) -> str:
        minutes, seconds = divmod(int(self.elapsed), 60)
        text = f"{self.layer:<13} {self.region:<15} {self.action:<9} {self.status:<20} {minutes:02d}:{seconds:02d}"
        return f"{text}  {self.detail}" if self.detail else text


@dataclass(frozen=True)
class Change:
    layer: str
    region: str
    action: str
    """create, update, unchanged, upload or skipped."""
    what: str
    why: str = ""

    def line(self) -> str:
        text = f"{self.action:<9} {self.layer:<13} {self.region:<15} {self.what}"
        return f"{text} ({self.why})" if self.why else text


@dataclass
class DeployResult:
    account: str
    dry_run: bool
    changes: list[Change] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    """The StackSet operations and stack changes started, in order (empty for an unchanged deploy)."""

    @property
    def changed(self) -> bool:
        return any(c.action not in QUIET for c in self.changes)

    def text(self) -> str:
        verb = "would change" if self.dry_run else "changed"
        lines = [c.line() for c in self.changes]
        count = sum(1 for c in self.changes if c.action not in QUIET)
        if not self.changed:
            lines.append(f"nothing to do: everything is deployed as rendered in account {self.account}; "
                         "no StackSet operation was started")
        else:
            lines.append(f"{verb} {count} thing{'s' if count != 1 else ''} in account {self.account}"
                         + ("" if self.dry_run else f"; {len(self.operations)} operation"
                            f"{'s' if len(self.operations) != 1 else ''} started"))
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {"account": self.account, "dry_run": self.dry_run, "operations": self.operations,
                "changes": [{"layer": c.layer, "region": c.region, "action": c.action, "what": c.what, "why": c.why}
                            for c in self.changes]}
