"""Organizations (issue #13): every account of the OUs gets the whole workload. The once-only layers that hold an
account's own workload (tables, gamedays, regionswitch: ``drgen.layers.PER_ACCOUNT``) are, with an organization,
service-managed StackSets with one instance per account in their one region; the ones that cannot be one per account
(dns: one domain name; resilience_hub: per-account stack IDs) are refused in validation (E433, E434, the invalid
cases). A self-managed blueprint keeps them as plain stacks in the session's account.

Against moto: the tables StackSet is created service-managed and gets an instance in each member account's primary
region (its template imports nothing, so moto's hidden member stacks can hold it; see tests/test_organizations.py
for where moto stops).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

import drgen
from drgen import naming
from drgen.aws.clients import Clients
from drgen.aws.deploy import DeployOptions, _Deployment
from drgen.aws.stacksets import StackSets
from drgen.lint import lint_text
from drgen.rendering import Rendered
from tests import motocompat

motocompat.install()

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "tests" / "cases" / "valid" / "organization" / "blueprint.yaml"
OUS = ["ou-ab12-workload1", "ou-ab12-workload2"]


def _properties(rendered: Rendered, layer: str) -> dict[str, Any]:
    (resource,) = json.loads(rendered.files[f"stacksets/{layer}.json"])["Resources"].values()
    assert resource["Type"] == "AWS::CloudFormation::StackSet"
    return dict(resource["Properties"])


def _region_switch(tmp_path: Path, organization: bool) -> Rendered:
    """The shipped region-switch blueprint with game days, without dns (E433), with or without an organization."""
    data = yaml.safe_load((ROOT / "blueprints" / "region-switch.yaml").read_text())
    data.pop("dns")
    data["game_days"] = {"enabled": True, "duration": "15m"}
    if organization:
        data["deployment"] = {"organization": {"ous": OUS, "org_id": "o-a1b2c3d4e5"}}
    shutil.copytree(ROOT / "blueprints" / "functions", tmp_path / "functions")  # the sources, beside it
    path = tmp_path / "blueprint.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return drgen.render(drgen.load(path))


def test_the_tables_stackset_targets_the_ous_in_the_primary_region() -> None:
    rendered = drgen.render(drgen.load(CASE))
    tables = next(layer for layer in rendered.plan.layers if layer.name == "tables")
    assert tables.kind == "stackset" and tables.regions == ("us-east-1",)
    props = _properties(rendered, "tables")
    assert props["PermissionModel"] == "SERVICE_MANAGED" and props["CallAs"] == "DELEGATED_ADMIN"
    assert props["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert [(g["DeploymentTargets"], g["Regions"]) for g in props["StackInstancesGroup"]] == \
        [({"OrganizationalUnitIds": OUS}, ["us-east-1"])]
    assert props["OperationPreferences"]["RegionOrder"] == ["us-east-1"]
    template = json.loads(props["TemplateBody"])  # the global table, with its replica in every region
    assert template == json.loads(rendered.files["templates/tables.json"])
    control = template["Resources"]["ControlTable"]["Properties"]
    assert [r["Region"] for r in control["Replicas"]] == ["us-east-1", "us-west-2"]
    assert "tables" in rendered.plan.text().split("StackSet instance docs-prod-tables")[0].splitlines()[-1]
    assert lint_text("stacksets/tables.json", rendered.files["stacksets/tables.json"].decode(),
                     ["us-east-1", "us-west-2"]) == []


def test_game_days_and_the_region_switch_plan_go_to_every_account(tmp_path: Path) -> None:
    rendered = _region_switch(tmp_path, organization=True)
    kinds = {layer.name: (layer.kind, layer.regions) for layer in rendered.plan.layers}
    primary = (rendered.blueprint.primary.name,)
    assert {name: kinds[name] for name in ("tables", "gamedays", "regionswitch")} == \
        {name: ("stackset", primary) for name in ("tables", "gamedays", "regionswitch")}
    for layer in ("tables", "gamedays", "regionswitch"):
        props = _properties(rendered, layer)
        assert props["PermissionModel"] == "SERVICE_MANAGED"
        assert [g["DeploymentTargets"] for g in props["StackInstancesGroup"]] == [{"OrganizationalUnitIds": OUS}]
        for path in (f"stacksets/{layer}.json", f"templates/{layer}.json"):
            assert lint_text(path, rendered.files[path].decode(), list(rendered.blueprint.region_names)) == [], path


def test_a_self_managed_blueprint_keeps_its_once_only_stacks(tmp_path: Path) -> None:
    rendered = _region_switch(tmp_path, organization=False)
    kinds = {layer.name: layer.kind for layer in rendered.plan.layers}
    assert {kinds[name] for name in ("tables", "gamedays", "regionswitch")} == {"stack"}
    assert not any(name in rendered.files for name in ("stacksets/tables.json", "stacksets/gamedays.json",
                                                        "stacksets/regionswitch.json"))


def test_concurrency_settings_may_name_the_tables_stackset_of_an_organization(tmp_path: Path) -> None:
    text = CASE.read_text().replace("      storage: {max_concurrent: 2, failure_tolerance: 1}",
                                    "      tables: {max_concurrent: 2, failure_tolerance: 1}")
    path = tmp_path / "blueprint.yaml"
    path.write_text(text)
    rendered = drgen.render(drgen.load(path))  # valid: no E432 for a StackSet layer
    preferences = _properties(rendered, "tables")["OperationPreferences"]
    assert (preferences["MaxConcurrentCount"], preferences["FailureToleranceCount"]) == (2, 1)


# ---- against moto ------------------------------------------------------------------------------------

def test_deploy_creates_the_tables_stackset_with_an_instance_in_every_member_account(
        organization: tuple[boto3.Session, str, str, list[str]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    session, org_id, ou, members = organization
    path = tmp_path / "blueprint.yaml"
    path.write_text(CASE.read_text().replace("[ou-ab12-workload1, ou-ab12-workload2]", f"[{ou}]")
                    .replace("o-a1b2c3d4e5", org_id).replace("call_as: DELEGATED_ADMIN", "call_as: SELF"))
    rendered = drgen.render(drgen.load(path))
    sent: list[tuple[str, dict[str, Any]]] = []
    real = StackSets._operation

    def recording(self: StackSets, cf: Any, name: str, start: Any, **arguments: Any) -> str:
        sent.append((start.__name__, arguments))
        return real(self, cf, name, start, **arguments)

    monkeypatch.setattr(StackSets, "_operation", recording)
    options = DeployOptions(poll_seconds=0)
    run = _Deployment(rendered, Clients(session, options), options, lambda event: None, lambda s: None, lambda: 0.0)
    run._target("deploy")
    created: list[dict[str, Any]] = []
    run.clients.client("cloudformation", run.admin_region).meta.events.register(
        "provide-client-params.cloudformation.CreateStackSet", lambda params, **_: created.append(dict(params)))
    tables = next(layer for layer in rendered.plan.layers if layer.name == "tables")
    run._stackset(tables)

    name = naming.stack(rendered.blueprint.prefix, "tables")
    assert [(c["StackSetName"], c["PermissionModel"], c["CallAs"]) for c in created] == \
        [(name, "SERVICE_MANAGED", "SELF")]
    assert "AdministrationRoleARN" not in created[0]
    assert [(call, args["DeploymentTargets"], args["Regions"]) for call, args in sent] == \
        [("create_stack_instances", {"OrganizationalUnitIds": [ou]}, ["us-east-1"])]
    admin = session.client("cloudformation", region_name=run.admin_region)
    assert admin.describe_stack_set(StackSetName=name)["StackSet"]["PermissionModel"] == "SERVICE_MANAGED"
    summaries = admin.list_stack_instances(StackSetName=name)["Summaries"]
    assert sorted((s["Account"], s["Region"]) for s in summaries) == sorted((m, "us-east-1") for m in members)
    # the session's (administrator's) account holds no tables stack: the workload is the members'
    own = session.client("cloudformation", region_name="us-east-1").describe_stacks()["Stacks"]
    assert name not in {s["StackName"] for s in own}

    sent.clear()  # a second run: the instances are there, nothing to start
    run._stackset(tables)
    assert sent == []
