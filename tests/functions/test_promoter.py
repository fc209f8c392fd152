"""drgen's promoter: Aurora global cluster operations (Stubber with the real response shapes, since moto lacks
them), promotion status and consumer activation (moto)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from tests.functions.conftest import PRIMARY, REGION, ROOT, load_handler

GLOBAL = "tp-prod-trading"
TARGET = f"arn:aws:rds:{REGION}:123456789012:cluster:tp-prod-trading-{REGION}"
SOURCE = "arn:aws:rds:us-east-1:123456789012:cluster:tp-prod-trading-us-east-1"


@pytest.fixture
def promoter() -> Any:
    module = load_handler(ROOT / "drgen" / "functions" / "promoter", "drgen_promoter")
    module._client.cache_clear()
    return module


def _stubbed(promoter: Any) -> Stubber:
    client = boto3.client("rds", region_name=REGION)
    promoter._client.cache_clear()
    promoter._client = lambda service, region=None: client  # the handler's one client, stubbed
    return Stubber(client)


def _global_cluster(writer: str, status: str = "available", failover: dict[str, Any] | None = None) -> dict[str, Any]:
    cluster: dict[str, Any] = {"GlobalClusterIdentifier": GLOBAL, "Status": status, "Engine": "aurora-postgresql",
                               "GlobalClusterMembers": [{"DBClusterArn": SOURCE, "IsWriter": writer == SOURCE},
                                                        {"DBClusterArn": TARGET, "IsWriter": writer == TARGET}]}
    if failover:
        cluster["FailoverState"] = failover
    return cluster


@pytest.mark.parametrize("action, operation, extra", [
    ("switchover", "switchover_global_cluster", {}),
    ("failover", "failover_global_cluster", {"AllowDataLoss": True}),
])
def test_promotion_calls_the_right_api_with_the_global_name_and_the_target_arn(
        promoter: Any, action: str, operation: str, extra: dict[str, Any]) -> None:
    stubber = _stubbed(promoter)
    stubber.add_response("describe_global_clusters", {"GlobalClusters": [_global_cluster(SOURCE)]},
                         {"GlobalClusterIdentifier": GLOBAL})
    stubber.add_response(operation, {"GlobalCluster": _global_cluster(SOURCE, "failing-over")},
                         {"GlobalClusterIdentifier": GLOBAL, "TargetDbClusterIdentifier": TARGET, **extra})
    with stubber:
        result = promoter.handler({"action": action, "global_cluster": GLOBAL, "target_cluster_arn": TARGET})
    assert result == {"already": False, "started": True, "action": action, "global_cluster": GLOBAL}
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("action", ["switchover", "failover"])
@pytest.mark.parametrize("cluster, already", [
    (_global_cluster(TARGET), True),  # a rerun after the promotion: nothing to call
    (_global_cluster(SOURCE, "available", {"Status": "failing-over", "FromDbClusterArn": SOURCE,
                                           "ToDbClusterArn": TARGET}), False),  # under way: wait for it
    (_global_cluster(SOURCE, "switching-over"), False),
])
def test_promotion_is_idempotent(promoter: Any, action: str, cluster: dict[str, Any], already: bool) -> None:
    stubber = _stubbed(promoter)
    stubber.add_response("describe_global_clusters", {"GlobalClusters": [cluster]}, {"GlobalClusterIdentifier": GLOBAL})
    with stubber:  # a promotion call here would find no stubbed response and fail
        result = promoter.handler({"action": action, "global_cluster": GLOBAL, "target_cluster_arn": TARGET})
    assert result["already"] is already and result["started"] is False
    stubber.assert_no_pending_responses()


def test_a_promotion_towards_another_region_is_refused(promoter: Any) -> None:
    other = "arn:aws:rds:eu-west-1:123456789012:cluster:tp-prod-trading-eu-west-1"
    stubber = _stubbed(promoter)
    stubber.add_response("describe_global_clusters", {"GlobalClusters": [_global_cluster(SOURCE, "available", {
        "Status": "switching-over", "FromDbClusterArn": SOURCE, "ToDbClusterArn": other})]},
                         {"GlobalClusterIdentifier": GLOBAL})
    with stubber, pytest.raises(promoter.PromotionFailed, match=r"already being promoted to .*eu-west-1"):
        promoter.handler({"action": "failover", "global_cluster": GLOBAL, "target_cluster_arn": TARGET})


def test_a_refused_promotion_raises_promotion_failed(promoter: Any) -> None:
    stubber = _stubbed(promoter)
    stubber.add_response("describe_global_clusters", {"GlobalClusters": [_global_cluster(SOURCE)]},
                         {"GlobalClusterIdentifier": GLOBAL})
    stubber.add_client_error("switchover_global_cluster", "InvalidGlobalClusterStateFault", "not in a valid state")
    with stubber, pytest.raises(promoter.PromotionFailed, match="InvalidGlobalClusterStateFault"):
        promoter.handler({"action": "switchover", "global_cluster": GLOBAL, "target_cluster_arn": TARGET})


@pytest.mark.parametrize("writer, status, failover, promoted", [
    (TARGET, "available", None, True),
    (SOURCE, "available", None, False),
    (TARGET, "available", {"Status": "switching-over", "FromDbClusterArn": SOURCE, "ToDbClusterArn": TARGET}, False),
])
def test_status_reports_promotion_only_when_the_target_writes(promoter: Any, writer: str, status: str,
                                                              failover: dict[str, Any] | None, promoted: bool) -> None:
    stubber = _stubbed(promoter)
    stubber.add_response("describe_global_clusters", {"GlobalClusters": [_global_cluster(writer, status, failover)]},
                         {"GlobalClusterIdentifier": GLOBAL})
    with stubber:
        result = promoter.handler({"action": "status", "global_cluster": GLOBAL, "target_cluster_arn": TARGET})
    assert result["promoted"] is promoted and result["writer"] == writer


def test_status_of_a_missing_global_cluster_fails(promoter: Any) -> None:
    stubber = _stubbed(promoter)
    stubber.add_client_error("describe_global_clusters", "GlobalClusterNotFoundFault", "no such cluster")
    with stubber, pytest.raises(promoter.PromotionFailed, match="GlobalClusterNotFoundFault"):
        promoter.handler({"action": "status", "global_cluster": GLOBAL, "target_cluster_arn": TARGET})


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def _consumer(region: str) -> tuple[Any, str]:
    iam = boto3.client("iam")
    role = iam.create_role(RoleName=f"r-{region}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam, sqs = boto3.client("lambda", region_name=region), boto3.client("sqs", region_name=region)
    lam.create_function(FunctionName="tp-prod-worker", Runtime="python3.12", Role=role, Handler="handler.handler",
                        Code={"ZipFile": _zip()})
    queue = sqs.create_queue(QueueName="orders")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return lam, lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="tp-prod-worker",
                                                Enabled=region == "us-east-1")["UUID"]


def test_consumers_follow_traffic_here_and_in_the_region_it_left(promoter: Any) -> None:
    with mock_aws():
        here, new = _consumer(REGION)
        there, old = _consumer("us-east-1")
        assert promoter.handler({"action": "activate", "functions": ["tp-prod-worker"]}) == {"enabled": [new]}
        assert here.get_event_source_mapping(UUID=new)["State"] == "Enabled"
        result = promoter.handler({"action": "deactivate", "region": "us-east-1", "functions": ["tp-prod-worker"],
                                   "pilot_light": True})
        assert result == {"disabled": [old]}
        assert there.get_event_source_mapping(UUID=old)["State"] == "Disabled"
        assert there.get_function_concurrency(FunctionName="tp-prod-worker")["ReservedConcurrentExecutions"] == 0
        # a second run finds the work done and changes nothing
        assert promoter.handler({"action": "activate", "functions": ["tp-prod-worker"]}) == {"enabled": [new]}
        assert here.get_event_source_mapping(UUID=new)["State"] == "Enabled"


def test_scale_adds_the_missing_instances_and_lifts_the_pilot_light(promoter: Any) -> None:
    with mock_aws():
        rds = boto3.client("rds", region_name=REGION)
        cluster = rds.create_db_cluster(DBClusterIdentifier="tp-prod-trading-us-east-2", Engine="aurora-postgresql",
                                        EngineVersion="16.9", MasterUsername="admin",
                                        MasterUserPassword="a-long-password-1")["DBCluster"]["DBClusterArn"]
        rds.create_db_instance(DBInstanceIdentifier="tp-prod-trading-us-east-2-1", Engine="aurora-postgresql",
                               DBClusterIdentifier="tp-prod-trading-us-east-2", DBInstanceClass="db.r6g.large")
        lam, _ = _consumer(REGION)
        lam.put_function_concurrency(FunctionName="tp-prod-worker", ReservedConcurrentExecutions=0)
        event = {"action": "scale", "functions": ["tp-prod-worker"], "databases": [{
            "cluster_arn": cluster, "instances": ["tp-prod-trading-us-east-2-1", "tp-prod-trading-us-east-2-2"]}]}
        assert promoter.handler(event) == {"created": ["tp-prod-trading-us-east-2-2"], "lifted": ["tp-prod-worker"]}
        added = rds.describe_db_instances(DBInstanceIdentifier="tp-prod-trading-us-east-2-2")["DBInstances"][0]
        assert added["DBClusterIdentifier"] == "tp-prod-trading-us-east-2"
        assert added["DBInstanceClass"] == "db.r6g.large"  # the settings of the instance the cluster has
        assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName="tp-prod-worker")
        assert promoter.handler(event)["created"] == []  # idempotent


@pytest.mark.parametrize("event", [{}, {"action": "explode"}, "text", {"action": "switchover"},
                                   {"action": "activate", "functions": "one"}, {"action": "deactivate", "functions": []},
                                   {"action": "scale", "functions": [], "databases": [{"cluster_arn": 1}]}])
def test_malformed_events_raise_value_error(promoter: Any, event: Any) -> None:
    with pytest.raises(ValueError):
        promoter.handler(event)


def _queues(names: list[str], regions: tuple[str, ...] = (PRIMARY, REGION)) -> dict[tuple[str, str], str]:
    urls = {}
    for region in regions:
        sqs = boto3.client("sqs", region_name=region)
        for name in names:
            fifo = {"FifoQueue": "true"} if name.endswith(".fifo") else {}
            urls[(region, name)] = sqs.create_queue(QueueName=name, Attributes=fifo)["QueueUrl"]
    return urls


def _bodies(region: str, url: str) -> list[str]:
    sqs, found = boto3.client("sqs", region_name=region), []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return sorted(found)
        found += [m["Body"] for m in got]
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                        for i, m in enumerate(got)])


REDRIVE = {"action": "redrive", "from": PRIMARY, "to": REGION, "moves": [
    {"source": "orders-dlq", "target": "orders", "fifo": False, "own": False},
    {"source": "orders", "target": "orders", "fifo": False, "own": False},
    {"source": "orders-dlq", "target": "orders", "fifo": False, "own": True},
    {"source": "fills.fifo", "target": "fills.fifo", "fifo": True, "own": False}]}


def test_redrive_moves_the_old_regions_queues_and_this_regions_dead_letters_here(promoter: Any) -> None:
    with mock_aws():
        urls = _queues(["orders", "orders-dlq", "fills.fifo"])
        sent = []
        for (region, name), url in urls.items():
            for i in range(12 if name == "orders" else 3):
                body = f"{region}/{name}/{i}"
                extra = {"MessageGroupId": "g", "MessageDeduplicationId": body} if name.endswith(".fifo") else {}
                boto3.client("sqs", region_name=region).send_message(QueueUrl=url, MessageBody=body, **extra)
                sent.append(body)
        result = promoter.handler(REDRIVE)
        assert result == {"moved": {f"{PRIMARY}/orders-dlq": 3, f"{PRIMARY}/orders": 12, f"{REGION}/orders-dlq": 3,
                                    f"{PRIMARY}/fills.fifo": 3}, "waiting": 0, "more": False}
        orders = _bodies(REGION, urls[(REGION, "orders")])
        # this region's own queue keeps its messages; the old region's queue and both dead-letter queues join it
        assert orders == sorted(b for b in sent if "/orders" in b)
        assert _bodies(REGION, urls[(REGION, "fills.fifo")]) == sorted(b for b in sent if "fills" in b)
        for key in [(PRIMARY, "orders"), (PRIMARY, "orders-dlq"), (REGION, "orders-dlq"), (PRIMARY, "fills.fifo")]:
            assert _bodies(key[0], urls[key]) == []


def test_redrive_reports_messages_still_in_flight_in_the_source(promoter: Any) -> None:
    with mock_aws():
        urls = _queues(["orders", "orders-dlq"])
        sqs = boto3.client("sqs", region_name=PRIMARY)
        for i in range(3):
            sqs.send_message(QueueUrl=urls[(PRIMARY, "orders")], MessageBody=str(i))
        held = sqs.receive_message(QueueUrl=urls[(PRIMARY, "orders")], MaxNumberOfMessages=1, VisibilityTimeout=300)
        assert len(held["Messages"]) == 1  # a consumer of the old region holds one
        event = {**REDRIVE, "moves": REDRIVE["moves"][:3]}
        result = promoter.handler(event)
        assert result["moved"][f"{PRIMARY}/orders"] == 2 and result == {**result, "waiting": 1, "more": True}


def test_redrive_stops_when_the_invocation_runs_out_of_time(promoter: Any) -> None:
    with mock_aws():
        urls = _queues(["orders", "orders-dlq"])
        for i in range(25):
            boto3.client("sqs", region_name=PRIMARY).send_message(QueueUrl=urls[(PRIMARY, "orders")], MessageBody=str(i))
        left = iter([60_000, 60_000, 1_000] + [1_000] * 10)  # two batches, then too little time
        context = type("Context", (), {"get_remaining_time_in_millis": lambda self: next(left)})()
        result = promoter.handler({**REDRIVE, "moves": REDRIVE["moves"][1:2]}, context)
        assert result == {"moved": {f"{PRIMARY}/orders": 20}, "waiting": 0, "more": True}
        assert len(_bodies(PRIMARY, urls[(PRIMARY, "orders")])) == 5  # the rest waits, untouched


def test_a_target_that_refuses_messages_fails_the_redrive(promoter: Any) -> None:
    with mock_aws():
        urls = _queues(["orders", "orders-dlq"])
        boto3.client("sqs", region_name=PRIMARY).send_message(QueueUrl=urls[(PRIMARY, "orders")], MessageBody="x")
        promoter._client.cache_clear()
        target = promoter._client("sqs", REGION)
        target.send_message_batch = lambda **kwargs: {"Successful": [], "Failed": [
            {"Id": e["Id"], "Code": "KMS.AccessDenied", "SenderFault": True} for e in kwargs["Entries"]]}
        with pytest.raises(promoter.RedriveIncomplete, match="1 messages were refused"):
            promoter.handler({**REDRIVE, "moves": REDRIVE["moves"][1:2]})
        assert boto3.client("sqs", region_name=PRIMARY).get_queue_attributes(
            QueueUrl=urls[(PRIMARY, "orders")], AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"  # still in the source


@pytest.mark.parametrize("event", [
    {"action": "redrive", "from": PRIMARY, "to": REGION},
    {"action": "redrive", "from": PRIMARY, "to": REGION, "moves": [{"source": "a"}]},
    {"action": "redrive", "to": REGION, "moves": []},
])
def test_a_malformed_redrive_raises_value_error(promoter: Any, event: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        promoter.handler(event)
def test_take_traffic_writes_the_flag_here_once(promoter: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", REGION)
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        ddb.create_table(TableName="tp-prod-drgen-control", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        ddb.put_item(TableName="tp-prod-drgen-control", Item={"pk": {"S": "active-region"}, "region": {"S": "us-east-1"}})
        event = {"action": "take-traffic", "control_table": "tp-prod-drgen-control", "ExecutionId": "e-42"}
        assert promoter.handler(event) == {"already": False, "region": REGION}
        item = ddb.get_item(TableName="tp-prod-drgen-control", Key={"pk": {"S": "active-region"}})["Item"]
        assert item["region"] == {"S": REGION} and item["by"] == {"S": "e-42"} and item["since"]["S"]
        assert promoter.handler(event) == {"already": True, "region": REGION}
        with pytest.raises(promoter.PromotionFailed, match="cannot move the active-region flag"):
            promoter.handler({**event, "control_table": "no-such-table"})
        with pytest.raises(ValueError):
            promoter.handler({"action": "take-traffic"})
