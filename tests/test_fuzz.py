"""Property tests: no input ever produces anything but located diagnostics, and drgen's schema validator
agrees with the jsonschema package about whether a document is valid."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drgen import resources, schema_check
from drgen.loader import load_text
from drgen.validation import check_text

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_TEXT = (ROOT / "blueprints" / "trading-platform.yaml").read_text()
REFERENCE: dict[str, Any] = yaml.safe_load(REFERENCE_TEXT)
BASE_DIR = str(ROOT / "blueprints")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=20), st.sampled_from(["yes", "no", "on", "2024-01-01", "0755", "1:30", "16.9", "15m"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)


def _assert_located(text: str, diagnostics: list[Any]) -> None:
    lines = text.count("\n") + 1
    for d in diagnostics:
        assert 1 <= d.line <= lines + 1, d
        assert d.column >= 1, d
        assert d.code and d.message


@SETTINGS
@given(st.text(max_size=400))
def test_random_text_gives_only_located_diagnostics(text: str) -> None:
    result = check_text(text, "fuzz.yaml", BASE_DIR)
    _assert_located(text, result.diagnostics)


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes_give_only_located_diagnostics(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    _assert_located(text, check_text(text, "fuzz.yaml", BASE_DIR).diagnostics)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


PATHS = _paths(REFERENCE)


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(REFERENCE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent: Any = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            last = path[-1]
            action = draw(st.sampled_from(["delete", "replace", "rename", "duplicate"]))
            if action == "delete":
                del parent[last]
            elif action == "replace":
                parent[last] = draw(values)
            elif action == "rename" and isinstance(parent, dict):
                parent[draw(st.text(min_size=1, max_size=10))] = parent.pop(last)
            elif action == "duplicate" and isinstance(parent, list):
                parent.append(copy.deepcopy(parent[last]))
        except (KeyError, IndexError, TypeError):
            continue
    return data


@SETTINGS
@given(mutated())
def test_mutated_blueprints_give_only_located_diagnostics(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    _assert_located(text, check_text(text, "mutated.yaml", BASE_DIR).diagnostics)


VALIDATOR = jsonschema.Draft202012Validator(resources.schema(), format_checker=jsonschema.FormatChecker())


@SETTINGS
@given(mutated())
def test_drgen_schema_validator_agrees_with_jsonschema(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    document, problems = load_text(text, "mutated.yaml")
    if document is None or problems:
        return  # not a plain document (or YAML 1.1 ambiguities that the two readers resolve differently)
    if yaml.safe_load(text) != document.data:
        return  # PyYAML and drgen read a scalar differently (e.g. 'yes'): the comparison would not be fair
    ours = schema_check.check(resources.schema(), document)
    theirs = list(VALIDATOR.iter_errors(document.data))
    assert bool(ours) == bool(theirs), (ours, [e.message for e in theirs])
