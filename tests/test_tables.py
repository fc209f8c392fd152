"""DynamoDB tables with secondary indexes, capacity per replica, contributor insights and deletion protection:
validated against DynamoDB's rules, rendered into the global table with every replica (checked against
CloudFormation's own resource schema, as cfn-lint ships it), granted to functions index and all, and deployed
into the emulated AWS the drill runs in."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import drgen
from drgen.cfnlint_data import resource_schema
from drgen.rendering import render_blueprint
from drgen.validation import Result, check_text

ROOT = Path(__file__).resolve().parents[1]
SESSIONS = "trading-platform-prod-user-sessions"
BASE = """\
version: 1
name: shop
environment: prod
strategy: warm-standby
objectives: {rpo: 1m, rto: 30m}
regions:
  - {name: us-east-1, role: primary, cidr: 10.0.0.0/16}
  - {name: us-west-2, role: secondary, cidr: 10.1.0.0/16}
  - {name: eu-west-1, role: secondary, cidr: 10.2.0.0/16}
failover: {mode: manual}
"""
ORDERS: dict[str, Any] = {
    "name": "orders",
    "partition_key": {"name": "accountId", "type": "S"},
    "sort_key": {"name": "orderId", "type": "S"},
    "billing": {"read": 10, "write": 4},
    "contributor_insights": True,
    "deletion_protection": False,
    "global_indexes": [
        {"name": "by-status", "partition_key": {"name": "status", "type": "S"},
         "sort_key": {"name": "createdAt", "type": "N"}, "projection": "include", "non_key_attributes": ["total"],
         "capacity": {"read": 3, "write": 2}},
        {"name": "by-order", "partition_key": {"name": "orderId", "type": "S"}, "projection": "keys-only"},
    ],
    "local_indexes": [{"name": "by-created", "sort_key": {"name": "createdAt", "type": "N"}}],
}


def check(*tables: dict[str, Any]) -> Result:
    return check_text(BASE + yaml.safe_dump({"tables": list(tables)}, sort_keys=False), "tables.yaml")


def rendered_table(table: dict[str, Any]) -> dict[str, Any]:
    result = check(table)
    assert result.blueprint is not None, [str(d) for d in result.diagnostics]
    template = json.loads(render_blueprint(result.blueprint).files["templates/tables.json"])
    (resource,) = [r for r in template["Resources"].values()
                   if r["Type"] == "AWS::DynamoDB::GlobalTable" and r["Properties"]["TableName"] == "shop-prod-orders"]
    return dict(resource["Properties"])


def schema_errors(properties: dict[str, Any]) -> list[str]:
    """What CloudFormation's resource schema of AWS::DynamoDB::GlobalTable refuses in ``properties``."""
    from jsonschema import Draft7Validator

    schema = resource_schema("AWS::DynamoDB::GlobalTable")
    assert schema is not None
    def intrinsic(value: Any) -> bool:  # resolved by CloudFormation: not the schema's to judge
        return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("Ref", "Fn::Sub", "Fn::GetAtt")

    return [f"{list(e.absolute_path)}: {e.message}" for e in Draft7Validator(schema).iter_errors(properties)
            if not intrinsic(e.instance)]


def codes(result: Result) -> list[str]:
    return [d.code for d in result.diagnostics]


# ---- rendering ------------------------------------------------------------------------------------

def test_every_replica_carries_the_tables_settings_and_each_global_indexs_read_capacity() -> None:
    props = rendered_table(ORDERS)
    assert schema_errors(props) == []
    assert [r["Region"] for r in props["Replicas"]] == ["us-east-1", "us-west-2", "eu-west-1"]
    for replica in props["Replicas"]:
        assert replica["ContributorInsightsSpecification"] == {"Enabled": True}
        assert replica["DeletionProtectionEnabled"] is False
        assert replica["ReadProvisionedThroughputSettings"] == {"ReadCapacityUnits": 10}
        assert replica["GlobalSecondaryIndexes"] == [
            {"IndexName": "by-status", "ContributorInsightsSpecification": {"Enabled": True},
             "ReadProvisionedThroughputSettings": {"ReadCapacityUnits": 3}},
            {"IndexName": "by-order", "ContributorInsightsSpecification": {"Enabled": True},
             "ReadProvisionedThroughputSettings": {"ReadCapacityUnits": 10}},  # the table's, by default
        ]


