"""What render or deploy would refuse, found from the model before anything is rendered.

E407: a layer's (or, after ``drgen.splitting`` split it, a part's) template past a CloudFormation quota
(resources, parameters, outputs, bytes), estimated by ``drgen.footprint`` and ``drgen.template_size``; the
finding points at the section that takes most of it (in a later part, at the one group over it by itself).
E408: two parts that would share a logical ID in one template (render cannot write both) or a name in one
AWS namespace (deploy would fail on the second), including drgen's own resources.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from drgen import awsdata, configs, metrics, naming
from drgen.diagnostics import Path, format_path
from drgen.footprint import OWN, Footprint, Item, footprints
from drgen.layers import own_functions
from drgen.model import Blueprint
from drgen.splitting import SPLITTABLE
from drgen.template_size import item_bytes, template_bytes

Finding = tuple[str, str, Path]

QUOTAS = (("resource", "resources", awsdata.CFN_MAX_RESOURCES), ("parameter", "parameters", awsdata.CFN_MAX_PARAMETERS),
          ("output", "outputs", awsdata.CFN_MAX_OUTPUTS))
SPLIT = ("split the blueprint into smaller systems, one blueprint per workload group (each its own name), or use "
         "fewer components")
UNSPLIT = {
    "app": ("drgen splits off each function no API route calls (with its triggers and alarms) into further app "
            "parts, but the rest - the queues, the API with the functions its routes call, the other alarms - "
            "shares one template: use fewer queues, routes or alarms, or " + SPLIT),
}
"""The fix for a split layer's base group over a quota by itself (``drgen.splitting``)."""
ALONE = "drgen splits a layer by component group, and this group is over the quota by itself: make it smaller"


def findings(bp: Blueprint) -> list[Finding]:
    """E407 and E408 diagnostics of ``bp``: ``(code, message, path)``."""
    out: list[Finding] = []
    for f in footprints(bp).values():
        out.extend(_collisions(f))
        out.extend(_quotas(bp, f))
    out.extend(_physical_names(bp))
    return out


def _section(owner: Path, depth: int = 1) -> Path:
    """The blueprint section an item counts against: ``("functions",)`` (``depth`` 2: ``("functions", 3)``), or
    ``OWN``."""
    return OWN if owner == OWN else owner[:depth]


def _fix(f: Footprint) -> tuple[str, int]:
    """What to do about ``f``'s template over a quota, and how deep its finding points (``_section``)."""
    if f.layer.whole not in SPLITTABLE:
        return SPLIT, 1
    if f.layer.holds(""):
        return UNSPLIT.get(f.layer.whole, SPLIT), 1
    return ALONE, 2  # a part beyond the first holds whole groups and fills up before one over the quota


def _quotas(bp: Blueprint, f: Footprint) -> Iterator[Finding]:
    name = f.layer.name
    longest: dict[Path, Item] = {}
    for item in f.items:
        if len(item.logical_id) > len(longest.get(item.owner, item).logical_id) or item.owner not in longest:
            longest[item.owner] = item
    for owner, item in longest.items():
        if len(item.logical_id) > awsdata.CFN_MAX_LOGICAL_ID:
            yield "E407", (f"{item.what} would have a logical ID of {len(item.logical_id)} characters in the {name} "
                           f"template; CloudFormation allows {awsdata.CFN_MAX_LOGICAL_ID}: shorten it"), owner
    fix, depth = _fix(f)
    for kind, plural, limit in QUOTAS:
        items = [item for item in f.items if item.kind == kind]
        if len(items) > limit:
            share = Counter(_section(item.owner, depth) for item in items)
            yield "E407", (f"the {name} template would hold {len(items)} {plural}; CloudFormation allows {limit} in "
                           f"a template (by section: {_shares(share)}); {fix}"), _dominant(share)
    size = template_bytes(bp, f)
    if size > awsdata.CFN_TEMPLATE_URL_MAX_BYTES:
        weight: Counter[Path] = Counter()
        for item in f.items:
            weight[_section(item.owner, depth)] += item_bytes(bp, name, item)
        yield "E407", (f"the {name} template would take up to {size:,} bytes; CloudFormation reads at most "
                       f"{awsdata.CFN_TEMPLATE_URL_MAX_BYTES:,} from S3 (by section: {_shares(weight, ' bytes')}); {fix}"
                       + (", fewer tags" if bp.tags else "")), _dominant(weight)


def _shares(share: Counter[Path], unit: str = "") -> str:
    return ", ".join(f"{'drgen' if section == OWN else format_path(section)} {count:,}{unit}"
                     for section, count in share.most_common(3))


def _dominant(share: Counter[Path]) -> Path:
    """The section that takes most (drgen's own part is not one the blueprint can change: then the regions)."""
    section = next((s for s, _ in share.most_common() if s != OWN), ("regions",))
    return section


def _collisions(f: Footprint) -> Iterator[Finding]:
    for group in (("resource", "parameter"), ("output",)):
        first: dict[str, Item] = {}
        reported: set[tuple[Path, Path]] = set()
        for item in f.items:
            if item.kind not in group:
                continue
            other = first.setdefault(item.logical_id, item)
            if other is item or (other.owner, item.owner) in reported:
                continue
            reported.add((other.owner, item.owner))
            yield "E408", _clash(item, other, f"logical ID {item.logical_id} in the {f.layer.name} template"), \
                _where(item, other)


