"""Property tests: no input ever produces anything but located diagnostics - from the library and from the
command line, whatever the bytes (hostile ones included: deep nesting, escapes of lone surrogates and
control characters, infinities, huge numbers, long values, second documents, bytes that are not UTF-8)."""

from __future__ import annotations

import contextlib
import copy
import io
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import drgen
from drgen import cli, codes
from drgen.diagnostics import SHOWN
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

# What an attacker or an accident writes: each class of input that once crashed drgen or ran away with it.
_HOSTILE = ['"\\udc80"', '"\\ud800x"', '"a\\x00b"', '"\\e[2J"', '"\\x9b"', '"\\N"', "1e999", "-1e999", ".inf",
            "-.Inf", ".NaN", "9" * 30, "-" + "9" * 5000, "\n---\n", "\n...\n---\n", "\ufeff", "\r", "\r\n",
            "\u2028", "\x85", "\t", "\x00", "\udc80", "? ", "&x [", "*x", "\nnäme: café\n", "\n\u0434: \u2603\n"]
hostile_pieces = st.one_of(
    st.sampled_from(_HOSTILE),
    st.integers(0, 3000).map(lambda n: "[" * n + "]" * n),  # past the stack, were it not for the bound
    st.integers(0, 3000).map(lambda n: "{a: " * n + "}" * n),
    st.integers(0, 3000).map(lambda n: "- " * n + "x\n"),
    st.integers(0, 400).map(lambda n: "".join("  " * i + "k:\n" for i in range(n))),
    st.integers(0, 5000).map(lambda n: "v" * n),
)
hostile = st.lists(st.one_of(st.sampled_from(_TOKENS), st.text(max_size=4), hostile_pieces), max_size=30).map("".join)
_LINES = REFERENCE_TEXT.splitlines(keepends=True)
spliced = st.tuples(st.integers(0, len(_LINES)), st.integers(0, 20), hostile_pieces).map(
    lambda t: "".join(_LINES[:t[0]]) + " " * t[1] + t[2] + "".join(_LINES[t[0]:]))  # a real blueprint, one piece in


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogatepass")  # a lone surrogate becomes bytes that are not UTF-8


hostile_bytes = st.one_of(
    st.binary(max_size=300),
    st.one_of(hostile, spliced).map(_encoded),
    st.tuples(st.one_of(hostile, spliced), st.binary(min_size=1, max_size=4), hostile).map(
        lambda t: _encoded(t[0]) + t[1] + _encoded(t[2])),
    st.tuples(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b""]), st.one_of(hostile, spliced)).map(
        lambda t: t[0] + _encoded(t[1])),
    st.text(min_size=1, max_size=8).map(lambda key: _encoded(f"version: 1\n{key}: x\n")),  # keys echoed back
)


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
    except UnicodeDecodeError as error:
        [d] = result.diagnostics
        assert d.code == "E001"
        bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        before = data[bom:error.start + bom if bom else error.start].decode("utf-8")
        assert (d.line, d.column) == _end(before), (d, before)  # where the first byte that is not UTF-8 is
        return
    _assert_located(text, result.diagnostics)


def _end(text: str) -> tuple[int, int]:
    """The line and column just after ``text``, as YAML counts them."""
    breaks = list(_BREAK.finditer(text))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, len(text) - start - text.count("\ufeff", start) + 1


_LINE = re.compile(r"^(?P<file>.+):(?P<line>[0-9]+):(?P<column>[0-9]+): (?P<code>[EW][0-9]{3}) (?P<message>.+)$")


def _validate_on_the_command_line(path: str, encoding: str) -> tuple[int, str, str]:
    """``drgen validate PATH`` with stdout and stderr that can hold only ``encoding`` (strictly)."""
    raw = [io.BytesIO(), io.BytesIO()]
    out, err = (io.TextIOWrapper(buffer, encoding=encoding, errors="strict", newline="\n") for buffer in raw)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(["validate", path])
    out.flush()
    err.flush()
    return status, raw[0].getvalue().decode(encoding), raw[1].getvalue().decode(encoding)


@SETTINGS
@given(hostile_bytes, st.sampled_from(["utf-8", "ascii"]))
@example("version: 1\nnäme: café\n".encode(), "ascii")
@example(b"tags: " + b"[" * 5000, "utf-8")
def test_the_command_line_gives_only_documented_exits_and_located_lines(data: bytes, encoding: str) -> None:
    handle, name = tempfile.mkstemp(suffix=".yaml")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        status, out, err = _validate_on_the_command_line(name, encoding)
    finally:
        os.unlink(name)
    text = data.decode("utf-8", errors="replace")
    lines = len(_BREAK.findall(text)) + 1
    found = []
    for line in out.splitlines():
        if line == f"{name}: valid" or (status == 0 and line.startswith("  ")):
            continue  # the objective assessment of a valid blueprint
        match = _LINE.match(line)
        assert match and match["file"] == name, line
        assert 1 <= int(match["line"]) <= lines + 1 and int(match["column"]) >= 1, line
        assert match["code"] in codes.REGISTRY, line
        assert len(match["message"]) < 4 * SHOWN + 300, line  # values are quoted cut short
        found.append(match["code"])
    errors = [code for code in found if code.startswith("E")]
    assert status == (2 if "E001" in errors else 1 if errors else 0), (status, found)  # docs/cli.md
    assert err == ("" if status == 0 else f"{name}: {len(errors)} error{'s' if len(errors) != 1 else ''}\n")


@SETTINGS
@given(st.one_of(hostile, spliced))
def test_the_library_gives_only_located_diagnostics_or_invalid_blueprint(text: str) -> None:
    source = text if "\n" in text else text + "\n"  # text with a newline is YAML; without, a path
    _assert_located(source, drgen.validate(source))
    try:
        drgen.validate(text)  # as a path, when it has no newline: E001, never an exception
    except drgen.DrgenError as error:  # pragma: no cover - the assertion below says what went wrong
        raise AssertionError(f"validate raised {error!r}") from error
    handle, name = tempfile.mkstemp(suffix=".yaml")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(_encoded(text))
        try:
            blueprint = drgen.load(name)
        except drgen.InvalidBlueprint as error:
            assert error.diagnostics and all(d.file == name for d in error.diagnostics)
            assert error.exit_code in (1, 2)
        else:
            assert isinstance(blueprint, drgen.Blueprint)
    finally:
        os.unlink(name)


def test_the_hostile_inputs_reach_every_refusal() -> None:
    """The strategies above are only as good as what they reach: each code of a refusal, at least once."""
    reached: set[str] = set()
    for piece in [*_HOSTILE, "[" * 300, "- " * 300, "v" * 5000]:
        reached.update(d.code for d in drgen.validate(f"version: 1\nname: {piece}\n"))
    assert {"E002", "E005", "E007", "E008", "E109"} <= reached, reached
    assert sys.getrecursionlimit() >= 1000  # the bound (64 levels) is far below it


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
