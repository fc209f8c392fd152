"""drgen's promoter, deployed in every region: the Aurora global cluster operations, the new primary's capacity and
the queue consumers, for the failover state machine of its region. Every action is idempotent: it checks whether
its work is already done, so a machine started again after any failure finishes the job.

Events:
- ``{"action": "switchover" | "failover", "global_cluster", "target_cluster_arn"}``: ``SwitchoverGlobalCluster``
  (no data loss; needs the current writer) or ``FailoverGlobalCluster`` with ``AllowDataLoss`` (the writer is
  gone), called from THIS region - the target's - so that it does not depend on the failed one. Target already the
  writer -> ``{"already": true}`` (nothing called); a promotion to the target already under way ->
  ``{"already": false, "started": false}`` (nothing called: wait for it) -> else ``{"already": false, "started": true}``.
- ``{"action": "status", "global_cluster", "target_cluster_arn"}`` -> ``{"promoted", "status", "writer"}``:
  promoted when the target is the writer and the global cluster is available again.
- ``{"action": "scale", "databases": [{"cluster_arn", "instances": [identifiers]}], "functions": [names]}``: the
  strategy's capacity for a new primary: creates the missing instances of each cluster (with the settings of one it
  has) and lifts the zero reserved concurrency of a pilot light's functions. -> ``{"created", "lifted"}``.
- ``{"action": "activate", "functions": [names], "region"?}``: enables every event source mapping of those
  functions (this region by default) -> ``{"enabled": [uuids]}``.
- ``{"action": "deactivate", "region", "functions", "pilot_light"}``: disables them in the region traffic left (and
  holds a pilot light's functions at zero concurrency there) -> ``{"disabled": [uuids]}``.
- ``{"action": "redrive", "from", "to", "moves": [{"source", "target", "fifo", "own"}]}``: moves every message of
  each source queue (in ``from``, or in ``to`` where ``own``: this region's own dead letters) into the target queue
  in ``to`` - this region - (``move_queue``: the same code ``drgen redrive`` runs) while the invocation has time
  -> ``{"moved": {source: n}, "waiting": n, "more": bool}``; ``more`` while a source still holds messages in flight
  or the time ran out (call again). A target that refuses messages raises ``RedriveIncomplete``.
- ``{"action": "take-traffic", "control_table", "ExecutionId"?}`` (an ARC Region switch plan's step; drgen's state
  machine writes the flag itself): writes the ``active-region`` flag naming THIS region in this region's replica of
  the control table, unless it already names it -> ``{"already": bool, "region"}``. The health endpoints read the
  flag: Route 53's routing health checks then send traffic here.
Errors raise ``PromotionFailed`` (its name is what the state machine's Retry sees); a malformed event raises
``ValueError``.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

LOG = logging.getLogger("drgen.promoter")
CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=20)
IN_PROGRESS = ("failing-over", "switching-over", "pending", "modifying")
CLONED = ("Engine", "DBInstanceClass", "MonitoringInterval", "MonitoringRoleArn", "PerformanceInsightsKMSKeyId",
          "AutoMinorVersionUpgrade", "CACertificateIdentifier")


class PromotionFailed(Exception):
    """An AWS call of the promotion failed; the message says which and why."""


class RedriveIncomplete(Exception):
    """Some messages could not be moved (the target refused them, or a region did not answer)."""


@cache
def _client(service: str, region: str | None = None) -> Any:
    return boto3.client(service, region_name=region or os.environ.get("AWS_REGION"), config=CONFIG)


def _require(event: dict[str, Any], *keys: str) -> None:
    missing = [k for k in keys if not isinstance(event.get(k), str) or not event[k]]
    if missing:
        raise ValueError(f"the {event.get('action')} action needs {', '.join(missing)}")


def _names(event: dict[str, Any], key: str = "functions") -> list[str]:
    value = event.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"the {event.get('action')} action needs {key}: [names]")
    return value


def _reason(error: Exception) -> str:
    if isinstance(error, ClientError):
        err = error.response.get("Error", {})
        return f"{err.get('Code')}: {err.get('Message')}"
    return f"{type(error).__name__}: {error}"


def _global_cluster(identifier: str) -> dict[str, Any]:
    try:
        found = _client("rds").describe_global_clusters(GlobalClusterIdentifier=identifier)["GlobalClusters"]
    except (ClientError, BotoCoreError) as error:
        raise PromotionFailed(f"cannot read {identifier}: {_reason(error)}") from error
    if not found:
        raise PromotionFailed(f"global cluster {identifier} not found")
    cluster: dict[str, Any] = found[0]
    return cluster


def _writer(cluster: dict[str, Any]) -> str | None:
    return next((m["DBClusterArn"] for m in cluster.get("GlobalClusterMembers", []) if m.get("IsWriter")), None)


def promote(event: dict[str, Any]) -> dict[str, Any]:
    _require(event, "global_cluster", "target_cluster_arn")
    action, name, target = event["action"], event["global_cluster"], event["target_cluster_arn"]
    cluster = _global_cluster(name)
    moving = cluster.get("FailoverState", {})
    if not moving and _writer(cluster) == target and cluster.get("Status") == "available":
        return {"already": True, "started": False, "action": action, "global_cluster": name}
    if moving.get("Status") or cluster.get("Status") in IN_PROGRESS:
        towards = moving.get("ToDbClusterArn", target)
        if towards != target:
            raise PromotionFailed(f"{name} is already being promoted to {towards}")
        return {"already": False, "started": False, "action": action, "global_cluster": name}
    rds = _client("rds")
    try:
        if action == "switchover":
            rds.switchover_global_cluster(GlobalClusterIdentifier=name, TargetDbClusterIdentifier=target)
        else:
            rds.failover_global_cluster(GlobalClusterIdentifier=name, TargetDbClusterIdentifier=target,
                                        AllowDataLoss=True)
    except (ClientError, BotoCoreError) as error:
        raise PromotionFailed(f"{action} of {name} failed: {_reason(error)}") from error
    LOG.info(json.dumps({"message": f"{action} started", "global_cluster": name}))
    return {"already": False, "started": True, "action": action, "global_cluster": name}


def status(event: dict[str, Any]) -> dict[str, Any]:
    _require(event, "global_cluster", "target_cluster_arn")
    cluster = _global_cluster(event["global_cluster"])
    writer = _writer(cluster)
    state = cluster.get("FailoverState", {}).get("Status") or cluster.get("Status", "unknown")
    promoted = writer == event["target_cluster_arn"] and cluster.get("Status") == "available" \
        and not cluster.get("FailoverState", {}).get("Status")
    return {"promoted": promoted, "status": state, "writer": writer}


def _add_instances(rds: Any, database: dict[str, Any]) -> list[str]:
    cluster_arn, wanted = database.get("cluster_arn"), database.get("instances")
    if not isinstance(cluster_arn, str) or not isinstance(wanted, list):
        raise ValueError("each database to scale needs cluster_arn and instances: [identifiers]")
    cluster = rds.describe_db_clusters(DBClusterIdentifier=cluster_arn)["DBClusters"][0]
    members = [m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", [])]
    missing = [name for name in wanted if name not in members]
    if not missing:
        return []
    settings: dict[str, Any] = {"Engine": cluster["Engine"], "DBInstanceClass": "db.serverless"}
    if members:
        model = rds.describe_db_instances(DBInstanceIdentifier=members[0])["DBInstances"][0]
        settings.update({key: model[key] for key in CLONED if model.get(key) not in (None, "")})
        if model.get("PerformanceInsightsEnabled"):
            settings["EnablePerformanceInsights"] = True
    for name in missing:
        rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier=cluster["DBClusterIdentifier"],
                               PubliclyAccessible=False, **settings)
    return missing


def scale(event: dict[str, Any]) -> dict[str, Any]:
    databases = event.get("databases", [])
    if not isinstance(databases, list):
        raise ValueError("the scale action needs databases: [{cluster_arn, instances}]")
    functions = _names(event)
    created: list[str] = []
    try:
        for database in databases:
            created += _add_instances(_client("rds"), database)
        for name in functions:
            _client("lambda").delete_function_concurrency(FunctionName=name)
    except (ClientError, BotoCoreError) as error:
        raise PromotionFailed(f"cannot scale the new primary up: {_reason(error)}") from error
    return {"created": created, "lifted": functions}


def _mappings(client: Any, name: str) -> list[dict[str, Any]]:
    found, marker = [], None
    while True:
        page = client.list_event_source_mappings(FunctionName=name, **({"Marker": marker} if marker else {}))
        found += page.get("EventSourceMappings", [])
        marker = page.get("NextMarker")
        if not marker:
            return found


def _switch(event: dict[str, Any], enabled: bool) -> list[str]:
    region = event.get("region")
    if region is not None and not isinstance(region, str):
        raise ValueError("region must be a region name")
    functions = _names(event)
    client = _client("lambda", region)
    done = []
    try:
        for name in functions:
            if not enabled and event.get("pilot_light"):
                client.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
            for mapping in _mappings(client, name):
                if (mapping.get("State") in ("Enabled", "Enabling")) != enabled:
                    client.update_event_source_mapping(UUID=mapping["UUID"], Enabled=enabled)
                done.append(mapping["UUID"])
    except (ClientError, BotoCoreError) as error:
        verb = "enable" if enabled else "disable"
        raise PromotionFailed(f"cannot {verb} the consumers in {region or 'this region'}: {_reason(error)}") from error
    return sorted(done)


def activate(event: dict[str, Any]) -> dict[str, Any]:
    return {"enabled": _switch(event, True)}


def deactivate(event: dict[str, Any]) -> dict[str, Any]:
    _require(event, "region")
    return {"disabled": _switch(event, False)}


BATCH = 10
"""SQS's most messages per receive and per batch send."""
VISIBILITY_SECONDS = 120
"""How long a received message stays invisible in the source while it is copied (it reappears if we stop)."""
SPARE_MS = 15_000
"""A redrive starts no new batch with less than this left of the invocation's time."""


