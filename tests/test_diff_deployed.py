"""``drgen diff BLUEPRINT --deployed``: what a deploy would change in each deployed stack, from change sets that
are created, read and deleted (never executed), and what drift detection found changed by hand.

moto in-process runs the real change-set APIs on a deployed blueprint (it computes Add/Modify/Remove, but not
``Replacement`` nor drift: it has no drift detection); a botocore ``Stubber`` gives AWS's answers for those two, and
the test asserts the calls made, in order, and the report.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

import drgen
from drgen import naming
from drgen.aws.clients import Clients
from drgen.aws.deploy import DeployOptions
from drgen.aws.preview import _Preview, preview_rendered
from drgen.cli import main
from drgen.rendering import Rendered
from tests import motocompat

motocompat.install()

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "blueprints" / "minimal-backup-restore.yaml"
ACCOUNT = "123456789012"
OPTIONS = DeployOptions(poll_seconds=0)


@pytest.fixture(scope="module")
def minimal() -> Rendered:
    return drgen.render(drgen.load(MINIMAL))


def control_region(rendered: Rendered) -> str:
    """Where StackSets are administered: whatever deploy's runner says (never a region written here)."""
    return _Preview(rendered, Clients(None, OPTIONS), OPTIONS, lambda e: None, lambda s: None, lambda: 0.0).admin_region


def edited(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "blueprints"
    shutil.copytree(ROOT / "blueprints", folder)
    path = folder / MINIMAL.name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def deployed(session: boto3.Session, rendered: Rendered) -> None:
    motocompat.create_stackset_roles(session, rendered)
    drgen.deploy(rendered, session, options=OPTIONS)


def instance_stacks(session: boto3.Session, rendered: Rendered, layer: str) -> dict[str, dict[str, Any]]:
    """Region -> the stack of the layer's instance there (its template and status)."""
    cf = session.client("cloudformation", region_name=control_region(rendered))
    name = naming.stack(rendered.blueprint.prefix, layer)
    out = {}
    for summary in cf.list_stack_instances(StackSetName=name)["Summaries"]:
        regional = session.client("cloudformation", region_name=summary["Region"])
        stack_id = cf.describe_stack_instance(StackSetName=name, StackInstanceAccount=summary["Account"],
                                              StackInstanceRegion=summary["Region"])["StackInstance"]["StackId"]
        stack = regional.describe_stacks(StackName=stack_id)["Stacks"][0]
        out[summary["Region"]] = {"status": stack["StackStatus"],
                                  "template": regional.get_template(StackName=stack_id)["TemplateBody"],
                                  "change_sets": regional.list_change_sets(StackName=stack_id)["Summaries"]}
    return out


# ---- against moto ----------------------------------------------------------------------------------------

def test_nothing_deployed_every_stack_would_be_created(session: boto3.Session, minimal: Rendered,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(MINIMAL), "--deployed", "--no-drift"]) == 1
    shown = capsys.readouterr().out
    for layer in minimal.plan.layers:
        resources = len(json.loads(minimal.files[f"templates/{layer.name}.json"])["Resources"])
        for region in layer.regions:
            assert f"{layer.name}@{region}: would create ({resources} resource" in shown
    assert "StackSet archive-prod-storage does not exist" in shown


