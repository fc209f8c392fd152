"""A route to a queue answers what SQS did: the rendered method is driven through tests/apigateway.py (request
validation, the Velocity templates, the selection patterns) against SQS's answers - canned ones for the
outcomes moto cannot produce (throttling, KMS, 5xx), and moto's SQS itself for the request the template sends."""

from __future__ import annotations

import copy
import functools
import json
import os
import subprocess
import urllib.parse
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from drgen.lint import lint_text
from drgen.rendering import render_blueprint
from drgen.synth.api import CLIENT_ERRORS
from drgen.validation import check_text
from tests import apigateway
from tests.apigateway import Request

ROOT = Path(__file__).resolve().parents[1]
MESSAGE_ID = "5fea7756-0ea4-451a-a703-a558b933e274"


def _fifo(data: dict[str, Any], **headers: str) -> None:
    data["queues"][0]["fifo"] = True
    data["functions"][0]["triggers"][0] = {"queue": "trade-orders", "batch_size": 10}  # what a FIFO trigger allows
    data["api"]["routes"][0]["target"].update(headers)


VARIANTS = {
    "standard": lambda data: None,
    "fifo-defaults": _fifo,
    "fifo-named": lambda data: _fifo(data, group_id_header="X-Account-Id", deduplication_id_header="X-Request-Key"),
}


@functools.cache
def _app(variant: str) -> dict[str, Any]:
    data = copy.deepcopy(yaml.safe_load((ROOT / "blueprints" / "trading-platform.yaml").read_text()))
    VARIANTS[variant](data)
    result = check_text(yaml.safe_dump(data, sort_keys=False), base_dir=str(ROOT / "blueprints"))
    assert result.blueprint is not None, [d.text() for d in result.diagnostics]
    parsed: dict[str, Any] = json.loads(render_blueprint(result.blueprint).files["templates/app.json"])
    return parsed


def _route(variant: str) -> tuple[dict[str, Any], dict[str, Any]]:
    resources = _app(variant)["Resources"]
    return resources, resources["PostPathTrades"]


def _sqs_ok(message_id: str = MESSAGE_ID) -> tuple[int, str]:
    return 200, json.dumps({"SendMessageResponse": {
        "ResponseMetadata": {"RequestId": "6fde8d1e-52cd-4581-8cd9-c512f4c64223"},
        "SendMessageResult": {"MD5OfMessageAttributes": None, "MD5OfMessageBody": "5d41402abc4b2a76b9719d911017c592",
                              "MD5OfMessageSystemAttributes": None, "MessageId": message_id,
                              "SequenceNumber": "18849496460467696128"}}})


def _sqs_error(status: int, code: str, message: str, wrapped: bool = False) -> tuple[int, str]:
    error = {"Error": {"Code": code, "Message": message, "Type": "Sender" if status < 500 else "Receiver"},
             "RequestId": "42d59b56-7407-4c4a-be0f-4c88daeea257"}
    return status, json.dumps({"ErrorResponse": error} if wrapped else error)


FIFO_HEADERS = {"X-Group-Id": "account-17", "X-Idempotency-Key": "order-0001"}


# ---- rendering ----------------------------------------------------------------------------------------

def test_a_queue_route_has_one_default_and_selects_2xx_and_4xx_by_status() -> None:
    _, method = _route("standard")
    integration = method["Properties"]["Integration"]
    chosen = {r.get("SelectionPattern"): r["StatusCode"] for r in integration["IntegrationResponses"]}
    assert chosen == {r"2\d{2}": "202", r"4\d{2}": "400", None: "503"}
    assert integration["RequestParameters"]["integration.request.header.Accept"] == "'application/json'"
    assert [r["StatusCode"] for r in method["Properties"]["MethodResponses"]] == ["202", "400", "503"]
    assert "RequestValidatorId" not in method["Properties"]  # a standard queue needs no header


@pytest.mark.parametrize(("variant", "group", "dedup"), [("fifo-defaults", "X-Group-Id", "X-Idempotency-Key"),
                                                         ("fifo-named", "X-Account-Id", "X-Request-Key")])
def test_a_fifo_route_requires_the_headers_the_blueprint_names(variant: str, group: str, dedup: str) -> None:
    resources, method = _route(variant)
    props = method["Properties"]
    assert props["RequestParameters"] == {f"method.request.header.{group}": True, f"method.request.header.{dedup}": True}
    validator = resources[props["RequestValidatorId"]["Ref"]]
    assert validator["Type"] == "AWS::ApiGateway::RequestValidator"
    assert validator["Properties"]["ValidateRequestParameters"] is True
    template = props["Integration"]["RequestTemplates"]["application/json"]
    assert f"MessageGroupId=$util.urlEncode($input.params('{group}'))" in template
    assert f"MessageDeduplicationId=$util.urlEncode($input.params('{dedup}'))" in template


# ---- driving the templates against SQS's answers ----------------------------------------------------------

