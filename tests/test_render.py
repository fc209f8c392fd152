"""drgen render: golden outputs, determinism, atomic writes, CloudFormation limits and the security properties."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import drgen
from drgen.rendering import Rendered, render_blueprint
from tests import golden

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINTS = sorted((ROOT / "blueprints").glob("*.yaml"))
GOLDEN = ROOT / "tests" / "golden" / "render"


@pytest.fixture(scope="module", params=BLUEPRINTS, ids=lambda p: p.stem)
def rendered(request: pytest.FixtureRequest) -> Rendered:
    return render_blueprint(drgen.load(request.param))


def _templates(rendered: Rendered) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, data in rendered.files.items():
        if path.endswith(".json") and path.startswith(("templates/", "stacksets/")):
            yield path, json.loads(data)


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]")


def test_golden_files(rendered: Rendered, update_goldens: bool) -> None:
    folder = GOLDEN / rendered.blueprint.name
    for path, data in rendered.files.items():
        if path.endswith(".zip"):
            continue  # binary: the manifest holds each package's sha256
        golden.check(folder / path, data.decode("utf-8"), update_goldens)
    expected = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert expected == sorted(p for p in rendered.files if not p.endswith(".zip"))


def test_manifest_lists_every_artifact_with_its_digest(rendered: Rendered) -> None:
    import hashlib

    manifest = json.loads(rendered.files["manifest.json"])
    listed = {a["path"]: a for a in manifest["artifacts"]}
    assert set(listed) == set(rendered.files) - {"manifest.json"}
    for path, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(rendered.files[path]).hexdigest()
        assert entry["size"] == len(rendered.files[path])
    assert manifest["plan"]["steps"] and manifest["objectives"]["rto"]["met"]


def test_every_json_is_sorted_two_space_with_a_trailing_newline(rendered: Rendered) -> None:
    for path, data in rendered.files.items():
        if path.endswith(".json"):
            assert data == (json.dumps(json.loads(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def test_templates_stay_within_cloudformation_limits(rendered: Rendered) -> None:
    for path, template in _templates(rendered):
        assert len(template.get("Resources", {})) <= 500, path
        assert len(template.get("Parameters", {})) <= 200, path
        assert len(template.get("Outputs", {})) <= 200, path
        assert len(rendered.files[path]) <= 1_000_000, path
    for path, template in _templates(rendered):
        if path.startswith("stacksets/"):
            (stackset,) = template["Resources"].values()
            props = stackset["Properties"]
            assert ("TemplateBody" in props) != ("TemplateURL" in props)
            if "TemplateBody" in props:
                assert len(props["TemplateBody"].encode()) <= 51_200


def test_stacksets_follow_the_plan(rendered: Rendered) -> None:
    plan = rendered.plan
    for layer in plan.layers:
        if layer.kind != "stackset":
            continue
        (stackset,) = json.loads(rendered.files[f"stacksets/{layer.name}.json"])["Resources"].values()
        preferences = stackset["Properties"]["OperationPreferences"]
        assert preferences["RegionOrder"] == list(layer.regions)
        assert preferences["FailureToleranceCount"] == 0
        assert preferences["RegionConcurrencyType"] == ("SEQUENTIAL" if layer.sequential else "PARALLEL")
        groups = stackset["Properties"]["StackInstancesGroup"]
        assert [g["Regions"] for g in groups] == [[r] for r in layer.regions]


def test_encryption_everywhere(rendered: Rendered) -> None:
    for _path, template in _templates(rendered):
        for name, resource in template.get("Resources", {}).items():
            kind, props = resource["Type"], resource.get("Properties", {})
            if kind == "AWS::S3::Bucket":
                rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
                assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("aws:kms", "AES256"), name
                if name != "AccessLogBucket":
                    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms", name
                assert props["PublicAccessBlockConfiguration"] == {
                    "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True}, name
                assert props["VersioningConfiguration"]["Status"] == "Enabled", name
            elif kind == "AWS::RDS::DBCluster":
                assert props["StorageEncrypted"] is True and "KmsKeyId" in props, name
            elif kind == "AWS::RDS::GlobalCluster":
                assert props["StorageEncrypted"] is True, name
            elif kind == "AWS::DynamoDB::GlobalTable":
                assert props["SSESpecification"]["SSEType"] == "KMS", name
                assert all("KMSMasterKeyId" in r["SSESpecification"] for r in props["Replicas"]), name
            elif kind in ("AWS::SQS::Queue", "AWS::SNS::Topic"):
                assert "KmsMasterKeyId" in props, name
            elif kind == "AWS::Logs::LogGroup":
                assert "KmsKeyId" in props, name
            elif kind == "AWS::SecretsManager::Secret":
                assert "KmsKeyId" in props and "GenerateSecretString" in props, name
            elif kind == "AWS::KMS::Key":
                assert props["EnableKeyRotation"] is True, name


def test_every_bucket_has_a_tls_only_policy(rendered: Rendered) -> None:
    for path, template in _templates(rendered):
        resources = template.get("Resources", {})
        buckets = [n for n, r in resources.items() if r["Type"] == "AWS::S3::Bucket"]
        policies = {r["Properties"]["Bucket"]["Ref"]: r["Properties"]["PolicyDocument"]
                    for r in resources.values() if r["Type"] == "AWS::S3::BucketPolicy"}
        for bucket in buckets:
            deny = [s for s in policies[bucket]["Statement"] if s["Effect"] == "Deny"]
            assert deny and deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}, (path, bucket)


def test_no_wildcard_principal_allowed_and_no_unexplained_wildcard_resource(rendered: Rendered) -> None:
    allowed_star = {"xray:PutTraceSegments", "cloudwatch:GetMetricData", "cloudwatch:PutMetricData",
                    "lambda:ListEventSourceMappings", "logs:CreateLogDelivery", "xray:PutTelemetryRecords"}
    for path, template in _templates(rendered):
        for name, resource in template.get("Resources", {}).items():
            for where, node in _walk(resource.get("Properties", {})):
                if not (isinstance(node, dict) and "Effect" in node and ("Action" in node or "NotAction" in node)):
                    continue
                if node["Effect"] == "Allow":
                    assert node.get("Principal") not in ("*", {"AWS": "*"}, {"AWS": ["*"]}), (path, name, where)
                resources = node.get("Resource", [])
                if "*" in (resources if isinstance(resources, list) else [resources]):
                    key_policy = resource["Type"] == "AWS::KMS::Key"  # "*" means this key
                    actions = set(node["Action"])
                    assert key_policy or actions & allowed_star, (path, name, node)


def test_no_secret_in_any_output(rendered: Rendered) -> None:
    for path, data in rendered.files.items():
        if path.endswith(".zip"):
            continue
        text = data.decode("utf-8")
        assert "MasterUserPassword\": \"" not in text, path
        for _, node in _walk(json.loads(text) if path.endswith(".json") else {}):
            if isinstance(node, dict) and "MasterUserPassword" in node:
                value = json.dumps(node["MasterUserPassword"])
                assert "resolve:secretsmanager" in value, path
        assert "NoEcho" not in text, path  # no secret is ever a parameter


def test_tags_on_taggable_resources(rendered: Rendered) -> None:
    bp = rendered.blueprint
    for path, template in _templates(rendered):
        if path.startswith("stacksets/"):
            continue
        for name, resource in template.get("Resources", {}).items():
            tags = resource.get("Properties", {}).get("Tags")
            if isinstance(tags, list):
                keys = {t["Key"]: t["Value"] for t in tags}
                assert keys["drgen:blueprint"] == bp.name and keys["drgen:environment"] == bp.environment, name


def test_render_is_byte_identical_across_processes_and_directories(tmp_path: Path) -> None:
    outputs = []
    for index, seed in enumerate(("0", "12345")):
        cwd = tmp_path / f"cwd{index}"
        cwd.mkdir()
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "drgen", "render", str(BLUEPRINTS[-1]), "-o", "out"], cwd=cwd, env=env,
                       check=True, capture_output=True)
        outputs.append({p.relative_to(cwd / "out"): p.read_bytes() for p in (cwd / "out").rglob("*") if p.is_file()})
    assert outputs[0] == outputs[1]


def test_nothing_is_written_for_an_invalid_blueprint(tmp_path: Path) -> None:
    from drgen import cli

    bad = ROOT / "tests" / "cases" / "invalid" / "many-errors-at-once" / "blueprint.yaml"
    assert cli.main(["render", str(bad), "-o", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == []


def test_a_second_render_replaces_the_first_whole(tmp_path: Path) -> None:
    bp = drgen.load(BLUEPRINTS[0])
    target = tmp_path / "out"
    drgen.write(render_blueprint(bp), target)
    (target / "stale.txt").write_text("added by hand")
    drgen.write(render_blueprint(bp), target, force=True)  # tests/test_output.py: what -o may replace
    assert not (target / "stale.txt").exists()
    assert (target / "manifest.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
