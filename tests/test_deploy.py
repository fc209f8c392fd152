"""``drgen deploy`` against moto in-process: the reference blueprint end to end through the real StackSet APIs,
idempotence, updates of only what changed, dry runs that only read, and failures a rerun finishes.

moto creates the resources of most types in each region; for the types in ``motocompat.PLACEHOLDER_TYPES``
(Aurora clusters, DynamoDB global tables, bucket/queue/topic policies, API stages and domain names,
certificates, CloudWatch alarms, Secrets Manager secrets...) it has no CloudFormation model, so those stand in
as placeholders and nothing is asserted of them here.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError
from moto import mock_aws

import drgen
from drgen import naming
from drgen.aws.deploy import DeployOptions, DeployResult, Event, deploy_rendered
from drgen.errors import DeployError
from drgen.rendering import Rendered
from tests import motocompat

motocompat.install()

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "blueprints" / "trading-platform.yaml"
PREFIX = "trading-platform-prod"
ACCOUNT = "123456789012"
READ_ONLY = ("Describe", "Get", "List", "Head")


@pytest.fixture(scope="module")
def reference() -> Rendered:
    return drgen.render(drgen.load(REFERENCE))


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch, reference: Rendered) -> Iterator[boto3.Session]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        aws = boto3.Session(region_name="us-east-1")
        motocompat.create_stackset_roles(aws, reference)  # the account's one-time setup (docs/roles.md)
        yield aws


def deploy(rendered: Rendered, session: boto3.Session, events: list[Event] | None = None,
           **options: Any) -> DeployResult:
    return drgen.deploy(rendered, session, options=DeployOptions(poll_seconds=0, **options),
                        on_event=None if events is None else events.append)


def stackset_layers(rendered: Rendered) -> list[Any]:
    return [layer for layer in rendered.plan.layers if layer.kind == "stackset"]


def operation_count(session: boto3.Session, rendered: Rendered) -> int:
    cf = session.client("cloudformation", region_name=rendered.blueprint.control_region)
    return sum(len(cf.list_stack_set_operations(StackSetName=naming.stack(PREFIX, layer.name))["Summaries"])
               for layer in stackset_layers(rendered))


def edited(tmp_path: Path, old: str, new: str) -> Rendered:
    """The reference blueprint with one edit, rendered (its function sources copied alongside)."""
    folder = tmp_path / "blueprints"
    shutil.copytree(ROOT / "blueprints", folder)
    path = folder / "trading-platform.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return drgen.render(drgen.load(path))


# ---- end to end ----------------------------------------------------------------------------------------

def test_reference_blueprint_deploys_every_layer_in_every_region(session: boto3.Session,
                                                                 reference: Rendered) -> None:
    events: list[Event] = []
    result = deploy(reference, session, events)

    plan = reference.plan
    instances = sum(len(layer.regions) for layer in stackset_layers(reference))
    stacks = [layer for layer in plan.layers if layer.kind == "stack"]
    assert result.account == ACCOUNT
    # and one more: once every region's buckets exist, the storage StackSet again, to replicate both ways
    assert len(result.operations) == instances + len(stacks) + 1
    bp = reference.blueprint
    admin = session.client("cloudformation", region_name=bp.control_region)
    for layer in stackset_layers(reference):
        name = naming.stack(PREFIX, layer.name)
        summaries = admin.list_stack_instances(StackSetName=name)["Summaries"]
        assert sorted(s["Region"] for s in summaries) == sorted(layer.regions)
        assert {s["Status"] for s in summaries} == {"CURRENT"}
        operations = admin.list_stack_set_operations(StackSetName=name)["Summaries"]
        assert {o["Status"] for o in operations} == {"SUCCEEDED"}
    for layer in stacks:
        cf = session.client("cloudformation", region_name=layer.regions[0])
        assert cf.describe_stacks(StackName=naming.stack(PREFIX, layer.name))["Stacks"][0]["StackStatus"] == \
            "CREATE_COMPLETE"
    # the plan's order is the order things happened in
    started = [(e.layer, e.region) for e in events if e.status == "started" and e.layer != "artifacts"]
    order = [layer.name for layer in plan.layers]
    assert [order.index(layer) for layer, _ in started] == sorted(order.index(layer) for layer, _ in started)
    database = [region for layer, region in started if layer == "database"]
    primary, secondary = bp.primary.name, bp.secondaries[0].name
    # the StackSet (in the control region), then the primary, then the secondary
    assert database == [bp.control_region, primary, secondary]
    storage = [region for layer, region in started if layer == "storage"][1:]
    assert storage == [secondary, primary, bp.control_region]  # destinations first, then the StackSet again
    stackset = admin.describe_stack_set(StackSetName=naming.stack(PREFIX, "storage"))["StackSet"]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stackset["Parameters"]}["PeerBuckets"] == "ready"
    assert any(c.layer == "storage" and c.action == "update" and "PeerBuckets" in c.why for c in result.changes)


def test_resources_moto_creates_exist_in_each_region(session: boto3.Session, reference: Rendered) -> None:
    deploy(reference, session)
    bp = reference.blueprint
    for region in bp.regions:
        name = region.name
        kms = session.client("kms", region_name=name)
        assert f"alias/{PREFIX}" in {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
        s3 = session.client("s3", region_name=name)
        bucket = naming.artifact_bucket(PREFIX, name).replace(naming.ACCOUNT, ACCOUNT)
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
        assert {p.key for p in reference.packages.values()} <= keys
        assert {k for k in keys if k.startswith("templates/")} == {
            f"templates/{layer}/{_sha(reference, layer)}.json" for layer in reference.layer_templates}
        ec2 = session.client("ec2", region_name=name)
        cidrs = {v["CidrBlock"] for v in ec2.describe_vpcs()["Vpcs"]}
        assert region.cidr in cidrs
        lambdas = {f["FunctionName"] for f in session.client("lambda", region_name=name).list_functions()["Functions"]}
        assert naming.function(PREFIX, "trade-processor") in lambdas
        queues = session.client("sqs", region_name=name).list_queues().get("QueueUrls", [])
        assert any(url.endswith(naming.queue(PREFIX, "trade-orders")) for url in queues)
        machines = {m["name"] for m in session.client("stepfunctions", region_name=name).list_state_machines()
                    ["stateMachines"]}
        assert naming.state_machine(PREFIX) in machines  # in every region: failing back is the same machine
        roles = {r["RoleName"] for r in session.client("iam").list_roles()["Roles"]}
        assert any(role.startswith(PREFIX) for role in roles)
    route53 = session.client("route53")
    zones = route53.list_hosted_zones()["HostedZones"]
    assert [z["Name"].rstrip(".") for z in zones] == ["trading-platform.example.com"]
    records = route53.list_resource_record_sets(HostedZoneId=zones[0]["Id"])["ResourceRecordSets"]
    failover = {r.get("Failover") for r in records if r["Name"] == "api.trading-platform.example.com."}
    assert failover == {"PRIMARY", "SECONDARY"}
    checks = route53.list_health_checks()["HealthChecks"]
    kinds = sorted((c["HealthCheckConfig"]["Type"], c["HealthCheckConfig"].get("SearchString")) for c in checks)
    # per region: the routing check (only the active region matches) and the liveness check (any 2xx)
    assert kinds == [("HTTPS", None)] * 2 + [("HTTPS_STR_MATCH", '"status":"active"')] * 2


def _sha(rendered: Rendered, layer: str) -> str:
    return hashlib.sha256(rendered.files[f"templates/{layer}.json"]).hexdigest()


def test_placeholders_are_only_for_types_drgen_renders_and_moto_lacks(reference: Rendered) -> None:
    rendered_types = {resource["Type"] for path, data in reference.files.items() if path.startswith("templates/")
                      for resource in json.loads(data)["Resources"].values()}
    for resource_type in motocompat.PLACEHOLDER_TYPES:
        assert resource_type in rendered_types, f"{resource_type} is no longer rendered: drop its placeholder"
        assert resource_type not in motocompat.MOTO_TYPES, f"moto now models {resource_type}: drop its placeholder"
    for resource_type in motocompat.REPLACED_TYPES:
        assert resource_type in rendered_types and resource_type in motocompat.MOTO_TYPES


# ---- idempotence and updates ---------------------------------------------------------------------------

def test_a_second_deploy_starts_no_operation(session: boto3.Session, reference: Rendered) -> None:
    deploy(reference, session)
    before = operation_count(session, reference)
    again = deploy(reference, session)
    assert again.operations == []
    assert not again.changed
    assert operation_count(session, reference) == before
    assert "nothing to do" in again.text()
    assert {c.action for c in again.changes} == {"unchanged"}


def test_a_changed_alarm_updates_only_the_app_stackset(session: boto3.Session, reference: Rendered,
                                                       tmp_path: Path) -> None:
    deploy(reference, session)
    changed = edited(tmp_path, "function: trade-processor, threshold: 5, periods: 2",
                     "function: trade-processor, threshold: 10, periods: 2")
    result = deploy(changed, session)
    updates = [c for c in result.changes if c.action != "unchanged"]
    # the new app template is uploaded (content-addressed, a new key), then one operation updates the StackSet
    # and both regions' instances, in order
    assert [(c.layer, c.region, c.action) for c in updates] == [
        ("artifacts", "us-east-1", "upload"), ("artifacts", "us-east-2", "upload"),
        ("app", reference.blueprint.control_region, "update")]
    assert all(c.what.startswith("1 of ") for c in updates if c.layer == "artifacts")
    assert "template changed" in updates[-1].why and "us-east-1, us-east-2" in updates[-1].what
    assert len(result.operations) == 1
    assert deploy(changed, session).operations == []


def test_a_changed_zone_list_updates_only_that_regions_network_instance(session: boto3.Session,
                                                                        reference: Rendered,
                                                                        tmp_path: Path) -> None:
    deploy(reference, session)
    changed = edited(tmp_path, "availability_zones: [us-east-2a, us-east-2b, us-east-2c]",
                     "availability_zones: [us-east-2a, us-east-2c, us-east-2b]")
    result = deploy(changed, session)
    updates = [(c.layer, c.region, c.action) for c in result.changes if c.action != "unchanged"]
    assert updates == [("network", "us-east-2", "update")]
    admin = session.client("cloudformation", region_name=reference.blueprint.control_region)
    instance = admin.describe_stack_instance(StackSetName=naming.stack(PREFIX, "network"),
                                             StackInstanceAccount=ACCOUNT, StackInstanceRegion="us-east-2")
    overrides = {p["ParameterKey"]: p["ParameterValue"] for p in instance["StackInstance"]["ParameterOverrides"]}
    assert overrides["Zones"] == "us-east-2a,us-east-2c,us-east-2b"


def test_a_changed_ttl_updates_only_the_dns_stack(session: boto3.Session, reference: Rendered,
                                                   tmp_path: Path) -> None:
    """45 s keeps the state machine's redrive rounds (drgen.asl_redrive: they wait out the DNS drain)."""
    deploy(reference, session)
    changed = edited(tmp_path, "ttl: 60s", "ttl: 45s")
    result = deploy(changed, session)
    updates = [(c.layer, c.region, c.action) for c in result.changes if c.action not in ("unchanged", "upload")]
    assert updates == [("dns", "us-east-1", "update")]
    assert len(result.operations) == 1
    zone = session.client("route53").list_hosted_zones()["HostedZones"][0]["Id"]
    records = session.client("route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    assert {r["TTL"] for r in records if r["Name"] == "api.trading-platform.example.com."} == {45}


# ---- dry runs ------------------------------------------------------------------------------------------

def _record_calls(session: boto3.Session) -> list[str]:
    calls: list[str] = []
    session.events.register("before-call", lambda model, **_: calls.append(model.name))
    return calls


def test_a_dry_run_only_reads_and_says_what_it_would_do(session: boto3.Session, reference: Rendered) -> None:
    calls = _record_calls(session)
    result = deploy(reference, session, dry_run=True)
    assert calls and all(name.startswith(READ_ONLY) for name in calls), sorted(set(calls))
    assert result.operations == []
    control = reference.blueprint.control_region
    assert session.client("cloudformation", region_name=control).list_stack_sets()["Summaries"] == []
    creates = {(c.layer, c.region) for c in result.changes if c.action == "create"}
    assert ("bootstrap", control) in creates and ("dns", "us-east-1") in creates
    assert "would change" in result.text()


def test_a_dry_run_after_an_edit_names_the_update(session: boto3.Session, reference: Rendered,
                                                  tmp_path: Path) -> None:
    deploy(reference, session)
    changed = edited(tmp_path, "visibility_timeout: 180s", "visibility_timeout: 240s")
    calls = _record_calls(session)
    result = deploy(changed, session, dry_run=True)
    assert all(name.startswith(READ_ONLY) for name in calls)
    # the queue, and the state machine's redrive, which waits out the longest visibility timeout
    assert [(c.layer, c.action) for c in result.changes if c.action not in ("unchanged", "upload")] == [
        ("app", "update"), ("orchestration", "update")]
    assert deploy(changed, session).operations  # and the real run does it


# ---- failures and reruns -------------------------------------------------------------------------------

class FailingInstance:
    """Makes the next operation on one StackSet instance fail the way AWS reports it: the operation FAILED,
    the instance OUTDATED with a reason, and a failed resource in the instance's stack events."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from moto.cloudformation import models

        self.armed: tuple[str, str] | None = None
        create_operation = models.StackSet._create_operation
        to_dict = models.StackInstance.to_dict
        update_instances = models.StackSet.update_instances
        injector = self

        def failing_operation(stackset: Any, operation_id: str, action: str, status: str,
                              accounts: list[str] | None = None, regions: list[str] | None = None) -> Any:
            if injector.armed and stackset.name == injector.armed[0] and injector.armed[1] in (regions or []):
                status = "FAILED"
                for instance in stackset.instances.stack_instances:
                    if instance.region_name == injector.armed[1]:
                        instance.drgen_failure = "ResourceLogicalId:ApiDomain, ResourceType:AWS::ApiGateway::DomainName"
                        instance.stack.events.append(models.Event(
                            instance.stack.stack_id, instance.stack.name, "ApiDomain", "", "AWS::ApiGateway::DomainName",
                            "CREATE_FAILED", "The certificate is not yet validated", None))
                injector.armed = None
            return create_operation(stackset, operation_id, action, status, accounts, regions)

        def reporting(instance: Any) -> dict[str, Any]:
            out = to_dict(instance)
            if getattr(instance, "drgen_failure", None):
                out.update(Status="OUTDATED", StatusReason=instance.drgen_failure,
                           StackInstanceStatus={"DetailedStatus": "FAILED"})
            return out

        def updating(stackset: Any, accounts: list[str], regions: list[str], parameters: Any) -> Any:
            for instance in stackset.instances.stack_instances:
                if instance.region_name in regions:
                    instance.drgen_failure = None
            return update_instances(stackset, accounts, regions, parameters)

        monkeypatch.setattr(models.StackSet, "_create_operation", failing_operation)
        monkeypatch.setattr(models.StackInstance, "to_dict", reporting)
        monkeypatch.setattr(models.StackSet, "update_instances", updating)

    def arm(self, stackset: str, region: str) -> None:
        self.armed = (stackset, region)


def test_a_failed_operation_stops_with_aws_reasons_and_a_rerun_finishes(
        session: boto3.Session, reference: Rendered, monkeypatch: pytest.MonkeyPatch) -> None:
    injector = FailingInstance(monkeypatch)
    injector.arm(naming.stack(PREFIX, "app"), "us-east-2")
    with pytest.raises(DeployError) as failure:
        deploy(reference, session)
    message = str(failure.value)
    assert "app: StackSet operation" in message and "ended FAILED" in message
    assert "us-east-2 stack instance: OUTDATED: ResourceLogicalId:ApiDomain" in message
    assert "ApiDomain (AWS::ApiGateway::DomainName): The certificate is not yet validated" in message
    assert "rerun drgen deploy" in message
    cf = session.client("cloudformation", region_name=reference.blueprint.control_region)
    assert cf.list_stack_sets(Status="ACTIVE")["Summaries"]
    with pytest.raises(cf.exceptions.ClientError):  # it stopped there: nothing after the app layer
        cf.describe_stack_set(StackSetName=naming.stack(PREFIX, "orchestration"))

    rerun = deploy(reference, session)
    redone = [(c.layer, c.region, c.action) for c in rerun.changes if c.action != "unchanged"]
    assert redone[0] == ("app", "us-east-2", "update")  # the failed instance, retried
    assert ("orchestration", "us-east-2", "create") in redone and ("dns", "us-east-1", "create") in redone
    assert not any(layer in ("bootstrap", "network", "database", "storage") for layer, _, _ in redone)
    assert deploy(reference, session).operations == []


def _refuse_after(session: boto3.Session, calls: int, response: Any) -> None:
    """After ``calls`` API calls, answer every call with ``response`` (a (http, parsed) pair or an exception)."""
    seen = [0]

    def answer(model: Any, **_: Any) -> Any:
        seen[0] += 1
        if seen[0] <= calls:
            return None
        if isinstance(response, Exception):
            raise response
        return response

    session.events.register("before-call", answer)


def _expired(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
    http = AWSResponse("https://cloudformation.us-east-1.amazonaws.com/", 403, {}, None)
    return http, {"Error": {"Code": "ExpiredToken", "Message": "The security token included in the request is expired"},
                  "ResponseMetadata": {"HTTPStatusCode": 403}}


def test_an_expired_credential_mid_deploy_stops_clearly_and_a_rerun_finishes(session: boto3.Session,
                                                                             reference: Rendered) -> None:
    expiring = boto3.Session(region_name="us-east-1")
    _refuse_after(expiring, 60, _expired())
    with pytest.raises(DeployError) as failure:
        deploy(reference, expiring)
    assert "AWS refused the credentials (ExpiredToken: The security token included in the request is expired)" \
        in str(failure.value)
    assert "rerun drgen deploy" in str(failure.value)
    partial = deploy(reference, session, dry_run=True)
    assert partial.changed  # it stopped part way
    assert any(c.action == "unchanged" for c in partial.changes)
    deploy(reference, session)
    assert deploy(reference, session).operations == []


def test_an_endpoint_lost_mid_deploy_stops_clearly_and_a_rerun_finishes(session: boto3.Session,
                                                                       reference: Rendered) -> None:
    flaky = boto3.Session(region_name="us-east-1")
    _refuse_after(flaky, 90, EndpointConnectionError(endpoint_url="https://cloudformation.us-east-1.amazonaws.com/"))
    with pytest.raises(DeployError) as failure:
        deploy(reference, flaky)
    assert "cannot reach AWS (Could not connect to the endpoint URL" in str(failure.value)
    deploy(reference, session)
    assert deploy(reference, session).operations == []


def test_an_unreachable_endpoint_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, reference: Rendered) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DeployError) as failure:
        drgen.deploy(reference, boto3.Session(region_name="us-east-1"),
                     options=DeployOptions(poll_seconds=0, max_attempts=1, endpoint_url=f"http://127.0.0.1:{port}"))
    assert str(failure.value).startswith("start: cannot reach AWS (Could not connect to the endpoint URL")


def test_missing_stackset_roles_are_named_before_anything_is_created(monkeypatch: pytest.MonkeyPatch,
                                                                      reference: Rendered) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        bare = boto3.Session(region_name="us-east-1")
        with pytest.raises(DeployError) as failure:
            deploy(reference, bare)
        assert str(failure.value).startswith(f"drgen.{PREFIX}.stackset-administration and "
                                             f"drgen.{PREFIX}.stackset-execution do not exist in account "
                                             f"{ACCOUNT}: StackSets need both roles")
        assert "Run drgen bootstrap with this blueprint first" in str(failure.value)
        assert bare.client("cloudformation").list_stack_sets()["Summaries"] == []


def test_other_accounts_than_the_sessions_are_refused(session: boto3.Session, tmp_path: Path) -> None:
    other = edited(tmp_path, "version: 1\n", "version: 1\naccounts: ['210987654321']\n")
    with pytest.raises(DeployError, match="deploys one account, the session's"):
        deploy(other, session)


@pytest.mark.parametrize("name", ["three-region", "minimal-backup-restore"])
def test_the_other_example_blueprints_deploy_then_find_nothing_to_do(name: str, session: boto3.Session,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.route53 import models

    rendered = drgen.render(drgen.load(ROOT / "blueprints" / f"{name}.yaml"))
    dns = rendered.blueprint.dns
    if dns is not None and dns.zone_id:  # the blueprint names an existing zone: make it exist, with that id
        monkeypatch.setattr(models, "create_route53_zone_id", lambda **_: dns.zone_id)
        session.client("route53").create_hosted_zone(Name=dns.zone, CallerReference="test")
    motocompat.create_stackset_roles(session, rendered)  # its own roles, beside the reference blueprint's
    first = deploy(rendered, session)
    assert len(first.operations) == sum(len(layer.regions) if layer.kind == "stackset" else 1
                                        for layer in rendered.plan.layers) + bool(rendered.blueprint.buckets)
    admin = session.client("cloudformation", region_name=rendered.blueprint.control_region)
    for layer in stackset_layers(rendered):
        summaries = admin.list_stack_instances(StackSetName=naming.stack(rendered.blueprint.prefix, layer.name))
        assert sorted(s["Region"] for s in summaries["Summaries"]) == sorted(layer.regions)
    assert deploy(rendered, session).operations == []


# ---- retries -----------------------------------------------------------------------------------------------

def test_throttling_is_retried_by_botocore(session: boto3.Session, reference: Rendered) -> None:
    refused: list[int] = []

    def throttle(request: Any, **_: Any) -> AWSResponse | None:
        if len(refused) < 2:  # the first two CreateStackSet requests are throttled, as AWS does under load
            refused.append(1)
            body = (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded"
                    b"</Message></Error><RequestId>1</RequestId></ErrorResponse>")
            return AWSResponse(request.url, 400, {}, _Raw(body))
        return None

    session.events.register_first("before-send.cloudformation.CreateStackSet", throttle)
    result = deploy(reference, session, max_attempts=3)
    assert len(refused) == 2
    assert result.operations


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def test_an_operation_already_in_progress_is_waited_for(session: boto3.Session, reference: Rendered) -> None:
    busy = [2]
    slept: list[float] = []

    def in_progress(model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if busy[0]:
            busy[0] -= 1
            return (AWSResponse("https://cloudformation.us-east-1.amazonaws.com/", 400, {}, None),
                    {"Error": {"Code": "OperationInProgressException", "Message": "Another operation is running"},
                     "ResponseMetadata": {"HTTPStatusCode": 400}})
        return None

    session.events.register("before-call.cloudformation.CreateStackInstances", in_progress)
    result = deploy_rendered(reference, session, DeployOptions(poll_seconds=7), sleep=slept.append)
    assert busy == [0] and result.operations
    assert slept == [7, 7]  # it waited a poll interval before each new attempt


# ---- progress on the command line --------------------------------------------------------------------------

class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_rewrites_one_line_on_a_terminal_and_prints_changes_elsewhere() -> None:
    from drgen.cli import Progress

    events = [Event("database", "us-east-2", "create", "started", 0.0, "stack instance"),
              Event("database", "us-east-2", "create", "RUNNING", 10.0),
              Event("database", "us-east-2", "create", "RUNNING", 20.0),
              Event("database", "us-east-2", "create", "SUCCEEDED", 1830.0)]
    terminal = _Terminal()
    live = Progress(terminal, live=True)
    plain_stream = io.StringIO()
    plain = Progress(plain_stream, live=False)
    for event in events:
        live(event)
        plain(event)
    live.finish()
    assert terminal.getvalue().count("\r\x1b[K") == 4
    assert "RUNNING              00:20" in terminal.getvalue() and terminal.getvalue().endswith("30:30\n")
    lines = plain_stream.getvalue().splitlines()
    assert [line.split()[3] for line in lines] == ["started", "RUNNING", "SUCCEEDED"]  # the repeated poll: no line
    assert lines[-1].startswith("database      us-east-2       create    SUCCEEDED            30:30")