def test_indexes_render_with_their_keys_projections_and_write_capacity() -> None:
    props = rendered_table(ORDERS)
    assert props["AttributeDefinitions"] == [
        {"AttributeName": "accountId", "AttributeType": "S"}, {"AttributeName": "orderId", "AttributeType": "S"},
        {"AttributeName": "status", "AttributeType": "S"}, {"AttributeName": "createdAt", "AttributeType": "N"}]
    by_status, by_order = props["GlobalSecondaryIndexes"]
    assert by_status["KeySchema"] == [{"AttributeName": "status", "KeyType": "HASH"},
                                      {"AttributeName": "createdAt", "KeyType": "RANGE"}]
    assert by_status["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total"]}
    assert by_order["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    scaling = [i["WriteProvisionedThroughputSettings"]["WriteCapacityAutoScalingSettings"] for i in (by_status, by_order)]
    assert [(s["MinCapacity"], s["MaxCapacity"]) for s in scaling] == [(2, 2), (4, 4)]
    (local,) = props["LocalSecondaryIndexes"]
    assert local == {"IndexName": "by-created", "Projection": {"ProjectionType": "ALL"},
                     "KeySchema": [{"AttributeName": "accountId", "KeyType": "HASH"},
                                   {"AttributeName": "createdAt", "KeyType": "RANGE"}]}


def test_an_on_demand_table_renders_no_capacity_and_is_protected_by_default() -> None:
    table = {k: v for k, v in ORDERS.items() if k not in ("billing", "contributor_insights", "deletion_protection")}
    table["global_indexes"] = [{k: v for k, v in i.items() if k != "capacity"} for i in ORDERS["global_indexes"]]
    props = rendered_table(table)
    assert schema_errors(props) == []
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert all("WriteProvisionedThroughputSettings" not in i for i in props["GlobalSecondaryIndexes"])
    for replica in props["Replicas"]:
        assert replica["DeletionProtectionEnabled"] is True
        assert not {"GlobalSecondaryIndexes", "ContributorInsightsSpecification",
                    "ReadProvisionedThroughputSettings"} & set(replica)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_generated_tables_render_what_cloudformations_schema_accepts(data: st.DataObject) -> None:
    from tests.generated import _indexes

    table: dict[str, Any] = {"name": "orders", "partition_key": {"name": "pk", "type": "S"}}
    if data.draw(st.booleans()):
        table["sort_key"] = {"name": "sk", "type": "N"}
    if data.draw(st.booleans()):
        table["billing"] = {"read": 5, "write": 5}
    table.update(_indexes(data.draw, table))
    props = rendered_table(table)
    assert schema_errors(props) == []
    defined = [a["AttributeName"] for a in props["AttributeDefinitions"]]
    used = {k["AttributeName"] for i in [props, *props.get("GlobalSecondaryIndexes", []),
                                         *props.get("LocalSecondaryIndexes", [])] for k in i["KeySchema"]}
    assert sorted(defined) == sorted(used)  # every key attribute defined once, and nothing else


# ---- validation -----------------------------------------------------------------------------------

def test_a_table_with_every_feature_validates() -> None:
    result = check(ORDERS)
    assert result.ok, [str(d) for d in result.diagnostics]


@pytest.mark.parametrize(("section", "most"), [("global_indexes", 20), ("local_indexes", 5)])
def test_index_counts_stop_at_dynamodbs_limit(section: str, most: int) -> None:
    def table(count: int) -> dict[str, Any]:
        key = "partition_key" if section == "global_indexes" else "sort_key"
        indexes = [{"name": f"index-{i}", key: {"name": f"a{i}", "type": "S"}, "projection": "keys-only"}
                   for i in range(count)]
        return {**{k: ORDERS[k] for k in ("name", "partition_key", "sort_key")}, section: indexes}

    assert check(table(most)).ok
    (finding,) = check(table(most + 1)).diagnostics
    assert (finding.code, finding.path) == ("E410", f"tables[0].{section}[{most}]")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 20), min_size=1, max_size=8))
def test_projected_attributes_are_counted_across_the_tables_indexes(counts: list[int]) -> None:
    indexes = [{"name": f"index-{j}", "partition_key": {"name": f"k{j}", "type": "S"}, "projection": "include",
                "non_key_attributes": [f"a{n}" for n in range(count)]} for j, count in enumerate(counts)]
    result = check({"name": "orders", "partition_key": {"name": "id", "type": "S"}, "global_indexes": indexes})
    assert ("E410" in codes(result)) == (sum(counts) > 100)


@pytest.mark.parametrize(("index_key", "expected"), [("S", []), ("N", ["E412"])])
def test_a_key_attribute_has_one_type_in_the_table_and_its_indexes(index_key: str, expected: list[str]) -> None:
    table = {"name": "orders", "partition_key": {"name": "id", "type": "S"},
             "global_indexes": [{"name": "by-id", "partition_key": {"name": "id", "type": index_key}}]}
    assert codes(check(table)) == expected


def test_a_local_index_may_repeat_the_tables_partition_key_but_no_other() -> None:
    same = copy.deepcopy(ORDERS)
    same["local_indexes"][0]["partition_key"] = ORDERS["partition_key"]
    assert check(same).ok
    other = copy.deepcopy(ORDERS)
    other["local_indexes"][0]["partition_key"] = {"name": "status", "type": "S"}
    (finding,) = check(other).diagnostics
    assert (finding.code, finding.path) == ("E411", "tables[0].local_indexes[0].partition_key")


# ---- access ---------------------------------------------------------------------------------------

