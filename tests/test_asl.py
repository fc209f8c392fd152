"""The failover state machine, statically: valid ASL, every state reachable, every task guarded, the lock released
at every end, one approval, idempotent branches, nothing derived from a region's role in the blueprint."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import drgen
from drgen import asl, durations
from drgen.configs import good_for_seconds

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = drgen.load(ROOT / "blueprints" / "trading-platform.yaml")
THREE = drgen.load(ROOT / "blueprints" / "three-region.yaml")
LOSSY = dataclasses.replace(REFERENCE, failover=dataclasses.replace(REFERENCE.failover, allow_data_loss=True))
VARIANTS = {
    "reference": REFERENCE,
    "three-region": THREE,
    "lossy": LOSSY,
    "pilot-light": dataclasses.replace(REFERENCE, strategy="pilot-light"),
    "no-database": dataclasses.replace(REFERENCE, databases=(), alarms=tuple(
        a for a in REFERENCE.alarms if a.metric != "database.replication_lag"), functions=tuple(
        dataclasses.replace(f, access=tuple(g for g in f.access if g.kind != "database")) for f in REFERENCE.functions)),
}
ENDS_WITH_THE_LOCK = ("Done", "Failed", "Denied", "PromotionTimedOut", "Degraded")


def _next_states(state: dict[str, Any]) -> set[str]:
    found = {state["Next"]} if "Next" in state else set()
    found |= {c["Next"] for c in state.get("Choices", [])}
    found |= {c["Next"] for c in state.get("Catch", [])}
    if "Default" in state:
        found.add(state["Default"])
    return found


def _machines(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The top-level machine and every Parallel branch, each a machine of its own."""
    found = [document]
    for state in document["States"].values():
        for branch in state.get("Branches", []):
            found += _machines(branch)
    return found


