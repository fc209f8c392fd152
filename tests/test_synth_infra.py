"""Synthesis of the infrastructure and data layers (bootstrap, network, database, storage, tables).

Each layer is synthesised alone (``LayerTemplate`` + its contributors) for the reference blueprint, a
three-region variant (a two-zone region, NAT per zone, a provisioned table, a second engine, a bucket
without time control) and a backup-restore variant (single NAT, no secondary cluster). The serialised
templates go through cfn-lint in every region of their blueprint and through checkov, and the security
properties are read off the JSON, as CloudFormation would receive it.
"""

from __future__ import annotations

import copy
import functools
import importlib
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from drgen import awsdata, naming
from drgen.layers import layers
from drgen.lint import lint_text
from drgen.model import Blueprint
from drgen.synth import CONTRIBUTORS
from drgen.synth.base import LayerTemplate
from drgen.synth.network import subnet_cidrs
from drgen.synth.storage import PEER_BUCKETS
from drgen.validation import check_text
from tests import checkov

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("bootstrap", "network", "database", "storage", "tables")


# ---- the blueprints -----------------------------------------------------------------------------------

def _reference() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "blueprints" / "trading-platform.yaml").read_text())
    return data


def _three_region() -> dict[str, Any]:
    data = _reference()
    data["regions"].append({"name": "us-west-2", "role": "secondary", "cidr": "10.2.0.0/16", "availability_zones": 2})
    data["network"] = {"subnet_bits": 6, "nat": "per-az"}
    data["tables"][0]["billing"] = {"read": 5, "write": 10}
    data["buckets"][0]["replication"] = {"time_control": False, "replicate_deletes": True}
    data["buckets"][0]["rpo"] = "1d"
    data["databases"].append({
        "name": "ledger", "engine": "aurora-mysql", "engine_version": "8.0.mysql_aurora.3.08.0",
        "database_name": "ledger", "master_username": "ledgeradmin", "instance_class": "db.r6g.large",
        "instances_per_region": {"primary": 1, "secondary": 2}, "backup_retention": "3d",
        "max_replication_lag": "1s"})
    return data


def _backup_restore() -> dict[str, Any]:
    data = _reference()
    data["strategy"] = "backup-restore"
    data["objectives"] = {"rpo": "2h", "rto": "4h"}
    data["network"] = {"subnet_bits": 8, "nat": "single"}
    return data


VARIANTS = {"reference": _reference, "three-region": _three_region, "backup-restore": _backup_restore}


@dataclass(frozen=True)
class Synthesised:
    bp: Blueprint
    texts: dict[str, str]
    """Layer -> the template as ``to_json`` serialises it."""
    values: dict[str, dict[str, dict[str, str]]]
    """Layer -> region -> parameter -> the value its StackSet passes."""

    def template(self, layer: str) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.texts[layer])
        return parsed

    def resources(self, layer: str, kind: str) -> dict[str, dict[str, Any]]:
        return {n: r for n, r in self.template(layer)["Resources"].items() if r["Type"] == kind}


@functools.cache
def synthesised(variant: str) -> Synthesised:
    data = copy.deepcopy(VARIANTS[variant]())
    result = check_text(yaml.safe_dump(data, sort_keys=False), base_dir=str(ROOT / "blueprints"))
    assert result.blueprint is not None, [d.message for d in result.diagnostics]
    bp = result.blueprint
    texts, values = {}, {}
    for layer in layers(bp):
        if layer.name in LAYERS:
            t = LayerTemplate(bp, layer)
            for module in CONTRIBUTORS[layer.name]:
                importlib.import_module(f"drgen.synth.{module}").contribute(t)
            texts[layer.name] = t.template.to_json()
            values[layer.name] = t.region_values
    assert set(texts) == set(LAYERS), variant
    return Synthesised(bp, texts, values)


@pytest.fixture(params=sorted(VARIANTS))
def s(request: pytest.FixtureRequest) -> Synthesised:
    return synthesised(request.param)


# ---- reading templates --------------------------------------------------------------------------------

