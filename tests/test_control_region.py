"""The control region (issue #13): every StackSet is administered from it and reads its template from its
artifact bucket, so that a deploy runs while the primary is down; ``--skip-region`` deploys without contacting
a failed region at all. On moto, in-process."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import boto3
import pytest

import drgen
from drgen import naming
from drgen.aws.bootstrap import bootstrap_rendered
from drgen.aws.deploy import DeployOptions, DeployResult
from drgen.cli import main
from drgen.errors import UsageError
from drgen.rendering import Rendered
from tests import motocompat

motocompat.install()

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "blueprints" / "trading-platform.yaml"
THREE = ROOT / "blueprints" / "three-region.yaml"
ACCOUNT = "123456789012"


def copied(tmp_path: Path, name: str, old: str = "", new: str = "") -> Path:
    """A copy of a shipped blueprint (with its function sources), with one edit."""
    folder = tmp_path / "blueprints"
    if not folder.exists():
        shutil.copytree(ROOT / "blueprints", folder)
    path = folder / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def deploy(rendered: Rendered, session: boto3.Session, **options: Any) -> DeployResult:
    return drgen.deploy(rendered, session, options=DeployOptions(poll_seconds=0, **options))


def record_regions(session: boto3.Session, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every region a boto3 client is made for from ``session`` from now on."""
    regions: list[str] = []
    made = session.client

    def client(service: str, *args: Any, region_name: str | None = None, **kwargs: Any) -> Any:
        regions.append(str(region_name or session.region_name))
        return made(service, *args, region_name=region_name, **kwargs)

    monkeypatch.setattr(session, "client", client)
    return regions


def stacksets(session: boto3.Session, region: str) -> set[str]:
    summaries = session.client("cloudformation", region_name=region).list_stack_sets()["Summaries"]
    return {s["StackSetName"] for s in summaries if s["Status"] != "DELETED"}


# ---- the model -------------------------------------------------------------------------------------------

def test_the_control_region_is_the_first_secondary_unless_the_blueprint_names_one(tmp_path: Path) -> None:
    three = drgen.load(THREE)
    assert three.control_region == three.secondaries[0].name != three.primary.name
    named = drgen.load(copied(tmp_path, "three-region", "regions:\n",
                              "deployment:\n  control_region: eu-north-1\nregions:\n"))
    assert named.control_region == "eu-north-1"
    plan = drgen.plan(named)
    assert plan.to_dict()["control_region"] == "eu-north-1"
    assert "StackSets administered from eu-north-1 (the control region)" in plan.text()
    rendered = drgen.render(named)
    assert "Every StackSet is administered from **eu-north-1**" in rendered.files["runbook.md"].decode()
    # a StackSet too large to carry its template inline reads it from the control region's bucket
    urls = [body for path, body in rendered.files.items() if path.startswith("stacksets/") and b"TemplateURL" in body]
    assert urls and all(b"-eu-north-1-" in body and b".s3.eu-north-1." in body for body in urls)


# ---- deploying from the control region ----------------------------------------------------------------------

