"""``drgen destroy`` against moto in-process: the reference blueprint torn down in the reverse of its plan, stack
instances before their StackSets, what its DeletionPolicy keeps left in place and listed, nothing of another
blueprint in the same account touched, nothing deleted that drgen's tags do not mark as the blueprint's, dry
runs that only read, and the typed confirmation."""

from __future__ import annotations

import sys
from pathlib import Path

import boto3
import pytest

import drgen
from drgen import naming
from drgen.aws.bootstrap import bootstrap_rendered
from drgen.aws.deploy import DeployOptions, Event
from drgen.aws.destroy import DestroyResult, destroy_rendered
from drgen.cli import main
from drgen.errors import DeployError
from drgen.rendering import Rendered
from drgen.synth.stacksets import administration_role
from tests import motocompat

motocompat.install()

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "blueprints" / "trading-platform.yaml"
OTHER = ROOT / "blueprints" / "minimal-backup-restore.yaml"
PREFIX = "trading-platform-prod"
READ_ONLY = ("Describe", "Get", "List", "Head")
OPTIONS = DeployOptions(poll_seconds=0)
CONTROL = drgen.load(REFERENCE).control_region
"""Where the reference blueprint's StackSets and roles stack live."""


@pytest.fixture(scope="module")
def reference() -> Rendered:
    return drgen.render(drgen.load(REFERENCE))


def deployed(rendered: Rendered, session: boto3.Session) -> None:
    bootstrap_rendered(rendered, session, OPTIONS)
    drgen.deploy(rendered, session, options=OPTIONS)


def destroy(rendered: Rendered, session: boto3.Session, events: list[Event] | None = None,
            dry_run: bool = False) -> DestroyResult:
    return destroy_rendered(rendered, session, DeployOptions(poll_seconds=0, dry_run=dry_run),
                            None if events is None else events.append)


def live_stacksets(session: boto3.Session, region: str) -> set[str]:
    summaries = session.client("cloudformation", region_name=region).list_stack_sets()["Summaries"]
    return {s["StackSetName"] for s in summaries if s["Status"] != "DELETED"}


def stacks(session: boto3.Session, region: str) -> set[str]:
    return {s["StackName"] for s in session.client("cloudformation", region_name=region).describe_stacks()["Stacks"]}


def test_destroy_tears_down_in_reverse_and_keeps_exactly_what_deletion_policies_keep(
        session: boto3.Session, reference: Rendered) -> None:
    deployed(reference, session)
    bp = reference.blueprint
    events: list[Event] = []
    result = destroy(reference, session, events)

    plan = [layer.name for layer in reference.plan.layers]
    started = [e.layer for e in events if e.status == "started"]
    assert started == [*reversed(plan), "stackset-roles"]  # each layer once: its instances in one operation
    database = [(c.region, c.what.split(" of ")[0]) for c in result.changes if c.layer == "database"]
    assert database == [(bp.secondaries[0].name, "stack instance"), (bp.primary.name, "stack instance"),
                        (bp.control_region, f"StackSet {PREFIX}-database")]  # secondary cluster first, StackSet last
    assert live_stacksets(session, bp.control_region) == set()
    assert stacks(session, "us-east-1") == set() and stacks(session, "us-east-2") == set()
    iam = session.client("iam")
    assert administration_role(bp) not in {r["RoleName"] for r in iam.list_roles()["Roles"]}
    # what was kept: the retained buckets and keys, and nothing else of the blueprint's buckets and functions
    kept = {(k.region, k.type, k.physical_id) for k in result.kept}
    assert ("us-east-1", "AWS::S3::Bucket", f"{PREFIX}-config-us-east-1-123456789012") in kept
    buckets = {b["Name"] for b in session.client("s3").list_buckets()["Buckets"]}
    assert buckets == {p for _, t, p in kept if t == "AWS::S3::Bucket"} and len(buckets) == 8
    for region in bp.region_names:
        keys = {k["KeyId"] for k in session.client("kms", region_name=region).list_keys()["Keys"]}
        assert {p for r, t, p in kept if r == region and t == "AWS::KMS::Key"} <= keys
        assert session.client("lambda", region_name=region).list_functions()["Functions"] == []
        # queues are retained (their messages would go with them): exactly the kept ones are left
        queues = set(session.client("sqs", region_name=region).list_queues().get("QueueUrls", []))
        kept_queues = {p for r, t, p in kept if r == region and t == "AWS::SQS::Queue"}
        assert queues and {q.rsplit("/", 1)[-1] for q in queues} == {q.rsplit("/", 1)[-1] for q in kept_queues}
    text = result.text()
    assert f"deleted {len(result.changes)} things in account 123456789012" in text
    assert "kept" in text and "DeletionPolicy Retain" in text and "DeletionPolicy Snapshot" in text
    again = destroy(reference, session)
    assert again.changes == [] and "nothing to destroy" in again.text()


