"""Environments: one blueprint, several environments, each merged from its overrides, located where each value was
set, rendered apart (the environment is part of every physical name), chosen with --env on every command."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import drgen
from drgen import cli, environments, loader
from drgen.errors import InvalidBlueprint, UsageError
from drgen.validation import check_text
from tests import golden

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "tests" / "cases" / "valid" / "environments" / "blueprint.yaml"
GOLDEN = ROOT / "tests" / "golden" / "environments"
ENVS = ("staging", "prod")

BASE = """\
version: 1
name: shop
strategy: warm-standby
objectives:
  rpo: 1m
  rto: 30m
tags: {Project: Shop, Owner: team}
regions:
  - {name: us-east-1, role: primary, cidr: 10.0.0.0/16}
  - {name: us-west-2, role: secondary, cidr: 10.1.0.0/16}
buckets:
  - name: documents
    replication: {time_control: true}
    rpo: 15m
failover:
  mode: manual
environments:
"""


def _merged(overrides: str, env: str = "staging") -> tuple[loader.Document, list[drgen.Diagnostic]]:
    document, problems = loader.load_text(BASE + overrides)
    assert document is not None and not problems
    return environments.select(document, env)


@pytest.mark.parametrize("env", ENVS)
def test_each_environment_renders_its_golden(env: str, update_goldens: bool) -> None:
    rendered = drgen.render(drgen.load(EXAMPLE, env=env))
    assert rendered.blueprint.prefix == f"ledger-books-{env}"
    folder = GOLDEN / rendered.blueprint.prefix
    for path, data in rendered.files.items():
        if not path.endswith(".zip"):
            golden.check(folder / path, data.decode("utf-8"), update_goldens)
    expected = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert expected == sorted(p for p in rendered.files if not p.endswith(".zip"))


def _physical_names(files: dict[str, bytes]) -> set[str]:
    """Every literal name a template gives a resource (``*Name`` properties), where a clash would hurt."""
    names: set[str] = set()

    def walk(node: Any, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key.endswith("Name") and key not in ("AttributeName", "KeyName"):
            names.add(node)

    for path, data in files.items():
        if path.startswith(("templates/", "stacksets/")) and path.endswith(".json"):
            walk(json.loads(data))
    return names


def test_the_environments_live_side_by_side() -> None:
    staging, prod = (drgen.render(drgen.load(EXAMPLE, env=env)) for env in ENVS)
    assert staging.blueprint.environment == "staging" and prod.blueprint.environment == "prod"
    shared = _physical_names(staging.files) & _physical_names(prod.files)
    assert not {n for n in shared if "ledger-books" in n}, "a physical name of the blueprint is the same in both"
    assert not any(b"ledger-books-prod" in data for data in staging.files.values())
    # the overrides took effect: staging runs elsewhere, smaller, and tells someone else
    assert [r.name for r in staging.blueprint.regions] == ["us-east-2", "us-west-1"]
    assert [r.name for r in prod.blueprint.regions] == ["us-east-1", "us-west-2"]
    assert b"ledger-dev@example.com" in b"".join(staging.files.values())
    assert b"ledger-dev@example.com" not in b"".join(prod.files.values())


def test_an_empty_environment_is_the_base_named_so() -> None:
    """``prod: {}`` renders exactly what the same blueprint without environments and ``environment: prod`` does."""
    data = yaml.safe_load(EXAMPLE.read_text())
    del data["environments"]
    single = check_text(yaml.safe_dump({"environment": "prod", **data}, sort_keys=False), base_dir=str(EXAMPLE.parent))
    assert single.blueprint is not None
    assert drgen.render(single.blueprint).files == drgen.render(drgen.load(EXAMPLE, env="prod")).files


def test_mappings_merge_null_removes_lists_replace() -> None:
    merged, problems = _merged("""\
  staging:
    objectives: {rto: 2h}
    tags: {Owner: null, Stage: test}
    regions:
      - {name: us-east-2, role: primary, cidr: 10.2.0.0/16}
      - {name: us-west-1, role: secondary, cidr: 10.3.0.0/16}
      - {name: eu-west-1, role: secondary, cidr: 10.4.0.0/16}
    buckets:
      - {name: documents, rpo: 20m}
