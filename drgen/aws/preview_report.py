"""What ``drgen diff BLUEPRINT --deployed`` found, and its three forms (text, markdown, JSON) like ``drgen diff``'s.

Per stack (a StackSet instance, or a once-only stack): the resources its change set would add, modify or remove,
``! replace`` where CloudFormation replaces the resource (with the properties that force it) and ``!? may
replace`` where it may; replacing or removing a data-bearing resource is flagged DANGER as ``drgen diff`` flags
it (``drgen.diff.replacement``); then what drift detection found changed by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from drgen.diff.report import _escape, _fenced

MARKERS = {"Add": "+", "Remove": "-", "Modify": "~"}


@dataclass(frozen=True)
class ResourceChange:
    """One ``ResourceChange`` of a change set."""

    action: str
    """CloudFormation's word: Add, Modify, Remove (Import, Dynamic)."""
    logical_id: str
    type: str
    replacement: str = ""
    """``True``, ``Conditional``, ``False`` or empty (for Add and Remove)."""
    causes: tuple[str, ...] = ()
    """The properties whose change requires (or may require) the replacement, from the change's details."""
    danger: str = ""
    kept: str = ""

    def text(self) -> str:
        out = f"{MARKERS.get(self.action, '~')} {self.logical_id} ({self.type})"
        why = f" ({', '.join(self.causes)})" if self.causes else ""
        if self.replacement == "True":
            out += f" ! replace{why}"
        elif self.replacement == "Conditional":
            out += f" !? may replace{why}"
        if self.danger:
            out += f" - DANGER, {self.danger}"
        elif self.kept:
            out += f" - kept by its {self.kept}"
        return out


@dataclass(frozen=True)
class PropertyDrift:
    path: str
    expected: str
    actual: str
    difference: str
    """ADD, REMOVE or NOT_EQUAL."""


@dataclass(frozen=True)
class ResourceDrift:
    logical_id: str
    type: str
    status: str
    """MODIFIED or DELETED."""
    properties: tuple[PropertyDrift, ...] = ()

    def lines(self) -> list[str]:
        out = [f"{self.logical_id} ({self.type}) {self.status}"]
        out.extend(f"    {p.path}: expected {p.expected or '(absent)'}, actual {p.actual or '(absent)'}"
                   for p in self.properties)
        return out


@dataclass
class StackPreview:
    layer: str
    region: str
    stack: str
    """The stack's name (a StackSet instance's is CloudFormation's ``StackSet-...``), empty if not deployed."""
    state: str
    """``change``, ``unchanged``, ``create`` (not deployed yet) or ``failed`` (no change set: ``reason``)."""
    changes: list[ResourceChange] = field(default_factory=list)
    resources: int = 0
    """For ``create``: how many resources the new stack would have."""
    reason: str = ""
    drift: str = ""
    """The drift status (IN_SYNC, DRIFTED, NOT_CHECKED, UNKNOWN), empty when drift was not detected."""
    drifts: list[ResourceDrift] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.layer}@{self.region}"

    @property
    def dangers(self) -> list[ResourceChange]:
        return [c for c in self.changes if c.danger]

    @property
    def same(self) -> bool:
        return self.state == "unchanged" and self.drift != "DRIFTED"

    def headline(self) -> str:
        if self.state == "create":
            text = f"would create ({self.resources} resource{'s' if self.resources != 1 else ''}; {self.reason})"
        elif self.state == "failed":
            text = f"no change set: {self.reason}"
        elif self.state == "unchanged":
            text = "no change"
        else:
            counts = {a: sum(1 for c in self.changes if c.action == a) for a in ("Add", "Modify", "Remove")}
            text = f"{counts['Add']} added, {counts['Modify']} modified, {counts['Remove']} removed"
            replaced = sum(1 for c in self.changes if c.replacement in ("True", "Conditional"))
            if replaced:
                text += f" ({replaced} replaced or may be)"
        if self.drift:
            text += f"; drift {self.drift}"
        return text

    def lines(self) -> list[str]:
        out = [f"  {c.text()}" for c in self.changes]
        if self.drifts:
            out.append("  changed by hand (drift):")
            out.extend(f"    {line}" for d in self.drifts for line in d.lines())
        return out


