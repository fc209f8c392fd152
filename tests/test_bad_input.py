"""Hostile and broken input: what drgen reads is bounded, every refusal is located and coded, and the
printer never fails on what it prints."""

from __future__ import annotations

import copy
import inspect
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

import drgen
from drgen import cli, loader
from drgen.errors import exit_status
from drgen.validation import check_file, check_text

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = (ROOT / "tests" / "cases" / "valid" / "minimal" / "blueprint.yaml").read_text(encoding="utf-8")


def _codes(text: str) -> list[tuple[str, int, int]]:
    return [(d.code, d.line, d.column) for d in check_text(text, "t.yaml").diagnostics if d.is_error]


def _drgen(*argv: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "drgen", *argv], capture_output=True, check=False, timeout=120,
                          env={**os.environ, **(env or {})}, cwd=cwd)


# ---- reading the file: only regular files, at most MAX_BYTES -----------------------------------------

@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_refused_without_reading_it() -> None:
    result = check_file("/dev/zero")  # would never end if read
    assert [(d.code, d.line, d.column, d.message) for d in result.diagnostics] == [
        ("E001", 1, 1, "cannot read the file: it is not a regular file")]
    assert exit_status(result.diagnostics) == 2


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "blueprint.yaml"
    os.mkfifo(fifo)
    result: list[list[str]] = []
    reader = threading.Thread(target=lambda: result.append([d.code for d in drgen.validate(fifo)]), daemon=True)
    reader.start()
    reader.join(timeout=30)
    assert result == [["E001"]], "validating a FIFO blocked"
    done = _drgen("validate", str(fifo))
    assert done.returncode == 2 and b"Traceback" not in done.stderr


