"""jsonschema's findings in drgen's words: every Draft 2020-12 keyword that can fail gives a located finding with
a registered code, one mistake gives one message, and the validator is built once and imported only when used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from drgen import codes, resources, schema_check
from drgen.loader import load_text
from drgen.validation import check_text

ROOT = Path(__file__).resolve().parents[1]

# a schema that uses the keywords the blueprint schema does not (yet): each must still be reported, located
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": {"positive": {"type": "integer", "exclusiveMinimum": 0}},
    "properties": {
        "step": {"type": "number", "multipleOf": 5, "exclusiveMaximum": 100},
        "odd": {"not": {"const": 2}},
        "list": {"type": "array", "contains": {"const": "x"}, "prefixItems": [{"type": "string"}], "items": False},
        "either": {"anyOf": [{"type": "string", "maxLength": 3}, {"type": "integer"}]},
        "neither": {"anyOf": [{"type": "string", "maxLength": 3}, {"type": "string", "pattern": "^x"}]},
        "one": {"oneOf": [{"type": "string"}, {"type": "string", "minLength": 1}]},
        "count": {"$ref": "#/$defs/positive"},
        "when": {"type": "object", "dependentRequired": {"start": ["end"]}},
        "keys": {"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}},
        "conditional": {"type": "object", "if": {"required": ["kind"]}, "then": {"required": ["size"]}},
        "strict": {"type": "object", "properties": {"a": {}}, "patternProperties": {"^x-": {}},
                   "unevaluatedProperties": False},
        "address": {"type": "string", "format": "email"},
        "at": {"type": "string", "format": "date-time"},
    },
}


def _found(text: str, schema: dict[str, Any] = SCHEMA) -> list[tuple[str, str, tuple[str | int, ...]]]:
    document, problems = load_text(text, "k.yaml")
    assert document is not None and not problems
    return [(code, message, path) for code, message, path, _ in schema_check.check(schema, document)]


@pytest.mark.parametrize("text, code, path, words", [
    ("step: 7\n", "E106", ("step",), "multiple of 5"),
    ("step: 100\n", "E106", ("step",), "100"),
    ("odd: 2\n", "E104", ("odd",), "should not be valid"),
    ("list: [a]\n", "E107", ("list",), "contain"),
    ("list: [a, x]\n", "E107", ("list",), "Expected at most 1 item"),
    ("either: long-text\n", "E105", ("either",), "longer than 3 characters"),
    ("neither: long-text\n", "E104", ("neither",), "'long-text' matches none of the 2 alternatives"),
    ("one: abc\n", "E108", ("one",), "must match only one"),
    ("count: 0\n", "E106", ("count",), "must be greater than 0"),
    ("when: {start: 1}\n", "E102", ("when",), "'end' is a dependency of 'start'"),
    ("keys: {Bad: 1}\n", "E105", ("keys",), "'Bad' is not a valid value"),
    ("conditional: {kind: a}\n", "E102", ("conditional",), "missing required key 'size'"),
    ("strict: {a: 1, x-y: 2, b: 3}\n", "E101", ("strict", "b"), "unknown key 'b'"),
    ("address: nobody\n", "E105", ("address",), "'nobody' is not an e-mail address"),
    ("at: yesterday\n", "E105", ("at",), "'yesterday' is not a valid date-time"),
])
def test_every_keyword_is_reported_where_it_failed(text: str, code: str, path: tuple[str | int, ...],
                                                   words: str) -> None:
    found = _found(text)
    assert [(c, p) for c, _, p in found] == [(code, path)], found
    assert words in found[0][1]
    assert codes.get(code).severity == "error"


def test_a_value_of_the_wrong_type_is_one_mistake_not_also_the_enum_it_misses() -> None:
    text = (ROOT / "blueprints" / "trading-platform.yaml").read_text().replace("strategy: warm-standby",
                                                                                "strategy: 3")
    assert [(d.code, d.message) for d in check_text(text, "t.yaml", str(ROOT / "blueprints")).diagnostics] == [
        ("E103", "expected a string, got integer 3: quote it to keep it as written, e.g. \"3\"")]


def test_a_whole_float_is_not_an_integer_as_yaml_tells_them_apart() -> None:
    found = _found("count: 2.0\n")
    assert found == [("E103", "expected an integer, got number 2.0: write 2", ("count",))]


def test_the_validator_is_built_once_per_schema() -> None:
    schema = resources.schema()
    assert schema_check.validator(schema) is schema_check.validator(schema)
    assert schema_check.validator(SCHEMA) is not schema_check.validator(schema)


def test_jsonschema_is_imported_only_by_validation() -> None:
    probe = ("import sys, drgen, drgen.cli, drgen.loader, drgen.schema_check; "
             "assert 'jsonschema' not in sys.modules, 'imported early'; "
             "drgen.validate('version: 1\\n'); assert 'jsonschema' in sys.modules")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
