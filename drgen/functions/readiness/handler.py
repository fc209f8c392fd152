"""drgen's readiness validator, deployed in every region: can THIS region serve, and who serves now?

Events:
- ``{"phase": "pre"}`` (the schedule): checks this region and records the verdict in the control table as item
  ``readiness#<region>`` ``{pk, region, at, ready, checks, lag_ms: {db: N}, lag_at}`` - ``lag_ms``/``lag_at`` only
  change when every lag was measured, so they stay the last known-good lag through an outage - and publishes the
  ``Ready`` and ``ChecksFailed`` metrics.
- ``{"phase": "pre", "inspect": true, "lock_seconds": N, "execution": id}`` (the state machine's Inspect): the same
  checks, plus who is active and who writes, read at run time (never from a template)::

    {"ready", "region", "phase", "checks", "activeRegion", "flagWritten", "fromRegion", "writers": {db: region},
     "needsPromotion", "alreadyActive", "rankDelaySeconds", "lock": {"now", "expires", "owner"},
     "lastKnownGood": {"at", "lag_ms", "summary"}, "lossWithinBound"}

  Here ``ready`` judges only this region: replication lag and the replication source are reported, not blocking
  (a switchover synchronises; a failover uses the last known-good lag, because the active region's metrics go
  missing when it fails).
- ``{"phase": "post"}``: this region's clusters write and the active-region flag names it.
- ``{"phase": "pre" | "post", "require_ready": true}`` (a step of an ARC Region switch plan, which fails a step
  only when its function raises): the same verdict, judged like the machine's Inspect (lag and the replication
  source reported, not blocking; nothing recorded or published), and ``NotReady`` raised when it is not ready.
- ``{"phase": "lock", "owner": execution ARN, "machine": state machine ARN}`` (the state machine, when the
  failover lock is held by another execution): ``{"stale": bool, "status", "detail"}`` - stale only when the
  owner is an execution of this same machine that has ended (it failed where it could not release the lock), so
  a rerun may take the lock over; another machine's lock, or one whose status cannot be read, is never stale.

Checks: Aurora (this region's cluster is a global cluster member, available, its lag within ``max_lag_ms``);
tables ACTIVE with a replica here, each global index ACTIVE here (one being backfilled cannot be queried);
buckets versioned here and replicated from the active region; queues answer; queue consumers enabled in the
serving region and off in a standby (on everywhere under hot standby).
A failed check is a verdict, never an exception; only a malformed event raises (``ValueError``).

DRGEN_CONFIG: {"region", "initial_region", "ranks": {region: n}, "rank_delay_seconds", "good_for_seconds",
"namespace", "control_table", "databases": [{"name", "global_cluster", "cluster_arn", "max_lag_ms", "engine"}],
"tables": [names], "buckets": [{"name": {region: bucket}}], "queues": [names], "consumers": [function names],
"consumers_everywhere": bool}
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

LOG = logging.getLogger("drgen.readiness")
CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=10)
PROBE = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=2, read_timeout=3)
LAG_METRICS = {"aurora-postgresql": ["AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag"],
               "aurora-mysql": ["AuroraGlobalDBReplicationLag"]}


@cache
def _client(service: str, region: str, probe: bool = False) -> Any:
    return boto3.client(service, region_name=region, config=PROBE if probe else CONFIG)


def _error(error: Exception) -> str:
    if isinstance(error, ClientError):
        err = error.response.get("Error", {})
        return f"{err.get('Code', 'ClientError')}: {err.get('Message', '')}".rstrip(": ")
    return f"{type(error).__name__}: {error}"


class NotReady(Exception):
    """This region failed a blocking check; raised only for ``require_ready`` (a Region switch plan's step)."""


def _check(name: str, ok: bool, detail: str, blocking: bool = True) -> dict[str, Any]:
    return {"name": name, "ok": bool(ok), "detail": detail, "blocking": blocking}


def _region_of(arn: str | None) -> str | None:
    parts = (arn or "").split(":")
    return parts[3] if len(parts) > 3 else None


def _max_lag(region: str, cluster_id: str, metric: str) -> float | None:
    now = datetime.now(timezone.utc)
    result = _client("cloudwatch", region).get_metric_data(
        MetricDataQueries=[{"Id": "lag", "ReturnData": True, "MetricStat": {
            "Metric": {"Namespace": "AWS/RDS", "MetricName": metric,
                       "Dimensions": [{"Name": "DBClusterIdentifier", "Value": cluster_id}]},
            "Period": 60, "Stat": "Maximum"}}],
        # EndTime past now: CloudWatch rounds it down to the period, which would drop the current minute
        StartTime=now - timedelta(minutes=5), EndTime=now + timedelta(minutes=1))
    values = [v for r in result.get("MetricDataResults", []) for v in r.get("Values", [])]
    return max(values) if values else None


def database_checks(config: dict[str, Any], phase: str, strict_lag: bool,
                    writers: dict[str, str | None], lags: dict[str, float]) -> list[dict[str, Any]]:
    """Checks each database; fills ``writers`` (db -> writer region) and ``lags`` (db -> worst lag in ms)."""
    region = config["region"]
    checks = []
    for db in config.get("databases", []):
        name = f"database {db['name']}"
        writers[db["name"]] = None
        try:
            found = _client("rds", region).describe_global_clusters(
                GlobalClusterIdentifier=db["global_cluster"])["GlobalClusters"]
        except (ClientError, BotoCoreError) as error:
            checks.append(_check(name, False, _error(error)))
            continue
        members = {m["DBClusterArn"]: m for m in (found[0].get("GlobalClusterMembers", []) if found else [])}
        writers[db["name"]] = next((_region_of(arn) for arn, m in members.items() if m.get("IsWriter")), None)
        member = members.get(db["cluster_arn"])
        if member is None:
            checks.append(_check(name, False, "this region's cluster is not a member of the global cluster"))
            continue
        if phase == "post" or member.get("IsWriter"):
            writes = bool(member.get("IsWriter"))
            checks.append(_check(name, writes or phase == "pre", "writer" if writes else "still a reader"))
            continue
        try:
            status = _client("rds", region).describe_db_clusters(
                DBClusterIdentifier=db["cluster_arn"])["DBClusters"][0]["Status"]
        except (ClientError, BotoCoreError, IndexError) as error:
            checks.append(_check(name, False, _error(error) if isinstance(error, Exception) else "no cluster"))
            continue
        checks.append(_check(name, status == "available", f"reader, cluster status {status}"))
        measured: list[float] = []
        for metric in LAG_METRICS.get(db.get("engine", ""), LAG_METRICS["aurora-mysql"]):
            label = f"{name} {metric}"
            try:
                lag = _max_lag(region, db["cluster_arn"].rsplit(":", 1)[-1], metric)
            except (ClientError, BotoCoreError) as error:
                checks.append(_check(label, False, _error(error), strict_lag))
                continue
            if lag is None:
                checks.append(_check(label, False, "no datapoints in the last 5 minutes: lag unknown", strict_lag))
            else:
                measured.append(lag)
                checks.append(_check(label, lag <= db["max_lag_ms"], f"{lag:g} ms (bound {db['max_lag_ms']} ms)",
                                     strict_lag))
        if measured and len(measured) == len(LAG_METRICS.get(db.get("engine", ""), LAG_METRICS["aurora-mysql"])):
            lags[db["name"]] = max(measured)
    return checks


def table_checks(config: dict[str, Any]) -> list[dict[str, Any]]:
    region = config["region"]
    checks = []
    for table in config.get("tables", []):
        try:
            description = _client("dynamodb", region).describe_table(TableName=table)["Table"]
        except (ClientError, BotoCoreError) as error:
            checks.append(_check(f"table {table}", False, _error(error)))
            continue
        replicas = {r.get("RegionName"): r.get("ReplicaStatus") for r in description.get("Replicas", [])}
        # a global index still being created (backfilled) here cannot be queried: this region cannot serve yet
        building = [f"index {i.get('IndexName')} {i.get('IndexStatus')}"
                    for i in description.get("GlobalSecondaryIndexes", []) if i.get("IndexStatus") != "ACTIVE"]
        ok = description.get("TableStatus") == "ACTIVE" and replicas.get(region, "ACTIVE") == "ACTIVE" and not building
        checks.append(_check(f"table {table}", ok, ", ".join([f"{description.get('TableStatus')}",
                                                              f"replica {replicas.get(region)}", *building])))
    return checks


def bucket_checks(config: dict[str, Any], active: str, strict_source: bool) -> list[dict[str, Any]]:
    """This region's bucket is versioned; the active region's bucket replicates to it (probed, bounded)."""
    region = config["region"]
    checks = []
    for bucket in config.get("buckets", []):
        here, source = bucket["name"].get(region), bucket["name"].get(active)
        try:
            s3 = _client("s3", region)
            s3.head_bucket(Bucket=here)
            versioning = s3.get_bucket_versioning(Bucket=here).get("Status")
            checks.append(_check(f"bucket {here}", versioning == "Enabled", f"versioning {versioning}"))
        except (ClientError, BotoCoreError) as error:
            checks.append(_check(f"bucket {here}", False, _error(error)))
            continue
        if active == region or source is None:
            continue
        label = f"bucket {here} replicated from {active}"
        try:
            rules = _client("s3", active, True).get_bucket_replication(Bucket=source)["ReplicationConfiguration"]["Rules"]
        except (ClientError, BotoCoreError) as error:
            checks.append(_check(label, False, _error(error), strict_source))
            continue
        targets = {r.get("Destination", {}).get("Bucket", "").rsplit(":", 1)[-1] for r in rules
                   if r.get("Status") == "Enabled"}
        checks.append(_check(label, here in targets, "an enabled rule replicates here" if here in targets
                             else f"no enabled replication rule in {source}", strict_source))
    return checks


def queue_checks(config: dict[str, Any]) -> list[dict[str, Any]]:
    region = config["region"]
    checks = []
    for queue in config.get("queues", []):
        try:
            sqs = _client("sqs", region)
            url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
            backlog = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
                "Attributes"].get("ApproximateNumberOfMessages", "0")
            checks.append(_check(f"queue {queue}", True, f"{backlog} messages waiting"))
        except (ClientError, BotoCoreError) as error:
            checks.append(_check(f"queue {queue}", False, _error(error)))
    return checks


