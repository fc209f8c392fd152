"""Resource-level difference of two renders, for pull-request review (``drgen diff``)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drgen.diagnostics import clip
from drgen.errors import UsageError


@dataclass(frozen=True)
class Change:
    path: str
    old: Any
    new: Any


@dataclass
class TemplateDiff:
    template: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[Change]] = field(default_factory=dict)
    other: list[Change] = field(default_factory=list)
    """Changes outside Resources: parameters, outputs, conditions, description."""

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.other)


@dataclass
class Diff:
    templates: list[TemplateDiff] = field(default_factory=list)
    artifacts: list[Change] = field(default_factory=list)
    plan: list[Change] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return not (self.templates or self.artifacts or self.plan)

    def to_dict(self) -> dict[str, Any]:
        def change(c: Change) -> dict[str, Any]:
            return {"path": c.path, "old": c.old, "new": c.new}
        return {
            "same": self.same,
            "templates": [{"template": t.template, "added": t.added, "removed": t.removed,
                           "changed": {r: [change(c) for c in cs] for r, cs in t.changed.items()},
                           "other": [change(c) for c in t.other]} for t in self.templates],
            "artifacts": [change(c) for c in self.artifacts],
            "plan": [change(c) for c in self.plan],
        }

    def text(self) -> str:
        if self.same:
            return "no differences\n"
        lines: list[str] = []
        for t in self.templates:
            lines.append(f"{t.template}:")
            lines.extend(f"  + {name}" for name in t.added)
            lines.extend(f"  - {name}" for name in t.removed)
            for name, changes in t.changed.items():
                lines.append(f"  ~ {name}")
                lines.extend(f"      {c.path}: {_pair(c)}" for c in changes)
            lines.extend(f"  ~ {c.path}: {_pair(c)}" for c in t.other)
        if self.plan:
            lines.append("plan:")
            lines.extend(f"  ~ {c.path}: {_pair(c)}" for c in self.plan)
        if self.artifacts:
            lines.append("artifacts:")
            for c in self.artifacts:
                mark = "+" if c.old is None else "-" if c.new is None else "~"
                lines.append(f"  {mark} {c.path}")
        return "\n".join(lines) + "\n"


def _pair(change: Change) -> str:
    """``old -> new``, showing two long strings from just before where they start to differ."""
    old, new = change.old, change.new
    if isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) > 60:
        start = 0
        while start < min(len(old), len(new)) and old[start] == new[start]:
            start += 1
        start = max(0, start - 20)
        old, new = ("..." if start else "") + old[start:], ("..." if start else "") + new[start:]
    return f"{_short(old)} -> {_short(new)}"


def _short(value: Any) -> str:
    return clip(json.dumps(value, sort_keys=True)) if value is not None else "(absent)"


def _changes(old: Any, new: Any, path: str = "") -> Iterator[Change]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            yield from _changes(old.get(key), new.get(key), f"{path}.{key}" if path else key)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from _changes(a, b, f"{path}[{index}]")
    elif old != new:
        yield Change(path or "(value)", old, new)


def _template(name: str, old: dict[str, Any], new: dict[str, Any]) -> TemplateDiff:
    diff = TemplateDiff(name)
    old_resources, new_resources = old.get("Resources", {}), new.get("Resources", {})
    diff.added = sorted(set(new_resources) - set(old_resources))
    diff.removed = sorted(set(old_resources) - set(new_resources))
    for resource in sorted(set(old_resources) & set(new_resources)):
        changes = list(_changes(old_resources[resource], new_resources[resource]))
        if changes:
            diff.changed[resource] = changes
    rest_old = {k: v for k, v in old.items() if k != "Resources"}
    rest_new = {k: v for k, v in new.items() if k != "Resources"}
    diff.other = list(_changes(rest_old, rest_new))
    return diff


def diff_files(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> Diff:
    """The difference between two renders given as relative path -> bytes."""
    result = Diff()
    for path in sorted(set(old) | set(new)):
        if _is_template(path):
            template = _template(path, json.loads(old.get(path, b"{}")), json.loads(new.get(path, b"{}")))
            if not template.empty:
                result.templates.append(template)
        elif path == "manifest.json":
            plans = [json.loads(side[path]).get("plan", {}) if path in side else {} for side in (old, new)]
            result.plan = list(_changes(plans[0], plans[1]))
        elif old.get(path) != new.get(path):
            result.artifacts.append(Change(path, None if path not in old else "changed",
                                           None if path not in new else "changed"))
    return result


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
        if _is_template(name) or name == "manifest.json":
            _check_json(root / name, data)
    return files


def _is_template(path: str) -> bool:
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
