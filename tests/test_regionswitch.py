"""The ARC Region switch plan (failover.orchestrator: arc-region-switch): the rendered resource against the
CloudFormation resource schema cfn-lint ships, the steps against drgen's state machine, and least privilege.
moto does not model arc-region-switch (nor its CloudFormation type), so nothing here deploys the plan."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

import drgen
from drgen.rendering import render_blueprint

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def rendered() -> dict[str, Any]:
    out = render_blueprint(drgen.load(ROOT / "blueprints" / "region-switch.yaml"))
    template: dict[str, Any] = json.loads(out.files["templates/regionswitch.json"])
    return template


def _resolved(node: Any, resources: dict[str, Any]) -> Any:
    """``node`` as CloudFormation would pass it to the resource handler in one account."""
    if isinstance(node, dict):
        if set(node) == {"Fn::Sub"}:
            return node["Fn::Sub"].replace("${AWS::Partition}", "aws").replace("${AWS::AccountId}", ACCOUNT)
        if set(node) == {"Fn::GetAtt"}:
            logical, attribute = node["Fn::GetAtt"]
            assert attribute == "Arn"
            return f"arn:aws:iam::{ACCOUNT}:role/{resources[logical]['Properties']['RoleName']}"
        return {k: _resolved(v, resources) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolved(v, resources) for v in node]
    return node


def test_the_plan_is_valid_against_the_cloudformation_resource_schema(rendered: dict[str, Any]) -> None:
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::ARCRegionSwitch::Plan").schema
    properties = _resolved(rendered["Resources"]["Plan"]["Properties"], rendered["Resources"])
    jsonschema.Draft7Validator(schema).validate(properties)
    broken = dict(properties, Regions=[*properties["Regions"], "eu-west-1"])
    with pytest.raises(jsonschema.ValidationError):  # the schema really checks: a plan has two regions
        jsonschema.Draft7Validator(schema).validate(broken)


def _steps(rendered: dict[str, Any], region: str) -> list[dict[str, Any]]:
    workflows = rendered["Resources"]["Plan"]["Properties"]["Workflows"]
    (workflow,) = [w for w in workflows if w["WorkflowTargetRegion"] == region]
    assert workflow["WorkflowTargetAction"] == "activate"
    steps: list[dict[str, Any]] = workflow["Steps"]
    return steps


def _event(step: dict[str, Any], region: str) -> dict[str, Any]:
    config = step["ExecutionBlockConfiguration"]["CustomActionLambdaConfig"]
    assert config["RegionToRun"] == "activatingRegion"  # never a dependency on the region being left
    (entry,) = [x for x in config["Lambdas"] if f":{region}:" in json.dumps(x["Arn"])]
    payload = entry["Payload"]
    text = payload["Fn::Sub"] if isinstance(payload, dict) else payload
    event: dict[str, Any] = json.loads(text)
    return event


@pytest.mark.parametrize("region, other", [("us-west-2", "us-east-1"), ("us-east-1", "us-west-2")])
def test_each_region_has_an_activate_workflow_in_the_machines_order(rendered: dict[str, Any], region: str,
                                                                      other: str) -> None:
    steps = _steps(rendered, region)
    assert [s["Name"] for s in steps] == ["check-readiness", "approve", "promote-ledger", "scale-up", "take-traffic",
                                          "enable-consumers", "disable-consumers", "validate"]
    by_name = {s["Name"]: s for s in steps}
    assert _event(by_name["check-readiness"], region) == {"phase": "pre", "require_ready": True}
    assert _event(by_name["validate"], region) == {"phase": "post", "require_ready": True}
    assert _event(by_name["take-traffic"], region) == {"action": "take-traffic",
                                                        "control_table": "ledger-rs-prod-drgen-control"}
    scale = _event(by_name["scale-up"], region)
    assert scale["databases"][0]["cluster_arn"].endswith(f":{region}:${{AWS::AccountId}}:cluster:ledger-rs-prod-ledger-{region}")
    assert len(scale["databases"][0]["instances"]) == 2
    assert _event(by_name["enable-consumers"], region) == {"action": "activate", "functions": ["ledger-rs-prod-ledger-writer"]}
    disable = by_name["disable-consumers"]
    assert _event(disable, region)["region"] == other  # from here, through the other region's API
    assert disable["ExecutionBlockConfiguration"]["CustomActionLambdaConfig"]["Ungraceful"] == {"Behavior": "skip"}
    aurora = by_name["promote-ledger"]["ExecutionBlockConfiguration"]["GlobalAuroraConfig"]
    assert aurora["Behavior"] == "switchoverOnly" and aurora["Ungraceful"] == {"Ungraceful": "failover"}
    assert aurora["GlobalClusterIdentifier"] == "ledger-rs-prod-ledger" and aurora["TimeoutMinutes"] == 15


def test_the_execution_role_may_touch_only_what_the_steps_name(rendered: dict[str, Any]) -> None:
    resources = rendered["Resources"]
    role = resources["PlanExecutionRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": ["arc-region-switch.amazonaws.com"]}
    statements = role["Policies"][0]["PolicyDocument"]["Statement"]
    resources_named = json.dumps([s["Resource"] for s in statements])
    assert '"*"' not in resources_named
    named = set(re.findall(r"function:([a-z0-9-]+)", resources_named))
    assert named == {"ledger-rs-prod-readiness", "ledger-rs-prod-promoter"}
    plan = json.dumps(resources["Plan"])
    for function in set(re.findall(r"function:([a-z0-9-]+)", plan)):
        assert function in named  # every function a step invokes, and nothing more
    actions = {a for s in statements for a in s["Action"]}
    assert actions == {"lambda:GetFunction", "lambda:InvokeFunction", "iam:SimulatePrincipalPolicy",
                       "rds:DescribeGlobalClusters", "rds:DescribeDBClusters", "rds:FailoverGlobalCluster",
                       "rds:SwitchoverGlobalCluster"}


def test_the_approver_may_approve_this_plan_only(rendered: dict[str, Any]) -> None:
    policy = rendered["Resources"]["PlanApproverPolicy"]["Properties"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Resource"] == [{"Fn::GetAtt": ["Plan", "Arn"]}]
    assert "arc-region-switch:ApprovePlanExecutionStep" in statement["Action"]
    assert policy["Roles"] == [{"Ref": "PlanApproverRole"}]


def test_allow_data_loss_renders_no_approval(tmp_path: Path) -> None:
    bp = drgen.load(ROOT / "blueprints" / "region-switch.yaml")
    bp = dataclasses.replace(bp, failover=dataclasses.replace(bp.failover, allow_data_loss=True))
    template = json.loads(render_blueprint(bp).files["templates/regionswitch.json"])
    assert "PlanApproverRole" not in template["Resources"]
    assert "approve" not in [s["Name"] for s in _steps(template, "us-west-2")]


def test_only_the_arc_orchestrator_renders_a_plan_and_grants_the_flag_to_the_promoter() -> None:
    bp = drgen.load(ROOT / "blueprints" / "region-switch.yaml")
    drgen_bp = dataclasses.replace(bp, failover=dataclasses.replace(bp.failover, orchestrator="drgen"))
    for model, expected in ((bp, True), (drgen_bp, False)):
        files = render_blueprint(model).files
        assert ("templates/regionswitch.json" in files) is expected
        orchestration = files["templates/orchestration.json"].decode()
        assert ('"Sid": "TakeTraffic"' in orchestration) is expected


def test_a_live_drill_refuses_a_region_switch_blueprint_and_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    """``drgen drill`` runs the plan in the emulated AWS (tests/test_drill_regionswitch.py); ``--live`` starts
    drgen's state machine, which this design does not deploy."""
    from drgen import cli
    from drgen.drilling import drill_live
    from drgen.errors import DrillError

    bp = drgen.load(ROOT / "blueprints" / "region-switch.yaml")
    with pytest.raises(DrillError, match="arc-region-switch"):  # before any AWS call: no session is touched
        drill_live(bp, None, "us-west-2", confirm=True)
    assert cli.main(["drill", str(ROOT / "blueprints" / "region-switch.yaml"), "--live"]) == 1
    assert "graceful execution" in capsys.readouterr().err