def _where(item: Item, other: Item) -> Path:
    return other.owner if item.owner == OWN else item.owner


def _clash(item: Item, other: Item, what: str) -> str:
    if item.what == other.what:
        return f"{item.what} is listed twice (first at {format_path(other.owner)}): list it once"
    if OWN in (item.owner, other.owner):
        mine, own = (other, item) if item.owner == OWN else (item, other)
        return f"{mine.what} would take the {what}, which is drgen's {own.what.removeprefix('the ')}: rename it"
    return (f"{item.what} and {other.what} (at {format_path(other.owner)}) would both have the {what}: "
            "rename one")


def _physical_names(bp: Blueprint) -> Iterator[Finding]:
    p = bp.prefix
    names: dict[str, list[tuple[str, Path, str]]] = {kind: [] for kind in (
        "queue", "function", "role", "table", "bucket", "alarm")}
    for i, queue in enumerate(bp.queues):
        names["queue"].append((naming.queue(p, queue.name, queue.fifo), ("queues", i, "name"), f"queue '{queue.name}'"))
        if queue.dead_letter is not None:
            names["queue"].append((naming.dead_letter_queue(p, queue.name, queue.fifo), ("queues", i, "name"),
                                   f"the dead-letter queue of queue '{queue.name}'"))
    for own in own_functions(bp):
        names["function"].append((naming.function(p, own), OWN, f"drgen's {own} function"))
        names["role"].append((naming.role(p, own, "*"), OWN, f"drgen's role of its {own} function"))
    for role, present in _own_roles(bp).items():
        if present:
            names["role"].append((naming.role(p, role, "*"), OWN, f"drgen's {role} role"))
    for i, fn in enumerate(bp.functions):
        names["function"].append((naming.function(p, fn.name), ("functions", i, "name"), f"function '{fn.name}'"))
        names["role"].append((naming.role(p, fn.name, "*"), ("functions", i, "name"), f"the role of function '{fn.name}'"))
    names["table"].append((naming.control_table(p), OWN, "drgen's control table"))
    names["table"] += [(naming.table(p, t.name), ("tables", i, "name"), f"table '{t.name}'") for i, t in enumerate(bp.tables)]
    names["bucket"] += [(naming.artifact_bucket(p, "*"), OWN, "drgen's artifact bucket"),
                        (naming.access_log_bucket(p, "*"), OWN, "drgen's access-log bucket")]
    names["bucket"] += [(naming.bucket(p, b.name, "*"), ("buckets", i, "name"), f"bucket '{b.name}'")
                        for i, b in enumerate(bp.buckets)]
    if bp.dns is not None:
        serving = bp.region_names if bp.runs_compute_in_secondaries else (bp.primary.name,)
        names["alarm"] += [(naming.alarm(p, f"health-{r}"), OWN, f"drgen's health alarm of {r}") for r in serving]
    for i, alarm in enumerate(bp.alarms):
        count = len(configs.dimension_sets(bp, alarm))
        names["alarm"] += [(naming.alarm(p, alarm.name) + ("" if count == 1 else f"-{n}"), ("alarms", i, "name"),
                            f"alarm '{alarm.name}'") for n in range(1, count + 1)]
    reported: set[Path] = set()  # a function named like drgen's has its role named like drgen's too: once is enough
    for entries in names.values():
        first: dict[str, tuple[Path, str]] = {}
        for name, path, what in entries:
            if name not in first:
                first[name] = (path, what)
                continue
            other_path, other_what = first[name]
            if other_path == path or {path, other_path} & reported:
                continue
            reported.update({path, other_path} - {OWN})
            shown = name.replace("*", "<region>").replace(naming.ACCOUNT, "<account>")
            if OWN in (path, other_path):
                mine, theirs = (other_path, other_what) if path == OWN else (path, what)
                drgens = what if path == OWN else other_what
                yield "E408", f"{theirs} would be named {shown}, like {drgens}: rename it", mine
            else:
                yield "E408", (f"{what} would be named {shown}, like {other_what} (at {format_path(other_path)}): "
                               "rename one"), path


def _own_roles(bp: Blueprint) -> dict[str, bool]:
    """drgen's own roles (``naming.role`` middle parts) and whether ``bp`` has each."""
    serving_failover = any(a.triggers_failover and metrics.METRICS[a.metric].placement == "serving" for a in bp.alarms)
    automatic = bp.failover.mode == "automatic"
    return {
        "api-sqs": bp.api is not None and any(r.target == "queue" for r in bp.api.routes),
        "forward-alarms": automatic and serving_failover,
        "replication": bool(bp.buckets),
        "rds-monitoring": bool(bp.databases),
        "flow-logs": bp.needs_vpc,
        "backup": bool(bp.databases) and not bp.runs_compute_in_secondaries,
        "failover": bp.runs_compute_in_secondaries,
        "start-failover": bp.runs_compute_in_secondaries and automatic and (serving_failover or bp.dns is not None),
        "forward-health": bp.dns is not None and automatic,
    }