def test_a_blueprint_deploys_from_a_control_region_that_is_not_the_primary(
        session: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.route53 import models

    path = copied(tmp_path, "three-region", "regions:\n", "deployment:\n  control_region: eu-north-1\nregions:\n")
    rendered = drgen.render(drgen.load(path))
    bp = rendered.blueprint
    assert bp.dns is not None and bp.dns.zone_id  # the blueprint names an existing zone: make it exist
    zone_id = bp.dns.zone_id
    monkeypatch.setattr(models, "create_route53_zone_id", lambda **_: zone_id)
    session.client("route53").create_hosted_zone(Name=bp.dns.zone, CallerReference="test")
    bootstrap_rendered(rendered, session, DeployOptions(poll_seconds=0))
    result = deploy(rendered, session)
    assert result.operations

    layers = [layer for layer in rendered.plan.layers if layer.kind == "stackset"]
    names = {naming.stack(bp.prefix, layer.name) for layer in layers}
    assert stacksets(session, "eu-north-1") == names  # administered from the control region...
    for region in ("eu-west-1", "eu-central-1"):  # ...and from nowhere else, the primary included
        assert stacksets(session, region) == set()
    cf = session.client("cloudformation", region_name="eu-north-1")
    for layer in layers:
        summaries = cf.list_stack_instances(StackSetName=naming.stack(bp.prefix, layer.name))["Summaries"]
        assert sorted(s["Region"] for s in summaries) == sorted(layer.regions)
    assert f"{bp.prefix}-stackset-roles" in {s["StackName"] for s in cf.describe_stacks()["Stacks"]}
    # every artifact is in every region's bucket: each region reads its own copy
    keys: dict[str, set[str]] = {}
    for region in bp.region_names:
        bucket = naming.artifact_bucket(bp.prefix, region).replace(naming.ACCOUNT, ACCOUNT)
        listed = session.client("s3", region_name=region).list_objects_v2(Bucket=bucket).get("Contents", [])
        keys[region] = {o["Key"] for o in listed}
    assert keys["eu-west-1"] and keys["eu-west-1"] == keys["eu-central-1"] == keys["eu-north-1"]
    assert not deploy(rendered, session).changed


# ---- --skip-region ------------------------------------------------------------------------------------------

def test_skip_region_contacts_nothing_in_the_failed_primary_and_reports_what_it_left(
        session: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reference = drgen.render(drgen.load(REFERENCE))
    bp = reference.blueprint
    primary = bp.primary.name
    assert bp.control_region != primary
    bootstrap_rendered(reference, session, DeployOptions(poll_seconds=0))
    deploy(reference, session)
    changed = drgen.render(drgen.load(copied(tmp_path, "trading-platform",
                                             "function: trade-processor, threshold: 5, periods: 2",
                                             "function: trade-processor, threshold: 10, periods: 2")))

    regions = record_regions(session, monkeypatch)
    preview = deploy(changed, session, dry_run=True, skip_regions=(primary,))
    result = deploy(changed, session, skip_regions=(primary,))
    assert regions and primary not in regions, sorted(set(regions))
    assert preview.changed and result.operations

    by_region = {(c.layer, c.region): c.action for c in result.changes}
    assert by_region[("artifacts", primary)] == "skipped"
    assert by_region[("artifacts", bp.control_region)] == "upload"
    assert by_region[("app", primary)] == "skipped"  # its instance is left as it is
    assert by_region[("tables", primary)] == "skipped"  # a once-only stack of the primary, left too
    skipped = next(c for c in result.changes if c.layer == "app" and c.region == primary)
    assert "OUTDATED" in skipped.what and "--skip-region" in skipped.why
    assert not any(c.region == primary for c in result.changes if c.action not in ("skipped",))
    update = next(c for c in result.changes if c.layer == "app" and c.action == "update")
    assert update.region == bp.control_region and primary not in update.what  # only the other regions' instances
    # the StackSet now has the new threshold; the skipped region's instance is updated when it is back
    back = deploy(changed, session)
    assert ("app", primary, "update") in {(c.layer, c.region, c.action) for c in back.changes}
    assert not deploy(changed, session).changed


def test_skip_region_keeps_the_values_only_the_skipped_region_can_tell(
        session: boto3.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dns stack (in us-east-1, not a region of this blueprint) takes each region's API host from that
    region's exports: with the primary skipped, its value is the one the stack was deployed with."""
    from moto.route53 import models

    from drgen.synth.dns import region_id

    bp = drgen.load(THREE)
    assert bp.dns is not None and bp.dns.zone_id and bp.control_region != bp.primary.name
    zone_id = bp.dns.zone_id
    monkeypatch.setattr(models, "create_route53_zone_id", lambda **_: zone_id)
    session.client("route53").create_hosted_zone(Name=bp.dns.zone, CallerReference="test")
    rendered = drgen.render(bp)
    bootstrap_rendered(rendered, session, DeployOptions(poll_seconds=0))
    deploy(rendered, session)
    dns = session.client("cloudformation", region_name="us-east-1")
    name = naming.stack(bp.prefix, "dns")
    key = f"ApiHost{region_id(bp.primary.name)}"

    def host() -> str:
        parameters = dns.describe_stacks(StackName=name)["Stacks"][0]["Parameters"]
        return str(next(p["ParameterValue"] for p in parameters if p["ParameterKey"] == key))

    before = host()
    assert before and "known after" not in before
    changed = drgen.render(drgen.load(copied(tmp_path, "three-region", "ttl: 30s", "ttl: 45s")))
    regions = record_regions(session, monkeypatch)
    result = deploy(changed, session, skip_regions=(bp.primary.name,))
    assert regions and bp.primary.name not in regions, sorted(set(regions))
    assert ("dns", "us-east-1", "update") in {(c.layer, c.region, c.action) for c in result.changes}
    assert host() == before  # kept, not read from the skipped region
    assert {c.action for c in result.changes if c.region == bp.primary.name} == {"skipped"}


def test_the_control_region_cannot_be_skipped(session: boto3.Session, capsys: pytest.CaptureFixture[str]) -> None:
    reference = drgen.render(drgen.load(REFERENCE))
    control = reference.blueprint.control_region
    regions = record_regions(session, pytest.MonkeyPatch())
    with pytest.raises(UsageError, match=f"--skip-region {control}: it is the control region"):
        deploy(reference, session, skip_regions=(control,))
    with pytest.raises(UsageError, match="not one of the blueprint's regions"):
        deploy(reference, session, skip_regions=("eu-west-3",))
    assert regions == []  # refused before any call
    assert main(["deploy", str(REFERENCE), "--yes", "--skip-region", control]) == 2
    assert f"--skip-region {control}: it is the control region" in capsys.readouterr().err


def test_destroy_refuses_to_skip_regions(session: boto3.Session) -> None:
    from drgen.aws.destroy import destroy_rendered

    reference = drgen.render(drgen.load(REFERENCE))
    with pytest.raises(UsageError, match="does not skip regions"):
        destroy_rendered(reference, session, DeployOptions(skip_regions=(reference.blueprint.primary.name,)))