def _statements(template: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(resource, where, statement) for every policy document in the template."""
    for name, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        documents = [(key, props[key]) for key in ("KeyPolicy", "PolicyDocument", "AssumeRolePolicyDocument")
                     if key in props]
        documents += [(f"Policies.{p['PolicyName']}", p["PolicyDocument"]) for p in props.get("Policies", [])]
        for where, document in documents:
            for statement in document["Statement"]:
                if set(statement) == {"Fn::If"}:  # a statement some regions have: check it as if present
                    statement = statement["Fn::If"][2]
                yield name, where, statement


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _evaluate(template: dict[str, Any], node: Any, values: dict[str, str]) -> Any:
    """Evaluate the condition functions drgen uses against one region's parameter values."""
    if isinstance(node, dict) and len(node) == 1:
        ((function, argument),) = node.items()
        if function == "Ref":
            return values[argument]
        if function == "Condition":
            return _evaluate(template, template["Conditions"][argument], values)
        if function == "Fn::Equals":
            return _evaluate(template, argument[0], values) == _evaluate(template, argument[1], values)
        if function == "Fn::Not":
            return not _evaluate(template, argument[0], values)
        if function == "Fn::Or":
            return any(_evaluate(template, a, values) for a in argument)
    return node


def _resolved(template: dict[str, Any], node: Any, values: dict[str, str]) -> Any:
    """``node`` as one region's stack sees it: every ``Fn::If`` decided, ``AWS::NoValue`` dropped."""
    if isinstance(node, dict):
        if set(node) == {"Fn::If"}:
            condition, yes, no = node["Fn::If"]
            chosen = yes if _evaluate(template, template["Conditions"][condition], values) else no
            return _resolved(template, chosen, values)
        out = {k: _resolved(template, v, values) for k, v in node.items()}
        return {k: v for k, v in out.items() if v != {"Ref": "AWS::NoValue"}}
    if isinstance(node, list):
        items = [_resolved(template, item, values) for item in node]
        return [item for item in items if item != {"Ref": "AWS::NoValue"}]
    return node


def _present(template: dict[str, Any], resource: dict[str, Any], values: dict[str, str]) -> bool:
    condition = resource.get("Condition")
    return condition is None or bool(_evaluate(template, template["Conditions"][condition], values))


def _sub(node: Any) -> str:
    assert isinstance(node, dict) and set(node) == {"Fn::Sub"}, node
    text = node["Fn::Sub"]
    assert isinstance(text, str)
    return text


# ---- the validators ----------------------------------------------------------------------------------

@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_cfn_lint_finds_nothing_in_any_region(variant: str, layer: str) -> None:
    synth = synthesised(variant)
    assert lint_text(f"{variant}/{layer}.json", synth.texts[layer], sorted(synth.bp.region_names)) == []


def test_checkov_fails_nothing_and_every_skip_has_a_reason(tmp_path: Path) -> None:
    for variant in VARIANTS:
        for layer, text in synthesised(variant).texts.items():
            (tmp_path / f"{variant}-{layer}.json").write_text(text)
    reports = checkov.scan("-d", str(tmp_path))
    assert [(c["file_path"], c["resource"], c["check_id"]) for c in checkov.failed(reports)] == []
    assert checkov.passed(reports) > 200  # it really read the templates
    for skipped in checkov.skipped(reports):
        assert len(skipped["check_result"].get("suppress_comment", "")) > 20, skipped["check_id"]


# ---- everywhere ----------------------------------------------------------------------------------------

def test_no_allow_for_everyone_and_resource_star_only_in_key_policies(s: Synthesised) -> None:
    for layer in LAYERS:
        for name, where, statement in _statements(s.template(layer)):
            principal = statement.get("Principal")
            if statement["Effect"] == "Allow":
                assert principal not in ("*", {"AWS": "*"}, {"AWS": ["*"]}), (layer, name)
            else:
                assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}, (layer, name)
            if "*" in _as_list(statement.get("Resource", [])):
                assert where == "KeyPolicy", (layer, name, where)  # in a key policy, "*" is the key itself


def test_every_stackset_parameter_has_a_value_in_every_region(s: Synthesised) -> None:
    for layer in ("bootstrap", "network", "database", "storage"):
        parameters = set(s.template(layer).get("Parameters", {})) - {PEER_BUCKETS}  # known at deploy time
        assert set(s.values[layer]) == set(s.bp.region_names)
        for region, values in s.values[layer].items():
            assert set(values) == parameters, (layer, region)
            if "Role" in values:
                assert values["Role"] == s.bp.region(region).role


def test_log_groups_and_secrets_are_encrypted_with_the_regional_key(s: Synthesised) -> None:
    key = {"Fn::ImportValue": naming.export(s.bp.prefix, "bootstrap", "KeyArn")}
    groups = s.resources("network", "AWS::Logs::LogGroup")
    assert groups and all(g["Properties"]["KmsKeyId"] == key and g["Properties"]["RetentionInDays"] >= 365
                          for g in groups.values())
    secrets = s.resources("database", "AWS::SecretsManager::Secret")
    assert len(secrets) == len(s.bp.databases)
    assert all(secret["Properties"]["KmsKeyId"] == key for secret in secrets.values())