def _function_statements(mode: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((ROOT / "blueprints" / "trading-platform.yaml").read_text())
    data["functions"][0]["access"] = [{"table": "user-sessions", "mode": mode}]
    result = check_text(yaml.safe_dump(data, sort_keys=False), base_dir=str(ROOT / "blueprints"))
    assert result.blueprint is not None
    app = json.loads(render_blueprint(result.blueprint).files["templates/app.json"])
    roles = [r for r in app["Resources"].values() if r["Type"] == "AWS::IAM::Role"
             and "trade-processor" in json.dumps(r["Properties"].get("RoleName", ""))]
    (role,) = roles
    return [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]


def _allows(statements: list[dict[str, Any]], action: str, arn: str) -> bool:
    def pattern(resource: Any) -> str:
        text = resource if isinstance(resource, str) else resource["Fn::Sub"]
        return str(text).replace("${AWS::Partition}", "aws").replace("${AWS::Region}", "us-east-1") \
            .replace("${AWS::AccountId}", "123456789012")

    return any(s["Effect"] == "Allow" and any(fnmatchcase(action, a) for a in s["Action"])
               and any(fnmatchcase(arn, pattern(r)) for r in s["Resource"]) for s in statements)


def test_a_read_grant_lets_the_function_query_the_tables_indexes() -> None:
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/trading-platform-prod-user-sessions"
    read = _function_statements("read")
    assert _allows(read, "dynamodb:Query", f"{table}/index/by-device")
    assert _allows(read, "dynamodb:Query", table)
    assert not _allows(read, "dynamodb:Query", f"{table}-other/index/by-device")
    assert not _allows(_function_statements("write"), "dynamodb:Query", f"{table}/index/by-device")


# ---- the emulated AWS -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def world() -> Iterator[Any]:
    from moto import mock_aws

    from drgen.emulation import Emulation

    rendered = drgen.render(drgen.load(ROOT / "blueprints" / "trading-platform.yaml"))
    with mock_aws(), Emulation(rendered) as em:
        yield em


@pytest.mark.parametrize("region", ["us-east-1", "us-east-2"])
def test_the_emulated_tables_have_their_indexes_in_every_region(world: Any, region: str) -> None:
    from drgen.emulation.faults import bypassed

    with bypassed():
        client = world.client("dynamodb", region)
        name = SESSIONS
        client.put_item(TableName=name, Item={"userId": {"S": "u1"}, "sessionId": {"S": "s1"},
                                              "deviceId": {"S": "d1"}, "lastSeenAt": {"N": "5"}})
        by_device = client.query(TableName=name, IndexName="by-device", KeyConditionExpression="deviceId = :d",
                                 ExpressionAttributeValues={":d": {"S": "d1"}})
        by_last_seen = client.query(TableName=name, IndexName="by-last-seen", ScanIndexForward=False,
                                    KeyConditionExpression="userId = :u AND lastSeenAt > :t",
                                    ExpressionAttributeValues={":u": {"S": "u1"}, ":t": {"N": "1"}})
    assert [i["sessionId"]["S"] for i in by_device["Items"]] == ["s1"]
    assert [i["sessionId"]["S"] for i in by_last_seen["Items"]] == ["s1"]


# ---- readiness ------------------------------------------------------------------------------------

def _described(indexes: list[tuple[str, str]]) -> dict[str, Any]:
    return {"Table": {"TableName": SESSIONS, "TableStatus": "ACTIVE",
                      "Replicas": [{"RegionName": "us-east-2", "ReplicaStatus": "ACTIVE"}],
                      "GlobalSecondaryIndexes": [{"IndexName": n, "IndexStatus": s} for n, s in indexes]}}


@pytest.mark.parametrize(("indexes", "ready"), [
    ([], True), ([("by-device", "ACTIVE")], True), ([("by-device", "ACTIVE"), ("by-owner", "CREATING")], False),
    ([("by-device", "UPDATING")], False)])
def test_a_standby_is_not_ready_while_a_global_index_is_not_active_there(monkeypatch: pytest.MonkeyPatch,
                                                                       indexes: list[tuple[str, str]],
                                                                       ready: bool) -> None:
    import boto3
    from botocore.stub import Stubber

    from drgen.functions.readiness import handler

    client = boto3.client("dynamodb", region_name="us-east-2", aws_access_key_id="x", aws_secret_access_key="x")
    monkeypatch.setattr(handler, "_client", lambda service, region, probe=False: client)
    with Stubber(client) as stub:  # botocore checks the answer against DynamoDB's own model
        stub.add_response("describe_table", _described(indexes), {"TableName": SESSIONS})
        (check,) = handler.table_checks({"region": "us-east-2", "tables": [SESSIONS]})
    assert check["ok"] is ready
    assert all((f"index {n} {s}" in check["detail"]) == (s != "ACTIVE") for n, s in indexes)


def test_readiness_finds_the_emulated_tables_indexes_active(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from drgen.emulation.faults import bypassed
    from drgen.functions.readiness import handler

    with bypassed():
        client = world.client("dynamodb", "us-east-2")
        assert [i["IndexName"] for i in client.describe_table(TableName=SESSIONS)["Table"]["GlobalSecondaryIndexes"]] \
            == ["by-device"]
        monkeypatch.setattr(handler, "_client", lambda service, region, probe=False: client)
        (check,) = handler.table_checks({"region": "us-east-2", "tables": [SESSIONS]})
    assert check["ok"], check
