"""drgen.scale: the StackSet operations and instances of a deploy (checked against a real deploy on moto), the
deploy time estimate's shape, the quotas, and W415."""

from __future__ import annotations

import shutil
from pathlib import Path

import boto3
import pytest

import drgen
from drgen import scale
from drgen.aws.deploy import DeployOptions
from drgen.planning import Plan, build_plan
from tests import motocompat

motocompat.install()

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "blueprints" / "trading-platform.yaml"
PREFIX = "trading-platform-prod"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return build_plan(drgen.load(REFERENCE))


def test_operations_and_instances_are_what_a_deploy_makes(session: boto3.Session, plan: Plan) -> None:
    rendered = drgen.render(drgen.load(REFERENCE))
    motocompat.create_stackset_roles(session, rendered)
    report = scale.estimate(plan, accounts=1)
    result = drgen.deploy(rendered, session, options=DeployOptions(poll_seconds=0))
    stacks = sum(1 for layer in report.layers if layer.kind == "stack")
    assert len(result.operations) == report.operations + stacks
    cf = session.client("cloudformation", region_name=rendered.blueprint.control_region)
    for layer in report.layers:
        if layer.kind != "stackset":
            continue
        name = drgen.naming.stack(PREFIX, layer.name)
        assert len(cf.list_stack_instances(StackSetName=name)["Summaries"]) == layer.instances, layer.name
        actions = [o["Action"] for o in cf.list_stack_set_operations(StackSetName=name)["Summaries"]]
        assert actions.count("CREATE") == layer.regions, layer.name  # one CreateStackInstances per region
        if layer.name == "storage":  # and one UpdateStackSet over every region (moto lists it twice)
            assert "UPDATE" in actions and layer.operations == layer.regions + 1
        else:
            assert len(actions) == layer.operations, layer.name


def test_accounts_multiply_instances_and_serial_time_not_operations(plan: Plan) -> None:
    one, many = scale.estimate(plan, accounts=1), scale.estimate(plan, accounts=200)
    assert many.operations == one.operations  # one operation per region, over every account
    assert many.instances == 200 * one.instances
    assert many.stacksets == one.stacksets == sum(1 for layer in plan.layers if layer.kind == "stackset")
    stacks = sum(s.minutes for s in one.layers if s.kind == "stack")
    assert many.minutes - stacks == pytest.approx(
        sum(s.operations for s in one.layers) * scale.OPERATION_OVERHEAD_MINUTES
        + 200 * (one.minutes - stacks - one.operations * scale.OPERATION_OVERHEAD_MINUTES))
    assert many.concurrent_minutes < many.minutes / 10  # 20 accounts at once, the plan's waves in parallel
    assert one.concurrent_minutes <= one.minutes


def test_concurrency_is_capped_at_what_a_stackset_allows(plan: Plan) -> None:
    capped = scale.estimate(plan, accounts=1000, concurrency=500)
    assert capped.concurrency == scale.MAX_CONCURRENT_INSTANCES_PER_STACKSET
    assert capped.concurrent_minutes == scale.estimate(plan, accounts=1000, concurrency=100).concurrent_minutes
    assert scale.estimate(plan, accounts=3, concurrency=20).concurrency == 3
    with pytest.raises(ValueError):
        scale.estimate(plan, accounts=0)


def test_quotas_are_set_against_aws_figures(plan: Plan) -> None:
    quotas = {q.name: q for q in scale.estimate(plan, accounts=200).quotas}
    assert quotas["stack instances per StackSet"].needed == 2 * 200
    assert quotas["stack instances per StackSet"].limit == 100_000
    assert quotas["StackSets per administrator account"].limit == 1_000
    assert not any(q.exceeded for q in quotas.values())
    assert quotas["stack instances per StackSet"].needed * 300 > 100_000  # 60,000 accounts would exceed it
    over = {q.name: q for q in scale.estimate(plan, accounts=60_000).quotas}
    assert over["stack instances per StackSet"].exceeded


def test_the_report_reads(plan: Plan) -> None:
    text = scale.estimate(plan, accounts=200).text()
    assert text.startswith("trading-platform-prod: 2 regions x 200 accounts: 6 StackSets, 2,400 stack instances, "
                           "13 StackSet operations")
    assert "quota stack instances per StackSet: 400 of 100,000" in text
    assert scale.estimate(plan).to_dict()["operations"] == 13


def _validate(tmp_path: Path, accounts: int) -> list[drgen.Diagnostic]:
    text = REFERENCE.read_text()
    ids = "".join(f'\n  - "{100000000000 + i:012d}"' for i in range(accounts))
    (tmp_path / "bp.yaml").write_text(text.replace("\nregions:", f"\naccounts:{ids}\n\nregions:", 1))
    shutil.copytree(ROOT / "blueprints" / "functions", tmp_path / "functions")
    return drgen.validate(tmp_path / "bp.yaml")


def test_w415_warns_past_the_instances_quota(tmp_path: Path) -> None:
    found = _validate(tmp_path, 50_001)  # 2 regions: 100,002 instances
    assert [d.code for d in found] == ["W415"], [str(d) for d in found]
    assert "100,002 stack instances" in found[0].message


def test_no_w415_at_the_quota(tmp_path: Path) -> None:
    assert [d.code for d in _validate(tmp_path, 50_000)] == []
