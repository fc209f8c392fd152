"""Golden files: compare with an expected file, or rewrite it (``pytest --update-goldens``) showing the diff."""

from __future__ import annotations

import difflib
from pathlib import Path


def check(path: Path, actual: str, update: bool) -> None:
    expected = path.read_text(encoding="utf-8") if path.exists() else None
    if expected == actual:
        return
    diff = "".join(difflib.unified_diff((expected or "").splitlines(True), actual.splitlines(True),
                                        f"{path} (expected)", f"{path} (actual)"))
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        print(f"updated {path}:\n{diff}")
        return
    raise AssertionError(f"{path} differs from the output (run pytest --update-goldens to accept):\n{diff}")