@pytest.mark.parametrize("command", ["validate", "plan", "render", "drill", "deploy", "diff", "init"])
def test_a_path_too_long_for_the_file_system_is_a_usage_error(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    name = "a/" * 3000 + "blueprint.yaml"
    argv = [command, name, *(["-o", "out"] if command == "render" else [name] if command == "diff" else [])]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("drgen: ") and "a/a/a/" in err and "Traceback" not in err and len(err) < 300, err


def test_a_directory_is_e001(tmp_path: Path) -> None:
    [d] = drgen.validate(tmp_path)
    assert d.code == "E001" and d.message.lower() in ("cannot read the file: is a directory",
                                                      "cannot read the file: it is a directory")


@pytest.mark.parametrize("path", ["a\x00b.yaml", "\ud800.yaml", "x" * 5000 + ".yaml"])
def test_a_path_the_system_cannot_name_is_e001(path: str) -> None:
    with pytest.raises(drgen.InvalidBlueprint) as raised:
        drgen.load(path)
    assert [d.code for d in raised.value.diagnostics] == ["E001"] and raised.value.exit_code == 2


def test_a_file_over_the_cap_is_refused_where_the_cap_is_crossed(tmp_path: Path) -> None:
    line = "# " + "x" * 97 + "\n"  # 100 bytes
    big = tmp_path / "big.yaml"
    big.write_text(MINIMAL + line * (loader.MAX_BYTES // 100), encoding="utf-8")
    assert big.stat().st_size > loader.MAX_BYTES
    [d] = drgen.validate(big)
    cut = loader.MAX_BYTES - len(MINIMAL.encode())
    assert (d.code, d.line, d.column) == ("E001", MINIMAL.count("\n") + cut // 100 + 1, cut % 100 + 1)
    assert "larger than 1 MiB" in d.message
    at_cap = tmp_path / "at-cap.yaml"
    at_cap.write_text(MINIMAL + " " * (loader.MAX_BYTES - len(MINIMAL)), encoding="utf-8")
    assert drgen.validate(at_cap) == []  # the cap itself is allowed
    done = _drgen("validate", str(big))
    assert done.returncode == 2 and done.stdout.startswith(f"{big}:".encode())


def test_text_over_the_cap_is_refused_too() -> None:
    assert _codes("a: b\n" + "#" * loader.MAX_BYTES) == [("E001", 2, loader.MAX_BYTES - 4)]


def test_a_byte_that_is_not_utf8_is_located_where_it_is(tmp_path: Path) -> None:
    target = tmp_path / "latin1.yaml"
    target.write_bytes(b"\xef\xbb\xbfversion: 1\r\nname: caf\xc3\xa9\nenvironment: caf\xe9\n")
    [d] = drgen.validate(target)
    assert (d.code, d.line, d.column) == ("E001", 3, 17)
    assert d.message == "the file is not UTF-8 text: byte 0xE9 (at byte offset 43) is not UTF-8"
    assert cli.main(["validate", str(target)]) == 2  # a file drgen cannot read: docs/cli.md


# ---- nesting: no part of drgen recurses past MAX_DEPTH ------------------------------------------------

def _nested_flow(levels: int) -> str:
    return "[" * levels + "1" + "]" * levels


@pytest.mark.parametrize("text, where", [
    (f"tags: {_nested_flow(100_000)}\n", (1, 70)),  # a flow: would take PyYAML's scanner minutes
    ("a:\n" + "".join("  " * i + "b:\n" for i in range(1, 400)), (65, 129)),  # block mappings
    ("- " * 300_000 + "x\n", (1, 129)),  # compact block sequences: PyYAML's scanner is quadratic in them
    # an indentless sequence under each key adds a level the scanner does not count: the composer stops it
    ("a:\n" + "".join("  " * i + "- a:\n" for i in range(200)) + "  " * 200 + "- x\n", (33, 65)),
])
def test_deep_nesting_is_one_located_e109(text: str, where: tuple[int, int]) -> None:
    problems = _codes(text)
    assert ("E109", *where) in problems
    assert sum(1 for code, _, _ in problems if code == "E109") == 1


def test_the_deepest_nesting_allowed_still_validates_and_every_stage_copes() -> None:
    levels = loader.MAX_DEPTH - 2  # the document and tags are two levels
    text = MINIMAL + f"tags:\n  deep: {_nested_flow(levels)}\n"
    document, problems = loader.load_text(text)
    assert document is not None and not problems
    assert _codes(text) == [("E103", 22, 9)]  # a tag value must be a string
    assert _codes(MINIMAL + f"tags:\n  deep: {_nested_flow(levels + 1)}\n") == [("E109", 22, 9 + levels)]


def test_no_stage_needs_much_stack_even_at_the_deepest_nesting_allowed() -> None:
    """Loader, schema check, semantic checks: at 64 levels all of them fit in 300 frames above this one,
    a third of Python's default limit, so no input can reach a RecursionError."""
    levels = loader.MAX_DEPTH - 2
    texts = [MINIMAL + f"tags:\n  deep: {_nested_flow(levels)}\n",
             MINIMAL + "tags:\n" + "".join("  " * (i + 1) + "k:\n" for i in range(levels)) + "  " * (levels + 1) + "x: 1\n",
             MINIMAL + f"tags:\n  deep: {'[' * 5000}\n",
             "a:\n" + "".join("  " * i + "- a:\n" for i in range(200)) + "  " * 200 + "- x\n"]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + 300)
    try:
        found = [sorted({d.code for d in check_text(text).diagnostics}) for text in texts]
    finally:
        sys.setrecursionlimit(limit)
    assert found == [["E103"], ["E103"], ["E109"], ["E109"]]


# ---- characters and numbers a blueprint cannot carry -----------------------------------------------

@pytest.mark.parametrize("value, code", [
    ('"\\udc80"', "E007"), ('"a\\x00b"', "E007"), ('"\\e[2J"', "E007"), ('"\\x9b"', "E007"), ('"\\N"', "E007"),
    ("1e999", "E008"), ("-1e999", "E008"), (".inf", "E008"), ("-.Inf", "E008"), (".NaN", "E008"),
    ("9223372036854775808", "E008"), ("-" + "9" * 5000, "E008"),
])
def test_a_value_a_blueprint_cannot_carry_is_refused_where_it_is_written(value: str, code: str) -> None:
    text = MINIMAL.replace("name: shop", f"name: shop\ndescription: {value}")
    assert _codes(text) == [(code, 3, 14)]  # no second report of the refused value by the schema


@pytest.mark.parametrize("value", ['"\\t tab and\\nnewline"', "'.inf'", '"1e999"', "9223372036854775807", "1e308"])
def test_what_a_blueprint_can_carry_is_not_refused(value: str) -> None:
    document, problems = loader.load_text(f"a: {value}\n")
    assert document is not None and problems == []


def test_a_surrogate_in_text_given_to_the_library_is_e007_not_a_crash() -> None:
    assert _codes("version: 1\nname: a\udc80b\n") == [("E007", 2, 8)]
    assert _codes("version: 1\nna\ud800me: x\n") == [("E007", 2, 3)]


def test_a_key_that_cannot_be_carried_is_refused_at_the_key() -> None:
    assert _codes(MINIMAL.replace("name: shop", 'name: shop\ntags: {"\\udcff": x, 1e999: y}')) == [
        ("E007", 3, 8), ("E008", 3, 21)]


def test_a_second_document_is_e005() -> None:
    assert _codes(MINIMAL + "---\nname: again\n") == [("E005", 21, 1)]


# ---- what messages quote is bounded ------------------------------------------------------------------

def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [leaf for key, value in node.items() for leaf in _leaves(value, (*path, key))]
    if isinstance(node, list):
        return [leaf for index, value in enumerate(node) for leaf in _leaves(value, (*path, index))]
    return [path]


REFERENCE = yaml.safe_load((ROOT / "blueprints" / "trading-platform.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", _leaves(REFERENCE), ids=lambda path: ".".join(map(str, path)))
def test_a_long_value_or_key_anywhere_is_quoted_cut_short(path: tuple[Any, ...]) -> None:
    data = copy.deepcopy(REFERENCE)
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    long = "w" * 3000
    parent[path[-1]] = f"{parent[path[-1]]}{long}"
    if isinstance(parent, dict):
        parent[f"{path[-1]}{long}"] = 1
    found = check_text(yaml.safe_dump(data), "long.yaml", str(ROOT / "blueprints")).diagnostics
    assert found or path[:2] == ("failover", "notify")  # an e-mail address of any length is accepted
    for d in found:
        assert len(d.text()) < 400, d.text()[:600]


def test_a_value_near_the_cap_is_not_echoed_whole() -> None:
    long = "x" * 1_000_000
    found = drgen.validate(MINIMAL.replace("name: shop", f"name: {long}\n{long[:1000]}: 1"))
    assert {d.code for d in found} == {"E101", "E105"}
    assert all(len(d.text()) < 400 for d in found)


# ---- the printer: never fails on what it prints -------------------------------------------------------

@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0"}])
def test_the_printer_escapes_what_the_terminal_cannot_show(tmp_path: Path, env: dict[str, str]) -> None:
    target = tmp_path / "blueprint.yaml"
    target.write_text(MINIMAL.replace("name: shop", "name: shop\nnäme: café"), encoding="utf-8")
    done = _drgen("validate", "blueprint.yaml", "--format", "github", env=env, cwd=tmp_path)
    assert done.returncode == 1 and b"Traceback" not in done.stderr
    assert b"unknown key 'n\\xe4me' (did you mean 'name'?)" in done.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names are bytes")
def test_a_file_name_that_is_not_utf8_is_printed_escaped(tmp_path: Path) -> None:
    name = os.fsdecode(b"\xff.yaml")  # a lone surrogate in Python
    (tmp_path / name).write_text("version: 1\n", encoding="utf-8")
    done = _drgen("validate", name, cwd=tmp_path)
    assert done.returncode == 1 and b"Traceback" not in done.stderr
    assert done.stdout.startswith(b"\\udcff.yaml:1:1: E102")


# ---- the JSON writer: never anything that is not JSON ----------------------------------------------

@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), "\udc80"])
def test_drgen_json_writer_refuses_what_is_not_json(value: object) -> None:
    from drgen.rendering import to_json

    with pytest.raises(drgen.RenderError, match="cannot write JSON"):
        to_json({"Threshold": value})


def test_a_model_built_by_hand_with_infinity_is_not_rendered_into_a_template() -> None:
    import dataclasses

    blueprint = drgen.load(ROOT / "blueprints" / "trading-platform.yaml")
    alarms = tuple(dataclasses.replace(a, threshold=float("inf")) for a in blueprint.alarms)
    with pytest.raises(drgen.RenderError, match="Out of range float values are not JSON compliant"):
        drgen.render(dataclasses.replace(blueprint, alarms=alarms))


def test_a_value_with_line_breaks_is_echoed_on_one_line(tmp_path: Path) -> None:
    from drgen.diagnostics import Diagnostic

    for brk in ("\n", "\r", "\x0b", "\x85", "\u2028"):
        line = Diagnostic("f.yaml", 5, 19, "E401", f"'1m{brk}x' is not a duration", "objectives.rpo").text()
        assert len(line.splitlines()) == 1 and "1m" in line and line.endswith("(at objectives.rpo)")