def _commands(text: str, service: str) -> list[str]:
    """Every ``aws <service>`` command: the lines of code blocks (continued with a backslash) and inline code."""
    joined = text.replace("\\\n", " ")
    found = [line.strip() for line in joined.splitlines() if line.strip().startswith(f"aws {service} ")]
    return found + re.findall(rf"`(aws {service} [^`]+)`", joined)


def test_the_runbooks_region_switch_commands_are_real_operations_with_real_parameters() -> None:
    import botocore.session

    text = render_blueprint(drgen.load(ROOT / "blueprints" / "region-switch.yaml")).files["runbook.md"].decode()
    model = botocore.session.get_session().get_service_model("arc-region-switch")
    operations = {re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower(): name for name in model.operation_names}
    commands = _commands(text, "arc-region-switch")
    assert {c.split()[2] for c in commands} == {"start-plan-execution", "approve-plan-execution-step",
                                                "get-plan-execution", "list-plan-executions", "update-plan-execution",
                                                "cancel-plan-execution"}
    updates = {re.search(r"--action (\S+)", c).group(1) for c in commands  # type: ignore[union-attr]
               if c.split()[2] == "update-plan-execution"}
    assert updates == {"resume", "switchToUngraceful"}  # a paused execution continues; never a second start
    for command in commands:
        shape = model.operation_model(operations[command.split()[2]]).input_shape
        given = {re.sub(r"-(\w)", lambda m: m.group(1).upper(), flag[2:]): value
                 for flag, value in re.findall(r"(--[a-z-]+) (\S+)", command) if flag != "--region"}
        assert set(given) <= set(shape.members), command
        assert set(shape.required_members) <= set(given), command
        for name, value in given.items():
            enum = shape.members[name].enum
            assert not enum or value in enum, (command, name)
    modes = [c for c in commands if "start-plan-execution" in c]
    assert any("--mode ungraceful" in c and "--target-region us-west-2" in c for c in modes)
    assert any("--mode graceful" in c and "--target-region us-east-1" in c for c in modes)  # fail back