""")
    assert problems == []
    data = merged.data
    assert "environments" not in data and data["environment"] == "staging"
    assert data["objectives"] == {"rpo": "1m", "rto": "2h"}
    assert data["tags"] == {"Project": "Shop", "Stage": "test"}
    assert [r["name"] for r in data["regions"]] == ["us-east-2", "us-west-1", "eu-west-1"]
    assert data["buckets"] == [{"name": "documents", "replication": {"time_control": True}, "rpo": "20m"}]
    # every merged value is located where it was written: the base, or the environment's section
    assert merged.locate(("objectives", "rpo")) == (5, 8)
    assert merged.locate(("objectives", "rto")) == (19, 23)
    assert merged.locate(("regions", 2, "cidr")) == (24, 50)
    assert merged.locate(("buckets", 0, "replication")) == (13, 18)
    assert merged.locate(("buckets", 0, "rpo")) == (26, 32)
    assert merged.locate(("environment",)) == (18, 3)
    assert not any(p[:1] == ("environments",) for p in [*merged.values, *merged.keys])
    assert ("tags", "Owner") not in merged.values


def test_a_bad_value_is_reported_where_the_environment_set_it() -> None:
    text = BASE + "  staging:\n    failover:\n      notify: {emails: [not-an-address]}\n    objectives: {rto: 90}\n"
    result = check_text(text, env="staging")
    found = [(d.line, d.column, d.code, d.path) for d in result.diagnostics]
    assert (20, 25, "E105", "failover.notify.emails[0]") in found
    assert (21, 23, "E103", "objectives.rto") in found
    assert result.blueprint is None


def test_a_name_too_long_only_in_one_environment_says_which() -> None:
    text = BASE.replace("name: shop", "name: shop-with-a-long-name") + \
        "  staging: {}\n  production-east: {}\n"
    result = check_text(text)
    long = [d for d in result.diagnostics if d.code == "E501"]
    assert long and all(d.message.endswith("; in environment production-east") for d in long)
    assert check_text(text, env="staging").ok


def test_without_env_every_environment_is_checked_and_loading_needs_one(tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    path.write_text(BASE + "  staging:\n    objectives: {rto: 1m}\n  prod: {}\n")
    problems = drgen.validate(path)
    assert [(d.code, d.message.endswith("; in environment staging")) for d in problems] == [("E702", True)]
    assert drgen.validate(path, env="prod") == []
    with pytest.raises(InvalidBlueprint):
        drgen.load(path, env="staging")
    assert drgen.load(path, env="prod").prefix == "shop-prod"
    path.write_text(BASE + "  staging: {}\n  prod: {}\n")
    with pytest.raises(UsageError, match=r"declares environments \(staging, prod\): choose one"):
        drgen.load(path)
    with pytest.raises(UsageError, match=r"--env prdo: .* \(did you mean 'prod'\?\); its environments: staging, prod"):
        drgen.load(path, env="prdo")


def test_env_on_a_blueprint_without_environments_must_be_its_own() -> None:
    reference = ROOT / "blueprints" / "trading-platform.yaml"
    assert drgen.load(reference, env="prod").prefix == "trading-platform-prod"
    with pytest.raises(UsageError, match="declares no environments"):
        drgen.load(reference, env="staging")


COMMANDS = [["validate"], ["render", "-o", "out"], ["plan"], ["diff", "--against", str(GOLDEN / "ledger-books-prod")],
            ["deploy", "--dry-run"], ["bootstrap", "--dry-run"], ["destroy", "--dry-run"], ["drill"],
            ["redrive", "--from", "us-east-1", "--to", "us-west-2"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_every_command_takes_env(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown environment stops each command with a usage error (exit 2) naming the known ones."""
    status = cli.main([command[0], str(EXAMPLE), *command[1:], "--env", "qa"])
    assert status == 2
    assert re.search(r"--env qa: .* declares no such environment; its environments: staging, prod",
                     capsys.readouterr().err)


def test_validate_prints_each_environment(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(EXAMPLE), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(b["environment"], b["valid"]) for b in report["blueprints"]] == [("staging", True), ("prod", True)]
    assert [b["objectives"]["rto"]["target_ms"] for b in report["blueprints"]] == [2 * 3600_000, 45 * 60_000]


def test_the_section_itself_is_checked() -> None:
    bad = check_text(BASE + "  staging: [1]\n  prod: {}\n")
    assert [(d.code, d.path) for d in bad.diagnostics] == [("E103", "environments.staging")]
    empty = check_text(BASE.replace("environments:\n", "environments: {}\n"))
    assert [d.code for d in empty.diagnostics] == ["E112"]
    not_a_mapping = check_text(BASE.replace("environments:\n", "environments: [staging]\n"))
    assert [(d.code, d.path) for d in not_a_mapping.diagnostics] == [("E103", "environments")]
    neither = check_text(BASE.replace("environments:\n", ""))
    assert [(d.code, d.message) for d in neither.diagnostics] == [("E102", "missing required key 'environment'")]


_KEY = st.sampled_from(["Project", "Owner", "Stage", "Team", "Cost"])
_VALUE = st.text(alphabet="abcxyz", min_size=1, max_size=4)


@settings(max_examples=50, deadline=None)
@given(base=st.dictionaries(_KEY, _VALUE, min_size=1), patch=st.dictionaries(_KEY, st.none() | _VALUE))
def test_tags_merge_as_a_merge_patch(base: dict[str, str], patch: dict[str, str | None]) -> None:
    """RFC 7386 on a mapping: the patch's values win, its nulls remove, the rest of the base stays, each value
    located where it was written."""
    text = BASE.replace("tags: {Project: Shop, Owner: team}", f"tags: {json.dumps(base)}") + \
        f"  staging:\n    tags: {json.dumps(patch)}\n"
    document, problems = loader.load_text(text)
    assert document is not None and not problems
    merged, found = environments.select(document, "staging")
    expected = {k: v for k, v in {**base, **patch}.items() if v is not None}
    assert found == [] and merged.data["tags"] == expected
    for key in expected:
        line = merged.locate(("tags", key))[0]
        assert line == (7 if key not in patch else 19)


def test_the_documented_table_is_what_may_be_overridden() -> None:
    """docs/environments.md lists exactly the keys of ``environments.OVERRIDABLE``."""
    text = (ROOT / "docs" / "environments.md").read_text()
    rows = dict(re.findall(r"^\| (the blueprint|`[a-z]+(?:\[name\])?`) \| (.+) \|$", text, re.M))
    documented = {where.strip("`").replace("[name]", ""): set(re.findall(r"`([a-z_]+)`", keys))
                  for where, keys in rows.items()}
    expected: dict[str, set[str]] = {"the blueprint": set()}
    for key, rule in environments.OVERRIDABLE.items():
        if rule is True:
            expected["the blueprint"].add(key)
        elif isinstance(rule, environments.Named):
            expected[key] = set(rule.keys)
        elif isinstance(rule, dict):
            expected[key] = set(rule)
    assert documented == expected


def test_an_empty_environment_may_be_written_null() -> None:
    result = check_text(BASE + "  staging:\n  prod: {}\n", env="staging")
    assert result.ok and result.blueprint is not None and result.blueprint.prefix == "shop-staging"