def test_exports_follow_the_architecture(s: Synthesised) -> None:
    expected = {
        "bootstrap": {"KeyArn", "ArtifactBucket"},
        "network": {"VpcId", "PrivateSubnetIds", "PrivateRouteTableIds", "FunctionSecurityGroupId", "DatabaseSecurityGroupId"},
        "database": {f"{naming.logical_id(db.name)}{o}" for db in s.bp.databases
                     for o in ("ClusterArn", "ClusterResourceId", "SecretArn", "Endpoint")},
    }
    for layer, names in expected.items():
        outputs = s.template(layer)["Outputs"]
        exported = {n for n, o in outputs.items() if "Export" in o}
        assert exported == names, layer
        for name in names:
            assert outputs[name]["Export"]["Name"] == naming.export(s.bp.prefix, layer, name)


# ---- bootstrap -----------------------------------------------------------------------------------------

def test_the_regional_key_rotates_and_services_use_it_only_under_conditions(s: Synthesised) -> None:
    template = s.template("bootstrap")
    key = template["Resources"]["Key"]["Properties"]
    assert key["EnableKeyRotation"] is True
    statements = key["KeyPolicy"]["Statement"]
    root = [st for st in statements if "AWS" in st["Principal"]]
    assert root == [st for st in statements if st["Action"] == ["kms:*"]]
    assert root[0]["Principal"]["AWS"] == [{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}]
    services = {json.dumps(p, sort_keys=True): st for st in statements if "Service" in st["Principal"]
                for p in st["Principal"]["Service"]}
    assert set(services) == {'{"Fn::Sub": "logs.${AWS::Region}.${AWS::URLSuffix}"}', '"cloudwatch.amazonaws.com"',
                             '"events.amazonaws.com"'}
    assert all(st.get("Condition") and "kms:*" not in st["Action"] for st in services.values())
    (alias,) = s.resources("bootstrap", "AWS::KMS::Alias").values()
    assert alias["Properties"] == {"AliasName": naming.kms_alias(s.bp.prefix), "TargetKeyId": {"Ref": "Key"}}


def _bucket_policies(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["Properties"]["Bucket"]["Ref"]: r["Properties"]["PolicyDocument"]
            for r in template["Resources"].values() if r["Type"] == "AWS::S3::BucketPolicy"}


@pytest.mark.parametrize("layer", ["bootstrap", "storage"])
def test_buckets_are_encrypted_private_versioned_logged_and_tls_only(s: Synthesised, layer: str) -> None:
    template = s.template(layer)
    policies = _bucket_policies(template)
    buckets = s.resources(layer, "AWS::S3::Bucket")
    assert len(buckets) == (2 if layer == "bootstrap" else len(s.bp.buckets))
    log_bucket = naming.access_log_bucket(s.bp.prefix, "${AWS::Region}")
    for name, bucket in buckets.items():
        props = bucket["Properties"]
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        if name == "AccessLogBucket":  # S3 server access logs can be delivered to SSE-S3 buckets only
            assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
            assert "LoggingConfiguration" not in props
            assert _sub(props["BucketName"]) == log_bucket
        else:
            assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
            assert rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] in (
                {"Fn::GetAtt": ["Key", "Arn"]}, {"Fn::ImportValue": naming.export(s.bp.prefix, "bootstrap", "KeyArn")})
            assert rule["BucketKeyEnabled"] is True
            destination = props["LoggingConfiguration"]["DestinationBucketName"]
            assert destination == ({"Ref": "AccessLogBucket"} if layer == "bootstrap" else {"Fn::Sub": log_bucket})
        assert props["PublicAccessBlockConfiguration"] == dict.fromkeys(
            ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True)
        assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}
        assert bucket["DeletionPolicy"] == "Retain"
        deny = [st for st in policies[name]["Statement"] if st["Effect"] == "Deny"]
        assert deny == [{
            "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": ["s3:*"],
            "Resource": [{"Fn::GetAtt": [name, "Arn"]}, {"Fn::Join": ["", [{"Fn::GetAtt": [name, "Arn"]}, "/*"]]}],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}], name


def test_the_artifact_bucket_is_named_and_exported(s: Synthesised) -> None:
    template = s.template("bootstrap")
    bucket = template["Resources"]["ArtifactBucket"]["Properties"]
    assert _sub(bucket["BucketName"]) == naming.artifact_bucket(s.bp.prefix, "${AWS::Region}")
    assert template["Outputs"]["ArtifactBucket"]["Value"] == {"Ref": "ArtifactBucket"}
    assert template["Outputs"]["KeyArn"]["Value"] == {"Fn::GetAtt": ["Key", "Arn"]}
    delivery = [st for st in _bucket_policies(template)["AccessLogBucket"]["Statement"] if st["Effect"] == "Allow"]
    assert delivery[0]["Principal"] == {"Service": ["logging.s3.amazonaws.com"]}
    assert delivery[0]["Condition"]["ArnLike"]["aws:SourceArn"] == {
        "Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{s.bp.prefix}-*"}


# ---- network -------------------------------------------------------------------------------------------

