"""drgen diff: golden outputs for a set of blueprint edits, and the exit statuses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import drgen
from drgen import cli
from drgen.diff import diff_files
from drgen.diff.replacement import replacing_property
from tests import golden

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "blueprints" / "trading-platform.yaml"
EDITS = {
    "queue-visibility": [("visibility_timeout: 180s", "visibility_timeout: 240s")],
    "alarm-periods": [("threshold: 5, periods: 3", "threshold: 5, periods: 4")],
    "new-bucket": [("buckets:\n", "buckets:\n  - name: reports\n    replication: {time_control: true}\n    rpo: 15m\n")],
    "allow-data-loss": [("allow_data_loss: false", "allow_data_loss: true")],
    "rename-table": [("  - name: user-sessions", "  - name: sessions"), ("{table: user-sessions,", "{table: sessions,")],
}


@pytest.fixture(scope="module")
def base() -> dict[str, bytes]:
    return drgen.render(drgen.load(REFERENCE)).files


@pytest.mark.parametrize("edit", EDITS)
def test_diff_golden(edit: str, base: dict[str, bytes], tmp_path: Path, update_goldens: bool) -> None:
    text = REFERENCE.read_text()
    for old, new in EDITS[edit]:
        assert old in text
        text = text.replace(old, new, 1)
    edited = REFERENCE.parent / f".diff-{edit}.yaml"
    edited.write_text(text)
    try:
        result = diff_files(base, drgen.render(drgen.load(edited)).files)
    finally:
        edited.unlink()
    assert not result.same
    golden.check(ROOT / "tests" / "diff" / f"{edit}.txt", result.text(), update_goldens)


def test_identical_renders_exit_0_and_different_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["render", str(REFERENCE), "-o", str(tmp_path / "a")]) == 0
    assert cli.main(["render", str(REFERENCE), "-o", str(tmp_path / "b")]) == 0
    capsys.readouterr()
    assert cli.main(["diff", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    assert capsys.readouterr().out == "no differences\n"
    (tmp_path / "b" / "templates" / "dns.json").unlink()
    assert cli.main(["diff", str(tmp_path / "a"), str(tmp_path / "b"), "--format", "json"]) == 1
    assert '"template": "templates/dns.json"' in capsys.readouterr().out
    assert cli.main(["diff", str(REFERENCE), "--against", str(tmp_path / "a")]) == 0


def test_not_a_render_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["diff", str(tmp_path), str(tmp_path)]) == 2
    assert "not a drgen render" in capsys.readouterr().err


CORRUPTIONS = {
    "manifest.json": [b"", b'{"plan": ', b"\x89PNG\r\n\x1a\n\x00\xff", b"[]", b'"manifest"', b'{"plan": []}',
                      b"[" * 200_000, b'{"plan": ' + b"[" * 150 + b"]" * 150 + b"}"],
    "templates/dns.json": [b"{", b"\xff\xfe\x00", b"null", b'{"Resources": ["a", "b"]}', b'{"Resources": 1}'],
    "stacksets/app.json": [b"NaN-ish", b"[1, 2]"],
}


@pytest.mark.parametrize("name, data", [(name, data) for name, items in CORRUPTIONS.items() for data in items],
                         ids=lambda value: value if isinstance(value, str) else repr(value[:12]))
def test_a_corrupt_render_file_is_a_usage_error_naming_it(name: str, data: bytes, base: dict[str, bytes],
                                                           tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good", tmp_path / "bad"
    for root in (good, bad):
        for path, content in base.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(content)
    (bad / name).write_bytes(data)
    for argv in (["diff", str(good), str(bad)], ["diff", str(bad), str(good)], ["diff", str(REFERENCE), "--against", str(bad)]):
        assert cli.main(argv) == 2  # not 1, which would read as "different"
        err = capsys.readouterr().err
        assert err.startswith(f"drgen: {bad / name} is not a drgen render file: ") and len(err) < 300, err


def test_an_invalid_blueprint_is_not_read_as_different(base: dict[str, bytes], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["render", str(REFERENCE), "-o", str(tmp_path / "a")]) == 0
    broken = ROOT / "tests" / "cases" / "invalid" / "many-errors-at-once" / "blueprint.yaml"
    assert cli.main(["diff", str(broken), "--against", str(tmp_path / "a")]) == 2
    captured = capsys.readouterr()
    assert ": E104 " in captured.out and "drgen: the blueprint has 5 errors" in captured.err


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs FIFOs")
def test_a_fifo_in_a_render_is_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os

    assert cli.main(["render", str(REFERENCE), "-o", str(tmp_path / "a")]) == 0
    os.mkfifo(tmp_path / "a" / "runbook.fifo")
    assert cli.main(["diff", str(REFERENCE), "--against", str(tmp_path / "a")]) == 0


def _render_of(templates: dict[str, dict[str, object]], runbook: str = "") -> dict[str, bytes]:
    files = {path: json.dumps(body).encode() for path, body in templates.items()}
    files["manifest.json"] = b'{"plan": {}}'
    files["runbook.md"] = runbook.encode()
    return files


BUCKET = {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
          "Properties": {"BucketName": "orders-a", "Tags": [{"Key": "k", "Value": "v"}]}}
QUEUE = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q", "VisibilityTimeout": 30}}
ROLE = {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "r", "Policies": [{"PolicyName": "p"}]}}


def _edited(resource: dict[str, object], **properties: object) -> dict[str, object]:
    return {**resource, "Properties": {**resource["Properties"], **properties}}  # type: ignore[dict-item]


def test_replacements_come_from_the_resource_schemas_and_data_bearing_ones_are_dangerous() -> None:
    old = _render_of({"templates/app.json": {"Resources": {"Bucket": BUCKET, "Queue": QUEUE, "Role": ROLE}}})
    new = _render_of({"templates/app.json": {"Resources": {
        "Bucket": _edited(BUCKET, BucketName="orders-b"),  # create-only, retained on replace
        "Queue": _edited(QUEUE, FifoQueue=True, VisibilityTimeout=60),  # create-only, deleted on replace
        "Role": _edited(ROLE, RoleName="r2")}}})  # create-only, holds no data
    result = diff_files(old, new)
    changes = {r.name: r for r in result.templates[0].resources}
    assert changes["Bucket"].replaced_by == "BucketName is create-only"
    assert "new, empty resource" in changes["Bucket"].danger
    assert changes["Queue"].replaced_by == "FifoQueue is create-only"
    assert changes["Queue"].danger == "replaced: the queue's messages are lost"
    assert changes["Role"].replaced_by == "RoleName is create-only" and changes["Role"].danger == ""
    assert result.templates[0].counts == {"added": 0, "changed": 3, "removed": 0, "replaced": 3, "dangerous": 2}
    text = result.text()
    assert text.splitlines()[0] == "1 template changed: 0 added, 3 changed, 0 removed (3 replaced); 2 dangerous changes"
    assert "DANGER templates/app.json Queue (AWS::SQS::Queue): replaced: the queue's messages are lost" in text
    # an update that touches no create-only property is not a replacement
    tags_only = diff_files(old, _render_of({"templates/app.json": {"Resources": {
        "Bucket": _edited(BUCKET, Tags=[{"Key": "k", "Value": "w"}]), "Queue": QUEUE, "Role": ROLE}}}))
    assert [(r.name, r.replaced_by, r.danger) for r in tags_only.templates[0].resources] == [("Bucket", "", "")]


def test_a_removed_store_is_dangerous_unless_its_deletion_policy_keeps_it() -> None:
    old = _render_of({"templates/app.json": {"Resources": {"Bucket": BUCKET, "Queue": QUEUE, "Role": ROLE}}})
    result = diff_files(old, _render_of({"templates/app.json": {"Resources": {}}}))
    changes = {r.name: r for r in result.templates[0].resources}
    assert changes["Bucket"].kept == "DeletionPolicy Retain" and changes["Bucket"].danger == ""
    assert changes["Queue"].danger == "deleted: the queue's messages are lost"
    assert changes["Role"].danger == "" and changes["Role"].kept == ""


def test_nested_and_listed_create_only_properties() -> None:
    # AWS::RDS::DBCluster: DBSubnetGroupName is create-only; an element of a list is matched through "*"
    assert replacing_property("AWS::RDS::DBCluster", ("Properties", "DBSubnetGroupName")) == "DBSubnetGroupName"
    assert replacing_property("AWS::RDS::DBCluster", ("Properties", "Port")) is None
    assert replacing_property("AWS::Unknown::Type", ("Properties", "Name")) is None


def test_values_are_shown_whole_and_structurally() -> None:
    long = "x" * 300
    old = _render_of({"templates/app.json": {"Resources": {"Role": ROLE}}})
    new = _render_of({"templates/app.json": {"Resources": {"Role": _edited(
        ROLE, Policies=[{"PolicyName": "p"}, {"PolicyName": long}])}}})
    text = diff_files(old, new).text()
    assert f'+     "PolicyName": "{long}"' in text  # not cut at a width
    assert '"PolicyName": "p"' in text  # context around the change


def test_markdown_has_a_collapsible_section_per_template_opened_where_dangerous() -> None:
    old = _render_of({"templates/app.json": {"Resources": {"Queue": QUEUE}},
                      "templates/dns.json": {"Resources": {"Role": ROLE}}}, runbook="# Runbook\n```text\nold\n```\n")
    new = _render_of({"templates/app.json": {"Resources": {}},
                      "templates/dns.json": {"Resources": {"Role": _edited(ROLE, Policies=[])}}},
                     runbook="# Runbook\n```text\nnew\n```\n")
    markdown = diff_files(old, new).markdown()
    assert markdown.count("<details") == 4  # two templates, the changed artifacts and the runbook
    assert "<details open><summary><code>templates/app.json</code>: 0 added, 0 changed, 1 removed" in markdown
    assert "<details><summary><code>templates/dns.json</code>" in markdown
    assert "````diff" in markdown  # the runbook's own fences cannot close the block
    assert "- templates/app.json Queue (AWS::SQS::Queue): deleted: the queue's messages are lost" in markdown
    assert "**Dangerous changes**" in markdown


def test_json_carries_counts_types_and_the_runbook(base: dict[str, bytes], tmp_path: Path) -> None:
    shutil.copytree(REFERENCE.parent, tmp_path / "blueprints")  # never write into the project while tests run
    edited = tmp_path / "blueprints" / REFERENCE.name
    edited.write_text(REFERENCE.read_text().replace("allow_data_loss: false", "allow_data_loss: true"))
    result = diff_files(base, drgen.render(drgen.load(edited)).files).to_dict()
    assert result["summary"] == {"templates": 2, "added": 0, "changed": 2, "removed": 0, "replaced": 0,
                                 "dangerous": 0}
    machine = next(r for t in result["templates"] for r in t["resources"] if r["name"] == "StateMachine")
    assert machine["type"] == "AWS::StepFunctions::StateMachine" and machine["action"] == "change"
    assert any(line.startswith("+Failover is **automatic**, and may lose") for line in result["runbook"])
