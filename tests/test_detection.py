"""Detection as rendered: the canary's schedule and alarm, the rules that start a failover (and those that must
not), dead letters and retries on every EventBridge target, the two Route 53 checks per region."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from drgen.configs import schedule_seconds
from drgen.layers import layer
from drgen.model import Blueprint
from drgen.rendering import Rendered, render_blueprint
from drgen.synth.base import LayerTemplate
from drgen.synth.detection import probe_rate
from drgen.validation import check_text

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINTS = ROOT / "blueprints"


def _orchestration_template(bp: Blueprint) -> LayerTemplate:
    return LayerTemplate(bp, layer(bp, "orchestration"))


@functools.cache
def _reference_render() -> Rendered:
    return _render()


def _render(change: Any = None, name: str = "trading-platform") -> Rendered:
    data = yaml.safe_load((BLUEPRINTS / f"{name}.yaml").read_text())
    if change:
        change(data)
    result = check_text(yaml.safe_dump(data), "blueprint.yaml", str(BLUEPRINTS))
    assert result.blueprint is not None, [str(d) for d in result.diagnostics]
    return render_blueprint(result.blueprint)


def _template(rendered: Rendered, layer: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(rendered.files[f"templates/{layer}.json"])
    return data


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


@pytest.fixture(scope="module")
def reference() -> Rendered:
    return _render()


@pytest.fixture(scope="module")
def manual() -> Rendered:
    def change(data: dict[str, Any]) -> None:
        data["failover"]["mode"] = "manual"
        data["objectives"]["rto"] = "4h"  # an operator in the loop: the reference's objective is for automatic mode
        data["failover"]["detection"] = {"probe_interval": "5m", "failures": 2}
    return _render(change)


@pytest.fixture(scope="module")
def three() -> Rendered:
    return _render(name="three-region")


def _resolve(node: Any, region: str) -> Any:
    """Evaluate the IsNot<Region> conditions as CloudFormation would in ``region`` (other intrinsics are kept)."""
    if isinstance(node, list):
        return [x for x in (_resolve(item, region) for item in node) if x is not None]
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            condition, yes, no = node["Fn::If"]
            kept = yes if not condition.endswith("".join(p.capitalize() for p in region.split("-"))) else no
            return _resolve(kept, region)
        if node == {"Ref": "AWS::NoValue"}:
            return None
        return {k: _resolve(v, region) for k, v in node.items()}
    return node


def test_the_canary_probes_on_the_blueprints_interval_and_alarms_after_its_failures(manual: Rendered) -> None:
    orchestration = _template(manual, "orchestration")
    schedule = orchestration["Resources"]["ProbeActiveRegion"]["Properties"]
    assert schedule["ScheduleExpression"] == "rate(5 minutes)"
    assert json.loads(schedule["Targets"][0]["Input"]) == {"action": "probe"}
    alarm = orchestration["Resources"]["ActiveRegionDownAlarm"]["Properties"]
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (300, 2, 2)
    assert (alarm["MetricName"], alarm["Statistic"], alarm["Threshold"], alarm["TreatMissingData"]) == \
        ("ActiveRegionProbeFailed", "Minimum", 1, "missing")


def test_manual_mode_pages_and_starts_nothing(manual: Rendered) -> None:
    orchestration = _template(manual, "orchestration")
    assert "AlarmActions" in orchestration["Resources"]["ActiveRegionDownAlarm"]["Properties"]
    assert not [k for k in _of_type(orchestration, "AWS::Events::Rule") if k.startswith("StartFailover")]
    assert "ForwardFailoverAlarms" not in _template(manual, "app")["Resources"]


def test_automatic_mode_starts_this_regions_machine_on_this_regions_canary_alarm(reference: Rendered) -> None:
    orchestration = _template(reference, "orchestration")
    assert "AlarmActions" not in orchestration["Resources"]["ActiveRegionDownAlarm"]["Properties"]
    rule = orchestration["Resources"]["StartFailoverOnProbes"]["Properties"]
    assert rule["EventPattern"]["resources"] == [{"Fn::GetAtt": ["ActiveRegionDownAlarm", "Arn"]}]
    assert rule["EventPattern"]["detail"] == {"state": {"value": ["ALARM"]}}
    assert json.loads(rule["Targets"][0]["Input"])["trigger"] == "canary"


def test_forwarded_alarms_start_a_failover_only_from_another_region_and_say_which(reference: Rendered) -> None:
    rule = _template(reference, "orchestration")["Resources"]["StartFailoverOnAlarm"]["Properties"]
    pattern = rule["EventPattern"]
    assert pattern["account"] == [{"Ref": "AWS::AccountId"}]
    assert pattern["region"] == [{"anything-but": {"Ref": "AWS::Region"}}]
    assert "trading-platform-prod-health-us-east-1" not in pattern["detail"]["alarmName"]
    transformer = rule["Targets"][0]["InputTransformer"]
    event = {"region": "us-east-1", "detail": {"alarmName": "trading-platform-prod-api-errors"}}
    filled = transformer["InputTemplate"]
    for key, path in transformer["InputPathsMap"].items():
        value: Any = event
        for part in path.removeprefix("$.").split("."):
            value = value[part]
        filled = filled.replace(f"<{key}>", value)
    assert json.loads(filled) == {"trigger": "alarm", "alarmRegion": "us-east-1",
                                  "alarm": "trading-platform-prod-api-errors"}


def test_each_region_forwards_its_own_failover_alarms_to_every_other_region_only(three: Rendered) -> None:
    app = _template(three, "app")
    regions = three.blueprint.region_names
    for region in regions:
        rules = [_resolve(r["Properties"], region) for k, r in app["Resources"].items()
                 if k.startswith("ForwardFailoverAlarms") and r["Type"] == "AWS::Events::Rule"]
        targets = sorted(t["Id"] for rule in rules for t in rule["Targets"])
        assert targets == sorted(f"to-{r}" for r in regions if r != region)
        assert all(rule["EventPattern"]["region"] == [{"Ref": "AWS::Region"}] for rule in rules)
        role = _resolve(app["Resources"]["ForwardFailoverAlarmsRole"]["Properties"], region)
        buses = role["Policies"][0]["PolicyDocument"]["Statement"][0]["Resource"]
        assert not any(f":events:{region}:" in bus["Fn::Sub"] for bus in buses)


@pytest.mark.parametrize("name", ["trading-platform", "three-region", "minimal-backup-restore"])
def test_every_eventbridge_target_retries_and_dead_letters(name: str) -> None:
    rendered = _render(name=name)
    found = 0
    for path in rendered.files:
        if not path.startswith("templates/"):
            continue
        for logical_id, rule in _of_type(json.loads(rendered.files[path]), "AWS::Events::Rule").items():
            for target in _resolve(rule["Properties"]["Targets"], "nowhere-1"):
                found += 1
                assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1, (path, logical_id)
                assert "Arn" in target["DeadLetterConfig"], (path, logical_id)
    assert found or name == "minimal-backup-restore"


def test_the_dead_letter_queue_is_encrypted_tls_only_and_open_to_own_rules_only(reference: Rendered) -> None:
    app = _template(reference, "app")
    queue = app["Resources"]["EventsDeadLetterQueue"]["Properties"]
    assert queue["KmsMasterKeyId"] == {"Fn::ImportValue": "trading-platform-prod-bootstrap-KeyArn"}
    statements = app["Resources"]["EventsDeadLetterQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    deny, allow = statements
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert allow["Principal"] == {"Service": ["events.amazonaws.com"]} and allow["Action"] == ["sqs:SendMessage"]
    assert allow["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"].endswith(":rule/trading-platform-prod-*")


def test_the_canary_may_touch_only_its_probe_item_and_read_only_the_flag(reference: Rendered) -> None:
    role = _template(reference, "orchestration")["Resources"]["CanaryRole"]["Properties"]
    statements = {s.get("Sid"): s for s in role["Policies"][0]["PolicyDocument"]["Statement"]}
    probe = statements["ProbeItem"]
    assert probe["Action"] == ["dynamodb:PutItem", "dynamodb:GetItem"]
    assert probe["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [
        {"Fn::Sub": "probe#${AWS::Region}"}]}}
    assert [r["Fn::Sub"].split(":")[5] for r in probe["Resource"]] == list(reference.blueprint.region_names)
    assert all(r["Fn::Sub"].endswith(":table/trading-platform-prod-drgen-control") for r in probe["Resource"])
    flag = statements["ReadActiveRegion"]
    assert flag["Action"] == ["dynamodb:GetItem"]
    assert flag["Condition"]["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"] == ["active-region"]
    actions = {a for s in statements.values() for a in s["Action"]}
    assert actions == {"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "kms:Decrypt",
                       "xray:PutTelemetryRecords", "dynamodb:GetItem", "dynamodb:PutItem", "cloudwatch:PutMetricData"}
    # each replica's key (DynamoDB decrypts the table key as the caller), only that alias, only through DynamoDB
    keys = [s for sid, s in statements.items() if sid.startswith("ProbeKey")]
    assert [k["Resource"][0]["Fn::Sub"].split(":")[5] for k in keys] == list(reference.blueprint.region_names)
    for key, region in zip(keys, reference.blueprint.region_names, strict=True):
        assert key["Action"] == ["kms:Decrypt"]
        assert key["Condition"]["StringEquals"] == {"kms:ViaService": f"dynamodb.{region}.amazonaws.com"}
        assert key["Condition"]["ForAnyValue:StringEquals"] == {"kms:ResourceAliases": "alias/trading-platform-prod"}


def test_the_canary_knows_every_regions_health_url(reference: Rendered) -> None:
    orchestration = _template(reference, "orchestration")
    config = orchestration["Resources"]["CanaryFunction"]["Properties"]["Environment"]["Variables"]["DRGEN_CONFIG"]
    urls = json.loads(config["Fn::Sub"])["health_urls"]
    assert urls == {"us-east-1": "https://${ApiHostUsEast1}/prod/health",
                    "us-east-2": "https://${ApiHostUsEast2}/prod/health"}
    assert {"ApiHostUsEast1", "ApiHostUsEast2"} <= set(orchestration["Parameters"])
    assert "functions/canary.zip" in reference.files


def test_standby_not_ready_pages_and_missing_readiness_is_breaching(reference: Rendered) -> None:
    orchestration = _template(reference, "orchestration")
    alarm = orchestration["Resources"]["StandbyNotReadyAlarm"]["Properties"]
    assert alarm["AlarmName"] == "trading-platform-prod-standby-not-ready"
    assert (alarm["MetricName"], alarm["ComparisonOperator"], alarm["TreatMissingData"]) == \
        ("Ready", "LessThanThreshold", "breaching")
    assert alarm["Period"] == 3600 and alarm["AlarmActions"] == [{"Fn::ImportValue": "trading-platform-prod-app-TopicArn"}]


def test_route53_routes_on_active_and_pages_on_broken(reference: Rendered) -> None:
    dns = _template(reference, "dns")
    checks = _of_type(dns, "AWS::Route53::HealthCheck")
    routing = {k: v for k, v in checks.items() if k.startswith("HealthCheck")}
    assert {v["Properties"]["HealthCheckConfig"]["SearchString"] for v in routing.values()} == {'"status":"active"'}
    assert {v["Properties"]["HealthCheckConfig"]["Type"] for v in routing.values()} == {"HTTPS_STR_MATCH"}
    records = _of_type(dns, "AWS::Route53::RecordSet")
    assert {r["Properties"]["HealthCheckId"]["Ref"] for r in records.values() if "HealthCheckId" in r["Properties"]} \
        == set(routing)
    alarms = _of_type(dns, "AWS::CloudWatch::Alarm")
    watched = {a["Properties"]["Dimensions"][0]["Value"]["Ref"] for a in alarms.values()}
    assert watched == {k for k in checks if k.startswith("LivenessCheck")}
    assert {checks[k]["Properties"]["HealthCheckConfig"]["Type"] for k in watched} == {"HTTPS"}
    assert not _of_type(dns, "AWS::Events::Rule")


@given(st.integers(min_value=1, max_value=60))
def test_probe_rate_is_an_eventbridge_rate(minutes: int) -> None:
    expression = probe_rate(minutes * 60)
    assert schedule_seconds(expression) == minutes * 60
    assert expression.endswith("minute)" if minutes == 1 else "minutes)")


def test_schedule_seconds() -> None:
    assert schedule_seconds("rate(1 hour)") == 3600 and schedule_seconds("rate(2 days)") == 172_800
    assert schedule_seconds("cron(0 * * * ? *)") is None


@settings(deadline=None)
@given(st.sampled_from(["minute", "hour", "day"]), st.integers(min_value=1, max_value=30))
def test_the_not_ready_alarm_stays_within_cloudwatchs_evaluation_range(unit: str, count: int) -> None:
    from drgen.synth import detection

    expression = f"rate({count} {unit}{'s' if count > 1 else ''})"
    bp = _reference_render().blueprint
    failover = dataclasses.replace(bp.failover, validation_schedule=expression)
    t = _orchestration_template(dataclasses.replace(bp, failover=failover))
    detection._alarms(t)
    alarm = t.template.resources["StandbyNotReadyAlarm"].to_dict()["Properties"]
    total = alarm["Period"] * alarm["EvaluationPeriods"]
    assert alarm["Period"] % 60 == 0 and total <= (86_400 if alarm["Period"] < 3600 else 604_800)
    assert alarm["Period"] == min(schedule_seconds(expression) or 0, 604_800)