def test_subnet_cidrs_are_carved_public_first_then_private() -> None:
    public, private = subnet_cidrs("10.0.0.0/16", 8, 3)
    assert public == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
    assert private == ["10.0.3.0/24", "10.0.4.0/24", "10.0.5.0/24"]


def test_each_region_gets_disjoint_subnets_inside_its_vpc_one_pair_per_zone(s: Synthesised) -> None:
    for region in s.bp.regions:
        values = s.values["network"][region.name]
        vpc = ipaddress.IPv4Network(values["VpcCidr"])
        assert vpc == ipaddress.IPv4Network(region.cidr)
        assert values["Zones"].split(",") == list(region.zones)
        assert values["ZoneCount"] == str(len(region.zones))
        subnets = [ipaddress.IPv4Network(c) for key in ("PublicSubnetCidrs", "PrivateSubnetCidrs")
                   for c in values[key].split(",")]
        assert len(subnets) == 2 * len(region.zones)
        assert all(n.subnet_of(vpc) and n.prefixlen == vpc.prefixlen + s.bp.network.subnet_bits for n in subnets)
        assert all(not a.overlaps(b) for i, a in enumerate(subnets) for b in subnets[i + 1:])


def test_a_region_gets_exactly_as_many_subnets_and_route_tables_as_it_has_zones(s: Synthesised) -> None:
    template = s.template("network")
    for region in s.bp.regions:
        values = s.values["network"][region.name]
        for kind, prefix in (("AWS::EC2::Subnet", "PublicSubnet"), ("AWS::EC2::Subnet", "PrivateSubnet"),
                             ("AWS::EC2::RouteTable", "PrivateRouteTable")):
            present = [n for n, r in s.resources("network", kind).items()
                       if n.startswith(prefix) and _present(template, r, values)]
            assert len(present) == len(region.zones), (region.name, prefix)


def test_nat_follows_the_blueprint(s: Synthesised) -> None:
    template = s.template("network")
    nat = s.bp.network.nat
    gateways = s.resources("network", "AWS::EC2::NatGateway")
    routes = s.resources("network", "AWS::EC2::Route")
    assert bool(s.resources("network", "AWS::EC2::InternetGateway")) == (nat != "none")
    for region in s.bp.regions:
        values = s.values["network"][region.name]
        live = [n for n, g in gateways.items() if _present(template, g, values)]
        assert len(live) == {"none": 0, "single": 1, "per-az": len(region.zones)}[nat], region.name
        private_defaults = {r["Properties"]["RouteTableId"]["Ref"]: r["Properties"]["NatGatewayId"]["Ref"]
                            for r in routes.values() if "NatGatewayId" in r["Properties"] and _present(template, r, values)}
        if nat == "none":
            assert private_defaults == {} and routes == {}
        else:
            assert len(private_defaults) == len(region.zones)
            assert set(private_defaults.values()) == set(live)
            if nat == "per-az":  # each zone's private subnets leave through their own zone's NAT
                assert all(table[-1] == gateway[-1] for table, gateway in private_defaults.items())
    for subnet in s.resources("network", "AWS::EC2::Subnet").values():
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False


def test_security_groups_admit_nothing_from_outside(s: Synthesised) -> None:
    groups = s.resources("network", "AWS::EC2::SecurityGroup")
    assert {"FunctionSecurityGroup", "DatabaseSecurityGroup"} <= set(groups)
    for name, group in groups.items():
        assert len(group["Properties"]["GroupDescription"]) > 10
        for rule in group["Properties"].get("SecurityGroupIngress", []):
            assert rule["CidrIp"] == {"Ref": "VpcCidr"} and rule["FromPort"] == rule["ToPort"] == 443, name
        for rule in group["Properties"]["SecurityGroupEgress"]:
            assert rule["IpProtocol"] == "tcp" and rule["FromPort"] == rule["ToPort"] == 443, name
    assert "SecurityGroupIngress" not in groups["FunctionSecurityGroup"]["Properties"]
    ingress = s.resources("network", "AWS::EC2::SecurityGroupIngress")
    ports = {awsdata.database_port(db.engine) for db in s.bp.databases}
    assert {r["Properties"]["FromPort"] for r in ingress.values()} == ports
    for rule in ingress.values():
        assert rule["Properties"]["GroupId"] == {"Ref": "DatabaseSecurityGroup"}
        assert rule["Properties"]["SourceSecurityGroupId"] == {"Ref": "FunctionSecurityGroup"}
        assert "CidrIp" not in rule["Properties"]


