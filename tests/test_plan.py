"""Ordering properties of the deployment plan, on several shapes of blueprint."""

from __future__ import annotations

import dataclasses

import pytest

from drgen.durations import parse
from drgen.model import (
    Api,
    Blueprint,
    Bucket,
    Capacity,
    Database,
    Detection,
    Dns,
    Failover,
    Function,
    Objectives,
    Region,
    Route,
)
from drgen.planning import Plan, build_plan


def _blueprint(regions: tuple[tuple[str, str], ...], strategy: str = "warm-standby", zone_id: str | None = None,
               databases: bool = True, buckets: bool = True) -> Blueprint:
    return Blueprint(
        version=1, name="shop", environment="prod", strategy=strategy,  # type: ignore[arg-type]
        objectives=Objectives(parse("1m"), parse("15m")),
        regions=tuple(Region(name, role, f"10.{i}.0.0/16", (f"{name}a", f"{name}b"))  # type: ignore[arg-type]
                      for i, (name, role) in enumerate(regions)),
        failover=Failover("automatic", False, parse("10m"), "rate(1 hour)", Detection(parse("1m"), 3), parse("15m")),
        databases=(Database("orders", "aurora-postgresql", "16.9", "orders", "admin", Capacity(0.5, 4), None, 2, 1,
                            parse("7d"), True, parse("1s")),) if databases else (),
        buckets=(Bucket("docs", True, True),) if buckets else (),
        functions=(Function("worker", "functions/worker", "handler.handler", "python3.12", 256, parse("30s"), True),),
        api=Api("shop-api", "prod", (Route("GET", "/health", "health"),)),
        dns=Dns("shop.example.com", "api", zone_id),
    )


TWO = (("us-east-1", "primary"), ("us-west-2", "secondary"))
THREE = (("eu-west-1", "primary"), ("eu-central-1", "secondary"), ("eu-north-1", "secondary"))
SHAPES = {
    "two-regions": _blueprint(TWO),
    "three-regions": _blueprint(THREE),
    "three-regions-given-zone": _blueprint(THREE, zone_id="Z123ABC"),
    "no-data": _blueprint(TWO, databases=False, buckets=False),
    "backup-restore": _blueprint(THREE, strategy="backup-restore"),
}


def _position(plan: Plan) -> dict[str, int]:
    return {s.id: s.number for s in plan.steps}


def _done_before(plan: Plan, first: str, then: str) -> bool:
    """Whether ``first`` finishes before ``then`` starts, following the waits transitively."""
    waits = {s.id: {f"{w.layer}@{w.region}" for w in s.waits_for} for s in plan.steps}
    seen, todo = set(), [then]
    while todo:
        for parent in waits[todo.pop()]:
            if parent == first:
                return True
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return False


@pytest.mark.parametrize("shape", SHAPES)
def test_every_wait_names_an_earlier_step_and_says_why(shape: str) -> None:
    plan = build_plan(SHAPES[shape])
    position = _position(plan)
    for step in plan.steps:
        for wait in step.waits_for:
            assert position[f"{wait.layer}@{wait.region}"] < step.number
            assert wait.why


@pytest.mark.parametrize("shape", SHAPES)
def test_bootstrap_comes_before_everything_in_its_region(shape: str) -> None:
    plan = build_plan(SHAPES[shape])
    for step in plan.steps:
        if step.layer not in ("bootstrap", "zone", "dns") and step.region in SHAPES[shape].region_names:
            assert _done_before(plan, f"bootstrap@{step.region}", step.id), step.id


@pytest.mark.parametrize("shape", ["two-regions", "three-regions", "three-regions-given-zone"])
def test_aurora_primary_before_any_secondary_joins(shape: str) -> None:
    bp = SHAPES[shape]
    plan = build_plan(bp)
    for secondary in bp.secondaries:
        assert _done_before(plan, f"database@{bp.primary.name}", f"database@{secondary.name}")
    assert plan.to_dict()["layers"][[layer.name for layer in plan.layers].index("database")]["concurrency"] == \
        "SEQUENTIAL"


