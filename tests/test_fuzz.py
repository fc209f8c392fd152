"""Property tests: no input ever produces anything but located diagnostics, and drgen's schema validator
agrees with the jsonschema package about whether a document is valid."""

from __future__ import annotations

import copy
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from drgen import resources, schema_check
from drgen.loader import load_text
from drgen.validation import check_file, check_text

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


# Pieces of YAML, so that random text reaches the parser's corners (flow and block collections, anchors, tags,
# quoting, block scalars, several documents) and, when it parses, the schema and the semantic checks.
_TOKENS = ["\n", "  ", "- ", ": ", ":", "? ", ",", "{", "}", "[", "]", "#", "'", '"', "|", ">", "&a ", "*a", "!!str ",
           "!x ", "---", "...", "%YAML 1.2", "\t", "\\", "null", "true", "yes", "0x1F", "1e3", "-1", "16.9",
           "version", "name", "regions", "role", "primary", "secondary", "cidr", "10.0.0.0/16", "us-east-1",
           "strategy", "failover", "mode", "objectives", "rpo", "1m", "functions", "source", "buckets", "dns"]
yamlish = st.lists(st.one_of(st.sampled_from(_TOKENS), st.text(max_size=4)), max_size=60).map("".join)


# The line breaks YAML (and so the positions drgen reports) count: CR LF, CR, LF, NEL, LS, PS.
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _assert_located(text: str, diagnostics: list[Any]) -> None:
    lines = len(_BREAK.findall(text)) + 1
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
@given(yamlish)
def test_yaml_like_text_gives_only_located_diagnostics(text: str) -> None:
    _assert_located(text, check_text(text, "fuzz.yaml", BASE_DIR).diagnostics)


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes_give_only_located_diagnostics(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    _assert_located(text, check_text(text, "fuzz.yaml", BASE_DIR).diagnostics)


@SETTINGS
@given(st.one_of(st.binary(max_size=200), yamlish.map(lambda text: text.encode("utf-8", errors="surrogatepass"))))
def test_random_files_give_only_located_diagnostics(data: bytes) -> None:
    handle, name = tempfile.mkstemp(suffix=".yaml")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        result = check_file(name)
    finally:
        os.unlink(name)
    assert all(d.file == name for d in result.diagnostics)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        assert [d.code for d in result.diagnostics] == ["E001"]
        return
    _assert_located(text, result.diagnostics)


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


def _retyped(value: Any, how: int) -> Any:
    """The same content in another type: text <-> number, a scalar in a list or a mapping, a list's first item."""
    if how == 0:
        return str(value) if not isinstance(value, str) else (len(value) or None)
    if how == 1:
        return [value]
    if how == 2:
        return {"value": value}
    return value[0] if isinstance(value, list) and value else bool(value)


def _typo(key: str) -> str:
    return key[:-1] if len(key) > 1 else key + "x"


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
            action = draw(st.sampled_from(["delete", "replace", "retype", "rename", "duplicate"]))
            if action == "delete":
                del parent[last]
            elif action == "replace":
                parent[last] = draw(values)
            elif action == "retype":
                parent[last] = _retyped(parent[last], draw(st.integers(0, 3)))
            elif action == "rename" and isinstance(parent, dict):
                parent[draw(st.one_of(st.text(min_size=1, max_size=10), st.just(_typo(str(last)))))] = parent.pop(last)
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
    # a fair comparison needs a plain document that PyYAML and drgen read the same (no YAML 1.1 ambiguity)
    assume(document is not None and not problems)
    assert document is not None
    assume(yaml.safe_load(text) == document.data)
    ours = schema_check.check(resources.schema(), document)
    theirs = list(VALIDATOR.iter_errors(document.data))
    assert bool(ours) == bool(theirs), (ours, [e.message for e in theirs])


def test_the_two_validators_agree_on_the_reference_and_on_a_plain_breakage() -> None:
    document, problems = load_text(REFERENCE_TEXT, "trading-platform.yaml")
    assert document is not None and not problems
    assert schema_check.check(resources.schema(), document) == [] and not list(VALIDATOR.iter_errors(document.data))
    broken = copy.deepcopy(REFERENCE)
    broken["failover"]["mode"] = "sometimes"
    document, _ = load_text(yaml.safe_dump(broken, sort_keys=False), "broken.yaml")
    assert document is not None
    assert [e[0] for e in schema_check.check(resources.schema(), document)] == ["E104"]
    assert [e.validator for e in VALIDATOR.iter_errors(document.data)] == ["enum"]
