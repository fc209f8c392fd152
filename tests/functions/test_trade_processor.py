"""The reference application's trade processor against moto: idempotent writes, audit, partial batches."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.functions.conftest import ROOT, load_handler

TABLE, BUCKET = "trading-platform-prod-user-sessions", "audit-bucket"


@pytest.fixture
def processor(monkeypatch: pytest.MonkeyPatch) -> Any:
    with mock_aws():
        monkeypatch.setenv("TABLE_USER_SESSIONS", TABLE)
        monkeypatch.setenv("BUCKET_AUDIT_LOGS", BUCKET)
        ddb = boto3.client("dynamodb")
        ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "userId", "AttributeType": "S"},
                                               {"AttributeName": "sessionId", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "userId", "KeyType": "HASH"},
                                    {"AttributeName": "sessionId", "KeyType": "RANGE"}])
        boto3.client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-east-2"})
        module = load_handler(ROOT / "blueprints" / "functions" / "trade_processor", "trade_processor_handler")
        module._client.cache_clear()
        yield module


def _record(message_id: str, body: Any) -> dict[str, str]:
    return {"messageId": message_id, "body": body if isinstance(body, str) else json.dumps(body)}


ORDER = {"orderId": "o-1", "userId": "u-1", "symbol": "ACME", "side": "BUY", "quantity": 10, "price": "12.50"}


def _keys(prefix: str) -> list[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def test_valid_order_is_stored_once_and_audited(processor: Any) -> None:
    event = {"Records": [_record("m-1", ORDER), _record("m-2", ORDER)]}  # the second is a redelivery
    assert processor.handler(event) == {"batchItemFailures": []}
    items = boto3.client("dynamodb").scan(TableName=TABLE)["Items"]
    assert len(items) == 1 and items[0]["sessionId"] == {"S": "order#o-1"} and items[0]["price"] == {"N": "12.50"}
    audit = [k for k in _keys("audit/") if k.endswith("/o-1.json")]
    assert len(audit) == 1
    record = json.loads(boto3.client("s3").get_object(Bucket=BUCKET, Key=audit[0])["Body"].read())
    assert record["duplicate"] is True  # the last write of the audit record is the redelivery's


@pytest.mark.parametrize("body, reason", [
    ("not json", "not JSON"), ([1, 2], "JSON object"), ({**ORDER, "side": "HOLD"}, "BUY or SELL"),
    ({**ORDER, "quantity": 0}, "greater than zero"), ({**ORDER, "price": "abc"}, "must be a number"),
    ({k: v for k, v in ORDER.items() if k != "orderId"}, "orderId"),
])
def test_invalid_orders_are_recorded_not_retried(processor: Any, body: Any, reason: str) -> None:
    assert processor.handler({"Records": [_record("bad-1", body)]}) == {"batchItemFailures": []}
    assert boto3.client("dynamodb").scan(TableName=TABLE)["Items"] == []
    (key,) = _keys("invalid/")
    assert reason in json.loads(boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read())["reason"]


def test_transient_failure_fails_only_that_record(processor: Any) -> None:
    real_put = processor._client("dynamodb").put_item
    throttled = ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
                            "PutItem")

    def put(**kwargs: Any) -> Any:
        if kwargs["Item"]["sessionId"]["S"] == "order#o-2":
            raise throttled
        return real_put(**kwargs)

    with mock.patch.object(processor._client("dynamodb"), "put_item", side_effect=put):
        result = processor.handler({"Records": [_record("m-1", ORDER), _record("m-2", {**ORDER, "orderId": "o-2"})]})
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}
    assert len(boto3.client("dynamodb").scan(TableName=TABLE)["Items"]) == 1


def test_missing_table_is_retried_not_crashed(processor: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_USER_SESSIONS", "no-such-table")
    assert processor.handler({"Records": [_record("m-1", ORDER)]}) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}


def test_malformed_event_does_not_crash(processor: Any) -> None:
    assert processor.handler({"not": "sqs"}) == {"batchItemFailures": []}
    assert processor.handler({"Records": ["junk", {"messageId": "m", "body": json.dumps(ORDER)}]}) == \
        {"batchItemFailures": []}
