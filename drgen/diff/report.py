"""``drgen diff``'s three forms: text for a terminal, markdown for a pull-request comment, JSON for tools.

Values are shown whole and structurally: a map, a list or a string holding JSON is pretty-printed and the two
sides compared line by line (a unified diff of the value), never cut at a width.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from drgen.diff.compare import Change, Diff, ResourceChange, TemplateDiff

Line = tuple[str, int, str]
"""(marker ``+``/``-``/``~``/``!``/`` ``, indent, text): text puts the indent first, markdown the marker."""

ONE_LINE = 100
"""A change whose two sides are scalars this short is shown as ``old -> new`` on one line."""


def _side(value: Any) -> list[str] | None:
    """A value's lines; None for a short scalar."""
    if isinstance(value, str):
        if value.lstrip().startswith(("{", "[")):
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
            if isinstance(parsed, (dict, list)):
                return json.dumps(parsed, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
        return value.splitlines() if "\n" in value or len(value) > ONE_LINE else None
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    return None


def _lines(value: Any) -> list[str]:
    """A short scalar's lines beside a long other side: a string as it is (like the long side), others as JSON."""
    return [] if value is None else [value] if isinstance(value, str) else [_scalar(value)]


def _scalar(value: Any) -> str:
    return "(absent)" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


def change_lines(change: Change, indent: int) -> list[Line]:
    if change.note:
        return [("~", indent, f"{change.path}: {change.note}")]
    old, new = _side(change.old), _side(change.new)
    if old is None and new is None:
        return [("~", indent, f"{change.path}: {_scalar(change.old)} -> {_scalar(change.new)}")]
    before = old if old is not None else _lines(change.old)
    after = new if new is not None else _lines(change.new)
    out: list[Line] = [("~", indent, f"{change.path}:")]
    for line in list(difflib.unified_diff(before, after, n=2, lineterm=""))[2:]:
        if line.startswith("@@"):
            if not line.startswith(("@@ -1,", "@@ -0,", "@@ -1 ")):  # a hunk after lines left out
                out.append((" ", indent + 4, "..."))
        else:
            out.append((line[0] if line[0] in "+-" else " ", indent + 4, line[1:]))
    return out


def _heading(r: ResourceChange) -> Line:
    marker = {"add": "+", "remove": "-", "change": "~"}[r.action]
    text = f"{r.name} ({r.type})" if r.type else r.name
    if r.replaced_by:
        text += f" REPLACED: {r.replaced_by}"
    if r.danger:
        text += f" - DANGER, {r.danger}"
    elif r.kept:
        text += f" - kept by its {r.kept}"
    return (marker, 2, text)


def template_lines(t: TemplateDiff) -> list[Line]:
    out: list[Line] = []
    for r in t.resources:
        out.append(_heading(r))
        for change in r.changes:
            out.extend(change_lines(change, 6))
    for change in t.other:
        out.extend(change_lines(change, 2))
    return out


def _counts(t: TemplateDiff) -> str:
    c = t.counts
    text = f"{c['added']} added, {c['changed']} changed, {c['removed']} removed"
    if c["replaced"]:
        text += f" ({c['replaced']} replaced)"
    return text


def _summary(diff: Diff) -> dict[str, int]:
    total = {"templates": len(diff.templates), "added": 0, "changed": 0, "removed": 0, "replaced": 0, "dangerous": 0}
    for t in diff.templates:
        for key, value in t.counts.items():
            total[key] += value
    return total


def _summary_text(diff: Diff) -> str:
    s = _summary(diff)
    text = (f"{s['templates']} template{'s' if s['templates'] != 1 else ''} changed: {s['added']} added, "
            f"{s['changed']} changed, {s['removed']} removed")
    if s["replaced"]:
        text += f" ({s['replaced']} replaced)"
    if s["dangerous"]:
        text += f"; {s['dangerous']} dangerous change{'s' if s['dangerous'] != 1 else ''}"
    return text


def _danger_line(template: str, r: ResourceChange) -> str:
    why = f" ({r.replaced_by})" if r.replaced_by else ""
    return f"{template} {r.name} ({r.type}): {r.danger}{why}"


def _plan_lines(diff: Diff) -> list[Line]:
    return [line for c in diff.plan for line in change_lines(c, 2)]


def _artifact_lines(diff: Diff) -> list[Line]:
    return [("+" if c.old is None else "-" if c.new is None else "~", 2, c.path) for c in diff.artifacts]


def as_text(diff: Diff) -> str:
    if diff.same:
        return "no differences\n"
    lines = [_summary_text(diff)]
    lines.extend(f"DANGER {_danger_line(template, r)}" for template, r in diff.dangers)
    for t in diff.templates:
        lines.append(f"{t.template}: {_counts(t)}")
        lines.extend(" " * indent + f"{marker} {text}" for marker, indent, text in template_lines(t))
    if diff.plan:
        lines.append("plan:")
        lines.extend(" " * indent + f"{marker} {text}" for marker, indent, text in _plan_lines(diff))
    if diff.artifacts:
        lines.append("artifacts:")
        lines.extend(" " * indent + f"{marker} {text}" for marker, indent, text in _artifact_lines(diff))
    if diff.runbook:
        lines.append("runbook.md:")
        lines.extend(f"  {line}" for line in diff.runbook)
    return "\n".join(lines) + "\n"


def _fenced(lines: list[str]) -> list[str]:
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}diff", *lines, fence]


def _details(summary: str, lines: list[str], open_: bool = False) -> list[str]:
    return [f"<details{' open' if open_ else ''}><summary>{summary}</summary>", "", *_fenced(lines), "", "</details>",
            ""]


def _diff_lines(lines: list[Line]) -> list[str]:
    return [f"{marker}{' ' * indent}{text}" for marker, indent, text in lines]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def as_markdown(diff: Diff) -> str:
    """A pull-request comment: the summary, the dangerous changes, then one collapsible section per template."""
    if diff.same:
        return "### drgen diff\n\nNo differences.\n"
    out = ["### drgen diff", "", f"**{_summary_text(diff)}**", ""]
    if diff.dangers:
        out.append("**Dangerous changes** (data is lost or left behind):")
        out.extend(f"- {_escape(_danger_line(template, r))}" for template, r in diff.dangers)
        out.append("")
    for t in diff.templates:
        out.extend(_details(f"<code>{_escape(t.template)}</code>: {_counts(t)}", _diff_lines(template_lines(t)),
                            open_=bool(t.dangers)))
    if diff.plan:
        out.extend(_details("deployment plan", _diff_lines(_plan_lines(diff))))
    if diff.artifacts:
        out.extend(_details("artifacts", _diff_lines(_artifact_lines(diff))))
    if diff.runbook:
        out.extend(_details("<code>runbook.md</code>", diff.runbook))
    return "\n".join(out)


def _change(c: Change) -> dict[str, Any]:
    out = {"path": c.path, "old": c.old, "new": c.new}
    if c.note:
        out["note"] = c.note
    return out


def as_dict(diff: Diff) -> dict[str, Any]:
    return {
        "same": diff.same,
        "summary": _summary(diff),
        "templates": [{
            "template": t.template, "counts": t.counts,
            "resources": [{"name": r.name, "type": r.type, "action": r.action, "replaced_by": r.replaced_by,
                           "danger": r.danger, "kept": r.kept, "changes": [_change(c) for c in r.changes]}
                          for r in t.resources],
            "other": [_change(c) for c in t.other]} for t in diff.templates],
        "plan": [_change(c) for c in diff.plan],
        "artifacts": [_change(c) for c in diff.artifacts],
        "runbook": diff.runbook,
    }