def move_queue(source: Any, target: Any, from_url: str, to_url: str, fifo: bool,
               has_time: Any = lambda: True) -> tuple[int, int, bool]:
    """Move the messages of the queue at ``from_url`` (client ``source``) into ``to_url`` (client ``target``):
    receive a batch, send it (body, message attributes; for FIFO the group and deduplication ids), delete from
    the source only what the target stored. A crash between the two sends a message twice, never zero times
    (consumers are idempotent; a FIFO copy keeps its deduplication id). -> (moved, refused, finished): finished
    is False when ``has_time()`` said stop or the target refused a whole batch (what is left reappears in the
    source after ``VISIBILITY_SECONDS``)."""
    moved = failed = 0
    while has_time():
        received = source.receive_message(
            QueueUrl=from_url, MaxNumberOfMessages=BATCH, WaitTimeSeconds=1, VisibilityTimeout=VISIBILITY_SECONDS,
            AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
        if not received:
            return moved, failed, True
        entries = [_entry(i, message, fifo) for i, message in enumerate(received)]
        answer = target.send_message_batch(QueueUrl=to_url, Entries=entries)
        sent = {item["Id"] for item in answer.get("Successful", [])}
        failed += len(received) - len(sent)
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(received) if str(i) in sent]
        if done:
            source.delete_message_batch(QueueUrl=from_url, Entries=done)
        moved += len(done)
        if not sent:  # the target refuses everything: stop rather than spin
            return moved, failed, False
    return moved, failed, False