def _tasks(document: dict[str, Any]) -> list[tuple[str, dict[str, Any], bool]]:
    """(name, state, in a branch) of every Task."""
    top = [(n, s, False) for n, s in document["States"].items() if s["Type"] == "Task"]
    nested = [(n, s, True) for m in _machines(document)[1:] for n, s in m["States"].items() if s["Type"] == "Task"]
    return top + nested


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_state_is_reachable_and_no_next_dangles(variant: str) -> None:
    for machine in _machines(asl.definition(VARIANTS[variant])):
        states = machine["States"]
        reached, todo = set(), [machine["StartAt"]]
        while todo:
            name = todo.pop()
            if name in reached:
                continue
            reached.add(name)
            targets = _next_states(states[name])
            assert targets <= set(states), f"{name} points at {targets - set(states)}"
            todo.extend(targets)
        assert reached == set(states)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_task_retries_and_every_failure_is_handled(variant: str) -> None:
    document = asl.definition(VARIANTS[variant])
    for name, state, in_branch in _tasks(document):
        assert state.get("Retry"), name
        # a branch's error fails the Parallel state, whose Catch decides (escalate, time out, fail)
        assert bool(state.get("Catch")) is not in_branch, name
        if state["Resource"].endswith(".waitForTaskToken"):
            assert state["TimeoutSeconds"] > 0, name
            assert state["Retry"][0] == {"ErrorEquals": ["Denied"], "MaxAttempts": 0}, "a denial is never re-asked"
    for state in document["States"].values():
        if state["Type"] == "Parallel":
            assert state["Catch"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_statelint_accepts_every_rendered_region(variant: str, tmp_path: Path) -> None:
    bp = VARIANTS[variant]
    statelint = shutil.which("statelint") or str(Path(sys.executable).parent / "statelint")
    for region in bp.regions:  # the primary too: failing back is the same machine there
        path = tmp_path / f"{region.name}.asl.json"
        path.write_text(json.dumps(asl.document(bp, region.name)))
        done = subprocess.run([statelint, str(path)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_lock_is_released_at_every_end_that_holds_it(variant: str) -> None:
    states = asl.definition(VARIANTS[variant])["States"]
    take = states["TakeLock"]
    assert take["Resource"] == "arn:aws:states:::dynamodb:putItem"
    assert take["Parameters"]["ConditionExpression"] == "attribute_not_exists(pk) OR #expires < :now OR #owner = :me"
    assert take["Parameters"]["Item"]["region"] == {"S": "${Region}"}
    for end in [e for e in ENDS_WITH_THE_LOCK if e in states]:
        before = [n for n, s in states.items() if end in _next_states(s)]
        assert before and all(states[n]["Resource"] == "arn:aws:states:::dynamodb:deleteItem" for n in before), end
        for name in before:
            assert states[name]["Parameters"]["ConditionExpression"] == "#owner = :me"
    # the machine that lost the race stops cleanly, without touching the winner's lock; only a lock left by an
    # ended run of this same machine (asked of the readiness function) is taken over, conditioned on that owner
    assert states["IsOwner"]["Default"] == "LockOwnerStatus" and states["NotifySuperseded"]["Next"] == "Superseded"
    assert states["LockOwnerStatus"]["Parameters"]["Payload"] == {
        "phase": "lock", "owner.$": "$.lock.Item.owner.S", "machine.$": "$$.StateMachine.Id"}
    assert [c["Next"] for c in states["LockOwnerStatus"]["Catch"]] == ["NotifySuperseded"]
    assert states["OwnerEnded"]["Choices"] == [
        {"Variable": "$.lockOwner.value.stale", "BooleanEquals": True, "Next": "TakeStaleLock"}]
    assert states["OwnerEnded"]["Default"] == "NotifySuperseded"
    stale = states["TakeStaleLock"]["Parameters"]
    assert stale["ConditionExpression"] == "#owner = :stale" and stale["Item"] == take["Parameters"]["Item"]
    assert stale["ExpressionAttributeValues"] == {":stale": {"S.$": "$.lock.Item.owner.S"}}
    assert states["Superseded"] == {"Type": "Pass", "Result": {"superseded": True}, "End": True}
    assert states["SettleLock"]["Seconds"] == asl.LOCK_SETTLE_SECONDS


def test_nothing_changes_before_the_lock_and_the_alarm_must_come_from_the_active_region() -> None:
    states = asl.definition(REFERENCE)["States"]
    assert states["Inspect"]["Parameters"]["Payload"]["inspect"] is True
    assert states["FromActive"]["Choices"][0] == {"Variable": "$.alarmRegion", "Next": "IsAlreadyActive",
                                                  "StringEqualsPath": "$.inspect.value.activeRegion"}
    assert states["FromActive"]["Default"] == "NotFromActive" and states["NotFromActive"]["End"] is True
    assert states["RankDelay"]["SecondsPath"] == "$.inspect.value.rankDelaySeconds"
    assert states["IsAlreadyActive"]["Choices"][0]["Next"] == "EnsureConsumers"
    assert states["EnsureConsumers"]["Next"] == "NotifyNothingToDo"


def test_decide_comes_before_any_promotion_and_only_both_signals_down_lead_to_a_lossy_path() -> None:
    states = asl.definition(REFERENCE)["States"]
    assert states["NeedsPromotion"]["Choices"][0]["Next"] == "Decide"
    assert states["Decide"]["Parameters"]["FunctionName"] == "${CanaryFunctionArn}"
    assert states["Decide"]["Parameters"]["Payload"]["action"] == "decide"
    assert states["IsActiveDown"]["Choices"] == [{"Variable": "$.decision.value.activeDown", "BooleanEquals": True,
                                                  "Next": "LossyPath"}]
    assert states["IsActiveDown"]["Default"] == "SetSwitchover"  # reachable or mixed: switch over, lose nothing
    assert states["LossyPath"]["Next"] == "RequestApproval"
    lossy = asl.definition(LOSSY)["States"]["LossyPath"]
    assert lossy["Choices"][0] == {"Variable": "$.inspect.value.lossWithinBound", "BooleanEquals": True,
                                   "Next": "SetFailover"}
    assert lossy["Default"] == "RequestApproval"


@pytest.mark.parametrize("variant", ["reference", "lossy", "three-region"])
def test_one_approval_names_the_possible_loss_and_a_failed_switchover_escalates_to_it(variant: str) -> None:
    states = asl.definition(VARIANTS[variant])["States"]
    approvals = [n for n, s in states.items() if s.get("Resource", "").endswith(".waitForTaskToken")]
    assert approvals == ["RequestApproval"]
    message = states["RequestApproval"]["Parameters"]["Message.$"]
    assert "may lose data: {}" in message and "$.inspect.value.lastKnownGood.summary" in message
    assert states["RequestApproval"]["TimeoutSeconds"] == asl.APPROVAL_TIMEOUT_SECONDS
    assert states["PromoteDatabases"]["Type"] == "Parallel"
    assert states["PromotionStopped"]["Choices"][0] == {"Variable": "$.mode", "StringEquals": "switchover",
                                                        "Next": "NotifyEscalation"}
    assert states["NotifyEscalation"]["Next"] == "RequestApproval"


def test_each_database_promotes_in_its_own_idempotent_branch() -> None:
    document = asl.document(THREE, "eu-north-1")
    parallel = document["States"]["PromoteDatabases"]
    assert len(parallel["Branches"]) == len(THREE.databases)
    for db, branch in zip(THREE.databases, parallel["Branches"], strict=True):
        k = asl.db_key(db.name)
        promote = branch["States"][f"Promote{k}"]
        assert promote["Parameters"]["Payload"] == {
            "action.$": "$.mode", "global_cluster": f"{THREE.prefix}-{db.name}",
            "target_cluster_arn": f"arn:aws:rds:eu-north-1:${{AWS::AccountId}}:cluster:{THREE.prefix}-{db.name}-eu-north-1"}
        assert branch["States"][f"Started{k}"]["Choices"][0] == {
            "Variable": "$.promotion.value.already", "BooleanEquals": True, "Next": f"Writer{k}"}
        limit = branch["States"][f"Promoted{k}"]["Choices"][1]["NumericGreaterThanEquals"]
        assert (limit - 1) * asl.POLL_SECONDS < THREE.failover.promotion_timeout.seconds <= limit * asl.POLL_SECONDS


def test_every_arn_is_concrete() -> None:
    text = json.dumps(asl.document(REFERENCE, "us-east-2"))
    for arn in [w.strip('",') for w in text.split() if w.strip('",').startswith("arn:")]:
        assert ":*" not in arn and not arn.endswith("*"), arn


def test_traffic_moves_on_the_data_plane_in_this_region_unless_it_already_has() -> None:
    states = asl.document(REFERENCE, "us-east-2")["States"]
    assert states["MoveTraffic"]["Resource"] == "arn:aws:states:::dynamodb:putItem"
    assert states["MoveTraffic"]["Parameters"]["Item"]["region"] == {"S": "us-east-2"}
    assert states["FlagHere"]["Choices"][0]["StringEquals"] == "us-east-2"
    assert states["FlagHere"]["Choices"][0]["Next"] == "ScaleUp"
    assert "route53" not in json.dumps(asl.definition(REFERENCE)).lower()


def test_capacity_follows_the_strategy() -> None:
    warm = asl.document(REFERENCE, "us-east-2")["States"]["ScaleUp"]["Parameters"]["Payload"]
    db = REFERENCE.databases[0]
    assert warm["databases"] == [{"cluster_arn": f"arn:aws:rds:us-east-2:${{AWS::AccountId}}:cluster:"
                                                 f"{REFERENCE.prefix}-{db.name}-us-east-2",
                                  "instances": [f"{REFERENCE.prefix}-{db.name}-us-east-2-{i + 1}"
                                                for i in range(db.primary_instances)]}]
    assert warm["functions"] == []
    pilot = asl.definition(VARIANTS["pilot-light"])["States"]
    assert pilot["ScaleUp"]["Parameters"]["Payload"]["functions"] == [
        f"{REFERENCE.prefix}-{f.name}" for f in REFERENCE.functions]
    assert pilot["DisableConsumers"]["Parameters"]["Payload"]["pilot_light"] is True
    assert "ScaleUp" not in asl.definition(THREE)["States"]  # hot standby already runs at full size


def test_consumers_move_with_traffic_and_leaving_is_best_effort() -> None:
    states = asl.definition(REFERENCE)["States"]
    assert states["EnableConsumers"]["Parameters"]["Payload"]["action"] == "activate"
    assert states["LeftRegion"]["Choices"][0]["StringEquals"] == "${Region}"
    disable = states["DisableConsumers"]
    assert disable["Parameters"]["Payload"]["region.$"] == "$.inspect.value.fromRegion"
    # whether or not the old region's consumers could be switched off, its queues are redriven next
    assert disable["Next"] == "RedriveFrom"
    assert disable["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.disableError",
                                 "Next": "RedriveFrom"}]


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_execution_timeout_covers_the_work(variant: str) -> None:
    bp = VARIANTS[variant]
    document = asl.definition(bp)
    assert document["TimeoutSeconds"] == asl.timeout_seconds(bp)
    assert document["States"]["Inspect"]["Parameters"]["Payload"]["lock_seconds"] == document["TimeoutSeconds"]
    floor = (len(bp.secondaries) - 1) * asl.RANK_DELAY_SECONDS + asl.LOCK_SETTLE_SECONDS
    if bp.databases:
        floor += asl.DECIDE_SECONDS + asl.APPROVAL_TIMEOUT_SECONDS + 2 * bp.failover.promotion_timeout.whole_seconds
    assert document["TimeoutSeconds"] > floor


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=60, max_value=3600))
def test_a_longer_promotion_timeout_gives_a_longer_execution(seconds: int) -> None:
    longer = dataclasses.replace(REFERENCE, failover=dataclasses.replace(
        REFERENCE.failover, promotion_timeout=durations.seconds(seconds + 60)))
    shorter = dataclasses.replace(REFERENCE, failover=dataclasses.replace(
        REFERENCE.failover, promotion_timeout=durations.seconds(seconds)))
    assert asl.timeout_seconds(longer) - asl.timeout_seconds(shorter) == 120  # a switchover and a failover


