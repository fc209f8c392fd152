"""A layer over a CloudFormation per-template quota is split into parts by component group (drgen.splitting):
validate estimates the parts, render makes exactly them, cfn-lint passes them, the plan orders them, deploy
creates them (moto), and what cannot be split is a located E407."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

import drgen
from drgen import footprint, naming
from drgen.aws.results import DeployOptions
from drgen.layers import layers
from drgen.lint import lint_text, regions_for
from drgen.rendering import Rendered, render_blueprint
from drgen.splitting import queue_exports
from drgen.validation import Result, check_text
from tests import motocompat
from tests.test_footprint import compare

motocompat.install()

ROOT = Path(__file__).resolve().parents[1] / "blueprints"
REFERENCE = ROOT / "trading-platform.yaml"
ACCOUNT = "123456789012"


def fleet(workers: int, queues: int = 12) -> dict[str, Any]:
    """The reference blueprint with ``workers`` more functions, no API route to them: each triggered by a queue
    (the first ``queues``), sending to another, reading the table, every third with an alarm of its own."""
    data = yaml.safe_load(REFERENCE.read_text())
    data["queues"] += [{"name": f"jobs-{i}", "visibility_timeout": "180s", "region_outage": "wait"}
                       for i in range(queues)]
    data["functions"] += [{"name": f"worker-{i}", "source": "functions/trade_processor", "handler": "handler.handler",
                           "timeout": "30s", "triggers": [{"queue": f"jobs-{i}"}] if i < queues else [],
                           "access": [{"table": "user-sessions", "mode": "read"},
                                      {"queue": f"jobs-{(i + 1) % queues}", "mode": "send"}]}
                          for i in range(workers)]
    data["alarms"] += [{"name": f"worker-{i}-errors", "metric": "function.errors", "function": f"worker-{i}",
                        "threshold": 1, "periods": 1} for i in range(0, workers, 3)]
    return data


def _imports(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Fn::ImportValue" and isinstance(value, str):
                yield value
            else:
                yield from _imports(value)
    elif isinstance(node, list):
        for value in node:
            yield from _imports(value)


def validate(data: dict[str, Any], base: Path = ROOT) -> Result:
    return check_text(yaml.safe_dump(data, sort_keys=False), "fleet.yaml", str(base))


@pytest.fixture(scope="module")
def split() -> Result:
    result = validate(fleet(150))
    assert result.ok, [str(d) for d in result.diagnostics if d.is_error]
    return result


@pytest.fixture(scope="module")
def rendered(split: Result) -> Rendered:
    assert split.blueprint is not None
    return render_blueprint(split.blueprint)


def test_the_app_layer_over_500_resources_is_split_by_function(split: Result, rendered: Rendered) -> None:
    bp = split.blueprint
    assert bp is not None
    names = [layer.name for layer in layers(bp)]
    assert names[names.index("app"):names.index("app") + 2] == ["app", "app-2"]
    app, part = (next(layer for layer in layers(bp) if layer.name == n) for n in ("app", "app-2"))
    assert app.groups is not None and part.groups is not None and part.base == "app"
    # the API, its functions, the queues stay in the app part; the later part holds whole function groups
    assert "" in app.groups and "" not in part.groups
    assert all(g.startswith("function:") for g in (*app.groups[1:], *part.groups))
    held = json.loads(rendered.files["templates/app-2.json"])["Resources"]
    for group in part.groups:
        fn = group.removeprefix("function:")
        base = naming.logical_id(fn)
        assert {f"{base}Function", f"{base}Role", f"{base}LogGroup", naming.logical_id(fn, "FunctionArnParameter")} \
            <= set(held)
    first = json.loads(rendered.files["templates/app.json"])
    assert {"RestApi", "TradeProcessorFunction", "AlertsTopic"} <= set(first["Resources"])
    for template in (first, {"Resources": held}):
        assert len(template["Resources"]) <= 500
    # a function in the later part reads its queues through the app part's exports
    imports = set(_imports(held))
    exports = {o["Export"]["Name"] for o in first["Outputs"].values() if "Export" in o}
    for group in part.groups:  # worker-k sends to jobs-(k+1 mod 12): its role and environment import both
        queue = f"jobs-{(int(group.rsplit('-', 1)[1]) + 1) % 12}"
        assert {naming.export(bp.prefix, "app", output) for output in queue_exports(queue)} <= imports
    assert {i for i in imports if i.startswith(f"{bp.prefix}-app-")} <= exports
    # render never goes past a quota: the same checks as before
    assert list(compare(split)) == []


def test_the_split_is_deterministic_and_predicted_exactly(split: Result) -> None:
    again = validate(fleet(150))
    assert again.blueprint is not None and split.blueprint is not None
    assert layers(again.blueprint) == layers(split.blueprint)
    estimates = footprint.footprints(split.blueprint)
    assert [name for name in estimates if name.startswith("app")] == ["app", "app-2"]
    # a function added at the end goes to the last part and moves no other
    more = validate(fleet(151))
    assert more.blueprint is not None
    before = {layer.name: layer.groups for layer in layers(split.blueprint)}
    after = {layer.name: layer.groups for layer in layers(more.blueprint)}
    assert after["app"] == before["app"]
    assert after["app-2"] == (*(before["app-2"] or ()), "function:worker-150")


def test_the_parts_pass_cfn_lint(split: Result, rendered: Rendered) -> None:
    assert split.blueprint is not None
    regions = regions_for(split.blueprint)
    for path in ("templates/app-2.json", "stacksets/app-2.json"):  # the app part is the reference's, grown
        assert lint_text(path, rendered.files[path].decode("utf-8"), regions) == []


def test_the_plan_orders_the_parts(rendered: Rendered) -> None:
    plan = rendered.plan
    part = plan.step("app-2", "us-east-2")
    waits = {(w.layer, w.region) for w in part.waits_for}
    assert ("app", "us-east-2") in waits and ("tables", "us-east-1") in waits
    assert ("app", "us-east-1") not in waits  # the app part of its own region only
    orchestration = {(w.layer, w.region) for w in plan.step("orchestration", "us-east-1").waits_for}
    assert {("app-2", "us-east-1"), ("app-2", "us-east-2")} <= orchestration  # it enables every part's consumers
    order = [s.id for s in plan.steps]
    assert order.index("app@us-east-2") < order.index("app-2@us-east-2") < order.index("orchestration@us-east-2")
    assert "app-2" in plan.text()
    manifest = json.loads(rendered.files["manifest.json"])
    assert manifest["stacks"]["app-2"]["name"] == naming.stack(rendered.blueprint.prefix, "app-2")
    assert "app-2" in rendered.files["runbook.md"].decode()


def test_too_many_tables_for_one_stack_are_split_by_table() -> None:
    data = yaml.safe_load((ROOT / "minimal-backup-restore.yaml").read_text())
    data["tables"] = [{"name": f"ledger-{i}", "partition_key": {"name": "id", "type": "S"}} for i in range(520)]
    result = validate(data)
    assert result.ok and result.blueprint is not None, [str(d) for d in result.diagnostics if d.is_error][:3]
    tables = [layer for layer in layers(result.blueprint) if layer.whole == "tables"]
    assert [t.name for t in tables] == ["tables"] + [f"tables-{n}" for n in range(2, len(tables) + 1)]
    assert len(tables) >= 2
    assert tables[0].groups is not None and tables[0].groups[0] == ""  # drgen's control table stays in the first
    app = next(layer for layer in layers(result.blueprint) if layer.name == "app")
    assert {d.layer for d in app.after} >= {t.name for t in tables}  # functions are granted every table
    assert list(compare(result)) == []


def test_the_base_group_over_a_quota_by_itself_is_a_located_e407() -> None:
    """The queues share the app part with the API: 200 of them are more than one template holds, however the
    functions are split."""
    data = fleet(150)
    data["queues"] += [{"name": f"r-{i}", "visibility_timeout": "180s", "region_outage": "wait"} for i in range(200)]
    result = validate(data)
    quota = [d for d in result.diagnostics if d.code == "E407"]
    assert [d.path for d in quota] == ["queues"], [str(d) for d in quota]
    assert "the app template" in quota[0].message and "fewer queues" in quota[0].message


# ---- deploy ----------------------------------------------------------------------------------------------

def test_a_split_blueprint_deploys_every_part(session: boto3.Session) -> None:
    data = yaml.safe_load((ROOT / "minimal-backup-restore.yaml").read_text())
    data.pop("api", None)
    data.pop("dns", None)
    data["alarms"] = [a for a in data.get("alarms", []) if str(a.get("metric", "")).startswith(("function", "queue"))]
    data["queues"] = [{"name": "jobs", "visibility_timeout": "180s", "region_outage": "wait"}]
    data["functions"] = [{"name": f"worker-{i}", "source": "functions/trade_processor", "handler": "handler.handler",
                          "timeout": "30s", "triggers": [{"queue": "jobs"}] if i == 0 else [],
                          "access": [{"queue": "jobs", "mode": "send"}]} for i in range(130)]
    result = validate(data)
    assert result.ok and result.blueprint is not None, [str(d) for d in result.diagnostics if d.is_error][:3]
    rendered = drgen.render(result.blueprint)
    assert "app-2" in rendered.layer_templates
    motocompat.create_stackset_roles(session, rendered)
    outcome = drgen.deploy(rendered, session, options=DeployOptions(poll_seconds=0))
    bp = result.blueprint
    serving = [layer for layer in rendered.plan.layers if layer.whole == "app"]
    assert [layer.name for layer in serving] == ["app", "app-2"]
    admin = session.client("cloudformation", region_name=bp.control_region)
    for layer in serving:
        summaries = admin.list_stack_instances(StackSetName=naming.stack(bp.prefix, layer.name))["Summaries"]
        assert sorted(s["Region"] for s in summaries) == sorted(layer.regions)
        assert {s["Status"] for s in summaries} == {"CURRENT"}
    started = [c.layer for c in outcome.changes if c.action == "create"]
    assert started.index("app") < started.index("app-2")
    region = serving[0].regions[0]
    functions = {f["FunctionName"] for page in session.client("lambda", region_name=region)
                 .get_paginator("list_functions").paginate() for f in page["Functions"]}
    assert {naming.function(bp.prefix, f"worker-{i}") for i in range(130)} <= functions
    # a second deploy finds every part as rendered
    assert not drgen.deploy(rendered, session, options=DeployOptions(poll_seconds=0)).changed
