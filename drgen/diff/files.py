"""Reading a render directory for ``drgen diff``: every file, with the JSON ones checked for what drgen writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from drgen.diagnostics import clip
from drgen.errors import UsageError

MAX_JSON_BYTES = 8 * 1024 * 1024
"""The largest JSON file of a render ``read_render`` accepts (a template is at most 1 MB)."""
MAX_JSON_DEPTH = 100
"""The deepest nesting it accepts: rendered templates nest a dozen levels; the diff recurses per level."""


def read_render(directory: str | Path) -> dict[str, bytes]:
    """The files of a render directory; raises ``UsageError`` naming the file when one cannot be read or a
    JSON file (the manifest, a template, a StackSet) is not what drgen writes there."""
    root = Path(directory)
    files: dict[str, bytes] = {}
    try:
        if not (root / "manifest.json").is_file():
            raise UsageError(f"{clip(str(root), 200)} is not a drgen render (no manifest.json)")
        for path in sorted(root.rglob("*")):
            if path.is_file():  # follows a link to a file; never reads a FIFO or a device
                files[path.relative_to(root).as_posix()] = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {clip(str(error.filename or root), 200)}: {error.strerror or error}") from error
    for name, data in files.items():
        if is_template(name) or name == "manifest.json":
            _check_json(root / name, data)
    return files


def is_template(path: str) -> bool:
    return path.startswith(("templates/", "stacksets/")) and path.endswith(".json")


def _check_json(path: Path, data: bytes) -> None:
    def refuse(why: str) -> UsageError:
        return UsageError(f"{path} is not a drgen render file: {why}")

    if len(data) > MAX_JSON_BYTES:
        raise refuse(f"it is larger than {MAX_JSON_BYTES // 1024 // 1024} MiB")
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:  # not UTF-8, not JSON, or nested past Python's stack
        raise refuse(clip(f"it is not JSON ({error})", 200)) from error
    if not isinstance(document, dict):
        raise refuse(f"it holds a JSON {type(document).__name__}, not an object")
    key = "plan" if path.name == "manifest.json" else "Resources"
    if not isinstance(document.get(key, {}), dict):
        raise refuse(f"its {key} is not an object")
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise refuse(f"it nests more than {MAX_JSON_DEPTH} levels deep")
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((child, depth + 1) for child in children)
