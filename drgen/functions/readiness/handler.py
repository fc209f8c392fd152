"""drgen's failover readiness validator, deployed in each secondary region.

It checks this region for real and returns a verdict the state machine reads::

    {"ready": bool, "region", "phase": "pre" | "post", "primaryReachable": bool, "checks": [{"name", "ok", "detail"}]}

- Aurora: this region's cluster is a member of the global cluster; before a failover it is a reader,
  available, and its lag (``AuroraGlobalDBReplicationLag``, and ``AuroraGlobalDBRPOLag`` for PostgreSQL,
  from CloudWatch over the last five minutes) is within ``max_lag_ms`` - no datapoints is "unknown", not ok;
  after a failover it is the writer.
- primaryReachable: one quick call to the primary region (its cluster, or its control table replica).
- Tables: ACTIVE, with an ACTIVE replica in this region. Buckets: the destination exists and is versioned;
  the source's replication configuration when the primary answers. Queues: they answer (backlog reported).
- After a failover: the control table's active-region item names this region.
It publishes ``Ready`` and ``ChecksFailed`` metrics. A failed check is a verdict, never an exception; only a
malformed event raises (``ValueError``).

DRGEN_CONFIG: {"region", "primary_region", "namespace", "control_table", "databases": [{"name", "global_cluster",
"cluster_arn", "primary_cluster_arn", "max_lag_ms", "engine"}], "tables": [names], "buckets": [{"name",
"destination"}], "queues": [names]}
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

LOG = logging.getLogger("drgen.readiness")
CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=10)
PROBE = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=2, read_timeout=3)


@cache
def _client(service: str, region: str, probe: bool = False) -> Any:
    return boto3.client(service, region_name=region, config=PROBE if probe else CONFIG)


def _error(error: Exception) -> str:
    if isinstance(error, ClientError):
        err = error.response.get("Error", {})
        return f"{err.get('Code', 'ClientError')}: {err.get('Message', '')}".rstrip(": ")
    return f"{type(error).__name__}: {error}"


def _check(name: str, ok: bool, detail: str) -> dict[str, Any]:
    return {"name": name, "ok": bool(ok), "detail": detail}


def _cluster_id(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def primary_reachable(config: dict[str, Any]) -> bool:
    primary = config["primary_region"]
    try:
        databases = config.get("databases", [])
        if databases:
            clusters = _client("rds", primary, True).describe_db_clusters(
                DBClusterIdentifier=databases[0]["primary_cluster_arn"])["DBClusters"]
            return bool(clusters) and clusters[0].get("Status") == "available"
        _client("dynamodb", primary, True).describe_table(TableName=config["control_table"])
        return True
    except (ClientError, BotoCoreError):
        return False


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


def database_checks(config: dict[str, Any], phase: str) -> list[dict[str, Any]]:
    region = config["region"]
    checks = []
    for db in config.get("databases", []):
        name = f"database {db['name']}"
        try:
            found = _client("rds", region).describe_global_clusters(
                GlobalClusterIdentifier=db["global_cluster"])["GlobalClusters"]
        except (ClientError, BotoCoreError) as error:
            checks.append(_check(name, False, _error(error)))
            continue
        members = {m["DBClusterArn"]: m for m in (found[0].get("GlobalClusterMembers", []) if found else [])}
        member = members.get(db["cluster_arn"])
        if member is None:
            checks.append(_check(name, False, "this region's cluster is not a member of the global cluster"))
            continue
        if phase == "post":
            checks.append(_check(name, member.get("IsWriter", False), "writer" if member.get("IsWriter") else
                                 "still a reader"))
            continue
        if member.get("IsWriter"):
            checks.append(_check(name, False, "this region's cluster is already the writer"))
            continue
        try:
            status = _client("rds", region).describe_db_clusters(
                DBClusterIdentifier=db["cluster_arn"])["DBClusters"][0]["Status"]
        except (ClientError, BotoCoreError, IndexError) as error:
            checks.append(_check(name, False, _error(error) if isinstance(error, Exception) else "no cluster"))
            continue
        if status != "available":
            checks.append(_check(name, False, f"cluster status {status}"))
            continue
        metrics = ["AuroraGlobalDBReplicationLag"] + (["AuroraGlobalDBRPOLag"]
                                                       if db.get("engine") == "aurora-postgresql" else [])
        for metric in metrics:
            try:
                lag = _max_lag(region, _cluster_id(db["cluster_arn"]), metric)
            except (ClientError, BotoCoreError) as error:
                checks.append(_check(f"{name} {metric}", False, _error(error)))
                continue
            if lag is None:
                checks.append(_check(f"{name} {metric}", False, "no datapoints in the last 5 minutes: lag unknown"))
            else:
                checks.append(_check(f"{name} {metric}", lag <= db["max_lag_ms"],
                                     f"{lag:g} ms (bound {db['max_lag_ms']} ms)"))
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
        ok = description.get("TableStatus") == "ACTIVE" and replicas.get(region, "ACTIVE") == "ACTIVE"
        checks.append(_check(f"table {table}", ok, f"{description.get('TableStatus')}, replica {replicas.get(region)}"))
    return checks


def bucket_checks(config: dict[str, Any], reachable: bool) -> list[dict[str, Any]]:
    region = config["region"]
    checks = []
    for bucket in config.get("buckets", []):
        name = f"bucket {bucket['destination']}"
        try:
            s3 = _client("s3", region)
            s3.head_bucket(Bucket=bucket["destination"])
            versioning = s3.get_bucket_versioning(Bucket=bucket["destination"]).get("Status")
            detail = f"versioning {versioning}"
            ok = versioning == "Enabled"
            if reachable:
                rules = _client("s3", config["primary_region"]).get_bucket_replication(
                    Bucket=bucket["name"])["ReplicationConfiguration"]["Rules"]
                targets = {r.get("Destination", {}).get("Bucket", "").rsplit(":", 1)[-1] for r in rules
                           if r.get("Status") == "Enabled"}
                ok = ok and bucket["destination"] in targets
                detail += ", replicated from the primary" if bucket["destination"] in targets else \
                    ", no enabled replication rule in the primary"
            checks.append(_check(name, ok, detail))
        except (ClientError, BotoCoreError) as error:
            checks.append(_check(name, False, _error(error)))
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


def active_region_check(config: dict[str, Any]) -> dict[str, Any]:
    try:
        item = _client("dynamodb", config["region"]).get_item(
            TableName=config["control_table"], Key={"pk": {"S": "active-region"}}).get("Item", {})
    except (ClientError, BotoCoreError) as error:
        return _check("active region", False, _error(error))
    active = item.get("region", {}).get("S")
    return _check("active region", active == config["region"], f"the flag names {active}")


def _publish(config: dict[str, Any], verdict: dict[str, Any]) -> None:
    failed = sum(1 for c in verdict["checks"] if not c["ok"])
    dimensions = [{"Name": "Region", "Value": config["region"]}]
    try:
        _client("cloudwatch", config["region"]).put_metric_data(Namespace=config["namespace"], MetricData=[
            {"MetricName": "Ready", "Dimensions": dimensions, "Value": 1.0 if verdict["ready"] else 0.0},
            {"MetricName": "ChecksFailed", "Dimensions": dimensions, "Value": float(failed)}])
    except (ClientError, BotoCoreError) as error:
        LOG.warning(json.dumps({"message": "metrics not published", "error": _error(error)}))


def handler(event: Any, context: Any = None) -> dict[str, Any]:
    phase = (event or {}).get("phase", "pre") if isinstance(event, dict) else None
    if phase not in ("pre", "post"):
        raise ValueError(f"readiness takes {{'phase': 'pre' | 'post'}}, not {event!r}")
    config = json.loads(os.environ["DRGEN_CONFIG"])
    reachable = primary_reachable(config)
    checks = [*database_checks(config, phase), *table_checks(config), *bucket_checks(config, reachable),
              *queue_checks(config)]
    if phase == "post":
        checks.append(active_region_check(config))
    verdict = {"ready": all(c["ok"] for c in checks), "region": config["region"], "phase": phase,
               "primaryReachable": reachable, "checks": checks}
    _publish(config, verdict)
    LOG.info(json.dumps({"message": "readiness verdict", **verdict}, default=str))
    return verdict
