"""drgen's canary, deployed in every region: it watches the CURRENT active region from outside it.

Two independent data-plane signals of the active region (the one the replicated ``active-region`` flag
names, read from this region's replica):

- ``health``: an HTTPS GET of the active region's public health endpoint, healthy only on a 2xx answer whose
  body says ``"status":"active"`` (what Route 53's health check searches for);
- ``control-table``: a real write and read of this region's probe item (``probe#<this region>``) in the
  active region's replica of the control table (PutItem, then a strongly consistent GetItem that must
  return the value just written).

Two modes::

    {"action": "probe"} (the schedule; also an event without "action") -> one probe, one datapoint:
        {"activeRegion", "probed": bool, "value": 0 | 1 | None, "signals": [...]}
    {"action": "decide"} (the failover state machine) -> PROBES probes SPACING seconds apart, at most WINDOW s:
        {"activeRegion": str, "activeReachable": bool, "activeDown": bool, "signals": [...]}

In probe mode the metric ``ActiveRegionProbeFailed`` (dimension ``Region=<this region>``) gets 1 when both
signals failed, 0 otherwise; nothing when this region is the active one (it does not watch itself).
``activeReachable`` is true when both signals succeeded in the last probe; ``activeDown`` only when both
failed in every probe (two independent signals over a window: one blip never decides a lossy failover);
mixed results are neither. Each signal is ``{"probe": n, "name", "ok", "detail"}``. A failed probe is a
result, never an exception; only a malformed event raises (``ValueError``).

DRGEN_CONFIG: {"region", "primary_region" (the active region until a flag is written), "namespace",
"control_table", "health_urls": {region: url}} (no health URL: the blueprint has no health route)
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

LOG = logging.getLogger("drgen.canary")
LOCAL = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=3)
PROBE = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=2, read_timeout=2)
HTTP_TIMEOUT = 3.0
METRIC = "ActiveRegionProbeFailed"
SEARCH_STRING = '"status":"active"'
ROUTE53_BODY_BYTES = 5120
PROBES, SPACING, WINDOW = 3, 5.0, 30.0
PROBE_BUDGET = HTTP_TIMEOUT + 2 * (PROBE.connect_timeout + PROBE.read_timeout)
"""The longest one probe can take: the GET, then the write and the read, each timing out."""


@cache
def _client(service: str, region: str, probe: bool = False) -> Any:
    return boto3.client(service, region_name=region, config=PROBE if probe else LOCAL)


def _error(error: BaseException) -> str:
    if isinstance(error, ClientError):
        err = error.response.get("Error", {})
        return f"{err.get('Code', 'ClientError')}: {err.get('Message', '')}".rstrip(": ")
    return f"{type(error).__name__}: {error}"


def fetch(url: str, timeout: float) -> tuple[int, bytes]:
    """GET ``url``: its status and the first bytes of its body (what a Route 53 checker would read)."""
    request = urllib.request.Request(url, headers={"User-Agent": "drgen-canary", "Cache-Control": "no-cache"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), response.read(ROUTE53_BODY_BYTES)
    except urllib.error.HTTPError as error:
        return int(error.code), error.read(ROUTE53_BODY_BYTES)


def active_region(config: dict[str, Any]) -> str:
    """The region the flag names, from this region's replica; the blueprint's primary until a flag exists."""
    item = _client("dynamodb", config["region"]).get_item(
        TableName=config["control_table"], Key={"pk": {"S": "active-region"}}, ConsistentRead=True).get("Item")
    return str(item.get("region", {}).get("S") or config["primary_region"]) if item else config["primary_region"]


def health_signal(config: dict[str, Any], active: str, url: str) -> dict[str, Any]:
    try:
        status, body = fetch(url, HTTP_TIMEOUT)
    except (OSError, ValueError) as error:  # URLError, timeouts, TLS and connection errors are OSErrors
        return {"name": "health", "ok": False, "detail": _error(error)}
    ok = 200 <= status < 300 and SEARCH_STRING.encode() in body
    return {"name": "health", "ok": ok, "detail": f"HTTP {status}" + ("" if ok else f", no {SEARCH_STRING}")}


def control_table_signal(config: dict[str, Any], active: str) -> dict[str, Any]:
    table, key = config["control_table"], {"pk": {"S": f"probe#{config['region']}"}}
    token = secrets.token_hex(8)
    ddb = _client("dynamodb", active, True)
    try:
        ddb.put_item(TableName=table, Item={**key, "token": {"S": token}, "region": {"S": config["region"]},
                                            "at": {"S": datetime.now(timezone.utc).isoformat(timespec="seconds")}})
        item = ddb.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item", {})
    except (ClientError, BotoCoreError) as error:
        return {"name": "control-table", "ok": False, "detail": _error(error)}
    ok = item.get("token", {}).get("S") == token
    return {"name": "control-table", "ok": ok, "detail": "wrote and read back" if ok else "read back another value"}


def probe(config: dict[str, Any], active: str, number: int = 1) -> list[dict[str, Any]]:
    """One probe of ``active``: both signals, in a fixed order (the control table alone for a blueprint whose
    active region has no health route)."""
    url = config.get("health_urls", {}).get(active)
    signals = [health_signal(config, active, url)] if url else []
    return [{"probe": number, **signal} for signal in (*signals, control_table_signal(config, active))]


def _publish(config: dict[str, Any], value: float) -> None:
    try:
        _client("cloudwatch", config["region"]).put_metric_data(Namespace=config["namespace"], MetricData=[{
            "MetricName": METRIC, "Dimensions": [{"Name": "Region", "Value": config["region"]}], "Value": value}])
    except (ClientError, BotoCoreError) as error:
        LOG.warning(json.dumps({"message": "datapoint not published", "error": _error(error)}))


def scheduled(config: dict[str, Any]) -> dict[str, Any]:
    active = active_region(config)
    if active == config["region"]:
        return {"activeRegion": active, "probed": False, "value": None, "signals": []}
    signals = probe(config, active)
    value = 1 if not any(s["ok"] for s in signals) else 0
    _publish(config, float(value))
    LOG.info(json.dumps({"message": "probed the active region", "active": active, "value": value,
                         "signals": signals}))
    return {"activeRegion": active, "probed": True, "value": value, "signals": signals}


def decide(config: dict[str, Any]) -> dict[str, Any]:
    active = active_region(config)
    if active == config["region"]:
        return {"activeRegion": active, "activeReachable": True, "activeDown": False, "signals": [
            {"probe": 0, "name": "active-region", "ok": True, "detail": "this region is the active one"}]}
    start = time.monotonic()
    probes: list[list[dict[str, Any]]] = []
    while len(probes) < PROBES:
        if probes:
            if time.monotonic() - start + SPACING + PROBE_BUDGET > WINDOW:
                break
            time.sleep(SPACING)
        probes.append(probe(config, active, len(probes) + 1))
    reachable = all(s["ok"] for s in probes[-1])
    down = len(probes) >= 2 and not any(s["ok"] for signals in probes for s in signals)
    result = {"activeRegion": active, "activeReachable": reachable, "activeDown": down,
              "signals": [s for signals in probes for s in signals]}
    LOG.info(json.dumps({"message": "decided", **result}))
    return result


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    action = event.get("action", "probe") if isinstance(event, dict) else None
    if action not in ("probe", "decide"):
        raise ValueError(f"the canary takes {{'action': 'probe' | 'decide'}}, not {event!r}")
    config = json.loads(os.environ["DRGEN_CONFIG"])
    return decide(config) if action == "decide" else scheduled(config)