def test_sqs_success_is_202_with_its_message_id() -> None:
    resources, method = _route("fifo-defaults")
    response, sent = apigateway.call(resources, method, Request('{"qty": 5}', dict(FIFO_HEADERS)), lambda _: _sqs_ok())
    assert response.status == 202
    assert response.json() == {"messageId": MESSAGE_ID, "requestId": "c0ffee00-0000-4000-8000-000000000001"}
    assert urllib.parse.parse_qs(sent or "") == {"Action": ["SendMessage"], "MessageBody": ['{"qty": 5}'],
                                                 "MessageGroupId": ["account-17"],
                                                 "MessageDeduplicationId": ["order-0001"]}


@pytest.mark.parametrize("missing", ["X-Group-Id", "X-Idempotency-Key"])
@pytest.mark.parametrize("value", [None, "", "  "])
def test_a_fifo_request_without_a_header_is_refused_before_sqs(missing: str, value: str | None) -> None:
    resources, method = _route("fifo-defaults")
    headers = {k: v for k, v in FIFO_HEADERS.items() if k != missing}
    if value is not None:
        headers[missing.lower()] = value  # header names are case-insensitive; a blank value is missing
    called = []
    response, sent = apigateway.call(resources, method, Request("{}", headers), lambda body: called.append(body))
    assert (response.status, sent, called) == (400, None, [])
    assert response.json() == {"message": f"Missing required request parameters: [{missing}]"}


def test_header_names_match_in_any_case() -> None:
    resources, method = _route("fifo-defaults")
    headers = {k.lower(): v for k, v in FIFO_HEADERS.items()}
    response, sent = apigateway.call(resources, method, Request("{}", headers), lambda _: _sqs_ok())
    assert response.status == 202 and "MessageGroupId=account-17" in (sent or "")


@pytest.mark.parametrize("answer", [
    _sqs_error(400, "MissingParameter", "The request must contain the parameter MessageGroupId."),
    _sqs_error(400, "MissingParameter", "The request must contain the parameter MessageBody."),
    _sqs_error(400, "InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter "
                                             "than 262144 bytes."),
    _sqs_error(400, "InvalidMessageContents", "Invalid binary character '#x0' was found in the message body."),
    _sqs_error(400, "InvalidParameterValue", "Value 'it\"s' for parameter MessageGroupId is invalid.", wrapped=True),
])
def test_a_request_sqs_refuses_is_400_with_its_reason(answer: tuple[int, str]) -> None:
    resources, method = _route("fifo-defaults")
    response, _ = apigateway.call(resources, method, Request("x", dict(FIFO_HEADERS)), lambda _: answer)
    error = json.loads(answer[1])
    error = error.get("ErrorResponse", error)["Error"]
    assert response.status == 400
    assert response.json() == {"message": error["Message"], "code": error["Code"],
                               "requestId": "c0ffee00-0000-4000-8000-000000000001"}