def test_vpc_endpoints_and_flow_logs(s: Synthesised) -> None:
    endpoints = s.resources("network", "AWS::EC2::VPCEndpoint")
    assert len(endpoints) == len(s.bp.network.endpoints) and s.bp.network.endpoints
    private_tables = {n for n in s.resources("network", "AWS::EC2::RouteTable") if n.startswith("PrivateRouteTable")}
    for service in s.bp.network.endpoints:
        props = endpoints[naming.logical_id(service.replace(".", "-"), "Endpoint")]["Properties"]
        assert props["ServiceName"] == {"Fn::Sub": f"com.amazonaws.${{AWS::Region}}.{service}"}
        if awsdata.VPC_ENDPOINT_TYPES[service] == "Gateway":
            tables = {(t.get("Ref") or t["Fn::If"][1]["Ref"]) for t in props["RouteTableIds"]}
            assert tables == private_tables, service
        else:
            assert props["PrivateDnsEnabled"] is True and props["SecurityGroupIds"] == [{"Ref": "EndpointSecurityGroup"}]
    (flow_log,) = s.resources("network", "AWS::EC2::FlowLog").values()
    assert flow_log["Properties"]["TrafficType"] == "ALL"
    group = s.template("network")["Resources"]["FlowLogGroup"]["Properties"]
    assert group["LogGroupName"] == naming.flow_log_group(s.bp.prefix)
    trust = s.template("network")["Resources"]["FlowLogRole"]["Properties"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": ["vpc-flow-logs.amazonaws.com"]}


# ---- database ------------------------------------------------------------------------------------------

def test_the_master_secret_is_generated_replicated_and_read_by_dynamic_reference(s: Synthesised) -> None:
    template = s.template("database")
    for db in s.bp.databases:
        d = naming.logical_id(db.name)
        secret = template["Resources"][f"{d}Secret"]
        props = secret["Properties"]
        assert secret["Condition"] == "IsPrimary" and "SecretString" not in props
        assert props["Name"] == naming.db_secret(s.bp.prefix, db.name)
        generate = props["GenerateSecretString"]
        assert json.loads(generate["SecretStringTemplate"]) == {"username": db.master_username}
        assert generate["GenerateStringKey"] == "password"
        assert set("\"@/\\ ") <= set(generate["ExcludeCharacters"])
        assert props["ReplicaRegions"] == [
            {"Region": r.name, "KmsKeyId": {"Fn::Sub": f"arn:${{AWS::Partition}}:kms:{r.name}:${{AWS::AccountId}}:"
                                                      f"{naming.kms_alias(s.bp.prefix)}"}} for r in s.bp.secondaries]
        password = template["Resources"][f"{d}Cluster"]["Properties"]["MasterUserPassword"]
        if "Fn::If" in password:
            assert password["Fn::If"][0] == "IsPrimary" and password["Fn::If"][2] == {"Ref": "AWS::NoValue"}
            password = password["Fn::If"][1]
        assert password == {"Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": f"{d}Secret"},
                                              ":SecretString:password}}"]]}
    assert "MasterUserPassword" not in json.dumps(template.get("Parameters", {}))


def test_clusters_are_encrypted_private_tls_only_and_kept_on_deletion(s: Synthesised) -> None:
    template = s.template("database")
    key = {"Fn::ImportValue": naming.export(s.bp.prefix, "bootstrap", "KeyArn")}
    for db in s.bp.databases:
        d = naming.logical_id(db.name)
        cluster = template["Resources"][f"{d}Cluster"]
        props = cluster["Properties"]
        assert props["StorageEncrypted"] is True and props["KmsKeyId"] == key
        assert props["EnableIAMDatabaseAuthentication"] is True and props["CopyTagsToSnapshot"] is True
        assert props["DeletionProtection"] is db.deletion_protection
        assert props["BackupRetentionPeriod"] == db.backup_retention.whole_days
        assert cluster["DeletionPolicy"] == cluster["UpdateReplacePolicy"] == "Snapshot"
        assert _sub(props["DBClusterIdentifier"]) == naming.db_cluster(s.bp.prefix, db.name, "${AWS::Region}")
        assert props["EnableCloudwatchLogsExports"] == (
            ["postgresql"] if db.engine == "aurora-postgresql" else ["audit", "error", "slowquery"])
        parameters = template["Resources"][props["DBClusterParameterGroupName"]["Ref"]]["Properties"]
        assert parameters["Family"] == awsdata.parameter_group_family(db.engine, db.engine_version)
        if db.engine == "aurora-postgresql":
            assert parameters["Parameters"] == {"rds.force_ssl": "1"}
        else:  # TLS, and every log the cluster exports is written (error is always)
            assert parameters["Parameters"] == {
                "require_secure_transport": "ON", "server_audit_logging": "1",
                "server_audit_events": "CONNECT,QUERY_DCL,QUERY_DDL", "slow_query_log": "1", "long_query_time": "1",
                "log_output": "FILE"}
        assert props["VpcSecurityGroupIds"] == [
            {"Fn::ImportValue": naming.export(s.bp.prefix, "network", "DatabaseSecurityGroupId")}]
        if db.capacity is not None:
            assert props["ServerlessV2ScalingConfiguration"] == {"MinCapacity": db.capacity.min,
                                                                 "MaxCapacity": db.capacity.max}
    for instance in s.resources("database", "AWS::RDS::DBInstance").values():
        props = instance["Properties"]
        assert props["PubliclyAccessible"] is False and props["AutoMinorVersionUpgrade"] is True
        assert props["EnablePerformanceInsights"] is True and props["PerformanceInsightsKMSKeyId"] == key
        assert props["MonitoringRoleArn"] == {"Fn::GetAtt": ["MonitoringRole", "Arn"]}


