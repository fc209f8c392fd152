"""drgen's promoter, deployed in each secondary region: the Aurora global cluster operations and enabling
this region's consumers, for the failover state machine.

Events:
- ``{"action": "switchover" | "failover", "global_cluster", "target_cluster_arn"}``: calls
  ``SwitchoverGlobalCluster`` (no data loss; needs the primary) or ``FailoverGlobalCluster`` with
  ``AllowDataLoss`` (the primary is gone), from THIS region - the target's - so that it does not depend on
  the failed one. ``GlobalClusterIdentifier`` is the global cluster's name, the target the secondary
  cluster's ARN. -> ``{"started": true, ...}``.
- ``{"action": "status", "global_cluster", "target_cluster_arn"}`` -> ``{"promoted", "status", "writer"}``:
  promoted when the target is the writer and the global cluster is available again.
- ``{"action": "activate", "functions": [names], "pilot_light": bool}`` -> enables every event source
  mapping of those functions (and lifts the zero reserved concurrency of a pilot light).
Errors raise ``PromotionFailed`` (its name is what the state machine's Catch sees); a malformed event
raises ``ValueError``.
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

LOG = logging.getLogger("drgen.promoter")
CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=20)


class PromotionFailed(Exception):
    """An AWS call of the promotion failed; the message says which and why."""


@cache
def _client(service: str) -> Any:
    return boto3.client(service, region_name=os.environ.get("AWS_REGION"), config=CONFIG)


def _require(event: dict[str, Any], *keys: str) -> None:
    missing = [k for k in keys if not isinstance(event.get(k), str) or not event[k]]
    if missing:
        raise ValueError(f"the {event.get('action')} action needs {', '.join(missing)}")


def _reason(error: Exception) -> str:
    if isinstance(error, ClientError):
        err = error.response.get("Error", {})
        return f"{err.get('Code')}: {err.get('Message')}"
    return f"{type(error).__name__}: {error}"


def promote(event: dict[str, Any]) -> dict[str, Any]:
    _require(event, "global_cluster", "target_cluster_arn")
    rds = _client("rds")
    action = event["action"]
    try:
        if action == "switchover":
            rds.switchover_global_cluster(GlobalClusterIdentifier=event["global_cluster"],
                                          TargetDbClusterIdentifier=event["target_cluster_arn"])
        else:
            rds.failover_global_cluster(GlobalClusterIdentifier=event["global_cluster"],
                                        TargetDbClusterIdentifier=event["target_cluster_arn"], AllowDataLoss=True)
    except (ClientError, BotoCoreError) as error:
        raise PromotionFailed(f"{action} of {event['global_cluster']} failed: {_reason(error)}") from error
    LOG.info(json.dumps({"message": f"{action} started", "global_cluster": event["global_cluster"]}))
    return {"started": True, "action": action, "global_cluster": event["global_cluster"]}


def status(event: dict[str, Any]) -> dict[str, Any]:
    _require(event, "global_cluster", "target_cluster_arn")
    try:
        found = _client("rds").describe_global_clusters(GlobalClusterIdentifier=event["global_cluster"])["GlobalClusters"]
    except (ClientError, BotoCoreError) as error:
        raise PromotionFailed(f"cannot read {event['global_cluster']}: {_reason(error)}") from error
    if not found:
        raise PromotionFailed(f"global cluster {event['global_cluster']} not found")
    cluster = found[0]
    writer = next((m["DBClusterArn"] for m in cluster.get("GlobalClusterMembers", []) if m.get("IsWriter")), None)
    state = cluster.get("FailoverState", {}).get("Status") or cluster.get("Status", "unknown")
    promoted = writer == event["target_cluster_arn"] and cluster.get("Status") == "available" \
        and not cluster.get("FailoverState", {}).get("Status")
    return {"promoted": promoted, "status": state, "writer": writer}


def activate(event: dict[str, Any]) -> dict[str, Any]:
    functions = event.get("functions")
    if not isinstance(functions, list):
        raise ValueError("the activate action needs functions: [names]")
    client = _client("lambda")
    enabled = []
    try:
        for name in functions:
            if event.get("pilot_light"):
                client.delete_function_concurrency(FunctionName=name)
            marker = None
            while True:
                page = client.list_event_source_mappings(FunctionName=name, **({"Marker": marker} if marker else {}))
                for mapping in page.get("EventSourceMappings", []):
                    if mapping.get("State") not in ("Enabled", "Enabling"):
                        client.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
                    enabled.append(mapping["UUID"])
                marker = page.get("NextMarker")
                if not marker:
                    break
    except (ClientError, BotoCoreError) as error:
        raise PromotionFailed(f"cannot enable the consumers: {_reason(error)}") from error
    return {"enabled": sorted(enabled)}


ACTIONS = {"switchover": promote, "failover": promote, "status": status, "activate": activate}


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    action = event.get("action") if isinstance(event, dict) else None
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: one of {', '.join(ACTIONS)}")
    return ACTIONS[action](event)