def _entry(index: int, message: dict[str, Any], fifo: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"Id": str(index), "MessageBody": message["Body"]}
    attributes = {k: {f: v for f, v in value.items() if f in ("DataType", "StringValue", "BinaryValue")}
                  for k, value in message.get("MessageAttributes", {}).items()}
    if attributes:
        entry["MessageAttributes"] = attributes
    if fifo:
        system = message.get("Attributes", {})
        entry["MessageGroupId"] = system.get("MessageGroupId", "redrive")
        # the original id, so that a copy sent twice (a crash before the delete) is stored once
        entry["MessageDeduplicationId"] = system.get("MessageDeduplicationId", message["MessageId"])
    return entry


def in_flight(client: Any, url: str) -> int:
    """Messages of a queue that a consumer holds or that are delayed: they come back (or are deleted) later."""
    found = client.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]).get("Attributes", {})
    return sum(int(found.get(k, 0)) for k in ("ApproximateNumberOfMessagesNotVisible",
                                             "ApproximateNumberOfMessagesDelayed"))


def redrive(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    _require(event, "from", "to")
    moves = event.get("moves")
    if not isinstance(moves, list) or not all(isinstance(m, dict) and isinstance(m.get("source"), str)
                                              and isinstance(m.get("target"), str) for m in moves):
        raise ValueError("the redrive action needs moves: [{source, target, fifo, own}]")
    remaining = getattr(context, "get_remaining_time_in_millis", None)

    def has_time() -> bool:
        return remaining is None or remaining() > SPARE_MS

    moved: dict[str, int] = {}
    refused = waiting = 0
    finished = True
    here = _client("sqs", event["to"])
    for move in moves:
        region = event["to"] if move.get("own") else event["from"]
        there = _client("sqs", region)
        try:
            from_url = there.get_queue_url(QueueName=move["source"])["QueueUrl"]
            to_url = here.get_queue_url(QueueName=move["target"])["QueueUrl"]
            count, failed, done = move_queue(there, here, from_url, to_url, bool(move.get("fifo")), has_time)
            left = in_flight(there, from_url)
        except (ClientError, BotoCoreError) as error:
            raise RedriveIncomplete(f"cannot redrive {move['source']} ({region}): {_reason(error)}") from error
        moved[f"{region}/{move['source']}"] = count
        refused += failed
        waiting += left
        finished = finished and done
    LOG.info(json.dumps({"message": "redrive", "moved": moved, "refused": refused, "waiting": waiting}))
    if refused:
        raise RedriveIncomplete(f"{refused} messages were refused by the target queues in {event['to']} and stay in "
                                f"their source; moved {moved}")
    return {"moved": moved, "waiting": waiting, "more": waiting > 0 or not finished}
def take_traffic(event: dict[str, Any]) -> dict[str, Any]:
    _require(event, "control_table")
    region = os.environ["AWS_REGION"]
    table, key = event["control_table"], {"pk": {"S": "active-region"}}
    client = _client("dynamodb")
    try:
        item = client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item", {})
        if item.get("region", {}).get("S") == region:
            return {"already": True, "region": region}
        by = event.get("ExecutionId") if isinstance(event.get("ExecutionId"), str) else "arc-region-switch"
        client.put_item(TableName=table, Item={**key, "region": {"S": region}, "by": {"S": by},
                                               "since": {"S": datetime.now(timezone.utc).isoformat()}})
    except (ClientError, BotoCoreError) as error:
        raise PromotionFailed(f"cannot move the active-region flag to {region}: {_reason(error)}") from error
    return {"already": False, "region": region}


ACTIONS = {"switchover": promote, "failover": promote, "status": status, "scale": scale, "activate": activate,
           "deactivate": deactivate, "take-traffic": take_traffic}


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    action = event.get("action") if isinstance(event, dict) else None
    if action == "redrive":
        return redrive(event, context)
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: one of {', '.join([*ACTIONS, 'redrive'])}")
    return ACTIONS[action](event)
