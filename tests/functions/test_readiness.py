"""drgen's readiness validator against moto: real checks of the target region, a structured verdict."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from datetime import datetime, timezone
from typing import Any

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


def _config(region: str, cluster_arn: str) -> dict[str, Any]:
    return {"region": region, "initial_region": PRIMARY, "ranks": {PRIMARY: 0, REGION: 2}, "rank_delay_seconds": 30,
            "good_for_seconds": 7500, "namespace": "drgen/tp-prod", "control_table": CONTROL,
            "databases": [{"name": "trading", "global_cluster": GLOBAL, "cluster_arn": cluster_arn, "max_lag_ms": 1000,
                           "engine": "aurora-postgresql"}],
            "tables": [TABLE], "buckets": [{"name": {PRIMARY: BUCKET_SOURCE, REGION: BUCKET_REPLICA}}],
            "queues": [QUEUE]}


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
        config(_config(REGION, secondary_arn))
        module = load_handler(ROOT / "drgen" / "functions" / "readiness", "drgen_readiness")
        module._client.cache_clear()
        module.arns = {PRIMARY: primary_arn, REGION: secondary_arn}  # the tests' handle on the clusters
        module.set_config = config
        yield module


def _lag(value: float) -> None:
    for metric in ("AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag"):
        boto3.client("cloudwatch", region_name=REGION).put_metric_data(Namespace="AWS/RDS", MetricData=[{
            "MetricName": metric, "Value": value, "Timestamp": datetime.now(timezone.utc),
            "Dimensions": [{"Name": "DBClusterIdentifier", "Value": "tp-prod-trading-us-east-2"}]}])


def _by_name(verdict: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in verdict["checks"]}


def _record(region: str = REGION) -> dict[str, Any]:
    item: dict[str, Any] = boto3.client("dynamodb", region_name=region).get_item(
        TableName=CONTROL, Key={"pk": {"S": f"readiness#{region}"}}).get("Item", {})
    return item


def _flag(region: str) -> None:
    for replica in (PRIMARY, REGION):
        boto3.client("dynamodb", region_name=replica).put_item(
            TableName=CONTROL, Item={"pk": {"S": "active-region"}, "region": {"S": region}})


INSPECT = {"phase": "pre", "inspect": True, "lock_seconds": 5770, "execution": "arn:aws:states:x:execution:m:run-1"}


def test_the_scheduled_run_is_ready_records_the_lag_and_publishes(world: Any) -> None:
    _lag(250)
    verdict = world.handler({"phase": "pre"})
    assert verdict["ready"] is True, verdict["checks"]
    checks = _by_name(verdict)
    assert checks["database trading AuroraGlobalDBReplicationLag"]["detail"] == "250 ms (bound 1000 ms)"
    assert checks[f"bucket {BUCKET_REPLICA} replicated from {PRIMARY}"]["ok"] is True
    record = _record()
    assert record["ready"] == {"BOOL": True} and record["lag_ms"] == {"M": {"trading": {"N": "250"}}}
    assert record["lag_at"] == record["at"]
    metrics = boto3.client("cloudwatch", region_name=REGION).list_metrics(Namespace="drgen/tp-prod")["Metrics"]
    assert {m["MetricName"] for m in metrics} == {"Ready", "ChecksFailed"}


def test_lag_over_the_bound_blocks_the_scheduled_verdict_not_the_machine(world: Any) -> None:
    _lag(4000)
    scheduled = world.handler({"phase": "pre"})
    assert scheduled["ready"] is False
    assert _by_name(scheduled)["database trading AuroraGlobalDBReplicationLag"]["ok"] is False
    inspected = world.handler(INSPECT)
    assert inspected["ready"] is True  # a switchover synchronises; a failover asks with the lag in the request
    assert inspected["lossWithinBound"] is False
    assert inspected["lastKnownGood"]["summary"].startswith("trading up to 4000 ms (the last known-good lag")


def test_missing_lag_is_unknown_and_keeps_the_last_known_good(world: Any) -> None:
    verdict = world.handler({"phase": "pre"})
    check = _by_name(verdict)["database trading AuroraGlobalDBReplicationLag"]
    assert check == {"name": "database trading AuroraGlobalDBReplicationLag", "ok": False, "blocking": True,
                     "detail": "no datapoints in the last 5 minutes: lag unknown"}
    assert "lag_ms" not in _record()
    inspected = world.handler(INSPECT)
    assert inspected["lossWithinBound"] is False and inspected["lastKnownGood"]["summary"].startswith("an unknown")
    _lag(120)
    world.handler({"phase": "pre"})
    world.record(json.loads(os.environ["DRGEN_CONFIG"]), {"ready": False, "checks": []}, {})  # an outage: no lag
    assert _record()["lag_ms"] == {"M": {"trading": {"N": "120"}}} and _record()["ready"] == {"BOOL": False}
    inspected = world.handler(INSPECT)
    assert inspected["lossWithinBound"] is True
    assert inspected["lastKnownGood"]["lag_ms"] == {"trading": 120.0}


def test_inspect_reads_who_serves_and_who_writes_at_run_time(world: Any) -> None:
    _lag(100)
    before = int(time.time())
    inspected = world.handler(INSPECT)
    assert inspected["activeRegion"] == PRIMARY and inspected["flagWritten"] is False  # no flag yet: the initial one
    assert inspected["writers"] == {"trading": PRIMARY} and inspected["fromRegion"] == PRIMARY
    assert inspected["needsPromotion"] is True and inspected["alreadyActive"] is False
    assert inspected["rankDelaySeconds"] == 60
    lock = inspected["lock"]
    assert before <= int(lock["now"]) <= int(time.time()) and int(lock["expires"]) == int(lock["now"]) + 5770
    assert lock["owner"] == INSPECT["execution"]
    assert "lossWithinBound" in inspected and "activeRegion" not in world.handler({"phase": "pre"})
    _flag("eu-west-1")  # another secondary took over: the flag, not the blueprint, says who serves
    assert world.handler(INSPECT)["activeRegion"] == "eu-west-1"


def test_the_active_region_that_writes_is_already_active(world: Any) -> None:
    world.set_config(_config(PRIMARY, world.arns[PRIMARY]))
    boto3.client("sqs", region_name=PRIMARY).create_queue(QueueName=QUEUE)
    assert world.handler(INSPECT)["alreadyActive"] is False  # no flag written yet
    _flag(PRIMARY)
    inspected = world.handler(INSPECT)
    assert inspected["ready"] is True, inspected["checks"]
    assert inspected["alreadyActive"] is True and inspected["fromRegion"] == PRIMARY
    assert inspected["rankDelaySeconds"] == 0
    scheduled = world.handler({"phase": "pre"})
    assert scheduled["ready"] is True and _by_name(scheduled)["database trading"]["detail"] == "writer"


def test_the_replication_source_is_the_active_region_and_blocks_only_the_schedule(world: Any) -> None:
    _lag(100)
    boto3.client("s3", region_name=PRIMARY).delete_bucket_replication(Bucket=BUCKET_SOURCE)
    label = f"bucket {BUCKET_REPLICA} replicated from {PRIMARY}"
    scheduled = world.handler({"phase": "pre"})
    assert scheduled["ready"] is False and _by_name(scheduled)[label]["ok"] is False
    inspected = world.handler(INSPECT)
    assert inspected["ready"] is True and _by_name(inspected)[label]["blocking"] is False


def test_missing_replica_bucket_and_queue_fail_their_checks(world: Any) -> None:
    _lag(100)
    s3 = boto3.client("s3", region_name=REGION)
    s3.delete_bucket(Bucket=BUCKET_REPLICA)
    sqs = boto3.client("sqs", region_name=REGION)
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"])
    verdict = world.handler(INSPECT)
    checks = _by_name(verdict)
    assert checks[f"bucket {BUCKET_REPLICA}"]["ok"] is False and checks[f"queue {QUEUE}"]["ok"] is False
    assert verdict["ready"] is False


def test_post_phase_wants_the_writer_and_the_flag_here(world: Any) -> None:
    verdict = world.handler({"phase": "post"})
    checks = _by_name(verdict)
    assert verdict["ready"] is False
    assert checks["database trading"]["ok"] is False and checks["database trading"]["detail"] == "still a reader"
    assert checks["active region"]["detail"] == f"the flag names {PRIMARY}"
    _flag(REGION)
    assert _by_name(world.handler({"phase": "post"}))["active region"]["ok"] is True


GATE = {"phase": "pre", "require_ready": True, "PlanArn": "arn:aws:arc-region-switch::123456789012:plan/tp:abc123",
        "ExecutionId": "e-1", "StepName": "check-readiness", "InvokedBy": "arc-region-switch"}


def test_a_region_switch_step_passes_a_ready_region_judged_like_the_machine(world: Any) -> None:
    _lag(4000)  # over the bound: the schedule says not ready, a switchover or an approved failover need not wait
    verdict = world.handler(GATE)
    assert verdict["ready"] is True, verdict["checks"]
    assert "lag_ms" not in _record()  # a plan's step records and publishes nothing: the schedule does
    assert boto3.client("cloudwatch", region_name=REGION).list_metrics(Namespace="drgen/tp-prod")["Metrics"] == []


def test_a_region_switch_step_raises_when_the_region_is_not_ready(world: Any) -> None:
    _lag(100)
    sqs = boto3.client("sqs", region_name=REGION)
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"])
    with pytest.raises(world.NotReady, match=f"queue {QUEUE}"):
        world.handler(GATE)
    with pytest.raises(world.NotReady, match="still a reader"):  # after the plan: this region must write
        world.handler({**GATE, "phase": "post"})


@pytest.mark.parametrize("event", [{"phase": "during"}, "pre", ["pre"], {"phase": "pre", "inspect": True},
                                   {"phase": "pre", "inspect": True, "lock_seconds": "60", "execution": "x"},
                                   {"phase": "lock"}, {"phase": "lock", "owner": 1, "machine": "x"}])
def test_malformed_event_raises(world: Any, event: Any) -> None:
    with pytest.raises(ValueError):
        world.handler(event)


def test_a_lock_is_stale_only_when_an_ended_run_of_this_same_machine_holds_it(world: Any) -> None:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    role = boto3.client("iam").create_role(RoleName="machine", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    machine, other = (sfn.create_state_machine(name=name, definition=definition, roleArn=role)["stateMachineArn"]
                      for name in ("tp-prod-failover", "tp-prod-failover-other"))
    owner = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    running = world.handler({"phase": "lock", "owner": owner, "machine": machine})
    assert running["stale"] is False and running["status"] == "RUNNING"
    sfn.stop_execution(executionArn=owner)
    ended = world.handler({"phase": "lock", "owner": owner, "machine": machine})
    assert ended["stale"] is True and ended["status"] == "ABORTED"
    # another machine's run (another region's, another name) is never this machine's to take over
    assert world.handler({"phase": "lock", "owner": owner, "machine": other})["stale"] is False
    elsewhere = owner.replace(f":{REGION}:", f":{PRIMARY}:")
    assert world.handler({"phase": "lock", "owner": elsewhere, "machine": machine})["stale"] is False
    # a status that cannot be read is not "ended"
    missing = world.handler({"phase": "lock", "owner": owner[:-3] + "zzz", "machine": machine})
    assert missing["stale"] is False and "cannot read" in missing["detail"]
    assert world.handler({"phase": "lock", "owner": "not-an-arn", "machine": machine})["stale"] is False


def _worker() -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    role = boto3.client("iam").create_role(RoleName="worker", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam, sqs = boto3.client("lambda", region_name=REGION), boto3.client("sqs", region_name=REGION)
    lam.create_function(FunctionName="tp-prod-worker", Runtime="python3.12", Role=role, Handler="handler.handler",
                        Code={"ZipFile": buffer.getvalue()})
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return str(lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="tp-prod-worker", Enabled=False)["UUID"])


def test_consumers_run_only_where_traffic_is(world: Any) -> None:
    _lag(100)
    world.set_config({**_config(REGION, world.arns[REGION]), "consumers": ["tp-prod-worker"]})
    mapping = _worker()
    label = "consumers of tp-prod-worker"
    assert _by_name(world.handler({"phase": "pre"}))[label]["ok"] is True  # a standby's stay off
    _flag(REGION)  # this region serves, but a template update switched its consumers off: the alarm must page
    scheduled = world.handler({"phase": "pre"})
    assert scheduled["ready"] is False and _by_name(scheduled)[label]["detail"].startswith("0 of 1 enabled, wanted on")
    assert world.handler(INSPECT)["ready"] is True  # the machine enables them; it is not stopped by it
    boto3.client("lambda", region_name=REGION).update_event_source_mapping(UUID=mapping, Enabled=True)
    assert _by_name(world.handler({"phase": "pre"}))[label]["ok"] is True
