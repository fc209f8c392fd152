"""Routes authorised by drgen's JWT authoriser: what the blueprint says is what the app template renders (the
authoriser, its invoke permission scoped to the API, a role that only logs, CUSTOM methods), the rendered
configuration makes the shipped authoriser accept one token in every region, and AWS's linters, checkov and
moto's API Gateway accept the resources."""

from __future__ import annotations

import base64
import copy
import functools
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from moto import mock_aws

from drgen.lint import lint_text
from drgen.rendering import render_blueprint
from drgen.synth.authorizer import IDENTITY_SOURCE
from drgen.validation import Result, check_text
from tests.functions.conftest import load_handler

ROOT = Path(__file__).resolve().parents[1]
ISSUER = "https://login.example.com/"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk() -> dict[str, str]:
    numbers = KEY.public_key().public_numbers()
    return {"kty": "RSA", "kid": "k1", "alg": "RS256", "n": b64(numbers.n.to_bytes(256, "big")),
            "e": b64(numbers.e.to_bytes(3, "big")), "x5t": "not-passed-on"}


def _result(cache: str) -> Result:
    data = copy.deepcopy(yaml.safe_load((ROOT / "blueprints" / "trading-platform.yaml").read_text()))
    data["api"]["auth"] = "jwt"
    data["api"]["jwt"] = {"issuer": ISSUER, "audience": ["trading-api"], "keys": [jwk()], "cache": cache}
    data["api"]["routes"].insert(1, {"method": "GET", "path": "/trades/{id}", "target": {"function": "trade-processor"},
                                     "auth": "iam"})
    result = check_text(yaml.safe_dump(data, sort_keys=False), base_dir=str(ROOT / "blueprints"))
    assert result.blueprint is not None, [d.text() for d in result.diagnostics]
    return result


@functools.cache
def _rendered(cache: str = "5m") -> dict[str, Any]:
    result = _result(cache)
    assert result.blueprint is not None
    rendered = render_blueprint(result.blueprint)
    parsed: dict[str, Any] = json.loads(rendered.files["templates/app.json"])
    assert "functions/authorizer.zip" in rendered.files
    return parsed


def test_routes_are_authorised_as_the_blueprint_says() -> None:
    resources = _rendered()["Resources"]
    assert resources["PostPathTrades"]["Properties"]["AuthorizationType"] == "CUSTOM"
    assert resources["PostPathTrades"]["Properties"]["AuthorizerId"] == {"Ref": "ApiJwtAuthorizer"}
    assert resources["GetPathTradesIdF64FC548"]["Properties"]["AuthorizationType"] == "AWS_IAM"
    assert "AuthorizerId" not in resources["GetPathTradesIdF64FC548"]["Properties"]
    assert resources["GetPathHealth"]["Properties"]["AuthorizationType"] == "NONE"


def test_the_authoriser_caches_per_token_and_route_for_the_blueprints_time() -> None:
    authorizer = _rendered()["Resources"]["ApiJwtAuthorizer"]["Properties"]
    assert authorizer["Type"] == "REQUEST" and authorizer["AuthorizerResultTtlInSeconds"] == 300
    assert authorizer["IdentitySource"] == IDENTITY_SOURCE
    assert authorizer["IdentitySource"].split(",") == [
        "method.request.header.Authorization", "context.httpMethod", "context.resourcePath"]
    assert _rendered("0s")["Resources"]["ApiJwtAuthorizer"]["Properties"]["AuthorizerResultTtlInSeconds"] == 0