def _instances_in(s: Synthesised, db_id: str, role: str) -> list[dict[str, Any]]:
    template = s.template("database")
    return [r for r in s.resources("database", "AWS::RDS::DBInstance").values()
            if r["Properties"]["DBClusterIdentifier"] == {"Ref": f"{db_id}Cluster"}
            and _present(template, r, {"Role": role})]


@pytest.mark.parametrize("variant", ["reference", "three-region"])
def test_a_global_database_has_a_writer_in_the_primary_and_a_joining_cluster_in_each_secondary(variant: str) -> None:
    s = synthesised(variant)
    template = s.template("database")
    for db in s.bp.databases:
        d = naming.logical_id(db.name)
        global_cluster = template["Resources"][f"{d}GlobalCluster"]
        assert global_cluster["Condition"] == "IsPrimary"
        assert {k: v for k, v in global_cluster["Properties"].items() if k != "Tags"} == {
            "GlobalClusterIdentifier": naming.global_cluster(s.bp.prefix, db.name), "Engine": db.engine,
            "EngineVersion": db.engine_version, "StorageEncrypted": True,
            "DeletionProtection": db.deletion_protection}
        cluster = template["Resources"][f"{d}Cluster"]
        assert "Condition" not in cluster  # a cluster in every region
        assert cluster["Properties"]["GlobalClusterIdentifier"] == {"Fn::If": [
            "IsPrimary", {"Ref": f"{d}GlobalCluster"}, naming.global_cluster(s.bp.prefix, db.name)]}
        for key in ("MasterUsername", "MasterUserPassword", "DatabaseName"):  # a secondary inherits them
            assert cluster["Properties"][key]["Fn::If"][2] == {"Ref": "AWS::NoValue"}
        assert len(_instances_in(s, d, "primary")) == db.primary_instances
        assert len(_instances_in(s, d, "secondary")) == db.secondary_instances
        expected_class = "db.serverless" if db.capacity is not None else db.instance_class
        assert all(i["Properties"]["DBInstanceClass"] == expected_class for i in _instances_in(s, d, "primary"))
    assert not s.resources("database", "AWS::Backup::BackupPlan")


