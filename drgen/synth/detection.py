"""Detection (orchestration layer, every region it runs in): what starts this region's failover machine.

- The canary (``drgen/functions/canary``) on ``rate(<probe_interval>)`` probes the CURRENT active region from
  here - its public health endpoint and a real write/read of its control-table replica - and puts one
  ``ActiveRegionProbeFailed`` datapoint a probe (1 when both signals failed); the active region probes nothing.
- ``<prefix>-active-region-down`` alarms after ``failures`` failed probes in a row; missing data is missing (the
  active region itself puts none). In automatic mode a rule matching that alarm's ARN starts this region's
  machine; in manual mode the alarm pages through the alerts topic.
- The blueprint's ``triggers_failover`` alarms arrive from the other regions (``drgen.synth.alarms`` forwards
  them); the rule here takes only this account's alarms from another region and passes the alarm's region to
  the machine, whose first step stops unless that region is the active one.
- ``<prefix>-standby-not-ready`` pages when the scheduled readiness verdict is not ready, or missing.
- ``<prefix>-canary-failing`` pages when the canary itself fails: a function error (Lambda's ``Errors``) or no
  invocation (``Invocations``) in its schedule window. A silent canary leaves the down alarm without data, which is
  no evidence either way; this alarm says the detector is broken.
Every target has a retry policy and the region's dead-letter queue (``drgen.synth.delivery``).
"""

from __future__ import annotations

import json
from typing import Any

from awacs import cloudwatch, dynamodb, kms, states
from awacs.aws import Allow, Condition, ForAllValuesStringEquals, PolicyDocument, Statement, StringEquals
from troposphere import GetAtt, ImportValue, Parameter, Ref, Sub, iam
from troposphere import awslambda as lambdar
from troposphere import cloudwatch as cloudwatchr
from troposphere import events as eventsr
from troposphere import stepfunctions as sfn

from drgen import naming
from drgen.configs import schedule_seconds
from drgen.synth import canary_gameday, policies, suppressions
from drgen.synth.alarms import failover_alarm_names
from drgen.synth.base import LayerTemplate, arn
from drgen.synth.delivery import target_options
from drgen.synth.dns import region_id
from drgen.synth.iam import region_key_statement
from drgen.synth.lambdas import function

CANARY = "canary"
CANARY_ID = naming.logical_id(CANARY) + "Function"
"""The canary function's logical ID (the state machine's ``${CanaryFunctionArn}``)."""
PROBE_METRIC = "ActiveRegionProbeFailed"
READY_METRIC = "Ready"
FAILOVER_START_MAX_AGE = 3600
"""A failover start older than an hour is stale: the alarm has re-fired or an operator has acted since."""


def down_alarm_name(prefix: str) -> str:
    return naming.alarm(prefix, "active-region-down")


def not_ready_alarm_name(prefix: str) -> str:
    return naming.alarm(prefix, "standby-not-ready")


def canary_alarm_name(prefix: str) -> str:
    return naming.alarm(prefix, "canary-failing")


CANARY_FAILING = "IF(FILL(invocations, 0) < 1, 1, FILL(errors, 0))"
"""1 or more: no invocation in the window, or that many function errors; 0: it ran and succeeded."""


def probe_rate(seconds: int) -> str:
    minutes = seconds // 60
    return "rate(1 minute)" if minutes == 1 else f"rate({minutes} minutes)"


def health_urls(t: LayerTemplate) -> dict[str, str]:
    """Region -> its public health URL (``${ApiHost<Region>}`` parameters deploy fills from the app layers)."""
    api = t.bp.api
    route = next((r for r in api.routes if r.target == "health" and r.method in ("GET", "ANY")), None) if api else None
    if api is None or route is None:
        return {}
    urls = {}
    for region in t.bp.region_names:
        name = f"ApiHost{region_id(region)}"
        if name not in t.template.parameters:
            t.template.add_parameter(Parameter(name, Type="String", Description=f"{region}: the app output ApiHost"))
            t.deploy_parameters.append(name)
        urls[region] = f"https://${{{name}}}/{api.stage}{route.path}"
    return urls


def canary_config(t: LayerTemplate) -> Sub:
    config = {"region": "${AWS::Region}", "primary_region": t.bp.primary.name, "namespace": f"drgen/{t.prefix}",
              "control_table": naming.control_table(t.prefix), "health_urls": health_urls(t)}
    return Sub(json.dumps(config, sort_keys=True, separators=(",", ":")))


