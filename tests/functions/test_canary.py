"""drgen's canary against moto and a real local HTTP server: two signals, one datapoint, a windowed decision."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from tests.functions.conftest import PRIMARY, REGION, ROOT, load_handler

CONTROL, NAMESPACE = "tp-prod-drgen-control", "drgen/tp-prod"


class Endpoint:
    """A real HTTP server standing in for the active region's health route."""

    def __init__(self) -> None:
        self.status, self.body = 200, json.dumps({"status": "active", "region": PRIMARY}, separators=(",", ":"))
        self.requests = 0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                endpoint.requests += 1
                data = endpoint.body.encode()
                self.send_response(endpoint.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/prod/health"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    server = Endpoint()
    yield server
    server.close()


@pytest.fixture
def canary(config: Any, endpoint: Endpoint) -> Iterator[Any]:
    with mock_aws():
        for region in (PRIMARY, REGION):
            boto3.client("dynamodb", region_name=region).create_table(
                TableName=CONTROL, BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        config({"region": REGION, "primary_region": PRIMARY, "namespace": NAMESPACE, "control_table": CONTROL,
                "health_urls": {PRIMARY: endpoint.url, REGION: "http://127.0.0.1:9/prod/health"}})
        module = load_handler(ROOT / "drgen" / "functions" / "canary", "drgen_canary")
        module._client.cache_clear()
        yield module


def _flag(region: str) -> None:
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName=CONTROL, Item={"pk": {"S": "active-region"}, "region": {"S": region}})


def _datapoints() -> list[float]:
    now = datetime.now(timezone.utc)
    result = boto3.client("cloudwatch", region_name=REGION).get_metric_data(
        MetricDataQueries=[{"Id": "m", "MetricStat": {"Metric": {
            "Namespace": NAMESPACE, "MetricName": "ActiveRegionProbeFailed",
            "Dimensions": [{"Name": "Region", "Value": REGION}]}, "Period": 60, "Stat": "SampleCount"}}],
        StartTime=now - timedelta(minutes=5), EndTime=now + timedelta(minutes=1))
    return [v for r in result["MetricDataResults"] for v in r["Values"]]


def _values() -> list[float]:
    now = datetime.now(timezone.utc)
    result = boto3.client("cloudwatch", region_name=REGION).get_metric_statistics(
        Namespace=NAMESPACE, MetricName="ActiveRegionProbeFailed", Dimensions=[{"Name": "Region", "Value": REGION}],
        StartTime=now - timedelta(minutes=5), EndTime=now + timedelta(minutes=1), Period=60, Statistics=["Maximum"])
    return [p["Maximum"] for p in result["Datapoints"]]


def _down(canary: Any, region: str = PRIMARY) -> Any:
    """The region's DynamoDB endpoint cannot be reached (as botocore reports a connect timeout)."""
    error = EndpointConnectionError(endpoint_url=f"https://dynamodb.{region}.amazonaws.com")
    return mock.patch.object(canary._client("dynamodb", region, True), "put_item", side_effect=error)


def test_a_healthy_active_region_gives_a_zero_datapoint_and_a_real_write_there(canary: Any, endpoint: Endpoint) -> None:
    _flag(PRIMARY)
    result = canary.handler({"action": "probe"})
    assert result["activeRegion"] == PRIMARY and result["probed"] and result["value"] == 0
    assert [(s["name"], s["ok"]) for s in result["signals"]] == [("health", True), ("control-table", True)]
    item = boto3.client("dynamodb", region_name=PRIMARY).get_item(
        TableName=CONTROL, Key={"pk": {"S": f"probe#{REGION}"}})["Item"]
    assert item["region"]["S"] == REGION and endpoint.requests == 1
    assert _values() == [0.0]


def test_the_schedule_event_without_an_action_probes(canary: Any) -> None:
    _flag(PRIMARY)
    result = canary.handler({"source": "aws.events", "detail-type": "Scheduled Event"})
    assert result["probed"] and result["value"] == 0


def test_both_signals_failing_gives_a_one(canary: Any, endpoint: Endpoint) -> None:
    _flag(PRIMARY)
    endpoint.close()
    with _down(canary):
        result = canary.handler({"action": "probe"})
    assert result["value"] == 1 and not any(s["ok"] for s in result["signals"])
    assert "EndpointConnectionError" in result["signals"][1]["detail"]
    assert _values() == [1.0]


@pytest.mark.parametrize("status, body", [(503, '{"status":"degraded"}'), (200, '{"status":"standby"}'),
                                          (200, '{"status": "active"}'), (302, '{"status":"active"}')])
def test_the_health_signal_needs_a_2xx_saying_active(canary: Any, endpoint: Endpoint, status: int, body: str) -> None:
    _flag(PRIMARY)
    endpoint.status, endpoint.body = status, body
    result = canary.handler({"action": "probe"})
    assert [(s["name"], s["ok"]) for s in result["signals"]] == [("health", False), ("control-table", True)]
    assert result["value"] == 0  # one signal failing is not evidence of an outage


def test_the_active_region_does_not_watch_itself(canary: Any, endpoint: Endpoint) -> None:
    _flag(REGION)
    result = canary.handler({"action": "probe"})
    assert result == {"activeRegion": REGION, "probed": False, "value": None, "signals": []}
    assert endpoint.requests == 0 and _datapoints() == []


def test_without_a_flag_the_blueprint_primary_is_watched(canary: Any) -> None:
    assert canary.handler({"action": "probe"})["activeRegion"] == PRIMARY


def test_it_watches_the_region_the_flag_names_not_the_blueprint_primary(canary: Any, config: Any,
                                                                       endpoint: Endpoint) -> None:
    other = "us-west-2"
    boto3.client("dynamodb", region_name=other).create_table(
        TableName=CONTROL, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    config({"region": REGION, "primary_region": PRIMARY, "namespace": NAMESPACE, "control_table": CONTROL,
            "health_urls": {PRIMARY: "http://127.0.0.1:9/prod/health", other: endpoint.url}})
    _flag(other)
    result = canary.handler({"action": "probe"})
    assert result["activeRegion"] == other and all(s["ok"] for s in result["signals"])
    assert "Item" in boto3.client("dynamodb", region_name=other).get_item(
        TableName=CONTROL, Key={"pk": {"S": f"probe#{REGION}"}})
    assert "Item" not in boto3.client("dynamodb", region_name=PRIMARY).get_item(
        TableName=CONTROL, Key={"pk": {"S": f"probe#{REGION}"}})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(canary: Any) -> Iterator[Clock]:
    fake = Clock()
    with mock.patch.object(canary.time, "monotonic", fake.monotonic), mock.patch.object(canary.time, "sleep", fake.sleep):
        yield fake


def test_decide_a_reachable_region(canary: Any, clock: Clock) -> None:
    _flag(PRIMARY)
    result = canary.handler({"action": "decide"})
    assert set(result) == {"activeRegion", "activeReachable", "activeDown", "signals"}
    assert result["activeRegion"] == PRIMARY and result["activeReachable"] and not result["activeDown"]
    assert [s["probe"] for s in result["signals"]] == [1, 1, 2, 2, 3, 3] and clock.sleeps == [5.0, 5.0]


def test_decide_a_region_down_in_every_probe(canary: Any, endpoint: Endpoint, clock: Clock) -> None:
    _flag(PRIMARY)
    endpoint.close()
    with _down(canary):
        result = canary.handler({"action": "decide"})
    assert result["activeDown"] and not result["activeReachable"] and len(result["signals"]) == 6


def test_a_blip_in_one_probe_is_not_down(canary: Any, endpoint: Endpoint, clock: Clock) -> None:
    _flag(PRIMARY)
    real = canary.fetch
    calls = []

    def blip(url: str, timeout: float) -> tuple[int, bytes]:
        calls.append(url)
        if len(calls) == 1:
            raise TimeoutError("timed out")
        return real(url, timeout)  # type: ignore[no-any-return]

    with mock.patch.object(canary, "fetch", blip):
        result = canary.handler({"action": "decide"})
    assert result["activeReachable"] and not result["activeDown"]


def test_a_partition_of_one_signal_is_neither_down_nor_reachable(canary: Any, endpoint: Endpoint, clock: Clock) -> None:
    _flag(PRIMARY)
    with _down(canary):  # the API answers, the table replica cannot be reached
        result = canary.handler({"action": "decide"})
    assert not result["activeReachable"] and not result["activeDown"]


def test_decide_in_the_active_region_probes_nothing(canary: Any, endpoint: Endpoint, clock: Clock) -> None:
    _flag(REGION)
    result = canary.handler({"action": "decide"})
    assert result["activeRegion"] == REGION and result["activeReachable"] and not result["activeDown"]
    assert endpoint.requests == 0 and clock.sleeps == []


@settings(max_examples=30, deadline=None)
@given(durations=st.lists(st.floats(min_value=0, max_value=11), min_size=3, max_size=3))
def test_the_decision_window_is_bounded(durations: list[float]) -> None:
    module = load_handler(ROOT / "drgen" / "functions" / "canary", "drgen_canary_window")
    fake = Clock()
    taken = iter(durations)

    def slow_probe(config: dict[str, Any], active: str, number: int = 1) -> list[dict[str, Any]]:
        fake.now += next(taken)
        return [{"probe": number, "name": "health", "ok": False, "detail": "x"},
                {"probe": number, "name": "control-table", "ok": False, "detail": "x"}]

    with mock.patch.object(module.time, "monotonic", fake.monotonic), mock.patch.object(module.time, "sleep", fake.sleep), \
            mock.patch.object(module, "probe", slow_probe), \
            mock.patch.object(module, "active_region", lambda config: PRIMARY):
        result = module.decide({"region": REGION})
    assert fake.now - 1000.0 <= module.WINDOW
    assert 2 <= len(result["signals"]) // 2 <= 3 and result["activeDown"]


@pytest.mark.parametrize("event", [{"action": "failover"}, "probe", None])
def test_a_malformed_event_raises(canary: Any, event: Any) -> None:
    with pytest.raises(ValueError, match="the canary takes"):
        canary.handler(event)


def test_without_a_health_route_the_control_table_alone_decides(canary: Any, config: Any, clock: Clock) -> None:
    config({"region": REGION, "primary_region": PRIMARY, "namespace": NAMESPACE, "control_table": CONTROL,
            "health_urls": {}})
    _flag(PRIMARY)
    assert [s["name"] for s in canary.handler({"action": "probe"})["signals"]] == ["control-table"]
    assert canary.handler({"action": "decide"})["activeReachable"]
    with _down(canary):
        assert canary.handler({"action": "decide"})["activeDown"]
