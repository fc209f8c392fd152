"""A route to a durable queue writes to the outbox global table in one transaction with the active-region flag's
check: the rendered method is driven through tests/apigateway.py (the Velocity templates, the selection patterns)
against moto's DynamoDB answering the very request the template renders, and against canned answers for what
moto cannot produce (throttling, transaction conflicts, 5xx)."""

from __future__ import annotations

import base64
import copy
import functools
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from drgen.lint import lint_text
from drgen.rendering import render_blueprint
from drgen.validation import check_text
from tests import apigateway
from tests.apigateway import Request

ROOT = Path(__file__).resolve().parents[1]
CONTROL, OUTBOX = "trading-platform-prod-drgen-control", "trading-platform-prod-drgen-outbox"
REQUEST_ID = "c0ffee00-0000-4000-8000-000000000001"
HEADERS = {"X-Group-Id": "account-17", "X-Idempotency-Key": "order-0001"}
Backend = Callable[[str], tuple[int, str]]


def _durable(data: dict[str, Any]) -> None:
    data["queues"][0]["region_outage"] = "durable"


def _durable_fifo(data: dict[str, Any]) -> None:
    _durable(data)
    data["queues"][0]["fifo"] = True
    data["functions"][0]["triggers"][0] = {"queue": "trade-orders", "batch_size": 10}


@functools.cache
def _render(variant: str) -> dict[str, dict[str, Any]]:
    data = copy.deepcopy(yaml.safe_load((ROOT / "blueprints" / "trading-platform.yaml").read_text()))
    {"standard": _durable, "fifo": _durable_fifo}[variant](data)
    result = check_text(yaml.safe_dump(data, sort_keys=False), base_dir=str(ROOT / "blueprints"))
    assert result.blueprint is not None, [d.text() for d in result.diagnostics]
    files = render_blueprint(result.blueprint).files
    return {name: json.loads(files[f"templates/{name}.json"]) for name in ("app", "tables")}


def _route(variant: str) -> tuple[dict[str, Any], dict[str, Any]]:
    resources = _render(variant)["app"]["Resources"]
    return resources, resources["PostPathTrades"]


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        for name, key in ((CONTROL, "pk"), (OUTBOX, "id")):
            client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                                AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                                KeySchema=[{"AttributeName": key, "KeyType": "HASH"}])
        _flag(client, "us-east-1")
        yield client


def _flag(client: Any, region: str) -> None:
    client.put_item(TableName=CONTROL, Item={"pk": {"S": "active-region"}, "region": {"S": region}})


def _moto(body: str) -> tuple[int, str]:
    """DynamoDB's answer to the call API Gateway makes (the action from the integration's URI)."""
    answer = requests.post("https://dynamodb.us-east-1.amazonaws.com/", data=body.encode(), timeout=10,
                           headers={"X-Amz-Target": "DynamoDB_20120810.TransactWriteItems",
                                    "Content-Type": "application/x-amz-json-1.0"})
    return answer.status_code, answer.text


def _outbox(client: Any) -> list[dict[str, Any]]:
    return sorted(client.scan(TableName=OUTBOX)["Items"], key=lambda i: i["id"]["S"])


# ---- rendering ----------------------------------------------------------------------------------------