@pytest.mark.parametrize("answer", [
    _sqs_error(400, "RequestThrottled", "Rate exceeded"),
    _sqs_error(400, "KMS.ThrottlingException", "Rate exceeded for KMS"),
    _sqs_error(400, "KmsAccessDenied", "The ciphertext refers to a customer master key that does not exist"),
    _sqs_error(403, "AccessDenied", "Access to the resource https://sqs.us-east-1.amazonaws.com/ is denied."),
    _sqs_error(400, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist."),
    _sqs_error(500, "InternalError", "We encountered an internal error. Please try again."),
    _sqs_error(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
    (503, "<html><body>Service Unavailable</body></html>"),
    (404, ""),
    (302, ""),
])
def test_everything_else_is_503_so_the_client_retries(answer: tuple[int, str]) -> None:
    resources, method = _route("standard")
    response, _ = apigateway.call(resources, method, Request("x"), lambda _: answer)
    assert response.status == 503
    assert response.json() == {"message": "the queue cannot take the request now: retry",
                               "requestId": "c0ffee00-0000-4000-8000-000000000001"}


def test_the_emulation_catches_the_old_single_202_mapping() -> None:
    # what drgen rendered before issue #11: one integration response, no SelectionPattern, so the default for all
    old: dict[str, Any] = copy.deepcopy(_route("standard")[1])
    old["Properties"]["Integration"]["IntegrationResponses"] = [
        {"StatusCode": "202", "ResponseTemplates": {"application/json": '{"accepted": true}'}}]
    old["Properties"]["MethodResponses"] = [{"StatusCode": "202"}]
    failure = apigateway.integration_response(old, Request("x"), *_sqs_error(500, "InternalError", "internal"))
    assert (failure.status, failure.json()) == (202, {"accepted": True})  # a lost order, acknowledged
    _, method = _route("standard")
    assert apigateway.integration_response(method, Request("x"), *_sqs_error(500, "InternalError", "x")).status == 503


CODES = st.sampled_from([*CLIENT_ERRORS, "RequestThrottled", "KmsDisabled", "AccessDenied", "InternalError",
                         "Throttling", "InvalidParameterValueX"])


@settings(max_examples=200, deadline=None)
@given(status=st.integers(100, 599), code=CODES, reason=st.text(max_size=80))
def test_the_answer_follows_the_status_and_the_code(status: int, code: str, reason: str) -> None:
    resources, method = _route("standard")
    answer = _sqs_ok() if 200 <= status < 300 else _sqs_error(status, code, reason)
    response, _ = apigateway.call(resources, method, Request("x"), lambda _: (status, answer[1]))
    if 200 <= status < 300:
        assert (response.status, response.json()["messageId"]) == (202, MESSAGE_ID)
    elif 400 <= status < 500 and code in CLIENT_ERRORS:
        assert (response.status, response.json()["message"], response.json()["code"]) == (400, reason, code)
    else:
        assert response.status == 503


@settings(max_examples=200, deadline=None)
@given(body=st.text(max_size=200), group=st.text(min_size=1, max_size=40).filter(str.strip),
       dedup=st.text(min_size=1, max_size=40).filter(str.strip))
def test_the_request_template_carries_body_and_ids_unchanged(body: str, group: str, dedup: str) -> None:
    resources, method = _route("fifo-named")
    request = Request(body, {"X-Account-Id": group, "X-Request-Key": dedup})
    assert apigateway.validate(resources, method, request) is None
    form = urllib.parse.parse_qs(apigateway.integration_request(method, request), keep_blank_values=True)
    assert form == {"Action": ["SendMessage"], "MessageBody": [body], "MessageGroupId": [group],
                    "MessageDeduplicationId": [dedup]}


# ---- against moto's SQS -------------------------------------------------------------------------------

def _as_json(xml: str) -> str:
    """SQS's XML answer in the JSON form SQS gives a request that accepts application/json (moto answers XML)."""
    root = ElementTree.fromstring(xml)

    def node(element: ElementTree.Element) -> Any:
        children = list(element)
        return {c.tag.split("}")[-1]: node(c) for c in children} if children else element.text

    converted = node(root)
    name = root.tag.split("}")[-1]
    if name == "ErrorResponse":
        return json.dumps({"Error": converted["Error"], "RequestId": converted.get("RequestId")})
    return json.dumps({name: converted})


def test_the_rendered_request_lands_in_a_fifo_queue_with_its_ids() -> None:
    resources, method = _route("fifo-named")
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="trading-platform-prod-trade-orders.fifo",
                               Attributes={"FifoQueue": "true"})["QueueUrl"]

        def backend(form: str) -> tuple[int, str]:
            answer = requests.post(url, data=form.encode(), timeout=10,
                                   headers={"Content-Type": "application/x-www-form-urlencoded",
                                            "Accept": "application/json"})
            return answer.status_code, _as_json(answer.text)

        headers = {"X-Account-Id": "account 17/ü", "X-Request-Key": "order+0001"}
        response, _ = apigateway.call(resources, method, Request('{"side": "buy", "note": "a&b=c"}', headers), backend)
        assert response.status == 202
        message = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["All"])["Messages"][0]
        assert response.json()["messageId"] == message["MessageId"]
        assert message["Body"] == '{"side": "buy", "note": "a&b=c"}'
        assert (message["Attributes"]["MessageGroupId"], message["Attributes"]["MessageDeduplicationId"]) == \
            ("account 17/ü", "order+0001")

        # were the group id lost on the way (a template that sends none), SQS's refusal reaches the client as 400
        broken = copy.deepcopy(method)
        template = broken["Properties"]["Integration"]["RequestTemplates"]["application/json"]
        broken["Properties"]["Integration"]["RequestTemplates"]["application/json"] = template.split("&MessageGroupId")[0]
        response = apigateway.integration_response(
            broken, Request("{}"), *backend(apigateway.integration_request(broken, Request("{}"))))
        assert (response.status, response.json()["code"]) == (400, "MissingParameter")
        assert "MessageGroupId" in response.json()["message"]


# ---- AWS's own linters ----------------------------------------------------------------------------------

def test_cfn_lint_and_checkov_accept_a_fifo_route(tmp_path: Path) -> None:
    # the standard route is in the shipped blueprints, linted by tests/test_render.py; the validator is not
    text = json.dumps(_app("fifo-named"), indent=2)
    assert lint_text("fifo-named/app.json", text, ["us-east-1", "us-east-2"]) == []
    checkov = os.environ.get("DRGEN_CHECKOV")
    if not checkov or not Path(checkov).exists():
        pytest.skip("set DRGEN_CHECKOV to checkov's executable to run it too")
    (tmp_path / "app.json").write_text(text)
    done = subprocess.run([checkov, "-f", str(tmp_path / "app.json"), "--framework", "cloudformation",
                           "--skip-download", "-o", "json"], capture_output=True, text=True, check=False)
    report = json.loads(done.stdout)
    assert report["results"]["failed_checks"] == [] and report["summary"]["passed"] > 50


def test_the_emulated_util_functions_behave_like_their_java_originals() -> None:
    # java.net.URLEncoder.encode(s, "UTF-8") and commons-lang StringEscapeUtils.escapeJavaScript, worked by hand
    assert apigateway.url_encode("a b~*'._-é&=+") == "a+b%7E*%27._-%C3%A9%26%3D%2B"
    assert apigateway.escape_javascript('He didn\'t say "Stop/é"\n') == 'He didn\\\'t say \\"Stop\\/\\u00E9\\"\\n'
