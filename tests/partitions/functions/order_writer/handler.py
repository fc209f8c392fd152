"""Records each order from the queue in the orders table (a stand-in: the partition tests render, never run it)."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_ORDERS"])
    for record in event.get("Records", []):
        order = json.loads(record["body"])
        table.put_item(Item={"orderId": str(order["orderId"]), "order": record["body"]})
    return {"batchItemFailures": []}
