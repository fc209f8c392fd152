"""What a function's role may do with the region's drgen key: exactly what each access mode needs, read from the
rendered app template (drgen/synth/iam.py cites the AWS documents)."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from drgen.rendering import render_blueprint
from drgen.validation import check_text

ROOT = Path(__file__).resolve().parents[1]
KEY = {"Fn::ImportValue": "trading-platform-prod-bootstrap-KeyArn"}


def _blueprint(access: list[dict[str, str]]) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "blueprints" / "trading-platform.yaml").read_text())
    data = copy.deepcopy(data)
    data["functions"][0]["access"] = access
    return data


@functools.cache
def _app(access_json: str) -> dict[str, Any]:
    data = _blueprint(json.loads(access_json))
    result = check_text(yaml.safe_dump(data, sort_keys=False), base_dir=str(ROOT / "blueprints"))
    assert result.blueprint is not None, [d.message for d in result.diagnostics]
    files = render_blueprint(result.blueprint).files
    parsed: dict[str, Any] = json.loads(files["templates/app.json"])
    return parsed


def _role_statements(template: dict[str, Any], role: str) -> dict[str, dict[str, Any]]:
    policies = template["Resources"][role]["Properties"]["Policies"]
    return {st["Sid"]: st for p in policies for st in p["PolicyDocument"]["Statement"]}


def _key_use(statements: dict[str, dict[str, Any]]) -> dict[str, tuple[list[str], str]]:
    """Sid -> (KMS actions, the service the key may be used through) for every statement on the drgen key."""
    out = {}
    for sid, st in statements.items():
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        if all(a.startswith("kms:") for a in actions):
            assert st["Resource"] == [KEY], sid
            via = st["Condition"]["StringLike"]["kms:ViaService"]["Fn::Sub"]
            out[sid] = (sorted(actions), via.split(".")[0])
    return out


EXPECTED = {
    # (kind, mode) -> (KMS actions, through which service)
    ("bucket", "read"): (["kms:Decrypt"], "s3"),
    ("bucket", "write"): (["kms:Decrypt", "kms:GenerateDataKey"], "s3"),  # multipart uploads decrypt their parts
    ("bucket", "read-write"): (["kms:Decrypt", "kms:GenerateDataKey"], "s3"),
    ("table", "read"): (["kms:Decrypt"], "dynamodb"),
    ("table", "write"): (["kms:Decrypt"], "dynamodb"),
    ("table", "read-write"): (["kms:Decrypt"], "dynamodb"),
    ("queue", "send"): (["kms:Decrypt", "kms:GenerateDataKey"], "sqs"),
    ("queue", "consume"): (["kms:Decrypt"], "sqs"),
}
TARGETS = {"bucket": "audit-logs", "table": "user-sessions", "queue": "trade-orders", "database": "trading"}


@pytest.mark.parametrize(("kind", "mode"), sorted(EXPECTED))
def test_each_access_mode_gets_the_key_actions_its_service_needs(kind: str, mode: str) -> None:
    template = _app(json.dumps([{kind: TARGETS[kind], "mode": mode}]))
    uses = _key_use(_role_statements(template, "TradeProcessorRole"))
    sid = "".join(w.capitalize() for w in f"{kind} {TARGETS[kind]} {mode}".replace("-", " ").split()) + "Key"
    assert uses[sid] == EXPECTED[(kind, mode)]
    # the queue trigger reads as the function: consuming trade-orders is always there, with Decrypt only
    assert uses["QueueTradeOrdersConsumeKey"] == (["kms:Decrypt"], "sqs")


def test_a_write_only_bucket_grant_can_complete_a_multipart_upload() -> None:
    statements = _role_statements(_app(json.dumps([{"bucket": "audit-logs", "mode": "write"}])), "TradeProcessorRole")
    write = statements["BucketAuditLogsWriteWrite"]
    assert write["Action"] == ["s3:PutObject", "s3:AbortMultipartUpload"]
    assert "kms:Decrypt" in statements["BucketAuditLogsWriteKey"]["Action"]
    assert "BucketAuditLogsWriteRead" not in statements  # no s3:GetObject: decrypting parts is not reading objects


def test_the_health_function_may_decrypt_the_control_table_it_reads() -> None:
    uses = _key_use(_role_statements(_app(json.dumps([])), "HealthRole"))
    assert uses == {"ReadActiveRegionKey": (["kms:Decrypt"], "dynamodb")}


def test_connect_names_the_applications_own_user_and_never_the_master_or_its_secret() -> None:
    template = _app(json.dumps([{"database": "trading", "mode": "connect"}]))
    statements = _role_statements(template, "TradeProcessorRole")
    connect = statements["DatabaseTradingConnect"]
    assert connect["Action"] == ["rds-db:connect"]
    (user,) = connect["Resource"]
    text, variables = user["Fn::Sub"]
    assert text.endswith(":dbuser:${Id}/drgen_app") and "tradingadmin" not in text
    assert variables == {"Id": {"Fn::ImportValue": "trading-platform-prod-database-TradingClusterResourceId"}}
    assert "DatabaseTradingConnectKey" not in statements and "DatabaseTradingConnectSecret" not in statements
    variables_of = template["Resources"]["TradeProcessorFunction"]["Properties"]["Environment"]["Variables"]
    assert variables_of["DATABASE_TRADING_USER"] == "drgen_app"
    assert variables_of["DATABASE_TRADING_NAME"] == "tradingdb"
    assert not any("SECRET" in name for name in variables_of)


def test_no_function_role_may_read_a_secret() -> None:
    template = _app(json.dumps([{"database": "trading", "mode": "connect"}]))
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                assert not any(a.startswith("secretsmanager:") for a in actions), (name, statement.get("Sid"))
