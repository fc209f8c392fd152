"""``drgen drill`` of a Region switch blueprint: the rendered ``AWS::ARCRegionSwitch::Plan`` executed by
drgen.emulation.regionswitch in the emulated AWS, judged by the state-machine drill's end-state checks and by the
execution's own step history."""

from __future__ import annotations

import json
from typing import Any

import pytest

import drgen
from drgen import cli
from drgen.drilling import drill
from drgen.drilling.report import ScenarioResult
from drgen.drilling.run import run_scenario
from tests.drillcases import ROOT

BLUEPRINT = ROOT / "blueprints" / "region-switch.yaml"
TARGET = "us-west-2"


@pytest.fixture(scope="module")
def bp() -> Any:
    return drgen.load(BLUEPRINT)


def _one(bp: Any, name: str) -> ScenarioResult:
    (result,) = drill(bp, [name], TARGET).scenarios
    return result


def _history(result: ScenarioResult, step: str) -> list[str]:
    return [s.outcome.split(":")[0] for s in result.steps if s.state == step]


def test_a_switchover_runs_every_step_of_the_rendered_plan_in_order(bp: Any) -> None:
    result = _one(bp, "switchover")
    assert result.ok, result.problems
    plan = json.loads(drgen.rendering.render_blueprint(bp).files["templates/regionswitch.json"])
    (workflow,) = [w for w in plan["Resources"]["Plan"]["Properties"]["Workflows"] if w["WorkflowTargetRegion"] == TARGET]
    succeeded = [s.state for s in result.steps if s.outcome.startswith("stepSucceeded")]
    assert succeeded == [step["Name"] for step in workflow["Steps"]]  # every rendered step, in the plan's order
    assert _history(result, "approve") == ["stepStarted", "stepPendingApproval", "stepSucceeded"]
    assert "switchover" in " ".join(s.outcome for s in result.steps if s.state == "promote-ledger")
    assert "flag ['us-west-2']" in result.outcome and "writers {'ledger': 'us-west-2'}" in result.outcome
    assert "promotions ['switchover']" in result.outcome and "consumers on in ['us-west-2']" in result.outcome
    assert ": completed (" in result.outcome


def test_in_an_outage_a_graceful_execution_pauses_and_the_ungraceful_one_skips_the_lambda_steps(bp: Any) -> None:
    result = _one(bp, "outage-graceful")
    assert result.ok, result.problems
    promote = _history(result, "promote-ledger")
    # the switchover needs the region left: the step fails, the execution pauses; resumed ungraceful, it fails over
    assert promote[:3] == ["stepStarted", "stepFailed", "stepPausedByError"], promote
    assert "InvalidGlobalClusterStateFault" in next(s.outcome for s in result.steps if s.state == "promote-ledger"
                                                     and s.outcome.startswith("stepFailed"))
    assert promote[-2:] == ["stepUpdate", "stepSucceeded"]
    assert any("switches the execution to ungraceful" in s.outcome for s in result.steps)
    for step in ("take-traffic", "enable-consumers", "disable-consumers"):  # skipped by Region switch
        assert "stepSkipped" in _history(result, step)
    # the runbook's commands after an ungraceful execution: what Region switch skipped, but disable-consumers
    operator = [s.state for s in result.steps if s.outcome.startswith("invoked by the operator")]
    assert operator == ["scale-up", "take-traffic", "enable-consumers", "validate"]
    assert "promotions ['failover']" in result.outcome and "completedWithExceptions" in result.outcome


def test_the_graceful_path_fails_first_without_the_switch_to_ungraceful(bp: Any, monkeypatch: Any) -> None:
    """The same outage with an operator who never switches the execution: it stays paused, nothing moves, and the
    drill says so (the scenario's checks fail: they can)."""
    from drgen.drilling import regionswitch

    monkeypatch.setattr(regionswitch.PlanDrill, "_after", lambda self, execution: None)
    scenario = next(s for s in regionswitch.EXTRA if s.name == "outage-graceful")
    result = run_scenario(bp, scenario, TARGET, make=regionswitch.PlanDrill, judge=regionswitch.judge)
    assert not result.ok
    assert any("writer of ledger is in us-east-1" in p for p in result.problems)
    assert "pausedByFailedStep" in result.outcome and "promotions []" in result.outcome


def test_a_failed_step_pauses_and_the_resumed_execution_does_not_promote_again(bp: Any) -> None:
    result = _one(bp, "resume")
    assert result.ok, result.problems
    outcomes = [s.outcome for s in result.steps]
    retries = [o for o in outcomes if o.startswith("stepUpdate: attempt")]
    assert len(retries) >= 2  # retried every RetryIntervalMinutes within the step's timeout
    assert "executionPaused" in outcomes and any("resumes the paused execution" in o for o in outcomes)
    assert "promotions ['switchover']" in result.outcome  # once: the resumed execution starts at the failed step


def test_two_operators_at_once_get_one_execution(bp: Any) -> None:
    result = _one(bp, "race")
    assert result.ok, result.problems
    assert sum("start refused: IllegalStateException" in s.outcome for s in result.steps) == 1


def test_decline_and_promotion_timeout_leave_everything_in_the_primary(bp: Any) -> None:
    declined = _one(bp, "deny")
    assert declined.ok, declined.problems
    assert _history(declined, "approve")[-1] == "stepCanceled" and ": canceled (" in declined.outcome
    assert "promotions []" in declined.outcome
    timed_out = _one(bp, "timeout")
    assert timed_out.ok, timed_out.problems
    assert _history(timed_out, "promote-ledger")[-2:] == ["stepFailed", "stepPausedByError"]
    assert "flag ['us-east-1']" in timed_out.outcome


def test_fail_back_is_a_new_execution_in_the_other_direction(bp: Any) -> None:
    result = _one(bp, "fail-back")
    assert result.ok, result.problems
    starts = [(s.region, s.outcome) for s in result.steps if s.outcome.startswith("starts a ")]
    assert starts == [("us-west-2", "starts a graceful execution: drill"),
                      ("us-east-1", "starts a graceful execution: drill (fail back)")]
    assert "promotions ['switchover', 'switchover']" in result.outcome


def test_automatic_scenarios_are_reported_not_applicable_never_passed(bp: Any, capsys: Any) -> None:
    report = drill(bp, ["region-outage", "probe-blip"], TARGET)
    assert [s.not_applicable.startswith("nothing starts a Region switch plan") for s in report.scenarios] == [True] * 2
    assert all(not s.steps for s in report.scenarios)
    assert "0 passed, 0 failed, 2 not applicable" in report.text()
    assert cli.main(["drill", str(BLUEPRINT), "--scenario", "probe-blip", "--format", "json"]) == 0
    (scenario,) = json.loads(capsys.readouterr().out)["scenarios"]
    assert scenario["passed"] is False and "E804" in scenario["not_applicable"]
