"""The drill: the rendered failover in an emulated AWS that suffers the outage (drgen.emulation).

Each scenario runs for every secondary of every shipped blueprint that has a failover machine. Scenarios
that today's design fails are marked xfail(strict=True) with the defect they show: the drill must see it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import drgen
from drgen import cli
from drgen.drill import NAMES, drill
from drgen.errors import DrillError

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINTS = sorted(p for p in (ROOT / "blueprints").glob("*.yaml")
                    if drgen.load(p).runs_compute_in_secondaries)
REFERENCE = ROOT / "blueprints" / "trading-platform.yaml"

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


def cases() -> list[object]:
    found = []
    for path in BLUEPRINTS:
        bp = drgen.load(path)
        for region in [r.name for r in bp.secondaries]:
            for name in NAMES:
                marks = [pytest.mark.xfail(strict=True, reason=TODAY[name])] if name in TODAY else []
                found.append(pytest.param(path.name, name, region, marks=marks, id=f"{path.stem}-{name}-{region}"))
    return found


@pytest.mark.parametrize(("blueprint", "scenario", "region"), cases())
def test_scenario(blueprint: str, scenario: str, region: str) -> None:
    report = drill(drgen.load(ROOT / "blueprints" / blueprint), [scenario], region)
    (result,) = report.scenarios
    assert result.ok, report.text()


def test_backup_restore_has_nothing_to_drill() -> None:
    with pytest.raises(DrillError, match="runbook"):
        drill(drgen.load(ROOT / "blueprints" / "minimal-backup-restore.yaml"))


def test_unknown_scenario_and_region_are_refused() -> None:
    bp = drgen.load(REFERENCE)
    with pytest.raises(DrillError, match="unknown scenario"):
        drill(bp, ["meteor"])
    with pytest.raises(DrillError, match="not a secondary"):
        drill(bp, ["switchover"], "us-east-1")


def test_cli_json_report_and_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    status = cli.main(["drill", str(REFERENCE), "--scenario", "deny", "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"passed", "scenarios"}
    (scenario,) = report["scenarios"]
    assert {"name", "region", "passed", "expected", "outcome", "recovery_seconds", "steps"} <= set(scenario)
    assert scenario["name"] == "deny" and scenario["region"] == "us-east-2"
    assert status == (0 if report["passed"] else 1)


def test_live_needs_the_explicit_confirmation(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["drill", str(REFERENCE), "--live"]) == 1
    assert "confirmation" in capsys.readouterr().err
