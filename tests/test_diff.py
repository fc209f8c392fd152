"""drgen diff: golden outputs for a set of blueprint edits, and the exit statuses."""

from __future__ import annotations

from pathlib import Path

import pytest

import drgen
from drgen import cli
from drgen.diff import diff_files
from tests import golden

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "blueprints" / "trading-platform.yaml"
EDITS = {
    "queue-visibility": [("visibility_timeout: 180s", "visibility_timeout: 240s")],
    "alarm-periods": [("threshold: 5, periods: 3", "threshold: 5, periods: 4")],
    "new-bucket": [("buckets:\n", "buckets:\n  - name: reports\n    replication: {time_control: true}\n    rpo: 15m\n")],
    "allow-data-loss": [("allow_data_loss: false", "allow_data_loss: true")],
}


@pytest.fixture(scope="module")
def base() -> dict[str, bytes]:
    return drgen.render(drgen.load(REFERENCE)).files


@pytest.mark.parametrize("edit", EDITS)
def test_diff_golden(edit: str, base: dict[str, bytes], tmp_path: Path, update_goldens: bool) -> None:
    text = REFERENCE.read_text()
    for old, new in EDITS[edit]:
        assert old in text
        text = text.replace(old, new, 1)
    edited = REFERENCE.parent / f".diff-{edit}.yaml"
    edited.write_text(text)
    try:
        result = diff_files(base, drgen.render(drgen.load(edited)).files)
    finally:
        edited.unlink()
    assert not result.same
    golden.check(ROOT / "tests" / "diff" / f"{edit}.txt", result.text(), update_goldens)


def test_identical_renders_exit_0_and_different_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["render", str(REFERENCE), "-o", str(tmp_path / "a")]) == 0
    assert cli.main(["render", str(REFERENCE), "-o", str(tmp_path / "b")]) == 0
    capsys.readouterr()
    assert cli.main(["diff", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    assert capsys.readouterr().out == "no differences\n"
    (tmp_path / "b" / "templates" / "dns.json").unlink()
    assert cli.main(["diff", str(tmp_path / "a"), str(tmp_path / "b"), "--format", "json"]) == 1
    assert '"template": "templates/dns.json"' in capsys.readouterr().out
    assert cli.main(["diff", str(REFERENCE), "--against", str(tmp_path / "a")]) == 0


def test_not_a_render_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["diff", str(tmp_path), str(tmp_path)]) == 2
    assert "not a drgen render" in capsys.readouterr().err


CORRUPTIONS = {
    "manifest.json": [b"", b'{"plan": ', b"\x89PNG\r\n\x1a\n\x00\xff", b"[]", b'"manifest"', b'{"plan": []}',
                      b"[" * 200_000, b'{"plan": ' + b"[" * 150 + b"]" * 150 + b"}"],
    "templates/dns.json": [b"{", b"\xff\xfe\x00", b"null", b'{"Resources": ["a", "b"]}', b'{"Resources": 1}'],
    "stacksets/app.json": [b"NaN-ish", b"[1, 2]"],
}


@pytest.mark.parametrize("name, data", [(name, data) for name, items in CORRUPTIONS.items() for data in items],
                         ids=lambda value: value if isinstance(value, str) else repr(value[:12]))
def test_a_corrupt_render_file_is_a_usage_error_naming_it(name: str, data: bytes, base: dict[str, bytes],
                                                           tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good", tmp_path / "bad"
    for root in (good, bad):
        for path, content in base.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(content)
    (bad / name).write_bytes(data)
    for argv in (["diff", str(good), str(bad)], ["diff", str(bad), str(good)], ["diff", str(REFERENCE), "--against", str(bad)]):
        assert cli.main(argv) == 2  # not 1, which would read as "different"
        err = capsys.readouterr().err
        assert err.startswith(f"drgen: {bad / name} is not a drgen render file: ") and len(err) < 300, err


def test_an_invalid_blueprint_is_not_read_as_different(base: dict[str, bytes], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["render", str(REFERENCE), "-o", str(tmp_path / "a")]) == 0
    broken = ROOT / "tests" / "cases" / "invalid" / "many-errors-at-once" / "blueprint.yaml"
    assert cli.main(["diff", str(broken), "--against", str(tmp_path / "a")]) == 2
    captured = capsys.readouterr()
    assert ": E104 " in captured.out and "drgen: the blueprint has 5 errors" in captured.err


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs FIFOs")
def test_a_fifo_in_a_render_is_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os

    assert cli.main(["render", str(REFERENCE), "-o", str(tmp_path / "a")]) == 0
    os.mkfifo(tmp_path / "a" / "runbook.fifo")
    assert cli.main(["diff", str(REFERENCE), "--against", str(tmp_path / "a")]) == 0
