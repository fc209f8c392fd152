"""Redrive against moto: what waits in a region that is not active - queues and dead-letter queues, standard and
FIFO - ends up in the active region's queues, attributes and group ids kept, and nothing is deleted before the
target stored it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

import drgen
from drgen import naming
from drgen.aws.clients import Clients
from drgen.aws.deploy import DeployOptions
from drgen.aws.redrive import plan, redrive
from drgen.cli import main
from drgen.errors import DeployError
from drgen.model import Blueprint, DeadLetter, Queue

ROOT = Path(__file__).resolve().parents[1]
OLD, ACTIVE = "us-east-1", "us-east-2"


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Blueprint]]:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(key, "testing")
    base = drgen.load(ROOT / "blueprints" / "trading-platform.yaml")
    orders = base.queues[0]
    bp = dataclasses.replace(base, queues=(orders, Queue("fills", orders.visibility_timeout, orders.retention, fifo=True,
                                                         dead_letter=DeadLetter(3, orders.retention))))
    with mock_aws():
        session = boto3.Session(region_name=OLD)
        for region in (OLD, ACTIVE):
            sqs = session.client("sqs", region_name=region)
            for queue in bp.queues:
                fifo = {"FifoQueue": "true"} if queue.fifo else {}
                sqs.create_queue(QueueName=naming.queue(bp.prefix, queue.name, queue.fifo), Attributes=fifo)
                sqs.create_queue(QueueName=naming.dead_letter_queue(bp.prefix, queue.name, queue.fifo), Attributes=fifo)
            ddb = session.client("dynamodb", region_name=region)
            ddb.create_table(TableName=naming.control_table(bp.prefix), BillingMode="PAY_PER_REQUEST",
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
            ddb.put_item(TableName=naming.control_table(bp.prefix),
                         Item={"pk": {"S": "active-region"}, "region": {"S": ACTIVE}})
        yield session, bp


def _url(session: Any, region: str, name: str) -> str:
    return str(session.client("sqs", region_name=region).get_queue_url(QueueName=name)["QueueUrl"])


def _drain(session: Any, region: str, name: str) -> list[dict[str, Any]]:
    sqs, url, out = session.client("sqs", region_name=region), _url(session, region, name), []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                  MessageAttributeNames=["All"]).get("Messages", [])
        if not got:
            return out
        out += got
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                        for i, m in enumerate(got)])


def _fill(session: Any, bp: Blueprint) -> dict[str, int]:
    """Messages waiting in the old region: 23 orders, 4 dead-lettered orders, 12 fills, 2 dead-lettered fills."""
    sqs = session.client("sqs", region_name=OLD)
    counts = {}
    for name, n, fifo in [(naming.queue(bp.prefix, "trade-orders"), 23, False),
                          (naming.dead_letter_queue(bp.prefix, "trade-orders"), 4, False),
                          (naming.queue(bp.prefix, "fills", True), 12, True),
                          (naming.dead_letter_queue(bp.prefix, "fills", True), 2, True)]:
        url = _url(session, OLD, name)
        for i in range(n):
            extra = {"MessageGroupId": f"acct-{i % 3}", "MessageDeduplicationId": f"{name}-{i}"} if fifo else {}
            sqs.send_message(QueueUrl=url, MessageBody=f'{{"n": {i}, "from": "{name}"}}',
                             MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}}, **extra)
        counts[name] = n
    return counts


def test_every_waiting_message_reaches_the_active_regions_queue(world: tuple[Any, Blueprint]) -> None:
    session, bp = world
    counts = _fill(session, bp)
    moved = redrive(Clients(session, DeployOptions()), bp, OLD, ACTIVE)
    assert {m.queue: m.moved for m in moved} == counts and not any(m.failed for m in moved)
    for name in counts:  # the old region is empty
        assert _drain(session, OLD, name) == []
    orders = _drain(session, ACTIVE, naming.queue(bp.prefix, "trade-orders"))
    assert len(orders) == 27 and len({m["Body"] for m in orders}) == 27  # queue and dead-letter queue, all there
    assert all(m["MessageAttributes"]["kind"]["StringValue"] == "order" for m in orders)
    fills = _drain(session, ACTIVE, naming.queue(bp.prefix, "fills", True))
    assert len(fills) == 14
    assert {m["Attributes"]["MessageGroupId"] for m in fills} == {"acct-0", "acct-1", "acct-2"}
    # the dead-letter queues of the active region are left alone: dead letters come back to be processed
    assert _drain(session, ACTIVE, naming.dead_letter_queue(bp.prefix, "trade-orders")) == []


def test_nothing_is_deleted_that_the_target_did_not_store(world: tuple[Any, Blueprint],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    session, bp = world
    _fill(session, bp)
    clients = Clients(session, DeployOptions())
    target = clients.client("sqs", ACTIVE)
    real = target.send_message_batch

    def half(**kwargs: Any) -> Any:  # the target stores the even entries only
        kept = [e for e in kwargs["Entries"] if int(e["Id"]) % 2 == 0]
        answer = real(QueueUrl=kwargs["QueueUrl"], Entries=kept)
        answer["Failed"] = [{"Id": e["Id"], "Code": "InternalError", "SenderFault": False}
                            for e in kwargs["Entries"] if int(e["Id"]) % 2]
        return answer

    monkeypatch.setattr(target, "send_message_batch", half)
    orders, dead = naming.queue(bp.prefix, "trade-orders"), naming.dead_letter_queue(bp.prefix, "trade-orders")
    moved = {m.queue: m for m in redrive(clients, bp, OLD, ACTIVE)}
    assert moved[orders].failed > 0 and moved[dead].failed > 0
    stored = len(_drain(session, ACTIVE, orders))
    assert stored == moved[orders].moved + moved[dead].moved
    in_source = 0
    for name in (orders, dead):  # refused ones are still there, invisible until their visibility timeout ends
        left = session.client("sqs", region_name=OLD).get_queue_attributes(
            QueueUrl=_url(session, OLD, name), AttributeNames=["All"])["Attributes"]
        in_source += int(left["ApproximateNumberOfMessages"]) + int(left["ApproximateNumberOfMessagesNotVisible"])
    # every message is in exactly one place: stored in the target, or still in the source
    assert stored + in_source == 23 + 4 and in_source > 0


def test_only_into_the_active_region(world: tuple[Any, Blueprint]) -> None:
    session, bp = world
    _fill(session, bp)
    clients = Clients(session, DeployOptions())
    with pytest.raises(DeployError, match="names us-east-2, not us-east-1"):
        redrive(clients, bp, ACTIVE, OLD)  # emptying the serving region into the old one
    with pytest.raises(DeployError, match="both us-east-1"):
        redrive(clients, bp, OLD, OLD)
    with pytest.raises(DeployError, match="not a region of trading-platform"):
        redrive(clients, bp, "eu-west-9", ACTIVE)
    assert len(_drain(session, OLD, naming.queue(bp.prefix, "trade-orders"))) == 23  # nothing moved


def test_the_plan_sends_dead_letters_to_the_queue_they_came_from() -> None:
    bp = drgen.load(ROOT / "blueprints" / "trading-platform.yaml")
    assert plan(bp) == [("trading-platform-prod-trade-orders-dlq", "trading-platform-prod-trade-orders", False),
                        ("trading-platform-prod-trade-orders", "trading-platform-prod-trade-orders", False)]


def test_the_cli_prints_what_moved(world: tuple[Any, Blueprint], capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    session, bp = world
    sqs = session.client("sqs", region_name=OLD)
    sqs.send_message(QueueUrl=_url(session, OLD, naming.queue(bp.prefix, "trade-orders")), MessageBody="{}")
    monkeypatch.setenv("AWS_DEFAULT_REGION", OLD)
    code = main(["redrive", str(ROOT / "blueprints" / "trading-platform.yaml"), "--from", OLD, "--to", ACTIVE])
    out = capsys.readouterr().out
    assert code == 0
    assert ("trading-platform-prod-trade-orders (us-east-1) -> trading-platform-prod-trade-orders (us-east-2): "
            "1 moved") in out
