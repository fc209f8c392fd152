"""drgen.footprint and drgen.template_size against real renders: a blueprint that validates renders, and what
validate estimated of each template is what render made (the same logical IDs and tag copies; a size bound
that holds and stays close)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drgen import footprint, template_size
from drgen.rendering import MAX_TEMPLATE_BYTES, render_blueprint
from drgen.validation import Result, check_text
from tests.generated import blueprints, write_source

FOLDER = Path(tempfile.mkdtemp(prefix="drgen-footprint-"))
write_source(FOLDER)
SECTIONS = {"resource": "Resources", "output": "Outputs", "parameter": "Parameters"}
TAG_KEYS = {"Tags", "HealthCheckTags", "HostedZoneTags", "BackupVaultTags", "BackupPlanTags"}


def validate(data: dict[str, Any]) -> Result:
    return check_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "generated.yaml", str(FOLDER))


def tag_copies(node: Any) -> int:
    if isinstance(node, dict):
        return sum(1 if key in TAG_KEYS else tag_copies(value) for key, value in node.items())
    if isinstance(node, list):
        return sum(tag_copies(value) for value in node)
    return 0


def compare(result: Result) -> Iterator[str]:
    """Every way the estimate of ``result``'s blueprint differs from its render (render must not raise)."""
    bp = result.blueprint
    assert bp is not None
    rendered = render_blueprint(bp)
    estimates = footprint.footprints(bp)
    assert list(estimates) == list(rendered.layer_templates)
    for name, estimate in estimates.items():
        body = rendered.files[f"templates/{name}.json"]
        data = json.loads(body)
        for kind, section in SECTIONS.items():
            ids = sorted(item.logical_id for item in estimate.items if item.kind == kind)
            if ids != sorted(data.get(section, {})):
                yield f"{name} {section}: estimated {ids}, rendered {sorted(data.get(section, {}))}"
        for item in estimate.items:
            real = tag_copies(data[SECTIONS[item.kind]].get(item.logical_id, {}))
            if item.kind == "resource" and real != item.tagged:
                yield f"{name} {item.logical_id}: {item.tagged} tag copies estimated, {real} rendered"
        bound = template_size.template_bytes(bp, estimate)
        if bound < len(body):
            yield f"{name}: {bound} bytes estimated, below the {len(body)} rendered"
        if bound > len(body) * 1.06 + 3_000:
            yield f"{name}: {bound} bytes estimated, far above the {len(body)} rendered"


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)


@SETTINGS
@given(blueprints())
def test_a_blueprint_that_validates_renders_as_estimated(data: dict[str, Any]) -> None:
    result = validate(data)
    if result.ok:
        assert list(compare(result)) == []
    else:  # what stops it is located, never a crash
        assert all(d.line >= 1 for d in result.diagnostics)


@pytest.mark.parametrize("name", ["trading-platform", "three-region", "minimal-backup-restore", "region-switch"])
def test_the_shipped_blueprints_render_as_estimated(name: str) -> None:
    root = Path(__file__).resolve().parents[1] / "blueprints"
    result = check_text((root / f"{name}.yaml").read_text(), f"{name}.yaml", str(root))
    assert result.ok and list(compare(result)) == []


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(blueprints(), st.integers(130, 220))
def test_too_many_functions_for_one_template_are_split_and_render_as_estimated(data: dict[str, Any],
                                                                               count: int) -> None:
    """Past 500 resources the app layer is split by function (drgen.splitting): each part as estimated."""
    data["functions"] = list(data.get("functions", [])) + [
        {"name": f"fn-{i}", "source": "functions/worker", "handler": "handler.handler"} for i in range(count)]
    result = validate(data)
    assert not [d for d in result.diagnostics if d.code == "E407" and "the app" in d.message]
    if result.ok:
        assert result.blueprint is not None
        assert "app-2" in footprint.footprints(result.blueprint)
        assert list(compare(result)) == []


