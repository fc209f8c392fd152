"""The StackSet roles template: exact role names, an execution policy scoped to what the templates create (never
``*`` for an action that names resources), every resource type's CloudFormation actions granted, and the template
deployed to moto's CloudFormation."""

from __future__ import annotations

import ast
import dataclasses
import json
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st
from troposphere import encode_to_dict

import drgen
from drgen import naming
from drgen.errors import RenderError
from drgen.lint import lint_text, regions_for
from drgen.rendering import ROLES_FILE, Rendered, render_blueprint
from drgen.synth import permissions
from drgen.synth.roles import StackSetFacts, execution_statements, iter_statements, pack, roles_template, stackset_facts
from drgen.synth.stacksets import ADMINISTRATION_ROLE, EXECUTION_ROLE, administration_role, execution_role

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINTS = [(path, env) for path in sorted((ROOT / "blueprints").glob("*.yaml"))
              + sorted((ROOT / "tests" / "cases" / "valid").glob("*/*.yaml"))
              for env in (("staging", "prod") if path.parent.name == "environments" else (None,))]
"""Each blueprint with its environment: the one that declares environments, in each of them."""
ACCOUNT = "111122223333"

ANYWHERE = {
    # What may be granted on "*" beyond Describe*/List* metadata reads, and why (the service authorization
    # reference gives these actions no resource type, or authorizes them before the resource exists).
    "acm:AddTagsToCertificate": "the tags given to RequestCertificate, possibly checked before the certificate exists",
    "acm:RequestCertificate": "no resource type: the certificate's ARN is AWS's",
    "backup-storage:MountCapsule": "no resource-level permission",
    "cloudformation:GetTemplateSummary": "reads a template, not a stack's resources",
    "cloudformation:ValidateTemplate": "no resource type",
    "kms:CreateKey": "no resource type: the key's id is AWS's",
    "kms:TagResource": "KMS: tags on a new key need a policy not restricted to particular keys",
    "lambda:CreateEventSourceMapping": "no resource type; limited by lambda:FunctionArn instead",
    "logs:CreateLogDelivery": "no resource-level permission",
    "logs:DeleteLogDelivery": "no resource-level permission",
    "secretsmanager:GetRandomPassword": "no resource type",
    "sns:Unsubscribe": "no resource type: the request names a subscription, not a topic",
}
DATA_READS = ("s3:GetObject", "s3:ListBucket", "secretsmanager:GetSecretValue", "ssm:GetParameter", "kms:Decrypt")


@pytest.fixture(scope="module", params=BLUEPRINTS,
                ids=lambda p: f"{p[0].parent.name}/{p[0].stem}" + (f"@{p[1]}" if p[1] else ""))
def rendered(request: pytest.FixtureRequest) -> Rendered:
    path, env = request.param
    out = render_blueprint(drgen.load(path, env=env))
    if ROLES_FILE not in out.files:  # tests/test_organizations.py covers it
        pytest.skip("service-managed StackSets (deployment.organization): AWS makes the roles, drgen renders none")
    return out


def _roles(rendered: Rendered) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(rendered.files[ROLES_FILE])
    return data


def _statements(rendered: Rendered) -> list[dict[str, Any]]:
    return list(iter_statements(_roles(rendered)))


def _pattern(resource: Any, account: str = ACCOUNT) -> str:
    text = resource if isinstance(resource, str) else resource["Fn::Sub"]
    return str(text).replace("${AWS::Partition}", "aws").replace("${AWS::AccountId}", account)


def allowed(statements: list[dict[str, Any]], action: str, arn: str) -> bool:
    """Whether an Allow statement grants ``action`` on ``arn`` (IAM wildcard matching; conditions not evaluated)."""
    for statement in statements:
        if statement["Effect"] != "Allow":
            continue
        if not any(fnmatchcase(action.lower(), a.lower()) for a in statement["Action"]):
            continue
        if any(fnmatchcase(arn, _pattern(r)) for r in statement["Resource"]):
            return True
    return False


