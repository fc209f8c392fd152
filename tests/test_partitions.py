"""The China (aws-cn) and GovCloud (aws-us-gov) partitions: golden renders of tests/partitions/*.yaml, no ARN,
endpoint, Route 53 region or state machine integration of the aws partition in them, cfn-lint and checkov clean in
their own regions; and a blueprint spanning partitions refused (E211)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

import drgen
from drgen import awsdata
from drgen.drilling import drill
from drgen.layers import route53_region
from drgen.lint import lint_text, regions_for
from drgen.rendering import Rendered, render_blueprint
from tests import checkov, golden

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINTS = {p.stem: p for p in sorted((ROOT / "tests" / "partitions").glob("*.yaml"))}
GOLDEN = ROOT / "tests" / "golden" / "partitions"
PARTITION = {"china": "aws-cn", "govcloud": "aws-us-gov"}


@pytest.fixture(scope="module", params=sorted(BLUEPRINTS))
def rendered(request: pytest.FixtureRequest) -> tuple[str, Rendered]:
    return request.param, render_blueprint(drgen.load(BLUEPRINTS[request.param]))


def _text(rendered: Rendered) -> dict[str, str]:
    return {p: d.decode("utf-8") for p, d in rendered.files.items() if not p.endswith(".zip")}


def test_golden_files(rendered: tuple[str, Rendered], update_goldens: bool) -> None:
    name, out = rendered
    folder = GOLDEN / name
    for path, text in _text(out).items():
        golden.check(folder / path, text, update_goldens)
    expected = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert expected == sorted(_text(out))


def test_both_partitions_are_covered() -> None:
    assert {awsdata.partition(r.name) for name in BLUEPRINTS for r in drgen.load(BLUEPRINTS[name]).regions} \
        == {"aws-cn", "aws-us-gov"}


def test_nothing_names_the_aws_partition(rendered: tuple[str, Rendered]) -> None:
    name, out = rendered
    partition = PARTITION[name]
    for path, text in _text(out).items():
        assert "arn:aws:" not in text, path
        assert "us-east-1" not in text, path  # Route 53 and its metrics live in the partition's own region
    states = [json.loads(t) for p, t in _text(out).items() if p.startswith("statemachines/")]
    assert states
    resources = {s["Resource"] for doc in states for s in doc["States"].values() if s.get("Resource")}
    assert resources and all(r.startswith(f"arn:{partition}:states:::") for r in resources), resources


def test_endpoints_carry_the_partition_url_suffix(rendered: tuple[str, Rendered]) -> None:
    name, out = rendered
    suffix = awsdata.URL_SUFFIXES[PARTITION[name]]
    text = "\n".join(_text(out).values())
    # kms:ViaService names the service endpoint of the region: written with ${AWS::URLSuffix} or, when the region
    # is known at render time, literally
    literal = re.findall(r'"((?:sqs|s3|dynamodb)\.[a-z0-9-]+\.amazonaws\.com[.a-z]*)"', text)
    assert literal and all(v.endswith(f".{suffix}") and v.count(".amazonaws.com") == 1 for v in literal), literal
    if suffix == "amazonaws.com.cn":
        assert not re.search(r'"(?:sqs|s3|dynamodb)\.[a-z0-9-]+\.amazonaws\.com"', text)
    assert "${AWS::Region}.amazonaws.com" not in text
    assert "logs.${AWS::Region}.${AWS::URLSuffix}" in text


def test_route53_stacks_live_in_the_partition_route53_region(rendered: tuple[str, Rendered]) -> None:
    name, out = rendered
    bp = out.blueprint
    where = {"china": "cn-northwest-1", "govcloud": "us-gov-west-1"}[name]
    assert route53_region(bp) == where
    plan = json.loads(_text(out)["manifest.json"])["plan"]
    assert [layer["regions"] for layer in plan["layers"] if layer["name"] == "dns"] == [[where]]
    assert where in regions_for(bp)
    assert f"in {where}" in _text(out)["runbook.md"]


def test_cfn_lint_finds_nothing_in_the_partition_regions(rendered: tuple[str, Rendered]) -> None:
    _, out = rendered
    regions = regions_for(out.blueprint)
    assert all(awsdata.partition(r) != "aws" for r in regions)
    for path, text in _text(out).items():
        if path.endswith(".json") and path.startswith(("templates/", "stacksets/", "roles/")):
            assert lint_text(path, text, regions) == [], path


def test_checkov_fails_nothing() -> None:
    reports = checkov.scan("-d", str(GOLDEN))
    assert [(c["file_path"], c["check_id"]) for c in checkov.failed(reports)] == []
    assert sum(r["summary"]["passed"] for r in reports) > 100


def test_a_blueprint_spanning_partitions_is_refused(tmp_path: Path) -> None:
    text = BLUEPRINTS["govcloud"].read_text().replace("us-gov-east-1", "us-east-1")
    shutil.copytree(ROOT / "tests" / "partitions" / "functions", tmp_path / "functions")
    path = tmp_path / "mixed.yaml"
    path.write_text(text)
    found = [(d.code, d.message) for d in drgen.validate(path)]
    assert [c for c, _ in found if c.startswith("E")] == ["E211"], found
    assert "region 'us-east-1' is in the aws partition, us-gov-west-1 in aws-us-gov" in found[0][1]


def test_a_switchover_drill_runs_in_the_china_partition() -> None:
    """The emulator builds ARNs, endpoints and Route 53's metrics in the blueprint's partition: a planned switchover
    moves the flag, the consumers and the traffic to the standby. (Not GovCloud: moto's IAM there hands out
    ``arn:aws:`` role ARNs, which its own Lambda in the aws-us-gov partition then refuses.)"""
    bp = drgen.load(BLUEPRINTS["china"])
    (result,) = drill(bp, ["switchover"]).scenarios
    assert result.ok, result.problems
    assert result.region == bp.secondaries[0].name
