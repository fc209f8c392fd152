"""``drgen bootstrap`` against moto in-process: the StackSet roles and the artifact buckets deployed, a second run
that changes nothing, a dry run that only reads, deploy refusing to start before it, and two blueprints
bootstrapped and deployed side by side in one account, each StackSet run by its own blueprint's roles."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

import drgen
from drgen import naming
from drgen.aws.bootstrap import bootstrap_rendered
from drgen.aws.deploy import DeployOptions, DeployResult
from drgen.cli import main
from drgen.errors import DeployError
from drgen.rendering import Rendered
from drgen.synth.stacksets import ADMINISTRATION_ROLE, EXECUTION_ROLE, administration_role, execution_role
from tests import motocompat

motocompat.install()

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "blueprints" / "trading-platform.yaml"
OTHER = ROOT / "blueprints" / "minimal-backup-restore.yaml"
ACCOUNT = "123456789012"
READ_ONLY = ("Describe", "Get", "List", "Head")
OPTIONS = DeployOptions(poll_seconds=0)


@pytest.fixture(scope="module")
def reference() -> Rendered:
    return drgen.render(drgen.load(REFERENCE))


@pytest.fixture(scope="module")
def other() -> Rendered:
    return drgen.render(drgen.load(OTHER))


def bootstrap(rendered: Rendered, session: boto3.Session, **options: object) -> DeployResult:
    return bootstrap_rendered(rendered, session, DeployOptions(poll_seconds=0, **options))  # type: ignore[arg-type]


def test_bootstrap_deploys_the_roles_and_every_regions_artifact_bucket(session: boto3.Session,
                                                                       reference: Rendered) -> None:
    result = bootstrap(reference, session)
    bp = reference.blueprint
    assert [(c.layer, c.region, c.action) for c in result.changes] == [
        ("stackset-roles", bp.control_region, "create"), ("bootstrap", bp.control_region, "create"),
        ("bootstrap", "us-east-1", "create"), ("bootstrap", "us-east-2", "create")]
    iam = session.client("iam")
    administration = iam.get_role(RoleName=administration_role(bp))["Role"]
    assert iam.get_role(RoleName=execution_role(bp))["Role"]["AssumeRolePolicyDocument"]["Statement"][0][
        "Principal"]["AWS"] == [administration["Arn"]]
    control = session.client("cloudformation", region_name=bp.control_region)
    stack = control.describe_stacks(StackName=f"{bp.prefix}-stackset-roles")["Stacks"][0]
    assert {t["Key"]: t["Value"] for t in stack["Tags"]}["drgen:blueprint"] == bp.name
    for region in bp.region_names:
        bucket = naming.artifact_bucket(bp.prefix, region).replace(naming.ACCOUNT, ACCOUNT)
        session.client("s3", region_name=region).head_bucket(Bucket=bucket)  # raises unless it exists
    stackset = control.describe_stack_set(
        StackSetName=naming.stack(bp.prefix, "bootstrap"))["StackSet"]
    assert stackset["AdministrationRoleARN"] == administration["Arn"]
    assert stackset["ExecutionRoleName"] == execution_role(bp)


def test_a_second_bootstrap_changes_nothing(session: boto3.Session, reference: Rendered) -> None:
    bootstrap(reference, session)
    calls: list[str] = []
    session.events.register("before-call", lambda model, **_: calls.append(model.name))
    again = bootstrap(reference, session)
    assert not again.changed and again.operations == []
    assert all(name.startswith(READ_ONLY) for name in calls), sorted(set(calls))
    assert "nothing to do" in again.text()


def test_a_dry_run_only_reads_and_creates_nothing(session: boto3.Session, reference: Rendered) -> None:
    calls: list[str] = []
    session.events.register("before-call", lambda model, **_: calls.append(model.name))
    result = bootstrap(reference, session, dry_run=True)
    assert calls and all(name.startswith(READ_ONLY) for name in calls), sorted(set(calls))
    assert result.changed and result.operations == []
    cf = session.client("cloudformation", region_name=reference.blueprint.control_region)
    assert cf.list_stack_sets()["Summaries"] == [] and cf.describe_stacks()["Stacks"] == []
    assert session.client("iam").list_roles()["Roles"] == []


def test_deploy_before_bootstrap_names_the_missing_roles_and_creates_nothing(
        session: boto3.Session, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy", str(REFERENCE), "--yes"]) == 1
    err = capsys.readouterr().err
    assert "drgen.trading-platform-prod.stackset-administration and drgen.trading-platform-prod.stackset-execution " \
           "do not exist in account 123456789012" in err
    assert "Run drgen bootstrap with this blueprint first" in err
    control = drgen.load(REFERENCE).control_region
    assert session.client("cloudformation", region_name=control).list_stack_sets()["Summaries"] == []


def test_the_cli_bootstraps_then_deploy_runs(session: boto3.Session, other: Rendered,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bootstrap", str(OTHER), "--dry-run"]) == 0
    assert "would change 4 things" in capsys.readouterr().out
    assert main(["bootstrap", str(OTHER), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "changed 4 things in account 123456789012" in captured.out
    assert "SUCCEEDED" in captured.err  # progress, one line per status change
    assert main(["bootstrap", str(OTHER), "--format", "json"]) == 0
    assert '"operations": []' in capsys.readouterr().out
    assert main(["deploy", str(OTHER), "--yes", "--quiet"]) == 0


def test_two_blueprints_bootstrap_and_deploy_side_by_side_then_redeploy_as_no_ops(
        session: boto3.Session, reference: Rendered, other: Rendered) -> None:
    for rendered in (reference, other):
        bootstrap(rendered, session)
    for rendered in (reference, other):
        assert drgen.deploy(rendered, session, options=OPTIONS).changed
    for rendered in (reference, other):
        assert not bootstrap(rendered, session).changed
        again = drgen.deploy(rendered, session, options=OPTIONS)
        assert not again.changed and again.operations == []
    for rendered in (reference, other):
        bp = rendered.blueprint
        cf = session.client("cloudformation", region_name=bp.control_region)  # the administration region
        for layer in rendered.plan.layers:
            if layer.kind == "stackset":
                stackset = cf.describe_stack_set(StackSetName=naming.stack(bp.prefix, layer.name))["StackSet"]
                assert stackset["AdministrationRoleARN"].endswith(f":role/{administration_role(bp)}")
                assert stackset["ExecutionRoleName"] == execution_role(bp)
    roles = {r["RoleName"] for r in session.client("iam").list_roles()["Roles"]}
    assert {administration_role(r.blueprint) for r in (reference, other)} <= roles
    assert not {ADMINISTRATION_ROLE, EXECUTION_ROLE} & roles


def test_aws_default_roles_are_bootstrapped_with_aws_names(session: boto3.Session, tmp_path: Path) -> None:
    path = tmp_path / "blueprint.yaml"
    assert main(["init", str(path), "--name", "legacy"]) == 0
    path.write_text(path.read_text().replace("version: 1\n", "version: 1\nstackset_roles: aws-default\n", 1))
    rendered = drgen.render(drgen.load(path))
    assert rendered.blueprint.stackset_roles == "aws-default"
    bootstrap(rendered, session)
    roles = {r["RoleName"] for r in session.client("iam").list_roles()["Roles"]}
    assert {ADMINISTRATION_ROLE, EXECUTION_ROLE} <= roles
    assert drgen.deploy(rendered, session, options=OPTIONS).changed


def test_an_unknown_roles_choice_is_located(tmp_path: Path) -> None:
    path = tmp_path / "blueprint.yaml"
    assert main(["init", str(path), "--name", "custom-roles"]) == 0
    path.write_text(path.read_text().replace("version: 1\n", "version: 1\nstackset_roles: custom\n", 1))
    line = path.read_text().splitlines().index("stackset_roles: custom") + 1
    problems = [d for d in drgen.validate(path) if d.is_error]
    assert [(d.code, d.path, d.line) for d in problems] == [("E104", "stackset_roles", line)]
    assert "one of: blueprint, aws-default" in problems[0].message


def test_other_accounts_are_refused_before_anything_is_created(session: boto3.Session, tmp_path: Path) -> None:
    path = tmp_path / "blueprint.yaml"
    assert main(["init", str(path), "--name", "elsewhere"]) == 0
    path.write_text(path.read_text().replace("version: 1\n", "version: 1\naccounts: ['210987654321']\n", 1))
    with pytest.raises(DeployError, match="drgen bootstrap uploads"):
        bootstrap(drgen.render(drgen.load(path)), session)
    assert session.client("iam").list_roles()["Roles"] == []
