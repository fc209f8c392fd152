"""Blueprint tags follow AWS's rules, and the count leaves room for the tags drgen adds itself."""

from __future__ import annotations

import json
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import drgen
from drgen import awsdata, naming
from drgen.loader import _NOT_TEXT
from drgen.validation import check_text

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = (ROOT / "tests" / "cases" / "valid" / "minimal" / "blueprint.yaml").read_text(encoding="utf-8")


def tag_findings(tags: dict[str, str]) -> list[tuple[str, str, str]]:
    """``(code, path, message)`` of every diagnostic about ``tags`` in an otherwise valid blueprint."""
    flow = ", ".join(f"{_quoted(k)}: {_quoted(v)}" for k, v in tags.items())
    text = MINIMAL.replace("strategy:", f"tags: {{{flow}}}\nstrategy:")
    result = check_text(text, "blueprint.yaml")
    found = [(d.code, d.path, d.message) for d in result.diagnostics]
    assert all(path.startswith("tags") for _, path, _ in found), found
    return found


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar holding exactly ``text`` (every other character escaped as ``\\UXXXXXXXX``)."""
    return '"' + "".join(ch if ch.isascii() and ch.isalnum() else f"\\U{ord(ch):08X}" for ch in text) + '"'


def codes(tags: dict[str, str]) -> list[str]:
    return [code for code, _, _ in tag_findings(tags)]


def _allowed(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LZN" or ch in awsdata.TAG_SYMBOLS


ALLOWED = st.characters(categories=["Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No", "Zs", "Zl", "Zp"],
                        include_characters=awsdata.TAG_SYMBOLS)
KEY = st.text(ALLOWED, min_size=1, max_size=awsdata.TAG_KEY_MAX_CHARS).filter(
    lambda k: not k.lower().startswith(("aws:", "drgen:")))
VALUE = st.text(ALLOWED, max_size=awsdata.TAG_VALUE_MAX_CHARS)


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(KEY, VALUE, max_size=5).filter(lambda d: len({k.lower() for k in d}) == len(d)))
def test_tags_within_the_rules_pass(tags: dict[str, str]) -> None:
    assert codes(tags) == []


@settings(max_examples=60, deadline=None)
@given(st.characters().filter(lambda ch: not _allowed(ch) and ch not in "\r\n\x00\ufeff" and not 0xD800 <= ord(ch) < 0xE000
                              and not _NOT_TEXT.search(ch)))  # what the loader refuses first is E007 (test_bad_input)
def test_any_character_outside_the_set_is_refused_in_keys_and_values(ch: str) -> None:
    found = tag_findings({f"Team{ch}x": "a", "Owner": f"x{ch}y"})
    assert [(code, path) for code, path, _ in found] == [("E405", f"tags.Team{ch}x"), ("E405", "tags.Owner")]


def test_the_allowed_symbols_unicode_letters_and_spaces_pass() -> None:
    assert codes({"Cost Center": "Zürich 42", "a_b.c:d/e=f+g-h@i": "日本語 テスト", "Ünïcödé": ""}) == []


@pytest.mark.parametrize(("length", "ok"), [(1, True), (128, True), (129, False), (500, False)])
def test_key_length(length: int, ok: bool) -> None:
    assert codes({"k" * length: "v"}) == ([] if ok else ["E405"])


@pytest.mark.parametrize(("length", "ok"), [(0, True), (256, True), (257, False)])
def test_value_length(length: int, ok: bool) -> None:
    assert codes({"Key": "v" * length}) == ([] if ok else ["E405"])


@pytest.mark.parametrize("key", ["aws:team", "AWS:team", "Aws:Team", "aWs:x"])
def test_the_aws_prefix_is_refused_in_any_case(key: str) -> None:
    found = tag_findings({key: "x"})
    assert [(code, path) for code, path, _ in found] == [("E405", f"tags.{key}")] and "reserved for AWS" in found[0][2]


def test_aws_without_the_colon_is_an_ordinary_key() -> None:
    assert codes({"awsome": "x", "aws-team": "y", "Team": "aws:value"}) == []


@pytest.mark.parametrize("key", ["drgen:owner", "DRGEN:layer", "Drgen:blueprint"])
def test_drgens_own_prefix_is_reserved(key: str) -> None:
    assert codes({key: "x"}) == ["E313"]


def test_keys_differing_only_in_case_are_refused_at_the_second() -> None:
    found = tag_findings({"Project": "a", "project": "b", "PROJECT": "c"})
    assert [(code, path) for code, path, _ in found] == [("E405", "tags.project"), ("E405", "tags.PROJECT")]
    assert "'Project'" in found[0][2]


def test_the_count_leaves_room_for_drgens_own_tags() -> None:
    most = awsdata.TAGS_PER_RESOURCE_MAX - naming.OWN_TAGS_PER_RESOURCE
    assert most == 46
    assert codes({f"Key{i}": "v" for i in range(most)}) == []
    found = tag_findings({f"Key{i}": "v" for i in range(most + 1)})
    assert [(code, path) for code, path, _ in found] == [("E405", "tags")] and "47 tags" in found[0][2]


def test_the_located_error_points_at_the_key(tmp_path: Path) -> None:
    text = MINIMAL.replace("strategy:", "tags:\n  Good: yes-value\n  aws:bad: value\nstrategy:")
    result = check_text(text, "blueprint.yaml")
    [finding] = result.diagnostics
    assert (finding.code, finding.line, finding.column) == ("E405", 6, 3)


# ---- drgen's own tags, counted in the render --------------------------------------------------------------

def _tag_sets(files: dict[str, bytes]) -> Iterator[tuple[str, dict[str, str]]]:
    """Every tag set in a render: resources of templates, StackSets and the roles template."""
    for path, data in files.items():
        if not path.endswith(".json") or not path.startswith(("templates/", "stacksets/", "roles/")):
            continue
        yield from _walk(path, json.loads(data))


def _walk(where: str, node: Any) -> Iterator[tuple[str, dict[str, str]]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("Tags") and isinstance(value, list):
                yield where, {t["Key"]: t["Value"] for t in value}
            elif key.endswith("Tags") and isinstance(value, dict):
                yield where, dict(value)
            else:
                yield from _walk(f"{where}/{key}", value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(where, item)


@pytest.mark.parametrize("name", ["trading-platform", "three-region", "minimal-backup-restore"])
def test_drgen_adds_at_most_its_counted_tags_to_any_resource(name: str) -> None:
    bp = drgen.load(ROOT / "blueprints" / f"{name}.yaml")
    own = [len(set(tags) - set(dict(bp.tags))) for _, tags in _tag_sets(drgen.render(bp).files)]
    assert own and max(own) <= naming.OWN_TAGS_PER_RESOURCE


def test_the_most_tags_a_blueprint_may_have_fill_a_resource_exactly_to_awss_limit(tmp_path: Path) -> None:
    text = (ROOT / "blueprints" / "trading-platform.yaml").read_text(encoding="utf-8")
    most = awsdata.TAGS_PER_RESOURCE_MAX - naming.OWN_TAGS_PER_RESOURCE
    tags = "".join(f"  Key{i}: value {i}\n" for i in range(most))
    start, end = text.index("tags:\n"), text.index("\nstrategy:")
    path = tmp_path / "blueprint.yaml"
    path.write_text(text[:start] + "tags:\n" + tags + text[end:])
    shutil.copytree(ROOT / "blueprints" / "functions", tmp_path / "functions")
    bp = drgen.load(path)
    counts = {where: len(tags) for where, tags in _tag_sets(drgen.render(bp).files)}
    assert max(counts.values()) == awsdata.TAGS_PER_RESOURCE_MAX  # the health checks: 46 + 3 drgen: + Name