def test_template_embeds_the_same_definition_in_every_region() -> None:
    rendered = drgen.render(REFERENCE)
    template = json.loads(rendered.files["templates/orchestration.json"])
    machine = template["Resources"]["StateMachine"]["Properties"]
    assert machine["Definition"] == asl.definition(REFERENCE)
    assert set(machine["DefinitionSubstitutions"]) == set(asl.substitution_names(REFERENCE))
    assert sorted(k for k in rendered.files if k.startswith("statemachines/")) == sorted(
        f"statemachines/{r}.asl.json" for r in REFERENCE.region_names)


def test_who_serves_is_never_a_template_parameter() -> None:
    rendered = drgen.render(REFERENCE)
    orchestration = json.loads(rendered.files["templates/orchestration.json"])
    assert "Role" not in orchestration.get("Parameters", {}) and "Conditions" not in orchestration
    config = json.loads(orchestration["Resources"]["ReadinessFunction"]["Properties"]["Environment"]["Variables"][
        "DRGEN_CONFIG"]["Fn::Sub"])
    assert config["ranks"] == {"us-east-1": 0, "us-east-2": 0}
    app = json.loads(rendered.files["templates/app.json"])
    for resource in app["Resources"].values():
        if resource["Type"] == "AWS::Lambda::EventSourceMapping":
            assert resource["Properties"]["Enabled"] is False  # the same everywhere: the machine enables them
        if resource["Type"] == "AWS::Lambda::Function":
            assert "ReservedConcurrentExecutions" not in resource["Properties"]