def test_a_durable_route_calls_transact_write_items_with_the_api_role() -> None:
    resources, method = _route("standard")
    integration = method["Properties"]["Integration"]
    assert integration["Uri"] == {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:dynamodb:action/"
                                             "TransactWriteItems"}
    assert {r.get("SelectionPattern"): r["StatusCode"] for r in integration["IntegrationResponses"]} == \
        {r"2\d{2}": "202", r"4\d{2}": "400", None: "503"}
    statements = resources["ApiQueueRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    by_sid = {s["Sid"]: s for s in statements}
    assert set(by_sid) == {"IntakeOutbox", "IntakeActiveRegion", "IntakeKey"}  # no SQS: the route never sends
    assert by_sid["IntakeOutbox"]["Action"] == ["dynamodb:PutItem"]
    assert by_sid["IntakeActiveRegion"]["Action"] == ["dynamodb:ConditionCheckItem"]
    for sid in ("IntakeOutbox", "IntakeActiveRegion"):
        assert by_sid[sid]["Condition"] == {"StringEquals": {"dynamodb:EnclosingOperation": "TransactWriteItems"}}
    assert by_sid["IntakeKey"]["Action"] == ["kms:Decrypt"]


def test_the_outbox_is_a_global_table_in_every_region_under_its_key_with_pitr() -> None:
    table = _render("standard")["tables"]["Resources"]["OutboxTable"]["Properties"]
    assert table["TableName"] == OUTBOX
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert [r["Region"] for r in table["Replicas"]] == ["us-east-1", "us-east-2"]
    for replica in table["Replicas"]:
        assert replica["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert replica["SSESpecification"]["KMSMasterKeyId"]["Fn::Sub"].endswith(":alias/trading-platform-prod")


def test_a_wait_queue_keeps_its_direct_sqs_route_and_no_outbox() -> None:
    data = yaml.safe_load((ROOT / "blueprints" / "trading-platform.yaml").read_text())
    files = render_blueprint(check_text(yaml.safe_dump(data), base_dir=str(ROOT / "blueprints")).blueprint).files  # type: ignore[arg-type]
    app, tables = json.loads(files["templates/app.json"]), json.loads(files["templates/tables.json"])
    assert ":sqs:path/" in app["Resources"]["PostPathTrades"]["Properties"]["Integration"]["Uri"]["Fn::Sub"]
    assert "OutboxTable" not in tables["Resources"] and "OutboxDrainerFunction" not in app["Resources"]


# ---- driving the templates against moto's DynamoDB ----------------------------------------------------------

def test_an_accepted_order_is_in_the_outbox_before_the_202(dynamodb: Any) -> None:
    resources, method = _route("standard")
    body = '{"orderId": "o-1", "note": "it\'s \\"quoted\\" & \u00fc\\n"}'
    response, _ = apigateway.call(resources, method, Request(body), _moto)
    assert (response.status, response.json()) == (202, {"requestId": REQUEST_ID})
    [item] = _outbox(dynamodb)
    assert item["id"] == {"S": f"trade-orders/{REQUEST_ID}"} and item["queue"] == {"S": "trade-orders"}
    assert item["body"]["B"].decode("utf-8") == body
    assert item["acceptedAt"] == {"N": "1764547200000"} and item["requestId"] == {"S": REQUEST_ID}
    assert "groupId" not in item


def test_a_region_the_flag_does_not_name_refuses_with_503_and_stores_nothing(dynamodb: Any) -> None:
    resources, method = _route("fifo")
    for active in ("us-east-2", None):
        if active is None:
            dynamodb.delete_item(TableName=CONTROL, Key={"pk": {"S": "active-region"}})
        else:
            _flag(dynamodb, active)
        response, _ = apigateway.call(resources, method, Request("{}", dict(HEADERS)), _moto)
        assert response.status == 503
        assert response.json() == {"message": "this region is not the active one: retry", "requestId": REQUEST_ID}
        assert _outbox(dynamodb) == []
    _flag(dynamodb, "us-east-1")  # after the flip the client's retry lands where it is taken
    assert apigateway.call(resources, method, Request("{}", dict(HEADERS)), _moto)[0].status == 202


def test_a_retried_fifo_request_is_a_202_duplicate_and_stored_once(dynamodb: Any) -> None:
    resources, method = _route("fifo")
    first, _ = apigateway.call(resources, method, Request('{"n": 1}', dict(HEADERS)), _moto)
    again, _ = apigateway.call(resources, method, Request('{"n": 2}', dict(HEADERS), request_id="another"), _moto)
    assert (first.status, first.json()) == (202, {"requestId": REQUEST_ID})
    assert (again.status, again.json()) == (202, {"requestId": "another", "duplicate": True})
    [item] = _outbox(dynamodb)
    assert item["body"]["B"] == b'{"n": 1}'  # the first one's
    assert (item["groupId"]["B"], item["deduplicationId"]["B"]) == (b"account-17", b"order-0001")
    assert item["id"]["S"] == "trade-orders/" + base64.b64encode(b"order-0001").decode()


def test_an_order_dynamodb_refuses_is_400_with_its_reason(dynamodb: Any) -> None:
    resources, method = _route("standard")
    response, _ = apigateway.call(resources, method, Request("x" * 420_000), _moto)
    assert response.status == 400
    assert response.json()["message"] == "Item size has exceeded the maximum allowed size"
    assert response.json()["code"].endswith("#ValidationException")
    assert _outbox(dynamodb) == []


def test_a_fifo_request_without_its_headers_never_reaches_dynamodb() -> None:
    resources, method = _route("fifo")
    called: list[str] = []
    response, sent = apigateway.call(resources, method, Request("{}", {"X-Group-Id": "g"}),
                                     lambda body: (called.append(body), (200, "{}"))[1])
    assert (response.status, sent, called) == (400, None, [])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(max_size=300), group=st.text(min_size=1, max_size=40).filter(str.strip),
       dedup=st.text(min_size=1, max_size=40).filter(str.strip))
def test_any_body_and_ids_reach_the_outbox_unchanged(dynamodb: Any, body: str, group: str, dedup: str) -> None:
    _, method = _route("fifo")
    request = Request(body, {"X-Group-Id": group, "X-Idempotency-Key": dedup})
    sent = apigateway.integration_request(method, request)
    put = json.loads(sent)["TransactItems"][1]["Put"]["Item"]  # the template's output is JSON, whatever the input
    assert base64.b64decode(put["body"]["B"]).decode("utf-8") == body
    assert base64.b64decode(put["groupId"]["B"]).decode("utf-8") == group
    assert base64.b64decode(put["deduplicationId"]["B"]).decode("utf-8") == dedup
    response = apigateway.integration_response(method, request, *_moto(sent))
    assert response.status == 202
    stored = dynamodb.delete_item(TableName=OUTBOX, Key={"id": put["id"]}, ReturnValues="ALL_OLD")["Attributes"]
    assert stored["body"]["B"].decode("utf-8") == body  # (deleted: the next example may reuse the id)


# ---- what moto cannot produce ----------------------------------------------------------------------------

def _error(type_: str, message: str, reasons: list[str] | None = None) -> str:
    body: dict[str, Any] = {"__type": f"com.amazonaws.dynamodb.v20120810#{type_}", "message": message}
    if reasons is not None:
        body["CancellationReasons"] = [{"Code": r} for r in reasons]
    return json.dumps(body)


@pytest.mark.parametrize("answer", [
    (400, _error("ThrottlingException", "Rate of requests exceeds the allowed throughput.")),
    (400, _error("ProvisionedThroughputExceededException", "exceeded")),
    (400, _error("TransactionCanceledException", "cancelled", ["None", "TransactionConflict"])),
    (400, _error("TransactionCanceledException", "cancelled", ["ThrottlingError", "None"])),
    (400, _error("TransactionInProgressException", "in progress")),
    (400, json.dumps({"__type": "com.amazon.coral.service#AccessDeniedException", "Message": "denied"})),
    (400, _error("ResourceNotFoundException", "Requested resource not found")),
    (500, _error("InternalServerError", "Internal server error")),
    (503, "<html>Service Unavailable</html>"),
])
def test_everything_else_is_503_so_the_client_retries(answer: tuple[int, str]) -> None:
    resources, method = _route("standard")
    response, _ = apigateway.call(resources, method, Request("{}"), lambda _: answer)
    assert response.status == 503 and response.json()["requestId"] == REQUEST_ID


def test_a_serialization_error_is_400() -> None:
    _, method = _route("standard")
    answer = json.dumps({"__type": "com.amazon.coral.service#SerializationException", "Message": "bad"})
    response = apigateway.integration_response(method, Request("{}"), 400, answer)
    assert (response.status, response.json()["message"]) == (400, "bad")


# ---- AWS's own linters ----------------------------------------------------------------------------------

@pytest.mark.parametrize("variant", ["standard", "fifo"])
def test_cfn_lint_and_checkov_accept_the_durable_intake(variant: str, tmp_path: Path) -> None:
    for name, template in _render(variant).items():
        text = json.dumps(template, indent=2)
        assert lint_text(f"{variant}/{name}.json", text, ["us-east-1", "us-east-2"]) == []
        (tmp_path / f"{name}.json").write_text(text)
    checkov = os.environ.get("DRGEN_CHECKOV")
    if not checkov or not Path(checkov).exists():
        pytest.skip("set DRGEN_CHECKOV to checkov's executable to run it too")
    done = subprocess.run([checkov, "-d", str(tmp_path), "--framework", "cloudformation", "--skip-download",
                           "-o", "json"], capture_output=True, text=True, check=False)
    report = json.loads(done.stdout)
    assert report["results"]["failed_checks"] == [] and report["summary"]["passed"] > 50


def test_the_runbook_says_where_a_durable_queues_messages_are_and_its_rpo_term() -> None:
    from drgen import build, objectives, planning, resources, runbook

    data = yaml.safe_load((ROOT / "blueprints" / "trading-platform.yaml").read_text())
    _durable(data)
    bp = build.blueprint(resources.schema(), data)
    text = runbook.render_runbook(bp, planning.build_plan(bp), objectives.assess(bp))
    assert "`trade-orders` has the durable intake" in text and f"--table-name {OUTBOX}" in text
    assert "| queue trade-orders (region_outage durable: the API writes each message to the outbox global table" \
        in text
    wait = build.blueprint(resources.schema(), yaml.safe_load((ROOT / "blueprints" / "trading-platform.yaml").read_text()))
    assert "durable intake" not in runbook.render_runbook(wait, planning.build_plan(wait), objectives.assess(wait))
