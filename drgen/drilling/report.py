"""What a drill reports: per scenario and target region, the verdict, the end state and the steps."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Step:
    state: str
    outcome: str
    elapsed: float
    """Emulated seconds since the scenario began."""
    region: str = ""


@dataclass
class ScenarioResult:
    name: str
    region: str
    summary: str
    expected: str
    outcome: str = ""
    steps: list[Step] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    recovery_seconds: float | None = None
    not_applicable: str = ""
    """Why the scenario cannot apply to this design (it was not run: neither passed nor failed)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "region": self.region, "passed": self.ok and not self.not_applicable,
                "not_applicable": self.not_applicable or None, "expected": self.expected,
                "outcome": self.outcome, "recovery_seconds": self.recovery_seconds, "problems": self.problems,
                "steps": [{"state": s.state, "outcome": s.outcome, "elapsed": s.elapsed, "region": s.region}
                          for s in self.steps]}


@dataclass
class DrillReport:
    blueprint: str
    scenarios: list[ScenarioResult]

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.scenarios)

    def json(self) -> str:
        return json.dumps({"passed": self.ok, "scenarios": [s.to_dict() for s in self.scenarios]}, indent=2) + "\n"

    def text(self) -> str:
        lines = [f"drill of {self.blueprint} (emulated AWS; times are the emulated clock's)", ""]
        for s in self.scenarios:
            lines.append(f"scenario {s.name} -> {s.region}: {s.summary}")
            if s.not_applicable:
                lines += [f"  => not applicable: {s.not_applicable}", ""]
                continue
            for step in s.steps:
                lines.append(f"  {step.elapsed:8.1f}s  {step.region:<15} {step.state:<28} {step.outcome}")
            recovery = "" if s.recovery_seconds is None else f", recovered in {s.recovery_seconds:.0f}s"
            lines.append(f"  => {s.outcome}; expected {s.expected}: {'ok' if s.ok else 'UNEXPECTED'}{recovery}")
            lines.extend(f"  !! {p}" for p in s.problems)
            lines.append("")
        skipped = sum(1 for s in self.scenarios if s.not_applicable)
        passed = sum(1 for s in self.scenarios if s.ok and not s.not_applicable)
        lines.append(f"{passed} passed, {len(self.scenarios) - passed - skipped} failed"
                     + (f", {skipped} not applicable" if skipped else ""))
        return "\n".join(lines) + "\n"
