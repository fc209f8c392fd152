"""The difference of two renders: per template, the resources added, removed and changed, each change by path,
with the changes CloudFormation makes by replacement marked and those that lose data flagged."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from drgen.diff.files import is_template
from drgen.diff.replacement import data_loss, replacing_property


@dataclass(frozen=True)
class Change:
    path: str
    old: Any
    new: Any
    note: str = ""
    """Said instead of the values (a StackSet's template: its own template file shows the change)."""


@dataclass
class ResourceChange:
    name: str
    type: str
    action: Literal["add", "remove", "change"]
    changes: list[Change] = field(default_factory=list)
    replaced_by: str = ""
    """Why CloudFormation replaces the resource (a create-only property or the type changed); empty if it updates."""
    danger: str = ""
    """What is lost (a data-bearing resource replaced or deleted); empty if nothing."""
    kept: str = ""
    """The DeletionPolicy that keeps a removed data-bearing resource."""


@dataclass
class TemplateDiff:
    template: str
    resources: list[ResourceChange] = field(default_factory=list)
    other: list[Change] = field(default_factory=list)
    """Changes outside Resources: parameters, outputs, conditions, description."""

    def count(self, action: str) -> int:
        return sum(1 for r in self.resources if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {"added": self.count("add"), "changed": self.count("change"), "removed": self.count("remove"),
                "replaced": sum(1 for r in self.resources if r.replaced_by), "dangerous": len(self.dangers)}

    @property
    def dangers(self) -> list[ResourceChange]:
        return [r for r in self.resources if r.danger]

    @property
    def empty(self) -> bool:
        return not (self.resources or self.other)


@dataclass
class Diff:
    templates: list[TemplateDiff] = field(default_factory=list)
    artifacts: list[Change] = field(default_factory=list)
    plan: list[Change] = field(default_factory=list)
    runbook: list[str] = field(default_factory=list)
    """The runbook's unified diff (no lines when it did not change)."""

    @property
    def same(self) -> bool:
        return not (self.templates or self.artifacts or self.plan)

    @property
    def dangers(self) -> list[tuple[str, ResourceChange]]:
        return [(t.template, r) for t in self.templates for r in t.dangers]

    def to_dict(self) -> dict[str, Any]:
        from drgen.diff.report import as_dict
        return as_dict(self)

    def text(self) -> str:
        from drgen.diff.report import as_text
        return as_text(self)

    def markdown(self) -> str:
        from drgen.diff.report import as_markdown
        return as_markdown(self)


def _changes(old: Any, new: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any, Any]]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            yield from _changes(old.get(key), new.get(key), (*path, str(key)))
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from _changes(a, b, (*path, f"[{index}]"))
    elif old != new:
        yield path, old, new


def dotted(path: tuple[str, ...]) -> str:
    out = ""
    for part in path:
        out += part if part.startswith("[") else (f".{part}" if out else part)
    return out or "(value)"


def _resource(name: str, old: Any, new: Any) -> ResourceChange | None:
    old_type = old.get("Type", "") if isinstance(old, dict) else ""
    new_type = new.get("Type", "") if isinstance(new, dict) else ""
    if old is None or new is None:
        action: Literal["add", "remove"] = "add" if old is None else "remove"
        kind = new_type or old_type
        change = ResourceChange(name, kind, action)
        if action == "remove":
            policy = old.get("DeletionPolicy", "Delete") if isinstance(old, dict) else "Delete"
            change.danger, change.kept = data_loss(kind, "delete", policy)
        return change
    found = list(_changes(old, new))
    if not found:
        return None
    change = ResourceChange(name, new_type, "change")
    for path, a, b in found:
        if new_type == "AWS::CloudFormation::StackSet" and path[:2] in (("Properties", "TemplateBody"),
                                                                          ("Properties", "TemplateURL")):
            if not any(c.note for c in change.changes):
                change.changes.append(Change(".".join(path[:2]), None, None,
                                             "the StackSet's template changed (its templates/ file shows how)"))
            continue
        change.changes.append(Change(dotted(path), a, b))
        if not change.replaced_by:
            if old_type != new_type:
                change.replaced_by = f"its type changes from {old_type}"
            else:
                prop = replacing_property(new_type, tuple("*" if p.startswith("[") else p for p in path))
                if prop:
                    change.replaced_by = f"{prop} is create-only"
    if change.replaced_by:
        change.danger, change.kept = data_loss(new_type, "replace", old.get("UpdateReplacePolicy", "Delete"))
    return change


def _template(name: str, old: dict[str, Any], new: dict[str, Any]) -> TemplateDiff:
    diff = TemplateDiff(name)
    old_resources, new_resources = old.get("Resources", {}), new.get("Resources", {})
    for resource in sorted(set(old_resources) | set(new_resources)):
        change = _resource(resource, old_resources.get(resource), new_resources.get(resource))
        if change is not None:
            diff.resources.append(change)
    diff.resources.sort(key=lambda r: ("add", "remove", "change").index(r.action))  # stable: by name within
    rest_old = {k: v for k, v in old.items() if k != "Resources"}
    rest_new = {k: v for k, v in new.items() if k != "Resources"}
    diff.other = [Change(dotted(path), a, b) for path, a, b in _changes(rest_old, rest_new)]
    return diff


def _text(data: bytes | None) -> list[str]:
    return data.decode("utf-8", "replace").splitlines() if data is not None else []


def diff_files(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> Diff:
    """The difference between two renders given as relative path -> bytes."""
    result = Diff()
    for path in sorted(set(old) | set(new)):
        if is_template(path):
            template = _template(path, json.loads(old.get(path, b"{}")), json.loads(new.get(path, b"{}")))
            if not template.empty:
                result.templates.append(template)
        elif path == "manifest.json":
            plans = [json.loads(side[path]).get("plan", {}) if path in side else {} for side in (old, new)]
            result.plan = [Change(dotted(p), a, b) for p, a, b in _changes(plans[0], plans[1])]
        elif old.get(path) != new.get(path):
            result.artifacts.append(Change(path, None if path not in old else "changed",
                                           None if path not in new else "changed"))
            if path == "runbook.md":
                result.runbook = list(difflib.unified_diff(_text(old.get(path)), _text(new.get(path)),
                                                           "a/runbook.md", "b/runbook.md", lineterm=""))
    return result
