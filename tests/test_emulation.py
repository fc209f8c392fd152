"""The emulated AWS the drill runs in: faults, the clock, replication, alarms and rules behave as AWS documents."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from botocore.exceptions import ConnectTimeoutError
from hypothesis import given, settings
from hypothesis import strategies as st

import drgen
from drgen.emulation import Emulation
from drgen.emulation.clock import Clock
from drgen.emulation.faults import bypassed, running, session
from drgen.emulation.rules import rate_seconds

ROOT = Path(__file__).resolve().parents[1]
CONTROL = "trading-platform-prod-drgen-control"
KEY = {"pk": {"S": "active-region"}}


@pytest.fixture(scope="module")
def rendered() -> object:
    return drgen.render(drgen.load(ROOT / "blueprints" / "trading-platform.yaml"))


@pytest.fixture
def world(rendered: object) -> Iterator[Emulation]:
    from moto import mock_aws

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}), Emulation(rendered) as em:
        yield em


def test_a_region_that_is_down_times_out_as_botocore_does_after_a_bounded_wait(world: Emulation) -> None:
    world.faults.down.add("us-east-1")
    from botocore.config import Config

    client = world.client("dynamodb", "us-east-1")
    lone = session().client("dynamodb", region_name="us-east-1",
                            config=Config(connect_timeout=7, retries={"max_attempts": 1}))
    before = world.clock.now()
    done: list[BaseException] = []

    def call() -> None:
        try:
            with running("us-east-2"):
                lone.get_item(TableName=CONTROL, Key=KEY)
        except BaseException as error:
            done.append(error)

    thread = threading.Thread(target=call)
    thread.start()
    while thread.is_alive():
        world.clock.step(world.clock.now() + 60)
    assert isinstance(done[0], ConnectTimeoutError)
    assert world.clock.now() - before >= 7
    with bypassed():  # the drill's own reads are not subject to faults
        assert client.describe_table(TableName=CONTROL)["Table"]["TableName"] == CONTROL


def test_a_partition_cuts_one_direction_and_the_other_region_stays_healthy(world: Emulation) -> None:
    world.faults.partition("us-east-2", "us-east-1")
    assert not world.faults.reachable("us-east-2", "us-east-1")
    assert world.faults.reachable("us-east-1", "us-east-2") and world.faults.reachable(None, "us-east-1")
    assert world.faults.works("us-east-1")


@settings(max_examples=20, deadline=None)
@given(st.floats(0, 5), st.floats(0, 5))
def test_concurrent_writes_converge_on_the_last_writer(first: float, second: float) -> None:
    from moto import mock_aws

    bp_render = drgen.render(drgen.load(ROOT / "blueprints" / "trading-platform.yaml"))
    with mock_aws(), Emulation(bp_render) as em, bypassed():
        em.clock.advance(em.clock.now() + first)
        with running("us-east-1"):
            em.client("dynamodb", "us-east-1").put_item(TableName=CONTROL, Item={**KEY, "region": {"S": "us-east-1"}})
        em.clock.advance(em.clock.now() + second / 10)  # inside the replication delay: a real conflict
        with running("us-east-2"):
            em.client("dynamodb", "us-east-2").put_item(TableName=CONTROL, Item={**KEY, "region": {"S": "us-east-2"}})
        em.clock.advance(em.clock.now() + 5)
        values = {r: em.item(CONTROL, r, KEY)["region"]["S"] for r in ("us-east-1", "us-east-2")}  # type: ignore[index]
        assert values == {"us-east-1": "us-east-2", "us-east-2": "us-east-2"}


def test_an_alarm_on_a_silent_metric_follows_treat_missing_data(world: Emulation) -> None:
    silent = [a for a in world.alarms.alarms if a.resource.properties.get("TreatMissingData") == "breaching"]
    quiet = [a for a in world.alarms.alarms if a.resource.properties.get("TreatMissingData") == "notBreaching"
             and a.resource.properties.get("Namespace") == "AWS/SQS" and a.resource.region == "us-east-1"]
    assert silent and quiet
    world.faults.down.add("us-east-2")  # no health function answers there: no datapoints for its checks
    world.clock.advance(world.clock.now() + 600)
    assert all(a.state == "OK" for a in quiet)
    assert any(a.state == "ALARM" for a in silent)


def test_a_breaching_metric_raises_the_alarm_and_its_event_reaches_matching_rules(world: Emulation) -> None:
    alarm = next(a for a in world.alarms.alarms if a.resource.properties.get("MetricName") == "5XXError"
                 and a.resource.region == "us-east-1")
    props = alarm.resource.properties
    for minute in range(1, 6):
        stamp = datetime.fromtimestamp(world.clock.now() + 60 * minute - 1, timezone.utc)
        world.client("cloudwatch", "us-east-1").put_metric_data(Namespace=props["Namespace"], MetricData=[{
            "MetricName": props["MetricName"], "Value": 100.0, "Timestamp": stamp, "Dimensions": props["Dimensions"]}])
    world.clock.advance(world.clock.now() + 300)
    assert alarm.state == "ALARM"
    forwarded = [d for d in world.rules.deliveries if d.region == "us-east-1" and ":event-bus/" in d.target]
    assert forwarded and all(d.ok for d in forwarded)


def test_a_region_that_is_down_evaluates_no_alarm_and_delivers_no_schedule(world: Emulation) -> None:
    world.faults.down.add("us-east-2")
    world.clock.advance(world.clock.now() + 7200)
    assert all(len(a.history) == 0 for a in world.alarms.in_region("us-east-2"))
    assert not [d for d in world.rules.deliveries if d.region == "us-east-2"]


def test_the_clock_wakes_sleepers_in_time_order() -> None:
    clock = Clock(0.0)
    woke: list[float] = []
    threads = [clock.thread_class()(target=lambda s=s: (clock.sleep(s), woke.append(clock.now()))) for s in (30, 10)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        clock.step(1000)
    assert woke == [10, 30]


def test_rate_expressions() -> None:
    assert rate_seconds("rate(1 minute)") == 60 and rate_seconds("rate(30 minutes)") == 1800
    assert rate_seconds("cron(0 * * * ? *)") is None


def test_a_rule_target_gets_what_eventbridge_would_send() -> None:
    from drgen.emulation.rules import target_input
    from drgen.emulation.templates import Resource

    rule = Resource("orchestration", "eu-west-1", "Rule", "AWS::Events::Rule", {}, "start-failover", "arn:rule")
    event = {"region": "eu-central-1", "detail": {"alarmName": 'api "errors"', "state": {"value": "ALARM"}}}
    transformer = {"InputPathsMap": {"alarm": "$.detail.alarmName", "region": "$.region", "state": "$.detail.state"},
                   "InputTemplate": '{"alarmRegion": "<region>", "alarm": "<alarm>", "state": <state>, '
                                    '"rule": "<aws.events.rule-name>"}'}
    sent = json.loads(target_input(rule, {"InputTransformer": transformer}, event))
    assert sent == {"alarmRegion": "eu-central-1", "alarm": 'api "errors"', "state": {"value": "ALARM"},
                    "rule": "start-failover"}
    assert json.loads(target_input(rule, {"Input": '{"trigger": "canary"}'}, event)) == {"trigger": "canary"}
    assert json.loads(target_input(rule, {"InputPath": "$.detail.state"}, event)) == {"value": "ALARM"}
    assert json.loads(target_input(rule, {}, event)) == event
