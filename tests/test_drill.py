"""The drill: the rendered failover in an emulated AWS that suffers the outage (drgen.emulation).

Scenarios that today's design fails are xfail(strict=True) with the defect they show (tests/drillcases.py).
"""

from __future__ import annotations

import json

import pytest

from drgen import cli
from drgen.drilling import drill
from drgen.errors import DrillError
from tests.drillcases import PLANNED, REFERENCE, cases, load


@pytest.mark.parametrize(("blueprint", "scenario", "region"), cases(PLANNED))
def test_scenario(blueprint: str, scenario: str, region: str) -> None:
    report = drill(load(blueprint), [scenario], region)
    (result,) = report.scenarios
    assert result.ok, report.text()


def test_backup_restore_has_nothing_to_drill() -> None:
    with pytest.raises(DrillError, match="runbook"):
        drill(load("minimal-backup-restore.yaml"))


def test_unknown_scenario_and_region_are_refused() -> None:
    bp = load(REFERENCE.name)
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
