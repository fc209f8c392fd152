"""Secret-looking literals in a function's environment are warned about (W314); references and settings are not."""

from __future__ import annotations

import base64
import hashlib
import random
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drgen.checks.secrets import secret_reason
from drgen.validation import check_file
from tests.test_sources import blueprint, function_source

RANDOM = random.Random(314)  # the same "random" tokens on every run

WARNED = {
    "DB_PASSWORD": "hunter2",
    "db_password": "correct horse battery staple",
    "ADMIN_PASSWD": "x",
    "JWT_SECRET": "changeme",
    "SLACK_TOKEN": "not-a-real-one",
    "PAYMENT_API_KEY": "abc",
    "APIKEY": "abc",
    "CLIENT_SECRET": "s3cr3t",
    "GITHUB_CREDENTIALS": "user:pass",
    "PRIVATE_KEY": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC",
    "UPSTREAM": "AKIAIOSFODNN7EXAMPLE",
    "SESSION": "ASIAY34FZKBOKMUTVV7A",
    "CERT": "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
    "SSH": "-----BEGIN OPENSSH PRIVATE KEY-----",
    "DATABASE_URL": "postgres://app:Pa55word@db.internal:5432/orders",
    "GH": "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "HOOK": "xoxb-123456789012-abcdefghijkl",
    "STRIPE": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "SIGNED": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "AWS_SECRET": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}


@pytest.mark.parametrize("name", list(WARNED))
def test_secret_looking_literals_are_warned(name: str) -> None:
    assert secret_reason(name, WARNED[name]) is not None


NOT_WARNED = {
    "LOG_LEVEL": "INFO",
    "DB_PASSWORD": "",
    "DB_PASSWORD_PARAMETER": "/shop/prod/db-password",
    "DB_PASSWORD_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
    "API_KEY_PARAMETER_NAME": "/shop/api-key",
    "TOKEN_SECRET_ID": "shop/prod/token",
    "SECRET_NAME": "prod/orders/db",
    "PASSWORD": "{{resolve:secretsmanager:db:SecretString:password}}",
    "TOKEN": "/shop/token",
    "SECRET": "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/shop/secret",
    "TOKEN_TTL": "3600",
    "TOKEN_CACHE_ENABLED": "true",
    "PASSWORD_MIN_LENGTH": "12",
    "TOKEN_ISSUER": "https://auth.example.com/oauth2",
    "API_KEY_HEADER": "x-api-key",
    "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/orders",
    "TABLE_SESSIONS": "shop-prod-user-sessions",
    "BUILD_SHA": hashlib.sha1(b"commit").hexdigest(),
    "CONTENT_SHA256": hashlib.sha256(b"content").hexdigest(),
    "REQUEST_ID": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "DESCRIPTION": "Processes the orders placed through the public API and writes them to the ledger",
    "ENDPOINT": "https://api.example.com:8443/v1",
    "REGION_LIST": "us-east-1,us-west-2,eu-west-1",
    "POWERTOOLS_SERVICE_NAME": "orders-processor-production-primary",
}


@pytest.mark.parametrize("name", list(NOT_WARNED))
def test_references_and_settings_are_not_warned(name: str) -> None:
    assert secret_reason(name, NOT_WARNED[name]) is None


def test_random_tokens_are_warned_whatever_the_variables_name() -> None:
    """A heuristic, measured: base62 and base64 tokens of 24 to 40 characters, as API keys and secret keys are."""
    alphabet = string.ascii_letters + string.digits
    tokens = [*("".join(RANDOM.choice(alphabet) for _ in range(n)) for n in (24, 32, 40) for _ in range(300)),
              *(base64.b64encode(RANDOM.randbytes(n)).decode() for n in (18, 24, 30) for _ in range(300))]
    mixed = [t for t in tokens if any(c.isdigit() for c in t) and any(c.isupper() for c in t)
             and any(c.islower() for c in t)]
    missed = [t for t in mixed if secret_reason("UPSTREAM", t) is None]
    assert len(missed) <= len(mixed) // 50, missed[:5]


NAMES = ["OrdersProcessorProduction2024", "MyServiceProductionQueue2", "TradingPlatformLedgerWriterV3",
         "ApplicationLoadBalancer01Prod", "x86_64-AmazonLinux2023-Kernel61", "HelloWorldFunction1234567890",
         "arn-like-Name-With-Version-V12", "AmazonLinux2023AMIv20240101Build", "Europe/London-Timezone-2024",
         "/MyApp/Prod/DbPassword2024", "/cdk-bootstrap/hnb659fds/version", "com.example.Orders.Handler2"]


@pytest.mark.parametrize("value", NAMES)
def test_long_names_with_numbers_are_not_random_tokens(value: str) -> None:
    assert secret_reason("SETTING", value) is None


@given(st.uuids())
def test_uuids_are_not_secrets(value: object) -> None:
    assert secret_reason("CORRELATION", str(value)) is None


@given(st.binary(min_size=1, max_size=64))
def test_hex_digests_are_not_secrets(data: bytes) -> None:
    digest = hashlib.sha256(data).hexdigest()
    assert secret_reason("CHECKSUM", digest) is None


@given(st.from_regex(r"[a-z][a-z0-9-]{0,62}", fullmatch=True),
       st.sampled_from(["sqs", "dynamodb", "s3", "secretsmanager", "ssm", "lambda"]),
       st.from_regex(r"\d{12}", fullmatch=True))
def test_arns_are_never_secrets_even_under_a_secret_name(name: str, service: str, account: str) -> None:
    arn = f"arn:aws:{service}:us-east-1:{account}:{name}"
    assert secret_reason("DB_PASSWORD", arn) is None and secret_reason("X", arn) is None


@given(st.lists(st.from_regex(r"[a-z0-9_.-]{1,20}", fullmatch=True), min_size=1, max_size=5))
def test_parameter_paths_are_never_secrets(parts: list[str]) -> None:
    assert secret_reason("API_TOKEN", "/" + "/".join(parts)) is None


@given(st.from_regex(r"AKIA[A-Z0-9]{16}", fullmatch=True), st.sampled_from(["", "key=", " ", "x:"]))
def test_every_access_key_id_is_warned(key: str, prefix: str) -> None:
    assert secret_reason("SOMETHING", prefix + key) == "its value looks like an AWS access key id"


def test_the_warning_is_located_at_the_value_and_does_not_invalidate(tmp_path: Path) -> None:
    function_source(tmp_path)
    path = blueprint(tmp_path)
    text = path.read_text().replace("    handler: handler.handler\n", "    handler: handler.handler\n"
                                    "    environment:\n      LOG_LEVEL: INFO\n      DB_PASSWORD: hunter2\n")
    path.write_text(text)
    result = check_file(path)
    assert result.ok
    [warning] = result.diagnostics
    assert (warning.code, warning.path) == ("W314", "functions[0].environment.DB_PASSWORD")
    line = text.splitlines()[warning.line - 1]
    assert line[warning.column - 1:] == "hunter2"
    assert "Secrets Manager or SSM Parameter Store" in warning.message
    assert "DB_PASSWORD_PARAMETER: /shop/db-password" in warning.message
