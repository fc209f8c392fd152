"""Organizations (issue #13): an OU-targeted blueprint renders service-managed StackSets (cfn-lint clean) whose
artifacts the organization can read, with operation preferences from ``deployment.concurrency``, and deploys
against moto's Organizations and service-managed StackSets as far as moto models them.

Where moto stops (moto 5.x, read in moto/cloudformation/models.py): CreateStackSet ignores AutoDeployment and
CallAs (it neither stores nor returns them, so they are asserted on the request, through botocore's event hooks);
CreateStackInstances resolves ``DeploymentTargets.OrganizationalUnitIds`` to the accounts of the OU and of the OUs
directly under it, and creates each account's stack as a hidden stack outside the account's CloudFormation backend
(no exports), so a layer that imports another's outputs cannot be created there: the tests deploy the bootstrap
layer (it imports nothing) into the member accounts; a full deploy gets past the upload to the administrator
account's own artifact buckets (``drgen.aws.adminart``) and stops at the storage layer, asserted. moto has no
CloudFormation model of a bucket policy (tests/motocompat.py), so the administrator's bucket policy is read from
its stack's deployed template.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

import drgen
from drgen import naming
from drgen.aws.bootstrap import bootstrap_rendered
from drgen.aws.deploy import DeployOptions, deploy_rendered
from drgen.aws.destroy import destroy_rendered
from drgen.aws.stacksets import StackSets
from drgen.errors import DeployError
from drgen.lint import lint_text
from drgen.rendering import ROLES_FILE, Rendered
from drgen.synth.targets import preferences
from tests import checkov, motocompat

motocompat.install()

CASE = Path(__file__).parent / "cases" / "valid" / "organization" / "blueprint.yaml"
OUS = ["ou-ab12-workload1", "ou-ab12-workload2"]


@pytest.fixture(scope="module")
def rendered() -> Rendered:
    return drgen.render(drgen.load(CASE))


def _stackset(rendered: Rendered, layer: str) -> dict[str, Any]:
    data = json.loads(rendered.files[f"stacksets/{layer}.json"])
    (resource,) = data["Resources"].values()
    assert resource["Type"] == "AWS::CloudFormation::StackSet"
    return dict(resource["Properties"])


def test_every_stackset_is_service_managed_on_the_ous_without_roles(rendered: Rendered) -> None:
    layers = [layer.name for layer in rendered.plan.layers if layer.kind == "stackset"]
    assert layers == ["bootstrap", "storage", "tables", "app", "orchestration"]  # tables: every account's own
    for layer in layers:
        props = _stackset(rendered, layer)
        assert props["PermissionModel"] == "SERVICE_MANAGED"
        assert props["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
        assert props["CallAs"] == "DELEGATED_ADMIN"
        assert "AdministrationRoleARN" not in props and "ExecutionRoleName" not in props
        assert [g["DeploymentTargets"] for g in props["StackInstancesGroup"]] == \
            [{"OrganizationalUnitIds": OUS}] * len(props["StackInstancesGroup"])
    assert ROLES_FILE not in rendered.files
    assert json.loads(rendered.files["manifest.json"])["roles"] is None


def test_operation_preferences_follow_the_concurrency_settings_and_the_plan(rendered: Rendered) -> None:
    storage = _stackset(rendered, "storage")["OperationPreferences"]
    assert storage == {"RegionOrder": ["us-west-2", "us-east-1"], "RegionConcurrencyType": "SEQUENTIAL",
                       "FailureToleranceCount": 1, "MaxConcurrentCount": 2}
    app = _stackset(rendered, "app")["OperationPreferences"]
    assert app == {"RegionOrder": ["us-east-1", "us-west-2"], "RegionConcurrencyType": "PARALLEL",
                   "FailureTolerancePercentage": 10, "MaxConcurrentPercentage": 25}


def test_a_layer_can_be_made_sequential_but_an_ordered_layer_stays_sequential(tmp_path: Path) -> None:
    text = CASE.read_text().replace("      storage: {max_concurrent: 2, failure_tolerance: 1}",
                                    "      app: {region_concurrency: sequential}")
    path = tmp_path / "blueprint.yaml"
    path.write_text(text)
    bp = drgen.load(path)
    layers = {layer.name: layer for layer in drgen.render(bp).plan.layers}
    assert preferences(bp, layers["app"], ["us-east-1"])["RegionConcurrencyType"] == "SEQUENTIAL"
    assert preferences(bp, layers["bootstrap"], ["us-east-1"])["RegionConcurrencyType"] == "PARALLEL"
    assert preferences(bp, layers["storage"], ["us-east-1"])["RegionConcurrencyType"] == "SEQUENTIAL"


def test_the_artifacts_are_readable_by_the_organization_only(rendered: Rendered) -> None:
    template = json.loads(rendered.files["templates/bootstrap.json"])
    bucket = template["Resources"]["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    reads = next(s for s in bucket if s.get("Sid") == "OrganizationReadsArtifacts")
    assert reads["Effect"] == "Allow" and reads["Action"] == ["s3:GetObject", "s3:GetObjectVersion"]
    assert reads["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
    key = template["Resources"]["Key"]["Properties"]["KeyPolicy"]["Statement"]
    decrypt = next(s for s in key if s.get("Sid") == "OrganizationDecryptsArtifactsThroughS3")
    assert decrypt["Action"] == ["kms:Decrypt"]
    assert decrypt["Condition"]["StringEquals"]["aws:PrincipalOrgID"] == "o-a1b2c3d4e5"
    assert decrypt["Condition"]["StringEquals"]["kms:ViaService"] == {"Fn::Sub": "s3.${AWS::Region}.amazonaws.com"}


def test_a_self_managed_blueprint_has_no_organization_statement() -> None:
    plain = drgen.render(drgen.load(CASE.parents[1] / "minimal" / "blueprint.yaml"))
    assert "Organization" not in plain.files["templates/bootstrap.json"].decode()
    assert json.loads(plain.files["stacksets/bootstrap.json"])["Resources"]["BootstrapStackSet"]["Properties"][
        "PermissionModel"] == "SELF_MANAGED"


@pytest.mark.parametrize("path", ["stacksets/bootstrap.json", "stacksets/storage.json", "stacksets/app.json",
                                  "stacksets/orchestration.json", "stacksets/tables.json", "templates/bootstrap.json",
                                  "templates/orchestration.json", "templates/tables.json"])
def test_the_definitions_and_the_bootstrap_template_are_cfn_lint_clean(rendered: Rendered, path: str) -> None:
    assert lint_text(path, rendered.files[path].decode("utf-8"), ["us-east-1", "us-west-2"]) == []


# ---- against moto ------------------------------------------------------------------------------------

def _org_render(tmp_path: Path, org_id: str, ou: str, call_as: str = "SELF") -> Rendered:
    text = CASE.read_text().replace("[ou-ab12-workload1, ou-ab12-workload2]", f"[{ou}]") \
        .replace("o-a1b2c3d4e5", org_id).replace("call_as: DELEGATED_ADMIN", f"call_as: {call_as}")
    path = tmp_path / "blueprint.yaml"
    path.write_text(text)
    return drgen.render(drgen.load(path))


def test_the_bootstrap_stackset_deploys_to_every_account_of_the_ou(
        organization: tuple[boto3.Session, str, str, list[str]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    session, org_id, ou, members = organization
    rendered = _org_render(tmp_path, org_id, ou)
    sent: list[tuple[str, dict[str, Any]]] = []
    real = StackSets._operation

    def recording(self: StackSets, cf: Any, name: str, start: Any, **arguments: Any) -> str:
        sent.append((start.__name__, arguments))
        return real(self, cf, name, start, **arguments)

    monkeypatch.setattr(StackSets, "_operation", recording)
    created: list[dict[str, Any]] = []
    from drgen.aws.clients import Clients
    from drgen.aws.deploy import _Deployment

    options = DeployOptions(poll_seconds=0)
    run = _Deployment(rendered, Clients(session, options), options, lambda event: None, lambda s: None, lambda: 0.0)
    run._target("deploy")
    run._check_roles()  # service-managed: no roles to find, nothing raised
    run.clients.client("cloudformation", run.admin_region).meta.events.register(
        "provide-client-params.cloudformation.CreateStackSet", lambda params, **_: created.append(dict(params)))
    bootstrap = next(layer for layer in rendered.plan.layers if layer.name == "bootstrap")
    run._stackset(bootstrap)

    assert len(created) == 1
    request = created[0]
    assert request["PermissionModel"] == "SERVICE_MANAGED" and request["CallAs"] == "SELF"
    assert request["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert "AdministrationRoleARN" not in request and "ExecutionRoleName" not in request
    assert [(call, args["DeploymentTargets"], args["Regions"], args["CallAs"]) for call, args in sent] == \
        [("create_stack_instances", {"OrganizationalUnitIds": [ou]}, [region], "SELF")
         for region in bootstrap.regions]
    assert sent[0][1]["OperationPreferences"]["MaxConcurrentPercentage"] == 25
    admin = session.client("cloudformation", region_name=run.admin_region)
    name = naming.stack(rendered.blueprint.prefix, "bootstrap")
    assert admin.describe_stack_set(StackSetName=name)["StackSet"]["PermissionModel"] == "SERVICE_MANAGED"
    summaries = admin.list_stack_instances(StackSetName=name)["Summaries"]
    assert sorted((s["Account"], s["Region"]) for s in summaries) == \
        sorted((account, region) for account in members for region in bootstrap.regions)

    sent.clear()  # a second run: every region has its instances, nothing to start
    run._stackset(bootstrap)
    assert sent == []
    assert {c.action for c in run.result.changes if c.layer == "bootstrap"} >= {"unchanged"}


def test_checkov_accepts_the_bootstrap_template_and_the_definitions(rendered: Rendered, tmp_path: Path) -> None:
    paths = []
    for name in ("templates/bootstrap.json", "stacksets/bootstrap.json", "stacksets/storage.json",
                 "templates/orchestration.json", "stacksets/orchestration.json", "stacksets/tables.json"):
        path = tmp_path / name.replace("/", "-")
        path.write_bytes(rendered.files[name])
        paths += ["-f", str(path)]
    reports = checkov.scan(*paths)
    assert [c["check_id"] for c in checkov.failed(reports)] == []
    skipped = [c for c in checkov.skipped(reports) if c["check_id"] == "CKV_AWS_33"]
    assert skipped and "aws:PrincipalOrgID" in skipped[0]["check_result"].get("suppress_comment", "")


# ---- the administrator account's artifacts (drgen.aws.adminart) ----------------------------------------

Org = tuple[boto3.Session, str, str, list[str]]


def _statements(document: str | dict[str, Any]) -> dict[str, dict[str, Any]]:
    data = json.loads(document) if isinstance(document, str) else document
    return {s.get("Sid", ""): s for s in data["Statement"]}



def test_member_templates_read_packages_from_the_administrators_bucket(rendered: Rendered) -> None:
    template = json.loads(rendered.files["templates/orchestration.json"])
    assert template["Parameters"]["ArtifactAccount"]["AllowedPattern"] == r"^\d{12}$"
    codes = [r["Properties"]["Code"] for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert codes and all(c["S3Bucket"] == {"Fn::Sub": f"{rendered.blueprint.prefix}-artifacts-${{AWS::Region}}-"
                                                      "${ArtifactAccount}"} for c in codes)
    # the definition, deployed in the administrator's account, passes its own account
    props = json.loads(rendered.files["stacksets/orchestration.json"])["Resources"]["OrchestrationStackSet"][
        "Properties"]
    assert {"ParameterKey": "ArtifactAccount", "ParameterValue": {"Ref": "AWS::AccountId"}} in props["Parameters"]
    assert "ArtifactAccount" not in json.loads(rendered.files["stacksets/orchestration.json"]).get("Parameters", {})
    # the bootstrap layer still makes each member's own bucket
    assert "ArtifactAccount" not in rendered.files["templates/bootstrap.json"].decode()


def test_bootstrap_and_deploy_put_the_artifacts_in_the_administrators_buckets(organization: Org,
                                                                               tmp_path: Path) -> None:
    session, org_id, ou, members = organization
    rendered = _org_render(tmp_path, org_id, ou)
    bp = rendered.blueprint
    admin = session.client("sts").get_caller_identity()["Account"]
    assert admin not in members
    options = DeployOptions(poll_seconds=0)

    result = bootstrap_rendered(rendered, session, options)
    keys: dict[str, str] = {}
    stacks = [(c.region, c.action) for c in result.changes if c.what == f"stack {naming.stack(bp.prefix, 'bootstrap')}"]
    assert stacks == [(region, "create") for region in bp.region_names]
    for region in bp.region_names:
        bucket = naming.artifact_bucket(bp.prefix, region).replace(naming.ACCOUNT, admin)
        s3 = session.client("s3", region_name=region)
        s3.head_bucket(Bucket=bucket)
        # moto has no CloudFormation model of a bucket policy (tests/motocompat.py): the deployed template's
        cf = session.client("cloudformation", region_name=region)
        deployed = cf.get_template(StackName=naming.stack(bp.prefix, "bootstrap"))["TemplateBody"]
        deployed = json.loads(deployed) if isinstance(deployed, str) else deployed
        policy = deployed["Resources"]["ArtifactBucketPolicy"]["Properties"]
        assert policy["Bucket"] == {"Ref": "ArtifactBucket"}
        statements = _statements(policy["PolicyDocument"])
        reads = statements["OrganizationReadsArtifacts"]
        assert reads["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": org_id}}
        assert reads["Principal"] == {"AWS": ["*"]} or reads["Principal"] == {"AWS": "*"}
        assert any(s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s.get("Condition", {}))
                   for s in statements.values())
        rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        key_arn = rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"]
        assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
        assert f":{region}:{admin}:key/" in key_arn
        keys[region] = key_arn
        kms = session.client("kms", region_name=region)
        key_policy = _statements(kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])
        decrypt = key_policy["OrganizationDecryptsArtifactsThroughS3"]
        assert decrypt["Condition"]["StringEquals"] == {"aws:PrincipalOrgID": org_id,
                                                        "kms:ViaService": f"s3.{region}.amazonaws.com"}

    again = bootstrap_rendered(rendered, session, options)  # a second run changes nothing
    assert {c.action for c in again.changes} == {"unchanged"}

    with pytest.raises(DeployError) as stopped:
        deploy_rendered(rendered, session, options)
    packages = {pkg.key for pkg in rendered.packages.values()}
    assert packages
    for region in bp.region_names:  # past the upload: every package is in the administrator's bucket
        bucket = naming.artifact_bucket(bp.prefix, region).replace(naming.ACCOUNT, admin)
        listed = session.client("s3", region_name=region).list_objects_v2(Bucket=bucket).get("Contents", [])
        assert packages <= {o["Key"] for o in listed}
    # where moto stops: the storage layer, whose member stacks import the bootstrap layer's exports, which moto's
    # hidden member stacks do not export
    assert str(stopped.value).startswith("storage@us-west-2: CreateStackInstances failed"), str(stopped.value)
    assert "No export named docs-prod-bootstrap-KeyArn" in str(stopped.value)

    gone = destroy_rendered(rendered, session, DeployOptions(poll_seconds=0, dry_run=True))
    own = f"stack {naming.stack(bp.prefix, 'bootstrap')}"
    assert [(c.layer, c.region, c.what) for c in gone.changes if c.what == own] == \
        [("bootstrap", region, f"stack {naming.stack(bp.prefix, 'bootstrap')}") for region in bp.region_names]
    kept = {(k.region, k.type, k.physical_id) for k in gone.kept}  # the administrator's buckets and keys stay
    for region in bp.region_names:
        bucket = naming.artifact_bucket(bp.prefix, region).replace(naming.ACCOUNT, admin)
        assert {(region, "AWS::S3::Bucket", bucket), (region, "AWS::KMS::Key", keys[region].split("/")[-1])} <= kept
