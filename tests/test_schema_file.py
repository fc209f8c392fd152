"""The blueprint schema: valid Draft 2020-12, and documented everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from drgen import resources

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = resources.schema()


def _properties(node: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    for key, child in node.get("properties", {}).items():
        yield f"{path}.{key}", child
        yield from _properties(child, f"{path}.{key}")
        if isinstance(child.get("items"), dict):
            yield from _properties(child["items"], f"{path}.{key}[]")


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path, node", list(_properties(SCHEMA)))
def test_every_property_is_described_with_valid_examples(path: str, node: dict[str, Any]) -> None:
    assert node.get("description"), f"{path} has no description"
    assert node.get("examples"), f"{path} has no examples"
    validator = jsonschema.Draft202012Validator({**node, "$defs": SCHEMA["$defs"]},
                                                format_checker=jsonschema.FormatChecker())
    for example in node["examples"]:
        assert not list(validator.iter_errors(example)), f"{path}: example {example!r} does not validate"


def test_every_blueprint_validates_against_the_schema() -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    for path in sorted((ROOT / "blueprints").glob("*.yaml")):
        assert not list(validator.iter_errors(yaml.safe_load(path.read_text()))), path.name


def test_spec_keys_are_present() -> None:
    top = SCHEMA["properties"]
    assert {"version", "name", "environment", "strategy", "objectives", "regions", "network", "databases", "tables",
            "buckets", "queues", "functions", "api", "dns", "alarms", "failover", "accounts", "tags"} <= set(top)
    database = top["databases"]["items"]["properties"]
    assert {"capacity", "instance_class", "instances_per_region", "max_replication_lag"} <= set(database)
    # detection and approval_time extend the v1 spec (issue #10: outside-in detection, an honest unplanned RTO);
    # orchestrator too (issue #15: an ARC Region switch plan instead of drgen's state machine)
    assert set(top["failover"]["properties"]) == {"mode", "allow_data_loss", "promotion_timeout",
                                                   "validation_schedule", "notify", "detection", "approval_time",
                                                   "orchestrator"}
