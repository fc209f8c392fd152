"""drgen's regional health endpoint (API Gateway proxy integration): what Route 53 health checks read.

- 200 ``{"status":"active",...}`` when this region is the active one - the replicated control table's
  ``active-region`` item, read from this region's replica, names it - and its own dependencies answer;
- 200 ``{"status":"standby",...}`` when another region is active (or no flag is written yet) and this
  region's dependencies answer: a ready standby is not an error, and feeds no 5xx metric;
- 503 ``{"status":"degraded",...}`` when the flag cannot be read or a dependency does not answer.
Route 53's routing health check searches the body for ``"status":"active"`` (so the body is compact and
``status`` comes first: Route 53 reads only its first 5,120 bytes); its liveness check wants any 2xx. It
never raises: any error is a 503, so that a broken region is never reported healthy.

DRGEN_CONFIG: {"region", "control_table", "active_item", "queues": [names], "tables": [names]}
"""

from __future__ import annotations

import json
import logging
import os
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

LOG = logging.getLogger("drgen.health")
CONFIG = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=2, read_timeout=3)


@cache
def _client(service: str, region: str) -> Any:
    return boto3.client(service, region_name=region, config=CONFIG)


def _config() -> dict[str, Any]:
    return json.loads(os.environ["DRGEN_CONFIG"])


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    ordered = {"status": body["status"], **{key: body[key] for key in sorted(body) if key != "status"}}
    return {"statusCode": status, "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
            "body": json.dumps(ordered, separators=(",", ":"))}


def _error(error: Exception) -> str:
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code", "ClientError")
    return type(error).__name__


def dependency_checks(config: dict[str, Any]) -> list[dict[str, Any]]:
    region = config["region"]
    checks = []
    for table in config.get("tables", []):
        try:
            status = _client("dynamodb", region).describe_table(TableName=table)["Table"]["TableStatus"]
            checks.append({"name": f"table {table}", "ok": status == "ACTIVE", "detail": status})
        except (ClientError, BotoCoreError) as error:
            checks.append({"name": f"table {table}", "ok": False, "detail": _error(error)})
    for queue in config.get("queues", []):
        try:
            sqs = _client("sqs", region)
            url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
            checks.append({"name": f"queue {queue}", "ok": True, "detail": "answers"})
        except (ClientError, BotoCoreError) as error:
            checks.append({"name": f"queue {queue}", "ok": False, "detail": _error(error)})
    return checks


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    try:
        config = _config()
        region = config["region"]
    except (KeyError, ValueError) as error:
        LOG.error(json.dumps({"message": "bad DRGEN_CONFIG", "error": str(error)}))
        return _response(503, {"status": "degraded", "reason": "health function misconfigured", "checks": []})
    try:
        item = _client("dynamodb", region).get_item(
            TableName=config["control_table"], Key={"pk": {"S": config.get("active_item", "active-region")}}
        ).get("Item")
    except (ClientError, BotoCoreError) as error:
        return _response(503, {"status": "degraded", "region": region, "checks": [],
                               "reason": f"cannot read the active-region flag: {_error(error)}"})
    active = item.get("region", {}).get("S") if item is not None else None
    checks = dependency_checks(config)
    failed = [c["name"] for c in checks if not c["ok"]]
    if failed:
        return _response(503, {"status": "degraded", "region": region, "active": active, "checks": checks,
                               "reason": f"dependencies do not answer: {', '.join(failed)}"})
    if active != region:
        reason = f"{active} is the active region" if active else "no active-region flag has been written yet"
        return _response(200, {"status": "standby", "region": region, "active": active, "checks": checks,
                               "reason": reason})
    return _response(200, {"status": "active", "region": region, "active": active, "checks": checks})
