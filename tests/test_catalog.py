"""drgen versions / metrics / regions list exactly what validation accepts, in text and in JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drgen import catalog, cli, resources
from drgen.validation import check_text

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = (ROOT / "blueprints" / "trading-platform.yaml").read_text()


def _codes(text: str) -> list[str]:
    return [d.code for d in check_text(text, "bp.yaml", str(ROOT / "blueprints")).diagnostics]


def test_a_listed_deprecated_version_is_refused_and_the_newest_accepted_one_validates() -> None:
    rows = [r for r in catalog.versions() if r["engine"] == "aurora-postgresql"]
    deprecated = next(r for r in rows if r["deprecated"])
    assert not deprecated["accepted"]
    assert "E604" in _codes(REFERENCE.replace('engine_version: "16.9"', f'engine_version: "{deprecated["version"]}"'))
    usable = [r for r in rows if r["accepted"] and r["global_database"] and r["serverless_v2"]
              and not r["past_standard_support"]]
    newest = usable[-1]  # oldest first
    assert _codes(REFERENCE.replace('engine_version: "16.9"', f'engine_version: "{newest["version"]}"')) == []
    assert {r["engine"] for r in catalog.versions()} == {"aurora-postgresql", "aurora-mysql"}


def test_the_metrics_are_the_ones_an_alarm_may_name() -> None:
    alarm = resources.schema()["properties"]["alarms"]["items"]["properties"]["metric"]
    assert sorted(r["name"] for r in catalog.metrics()) == sorted(alarm["enum"])
    errors = next(r for r in catalog.metrics() if r["name"] == "function.errors")
    assert (errors["namespace"], errors["metric"], errors["subject"]) == ("AWS/Lambda", "Errors", "function")


def test_a_listed_region_validates_and_an_unlisted_one_does_not() -> None:
    rows = {r["name"]: r for r in catalog.regions()}
    assert rows["cn-north-1"]["partition"] == "aws-cn" and rows["us-gov-west-1"]["partition"] == "aws-us-gov"
    assert rows["us-east-1"]["partition"] == "aws" and "us-east-1a" in rows["us-east-1"]["availability_zones"]
    assert "eu-west-1" in rows and "eu-west-9" not in rows
    assert "E201" not in _codes(REFERENCE.replace("name: us-east-2", "name: eu-west-1"))
    assert "E201" in _codes(REFERENCE.replace("name: us-east-2", "name: eu-west-9"))


@pytest.mark.parametrize("command", ["versions", "metrics", "regions"])
def test_each_listing_prints_text_and_json(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    rows: list[dict[str, Any]] = catalog.LISTINGS[command]()
    assert cli.main([command, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == rows
    assert cli.main([command]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(rows)
    key = "version" if command == "versions" else "name"
    assert all(str(row[key]) in line for row, line in zip(rows, lines, strict=True))
    if command == "versions":
        assert all(("deprecated" in line) == row["deprecated"] for row, line in zip(rows, lines, strict=True))
