"""drgen's outbox drainer: moves the orders the API wrote to the outbox global table into this region's queues.

A route to a queue with ``region_outage: durable`` does not send to SQS: API Gateway writes the order to the
outbox (a DynamoDB global table, one replica per region) in a transaction that also checks that the
active-region flag names its region, and answers 202 only once DynamoDB has taken it. The outbox replicates
to every region, so an order survives the loss of the region that accepted it. This function, deployed in
every region and invoked every minute, drains the outbox into the region's queues while that region is the
active one:

- Fenced: each pass reads the flag (``ConsistentRead`` on this region's replica); in a region that is not
  active it does nothing and returns at once. Only the active region's drainer sends.
- What it sends: every item not yet queued in this region - new orders, and after a failover the orders the
  old region had queued but its consumers had not finished (still in the outbox: a consumer deletes an
  item only when done). Oldest first (``acceptedAt``), so a FIFO group keeps its order; a FIFO message keeps
  the group id and deduplication id the client gave. Each message carries the item's id in the
  ``drgenOutboxId`` message attribute.
- Then it marks the item queued here (``queuedIn``, ``queuedAt``) with a time to live of the queue's
  retention (``expiresAt``): an item whose message nobody consumes goes when SQS would have dropped the message.
- At least once: a crash between SendMessage and the mark sends the item again on the next pass (a FIFO
  queue drops it as a duplicate within five minutes; a consumer is idempotent by contract).
- A message SQS refuses as malformed (empty, over 256 KiB, characters SQS does not take) is never retried:
  the item stays in the outbox marked ``refused`` with SQS's reason, and is logged as an error.
- Within one invocation it polls about once a second until shortly before its timeout; the schedule starts
  the next one. The function's reserved concurrency of 1 keeps two drainers of a region from overlapping.

DRGEN_CONFIG: {"region", "control_table", "active_item", "outbox_table", "attribute",
               "queues": {name: {"url", "fifo", "retention_seconds"}}}
"""

from __future__ import annotations

import json
import logging
import os
import time
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

LOG = logging.getLogger("drgen.outbox")
LOG.setLevel(logging.INFO)
CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)
POLL_SECONDS = 1.0
"""The wait between two passes that found nothing to send."""
RESERVE_MILLIS = 10_000
"""The invocation stops starting passes when less than this is left before its timeout."""
REFUSED = ("MissingParameter", "InvalidParameterValue", "InvalidMessageContents")
"""SQS error codes that mean the message itself is wrong: retrying cannot help."""


@cache
def _client(service: str) -> Any:
    return boto3.client(service, config=CONFIG)


def _config() -> dict[str, Any]:
    return json.loads(os.environ["DRGEN_CONFIG"])


def _log(level: int, message: str, **fields: Any) -> None:
    LOG.log(level, json.dumps({"message": message, **fields}, default=str, sort_keys=True))


def fenced(config: dict[str, Any]) -> str | None:
    """Why this region must not drain now (``None``: the flag names it)."""
    try:
        item = _client("dynamodb").get_item(TableName=config["control_table"],
                                            Key={"pk": {"S": config["active_item"]}}, ConsistentRead=True).get("Item")
    except (ClientError, BotoCoreError) as error:
        return f"cannot read the active-region flag: {error}"
    active = (item or {}).get("region", {}).get("S")
    if active != config["region"]:
        return f"{active} is the active region, not {config['region']}" if active else "no region is active yet"
    return None


def pending(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The outbox items this region has to send, oldest first."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "TableName": config["outbox_table"], "ConsistentRead": True,
        "FilterExpression": "attribute_not_exists(refused) AND (attribute_not_exists(queuedIn) OR queuedIn <> :here)",
        "ExpressionAttributeValues": {":here": {"S": config["region"]}}}
    while True:
        page = _client("dynamodb").scan(**kwargs)
        items += page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return sorted(items, key=lambda i: (int(i.get("acceptedAt", {}).get("N", "0")), i["id"]["S"]))