def test_a_dry_run_only_reads_and_lists_what_it_would_delete_and_keep(session: boto3.Session,
                                                                      reference: Rendered) -> None:
    deployed(reference, session)
    calls: list[str] = []
    session.events.register("before-call", lambda model, **_: calls.append(model.name))
    result = destroy(reference, session, dry_run=True)
    assert calls and all(name.startswith(READ_ONLY) for name in calls), sorted(set(calls))
    assert result.operations == [] and result.kept
    assert "would delete" in result.text() and "would keep" in result.text()
    assert naming.stack(PREFIX, "bootstrap") in live_stacksets(session, CONTROL)
    assert not drgen.deploy(reference, session, options=OPTIONS).changed  # everything still there


def test_destroying_one_blueprint_leaves_the_other_in_the_account_alone(session: boto3.Session,
                                                                         reference: Rendered) -> None:
    other = drgen.render(drgen.load(OTHER))
    deployed(reference, session)
    deployed(other, session)
    destroy(reference, session)
    assert not bootstrap_rendered(other, session, OPTIONS).changed
    again = drgen.deploy(other, session, options=OPTIONS)
    assert not again.changed and again.operations == []


def test_a_stack_with_the_blueprints_name_but_not_its_tags_stops_destroy_before_any_deletion(
        session: boto3.Session, reference: Rendered) -> None:
    bootstrap_rendered(reference, session, OPTIONS)
    cf = session.client("cloudformation")
    cf.create_stack(StackName=naming.stack(PREFIX, "dns"), Tags=[{"Key": "team", "Value": "someone-else"}],
                    TemplateBody='{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}')
    with pytest.raises(DeployError, match=r"tags say otherwise .*drgen deletes only what it created; nothing was"):
        destroy(reference, session)
    assert naming.stack(PREFIX, "dns") in stacks(session, "us-east-1")
    assert naming.stack(PREFIX, "bootstrap") in live_stacksets(session, CONTROL)
    assert f"{PREFIX}-stackset-roles" in stacks(session, CONTROL)


def test_the_cli_asks_for_the_prefix_and_refuses_off_a_terminal_without_yes(
        session: boto3.Session, reference: Rendered, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    bootstrap_rendered(reference, session, OPTIONS)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    assert main(["destroy", str(REFERENCE)]) == 2
    assert "asks for the blueprint's prefix" in capsys.readouterr().err
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    assert main(["destroy", str(REFERENCE)]) == 1
    assert "nothing deleted" in capsys.readouterr().err
    assert naming.stack(PREFIX, "bootstrap") in live_stacksets(session, CONTROL)
    assert main(["destroy", str(REFERENCE), "--dry-run"]) == 0
    assert "would delete 4 things" in capsys.readouterr().out
    monkeypatch.setattr("builtins.input", lambda prompt: PREFIX if PREFIX in prompt else "")
    assert main(["destroy", str(REFERENCE), "--quiet"]) == 0
    assert "deleted 4 things" in capsys.readouterr().out
    assert live_stacksets(session, CONTROL) == set()
    assert main(["destroy", str(REFERENCE), "--yes", "--format", "json"]) == 0
    assert '"changes": []' in capsys.readouterr().out