@dataclass
class Preview:
    account: str
    control_region: str
    """Where the StackSets are administered (the region deploy uses)."""
    drift_checked: bool
    stacks: list[StackPreview] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return all(s.same for s in self.stacks)

    def summary(self) -> dict[str, int]:
        changed = [s for s in self.stacks if s.state == "change"]
        return {
            "stacks": len(self.stacks),
            "changed": len(changed),
            "create": sum(1 for s in self.stacks if s.state == "create"),
            "failed": sum(1 for s in self.stacks if s.state == "failed"),
            "replaced": sum(1 for s in changed for c in s.changes if c.replacement == "True"),
            "may_replace": sum(1 for s in changed for c in s.changes if c.replacement == "Conditional"),
            "dangerous": sum(len(s.dangers) for s in self.stacks),
            "drifted": sum(1 for s in self.stacks if s.drift == "DRIFTED"),
        }

    def summary_text(self) -> str:
        s = self.summary()
        text = (f"{s['stacks']} stack{'s' if s['stacks'] != 1 else ''} in account {self.account}: {s['changed']} "
                f"would change, {s['create']} would be created")
        if s["replaced"] or s["may_replace"]:
            text += f" ({s['replaced']} replacements, {s['may_replace']} possible)"
        if s["dangerous"]:
            text += f"; {s['dangerous']} dangerous change{'s' if s['dangerous'] != 1 else ''}"
        if s["failed"]:
            text += f"; {s['failed']} without a change set"
        text += (f"; {s['drifted']} drifted" if self.drift_checked else "; drift not checked")
        return text

    def _danger_lines(self) -> list[str]:
        return [f"{s.title} {c.logical_id} ({c.type}): {c.danger}" for s in self.stacks for c in s.dangers]

    def text(self) -> str:
        if self.same:
            checked = ", no drift" if self.drift_checked else " (drift not checked)"
            return f"no differences: every stack is deployed as rendered{checked}\n"
        lines = [self.summary_text()]
        lines.extend(f"DANGER {line}" for line in self._danger_lines())
        for s in self.stacks:
            if s.same:
                continue
            lines.append(f"{s.title} {s.stack or ''}".rstrip() + f": {s.headline()}")
            lines.extend(s.lines())
        return "\n".join(lines) + "\n"

    def markdown(self) -> str:
        if self.same:
            return "### drgen diff --deployed\n\nNo differences: every stack is deployed as rendered.\n"
        out = ["### drgen diff --deployed", "", f"**{_escape(self.summary_text())}**", ""]
        if self._danger_lines():
            out.append("**Dangerous changes** (data is lost or left behind):")
            out.extend(f"- {_escape(line)}" for line in self._danger_lines())
            out.append("")
        for s in self.stacks:
            if s.same:
                continue
            body = [line[2:] for line in s.lines()]
            out.extend([f"<details{' open' if s.dangers else ''}><summary><code>{_escape(s.title)}</code>: "
                        f"{_escape(s.headline())}</summary>", "", *_fenced(body), "", "</details>", ""])
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "same": self.same, "account": self.account, "control_region": self.control_region,
            "drift_checked": self.drift_checked, "summary": self.summary(),
            "stacks": [{
                "layer": s.layer, "region": s.region, "stack": s.stack, "state": s.state, "reason": s.reason,
                "resources": s.resources, "drift": s.drift,
                "changes": [{"action": c.action, "logical_id": c.logical_id, "type": c.type,
                             "replacement": c.replacement, "causes": list(c.causes), "danger": c.danger,
                             "kept": c.kept} for c in s.changes],
                "drifts": [{"logical_id": d.logical_id, "type": d.type, "status": d.status,
                            "properties": [{"path": p.path, "expected": p.expected, "actual": p.actual,
                                            "difference": p.difference} for p in d.properties]}
                           for d in s.drifts]} for s in self.stacks],
        }

    def json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

