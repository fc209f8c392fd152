"""The opt-in Resilience Hub and FIS stacks: golden renders, cfn-lint and checkov, the rendered resources against
CloudFormation's own resource schemas (those the pinned cfn-lint ships) and against moto's Resilience Hub and
FIS, the policy's targets, the experiment role's scope, and the footprint's bound on both templates."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from drgen import gamedays, resiliencehub
from drgen.emulation.templates import deployed
from drgen.footprint import footprints
from drgen.lint import lint_text, regions_for
from drgen.model import Blueprint
from drgen.rendering import Rendered, render_blueprint
from drgen.template_size import item_bytes
from drgen.validation import check_text
from tests import checkov, golden

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "aws-tooling"
ACCOUNT = "123456789012"
LAYERS = ("resilience", "gamedays")


def opted_in(blueprint: str, **changes: Any) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "blueprints" / f"{blueprint}.yaml").read_text())
    data["resilience_hub"] = {"enabled": True}
    if data["strategy"] != "backup-restore":
        data["game_days"] = {"enabled": True, "duration": "15m"}
    data.update(changes)
    return data


def valid(data: dict[str, Any]) -> Blueprint:
    result = check_text(yaml.safe_dump(data, sort_keys=False), base_dir=str(ROOT / "blueprints"))
    assert result.ok, [str(d) for d in result.diagnostics if d.is_error]
    assert result.blueprint is not None
    return result.blueprint


@pytest.fixture(scope="module", params=["trading-platform", "three-region", "minimal-backup-restore"])
def rendered(request: pytest.FixtureRequest) -> Rendered:
    return render_blueprint(valid(opted_in(request.param)))


def _templates(rendered: Rendered) -> dict[str, str]:
    return {layer: rendered.files[f"templates/{layer}.json"].decode() for layer in LAYERS
            if f"templates/{layer}.json" in rendered.files}


def test_golden_templates(rendered: Rendered, update_goldens: bool) -> None:
    for layer, text in _templates(rendered).items():
        golden.check(GOLDEN / rendered.blueprint.name / f"{layer}.json", text, update_goldens)


def test_off_by_default_nothing_is_rendered() -> None:
    bp = valid(yaml.safe_load((ROOT / "blueprints" / "trading-platform.yaml").read_text()))
    assert bp.resilience_hub is None and bp.game_days is None
    assert not set(render_blueprint(bp).files) & {f"templates/{layer}.json" for layer in LAYERS}


def test_cfn_lint_finds_nothing_in_any_region(rendered: Rendered) -> None:
    for layer, text in _templates(rendered).items():
        assert lint_text(layer, text, regions_for(rendered.blueprint)) == [], layer


def test_checkov_fails_nothing(rendered: Rendered, tmp_path: Path) -> None:
    for layer, text in _templates(rendered).items():
        (tmp_path / f"{layer}.json").write_text(text)
    reports = checkov.scan("-d", str(tmp_path))
    assert [(c["resource"], c["check_id"]) for c in checkov.failed(reports)] == []
    assert checkov.passed(reports) > 5


# ---- the resources, resolved as CloudFormation would, against the resource schemas and moto ----------------

def _resolved(rendered: Rendered) -> dict[str, dict[str, Any]]:
    """Type -> logical ID -> properties, every intrinsic resolved (drgen.emulation's resolver)."""
    world = deployed(rendered.files, ACCOUNT)
    out: dict[str, dict[str, Any]] = {}
    for resource in world.resources():
        if resource.layer in LAYERS:
            out.setdefault(resource.type, {})[resource.logical] = resource.properties
    return out


def _schema(kind: str) -> dict[str, Any]:
    import cfnlint.data.schemas as schemas

    base = Path(schemas.__file__).parent
    index = json.loads((base / "providers" / "us-east-1.json").read_text())
    schema: dict[str, Any] = json.loads((base / "resources" / f"{index[kind]}.json").read_text())
    return schema


@pytest.mark.parametrize("kind", ["AWS::ResilienceHub::ResiliencyPolicy", "AWS::ResilienceHub::App",
                                  "AWS::FIS::ExperimentTemplate"])
def test_resolved_properties_satisfy_cloudformations_resource_schema(rendered: Rendered, kind: str) -> None:
    schema = _schema(kind)
    found = _resolved(rendered).get(kind, {})
    if kind.startswith("AWS::FIS") and rendered.blueprint.game_days is None:
        assert not found
        return
    assert found, kind
    validator = jsonschema.Draft7Validator(schema)
    for logical, properties in found.items():
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(properties)]
        assert errors == [], logical
        assert not set(schema.get("readOnlyProperties", [])) & {f"/properties/{k}" for k in properties}


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {(k[0].lower() + k[1:] if k[:1].isupper() else k): _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


@mock_aws
def test_moto_resilience_hub_takes_the_policy_and_the_app(rendered: Rendered) -> None:
    found = _resolved(rendered)
    client = boto3.client("resiliencehub", region_name=rendered.blueprint.primary.name)
    policy = found["AWS::ResilienceHub::ResiliencyPolicy"]["ResiliencyPolicy"]
    created = client.create_resiliency_policy(
        policyName=policy["PolicyName"], tier=policy["Tier"], policyDescription=policy["PolicyDescription"],
        dataLocationConstraint=policy["DataLocationConstraint"], policy={k: _camel(v) for k, v in policy["Policy"].items()},
        tags=policy["Tags"])["policy"]
    described = client.describe_resiliency_policy(policyArn=created["policyArn"])["policy"]
    targets = resiliencehub.targets(rendered.blueprint)
    assert described["policy"]["Region"] == {"rtoInSecs": rendered.blueprint.objectives.rto.whole_seconds,
                                             "rpoInSecs": rendered.blueprint.objectives.rpo.whole_seconds}
    assert {k: (v["rtoInSecs"], v["rpoInSecs"]) for k, v in described["policy"].items()} == \
        {k: (t.rto_seconds, t.rpo_seconds) for k, t in targets.items()}
    assert described["tier"] == resiliencehub.tier(rendered.blueprint)
    app = found["AWS::ResilienceHub::App"]["App"]
    made = client.create_app(name=app["Name"], description=app["Description"], policyArn=created["policyArn"],
                             assessmentSchedule=app["AppAssessmentSchedule"],
                             permissionModel=_camel(app["PermissionModel"]), tags=app["Tags"])["app"]
    assert client.describe_app(appArn=made["appArn"])["app"]["policyArn"] == created["policyArn"]
    layers = [x for x in rendered.plan.layers if x.name != "resilience"]
    assert len(app["ResourceMappings"]) == sum(len(x.regions) for x in layers)
    assert json.loads(app["AppTemplateBody"])["resources"] == []


@mock_aws
def test_moto_fis_takes_every_experiment_and_runs_it(rendered: Rendered) -> None:
    found = _resolved(rendered).get("AWS::FIS::ExperimentTemplate", {})
    if rendered.blueprint.game_days is None:
        pytest.skip("backup-restore: no game days")
    client = boto3.client("fis", region_name=rendered.blueprint.primary.name)
    assert {p["Tags"]["drgen:gameday"] for p in found.values()} == set(gamedays.names(rendered.blueprint))
    for properties in found.values():
        template = client.create_experiment_template(
            clientToken=properties["Tags"]["drgen:gameday"], description=properties["Description"],
            roleArn=properties["RoleArn"], stopConditions=_camel(properties["StopConditions"]),
            targets={name: _camel(target) for name, target in properties["Targets"].items()},
            actions={name: {"actionId": a["ActionId"], "description": a["Description"], "targets": a["Targets"],
                            **({"parameters": a["Parameters"]} if "Parameters" in a else {})}
                     for name, a in properties["Actions"].items()},
            logConfiguration=_camel(properties["LogConfiguration"]), tags=properties["Tags"])["experimentTemplate"]
        experiment = client.start_experiment(clientToken=template["id"], experimentTemplateId=template["id"])
        got = client.get_experiment(id=experiment["experiment"]["id"])["experiment"]
        assert [s["value"] for s in got["stopConditions"]] == \
            [f"arn:aws:cloudwatch:{rendered.blueprint.primary.name}:{ACCOUNT}:alarm:{name}"
             for name in gamedays.stop_alarms(rendered.blueprint)]
        for action in got["actions"].values():
            if action["actionId"] != "aws:rds:failover-db-cluster":
                assert action["parameters"]["duration"] == "PT15M"
        arns = [arn for target in got["targets"].values() for arn in target["resourceArns"]]
        assert arns and all(f":{rendered.blueprint.primary.name}:{ACCOUNT}:" in a or a.startswith("arn:aws:s3:::")
                            for a in arns)
        assert all(len(target["resourceArns"]) <= gamedays.MAX_ARNS_PER_TARGET for target in got["targets"].values())


def test_the_experiment_role_grants_on_star_only_what_aws_authorizes_on_star_alone(rendered: Rendered) -> None:
    roles = _resolved(rendered).get("AWS::IAM::Role", {})
    if rendered.blueprint.game_days is None:
        return
    statements = roles["ExperimentRole"]["Policies"][0]["PolicyDocument"]["Statement"]
    on_star = [s for s in statements if "*" in s["Resource"]]
    assert [s["Sid"] for s in on_star] == ["ReadsOnStarOnly"]
    assert all(a.split(":")[1].startswith(("Describe", "Get", "List", "CreateLogDelivery", "PutResourcePolicy"))
               for a in on_star[0]["Action"])
    primary = rendered.blueprint.primary.name
    for statement in statements:
        if statement is on_star[0]:
            continue
        for arn in statement["Resource"]:
            assert arn.startswith(f"arn:aws:s3:::{rendered.blueprint.prefix}-") or f":{primary}:" in arn, arn
    trust = roles["ExperimentRole"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": ["fis.amazonaws.com"]}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


# ---- the footprint: validate's estimate holds for both templates --------------------------------------------

VARIANTS = [("trading-platform", {}), ("three-region", {}), ("minimal-backup-restore", {}),
            ("trading-platform", {"name": "abc"}), ("three-region", {"name": "payments-ledger-core"})]


@pytest.mark.parametrize("name, changes", VARIANTS)
def test_the_footprint_bounds_every_entry(name: str, changes: dict[str, Any]) -> None:
    data = opted_in(name, **changes)
    for i in range(4):
        data.setdefault("tables", []).append({"name": f"more-table-{i}", "partition_key": {"name": "id", "type": "S"}})
    bp = valid(data)
    rendered = render_blueprint(bp)
    for layer, footprint in footprints(bp).items():
        if layer not in LAYERS:
            continue
        template = json.loads(rendered.files[f"templates/{layer}.json"])
        assert {i.logical_id for i in footprint.items if i.kind == "resource"} == set(template["Resources"])
        assert {i.logical_id for i in footprint.items if i.kind == "output"} == set(template.get("Outputs", {}))
        assert {i.logical_id for i in footprint.items if i.kind == "parameter"} == set(template.get("Parameters", {}))
        for item in footprint.items:
            section = {"resource": "Resources", "output": "Outputs", "parameter": "Parameters"}[item.kind]
            text = json.dumps({item.logical_id: template[section][item.logical_id]}, indent=2, sort_keys=True,
                              ensure_ascii=False)
            actual = len(text.encode()) + 4 * text.count("\n")
            assert actual <= item_bytes(bp, layer, item) <= 2 * actual, item.logical_id


# ---- the policy ---------------------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["trading-platform", "three-region", "minimal-backup-restore"]),
       st.integers(1, 240), st.integers(1, 240), st.integers(1, 3), st.sampled_from(["none", "single", "per-az"]))
def test_no_smaller_disruption_gets_a_looser_target(name: str, rto_m: int, rpo_m: int, primary_instances: int,
                                                    nat: str) -> None:
    data = copy.deepcopy(opted_in(name))
    bp = valid(data)
    from dataclasses import replace

    from drgen.durations import parse
    from drgen.model import Network, Objectives

    bp = replace(bp, objectives=Objectives(parse(f"{rpo_m}m"), parse(f"{rto_m}m")),
                 network=Network(bp.network.subnet_bits, nat, bp.network.endpoints),  # type: ignore[arg-type]
                 databases=tuple(replace(d, primary_instances=primary_instances) for d in bp.databases))
    targets = resiliencehub.targets(bp)
    region = targets["Region"]
    assert (region.rto_seconds, region.rpo_seconds) == (rto_m * 60, rpo_m * 60)
    for kind in ("AZ", "Hardware", "Software"):
        assert targets[kind].rto_seconds <= region.rto_seconds and targets[kind].rpo_seconds <= region.rpo_seconds
    assert targets["AZ"].rpo_seconds == targets["Hardware"].rpo_seconds == 0
    single = any(d.primary_instances < 2 for d in bp.databases) or (bp.needs_vpc and nat == "single")
    if single:
        assert targets["AZ"].rto_seconds == region.rto_seconds
    elif bp.databases:
        assert targets["AZ"].rto_seconds == min(resiliencehub.AURORA_IN_REGION_FAILOVER_SECONDS, region.rto_seconds)


def test_the_tier_follows_the_strategy_unless_named() -> None:
    assert resiliencehub.tier(valid(opted_in("three-region"))) == "MissionCritical"
    assert resiliencehub.tier(valid(opted_in("trading-platform"))) == "Critical"
    assert resiliencehub.tier(valid(opted_in("minimal-backup-restore"))) == "NonCritical"
    named = opted_in("three-region", resilience_hub={"enabled": True, "tier": "CoreServices"})
    assert resiliencehub.tier(valid(named)) == "CoreServices"


def test_game_days_follow_what_the_blueprint_has() -> None:
    bp = valid(opted_in("trading-platform"))
    days = {d.name: d for d in gamedays.game_days(bp)}
    assert set(days) == {"region-outage", "replication-paused", "writer-failover"}
    outage = [a.action_id for a in days["region-outage"].actions]
    assert outage[:2] == ["aws:network:disrupt-connectivity",
                          "aws:network:route-table-disrupt-cross-region-connectivity"]
    assert "aws:dynamodb:global-table-pause-replication" in outage and "aws:s3:bucket-pause-replication" in outage
    assert gamedays.stop_alarms(bp) == ("trading-platform-prod-processor-errors", "trading-platform-prod-orders-backlog",
                                        "trading-platform-prod-orders-dlq")
    assert gamedays.iso_duration(bp.game_days.duration.whole_seconds) == "PT15M"  # type: ignore[union-attr]
    assert [gamedays.iso_duration(s) for s in (60, 90, 3600, 5400, 43200)] == ["PT1M", "PT1M30S", "PT1H", "PT1H30M",
                                                                               "PT12H"]
