"""Ledger writer for the three-region example: SQS batches of ledger entries -> the ledger table.

Writes are idempotent (keyed by entry id, conditional put); a record that fails for a transient reason is
reported in ``batchItemFailures`` so SQS retries only it. TABLE_LEDGER is set by drgen from the grant.
"""

from __future__ import annotations

import json
import logging
import os
from functools import lru_cache
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

LOG = logging.getLogger("ledger_writer")


@lru_cache(maxsize=None)
def _dynamodb() -> Any:
    return boto3.client("dynamodb")


def handler(event: dict[str, Any], context: Any = None) -> dict[str, list[dict[str, str]]]:
    failures = []
    for record in event.get("Records", []) if isinstance(event, dict) else []:
        try:
            entry = json.loads(record["body"])
            item = {"entryId": {"S": str(entry["entryId"])}, "account": {"S": str(entry["account"])},
                    "amount": {"N": str(entry["amount"])}}
        except (KeyError, TypeError, ValueError) as error:
            LOG.warning(json.dumps({"message": "invalid entry dropped", "reason": str(error)}))
            continue
        try:
            _dynamodb().put_item(TableName=os.environ["TABLE_LEDGER"], Item=item,
                                 ConditionExpression="attribute_not_exists(entryId)")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                failures.append({"itemIdentifier": record["messageId"]})
        except BotoCoreError:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
