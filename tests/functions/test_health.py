"""drgen's health endpoint against moto: 200 "active" in the active region, 200 "standby" in a ready standby,
503 when broken; the body is what Route 53's HTTPS_STR_MATCH check searches."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.functions.conftest import REGION, ROOT, load_handler

CONTROL, TABLE, QUEUE = "tp-prod-drgen-control", "tp-prod-sessions", "tp-prod-orders"


@pytest.fixture
def health(config: Any) -> Any:
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        for name, key in ((CONTROL, "pk"), (TABLE, "id")):
            ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                             AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": key, "KeyType": "HASH"}])
        boto3.client("sqs", region_name=REGION).create_queue(QueueName=QUEUE)
        config({"region": REGION, "control_table": CONTROL, "active_item": "active-region", "queues": [QUEUE],
                "tables": [TABLE]})
        module = load_handler(ROOT / "drgen" / "functions" / "health", "drgen_health")
        module._client.cache_clear()
        yield module


def _flag(region: str) -> None:
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName=CONTROL, Item={"pk": {"S": "active-region"}, "region": {"S": region}})


def _call(health: Any) -> tuple[int, dict[str, Any]]:
    response = health.handler({"httpMethod": "GET", "path": "/health"})
    assert response["headers"] == {"Content-Type": "application/json", "Cache-Control": "no-store"}
    return response["statusCode"], json.loads(response["body"])


def test_active_region_with_answering_dependencies_is_healthy(health: Any) -> None:
    _flag(REGION)
    status, body = _call(health)
    assert status == 200 and body["status"] == "active"
    assert [c["ok"] for c in body["checks"]] == [True, True]


def test_a_ready_standby_answers_200_standby(health: Any) -> None:
    _flag("us-east-1")
    status, body = _call(health)
    assert status == 200 and body["status"] == "standby" and body["active"] == "us-east-1"


def test_no_flag_yet_is_a_standby(health: Any) -> None:
    status, body = _call(health)
    assert status == 200 and body["status"] == "standby" and "no active-region flag" in body["reason"]


def test_a_broken_standby_is_503_degraded(health: Any) -> None:
    _flag("us-east-1")
    boto3.client("dynamodb", region_name=REGION).delete_table(TableName=TABLE)
    status, body = _call(health)
    assert status == 503 and body["status"] == "degraded"


@pytest.mark.parametrize("active, matches", [(REGION, True), ("us-east-1", False)])
def test_route53_finds_the_search_string_only_in_the_active_region(health: Any, active: str, matches: bool) -> None:
    from drgen.synth.dns import ACTIVE_STRING

    _flag(active)
    response = health.handler({"httpMethod": "GET", "path": "/health"})
    assert (ACTIVE_STRING in response["body"].encode()[:5120].decode()) is matches
    assert response["body"].startswith('{"status":')


def test_missing_dependency_is_degraded(health: Any) -> None:
    _flag(REGION)
    boto3.client("dynamodb", region_name=REGION).delete_table(TableName=TABLE)
    status, body = _call(health)
    assert status == 503 and body["status"] == "degraded" and TABLE in body["reason"]


def test_throttled_flag_read_is_503_not_a_crash(health: Any) -> None:
    error = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "GetItem")
    with mock.patch.object(health._client("dynamodb", REGION), "get_item", side_effect=error):
        status, body = _call(health)
    assert status == 503 and "ThrottlingException" in body["reason"]


def test_broken_configuration_is_503(health: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRGEN_CONFIG", "{not json")
    status, body = _call(health)
    assert status == 503 and body["reason"] == "health function misconfigured"