def test_backup_restore_copies_hourly_backups_to_every_secondary_instead_of_a_secondary_cluster() -> None:
    s = synthesised("backup-restore")
    template = s.template("database")
    assert not s.resources("database", "AWS::RDS::GlobalCluster")
    primary_only = ("AWS::RDS::", "AWS::IAM::", "AWS::SecretsManager::", "AWS::Backup::BackupPlan",
                    "AWS::Backup::BackupSelection")
    for name, resource in template["Resources"].items():
        if resource["Type"].startswith(primary_only):
            assert resource.get("Condition") == "IsPrimary", name
    for db in s.bp.databases:
        d = naming.logical_id(db.name)
        assert "GlobalClusterIdentifier" not in template["Resources"][f"{d}Cluster"]["Properties"]
        assert len(_instances_in(s, d, "secondary")) == 0
    (vault,) = s.resources("database", "AWS::Backup::BackupVault").values()
    assert "Condition" not in vault  # every region: the secondaries receive the copies
    assert vault["Properties"]["BackupVaultName"] == naming.backup_vault(s.bp.prefix)
    assert vault["Properties"]["EncryptionKeyArn"] == {
        "Fn::ImportValue": naming.export(s.bp.prefix, "bootstrap", "KeyArn")}
    (plan,) = s.resources("database", "AWS::Backup::BackupPlan").values()
    (rule,) = plan["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert rule["ScheduleExpression"] == "cron(0 * ? * * *)"
    assert rule["TargetBackupVault"] == naming.backup_vault(s.bp.prefix)
    assert [_sub(c["DestinationBackupVaultArn"]) for c in rule["CopyActions"]] == [
        f"arn:${{AWS::Partition}}:backup:{r.name}:${{AWS::AccountId}}:backup-vault:{naming.backup_vault(s.bp.prefix)}"
        for r in s.bp.secondaries]
    (selection,) = s.resources("database", "AWS::Backup::BackupSelection").values()
    assert selection["Properties"]["BackupSelection"]["Resources"] == [{"Fn::GetAtt": ["TradingCluster", "DBClusterArn"]}]


# ---- storage -------------------------------------------------------------------------------------------

def _bucket_arn(s: Synthesised, name: str, region: str) -> dict[str, str]:
    return {"Fn::Sub": "arn:${AWS::Partition}:s3:::" + naming.bucket(s.bp.prefix, name, region)}


def _storage_in(s: Synthesised, region: str, peers: str) -> dict[str, Any]:
    """The storage template as ``region``'s stack sees it, with ``PeerBuckets`` = ``peers``."""
    template = s.template("storage")
    values = {**s.values["storage"][region], "AWS::Region": region, PEER_BUCKETS: peers}
    resources = {name: _resolved(template, r, values) for name, r in template["Resources"].items()
                 if _present(template, r, values)}
    return {**template, "Resources": resources}


def _replicates_to(s: Synthesised, region: str, peers: str) -> list[str]:
    """The regions ``region``'s stack replicates to when ``PeerBuckets`` is ``peers``."""
    if s.bp.region(region).is_primary or peers == "ready":
        return [r for r in s.bp.region_names if r != region]
    return []


@pytest.mark.parametrize("peers", ["pending", "ready"])
def test_every_region_replicates_every_bucket_to_every_other_with_its_key_once_peers_exist(
        s: Synthesised, peers: str) -> None:
    """Both ways: a secondary's writes while it serves reach the original region. Until every region's
    buckets exist (a first deployment: S3 refuses a missing destination) only the primary replicates."""
    for region in s.bp.region_names:
        template = _storage_in(s, region, peers)
        destinations = _replicates_to(s, region, peers)
        for bucket in s.bp.buckets:
            props = template["Resources"][naming.logical_id(bucket.name, "Bucket")]["Properties"]
            assert _sub(props["BucketName"]) == naming.bucket(s.bp.prefix, bucket.name, "${AWS::Region}")
            if not destinations:
                assert "ReplicationConfiguration" not in props and "ReplicationRole" not in template["Resources"]
                continue
            replication = props["ReplicationConfiguration"]
            assert replication["Role"] == {"Fn::GetAtt": ["ReplicationRole", "Arn"]}
            rules = replication["Rules"]
            assert [r["Destination"]["Bucket"] for r in rules] == [_bucket_arn(s, bucket.name, r)
                                                                  for r in destinations]
            assert len({r["Priority"] for r in rules}) == len(rules)
            for rule, destination_region in zip(rules, destinations, strict=True):
                assert rule["Status"] == "Enabled" and rule["Filter"] == {"Prefix": ""}
                assert rule["DeleteMarkerReplication"] == {
                    "Status": "Enabled" if bucket.replicate_deletes else "Disabled"}
                # replica modification sync: a change made to a replica flows back to the source
                assert rule["SourceSelectionCriteria"] == {"ReplicaModifications": {"Status": "Enabled"},
                                                           "SseKmsEncryptedObjects": {"Status": "Enabled"}}
                destination = rule["Destination"]
                assert destination["EncryptionConfiguration"] == {"ReplicaKmsKeyID": {"Fn::Sub": (
                    f"arn:${{AWS::Partition}}:kms:{destination_region}:${{AWS::AccountId}}:"
                    f"{naming.kms_alias(s.bp.prefix)}")}}
                if bucket.time_control:
                    assert destination["ReplicationTime"] == {"Status": "Enabled", "Time": {"Minutes": 15}}
                    assert destination["Metrics"] == {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}
                else:
                    assert "ReplicationTime" not in destination and "Metrics" not in destination


def test_the_replication_role_reads_the_sources_and_writes_only_the_replicas(s: Synthesised) -> None:
    for region in s.bp.region_names:
        role = _storage_in(s, region, "ready")["Resources"]["ReplicationRole"]
        trust = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert [t["Principal"] for t in trust] == [{"Service": ["s3.amazonaws.com"]}]
        statements = {st["Sid"]: st for st in role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]}
        others = [r for r in s.bp.region_names if r != region]
        assert statements["ReadSourceConfiguration"]["Resource"] == [
            _bucket_arn(s, b.name, "${AWS::Region}") for b in s.bp.buckets]
        assert statements["WriteReplicas"]["Resource"] == [
            {"Fn::Sub": _bucket_arn(s, b.name, r)["Fn::Sub"] + "/*"} for b in s.bp.buckets for r in others]
        assert set(statements["WriteReplicas"]["Action"]) == {"s3:ReplicateObject", "s3:ReplicateDelete",
                                                              "s3:ReplicateTags"}
        decrypt = statements["DecryptSourceObjects"]
        assert decrypt["Action"] == ["kms:Decrypt"]
        assert decrypt["Condition"] == {
            "StringEquals": {"kms:ViaService": {"Fn::Sub": "s3.${AWS::Region}.${AWS::URLSuffix}"}}}
        encrypt = [st for sid, st in statements.items() if sid.startswith("EncryptReplicasIn")]
        assert len(encrypt) == len(others)
        for st, other in zip(encrypt, others, strict=True):
            assert st["Resource"] == [{"Fn::Sub": f"arn:${{AWS::Partition}}:kms:{other}:${{AWS::AccountId}}:key/*"}]
            assert st["Condition"] == {
                "ForAnyValue:StringEquals": {"kms:ResourceAliases": naming.kms_alias(s.bp.prefix)},
                "StringEquals": {"kms:ViaService": f"s3.{other}.amazonaws.com"}}