def test_after_an_ungraceful_execution_the_runbook_runs_the_skipped_steps_with_the_plans_events() -> None:
    from drgen.regionswitch import custom_steps

    bp = drgen.load(ROOT / "blueprints" / "region-switch.yaml")
    text = render_blueprint(bp).files["runbook.md"].decode()
    invoked = [c for c in _commands(text, "lambda") if " --region us-west-2 " in c]
    expected = [s for s in custom_steps(bp) if s.after_databases and not s.skip_ungraceful]
    assert [c.rsplit("# ", 1)[1] for c in invoked] == [s.name for s in expected]
    for command, step in zip(invoked, expected, strict=True):
        payload = re.search(r"--payload '(.*)' /dev/stdout", command)
        assert payload is not None
        account = "'\"$(aws sts get-caller-identity --region us-west-2 --query Account --output text)\"'"
        event = json.loads(payload.group(1).replace(account, ACCOUNT))
        wanted = json.loads(json.dumps(step.events["us-west-2"]).replace("${AWS::Partition}", "aws")
                            .replace("${AWS::AccountId}", ACCOUNT))
        assert event == wanted
        assert f"--function-name ledger-rs-prod-{step.function} " in command


def test_the_rto_estimate_follows_the_orchestrator() -> None:
    from drgen import objectives

    bp = drgen.load(ROOT / "blueprints" / "region-switch.yaml")
    machine = dataclasses.replace(bp, failover=dataclasses.replace(bp.failover, orchestrator="drgen"))
    arc, own = objectives.assess(bp), objectives.assess(machine)
    sources = {name: [t.source for t in a.unplanned.terms] for name, a in (("arc", arc), ("own", own))}
    assert {"rank-delay", "lock-settle", "decide"} <= set(sources["own"])
    assert not {"rank-delay", "lock-settle", "decide"} & set(sources["arc"])  # the operator chose the mode
    assert "skipped-steps" in sources["arc"] and "skipped-steps" not in sources["own"]
    # the plan's approval step asks in a switchover too; drgen's machine only before a lossy failover
    assert "approval" in [t.source for t in arc.planned.terms]
    assert "approval" not in [t.source for t in own.planned.terms]
    assert arc.unplanned.millis == own.unplanned.millis - 40_000 + objectives.SKIPPED_STEPS