def granted(statements: list[dict[str, Any]], action: str) -> bool:
    return any(fnmatchcase(action.lower(), a.lower()) for s in statements for a in s["Action"])


# ---- the roles -----------------------------------------------------------------------------------

def test_the_roles_have_the_names_stacksets_expect_and_trust_the_right_principals(rendered: Rendered) -> None:
    resources = _roles(rendered)["Resources"]
    roles = {r["Properties"]["RoleName"]: r["Properties"] for r in resources.values() if r["Type"] == "AWS::IAM::Role"}
    bp = rendered.blueprint
    admin, execution = administration_role(bp), execution_role(bp)
    assert set(roles) == {f"drgen.{bp.prefix}.stackset-administration", f"drgen.{bp.prefix}.stackset-execution"}
    stackset = json.loads(rendered.files["stacksets/bootstrap.json"])["Resources"]["BootstrapStackSet"]["Properties"]
    assert stackset["ExecutionRoleName"] == execution
    assert stackset["AdministrationRoleARN"] == {
        "Fn::Sub": f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{admin}"}
    (trust,) = roles[admin]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": ["cloudformation.amazonaws.com"]}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    (assume,) = roles[admin]["Policies"][0]["PolicyDocument"]["Statement"]
    assert assume["Action"] == ["sts:AssumeRole"]
    assert [_pattern(r) for r in assume["Resource"]] == [f"arn:aws:iam::{ACCOUNT}:role/{execution}"]
    (trust,) = roles[execution]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": [{"Fn::GetAtt": ["AdministrationRole", "Arn"]}]}
    policies = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    assert policies and all(p["Roles"] == [{"Ref": "ExecutionRole"}] for p in policies)
    assert "AdministratorAccess" not in rendered.files[ROLES_FILE].decode()


def test_aws_default_roles_keep_the_names_aws_expects() -> None:
    bp = dataclasses.replace(drgen.load(ROOT / "blueprints" / "trading-platform.yaml"), stackset_roles="aws-default")
    template = json.loads(roles_template(bp).to_json())
    names = {r["Properties"]["RoleName"] for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"}
    assert names == {ADMINISTRATION_ROLE, EXECUTION_ROLE}


def test_two_blueprints_have_their_own_roles_each_scoped_to_itself() -> None:
    one = drgen.load(ROOT / "blueprints" / "trading-platform.yaml")
    two = dataclasses.replace(one, name="payments")
    assert administration_role(one) != administration_role(two) and execution_role(one) != execution_role(two)
    for bp in (one, two):
        statements = [encode_to_dict(s) for s in execution_statements(bp, stackset_facts(
            render_blueprint(bp).layer_templates))]
        (assume,) = json.loads(roles_template(bp).to_json())["Resources"]["AdministrationRole"]["Properties"][
            "Policies"][0]["PolicyDocument"]["Statement"]
        assert [_pattern(r) for r in assume["Resource"]] == [f"arn:aws:iam::{ACCOUNT}:role/{execution_role(bp)}"]
        for other in (one, two):  # no blueprint's stacks may change a StackSet role, its own or another's
            for role in (administration_role(other), execution_role(other)):
                arn = f"arn:aws:iam::{ACCOUNT}:role/{role}"
                assert not any(allowed(statements, action, arn) for action in (
                    "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole"))


def _names(most: int) -> st.SearchStrategy[str]:
    """Names as the schema allows them (a letter, then letters, digits, hyphens; no hyphen last), few letters."""
    return st.builds(lambda a, b, c: a + b + c, st.sampled_from("ad"), st.text("ad1-", max_size=most),
                     st.sampled_from("ad1"))


@given(_names(38), _names(14), _names(38), _names(14))
def test_no_prefix_scope_takes_in_a_stackset_role(name: str, environment: str, other: str, other_env: str) -> None:
    """The execution policy's IAM scope is ``role/<prefix>-*``: it must match no blueprint's StackSet role."""
    prefix = f"{name}-{environment}"
    for role in (naming.stackset_administration_role(prefix), naming.stackset_execution_role(prefix)):
        for scope in (f"role/{prefix}-*", f"role/{other}-{other_env}-*"):  # its own blueprint's, another's
            assert not fnmatchcase(f"role/{role}", scope)


def test_the_manifest_names_the_roles_file(rendered: Rendered) -> None:
    manifest = json.loads(rendered.files["manifest.json"])
    assert manifest["roles"] == ROLES_FILE
    assert ROLES_FILE in {a["path"] for a in manifest["artifacts"]}


def test_with_accounts_the_administration_role_is_only_in_the_first_one() -> None:
    bp = dataclasses.replace(drgen.load(ROOT / "blueprints" / "trading-platform.yaml"),
                             accounts=("111111111111", "222222222222"))
    template = json.loads(roles_template(bp).to_json())
    administration = template["Resources"]["AdministrationRole"]
    assert administration["Condition"] == "IsAdministrationAccount"
    assert template["Conditions"]["IsAdministrationAccount"] == {"Fn::Equals": [{"Ref": "AWS::AccountId"},
                                                                                "111111111111"]}
    (assume,) = administration["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert [_pattern(r) for r in assume["Resource"]] == [f"arn:aws:iam::{a}:role/{execution_role(bp)}"
                                                         for a in ("111111111111", "222222222222")]
    (trust,) = template["Resources"]["ExecutionRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"]["AWS"] == [{"Fn::If": [
        "IsAdministrationAccount", {"Fn::GetAtt": ["AdministrationRole", "Arn"]},
        {"Fn::Sub": f"arn:${{AWS::Partition}}:iam::111111111111:role/{administration_role(bp)}"}]}]
    assert lint_text("roles", json.dumps(template), regions_for(bp)) == []


# ---- the execution policy: scoped ------------------------------------------------------------------

def test_no_statement_grants_every_action_or_writes_on_any_resource(rendered: Rendered) -> None:
    prefix = rendered.blueprint.prefix
    for statement in _statements(rendered):
        assert statement["Effect"] == "Allow" and "NotAction" not in statement and "NotResource" not in statement
        actions = statement["Action"]
        assert "*" not in actions, statement
        for name in actions:
            if name.endswith(":*"):  # a whole service: only CloudFormation, on the StackSet's own instance stacks
                assert name == "cloudformation:*", statement
                assert [_pattern(r) for r in statement["Resource"]] == [
                    f"arn:aws:cloudformation:*:{ACCOUNT}:stack/StackSet-{prefix}-*/*"]
        if "*" not in statement["Resource"]:
            continue
        assert statement["Resource"] == ["*"], statement
        for name in actions:
            verb = name.split(":")[1]
            assert verb.startswith(("Describe", "List")) or name in ANYWHERE, f"{name} on *"
            assert not name.startswith(DATA_READS), f"{name} reads data: it must name its resources"
        if "lambda:CreateEventSourceMapping" in actions:
            functions = statement["Condition"]["ArnLike"]["lambda:FunctionArn"]
            assert [_pattern(f) for f in functions] == [f"arn:aws:lambda:*:{ACCOUNT}:function:{prefix}-*"]


ACCOUNT_WIDE = {
    # ARN patterns without the blueprint's prefix, because AWS or CloudFormation picks these names
    f"arn:aws:acm:*:{ACCOUNT}:certificate/*": "a certificate's id is AWS's",
    "arn:aws:apigateway:*::/*": "API ids are AWS's (and API Gateway ARNs hold no account: this account's)",
    f"arn:aws:backup:*:{ACCOUNT}:backup-plan:*": "a backup plan's ARN holds AWS's id",
    f"arn:aws:ec2:*:{ACCOUNT}:*": "VPC pieces get AWS's ids",
    f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/*": "service-linked roles, limited by iam:AWSServiceName",
    f"arn:aws:kms:*:{ACCOUNT}:key/*": "a key's id is AWS's",
    f"arn:aws:lambda:*:{ACCOUNT}:event-source-mapping:*": "a mapping's id is AWS's",
    f"arn:aws:rds:*:{ACCOUNT}:cluster-pg:*": "CloudFormation names the parameter group",
    f"arn:aws:rds:*:{ACCOUNT}:cluster-snapshot:*": "CloudFormation names the final snapshot",
    f"arn:aws:rds:*:{ACCOUNT}:og:*": "RDS's default option group",
    f"arn:aws:rds:*:{ACCOUNT}:pg:*": "RDS's default parameter group",
    f"arn:aws:rds:*:{ACCOUNT}:snapshot:*": "CloudFormation names the final snapshot",
    f"arn:aws:rds:*:{ACCOUNT}:subgrp:*": "CloudFormation names the subnet group",
    "arn:aws:route53:::hostedzone/*": "the zone drgen's zone stack created (its id is AWS's)",
}


def test_every_resource_is_named_with_the_prefix_or_is_one_aws_names(rendered: Rendered) -> None:
    bp = rendered.blueprint
    for statement in _statements(rendered):
        for resource in statement["Resource"]:
            if resource == "*":
                continue
            arn = _pattern(resource)
            assert (bp.prefix in arn or f":parameter/{bp.name}/{bp.environment}/" in arn or arn in ACCOUNT_WIDE
                    or arn == f"arn:aws:route53:::hostedzone/{bp.dns.zone_id if bp.dns else ''}"), arn


def test_pass_role_attach_and_service_linked_roles_have_conditions(rendered: Rendered) -> None:
    prefix = rendered.blueprint.prefix
    for statement in _statements(rendered):
        actions = set(statement["Action"])
        if "iam:PassRole" in actions:
            assert actions == {"iam:PassRole"}
            assert [_pattern(r) for r in statement["Resource"]] == [f"arn:aws:iam::{ACCOUNT}:role/{prefix}-*"]
            services = statement["Condition"]["StringEquals"]["iam:PassedToService"]
            assert services and all(s.endswith(".amazonaws.com") for s in services)
        if "iam:CreateServiceLinkedRole" in actions:
            assert set(statement["Condition"]["StringEquals"]["iam:AWSServiceName"]) <= set(
                permissions.SERVICE_LINKED.values())
        if actions & {"iam:AttachRolePolicy", "iam:DetachRolePolicy"}:
            policies = [_pattern(p) for p in statement["Condition"]["ArnEquals"]["iam:PolicyARN"]]
            assert policies and all(p.startswith("arn:aws:iam::aws:policy/") for p in policies)


def test_the_roles_the_templates_pass_go_only_to_the_services_they_trust(rendered: Rendered) -> None:
    trusted = set()
    for layer in rendered.plan.layers:
        if layer.kind != "stackset":
            continue
        for resource in json.loads(rendered.files[f"templates/{layer.name}.json"])["Resources"].values():
            if resource["Type"] == "AWS::IAM::Role":
                for statement in resource["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
                    trusted.update(statement["Principal"]["Service"])
    (pass_role,) = [s for s in _statements(rendered) if s["Action"] == ["iam:PassRole"]]
    assert set(pass_role["Condition"]["StringEquals"]["iam:PassedToService"]) == trusted


def test_each_managed_policy_stays_within_iams_size(rendered: Rendered) -> None:
    for resource in _roles(rendered)["Resources"].values():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            document = json.dumps(resource["Properties"]["PolicyDocument"], separators=(",", ":"))
            assert len(_pattern(document.replace("${AWS::Region}", "ap-southeast-2"))) <= 6_144


# ---- the execution policy: sufficient --------------------------------------------------------------

ATTACH = ("iam:AttachRolePolicy", "iam:DetachRolePolicy")


def test_every_resource_type_drgen_renders_has_its_actions(rendered: Rendered) -> None:
    statements = _statements(rendered)
    attaches = any(resource["Properties"].get("ManagedPolicyArns") for layer in rendered.plan.layers
                   if layer.kind == "stackset"
                   for resource in json.loads(rendered.files[f"templates/{layer.name}.json"])["Resources"].values()
                   if resource["Type"] == "AWS::IAM::Role")
    assert all(granted(statements, a) == attaches for a in ATTACH)  # only the managed policies the roles attach
    for name in rendered.layer_templates:
        layer = rendered.layer_templates[name].layer
        template = json.loads(rendered.files[f"templates/{name}.json"])
        for resource in template["Resources"].values():
            kind = resource["Type"]
            assert kind in permissions.ACTIONS, f"{kind} has no entry in drgen.synth.permissions.ACTIONS"
            if layer.kind != "stackset":
                continue  # once-only stacks run with the deploying credentials
            missing = [a for a in permissions.ACTIONS[kind] if not granted(statements, a) and a not in ATTACH]
            assert missing == [], f"{name}: {kind} needs {missing}"


NAMES = {
    # type: (name property, the action that creates it, its ARN with {r}egion, {a}ccount and {n}ame)
    "AWS::IAM::Role": ("RoleName", "iam:CreateRole", "arn:aws:iam::{a}:role/{n}"),
    "AWS::S3::Bucket": ("BucketName", "s3:CreateBucket", "arn:aws:s3:::{n}"),
    "AWS::SQS::Queue": ("QueueName", "sqs:CreateQueue", "arn:aws:sqs:{r}:{a}:{n}"),
    "AWS::SNS::Topic": ("TopicName", "sns:CreateTopic", "arn:aws:sns:{r}:{a}:{n}"),
    "AWS::Lambda::Function": ("FunctionName", "lambda:CreateFunction", "arn:aws:lambda:{r}:{a}:function:{n}"),
    "AWS::Logs::LogGroup": ("LogGroupName", "logs:CreateLogGroup", "arn:aws:logs:{r}:{a}:log-group:{n}"),
    "AWS::Events::Rule": ("Name", "events:PutRule", "arn:aws:events:{r}:{a}:rule/{n}"),
    "AWS::SSM::Parameter": ("Name", "ssm:PutParameter", "arn:aws:ssm:{r}:{a}:parameter{n}"),
    "AWS::StepFunctions::StateMachine": ("StateMachineName", "states:CreateStateMachine",
                                         "arn:aws:states:{r}:{a}:stateMachine:{n}"),
    "AWS::RDS::DBCluster": ("DBClusterIdentifier", "rds:CreateDBCluster", "arn:aws:rds:{r}:{a}:cluster:{n}"),
    "AWS::RDS::DBInstance": ("DBInstanceIdentifier", "rds:CreateDBInstance", "arn:aws:rds:{r}:{a}:db:{n}"),
    "AWS::RDS::GlobalCluster": ("GlobalClusterIdentifier", "rds:CreateGlobalCluster",
                                "arn:aws:rds::{a}:global-cluster:{n}"),
    "AWS::SecretsManager::Secret": ("Name", "secretsmanager:CreateSecret", "arn:aws:secretsmanager:{r}:{a}:secret:{n}-AbCdEf"),
    "AWS::CloudWatch::Alarm": ("AlarmName", "cloudwatch:PutMetricAlarm", "arn:aws:cloudwatch:{r}:{a}:alarm:{n}"),
    "AWS::CloudWatch::Dashboard": ("DashboardName", "cloudwatch:PutDashboard", "arn:aws:cloudwatch::{a}:dashboard/{n}"),
    "AWS::Backup::BackupVault": ("BackupVaultName", "backup:CreateBackupVault", "arn:aws:backup:{r}:{a}:backup-vault:{n}"),
    "AWS::KMS::Alias": ("AliasName", "kms:CreateAlias", "arn:aws:kms:{r}:{a}:{n}"),
}


def _named(rendered: Rendered) -> Iterator[tuple[str, str, str, str]]:
    """(layer, type, region, physical name) of every named resource of every StackSet instance."""
    for layer in rendered.plan.layers:
        if layer.kind != "stackset":
            continue
        template = json.loads(rendered.files[f"templates/{layer.name}.json"])
        for resource in template["Resources"].values():
            if resource["Type"] not in NAMES:
                continue
            value = resource["Properties"][NAMES[resource["Type"]][0]]
            for region in layer.regions:
                text = value if isinstance(value, str) else value["Fn::Sub"]
                assert isinstance(text, str), value
                yield layer.name, resource["Type"], region, _pattern(text.replace("${AWS::Region}", region))


def test_every_named_resource_can_be_created_and_another_systems_cannot(rendered: Rendered) -> None:
    statements = _statements(rendered)
    prefix = rendered.blueprint.prefix
    seen = set()
    for layer, kind, region, name in _named(rendered):
        _, create, shape = NAMES[kind]
        arn = shape.format(r=region, a=ACCOUNT, n=name)
        assert allowed(statements, create, arn), f"{layer}: {create} on {arn}"
        other = arn.replace(prefix, "someone-else-prod").replace(f"/{rendered.blueprint.name}/", "/someone-else/")
        assert not allowed(statements, create, other), f"{layer}: {create} on {other}"
        seen.add(kind)
    assert {"AWS::IAM::Role", "AWS::S3::Bucket", "AWS::KMS::Alias"} <= seen


def test_function_code_is_readable_from_the_artifact_bucket_only(rendered: Rendered) -> None:
    statements = _statements(rendered)
    if not rendered.packages:
        assert not granted(statements, "s3:GetObject")  # no function: no object to read
        return
    bucket = rendered.blueprint.prefix + f"-artifacts-{rendered.blueprint.primary.name}-{ACCOUNT}"
    assert allowed(statements, "s3:GetObject", f"arn:aws:s3:::{bucket}/functions/x/0.zip")
    assert not allowed(statements, "s3:GetObject", "arn:aws:s3:::someone-elses-bucket/functions/x/0.zip")


def test_a_service_drgen_names_nothing_of_is_refused_rather_than_granted_everywhere() -> None:
    bp = drgen.load(ROOT / "blueprints" / "trading-platform.yaml")
    with pytest.raises(RenderError, match=r"names no resources of (application-autoscaling|dynamodb)"):
        execution_statements(bp, StackSetFacts(("AWS::DynamoDB::GlobalTable",), (), ()))


# ---- the table against CloudFormation's own resource schemas -----------------------------------------

def _handler_permissions() -> dict[str, set[str]]:
    import cfnlint.data.schemas as schemas

    base = Path(schemas.__file__).parent
    index = json.loads((base / "providers" / "us-east-1.json").read_text())
    out = {}
    for kind in permissions.ACTIONS:
        schema = json.loads((base / "resources" / f"{index[kind]}.json").read_text())
        out[kind] = {p for h in ("create", "read", "update", "delete")
                     for p in schema["handlers"].get(h, {}).get("permissions", [])}
    return out


def test_the_table_holds_every_handler_permission_but_the_ones_explained() -> None:
    used = set()
    for kind, needed in _handler_permissions().items():
        for name in sorted(needed):
            if permissions.not_needed(kind, name):
                used.update({f"{kind} {name}", name, name.split(":")[0] + ":*"} & set(permissions.NOT_NEEDED))
                assert name not in permissions.ACTIONS[kind], f"{kind}: {name} is both needed and not"
                continue
            assert name in permissions.ACTIONS[kind], f"{kind}: CloudFormation's handlers call {name}"
    assert sorted(set(permissions.NOT_NEEDED) - used) == []  # no stale explanation
    assert all(len(reason) >= 20 for reason in permissions.NOT_NEEDED.values())


def test_every_action_is_one_iam_knows() -> None:
    for names in permissions.ACTIONS.values():
        for name in names:
            assert str(permissions.action(name).JSONrepr()) == name
    with pytest.raises(ValueError):
        permissions.action("s3:DeleteBucketCors")


def test_service_linked_roles_are_named_for_every_type_that_creates_one() -> None:
    creating = {kind for kind, names in permissions.ACTIONS.items() if "iam:CreateServiceLinkedRole" in names}
    assert creating == set(permissions.SERVICE_LINKED)


# ---- deployed ----------------------------------------------------------------------------------

def test_the_roles_template_deploys_both_roles_with_the_policy(session: boto3.Session) -> None:
    rendered = drgen.render(drgen.load(ROOT / "blueprints" / "trading-platform.yaml"))
    body = rendered.files[ROLES_FILE].decode()
    cf = session.client("cloudformation")
    cf.create_stack(StackName=f"{rendered.blueprint.prefix}-stackset-roles", TemplateBody=body,
                    Capabilities=["CAPABILITY_NAMED_IAM"])
    stack = cf.describe_stacks(StackName=f"{rendered.blueprint.prefix}-stackset-roles")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    account = session.client("sts").get_caller_identity()["Account"]
    iam = session.client("iam")
    admin, execution_name = administration_role(rendered.blueprint), execution_role(rendered.blueprint)
    administration = iam.get_role(RoleName=admin)["Role"]
    execution = iam.get_role(RoleName=execution_name)["Role"]
    assert execution["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"] == [administration["Arn"]]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs == {"AdministrationRoleArn": administration["Arn"], "ExecutionRoleArn": execution["Arn"]}
    inline = iam.get_role_policy(RoleName=admin, PolicyName="assume-execution-roles")["PolicyDocument"]
    inline = ast.literal_eval(inline) if isinstance(inline, str) else inline  # moto keeps it as a Python repr
    assert inline["Statement"][0]["Resource"] == [
        f"arn:aws:iam::{account}:role/{execution_name}"]
    attached = iam.list_attached_role_policies(RoleName=execution_name)["AttachedPolicies"]
    deployed = []
    for policy in attached:
        version = iam.get_policy(PolicyArn=policy["PolicyArn"])["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=policy["PolicyArn"], VersionId=version)["PolicyVersion"]["Document"]
        deployed += (json.loads(document) if isinstance(document, str) else document)["Statement"]
    expected = _statements(rendered)
    assert sorted(s["Sid"] for s in deployed) == sorted(s["Sid"] for s in expected)
    by_sid = {s["Sid"]: s for s in deployed}
    assert by_sid["Iam"]["Resource"] == [f"arn:aws:iam::{account}:role/{rendered.blueprint.prefix}-*"]
    assert by_sid["Iam"]["Action"] == next(s["Action"] for s in expected if s["Sid"] == "Iam")


def test_statements_are_packed_in_order_into_policies_within_the_limit() -> None:
    bp = drgen.load(ROOT / "blueprints" / "trading-platform.yaml")
    statements = execution_statements(bp, stackset_facts(render_blueprint(bp).layer_templates))
    groups = pack(statements, limit=3_000)
    assert [s.Sid for group in groups for s in group] == [s.Sid for s in statements]
    assert len(groups) > len(pack(statements))
    for group in groups:
        document = json.dumps({"Version": "2012-10-17", "Statement": [encode_to_dict(s) for s in group]},
                              separators=(",", ":"))
        assert len(document) <= 3_000
    with pytest.raises(RenderError, match="alone exceeds"):
        pack(statements, limit=200)
