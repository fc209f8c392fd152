"""The reference application's trade processor against moto: idempotent writes, audit, partial batches, and
fencing: it writes only while the active-region flag names its own region."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.functions.conftest import PRIMARY, REGION, ROOT, load_handler

TABLE, BUCKET = "trading-platform-prod-user-sessions", "audit-bucket"
CONTROL = "trading-platform-prod-drgen-control"


def _flag(region: str) -> None:
    boto3.client("dynamodb").put_item(TableName=CONTROL, Item={"pk": {"S": "active-region"}, "region": {"S": region}})


@pytest.fixture
def processor(monkeypatch: pytest.MonkeyPatch) -> Any:
    with mock_aws():
        monkeypatch.setenv("TABLE_USER_SESSIONS", TABLE)
        monkeypatch.setenv("BUCKET_AUDIT_LOGS", BUCKET)
        monkeypatch.setenv("DRGEN_CONTROL_TABLE", CONTROL)
        monkeypatch.setenv("DRGEN_ACTIVE_ITEM", "active-region")
        ddb = boto3.client("dynamodb")
        ddb.create_table(TableName=CONTROL, BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        _flag(REGION)  # this region (AWS_REGION) is the active one unless a test says otherwise
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


# ---- fencing ---------------------------------------------------------------------------------------------

def _batch() -> dict[str, Any]:
    return {"Records": [_record("m-1", ORDER), _record("m-2", {**ORDER, "orderId": "o-2"})]}


def test_a_region_that_is_not_active_refuses_to_write_and_hands_the_batch_back(processor: Any) -> None:
    _flag(PRIMARY)  # a failover moved the service away; this region came back with its consumer on
    result = processor.handler(_batch())
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]}
    assert boto3.client("dynamodb").scan(TableName=TABLE)["Items"] == []
    assert _keys("") == []  # not even the audit trail


def test_no_flag_yet_fences_too(processor: Any) -> None:
    boto3.client("dynamodb").delete_item(TableName=CONTROL, Key={"pk": {"S": "active-region"}})
    assert processor.fenced() == "no region has been made active yet"
    assert len(processor.handler(_batch())["batchItemFailures"]) == 2


def test_an_unreadable_flag_fences_and_the_batch_is_retried(processor: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRGEN_CONTROL_TABLE", "no-such-table")
    assert processor.fenced().startswith("cannot read the active-region flag")
    assert len(processor.handler(_batch())["batchItemFailures"]) == 2
    assert boto3.client("dynamodb").scan(TableName=TABLE)["Items"] == []


def test_the_flag_is_cached_briefly_then_read_again(processor: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(processor.time, "monotonic", lambda: clock[0])
    reads = []
    real_get = processor._client("dynamodb").get_item

    def get_item(**kwargs: Any) -> Any:
        reads.append(kwargs["TableName"])
        return real_get(**kwargs)

    with mock.patch.object(processor._client("dynamodb"), "get_item", side_effect=get_item):
        assert processor.handler({"Records": [_record("m-1", ORDER)]}) == {"batchItemFailures": []}
        _flag(PRIMARY)  # the flip
        clock[0] += processor.FLAG_CACHE_SECONDS - 1
        # within the cache this region still writes: the bound on how late a flip is seen
        assert processor.handler({"Records": [_record("m-2", {**ORDER, "orderId": "o-2"})]}) == {"batchItemFailures": []}
        clock[0] += 1
        assert processor.handler({"Records": [_record("m-3", {**ORDER, "orderId": "o-3"})]}) == {
            "batchItemFailures": [{"itemIdentifier": "m-3"}]}
    assert reads == [CONTROL, CONTROL]
    assert len(boto3.client("dynamodb").scan(TableName=TABLE)["Items"]) == 2


def test_a_region_made_active_again_writes_what_it_refused(processor: Any) -> None:
    _flag(PRIMARY)
    refused = processor.handler(_batch())["batchItemFailures"]
    assert len(refused) == 2
    _flag(REGION)
    processor._flag.update(read_at=None)  # the cache expired
    assert processor.handler(_batch()) == {"batchItemFailures": []}  # SQS redelivered them
    assert len(boto3.client("dynamodb").scan(TableName=TABLE)["Items"]) == 2


# ---- durable intake: the consumer deletes what it has processed from drgen's outbox -------------------------

OUTBOX = "trading-platform-prod-drgen-outbox"


def _outbox(monkeypatch: pytest.MonkeyPatch, *keys: str) -> None:
    monkeypatch.setenv("DRGEN_OUTBOX_TABLE", OUTBOX)
    ddb = boto3.client("dynamodb")
    ddb.create_table(TableName=OUTBOX, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
    for key in keys:
        ddb.put_item(TableName=OUTBOX, Item={"id": {"S": key}, "queuedIn": {"S": REGION}})


def _drained(message_id: str, body: Any, key: str) -> dict[str, Any]:
    return {**_record(message_id, body),
            "messageAttributes": {"drgenOutboxId": {"stringValue": key, "dataType": "String"}}}


def _left() -> list[str]:
    return sorted(i["id"]["S"] for i in boto3.client("dynamodb").scan(TableName=OUTBOX)["Items"])


def test_a_drained_order_leaves_the_outbox_once_stored_or_recorded(processor: Any,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    _outbox(monkeypatch, "trade-orders/a", "trade-orders/b", "trade-orders/c")
    event = {"Records": [_drained("m-1", ORDER, "trade-orders/a"), _drained("m-2", "not json", "trade-orders/b"),
                         _record("m-3", {**ORDER, "orderId": "o-3"})]}  # sent straight to SQS: nothing to delete
    assert processor.handler(event) == {"batchItemFailures": []}
    assert _left() == ["trade-orders/c"]


def test_a_fenced_consumer_leaves_the_outbox_alone(processor: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _outbox(monkeypatch, "trade-orders/a")
    _flag(PRIMARY)
    assert processor.handler({"Records": [_drained("m-1", ORDER, "trade-orders/a")]})["batchItemFailures"]
    assert _left() == ["trade-orders/a"]  # the active region's drainer sends it again there


def test_an_order_that_failed_keeps_its_outbox_item(processor: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _outbox(monkeypatch, "trade-orders/a")
    monkeypatch.setenv("TABLE_USER_SESSIONS", "no-such-table")
    assert processor.handler({"Records": [_drained("m-1", ORDER, "trade-orders/a")]}) == \
        {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert _left() == ["trade-orders/a"]
