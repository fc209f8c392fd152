"""The failover state machine, statically: valid ASL, every state reachable, every task guarded."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import drgen
from drgen import asl

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = drgen.load(ROOT / "blueprints" / "trading-platform.yaml")
VARIANTS = {
    "reference": REFERENCE,
    "three-region": drgen.load(ROOT / "blueprints" / "three-region.yaml"),
    "lossy": dataclasses.replace(REFERENCE, failover=dataclasses.replace(REFERENCE.failover, allow_data_loss=True)),
    "no-database": dataclasses.replace(REFERENCE, databases=(), alarms=tuple(
        a for a in REFERENCE.alarms if a.metric != "database.replication_lag"), functions=tuple(
        dataclasses.replace(f, access=tuple(g for g in f.access if g.kind != "database")) for f in REFERENCE.functions)),
}


def _next_states(state: dict[str, Any]) -> set[str]:
    found = {state["Next"]} if "Next" in state else set()
    found |= {c["Next"] for c in state.get("Choices", [])}
    found |= {c["Next"] for c in state.get("Catch", [])}
    if "Default" in state:
        found.add(state["Default"])
    return found


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_state_is_reachable_and_no_next_dangles(variant: str) -> None:
    states = asl.definition(VARIANTS[variant])["States"]
    reached, todo = set(), ["CheckReadiness"]
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
def test_every_task_retries_and_catches(variant: str) -> None:
    for name, state in asl.definition(VARIANTS[variant])["States"].items():
        if state["Type"] != "Task":
            continue
        if name != "NotifyFailure":  # the catch-all's own notification may only retry, then fail
            assert state.get("Catch"), name
        if not state["Resource"].endswith(".waitForTaskToken"):
            assert state.get("Retry"), name
        else:
            assert state["TimeoutSeconds"] > 0, name


@pytest.mark.parametrize("variant", VARIANTS)
def test_statelint_accepts_every_rendered_region(variant: str, tmp_path: Path) -> None:
    bp = VARIANTS[variant]
    statelint = shutil.which("statelint") or str(Path(sys.executable).parent / "statelint")
    for region in bp.secondaries:
        path = tmp_path / f"{region.name}.asl.json"
        path.write_text(json.dumps(asl.document(bp, region.name)))
        done = subprocess.run([statelint, str(path)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


def test_promotion_names_the_global_cluster_and_targets_this_regions_cluster() -> None:
    document = asl.document(REFERENCE, "us-east-2")
    payload = document["States"]["SwitchoverTrading"]["Parameters"]["Payload"]
    assert payload == {"action": "switchover", "global_cluster": "trading-platform-prod-trading",
                       "target_cluster_arn": "arn:aws:rds:us-east-2:${AWS::AccountId}:cluster:"
                                             "trading-platform-prod-trading-us-east-2"}
    assert document["States"]["ChooseTrading"]["Default"] == "RequestApprovalTrading"
    assert asl.document(VARIANTS["lossy"], "us-east-2")["States"]["ChooseTrading"]["Default"] == "FailoverTrading"


def test_every_arn_is_concrete() -> None:
    text = json.dumps(asl.document(REFERENCE, "us-east-2"))
    for arn in [w.strip('",') for w in text.split() if w.strip('",').startswith("arn:")]:
        assert ":*" not in arn and not arn.endswith("*"), arn


def test_wait_is_bounded_by_the_promotion_timeout() -> None:
    states = asl.definition(REFERENCE)["States"]
    limit = states["PromotedTrading"]["Choices"][1]["NumericGreaterThanEquals"]
    assert limit * asl.POLL_SECONDS == REFERENCE.failover.promotion_timeout.whole_seconds


def test_traffic_moves_on_the_data_plane_in_this_region() -> None:
    state = asl.document(REFERENCE, "us-east-2")["States"]["MoveTraffic"]
    assert state["Resource"] == "arn:aws:states:::dynamodb:putItem"
    assert state["Parameters"]["Item"]["region"] == {"S": "us-east-2"}
    assert "route53" not in json.dumps(asl.definition(REFERENCE)).lower()


def test_template_embeds_the_same_definition() -> None:
    rendered = drgen.render(REFERENCE)
    template = json.loads(rendered.files["templates/orchestration.json"])
    machine = template["Resources"]["StateMachine"]["Properties"]
    assert machine["Definition"] == asl.definition(REFERENCE)
    assert set(machine["DefinitionSubstitutions"]) == set(asl.substitution_names(REFERENCE))