def test_the_rank_is_the_blueprints_order_of_secondaries() -> None:
    orchestration = json.loads(drgen.render(THREE).files["templates/orchestration.json"])
    config = json.loads(orchestration["Resources"]["ReadinessFunction"]["Properties"]["Environment"]["Variables"][
        "DRGEN_CONFIG"]["Fn::Sub"])
    assert config["ranks"] == {THREE.primary.name: 0, **{r.name: i for i, r in enumerate(THREE.secondaries)}}
    assert config["rank_delay_seconds"] == asl.RANK_DELAY_SECONDS


@pytest.mark.parametrize("schedule, seconds", [("rate(1 hour)", 7500), ("rate(5 minutes)", 900),
                                               ("rate(1 day)", 173_100), ("cron(0 * * * ? *)", 86_400)])
def test_a_readiness_result_stays_good_for_two_schedule_periods(schedule: str, seconds: int) -> None:
    assert good_for_seconds(schedule) == seconds


def test_an_unanswered_or_denied_approval_is_not_approved_and_one_that_could_not_be_asked_is_a_failure() -> None:
    states = asl.definition(REFERENCE)["States"]
    catches = [(c["ErrorEquals"], c["Next"]) for c in states["RequestApproval"]["Catch"]]
    assert catches == [(["Denied", "States.Timeout"], "NotifyDenied"), (["States.ALL"], "NotifyFailure")]
    assert states["NotifyFailure"]["Next"] == "ReleaseFailed"
