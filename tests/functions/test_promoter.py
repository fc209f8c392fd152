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

from tests.functions.conftest import REGION, ROOT, load_handler

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
    promoter._client = lambda service: client  # the handler's one client, stubbed
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
    stubber.add_response(operation, {"GlobalCluster": _global_cluster(SOURCE, "failing-over")},
                         {"GlobalClusterIdentifier": GLOBAL, "TargetDbClusterIdentifier": TARGET, **extra})
    with stubber:
        result = promoter.handler({"action": action, "global_cluster": GLOBAL, "target_cluster_arn": TARGET})
    assert result == {"started": True, "action": action, "global_cluster": GLOBAL}
    stubber.assert_no_pending_responses()


def test_a_refused_promotion_raises_promotion_failed(promoter: Any) -> None:
    stubber = _stubbed(promoter)
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


def test_activate_enables_every_consumer_and_lifts_the_pilot_light(promoter: Any) -> None:
    with mock_aws():
        iam = boto3.client("iam")
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lam, sqs = boto3.client("lambda", region_name=REGION), boto3.client("sqs", region_name=REGION)
        lam.create_function(FunctionName="tp-prod-worker", Runtime="python3.12", Role=role, Handler="handler.handler",
                            Code={"ZipFile": _zip()})
        lam.put_function_concurrency(FunctionName="tp-prod-worker", ReservedConcurrentExecutions=0)
        queue = sqs.create_queue(QueueName="orders")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        mapping = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="tp-prod-worker", Enabled=False)
        result = promoter.handler({"action": "activate", "functions": ["tp-prod-worker"], "pilot_light": True})
        assert result == {"enabled": [mapping["UUID"]]}
        assert lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Enabled"
        assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName="tp-prod-worker")


@pytest.mark.parametrize("event", [{}, {"action": "explode"}, "text", {"action": "switchover"},
                                   {"action": "activate", "functions": "one"}])
def test_malformed_events_raise_value_error(promoter: Any, event: Any) -> None:
    with pytest.raises(ValueError):
        promoter.handler(event)