@pytest.mark.parametrize("shape", ["two-regions", "three-regions", "backup-restore"])
def test_replication_destinations_before_the_source(shape: str) -> None:
    bp = SHAPES[shape]
    plan = build_plan(bp)
    for secondary in bp.secondaries:
        assert _done_before(plan, f"storage@{secondary.name}", f"storage@{bp.primary.name}")


@pytest.mark.parametrize("shape", SHAPES)
def test_global_table_declared_once_after_every_regions_key(shape: str) -> None:
    bp = SHAPES[shape]
    plan = build_plan(bp)
    tables = [s for s in plan.steps if s.layer == "tables"]
    assert [s.region for s in tables] == [bp.primary.name]
    for region in bp.region_names:
        assert _done_before(plan, f"bootstrap@{region}", tables[0].id)


@pytest.mark.parametrize("shape", ["two-regions", "three-regions", "three-regions-given-zone", "no-data"])
def test_orchestration_in_every_region_and_dns_after_every_api(shape: str) -> None:
    bp = SHAPES[shape]
    plan = build_plan(bp)
    # the machine in R makes R active: failing back is the same machine, started in the original primary
    assert sorted(s.region for s in plan.steps if s.layer == "orchestration") == sorted(bp.region_names)
    dns = plan.step("dns", "us-east-1")
    for region in bp.region_names:
        assert _done_before(plan, f"app@{region}", dns.id)


def test_backup_restore_runs_no_compute_in_secondaries() -> None:
    bp = SHAPES["backup-restore"]
    plan = build_plan(bp)
    assert [s.region for s in plan.steps if s.layer == "app"] == [bp.primary.name]
    assert not [s for s in plan.steps if s.layer == "orchestration"]


def test_zone_stack_only_when_no_zone_id_is_given() -> None:
    assert any(s.layer == "zone" for s in build_plan(SHAPES["three-regions"]).steps)
    assert not any(s.layer == "zone" for s in build_plan(SHAPES["three-regions-given-zone"]).steps)


def test_waves_cover_every_step_once_and_respect_waits() -> None:
    plan = build_plan(SHAPES["three-regions"])
    waves = plan.batches()
    flat = [s.id for wave in waves for s in wave]
    assert sorted(flat) == sorted(s.id for s in plan.steps)
    wave_of = {s.id: i for i, wave in enumerate(waves) for s in wave}
    for step in plan.steps:
        for wait in step.waits_for:
            assert wave_of[f"{wait.layer}@{wait.region}"] < wave_of[step.id]


def test_text_and_dict_forms_agree() -> None:
    plan = build_plan(SHAPES["two-regions"])
    text = plan.text()
    data = plan.to_dict()
    assert len(data["steps"]) == len(plan.steps)
    for step in data["steps"]:
        assert f"{step['layer']:<13} {step['region']}" in text


def test_plan_is_a_pure_function_of_the_model() -> None:
    bp = SHAPES["three-regions"]
    assert build_plan(bp) == build_plan(dataclasses.replace(bp))


def test_a_layer_forced_sequential_is_planned_one_region_after_another() -> None:
    from drgen.orgs import Concurrency, Deployment

    plain = build_plan(SHAPES["three-regions"])
    forced = build_plan(dataclasses.replace(SHAPES["three-regions"], deployment=Deployment(
        layers=(("app", Concurrency(region_concurrency="sequential")),))))
    app = {layer.name: layer for layer in forced.layers}["app"]
    assert not {layer.name: layer for layer in plain.layers}["app"].sequential and app.sequential
    assert [entry["concurrency"] for entry in forced.to_dict()["layers"] if entry["name"] == "app"] == ["SEQUENTIAL"]
    first, second = app.regions[0], app.regions[1]
    assert _done_before(forced, f"app@{first}", f"app@{second}")
    assert not _done_before(plain, f"app@{first}", f"app@{second}")
    network = {layer.name: layer for layer in forced.layers}["network"]
    assert not network.sequential  # only the layer the blueprint names