def canary(t: LayerTemplate) -> lambdar.Function:
    table = f"table/{naming.control_table(t.prefix)}"
    statements = [
        Statement(Sid="ReadActiveRegion", Effect=Allow, Action=[dynamodb.GetItem], Resource=[arn("dynamodb", table)],
                  Condition=Condition(ForAllValuesStringEquals("dynamodb:LeadingKeys", ["active-region"]))),
        # the probe item of this region only, in every replica (the active region is known at run time)
        Statement(Sid="ProbeItem", Effect=Allow, Action=[dynamodb.PutItem, dynamodb.GetItem],
                  Resource=[arn("dynamodb", table, region=r) for r in t.bp.region_names],
                  Condition=Condition(ForAllValuesStringEquals("dynamodb:LeadingKeys",
                                                               [Sub("probe#${AWS::Region}")]))),
        # every replica of the control table is encrypted with its region's drgen key, which DynamoDB decrypts as the
        # caller
        *[region_key_statement(t, "ProbeKey" + region_id(r), r, "dynamodb", [kms.Decrypt]) for r in t.bp.region_names],
        # PutMetricData has no resource-level permissions
        Statement(Sid="PublishProbe", Effect=Allow, Action=[cloudwatch.PutMetricData], Resource=["*"],
                  Condition=Condition(StringEquals("cloudwatch:namespace", f"drgen/{t.prefix}"))),
    ]
    fis_environment, fis_props, fis_statements = canary_gameday.extension(t)  # game_days.impair_canary only
    return function(t, CANARY, handler="handler.handler", runtime="python3.12", memory=256, timeout=60,
                    statements=statements + fis_statements,
                    environment={"DRGEN_CONFIG": canary_config(t), **fis_environment},
                    suppress=[suppressions.CONCURRENCY, suppressions.SCHEDULED, suppressions.CANARY_OUTSIDE_VPC],
                    **fis_props)


def _schedule(t: LayerTemplate, logical_id: str, name: str, expression: str, description: str,
              fn: lambdar.Function, payload: str, max_age: int) -> None:
    rule = t.add(eventsr.Rule(
        logical_id, Name=f"{t.prefix}-{name}", ScheduleExpression=expression, Description=description,
        Targets=[eventsr.Target(Id=name, Arn=GetAtt(fn, "Arn"), Input=payload, **target_options(t, max_age, 2))]))
    t.add(lambdar.Permission(f"{logical_id}Invoke", Action="lambda:InvokeFunction", FunctionName=Ref(fn),
                             Principal="events.amazonaws.com", SourceArn=GetAtt(rule, "Arn")))


def _alarms(t: LayerTemplate) -> cloudwatchr.Alarm:
    bp = t.bp
    topic = ImportValue(naming.export(t.prefix, "app", "TopicArn"))
    interval = bp.failover.detection.probe_interval.whole_seconds
    failures = bp.failover.detection.failures
    pages = {"AlarmActions": [topic], "OKActions": [topic]} if bp.failover.mode == "manual" else {}
    region = [cloudwatchr.MetricDimension(Name="Region", Value=Ref("AWS::Region"))]
    down = t.template.add_resource(cloudwatchr.Alarm(
        "ActiveRegionDownAlarm", AlarmName=down_alarm_name(t.prefix),
        AlarmDescription=f"Seen from this region, the active region failed {failures} probe(s) in a row, "
                         f"{bp.failover.detection.probe_interval} apart (its health endpoint and its control-table "
                         "replica both failed)" + ("; starts the failover to this region" if not pages else ""),
        Namespace=f"drgen/{t.prefix}", MetricName=PROBE_METRIC, Dimensions=region, Statistic="Minimum",
        Period=interval, EvaluationPeriods=failures, DatapointsToAlarm=failures, Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        # the active region puts no datapoint (it does not watch itself): no data is no evidence either way
        TreatMissingData="missing", **pages))
    if not pages:
        suppressions.apply(down, suppressions.ALARM_STARTS_FAILOVER)
    # CloudWatch (PutMetricAlarm, Period): Period x EvaluationPeriods at most 7 days, 1 day under an hour's period
    period = min(schedule_seconds(bp.failover.validation_schedule) or 86_400, 604_800)
    evaluations = 2 if period * 2 <= (86_400 if period < 3600 else 604_800) else 1
    t.template.add_resource(cloudwatchr.Alarm(  # CloudWatch alarms take tags only through the API
        "StandbyNotReadyAlarm", AlarmName=not_ready_alarm_name(t.prefix),
        AlarmDescription=f"This region's scheduled readiness check ({bp.failover.validation_schedule}) found it "
                         f"could not take over, or did not run, {evaluations} time(s) in a row",
        Namespace=f"drgen/{t.prefix}", MetricName=READY_METRIC, Dimensions=region, Statistic="Minimum",
        Period=period, EvaluationPeriods=evaluations, DatapointsToAlarm=evaluations, Threshold=1,
        ComparisonOperator="LessThanThreshold",
        # a readiness run that did not happen is not "ready"
        TreatMissingData="breaching", AlarmActions=[topic], OKActions=[topic]))
    _canary_alarm(t, topic, interval)
    return down


