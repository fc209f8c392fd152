"""build.partial: what needs a model (E407, E408, the objectives) runs on the sound part of a blueprint with
errors, so every problem is reported at once; what is broken is left out and never invents a finding."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from drgen import build, resources
from drgen.validation import check_text

REFERENCE = Path(__file__).resolve().parents[1] / "blueprints" / "trading-platform.yaml"
BASE: dict[str, Any] = yaml.safe_load(REFERENCE.read_text())
TWICE = {"queue": "trade-orders", "batch_size": 20, "max_batching_window": "5s"}


def _found(data: dict[str, Any]) -> list[tuple[str, str]]:
    result = check_text(yaml.safe_dump(data, sort_keys=False), "bp.yaml", str(REFERENCE.parent))
    return sorted((d.code, d.path) for d in result.diagnostics)


def test_a_name_clash_is_reported_beside_an_unrelated_error() -> None:
    data = copy.deepcopy(BASE)
    data["failover"]["notify"]["emails"] = ["not-an-address"]
    data["functions"][0]["triggers"].append(TWICE)
    assert _found(data) == [("E105", "failover.notify.emails[0]"), ("E408", "functions[0].triggers[1]")]


def test_a_broken_objective_leaves_the_estimates_but_not_the_objective_findings() -> None:
    data = copy.deepcopy(BASE)
    data["objectives"]["rpo"] = "1x"
    del data["buckets"][0]["rpo"]  # would break an rpo of 1m
    data["functions"][0]["triggers"].append(TWICE)
    assert _found(data) == [("E401", "objectives.rpo"), ("E408", "functions[0].triggers[1]")]


def test_a_name_defined_twice_is_one_error_not_two() -> None:
    data = copy.deepcopy(BASE)
    data["queues"].append(copy.deepcopy(data["queues"][0]))  # E301; its logical IDs would clash too
    assert [code for code, _ in _found(data)] == ["E301"]


def test_the_sound_part_holds_together() -> None:
    data = copy.deepcopy(BASE)
    data["queues"][0]["retention"] = "15 days"  # the queue is left out, and so are the trigger and grant naming it
    built = build.partial(resources.schema(), data, str(REFERENCE.parent), lambda path: path[:2] == ("queues", 0))
    assert built is not None
    model, left_out = built
    assert model.queues == () and ("queues", 0) in left_out
    assert model.functions[0].triggers == () and all(g.kind != "queue" for g in model.functions[0].access)
    assert all(r.target != "queue" for r in model.api.routes)  # type: ignore[union-attr]
    assert all(a.subject != "trade-orders" for a in model.alarms)


def test_no_frame_no_model() -> None:
    data = copy.deepcopy(BASE)
    data["regions"][0]["role"] = "secondary"  # no primary: nothing holds together
    assert build.partial(resources.schema(), data, ".", lambda path: False) is None