def consumer_checks(config: dict[str, Any], active: str, blocking: bool) -> list[dict[str, Any]]:
    """Queue consumers run where traffic is (everywhere under hot standby): a template update must not have
    switched off the serving region's, and a standby's must not be consuming."""
    region = config["region"]
    wanted = active == region or bool(config.get("consumers_everywhere"))
    checks = []
    for name in config.get("consumers", []):
        try:
            pages = _client("lambda", region).get_paginator("list_event_source_mappings").paginate(FunctionName=name)
            states = [m.get("State") for page in pages for m in page.get("EventSourceMappings", [])]
        except (ClientError, BotoCoreError) as error:
            checks.append(_check(f"consumers of {name}", False, _error(error), blocking))
            continue
        on = [s in ("Enabled", "Enabling") for s in states]
        ok = all(flag == wanted for flag in on)
        checks.append(_check(f"consumers of {name}", ok, f"{sum(on)} of {len(on)} enabled, "
                             f"{'wanted on' if wanted else 'wanted off'} ({active} serves)", blocking))
    return checks


def _get(config: dict[str, Any], pk: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = _client("dynamodb", config["region"]).get_item(
        TableName=config["control_table"], Key={"pk": {"S": pk}}, ConsistentRead=True).get("Item")
    return item


def active_region(config: dict[str, Any]) -> tuple[str, bool]:
    """The region the flag names (this region's replica), or the blueprint's initial one before any flag."""
    item = _get(config, "active-region")
    if item is None or "region" not in item:
        return config["initial_region"], False
    return str(item["region"]["S"]), True


def last_known_good(config: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The lag recorded by the last scheduled run that measured it, and whether it was within every bound."""
    try:
        item = _get(config, f"readiness#{config['region']}") or {}
    except (ClientError, BotoCoreError) as error:
        LOG.warning(json.dumps({"message": "no readiness record", "error": _error(error)}))
        item = {}
    lag = {k: float(v["N"]) for k, v in item.get("lag_ms", {}).get("M", {}).items()}
    at = item.get("lag_at", {}).get("S")
    databases = config.get("databases", [])
    if not databases:
        return {"at": at, "lag_ms": {}, "summary": "no database: nothing to lose"}, True
    if at is None or any(db["name"] not in lag for db in databases):
        return {"at": at, "lag_ms": lag, "summary": "an unknown amount (no scheduled readiness run measured the "
                                                    "replication lag of every database)"}, False
    parts = ", ".join(f"{db['name']} up to {lag[db['name']]:g} ms" for db in databases)
    age = time.time() - datetime.fromisoformat(at).timestamp()
    within = all(lag[db["name"]] <= db["max_lag_ms"] for db in databases) and age <= config["good_for_seconds"]
    return {"at": at, "lag_ms": lag, "summary": f"{parts} (the last known-good lag, measured {at})"}, within


def record(config: dict[str, Any], verdict: dict[str, Any], lags: dict[str, float]) -> None:
    """Write ``readiness#<region>``; the lag only when every database's was measured (the last known good)."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    checks = {"L": [{"M": {"name": {"S": c["name"]}, "ok": {"BOOL": c["ok"]}, "detail": {"S": c["detail"]}}}
                    for c in verdict["checks"]]}
    sets = ["#region = :region", "#at = :at", "ready = :ready", "checks = :checks"]
    values: dict[str, Any] = {":region": {"S": config["region"]}, ":at": {"S": now},
                              ":ready": {"BOOL": verdict["ready"]}, ":checks": checks}
    if config.get("databases") and len(lags) == len(config["databases"]):
        sets += ["lag_ms = :lag", "lag_at = :at"]
        values[":lag"] = {"M": {name: {"N": f"{value:g}"} for name, value in sorted(lags.items())}}
    try:
        _client("dynamodb", config["region"]).update_item(
            TableName=config["control_table"], Key={"pk": {"S": f"readiness#{config['region']}"}},
            UpdateExpression="SET " + ", ".join(sets), ExpressionAttributeNames={"#region": "region", "#at": "at"},
            ExpressionAttributeValues=values)
    except (ClientError, BotoCoreError) as error:
        LOG.warning(json.dumps({"message": "readiness not recorded", "error": _error(error)}))


