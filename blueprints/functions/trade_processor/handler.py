"""The reference application's trade processor: SQS batches of orders -> the sessions table + an audit trail.

- Partial batch responses: only records that failed for a transient reason are returned in
  ``batchItemFailures`` and retried by SQS; the others are deleted.
- Idempotent: each order is written once, keyed by (userId, "order#<orderId>") with a condition, so a
  redelivered message is a success, not a duplicate.
- Invalid orders are recorded in the audit bucket under ``invalid/`` and not retried (they never become valid).
- Fenced: it writes only while the active-region flag names its own region (``AWS_REGION``). The flag is read
  from this region's replica of drgen's control table (DRGEN_CONTROL_TABLE, item DRGEN_ACTIVE_ITEM) and cached
  for FLAG_CACHE_SECONDS. In a region that is not active - one that came back after a failover, or a standby
  whose consumers were enabled by mistake - every record of the batch is handed back to SQS untouched, so
  nothing is written against stores that moved away; the runbook's redrive moves them to the active region.
  A flag that cannot be read fences too (and the batch is retried).
- Durable intake: a message drained from drgen's outbox (a queue with ``region_outage: durable``) carries its
  outbox item's id in the ``drgenOutboxId`` message attribute; once the order is stored (or recorded as
  invalid) the item is deleted from DRGEN_OUTBOX_TABLE, so a failover does not send it again. A message
  without the attribute, or a function without the variable, has nothing to delete.
- Configuration: TABLE_USER_SESSIONS and BUCKET_AUDIT_LOGS (set by drgen from the function's grants).
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

LOG = logging.getLogger("trade_processor")
LOG.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=10)
SIDES = ("BUY", "SELL")
FLAG_CACHE_SECONDS = 10.0
"""How long a read of the flag is trusted: after a failover, this region stops writing within this time."""
_flag: dict[str, Any] = {"region": None, "read_at": None}


class InvalidOrder(ValueError):
    """The message can never be processed: it is recorded, not retried."""


@lru_cache(maxsize=None)
def _client(service: str) -> Any:
    return boto3.client(service, config=CONFIG)


def _log(level: int, message: str, **fields: Any) -> None:
    LOG.log(level, json.dumps({"message": message, **fields}, default=str, sort_keys=True))


def active_region(now: float | None = None) -> str | None:
    """The region the flag names, read at most every FLAG_CACHE_SECONDS; raises if it cannot be read."""
    now = time.monotonic() if now is None else now
    if _flag["read_at"] is None or now - _flag["read_at"] >= FLAG_CACHE_SECONDS:
        item = _client("dynamodb").get_item(
            TableName=os.environ["DRGEN_CONTROL_TABLE"],
            Key={"pk": {"S": os.environ.get("DRGEN_ACTIVE_ITEM", "active-region")}}, ConsistentRead=True).get("Item")
        _flag.update(region=(item or {}).get("region", {}).get("S"), read_at=now)
    region: str | None = _flag["region"]
    return region


def fenced() -> str | None:
    """Why this region must not write now (``None``: it is the active region)."""
    here = os.environ.get("AWS_REGION")
    try:
        active = active_region()
    except (ClientError, BotoCoreError, KeyError) as error:
        return f"cannot read the active-region flag: {error}"
    if active != here:
        return f"{active} is the active region, not {here}" if active else "no region has been made active yet"
    return None


def parse_order(body: str) -> dict[str, Any]:
    """The order in ``body``, validated; raises InvalidOrder with the reason."""
    try:
        order = json.loads(body, parse_float=Decimal)
    except (TypeError, ValueError) as error:
        raise InvalidOrder(f"not JSON: {error}") from error
    if not isinstance(order, dict):
        raise InvalidOrder("an order is a JSON object")
    for key in ("orderId", "userId", "symbol"):
        if not isinstance(order.get(key), str) or not order[key].strip():
            raise InvalidOrder(f"{key} must be a non-empty string")
    if order.get("side") not in SIDES:
        raise InvalidOrder("side must be BUY or SELL")
    for key in ("quantity", "price"):
        try:
            value = Decimal(str(order.get(key)))
        except (InvalidOperation, ValueError) as error:
            raise InvalidOrder(f"{key} must be a number") from error
        if not value.is_finite() or value <= 0:
            raise InvalidOrder(f"{key} must be greater than zero")
        order[key] = value
    return order


def _audit(key: str, record: dict[str, Any]) -> None:
    _client("s3").put_object(Bucket=os.environ["BUCKET_AUDIT_LOGS"], Key=key,
                             Body=json.dumps(record, default=str, sort_keys=True).encode(),
                             ContentType="application/json")


def _store(order: dict[str, Any], received: datetime) -> bool:
    """Write the order once; False when it was already there (a redelivery)."""
    item = {
        "userId": {"S": order["userId"]},
        "sessionId": {"S": f"order#{order['orderId']}"},
        "symbol": {"S": order["symbol"]},
        "side": {"S": order["side"]},
        "quantity": {"N": str(order["quantity"])},
        "price": {"N": str(order["price"])},
        "receivedAt": {"S": received.isoformat()},
    }
    try:
        _client("dynamodb").put_item(TableName=os.environ["TABLE_USER_SESSIONS"], Item=item,
                                     ConditionExpression="attribute_not_exists(sessionId)")
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def done_with(record: dict[str, Any]) -> None:
    """Delete the record's outbox item, if drgen's durable intake sent it: the order is taken care of."""
    outbox = os.environ.get("DRGEN_OUTBOX_TABLE")
    key = (record.get("messageAttributes") or {}).get("drgenOutboxId", {}).get("stringValue")
    if outbox and key:
        _client("dynamodb").delete_item(TableName=outbox, Key={"id": {"S": key}})


def process(record: dict[str, Any], now: datetime) -> None:
    """Process one SQS record; raises only for failures worth retrying."""
    message_id = record.get("messageId", "?")
    try:
        order = parse_order(record.get("body", ""))
    except InvalidOrder as error:
        _log(logging.WARNING, "invalid order", messageId=message_id, reason=str(error))
        _audit(f"invalid/{now:%Y/%m/%d}/{message_id}.json",
               {"messageId": message_id, "reason": str(error), "body": record.get("body"), "at": now.isoformat()})
        done_with(record)
        return
    created = _store(order, now)
    _audit(f"audit/{now:%Y/%m/%d}/{order['orderId']}.json",
           {"orderId": order["orderId"], "userId": order["userId"], "symbol": order["symbol"], "side": order["side"],
            "quantity": str(order["quantity"]), "price": str(order["price"]), "at": now.isoformat(),
            "duplicate": not created, "messageId": message_id})
    done_with(record)
    _log(logging.INFO, "order processed", orderId=order["orderId"], duplicate=not created)


def handler(event: dict[str, Any], context: Any = None) -> dict[str, list[dict[str, str]]]:
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        _log(logging.ERROR, "not an SQS batch event", event_type=type(event).__name__)
        return {"batchItemFailures": []}
    reason = fenced()
    if reason is not None:  # hand every record back untouched: written here, it would be lost or overwritten
        _log(logging.WARNING, "fenced: not writing", reason=reason, records=len(records))
        return {"batchItemFailures": [{"itemIdentifier": str(r.get("messageId"))} for r in records
                                      if isinstance(r, dict)]}
    failures = []
    now = datetime.now(timezone.utc)
    for record in records:
        if not isinstance(record, dict):
            continue
        try:
            process(record, now)
        except (ClientError, BotoCoreError, KeyError) as error:
            _log(logging.ERROR, "order failed, will be retried", messageId=record.get("messageId"), error=str(error))
            failures.append({"itemIdentifier": str(record.get("messageId"))})
    return {"batchItemFailures": failures}