def _text(item: dict[str, Any], name: str) -> str:
    value = item[name]
    return bytes(value["B"]).decode("utf-8") if "B" in value else str(value["S"])


def _mark(config: dict[str, Any], key: str, expression: str, values: dict[str, Any]) -> None:
    try:
        _client("dynamodb").update_item(TableName=config["outbox_table"], Key={"id": {"S": key}},
                                        UpdateExpression=expression, ExpressionAttributeValues=values,
                                        ConditionExpression="attribute_exists(id)")
    except ClientError as error:  # its consumer already deleted it: nothing left to mark
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise


def send(config: dict[str, Any], item: dict[str, Any], now: float) -> str:
    """Send one item to its queue and mark it: ``queued`` or ``refused``. Raises for a failure worth retrying."""
    key = item["id"]["S"]
    queue = config["queues"].get(item.get("queue", {}).get("S", ""))
    try:
        if queue is None:
            raise ValueError(f"no intake queue {item.get('queue', {}).get('S')!r} in this blueprint")
        message: dict[str, Any] = {
            "QueueUrl": queue["url"], "MessageBody": _text(item, "body"),
            "MessageAttributes": {config["attribute"]: {"DataType": "String", "StringValue": key}}}
        if queue["fifo"]:
            message["MessageGroupId"] = _text(item, "groupId")
            message["MessageDeduplicationId"] = _text(item, "deduplicationId")
        _client("sqs").send_message(**message)
    except (ValueError, KeyError) as error:  # UnicodeDecodeError is a ValueError
        reason = f"{type(error).__name__}: {error}"
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code not in REFUSED:
            raise
        reason = f"{code}: {error.response.get('Error', {}).get('Message', '')}"
    else:
        _mark(config, key, "SET queuedIn = :here, queuedAt = :at, expiresAt = :expires",
              {":here": {"S": config["region"]}, ":at": {"N": str(int(now * 1000))},
               ":expires": {"N": str(int(now) + int(queue["retention_seconds"]))}})
        return "queued"
    _log(logging.ERROR, "outbox item refused: kept in the outbox, not retried", id=key, reason=reason)
    _mark(config, key, "SET refused = :reason", {":reason": {"S": reason}})
    return "refused"


def drain_once(config: dict[str, Any], now: float | None = None) -> dict[str, int | str]:
    """One pass: nothing when the region is fenced; otherwise every pending item, until one fails."""
    reason = fenced(config)
    if reason is not None:
        return {"fenced": reason}
    counts: dict[str, int | str] = {"queued": 0, "refused": 0, "failed": 0}
    for item in pending(config):
        try:
            outcome = send(config, item, time.time() if now is None else now)
        except (ClientError, BotoCoreError) as error:
            _log(logging.WARNING, "outbox item not sent, retried next pass", id=item["id"]["S"], error=str(error))
            counts["failed"] = 1
            break  # later items wait: a FIFO group's order is kept
        counts[outcome] = int(counts[outcome]) + 1
    return counts


def handler(event: Any = None, context: Any = None) -> dict[str, Any]:
    config = _config()
    totals: dict[str, int] = {"queued": 0, "refused": 0, "passes": 0}
    while True:
        counts = drain_once(config)
        totals["passes"] += 1
        if "fenced" in counts:
            _log(logging.INFO, "fenced: not draining", reason=counts["fenced"])
            return {**totals, "fenced": counts["fenced"]}
        totals["queued"] += int(counts["queued"])
        totals["refused"] += int(counts["refused"])
        left = context.get_remaining_time_in_millis() if context is not None else 0
        if left < RESERVE_MILLIS:
            break
        if not counts["queued"]:
            time.sleep(POLL_SECONDS)
    if totals["queued"] or totals["refused"]:
        _log(logging.INFO, "outbox drained", **totals)
    return totals
