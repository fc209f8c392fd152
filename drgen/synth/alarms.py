"""CloudWatch alarms (app layer) mapped from drgen metric names, and the forwarding of failover alarms.

An alarm lives where its metric is measured (``metrics.Metric.placement``). A failover-triggering alarm of
every region has its ALARM state forwarded to every other region's default event bus, where the
orchestration layer's rule (``drgen.synth.detection``) starts the state machine, which stops unless the
alarm's region is the active one: the decision to fail over is taken in a region that survives, and a
region's own alarms never fail over to itself. The region's dead-letter queue for EventBridge targets is
here too (``drgen.synth.delivery``).
"""

from __future__ import annotations

from typing import Any

from awacs import events
from awacs.aws import Allow, PolicyDocument, Statement
from troposphere import Equals, GetAtt, If, Not, NoValue, Ref, Sub, cloudwatch, iam, ssm
from troposphere import events as eventsr

from drgen import configs, metrics, naming
from drgen.model import Alarm
from drgen.splitting import alarm_group, function_group
from drgen.synth import delivery, policies
from drgen.synth.base import IS_PRIMARY, IS_SECONDARY, LayerTemplate
from drgen.synth.delivery import target_options
from drgen.synth.dns import region_id
from drgen.synth.queues import queue_id
from drgen.synth.topic import topic_arn

MAX_TARGETS = 5
"""EventBridge's targets per rule."""
FORWARD_MAX_AGE = 3600
"""A failover alarm older than an hour is not worth delivering: it has re-fired or an operator has acted."""


def dimension_sets(t: LayerTemplate, alarm: Alarm) -> list[list[tuple[str, Any]]]:
    """One or more dimension sets: an alarm per set (a table alarm per region, a bucket one per rule)."""
    return [[(name, Sub(value) if "${" in value else value) for name, value in dimensions]
            for dimensions in configs.dimension_sets(t.bp, alarm)]


def _placement(t: LayerTemplate, metric: metrics.Metric) -> str | None:
    if metric.placement == "primary":
        return t.condition(IS_PRIMARY)
    if metric.placement == "secondaries":
        return t.condition(IS_SECONDARY)
    return None


def _alarm(t: LayerTemplate, alarm: Alarm) -> list[str]:
    metric = metrics.METRICS[alarm.metric]
    sets = dimension_sets(t, alarm)
    names = []
    for index, dimensions in enumerate(sets):
        suffix = "" if len(sets) == 1 else f"-{index + 1}"
        statistic = {"ExtendedStatistic": metric.statistic} if metric.is_extended_statistic else \
            {"Statistic": metric.statistic}
        props: dict[str, Any] = dict(
            AlarmName=naming.alarm(t.prefix, alarm.name) + suffix,
            AlarmDescription=f"{metric.summary} ({alarm.metric}) over {alarm.threshold:g} for {alarm.periods} minute(s)"
                             + ("; starts the failover" if alarm.triggers_failover else ""),
            Namespace=metric.namespace, MetricName=metric.metric,
            Dimensions=[cloudwatch.MetricDimension(Name=k, Value=v) for k, v in dimensions],
            Period=60, EvaluationPeriods=alarm.periods, Threshold=alarm.threshold,
            ComparisonOperator="GreaterThanThreshold",
            # no data is no evidence of a failure: a quiet API is not a broken one; a silent region is found
            # from outside, by the other regions' canaries (drgen.synth.detection)
            TreatMissingData="notBreaching",
            AlarmActions=[topic_arn(t)], OKActions=[topic_arn(t)], **statistic,
        )
        resource = cloudwatch.Alarm(naming.logical_id(alarm.name, "Alarm") + (str(index + 1) if suffix else ""), **props)
        condition = _placement(t, metric)
        if condition:
            resource.Condition = condition
        t.template.add_resource(resource)  # CloudWatch alarms take tags only through the API, not here
        names.append(props["AlarmName"])
    return names