def test_only_this_apis_authoriser_may_invoke_it_and_its_role_only_logs() -> None:
    resources = _rendered()["Resources"]
    permission = resources["ApiJwtAuthorizerInvoke"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "AuthorizerFunction"}
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["SourceArn"]["Fn::Sub"][0].endswith(":${Api}/authorizers/${Authorizer}")
    assert permission["SourceArn"]["Fn::Sub"][1] == {"Api": {"Ref": "RestApi"}, "Authorizer": {"Ref": "ApiJwtAuthorizer"}}
    role = resources["AuthorizerRole"]["Properties"]
    actions = sorted(a for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"] for a in s["Action"])
    assert actions == ["logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    assert role["ManagedPolicyArns"] == []
    assert "VpcConfig" not in resources["AuthorizerFunction"]["Properties"]


def _config() -> dict[str, Any]:
    variables = _rendered()["Resources"]["AuthorizerFunction"]["Properties"]["Environment"]["Variables"]
    assert isinstance(variables["DRGEN_CONFIG"], str)  # a literal: no ${AWS::Region}, the same in every region
    config: dict[str, Any] = json.loads(variables["DRGEN_CONFIG"])
    return config


def test_the_configuration_names_no_region_and_passes_only_the_keys_members() -> None:
    config = _config()
    assert config == {"issuer": ISSUER, "audiences": ["trading-api"], "jwks_url": None,
                      "keys": [{k: v for k, v in jwk().items() if k != "x5t"}]}


def test_one_token_is_accepted_in_every_region_after_a_flip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRGEN_CONFIG", json.dumps(_config()))
    handler = load_handler(ROOT / "drgen" / "functions" / "authorizer", "drgen_authorizer_rendered")
    now = int(time.time())
    head = b64(json.dumps({"alg": "RS256", "kid": "k1"}).encode())
    body = b64(json.dumps({"iss": ISSUER, "aud": "trading-api", "sub": "desk-4", "exp": now + 600}).encode())
    token = f"{head}.{body}.{b64(KEY.sign(f'{head}.{body}'.encode(), padding.PKCS1v15(), hashes.SHA256()))}"
    for region in ("us-east-1", "us-west-2"):
        monkeypatch.setenv("AWS_REGION", region)
        arn = f"arn:aws:execute-api:{region}:123456789012:api{region[-1]}/prod/POST/trades"
        answer = handler.handler({"methodArn": arn, "resource": "/trades", "httpMethod": "POST",
                                  "headers": {"Authorization": f"Bearer {token}"}}, None)
        assert answer["policyDocument"]["Statement"][0]["Resource"] == arn
        assert answer["principalId"] == "desk-4"


def test_cfn_lint_and_checkov_accept_the_authoriser(tmp_path: Path) -> None:
    text = json.dumps(_rendered(), indent=2)
    assert lint_text("jwt/app.json", text, ["us-east-1", "us-west-2"]) == []
    checkov = os.environ.get("DRGEN_CHECKOV")
    if not checkov or not Path(checkov).exists():
        pytest.skip("set DRGEN_CHECKOV to checkov's executable to run it too")
    (tmp_path / "app.json").write_text(text)
    done = subprocess.run([checkov, "-f", str(tmp_path / "app.json"), "--framework", "cloudformation",
                           "--skip-download", "-o", "json"], capture_output=True, text=True, check=False)
    report = json.loads(done.stdout)
    assert report["results"]["failed_checks"] == [] and report["summary"]["passed"] > 50


def test_moto_api_gateway_accepts_the_rendered_authoriser_and_method(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's CloudFormation has no model of AWS::ApiGateway::Authorizer; its API Gateway API has."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    props = _rendered()["Resources"]["ApiJwtAuthorizer"]["Properties"]
    with mock_aws():
        client = boto3.client("apigateway", region_name="us-east-1")
        api = client.create_rest_api(name="trading-api")["id"]
        root = client.get_resources(restApiId=api)["items"][0]["id"]
        uri = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:"
               "function:trading-platform-prod-authorizer/invocations")
        created = client.create_authorizer(restApiId=api, name=props["Name"], type=props["Type"], authorizerUri=uri,
                                           identitySource=props["IdentitySource"],
                                           authorizerResultTtlInSeconds=props["AuthorizerResultTtlInSeconds"])
        client.put_method(restApiId=api, resourceId=root, httpMethod="POST", authorizationType="CUSTOM",
                          authorizerId=created["id"])
        method = client.get_method(restApiId=api, resourceId=root, httpMethod="POST")
        assert (method["authorizationType"], method["authorizerId"]) == ("CUSTOM", created["id"])
        stored = client.get_authorizer(restApiId=api, authorizerId=created["id"])
        assert stored["identitySource"] == IDENTITY_SOURCE and stored["type"] == "REQUEST"


def test_validate_estimated_the_authoriser_as_rendered() -> None:
    from tests.test_footprint import compare

    assert list(compare(_result("1h"))) == []
