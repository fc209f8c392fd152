"""CloudWatch alarms evaluated on the emulated clock, over the metrics put in moto.

Every minute each alarm of a region that works is evaluated as CloudWatch documents it (CloudWatch User
Guide, "Evaluating an alarm" and "Configuring how CloudWatch alarms treat missing data"): the last
``EvaluationPeriods`` periods of ``Period`` seconds, each reduced by ``Statistic``; ALARM when at least
``DatapointsToAlarm`` of them breach ``Threshold`` by ``ComparisonOperator``; a period without datapoints
is breaching, not breaching, ignored (the state stays) or missing (all missing: INSUFFICIENT_DATA) as
``TreatMissingData`` says. A state change is published as the "CloudWatch Alarm State Change" event to
the region's default bus and to the alarm's actions (SNS). A region that is down evaluates nothing.
"""

from __future__ import annotations

import math
import operator
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from drgen.emulation.clock import Clock
from drgen.emulation.faults import Faults
from drgen.emulation.templates import Resource

EVALUATION_SECONDS = 60.0
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": operator.gt, "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt, "LessThanOrEqualToThreshold": operator.le,
}


def _reduce(statistic: str, values: list[float]) -> float:
    if statistic == "Minimum":
        return min(values)
    if statistic == "Maximum":
        return max(values)
    if statistic == "Sum":
        return sum(values)
    if statistic == "SampleCount":
        return float(len(values))
    if statistic.startswith("p"):  # an extended statistic: the percentile of the raw values
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, max(0, math.ceil(float(statistic[1:]) / 100 * len(ordered)) - 1))]
    return sum(values) / len(values)


@dataclass
class Alarm:
    resource: Resource
    state: str = "INSUFFICIENT_DATA"
    history: list[tuple[float, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.resource.properties["AlarmName"])


@dataclass
class Alarms:
    clock: Clock
    faults: Faults
    account: str
    alarms: list[Alarm] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    publish: Any = None
    """Called with (region, event) for every state change: the region's default event bus."""
    notify: Any = None
    """Called with (topic ARN, subject, message) for every alarm action."""

    def add(self, resource: Resource) -> None:
        props = resource.properties
        if "MetricName" not in props and "Metrics" not in props:
            self.unsupported.append(f"{resource.region} {props.get('AlarmName')}: neither a metric nor metric math")
        self.alarms.append(Alarm(resource))

    def in_region(self, region: str) -> list[Alarm]:
        return [a for a in self.alarms if a.resource.region == region]

    def evaluate(self) -> None:
        for alarm in self.alarms:
            props = alarm.resource.properties
            if self.faults.works(alarm.resource.region) and ("MetricName" in props or "Metrics" in props):
                self._evaluate(alarm)

    def values(self, region: str, props: dict[str, Any], start: float, end: float) -> list[float]:
        from moto.cloudwatch.models import cloudwatch_backends

        wanted = {(d["Name"], str(d["Value"])) for d in props.get("Dimensions", [])}
        found = []
        for datum in cloudwatch_backends[self.account][region].metric_data:
            if datum.namespace != props["Namespace"] or datum.name != props["MetricName"]:
                continue
            if {(d.name, str(d.value)) for d in datum.dimensions} != wanted:
                continue
            stamp = datum.timestamp.timestamp() if isinstance(datum.timestamp, datetime) else float(datum.timestamp)
            if start < stamp <= end and hasattr(datum, "value"):
                found.append(float(datum.value))
        return found

    def period_value(self, region: str, props: dict[str, Any], start: float, end: float) -> float | None:
        """The alarm's value for one period (``None``: no data): its statistic, or its metric math expression
        (``drgen.emulation.metricmath``) over its metrics' statistics."""
        if "MetricName" in props:
            values = self.values(region, props, start, end)
            return _reduce(props.get("Statistic") or props["ExtendedStatistic"], values) if values else None
        from drgen.emulation.metricmath import evaluate

        inputs: dict[str, float | None] = {}
        for query in props["Metrics"]:
            if "MetricStat" in query:
                stat = query["MetricStat"]
                metric = {"Namespace": stat["Metric"]["Namespace"], "MetricName": stat["Metric"]["MetricName"],
                          "Dimensions": stat["Metric"].get("Dimensions", [])}
                values = self.values(region, metric, start, end)
                inputs[query["Id"]] = _reduce(stat["Stat"], values) if values else None
        expression = next(q["Expression"] for q in props["Metrics"] if q.get("ReturnData", True) and "Expression" in q)
        return evaluate(expression, inputs)

    def _evaluate(self, alarm: Alarm) -> None:
        props = alarm.resource.properties
        period = float(props.get("Period") or next(
            (q["MetricStat"]["Period"] for q in props.get("Metrics", []) if "MetricStat" in q), 60))
        periods = int(props.get("EvaluationPeriods", 1))
        needed = int(props.get("DatapointsToAlarm", periods))
        treat = props.get("TreatMissingData", "missing")
        compare = _COMPARE[props["ComparisonOperator"]]
        end = self.clock.now()
        breaching = counted = 0
        for index in range(periods):
            stop = end - index * period
            value = self.period_value(alarm.resource.region, props, stop - period, stop)
            if value is not None:
                counted += 1
                breaching += compare(value, float(props["Threshold"]))
            elif treat == "breaching":
                counted += 1
                breaching += 1
            elif treat == "notBreaching":
                counted += 1
        if breaching >= needed:
            state = "ALARM"
        elif counted == 0:
            state = alarm.state if treat == "ignore" else "INSUFFICIENT_DATA"
        else:
            state = "OK"
        if state != alarm.state:
            self._change(alarm, state)

    def _change(self, alarm: Alarm, state: str) -> None:
        previous, alarm.state = alarm.state, state
        alarm.history.append((self.clock.elapsed(), state))
        stamp = datetime.fromtimestamp(self.clock.now(), timezone.utc).isoformat()
        region = alarm.resource.region
        event = {"version": "0", "id": str(uuid.UUID(int=len(alarm.history) + hash(alarm.resource.arn) % 10**9)),
                 "detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch",
                 "account": self.account, "time": stamp, "region": region, "resources": [alarm.resource.arn],
                 "detail": {"alarmName": alarm.name, "state": {"value": state, "timestamp": stamp,
                                                               "reason": "drill evaluation"},
                            "previousState": {"value": previous}, "configuration": {
                                "metrics": _metrics(alarm.resource.properties)}}}
        if self.publish is not None:
            self.publish(region, event)
        actions = {"ALARM": "AlarmActions", "OK": "OKActions", "INSUFFICIENT_DATA": "InsufficientDataActions"}[state]
        for topic in alarm.resource.properties.get(actions, []):
            if self.notify is not None and str(topic).startswith("arn:aws:sns:"):
                self.notify(str(topic), f"ALARM: {alarm.name}" if state == "ALARM" else f"{state}: {alarm.name}",
                            f"{alarm.name} in {region} is {state}")


def _metrics(props: dict[str, Any]) -> list[dict[str, Any]]:
    """The alarm's metrics as the state-change event's ``configuration.metrics`` lists them."""
    if "Metrics" not in props:
        return [{"metricStat": {"metric": {"namespace": props.get("Namespace"), "name": props.get("MetricName")}}}]
    return [{"id": q["Id"], "expression": q["Expression"]} if "Expression" in q else
            {"id": q["Id"], "metricStat": {"metric": {"namespace": q["MetricStat"]["Metric"]["Namespace"],
                                                      "name": q["MetricStat"]["Metric"]["MetricName"]}}}
            for q in props["Metrics"]]