def _forward_failover_alarms(t: LayerTemplate, names: list[str]) -> None:
    """This region's failover alarms go to every other region, whose machine decides (and stops unless this
    region is the active one). Only alarms of this account and region are forwarded: a forwarded event is
    never forwarded again."""
    others = [r for r in t.bp.region_names if r in t.layer.regions]
    conditions = {}
    for region in others:
        conditions[region] = f"IsNot{region_id(region)}"
        t.template.add_condition(conditions[region], Not(Equals(Ref("AWS::Region"), region)))

    def bus(region: str) -> Sub:
        return Sub(f"arn:${{AWS::Partition}}:events:{region}:${{AWS::AccountId}}:event-bus/default")

    role = t.add(iam.Role(
        "ForwardFailoverAlarmsRole", RoleName=Sub(naming.role(t.prefix, "forward-alarms", "${AWS::Region}")),
        AssumeRolePolicyDocument=policies.trust("events.amazonaws.com"),
        Policies=[iam.Policy(PolicyName="put-events", PolicyDocument=PolicyDocument(Version=policies.VERSION, Statement=[
            Statement(Effect=Allow, Action=[events.PutEvents],
                      Resource=[If(conditions[r], bus(r), NoValue) for r in others])]))],
    ))
    pattern = {"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"],
               "account": [Ref("AWS::AccountId")], "region": [Ref("AWS::Region")],
               "detail": {"alarmName": sorted(names), "state": {"value": ["ALARM"]}}}
    # EventBridge allows five targets a rule; this region's own target drops out (AWS::NoValue)
    for index in range(0, len(others), MAX_TARGETS):
        chunk, part = others[index:index + MAX_TARGETS], index // MAX_TARGETS + 1
        t.add(eventsr.Rule(
            "ForwardFailoverAlarms" + (str(part) if index else ""),
            Name=f"{t.prefix}-forward-failover-alarms" + (f"-{part}" if index else ""),
            Description="This region's failover alarms go to the other regions, where the failover is decided",
            EventPattern=pattern,
            Targets=[If(conditions[r], eventsr.Target(Id=f"to-{r}", Arn=bus(r), RoleArn=GetAtt(role, "Arn"),
                                                      **target_options(t, FORWARD_MAX_AGE)), NoValue)
                     for r in chunk],
        ))


def failover_alarm_names(t: LayerTemplate) -> list[str]:
    """The blueprint's alarms whose ALARM state, forwarded from the active region, starts a failover."""
    return [naming.alarm(t.prefix, a.name) for a in t.bp.alarms
            if a.triggers_failover and metrics.METRICS[a.metric].placement == "serving"]


def _publish(t: LayerTemplate) -> None:
    """SSM parameters publishing the region's endpoints, for clients and operators."""
    for queue in t.bp.queues if t.layer.holds("") else ():
        t.add(ssm.Parameter(naming.logical_id(queue.name, "QueueUrlParameter"), Type="String",
                            Name=naming.parameter(t.bp.name, t.bp.environment, "queues", queue.name, "url"),
                            Value=Ref(queue_id(queue.name)), Description=f"URL of the {queue.name} queue here"))
    for fn in t.bp.functions:
        if not t.layer.holds(function_group(t.bp, fn)):
            continue
        t.add(ssm.Parameter(naming.logical_id(fn.name, "FunctionArnParameter"), Type="String",
                            Name=naming.parameter(t.bp.name, t.bp.environment, "functions", fn.name, "arn"),
                            Value=GetAtt(naming.logical_id(fn.name) + "Function", "Arn"),
                            Description=f"ARN of the {fn.name} function here"))
    if t.bp.api is not None and t.layer.holds(""):
        t.add(ssm.Parameter("ApiHostParameter", Type="String",
                            Name=naming.parameter(t.bp.name, t.bp.environment, "api", "host"),
                            Value=Sub("${RestApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"),
                            Description="The region's API host"))


def contribute(t: LayerTemplate) -> None:
    for alarm in t.bp.alarms:
        if t.layer.holds(alarm_group(t.bp, alarm)):
            _alarm(t, alarm)
    delivery.contribute(t)
    names = configs.failover_alarm_names(t.bp)  # every part's: the forwarding rules are the app part's
    if names and t.bp.failover.mode == "automatic" and t.bp.runs_compute_in_secondaries and t.bp.secondaries \
            and t.layer.holds(""):
        _forward_failover_alarms(t, names)
    _publish(t)
