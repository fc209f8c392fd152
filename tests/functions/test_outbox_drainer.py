"""drgen's outbox drainer against moto: it drains only where the flag names its region, keeps FIFO ids and
order, is idempotent, takes over what an old region queued but did not consume, and never retries a message
SQS refuses; end to end with the API route's rendered template writing the outbox."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.functions.conftest import PRIMARY, REGION, ROOT, load_handler

CONTROL, OUTBOX = "shop-prod-drgen-control", "shop-prod-drgen-outbox"
ATTRIBUTE = "drgenOutboxId"


def _flag(region: str | None) -> None:
    client = boto3.client("dynamodb")
    if region is None:
        client.delete_item(TableName=CONTROL, Key={"pk": {"S": "active-region"}})
    else:
        client.put_item(TableName=CONTROL, Item={"pk": {"S": "active-region"}, "region": {"S": region}})


@pytest.fixture
def drainer(config: Any) -> Any:
    with mock_aws():
        ddb, sqs = boto3.client("dynamodb"), boto3.client("sqs")
        for name, key in ((CONTROL, "pk"), (OUTBOX, "id")):
            ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                             AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": key, "KeyType": "HASH"}])
        orders = sqs.create_queue(QueueName="shop-prod-orders")["QueueUrl"]
        trades = sqs.create_queue(QueueName="shop-prod-trades.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        config({"region": REGION, "control_table": CONTROL, "active_item": "active-region", "outbox_table": OUTBOX,
                "attribute": ATTRIBUTE, "queues": {
                    "orders": {"url": orders, "fifo": False, "retention_seconds": 345600},
                    "trades": {"url": trades, "fifo": True, "retention_seconds": 86400}}})
        _flag(REGION)
        module = load_handler(ROOT / "drgen" / "functions" / "outbox-drainer", "outbox_drainer_handler")
        module._client.cache_clear()
        module.URLS = {"orders": orders, "trades": trades}
        yield module


def _accept(key: str, queue: str, body: str, at: int, group: str | None = None, dedup: str | None = None,
            **extra: Any) -> None:
    """An outbox item as the API route writes it."""
    item = {"id": {"S": key}, "queue": {"S": queue}, "body": {"B": body.encode()}, "requestId": {"S": key},
            "acceptedAt": {"N": str(at)}, **extra}
    if group is not None and dedup is not None:
        item.update(groupId={"B": group.encode()}, deduplicationId={"B": dedup.encode()})
    boto3.client("dynamodb").put_item(TableName=OUTBOX, Item=item)


def _messages(url: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while batch := boto3.client("sqs").receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
            MessageSystemAttributeNames=["All"]).get("Messages", []):
        out += batch
        for message in batch:
            boto3.client("sqs").delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return out


def _item(key: str) -> dict[str, Any]:
    return boto3.client("dynamodb").get_item(TableName=OUTBOX, Key={"id": {"S": key}}).get("Item", {})


def _config() -> dict[str, Any]:
    import os
    return json.loads(os.environ["DRGEN_CONFIG"])


def test_the_active_region_drains_into_its_queues_and_marks_each_item(drainer: Any) -> None:
    _accept("orders/r-1", "orders", '{"n": 1}', 1000)
    assert drainer.drain_once(_config(), now=2_000.5) == {"queued": 1, "refused": 0, "failed": 0}
    [message] = _messages(drainer.URLS["orders"])
    assert message["Body"] == '{"n": 1}'
    assert message["MessageAttributes"][ATTRIBUTE] == {"DataType": "String", "StringValue": "orders/r-1"}
    item = _item("orders/r-1")  # kept until consumed, with the queue's retention as its time to live
    assert (item["queuedIn"]["S"], item["queuedAt"]["N"], item["expiresAt"]["N"]) == (REGION, "2000500", "347600")


def test_fifo_messages_keep_their_ids_and_the_order_they_were_accepted_in(drainer: Any) -> None:
    for n, at in ((3, 30), (1, 10), (2, 20)):
        _accept(f"trades/k{n}", "trades", f"order {n}", at, group="account-1", dedup=f"k{n}")
    assert drainer.drain_once(_config())["queued"] == 3
    messages = _messages(drainer.URLS["trades"])
    assert [m["Body"] for m in messages] == ["order 1", "order 2", "order 3"]
    assert {(m["Attributes"]["MessageGroupId"], m["Attributes"]["MessageDeduplicationId"]) for m in messages} == \
        {("account-1", "k1"), ("account-1", "k2"), ("account-1", "k3")}


@pytest.mark.parametrize("active", [PRIMARY, None])
def test_a_region_that_is_not_active_drains_nothing(drainer: Any, active: str | None) -> None:
    _accept("orders/r-1", "orders", "x", 1)
    _flag(active)
    result = drainer.drain_once(_config())
    assert "fenced" in result and _messages(drainer.URLS["orders"]) == []
    assert "queuedIn" not in _item("orders/r-1")
    assert drainer.handler({}, None)["fenced"] == result["fenced"]  # the scheduled invocation returns at once


def test_draining_twice_sends_once(drainer: Any) -> None:
    _accept("orders/r-1", "orders", "x", 1)
    assert drainer.drain_once(_config())["queued"] == 1
    assert drainer.drain_once(_config()) == {"queued": 0, "refused": 0, "failed": 0}
    assert len(_messages(drainer.URLS["orders"])) == 1


def test_after_a_failover_what_the_old_region_queued_and_nobody_consumed_is_sent_again(drainer: Any) -> None:
    # r-1: queued by the old region, its consumer never finished (the item is still there); r-2: consumed
    # there (the consumer deleted its item); r-3: accepted there just before the outage, replicated, never queued
    _accept("orders/r-1", "orders", "one", 1, queuedIn={"S": PRIMARY}, queuedAt={"N": "5"})
    _accept("orders/r-3", "orders", "three", 3)
    assert drainer.drain_once(_config())["queued"] == 2
    assert sorted(m["Body"] for m in _messages(drainer.URLS["orders"])) == ["one", "three"]
    assert _item("orders/r-1")["queuedIn"]["S"] == REGION


def test_a_message_sqs_refuses_stays_in_the_outbox_marked_and_is_not_retried(
        drainer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sqs = drainer._client("sqs")
    real = sqs.send_message

    def send(**kwargs: Any) -> Any:  # SQS's answer to an empty body, which moto does not give
        if not kwargs["MessageBody"]:
            raise ClientError({"Error": {"Code": "MissingParameter", "Message": "The request must contain the "
                                         "parameter MessageBody."}}, "SendMessage")
        return real(**kwargs)

    monkeypatch.setattr(sqs, "send_message", send)
    _accept("orders/bad", "orders", "", 1)
    _accept("orders/gone", "nowhere", "x", 2)         # a queue this blueprint no longer has
    _accept("orders/good", "orders", "fine", 3)
    assert drainer.drain_once(_config()) == {"queued": 1, "refused": 2, "failed": 0}
    assert _item("orders/bad")["refused"]["S"].startswith("MissingParameter: ")
    assert "no intake queue 'nowhere'" in _item("orders/gone")["refused"]["S"]
    assert drainer.drain_once(_config()) == {"queued": 0, "refused": 0, "failed": 0}
    assert [m["Body"] for m in _messages(drainer.URLS["orders"])] == ["fine"]


def test_a_failure_worth_retrying_stops_the_pass_and_the_next_one_sends(
        drainer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sqs = drainer._client("sqs")
    real = sqs.send_message
    monkeypatch.setattr(sqs, "send_message", lambda **kwargs: (_ for _ in ()).throw(ClientError(
        {"Error": {"Code": "KMS.ThrottlingException", "Message": "Rate exceeded"}}, "SendMessage")))
    for n in (1, 2):
        _accept(f"trades/k{n}", "trades", f"order {n}", n, group="g", dedup=f"k{n}")
    assert drainer.drain_once(_config()) == {"queued": 0, "refused": 0, "failed": 1}  # order 2 waits behind 1
    monkeypatch.setattr(sqs, "send_message", real)
    assert drainer.drain_once(_config())["queued"] == 2
    assert [m["Body"] for m in _messages(drainer.URLS["trades"])] == ["order 1", "order 2"]


class _Context:
    def __init__(self, calls: int) -> None:
        self.calls = calls

    def get_remaining_time_in_millis(self) -> int:
        self.calls -= 1
        return 60_000 if self.calls > 0 else 0


def test_an_invocation_polls_until_its_time_is_nearly_up(drainer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(drainer.time, "sleep", lambda seconds: (waits.append(seconds),
                                                                _accept(f"orders/r-{len(waits)}", "orders", "x", 1)))
    result = drainer.handler({}, _Context(4))
    # a pass that found nothing waits a second (and an order arrives); one that sent goes again at once
    assert result == {"queued": 2, "refused": 0, "passes": 4}
    assert waits == [1.0, 1.0] and len(_messages(drainer.URLS["orders"])) == 2


def test_the_api_route_and_the_drainer_end_to_end(drainer: Any) -> None:
    """The rendered route writes the outbox (moto's DynamoDB answering), the drainer queues it, the consumer
    deletes the item: nothing is left to send again after a failover."""
    import requests

    from tests import apigateway
    from tests.test_api_intake import _route

    resources, method = _route("standard")

    def backend(body: str) -> tuple[int, str]:
        sent = body.replace("trading-platform-prod-drgen-control", CONTROL).replace(
            "trading-platform-prod-drgen-outbox", OUTBOX).replace("trade-orders", "orders")
        answer = requests.post(f"https://dynamodb.{REGION}.amazonaws.com/", data=sent.encode(), timeout=10,
                               headers={"X-Amz-Target": "DynamoDB_20120810.TransactWriteItems",
                                        "Content-Type": "application/x-amz-json-1.0"})
        return answer.status_code, answer.text

    response, _ = apigateway.call(resources, method, apigateway.Request('{"qty": 5}', region=REGION), backend)
    assert response.status == 202
    assert drainer.drain_once(_config())["queued"] == 1
    [message] = _messages(drainer.URLS["orders"])
    assert message["Body"] == '{"qty": 5}'
    key = message["MessageAttributes"][ATTRIBUTE]["StringValue"]
    boto3.client("dynamodb").delete_item(TableName=OUTBOX, Key={"id": {"S": key}})  # what a consumer does
    _flag(PRIMARY)
    config = {**_config(), "region": PRIMARY}
    assert drainer.drain_once(config) == {"queued": 0, "refused": 0, "failed": 0}