def _publish(config: dict[str, Any], verdict: dict[str, Any]) -> None:
    failed = sum(1 for c in verdict["checks"] if not c["ok"])
    dimensions = [{"Name": "Region", "Value": config["region"]}]
    try:
        _client("cloudwatch", config["region"]).put_metric_data(Namespace=config["namespace"], MetricData=[
            {"MetricName": "Ready", "Dimensions": dimensions, "Value": 1.0 if verdict["ready"] else 0.0},
            {"MetricName": "ChecksFailed", "Dimensions": dimensions, "Value": float(failed)}])
    except (ClientError, BotoCoreError) as error:
        LOG.warning(json.dumps({"message": "metrics not published", "error": _error(error)}))


def inspect(config: dict[str, Any], event: dict[str, Any], verdict: dict[str, Any],
            writers: dict[str, str | None], active: str, flagged: bool) -> dict[str, Any]:
    """What the state machine needs to decide, from run-time state only."""
    region = config["region"]
    elsewhere = sorted({w for w in writers.values() if w and w != region})
    needs_promotion = any(w != region for w in writers.values())
    good, within = last_known_good(config)
    now = int(time.time())
    return {**verdict, "activeRegion": active, "flagWritten": flagged, "writers": writers,
            "fromRegion": active if active != region else (elsewhere[0] if elsewhere else region),
            "needsPromotion": needs_promotion, "alreadyActive": flagged and active == region and not needs_promotion,
            "rankDelaySeconds": int(config["ranks"].get(region, 0)) * int(config["rank_delay_seconds"]),
            "lock": {"now": str(now), "expires": str(now + int(event["lock_seconds"])), "owner": str(event["execution"])},
            "lastKnownGood": good, "lossWithinBound": within}