def _canary_alarm(t: LayerTemplate, topic: ImportValue, interval: int) -> None:
    """The canary's own health from Lambda's invocation metrics (Lambda developer guide, "Types of metrics for Lambda
    functions": ``Invocations`` and ``Errors``, Sum), one schedule window at a time."""
    function = [cloudwatchr.MetricDimension(Name="FunctionName", Value=naming.function(t.prefix, CANARY))]

    def stat(id_: str, name: str) -> cloudwatchr.MetricDataQuery:
        return cloudwatchr.MetricDataQuery(Id=id_, ReturnData=False, MetricStat=cloudwatchr.MetricStat(
            Metric=cloudwatchr.Metric(Namespace="AWS/Lambda", MetricName=name, Dimensions=function),
            Period=interval, Stat="Sum"))

    t.template.add_resource(cloudwatchr.Alarm(
        "CanaryFailingAlarm", AlarmName=canary_alarm_name(t.prefix),
        AlarmDescription=f"drgen's canary here failed (a function error) or did not run in its "
                         f"{t.bp.failover.detection.probe_interval} schedule window: the active-region-down alarm "
                         "cannot see an outage while it is so",
        Metrics=[stat("invocations", "Invocations"), stat("errors", "Errors"), cloudwatchr.MetricDataQuery(
            Id="failing", Expression=CANARY_FAILING, Label="canary failing", ReturnData=True)],
        EvaluationPeriods=1, DatapointsToAlarm=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
        # no datapoint at all: the canary did not run
        TreatMissingData="breaching", AlarmActions=[topic], OKActions=[topic]))


def _starts(t: LayerTemplate, machine: sfn.StateMachine, down: cloudwatchr.Alarm) -> None:
    """Automatic mode: the canary's alarm here, and the other regions' failover alarms, start the machine."""
    role = t.add(iam.Role(
        "StartFailoverRole", RoleName=Sub(naming.role(t.prefix, "start-failover", "${AWS::Region}")),
        AssumeRolePolicyDocument=policies.trust("events.amazonaws.com"),
        Policies=[iam.Policy(PolicyName="start", PolicyDocument=PolicyDocument(Version=policies.VERSION, Statement=[
            Statement(Effect=Allow, Action=[states.StartExecution], Resource=[Ref(machine)])]))]))
    change = {"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"]}
    start: dict[str, Any] = dict(Arn=Ref(machine), RoleArn=GetAtt(role, "Arn"),
                                 **target_options(t, FAILOVER_START_MAX_AGE))
    t.add(eventsr.Rule(
        "StartFailoverOnProbes", Name=f"{t.prefix}-start-failover-on-probes",
        Description="This region's probes of the active region failed: fail over to this region",
        EventPattern={**change, "account": [Ref("AWS::AccountId")], "resources": [GetAtt(down, "Arn")],
                      "detail": {"state": {"value": ["ALARM"]}}},
        Targets=[eventsr.Target(Id="failover", Input=json.dumps(
            {"trigger": "canary", "alarm": down_alarm_name(t.prefix)}, sort_keys=True), **start)]))
    names = failover_alarm_names(t)
    if not names:
        return
    t.add(eventsr.Rule(
        "StartFailoverOnAlarm", Name=f"{t.prefix}-start-failover",
        Description="A failover alarm of another region (forwarded here) starts the failover to this region; the "
                    "machine stops unless that region is the active one",
        EventPattern={**change, "account": [Ref("AWS::AccountId")], "region": [{"anything-but": Ref("AWS::Region")}],
                      "detail": {"alarmName": sorted(names), "state": {"value": ["ALARM"]}}},
        Targets=[eventsr.Target(Id="failover", InputTransformer=eventsr.InputTransformer(
            InputPathsMap={"region": "$.region", "alarm": "$.detail.alarmName"},
            InputTemplate='{"trigger": "alarm", "alarmRegion": "<region>", "alarm": "<alarm>"}'), **start)]))


def contribute(t: LayerTemplate, readiness: lambdar.Function, machine: sfn.StateMachine) -> None:
    bp = t.bp
    _schedule(t, "ValidateReadiness", "validate-readiness", bp.failover.validation_schedule,
              "Checks regularly that this region could take over", readiness, '{"phase": "pre"}',
              schedule_seconds(bp.failover.validation_schedule) or 3600)
    interval = bp.failover.detection.probe_interval.whole_seconds
    probe = canary(t)
    _schedule(t, "ProbeActiveRegion", "probe-active-region", probe_rate(interval),
              "Probes the active region from this one (the canary)", probe, '{"action": "probe"}', interval)
    down = _alarms(t)
    canary_gameday.contribute(t, probe, down)
    if bp.failover.mode == "automatic":
        _starts(t, machine, down)