def test_object_lock_and_lifecycle_are_as_the_blueprint_says(s: Synthesised) -> None:
    template = s.template("storage")
    for bucket in s.bp.buckets:
        props = template["Resources"][naming.logical_id(bucket.name, "Bucket")]["Properties"]
        if bucket.object_lock is None:
            assert "ObjectLockEnabled" not in props and "ObjectLockConfiguration" not in props
        else:
            assert props["ObjectLockEnabled"] is True
            assert props["ObjectLockConfiguration"] == {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {
                "Mode": bucket.object_lock.mode, "Days": bucket.object_lock.retention.whole_days}}}
        (rule,) = props["LifecycleConfiguration"]["Rules"]
        assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
        expiry = rule.get("NoncurrentVersionExpiration")
        if bucket.noncurrent_expiration is None:  # older versions may be what a recovery needs
            assert expiry is None and "NoncurrentVersionExpirationInDays" not in rule
        else:
            assert expiry == {"NoncurrentDays": bucket.noncurrent_expiration.whole_days}


# ---- tables --------------------------------------------------------------------------------------------

def test_global_tables_have_an_encrypted_recoverable_replica_in_every_region(s: Synthesised) -> None:
    tables = s.resources("tables", "AWS::DynamoDB::GlobalTable")
    expected = {naming.table(s.bp.prefix, t.name) for t in s.bp.tables} | {naming.control_table(s.bp.prefix)}
    assert {t["Properties"]["TableName"] for t in tables.values()} == expected
    for name, table in tables.items():
        props = table["Properties"]
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
        assert props["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"}
        assert "StreamViewType" in props["StreamSpecification"]
        assert [r["Region"] for r in props["Replicas"]] == list(s.bp.region_names)
        for replica in props["Replicas"]:
            assert replica["SSESpecification"] == {"KMSMasterKeyId": {"Fn::Sub": (
                f"arn:${{AWS::Partition}}:kms:{replica['Region']}:${{AWS::AccountId}}:{naming.kms_alias(s.bp.prefix)}")}}
            assert replica["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
            assert replica["DeletionProtectionEnabled"] is True
            assert {"Key": "drgen:blueprint", "Value": s.bp.name} in replica["Tags"]
    control = tables["ControlTable"]["Properties"]
    assert control["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert control["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert control["BillingMode"] == "PAY_PER_REQUEST"


def test_table_keys_ttl_and_billing_follow_the_blueprint(s: Synthesised) -> None:
    template = s.template("tables")
    for table in s.bp.tables:
        props = template["Resources"][naming.logical_id(table.name, "Table")]["Properties"]
        keys = [table.partition_key, *([table.sort_key] if table.sort_key else [])]
        assert props["KeySchema"] == [{"AttributeName": k.name, "KeyType": kind}
                                      for k, kind in zip(keys, ("HASH", "RANGE"), strict=False)]
        # the table's keys first, then each index key attribute once (table.attributes)
        assert props["AttributeDefinitions"] == [{"AttributeName": k.name, "AttributeType": k.type}
                                                 for k in table.attributes]
        assert table.attributes[:len(keys)] == tuple(keys)
        if table.ttl_attribute:
            assert props["TimeToLiveSpecification"] == {"AttributeName": table.ttl_attribute, "Enabled": True}
        if table.billing.mode == "provisioned":
            assert props["BillingMode"] == "PROVISIONED"
            scaling = props["WriteProvisionedThroughputSettings"]["WriteCapacityAutoScalingSettings"]
            assert scaling["MinCapacity"] == scaling["MaxCapacity"] == table.billing.write
            assert all(r["ReadProvisionedThroughputSettings"] == {"ReadCapacityUnits": table.billing.read}
                       for r in props["Replicas"])
        else:
            assert props["BillingMode"] == "PAY_PER_REQUEST" and "WriteProvisionedThroughputSettings" not in props
    assert any(t.billing.mode == "provisioned" for t in synthesised("three-region").bp.tables)