def lock_owner(owner: str, machine: str) -> dict[str, Any]:
    """Is the failover lock held by ``owner`` stale for ``machine`` (an ended run of this same machine)?"""
    parts, own = owner.split(":"), machine.split(":")
    if len(parts) != 8 or len(own) != 7 or parts[5] != "execution" or own[5] != "stateMachine" \
            or parts[:5] != own[:5] or parts[6] != own[6]:
        return {"stale": False, "status": None, "detail": f"the lock is held by {owner}, not by a run of {machine}"}
    try:
        status = str(_client("stepfunctions", own[3]).describe_execution(executionArn=owner)["status"])
    except (ClientError, BotoCoreError) as error:
        return {"stale": False, "status": None, "detail": f"cannot read the lock owner's status: {_error(error)}"}
    return {"stale": status != "RUNNING", "status": status, "detail": f"the lock owner {owner} is {status}"}


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    phase = (event or {}).get("phase", "pre") if isinstance(event, dict) else None
    if phase == "lock":
        if not isinstance(event.get("owner"), str) or not isinstance(event.get("machine"), str):
            raise ValueError("a lock check needs owner (str) and machine (str)")
        return lock_owner(event["owner"], event["machine"])
    if phase not in ("pre", "post"):
        raise ValueError(f"readiness takes {{'phase': 'pre' | 'post' | 'lock'}}, not {event!r}")
    machine = bool(event.get("inspect"))
    gate = event.get("require_ready") is True  # a Region switch step: raise, so that the plan stops
    quiet = machine or gate
    if machine and (not isinstance(event.get("lock_seconds"), int) or not isinstance(event.get("execution"), str)):
        raise ValueError("an inspection needs lock_seconds (int) and execution (str)")
    config = json.loads(os.environ["DRGEN_CONFIG"])
    region = config["region"]
    checks: list[dict[str, Any]] = []
    try:
        active, flagged = active_region(config)
    except (ClientError, BotoCoreError) as error:
        active, flagged = config["initial_region"], False
        checks.append(_check("active region", False, f"cannot read the flag: {_error(error)}"))
    writers: dict[str, str | None] = {}
    lags: dict[str, float] = {}
    strict = not quiet and phase == "pre"
    checks += [*database_checks(config, phase, strict and active != region, writers, lags), *table_checks(config),
               *bucket_checks(config, active, strict), *queue_checks(config)]
    checks += consumer_checks(config, active, blocking=not quiet)
    if phase == "post":
        checks.append(_check("active region", active == region, f"the flag names {active}"))
    verdict = {"ready": all(c["ok"] for c in checks if c["blocking"]), "region": region, "phase": phase,
               "checks": checks}
    if machine:
        verdict = inspect(config, event, verdict, writers, active, flagged)
    elif phase == "pre" and not gate:
        record(config, verdict, lags)
        _publish(config, verdict)
    LOG.info(json.dumps({"message": "readiness verdict", **verdict}, default=str))
    if gate and not verdict["ready"]:
        failed = [c for c in checks if c["blocking"] and not c["ok"]]
        raise NotReady(f"{region} is not ready ({phase}): {json.dumps(failed, default=str)}")
    return verdict
