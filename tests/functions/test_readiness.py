"""drgen's readiness validator against moto: real checks of the target region, a structured verdict."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from unittest import mock

import boto3
import pytest
from moto import mock_aws

from tests.functions.conftest import PRIMARY, REGION, ROOT, load_handler

GLOBAL, CONTROL, TABLE = "tp-prod-trading", "tp-prod-drgen-control", "tp-prod-sessions"
BUCKET_SOURCE, BUCKET_REPLICA, QUEUE = "tp-prod-docs-us-east-1", "tp-prod-docs-us-east-2", "tp-prod-orders"


def _cluster(region: str, identifier: str, primary: bool) -> str:
    rds = boto3.client("rds", region_name=region)
    extra = {"MasterUsername": "admin", "MasterUserPassword": "a-long-password-1"} if primary else {}
    return rds.create_db_cluster(DBClusterIdentifier=identifier, Engine="aurora-postgresql", EngineVersion="16.9",
                                 GlobalClusterIdentifier=GLOBAL, **extra)["DBCluster"]["DBClusterArn"]


@pytest.fixture
def world(config: Any) -> Any:
    with mock_aws():
        boto3.client("rds", region_name=PRIMARY).create_global_cluster(
            GlobalClusterIdentifier=GLOBAL, Engine="aurora-postgresql", EngineVersion="16.9")
        primary_arn = _cluster(PRIMARY, "tp-prod-trading-us-east-1", True)
        secondary_arn = _cluster(REGION, "tp-prod-trading-us-east-2", False)
        for region in (PRIMARY, REGION):
            ddb = boto3.client("dynamodb", region_name=region)
            for name, key in ((CONTROL, "pk"), (TABLE, "id")):
                ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                                 AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                                 KeySchema=[{"AttributeName": key, "KeyType": "HASH"}])
        s3 = boto3.client("s3", region_name=PRIMARY)
        s3.create_bucket(Bucket=BUCKET_SOURCE)
        s3.create_bucket(Bucket=BUCKET_REPLICA, CreateBucketConfiguration={"LocationConstraint": REGION})
        for bucket in (BUCKET_SOURCE, BUCKET_REPLICA):
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_replication(Bucket=BUCKET_SOURCE, ReplicationConfiguration={
            "Role": "arn:aws:iam::123456789012:role/replication",
            "Rules": [{"ID": "to-us-east-2", "Priority": 0, "Status": "Enabled", "Filter": {"Prefix": ""},
                       "DeleteMarkerReplication": {"Status": "Disabled"},
                       "Destination": {"Bucket": f"arn:aws:s3:::{BUCKET_REPLICA}"}}]})
        boto3.client("sqs", region_name=REGION).create_queue(QueueName=QUEUE)
        config({"region": REGION, "primary_region": PRIMARY, "namespace": "drgen/tp-prod", "control_table": CONTROL,
                "databases": [{"name": "trading", "global_cluster": GLOBAL, "cluster_arn": secondary_arn,
                               "primary_cluster_arn": primary_arn, "max_lag_ms": 1000, "engine": "aurora-postgresql"}],
                "tables": [TABLE], "buckets": [{"name": BUCKET_SOURCE, "destination": BUCKET_REPLICA}],
                "queues": [QUEUE]})
        module = load_handler(ROOT / "drgen" / "functions" / "readiness", "drgen_readiness")
        module._client.cache_clear()
        yield module


def _lag(value: float) -> None:
    for metric in ("AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag"):
        boto3.client("cloudwatch", region_name=REGION).put_metric_data(Namespace="AWS/RDS", MetricData=[{
            "MetricName": metric, "Value": value, "Timestamp": datetime.now(timezone.utc),
            "Dimensions": [{"Name": "DBClusterIdentifier", "Value": "tp-prod-trading-us-east-2"}]}])


def _by_name(verdict: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in verdict["checks"]}


def test_ready_when_every_check_passes(world: Any) -> None:
    _lag(250)
    verdict = world.handler({"phase": "pre"})
    assert verdict["ready"] is True, verdict["checks"]
    assert verdict["primaryReachable"] is True and verdict["region"] == REGION
    checks = _by_name(verdict)
    assert checks["database trading AuroraGlobalDBReplicationLag"]["detail"] == "250 ms (bound 1000 ms)"
    assert "replicated from the primary" in checks[f"bucket {BUCKET_REPLICA}"]["detail"]
    metrics = boto3.client("cloudwatch", region_name=REGION).list_metrics(Namespace="drgen/tp-prod")["Metrics"]
    assert {m["MetricName"] for m in metrics} == {"Ready", "ChecksFailed"}


def test_lag_over_the_bound_is_not_ready(world: Any) -> None:
    _lag(4000)
    verdict = world.handler({"phase": "pre"})
    assert verdict["ready"] is False
    assert _by_name(verdict)["database trading AuroraGlobalDBReplicationLag"]["ok"] is False


def test_no_lag_datapoints_is_unknown_not_ok(world: Any) -> None:
    verdict = world.handler({"phase": "pre"})
    check = _by_name(verdict)["database trading AuroraGlobalDBReplicationLag"]
    assert check == {"name": "database trading AuroraGlobalDBReplicationLag", "ok": False,
                     "detail": "no datapoints in the last 5 minutes: lag unknown"}


def test_unreachable_primary_is_reported_and_source_replication_skipped(world: Any) -> None:
    _lag(100)
    with mock.patch.object(world, "primary_reachable", return_value=False):
        verdict = world.handler({"phase": "pre"})
    assert verdict["primaryReachable"] is False and verdict["ready"] is True
    assert _by_name(verdict)[f"bucket {BUCKET_REPLICA}"]["detail"] == "versioning Enabled"


def test_missing_replica_bucket_and_queue_fail_their_checks(world: Any) -> None:
    _lag(100)
    s3 = boto3.client("s3", region_name=REGION)
    s3.delete_bucket(Bucket=BUCKET_REPLICA)
    sqs = boto3.client("sqs", region_name=REGION)
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"])
    checks = _by_name(world.handler({"phase": "pre"}))
    assert checks[f"bucket {BUCKET_REPLICA}"]["ok"] is False and checks[f"queue {QUEUE}"]["ok"] is False


def test_post_phase_wants_the_writer_and_the_flag_here(world: Any) -> None:
    verdict = world.handler({"phase": "post"})
    checks = _by_name(verdict)
    assert verdict["ready"] is False
    assert checks["database trading"] == {"name": "database trading", "ok": False, "detail": "still a reader"}
    assert checks["active region"]["detail"] == "the flag names None"
    boto3.client("dynamodb", region_name=REGION).put_item(
        TableName=CONTROL, Item={"pk": {"S": "active-region"}, "region": {"S": REGION}})
    assert _by_name(world.handler({"phase": "post"}))["active region"]["ok"] is True


@pytest.mark.parametrize("event", [{"phase": "during"}, "pre", ["pre"]])
def test_malformed_event_raises(world: Any, event: Any) -> None:
    with pytest.raises(ValueError):
        world.handler(event)
