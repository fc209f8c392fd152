"""EventBridge rules of the emulated world: event patterns, schedules, targets, delivered on the clock.

Each ``AWS::Events::Rule`` of a region matches the events of that region's default bus with moto's own
event pattern matcher (source, detail-type, detail, resources, region, account, anything-but, prefix...)
and delivers to its targets ``HOP_SECONDS`` later (EventBridge User Guide, "Sending and receiving events
between AWS accounts and Regions": a rule can forward to another Region's bus, which receives the event
unchanged, ``region`` included). Targets: Step Functions (StartExecution), Lambda (asynchronous invoke),
an event bus (forwarding), SNS. ``rate()`` schedules deliver on the clock. A region that is down matches
and schedules nothing; a delivery to a region that is down fails (and is recorded).
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from drgen.emulation.clock import Clock
from drgen.emulation.faults import Faults, bypassed
from drgen.emulation.templates import Resource

HOP_SECONDS = 0.5
_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


def rate_seconds(expression: str) -> float | None:
    found = re.fullmatch(r"rate\((\d+) (\w+)\)", expression.strip())
    return None if found is None else float(int(found.group(1)) * _UNITS[found.group(2)])


@dataclass
class Delivery:
    at: float
    rule: str
    region: str
    target: str
    ok: bool
    detail: str = ""


@dataclass
class Rules:
    clock: Clock
    faults: Faults
    account: str
    rules: list[Resource] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    client: Any = None
    """A client factory of the emulated AWS: ``client(service, region)``."""

    def add(self, rule: Resource) -> None:
        self.rules.append(rule)
        schedule = rule.properties.get("ScheduleExpression")
        if schedule:
            period = rate_seconds(str(schedule))
            if period is None:
                self.unsupported.append(f"{rule.region} {rule.name}: schedule {schedule}")
            else:
                self._every(rule, period, self.clock.now() + period)

    def _every(self, rule: Resource, period: float, when: float) -> None:
        def tick() -> None:
            self._every(rule, period, when + period)
            if self.faults.works(rule.region) and rule.properties.get("State", "ENABLED") == "ENABLED":
                event = self._event(rule.region, "aws.events", "Scheduled Event", {}, [rule.arn])
                self._targets(rule, event)
        self.clock.at(when, tick, f"schedule {rule.name}@{rule.region}")

    def _event(self, region: str, source: str, kind: str, detail: dict[str, Any], resources: list[str]) -> dict[str, Any]:
        return {"version": "0", "id": str(uuid.uuid4()), "detail-type": kind, "source": source,
                "account": self.account, "region": region, "resources": resources,
                "time": datetime.fromtimestamp(self.clock.now(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "detail": detail}

    def publish(self, region: str, event: dict[str, Any]) -> None:
        """An event arrives on ``region``'s default bus."""
        from moto.events.models import EventPattern

        if not self.faults.works(region):
            return
        for rule in self.rules:
            pattern = rule.properties.get("EventPattern")
            if rule.region != region or not pattern or rule.properties.get("State", "ENABLED") != "ENABLED":
                continue
            if EventPattern.load(json.dumps(pattern)).matches_event(event):  # type: ignore[arg-type]
                self._targets(rule, event)

    def _targets(self, rule: Resource, event: dict[str, Any]) -> None:
        for target in rule.properties.get("Targets", []):
            self.clock.after(HOP_SECONDS, functools.partial(self._deliver, rule, target, event),
                             f"{rule.name}@{rule.region} -> {target.get('Id')}")

    def _deliver(self, rule: Resource, target: dict[str, Any], event: dict[str, Any]) -> None:
        arn = str(target["Arn"])
        region = arn.split(":")[3] or rule.region
        payload = target_input(rule, target, event)
        ok, detail = True, ""
        if not self.faults.works(region) or (rule.region, region) in self.faults.partitions:
            ok, detail = False, f"{region} does not answer"
        else:
            try:
                with bypassed():
                    if ":states:" in arn:
                        detail = self.client("stepfunctions", region).start_execution(
                            stateMachineArn=arn, name=str(uuid.uuid4()), input=payload)["executionArn"]
                    elif ":lambda:" in arn:
                        answer = self.client("lambda", region).invoke(
                            FunctionName=arn, Payload=payload.encode())
                        ok = "FunctionError" not in answer
                        detail = answer["Payload"].read().decode()[:200]
                    elif ":event-bus/" in arn:
                        self.publish(region, event)
                    elif ":sns:" in arn:
                        self.client("sns", region).publish(TopicArn=arn, Message=payload)
                    else:
                        ok, detail = False, "target kind not emulated"
            except Exception as error:  # a failed delivery is what EventBridge retries and dead-letters
                ok, detail = False, str(error)[:200]
        self.deliveries.append(Delivery(self.clock.elapsed(), rule.name, rule.region, arn, ok, detail))


def _at(event: Any, path: str) -> Any:
    """The value at a simple JSONPath (``$``, ``$.a.b``) of ``event``; None when absent."""
    value = event
    for part in [p for p in path.removeprefix("$").split(".") if p]:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def target_input(rule: Resource, target: dict[str, Any], event: dict[str, Any]) -> str:
    """What EventBridge sends a target: ``Input`` as given, the event at ``InputPath``, ``InputTransformer``'s
    template with each ``<name>`` replaced by its path's value (a string's text inside the template's quotes,
    anything else as JSON), or the whole event."""
    if "Input" in target:
        return str(target["Input"])
    if "InputPath" in target:
        return json.dumps(_at(event, str(target["InputPath"])))
    transformer = target.get("InputTransformer")
    if not transformer:
        return json.dumps(event)
    values = {name: _at(event, str(path)) for name, path in transformer.get("InputPathsMap", {}).items()}
    values.update({"aws.events.rule-name": rule.name, "aws.events.event": event})
    text = str(transformer["InputTemplate"])
    for name, value in values.items():
        text = text.replace(f"<{name}>", json.dumps(value)[1:-1] if isinstance(value, str) else json.dumps(value))
    return text
