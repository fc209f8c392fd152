"""Deterministic Lambda packages: same sources, same bytes, wherever and whenever they are built."""

from __future__ import annotations

import os
import shutil
import zipfile
from io import BytesIO
from pathlib import Path

from drgen.package import package

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "blueprints" / "functions" / "trade_processor"


def test_two_builds_are_identical() -> None:
    first, second = package("trade-processor", SOURCE), package("trade-processor", SOURCE)
    assert first.data == second.data and first.sha256 == second.sha256


def test_a_copy_with_other_times_modes_and_caches_gives_the_same_bytes(tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere" / "trade_processor"
    shutil.copytree(SOURCE, copy)
    for path in copy.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
        path.chmod(0o777 if path.is_dir() else 0o600)
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"compiled")
    (copy / "stale.pyc").write_bytes(b"compiled")
    assert package("trade-processor", copy).data == package("trade-processor", SOURCE).data


def test_listing_dates_and_modes(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.py").write_text("z = 1\n")
    (tmp_path / "a.py").write_text("a = 1\n")
    built = package("demo", tmp_path)
    with zipfile.ZipFile(BytesIO(built.data)) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["a.py", "b/z.py"]
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {(i.external_attr >> 16) & 0o777 for i in infos} == {0o644}
        assert archive.read("b/z.py") == b"z = 1\n"


def test_key_is_content_addressed(tmp_path: Path) -> None:
    (tmp_path / "handler.py").write_text("x = 1\n")
    one = package("demo", tmp_path)
    (tmp_path / "handler.py").write_text("x = 2\n")
    two = package("demo", tmp_path)
    assert one.key == f"functions/demo/{one.sha256}.zip" and one.key != two.key