def test_a_template_past_a_megabyte_is_refused_before_render() -> None:
    """16 regions and 70 replicated buckets: few resources, but each bucket names every secondary."""
    regions = [r for r in ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2",
                           "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
                           "ap-southeast-1", "ap-southeast-2", "sa-east-1")]
    blueprint = {
        "version": 1, "name": "many", "environment": "prod", "strategy": "pilot-light",
        "objectives": {"rpo": "2d", "rto": "2d"}, "failover": {"mode": "manual"},
        "regions": [{"name": r, "role": "primary" if i == 0 else "secondary", "cidr": f"10.{i}.0.0/16"}
                    for i, r in enumerate(regions)],
        "buckets": [{"name": f"bucket-{i}"} for i in range(70)],
    }
    result = validate(blueprint)
    quota = [d for d in result.diagnostics if d.code == "E407"]
    assert len(quota) == 1 and "storage template" in quota[0].message and quota[0].path == "buckets", quota
    assert f"{MAX_TEMPLATE_BYTES:,}" in quota[0].message


REFERENCE = Path(__file__).resolve().parents[1] / "blueprints" / "trading-platform.yaml"


def test_a_logical_id_past_cloudformations_255_characters_is_refused_at_its_route() -> None:
    data = yaml.safe_load(REFERENCE.read_text())
    data["api"]["routes"].append({"method": "GET", "path": "/" + "/".join(f"segment{i}" for i in range(40)),
                                  "target": {"health": True}})
    result = check_text(yaml.safe_dump(data, sort_keys=False), "long.yaml", str(REFERENCE.parent))
    [found] = [d for d in result.diagnostics if d.is_error]
    assert (found.code, found.path) == ("E407", "api.routes[2].path") and "allows 255" in found.message


def test_a_long_description_in_any_script_stays_within_the_1024_bytes_of_a_template_description() -> None:
    data = yaml.safe_load(REFERENCE.read_text())
    data["description"] = "é" * 700
    result = check_text(yaml.safe_dump(data, sort_keys=False), "long.yaml", str(REFERENCE.parent))
    assert result.ok and result.blueprint is not None
    rendered = render_blueprint(result.blueprint)
    sizes = [len(json.loads(body)["Description"].encode("utf-8")) for path, body in rendered.files.items()
             if path.startswith("templates/")]
    assert max(sizes) == 1024
    assert list(compare(result)) == []


def test_failover_alarms_forwarded_to_many_regions_take_a_rule_per_five_targets_as_estimated() -> None:
    """Seven regions forward each one's failover alarms to six others (two rules, each target under its region's
    condition); a FIFO route's headers make a request validator; the canary probes every region's API."""
    data = yaml.safe_load(REFERENCE.read_text())
    data["regions"] = [{"name": r, "role": "primary" if i == 0 else "secondary", "cidr": f"10.{i}.0.0/16"}
                       for i, r in enumerate(["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1",
                                              "ap-northeast-1", "ap-southeast-2"])]
    data.pop("databases", None)
    data["alarms"] = [a for a in data.get("alarms", []) if "database" not in a]
    data["functions"] = [{k: v for k, v in f.items() if k != "access" or not any("database" in g for g in v)}
                         for f in data["functions"]]
    data["failover"]["mode"] = "automatic"
    data["queues"].append({"name": "ordered", "fifo": True, "region_outage": "wait"})  # as the reference's queues
    data["api"]["routes"].append({"method": "POST", "path": "/ordered", "target": {
        "queue": "ordered", "group_id_header": "X-Account", "deduplication_id_header": "X-Request-Id"}})
    result = check_text(yaml.safe_dump(data, sort_keys=False), "many.yaml", str(REFERENCE.parent))
    assert result.ok and result.blueprint is not None, [str(d) for d in result.diagnostics if d.is_error]
    estimates = footprint.footprints(result.blueprint)
    app = {item.logical_id for item in estimates["app"].items}
    assert {"ForwardFailoverAlarms", "ForwardFailoverAlarms2", "ApiRequiredHeaders"} <= app
    assert len(estimates["app"].conditions) == 7
    assert sum(i.logical_id.startswith("ApiHost") for i in estimates["orchestration"].items) == 7
    assert list(compare(result)) == []
