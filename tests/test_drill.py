"""The rendered state machine and drgen's real function code, run by moto's Step Functions interpreter."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import drgen
from drgen import cli
from drgen.drilling import SCENARIOS, drill
from drgen.errors import DrillError

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = drgen.load(ROOT / "blueprints" / "trading-platform.yaml")


@pytest.mark.parametrize("scenario", [s.name for s in SCENARIOS if s.needs_database])
def test_reference_scenario(scenario: str) -> None:
    report = drill(REFERENCE, [scenario])
    (result,) = report.scenarios
    assert result.ok, report.text()
    states = [step.state for step in result.steps]
    assert states[0] == "Inspect"
    if scenario in ("switchover", "approve", "lossy"):
        assert states[-1] == "Done" and "MoveTraffic" in states and "EnableConsumers" in states
    if scenario == "approve":
        assert "RequestApproval" in states and "PromoteTrading" in states
    if scenario in ("deny", "timeout", "not-ready"):
        assert "MoveTraffic" not in states


def test_three_region_hot_standby_fails_over_to_either_secondary() -> None:
    bp = drgen.load(ROOT / "blueprints" / "three-region.yaml")
    for region in ("eu-central-1", "eu-north-1"):
        report = drill(bp, ["switchover"], region)
        assert report.ok, report.text()


def test_without_a_database_the_flag_and_consumers_move() -> None:
    bp = dataclasses.replace(REFERENCE, databases=(), alarms=tuple(
        a for a in REFERENCE.alarms if a.metric != "database.replication_lag"), functions=tuple(
        dataclasses.replace(f, access=tuple(g for g in f.access if g.kind != "database")) for f in REFERENCE.functions))
    report = drill(bp, ["failover"])
    assert report.ok, report.text()


def test_backup_restore_has_nothing_to_drill() -> None:
    with pytest.raises(DrillError, match="runbook"):
        drill(drgen.load(ROOT / "blueprints" / "minimal-backup-restore.yaml"))


def test_unknown_scenario_and_region_are_refused() -> None:
    with pytest.raises(DrillError, match="unknown scenario"):
        drill(REFERENCE, ["meteor"])
    with pytest.raises(DrillError, match="not a secondary"):
        drill(REFERENCE, ["switchover"], "us-east-1")


def test_cli_prints_the_timeline_and_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["drill", str(ROOT / "blueprints" / "trading-platform.yaml"), "--scenario", "not-ready"]) == 0
    out = capsys.readouterr().out
    assert "scenario not-ready" in out and "NotifyNotReady" in out and out.rstrip().endswith("1 passed, 0 failed")


def test_live_needs_the_explicit_confirmation(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["drill", str(ROOT / "blueprints" / "trading-platform.yaml"), "--live"]) == 1
    assert "confirmation" in capsys.readouterr().err
