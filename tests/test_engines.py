"""drgen.engines: Aurora versions from cfn-lint's data, the same that `drgen render --lint` judges templates by."""

from __future__ import annotations

import json
from pathlib import Path

import cfnlint.data.schemas.extensions.aws_rds_dbcluster as cluster_rules
import pytest

from drgen import engines
from drgen.validation import check_text

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = (ROOT / "blueprints" / "trading-platform.yaml").read_text()


def _cfn_lint_enum(name: str, engine: str) -> set[str]:
    data = json.loads((Path(cluster_rules.__file__).parent / name).read_text())
    for rule in data["allOf"]:
        if rule["if"]["properties"].get("Engine", {}).get("const") == engine:
            found = rule["if"]["properties"].get("EngineVersion", {}).get("enum") \
                or rule["then"]["properties"]["EngineVersion"]["enum"]
            return {str(v) for v in found}
    return set()


@pytest.mark.parametrize("engine", engines.ENGINES)
def test_drgen_knows_every_version_cfn_lint_knows_and_deprecates_what_it_deprecates(engine: engines.Engine) -> None:
    known = _cfn_lint_enum("engine_version.json", engine)
    deprecated = _cfn_lint_enum("engine_version_deprecated.json", engine)
    ours = engines.versions(engine)
    assert set(ours) | engines.majors_alone(engine) == known
    assert {v.text for v in ours.values() if v.deprecated} == deprecated & set(ours)


@pytest.mark.parametrize("engine", engines.ENGINES)
def test_drgen_suggests_only_versions_aws_creates_and_supports(engine: engines.Engine) -> None:
    suggested = engines.advisable(engine)
    assert suggested, engine
    for version in suggested:
        assert not version.deprecated and not version.past_standard_support and version.global_database, version
    newest = engines.newest(engine)
    assert newest is not None and newest == suggested[0]


def _validate(version: str, capacity: str = "capacity: {min: 0.5, max: 4}", strategy: str = "warm-standby") -> list[str]:
    text = REFERENCE.replace('engine_version: "16.9"', f'engine_version: "{version}"')
    text = text.replace("capacity: {min: 0.5, max: 4}", capacity).replace("strategy: warm-standby", f"strategy: {strategy}")
    result = check_text(text, "trading-platform.yaml", str(ROOT / "blueprints"))
    return [f"{d.code} {d.message}" for d in result.diagnostics if d.code[1] == "6"]


def test_a_version_cfn_lint_deprecates_is_refused_and_one_of_its_major_offered() -> None:
    found = _validate("16.2")
    assert found == [f"E604 aurora-postgresql 16.2 is deprecated: AWS no longer creates clusters of it; use "
                     f"{engines.newest('aurora-postgresql', '16').text}"]  # type: ignore[union-attr]


def test_a_typo_is_offered_a_version_aws_creates_never_an_end_of_life_one() -> None:
    [found] = _validate("13.99")
    assert found.startswith("E601") and "did you mean" in found
    offered = found.split("did you mean '")[1].split("'")[0]
    assert engines.versions("aurora-postgresql")[offered].advisable


def test_a_major_alone_asks_for_its_minor() -> None:
    text = REFERENCE.replace("engine: aurora-postgresql", "engine: aurora-mysql").replace('"16.9"', '"8.0"')
    found = [f"{d.code} {d.message}" for d in check_text(text, "t.yaml", str(ROOT / "blueprints")).diagnostics
             if d.code[1] == "6"]
    assert found[0].startswith("E601 '8.0' names a major version alone") and "mysql_aurora.3." in found[0]


def test_past_standard_support_is_a_warning_not_an_error() -> None:
    creatable = next(v for v in engines.versions("aurora-postgresql").values()
                     if v.major == "13" and not v.deprecated and v.serverless_v2)
    [found] = _validate(creatable.text)
    assert found.startswith("W605 aurora-postgresql 13 left standard support")


def test_scaling_to_zero_needs_a_version_that_pauses_and_no_global_database() -> None:
    assert _validate("16.9", "capacity: {min: 0, max: 4}")[0].startswith("E602 an Aurora global database's primary")
    assert _validate("16.9", "capacity: {min: 0, max: 4}", "backup-restore") == []
    old = next(v.text for v in engines.versions("aurora-mysql").values()
               if v.serverless_v2 and not v.scales_to_zero and not v.deprecated)
    mysql = REFERENCE.replace("engine: aurora-postgresql", "engine: aurora-mysql")
    text = mysql.replace('engine_version: "16.9"', f'engine_version: "{old}"').replace(
        "capacity: {min: 0.5, max: 4}", "capacity: {min: 0, max: 4}").replace("strategy: warm-standby",
                                                                              "strategy: backup-restore")
    found = check_text(text, "trading-platform.yaml", str(ROOT / "blueprints")).diagnostics
    assert [d.code for d in found if d.code[1] == "6"] == ["E602"]
