"""The drill's test matrix: every scenario for every secondary of every shipped blueprint with a failover machine.

Split over two test files so that ``pytest -n 2 --dist loadfile`` runs them on both workers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import drgen
from drgen.drilling import NAMES
from drgen.model import Blueprint

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINTS = sorted(p for p in (ROOT / "blueprints").glob("*.yaml")
                    if drgen.load(p).runs_compute_in_secondaries)
REFERENCE = ROOT / "blueprints" / "trading-platform.yaml"
PLANNED = ["resume", "fail-back", "approve", "deny", "timeout", "not-ready"]
"""The rest of NAMES runs in test_drill_outage.py."""
OUTAGE = [n for n in NAMES if n not in PLANNED]


def load(name: str) -> Blueprint:
    return drgen.load(ROOT / "blueprints" / name)

SELF_ALARM = ("#10.1: in steady state the standby's own api-errors alarm fires on Route 53's requests to its health "
              "route (503 by design) and StartFailoverOnAlarm (alarm name and state only) switches a healthy "
              "primary over to the standby within minutes")
TODAY: dict[str, str] = {
    "switchover": SELF_ALARM + "; #10.10: the old primary's consumers stay enabled",
    "region-outage": SELF_ALARM + "; #10.2: the primary's alarms, forwarding rule and (when the primary is "
                     "us-east-1) the health-check alarm die with it; #10.3: missing lag blocks the failover path",
    "probe-blip": SELF_ALARM + "; #10.6: no two-signal window before a lossy failover",
    "standby-self-alarm": SELF_ALARM,
    "race": SELF_ALARM + "; #10.7: no lock, every secondary promotes",
    "resume": SELF_ALARM + "; #10.4: a rerun after the promotion stops (already the writer), traffic never moves",
    "fail-back": SELF_ALARM + "; #10.5: no state machine in the original primary",
    "approve": SELF_ALARM,
    "deny": SELF_ALARM,
    "timeout": SELF_ALARM,
    "not-ready": SELF_ALARM,
}
"""Scenario -> the defect of today's design it shows (seen failing in the drill for every blueprint and secondary);
the lead removes an entry when the design's fix is merged (strict: a scenario that passes then fails the test)."""


def cases(names: list[str]) -> list[object]:
    found = []
    for path in BLUEPRINTS:
        bp = drgen.load(path)
        for region in [r.name for r in bp.secondaries]:
            for name in names:
                marks = [pytest.mark.xfail(strict=True, reason=TODAY[name])] if name in TODAY else []
                found.append(pytest.param(path.name, name, region, marks=marks, id=f"{path.stem}-{name}-{region}"))
    return found