def test_a_blueprint_deployed_as_rendered_shows_no_difference(session: boto3.Session, minimal: Rendered,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    deployed(session, minimal)
    before = instance_stacks(session, minimal, "storage")
    assert main(["diff", str(MINIMAL), "--deployed", "--no-drift", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["same"] and report["control_region"] == control_region(minimal)
    assert {s["state"] for s in report["stacks"]} == {"unchanged"}
    assert len(report["stacks"]) == sum(len(layer.regions) for layer in minimal.plan.layers)
    assert instance_stacks(session, minimal, "storage") == before


def test_a_changed_blueprint_shows_what_each_instance_would_change_and_executes_nothing(
        session: boto3.Session, minimal: Rendered, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deployed(session, minimal)
    before = instance_stacks(session, minimal, "storage")
    changed = edited(tmp_path, "noncurrent_expiration: 90d", "noncurrent_expiration: 30d")

    assert main(["diff", str(changed), "--deployed", "--no-drift"]) == 1
    shown = capsys.readouterr().out
    stacks = sum(len(layer.regions) for layer in minimal.plan.layers)
    assert shown.startswith(f"{stacks} stacks in account {ACCOUNT}: 2 would change, 0 would be created; "
                            "drift not checked\n")
    for region in next(x.regions for x in minimal.plan.layers if x.name == "storage"):
        assert f"storage@{region} StackSet:archive-prod-storage: 0 added, 1 modified, 0 removed\n" in shown
    assert shown.count("  ~ DocumentsBucket (AWS::S3::Bucket)\n") == 2
    assert "replace" not in shown and "bootstrap@" not in shown  # unchanged stacks are not listed

    assert main(["diff", str(changed), "--deployed", "--no-drift", "--format", "markdown"]) == 1
    markdown = capsys.readouterr().out
    assert markdown.startswith("### drgen diff --deployed")
    assert "```diff\n~ DocumentsBucket (AWS::S3::Bucket)\n```" in markdown

    after = instance_stacks(session, minimal, "storage")
    assert after == before  # same templates, same status, and every change set deleted
    assert all(not stack["change_sets"] for stack in after.values())


def test_an_instance_not_deployed_would_be_created(session: boto3.Session, minimal: Rendered) -> None:
    deployed(session, minimal)
    storage = next(x for x in minimal.plan.layers if x.name == "storage")
    cf = session.client("cloudformation", region_name=control_region(minimal))
    cf.delete_stack_instances(StackSetName=naming.stack(minimal.blueprint.prefix, "storage"), Accounts=[ACCOUNT],
                              Regions=[storage.regions[0]], RetainStacks=False)

    preview = preview_rendered(minimal, session, OPTIONS, drift=False)
    states = {(s.layer, s.region): s for s in preview.stacks}
    missing = states[("storage", storage.regions[0])]
    assert (missing.state, missing.reason) == ("create", "no stack instance of archive-prod-storage there")
    assert missing.resources == len(json.loads(minimal.files["templates/storage.json"])["Resources"])
    assert states[("storage", storage.regions[1])].state == "unchanged"
    assert not preview.same


def test_deployed_goes_with_one_blueprint_only(session: boto3.Session, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(MINIMAL), "--deployed", "--against", str(tmp_path)]) == 2
    assert "give neither NEW_DIR nor --against" in capsys.readouterr().err
    assert main(["diff", str(tmp_path), str(tmp_path), "--no-drift"]) == 2
    assert "go with --deployed" in capsys.readouterr().err
    assert main(["diff", str(MINIMAL), "--deployed", "--endpoint-url", "ftp://x"]) == 2


# ---- what moto lacks: replacement and drift, from AWS's answers ---------------------------------------------

class StubbedSession:
    """A session whose clients are real botocore clients with a ``Stubber`` each, made on first use; every call
    made, in order, is kept as (operation, region)."""

    def __init__(self) -> None:
        self.real = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
        self.stubbers: dict[tuple[str, str], Stubber] = {}
        self.clients: dict[tuple[str, str], Any] = {}
        self.calls: list[tuple[str, str]] = []

    def stub(self, service: str, region: str) -> Stubber:
        if (service, region) not in self.stubbers:
            client = self.real.client(service, region_name=region)
            client.meta.events.register("before-call.*.*", lambda model, **kw: self.calls.append(
                (model.name, kw["context"]["client_region"])))
            self.clients[(service, region)] = client
            self.stubbers[(service, region)] = Stubber(client)
            self.stubbers[(service, region)].activate()
        return self.stubbers[(service, region)]

    def client(self, service: str, region_name: str, **kwargs: Any) -> Any:
        self.stub(service, region_name)
        return self.clients[(service, region_name)]


def _missing_stackset(session: StubbedSession, region: str) -> None:
    session.stub("cloudformation", region).add_client_error(
        "describe_stack_set", "StackSetNotFoundException", "StackSet not found", expected_params={"StackSetName": ANY})


def test_replacements_and_drift_are_read_from_the_change_set_and_the_drift_results(minimal: Rendered) -> None:
    session = StubbedSession()
    admin = control_region(minimal)
    storage = next(x for x in minimal.plan.layers if x.name == "storage")
    drifted, in_sync = storage.regions
    name = naming.stack(minimal.blueprint.prefix, "storage")
    stack_ids = {r: f"arn:aws:cloudformation:{r}:{ACCOUNT}:stack/StackSet-{name}-{i}/uuid"
                 for i, r in enumerate(storage.regions)}
    cf = lambda region: session.stub("cloudformation", region)  # noqa: E731
    summaries = [{"Account": ACCOUNT, "Region": r, "StackId": stack_ids[r], "Status": "CURRENT"} for r in storage.regions]
    instance = lambda r: {"StackInstance": {"Account": ACCOUNT, "Region": r, "StackId": stack_ids[r],  # noqa: E731
                                            "Status": "CURRENT", "ParameterOverrides": []}}

    session.stub("sts", admin).add_response("get_caller_identity", {"Account": ACCOUNT})
    _missing_stackset(session, admin)  # bootstrap: not deployed
    # storage: the StackSet, a drift detection of it, its instances, the PeerBuckets value (every instance current)
    cf(admin).add_response("describe_stack_set", {"StackSet": {"StackSetName": name, "Status": "ACTIVE"}},
                           {"StackSetName": name})
    cf(admin).add_response("list_stack_set_operations", {"Summaries": []}, {"StackSetName": name})
    cf(admin).add_response("detect_stack_set_drift", {"OperationId": "drift-1"}, {
        "StackSetName": name, "OperationPreferences": {"RegionConcurrencyType": "PARALLEL",
                                                       "MaxConcurrentPercentage": 100,
                                                       "FailureTolerancePercentage": 100}})
    cf(admin).add_response("describe_stack_set_operation", {"StackSetOperation": {"Status": "SUCCEEDED"}},
                           {"StackSetName": name, "OperationId": "drift-1"})
    cf(admin).add_response("list_stack_instances", {"Summaries": [
        {**s, "DriftStatus": "DRIFTED" if s["Region"] == drifted else "IN_SYNC"} for s in summaries]},
        {"StackSetName": name})
    def instances() -> None:
        cf(admin).add_response("list_stack_instances", {"Summaries": summaries}, {"StackSetName": name})
        for r in storage.regions:
            cf(admin).add_response("describe_stack_instance", instance(r), {
                "StackSetName": name, "StackInstanceAccount": ACCOUNT, "StackInstanceRegion": r})

    instances()
    cf(admin).add_response("describe_stack_set", {"StackSet": {"StackSetName": name, "Status": "ACTIVE"}},
                           {"StackSetName": name})
    instances()
    # the drifted instance: a change set replacing the bucket (two pages), then what was changed by hand
    stack_name = f"StackSet-{name}-0"
    cf(drifted).add_response("describe_stacks", {"Stacks": [{
        "StackName": stack_name, "StackId": stack_ids[drifted], "StackStatus": "UPDATE_COMPLETE",
        "CreationTime": "2026-01-01T00:00:00Z", "Parameters": [{"ParameterKey": "PeerBuckets",
                                                                "ParameterValue": "ready"}]}]},
        {"StackName": stack_ids[drifted]})
    cf(drifted).add_response("create_change_set", {"Id": "cs-1", "StackId": stack_ids[drifted]}, {
        "StackName": stack_name, "ChangeSetName": ANY, "ChangeSetType": "UPDATE", "Parameters": ANY,
        "Capabilities": ["CAPABILITY_NAMED_IAM"], "Tags": ANY, "Description": ANY, "TemplateBody": ANY})
    cf(drifted).add_response("describe_change_set", {"Status": "CREATE_IN_PROGRESS"}, {"ChangeSetName": "cs-1"})
    cf(drifted).add_response("describe_change_set", {"Status": "CREATE_COMPLETE", "NextToken": "page-2", "Changes": [
        {"Type": "Resource", "ResourceChange": {
            "Action": "Modify", "LogicalResourceId": "DocumentsBucket", "ResourceType": "AWS::S3::Bucket",
            "Replacement": "True", "Details": [
                {"Target": {"Attribute": "Properties", "Name": "BucketName", "RequiresRecreation": "Always"}},
                {"Target": {"Attribute": "Properties", "Name": "Tags", "RequiresRecreation": "Never"}}]}}]},
        {"ChangeSetName": "cs-1"})
    cf(drifted).add_response("describe_change_set", {"Status": "CREATE_COMPLETE", "Changes": [
        {"Type": "Resource", "ResourceChange": {
            "Action": "Modify", "LogicalResourceId": "ReplicationRole", "ResourceType": "AWS::IAM::Role",
            "Replacement": "Conditional", "Details": [{"Target": {
                "Attribute": "Properties", "Name": "RoleName", "RequiresRecreation": "Conditionally"}}]}},
        {"Type": "Resource", "ResourceChange": {
            "Action": "Add", "LogicalResourceId": "NewQueue", "ResourceType": "AWS::SQS::Queue"}}]},
        {"ChangeSetName": "cs-1", "NextToken": "page-2"})
    cf(drifted).add_response("delete_change_set", {}, {"ChangeSetName": "cs-1"})
    cf(drifted).add_response("describe_stack_resource_drifts", {"StackResourceDrifts": [{
        "StackId": stack_ids[drifted], "LogicalResourceId": "DocumentsBucket", "ResourceType": "AWS::S3::Bucket",
        "StackResourceDriftStatus": "MODIFIED", "Timestamp": "2026-01-01T00:00:00Z", "PropertyDifferences": [
            {"PropertyPath": "/VersioningConfiguration/Status", "ExpectedValue": "Enabled",
             "ActualValue": "Suspended", "DifferenceType": "NOT_EQUAL"}]}]},
        {"StackName": stack_ids[drifted], "StackResourceDriftStatusFilters": ["MODIFIED", "DELETED"]})
    # the instance in sync: its change set finds nothing
    cf(in_sync).add_response("describe_stacks", {"Stacks": [{
        "StackName": f"StackSet-{name}-1", "StackId": stack_ids[in_sync], "StackStatus": "UPDATE_COMPLETE",
        "CreationTime": "2026-01-01T00:00:00Z"}]}, {"StackName": stack_ids[in_sync]})
    cf(in_sync).add_response("create_change_set", {"Id": "cs-2"}, {
        "StackName": f"StackSet-{name}-1", "ChangeSetName": ANY, "ChangeSetType": "UPDATE", "Parameters": ANY,
        "Capabilities": ["CAPABILITY_NAMED_IAM"], "Tags": ANY, "Description": ANY, "TemplateBody": ANY})
    cf(in_sync).add_response("describe_change_set", {
        "Status": "FAILED", "StatusReason": "The submitted information didn't contain changes. Submit different "
                                            "information to create a change set."}, {"ChangeSetName": "cs-2"})
    cf(in_sync).add_response("delete_change_set", {}, {"ChangeSetName": "cs-2"})
    # tables (a once-only stack) and app: not deployed
    tables = next(x for x in minimal.plan.layers if x.name == "tables")
    cf(tables.regions[0]).add_client_error("describe_stacks", "ValidationError", "Stack with id x does not exist",
                                           expected_params={"StackName": ANY})
    _missing_stackset(session, admin)

    preview = preview_rendered(minimal, session, OPTIONS)

    for stubber in session.stubbers.values():
        stubber.assert_no_pending_responses()
    operations = [op for op, _ in session.calls]
    assert "ExecuteChangeSet" not in operations
    first = operations.index("CreateChangeSet")
    assert operations[first:first + 5] == ["CreateChangeSet", "DescribeChangeSet", "DescribeChangeSet",
                                           "DescribeChangeSet", "DeleteChangeSet"]
    assert ("DetectStackSetDrift", admin) in session.calls
    assert operations.index("DetectStackSetDrift") < operations.index("CreateChangeSet")

    states = {(s.layer, s.region): s for s in preview.stacks}
    changed = states[("storage", drifted)]
    assert (changed.state, changed.drift) == ("change", "DRIFTED")
    assert [c.text() for c in changed.changes] == [
        # the rendered bucket's UpdateReplacePolicy is Retain: the objects stay behind, in the old bucket
        "~ DocumentsBucket (AWS::S3::Bucket) ! replace (BucketName) - DANGER, replaced: the stack then uses a new, "
        "empty resource (the bucket's objects stay in the retained old one)",
        "~ ReplicationRole (AWS::IAM::Role) !? may replace (RoleName)",
        "+ NewQueue (AWS::SQS::Queue)",
    ]
    assert (states[("storage", in_sync)].state, states[("storage", in_sync)].drift) == ("unchanged", "IN_SYNC")
    text = preview.text()
    assert text.splitlines()[:2] == [
        f"6 stacks in account {ACCOUNT}: 1 would change, 4 would be created (1 replacements, 1 possible); "
        "1 dangerous change; 1 drifted",
        f"DANGER storage@{drifted} DocumentsBucket (AWS::S3::Bucket): replaced: the stack then uses a new, empty "
        "resource (the bucket's objects stay in the retained old one)"]
    assert ("    DocumentsBucket (AWS::S3::Bucket) MODIFIED\n"
            "        /VersioningConfiguration/Status: expected Enabled, actual Suspended\n") in text
    assert f"storage@{in_sync}" not in text
    report = preview.to_dict()
    assert report["summary"] == {"stacks": 6, "changed": 1, "create": 4, "failed": 0, "replaced": 1,
                                 "may_replace": 1, "dangerous": 1, "drifted": 1}
    assert "<details open><summary><code>storage@" in preview.markdown()


def test_a_once_only_stack_gets_its_own_drift_detection(minimal: Rendered) -> None:
    session = StubbedSession()
    admin = control_region(minimal)
    tables = next(x for x in minimal.plan.layers if x.name == "tables")
    region = tables.regions[0]
    name = naming.stack(minimal.blueprint.prefix, "tables")
    stack_id = f"arn:aws:cloudformation:{region}:{ACCOUNT}:stack/{name}/uuid"
    cf = session.stub("cloudformation", region)
    session.stub("sts", admin).add_response("get_caller_identity", {"Account": ACCOUNT})
    _missing_stackset(session, admin)  # bootstrap
    _missing_stackset(session, admin)  # storage
    cf.add_response("describe_stacks", {"Stacks": [{"StackName": name, "StackId": stack_id,
                                                    "StackStatus": "CREATE_COMPLETE",
                                                    "CreationTime": "2026-01-01T00:00:00Z"}]}, {"StackName": name})
    cf.add_response("describe_stacks", {"Stacks": [{"StackName": name, "StackId": stack_id,
                                                    "StackStatus": "CREATE_COMPLETE",
                                                    "CreationTime": "2026-01-01T00:00:00Z"}]}, {"StackName": stack_id})
    cf.add_client_error("create_change_set", "ValidationError", "No updates are to be performed.")
    cf.add_response("detect_stack_drift", {"StackDriftDetectionId": "d-1"}, {"StackName": stack_id})
    for status in ("DETECTION_IN_PROGRESS", "DETECTION_COMPLETE"):
        cf.add_response("describe_stack_drift_detection_status", {
            "StackId": stack_id, "StackDriftDetectionId": "d-1", "DetectionStatus": status,
            "StackDriftStatus": "DRIFTED", "Timestamp": "2026-01-01T00:00:00Z"}, {"StackDriftDetectionId": "d-1"})
    drift = {"StackId": stack_id, "ResourceType": "AWS::SSM::Parameter", "Timestamp": "2026-01-01T00:00:00Z"}
    cf.add_response("describe_stack_resource_drifts", {"NextToken": "n", "StackResourceDrifts": [
        {**drift, "LogicalResourceId": "Second", "StackResourceDriftStatus": "DELETED"}]},
        {"StackName": stack_id, "StackResourceDriftStatusFilters": ["MODIFIED", "DELETED"]})
    cf.add_response("describe_stack_resource_drifts", {"StackResourceDrifts": [
        {**drift, "LogicalResourceId": "First", "StackResourceDriftStatus": "MODIFIED", "PropertyDifferences": [
            {"PropertyPath": "/Value", "ExpectedValue": "a", "ActualValue": "b", "DifferenceType": "NOT_EQUAL"}]}]},
        {"StackName": stack_id, "StackResourceDriftStatusFilters": ["MODIFIED", "DELETED"], "NextToken": "n"})
    _missing_stackset(session, admin)  # app

    slept: list[float] = []
    preview = preview_rendered(minimal, session, DeployOptions(poll_seconds=3), sleep=slept.append)

    for stubber in session.stubbers.values():
        stubber.assert_no_pending_responses()
    assert slept == [3]  # one wait, while the detection ran
    stack = next(s for s in preview.stacks if s.layer == "tables")
    assert (stack.state, stack.drift) == ("unchanged", "DRIFTED")
    assert [(d.logical_id, d.status, [p.path for p in d.properties]) for d in stack.drifts] == [
        ("First", "MODIFIED", ["/Value"]), ("Second", "DELETED", [])]
    assert not preview.same
    assert f"tables@{region} {name}: no change; drift DRIFTED\n" in preview.text()


def test_a_stack_cloudformation_cannot_change_now_is_reported_with_the_reason(minimal: Rendered) -> None:
    session = StubbedSession()
    admin = control_region(minimal)
    tables = next(x for x in minimal.plan.layers if x.name == "tables")
    name = naming.stack(minimal.blueprint.prefix, "tables")
    stack = {"StackName": name, "StackId": f"arn:aws:cloudformation:{tables.regions[0]}:{ACCOUNT}:stack/{name}/u",
             "StackStatus": "UPDATE_IN_PROGRESS", "CreationTime": "2026-01-01T00:00:00Z"}
    cf = session.stub("cloudformation", tables.regions[0])
    session.stub("sts", admin).add_response("get_caller_identity", {"Account": ACCOUNT})
    _missing_stackset(session, admin)
    _missing_stackset(session, admin)
    cf.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": name})
    cf.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": stack["StackId"]})
    refusal = f"Stack:{stack['StackId']} is in UPDATE_IN_PROGRESS state and can not be updated."
    cf.add_client_error("create_change_set", "ValidationError", refusal)
    _missing_stackset(session, admin)

    preview = preview_rendered(minimal, session, OPTIONS, drift=False)

    for stubber in session.stubbers.values():
        stubber.assert_no_pending_responses()
    assert "DeleteChangeSet" not in [op for op, _ in session.calls]  # none was made
    assert f"tables@{tables.regions[0]} {name}: no change set: ValidationError: {refusal}\n" in preview.text()
    assert preview.summary()["failed"] == 1 and not preview.same


def test_the_reference_blueprint_previews_a_template_passed_by_url(session: boto3.Session, tmp_path: Path) -> None:
    from drgen.synth.stacksets import INLINE_BODY_LIMIT

    reference = drgen.render(drgen.load(ROOT / "blueprints" / "trading-platform.yaml"))
    assert len(reference.files["templates/app.json"]) > INLINE_BODY_LIMIT  # so passed as a TemplateURL
    deployed(session, reference)
    assert preview_rendered(reference, session, OPTIONS, drift=False).same

    folder = tmp_path / "blueprints"
    shutil.copytree(ROOT / "blueprints", folder)
    path = folder / "trading-platform.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "function: trade-processor, threshold: 5, periods: 2",
        "function: trade-processor, threshold: 10, periods: 2"), encoding="utf-8")
    changed = drgen.render(drgen.load(path))
    preview = preview_rendered(changed, session, OPTIONS, drift=False)

    app = next(x for x in changed.plan.layers if x.name == "app")
    assert sorted((s.layer, s.region) for s in preview.stacks if not s.same) == sorted(("app", r) for r in app.regions)
    for stack in preview.stacks:
        if stack.layer == "app":
            assert stack.state == "change" and all(c.action == "Modify" for c in stack.changes)
            assert any(c.type == "AWS::CloudWatch::Alarm" for c in stack.changes)
