"""Layers over a CloudFormation per-template quota, split into parts by component group.

CloudFormation takes at most 500 resources, 200 parameters, 200 outputs and 1 MB in one template
(``drgen.awsdata``). A layer whose template ``drgen.footprint`` estimates past one of them is cut, where AWS
allows, into parts - each its own StackSet (or stack) in the plan - before ``drgen validate`` refuses it (E407):

- app: each blueprint function that no API route calls is a group with its log group, role, event source
  mappings, ARN parameter and the alarms measured on it. Everything else - the alerts topic, the queues, the
  API with the functions it routes to (API Gateway's integrations and permissions name them in its template),
  drgen's health function, the other alarms, forwarding, the dashboard - is the base group, which stays in the
  ``app`` part. A function in a later part reads its queues (``<queue>Arn``, ``<queue>Url``) and the alerts topic
  (``TopicArn``) from the ``app`` part's exports in its region, as layers pass values to each other.
- tables: each DynamoDB global table is a group (an ``AWS::DynamoDB::GlobalTable`` stands alone); the base group
  is drgen's control table.

The groups fill the parts in blueprint order, the base group first, each part as full as the quotas allow
(next fit, so a function added at the end of the blueprint never moves the others). A part is named
``<layer>-<n>`` (``app-2``), the first keeps the layer's name, and waits for what the layer waits for (an ``app``
part also for the ``app`` part of its region, whose exports it imports); a layer that waits for a split layer
waits for each of its parts. The estimate decides, so the same blueprint always splits the same way, and
``drgen.footprint`` estimates each part as render makes it. What cannot be split - one group past a quota by
itself - stays an E407 at that group (``drgen.renderable``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from drgen import awsdata, naming
from drgen.layers import Dependency, Layer
from drgen.model import Alarm, Blueprint, Function

if TYPE_CHECKING:
    from drgen.footprint import Footprint

SPLITTABLE = ("app", "tables")
"""The layers that may be split: those whose component groups can live in separate templates."""

PART_NAME_RESERVE = 4
"""Characters a part's name may add to the layer's (``-99``): sizes are bounded with the longest."""


def function_group(bp: Blueprint, fn: Function) -> str:
    """The app group of ``fn``: the base group when an API route calls it, else its own."""
    routed = {r.name for r in bp.api.routes if r.target == "function"} if bp.api is not None else set()
    return "" if fn.name in routed else f"function:{fn.name}"


def alarm_group(bp: Blueprint, alarm: Alarm) -> str:
    """The app group of ``alarm``: its function's when it is measured on one, else the base group."""
    from drgen import metrics

    if metrics.METRICS[alarm.metric].subject == "function":
        fn = next((f for f in bp.functions if f.name == alarm.subject), None)
        if fn is not None:
            return function_group(bp, fn)
    return ""


def table_group(name: str) -> str:
    return f"table:{name}"


def function_queues(bp: Blueprint, fn: Function) -> list[str]:
    """The queues ``fn`` names in its template: those that trigger it and those it is granted, in order."""
    from drgen import configs

    return list(dict.fromkeys(g.target for g in configs.grants(fn) if g.kind == "queue"))


def exported_queues(bp: Blueprint, layer: Layer) -> tuple[str, ...]:
    """The queues the ``app`` part exports because a function in another part names them (in blueprint order)."""
    if layer.whole != "app" or layer.groups is None or not layer.holds(""):
        return ()
    used: set[str] = set()
    for fn in bp.functions:
        if not layer.holds(function_group(bp, fn)):
            used.update(function_queues(bp, fn))
    return tuple(q.name for q in bp.queues if q.name in used)


def queue_exports(queue: str) -> tuple[str, str]:
    """The outputs the ``app`` part exports for ``queue``: its ARN and its URL."""
    base = naming.queue_id(queue)
    return f"{base}Arn", f"{base}Url"


@dataclass
class _Load:
    """What a part holds so far, against the quotas."""

    resources: int = 0
    parameters: int = 0
    outputs: int = 0
    size: int = 0

    def add(self, other: _Load) -> None:
        self.resources += other.resources
        self.parameters += other.parameters
        self.outputs += other.outputs
        self.size += other.size

    def fits(self, other: _Load) -> bool:
        return (self.resources + other.resources <= awsdata.CFN_MAX_RESOURCES
                and self.parameters + other.parameters <= awsdata.CFN_MAX_PARAMETERS
                and self.outputs + other.outputs <= awsdata.CFN_MAX_OUTPUTS
                and self.size + other.size <= awsdata.CFN_TEMPLATE_URL_MAX_BYTES)


def split(bp: Blueprint, whole: tuple[Layer, ...]) -> tuple[Layer, ...]:
    """``whole``'s layers, each over a quota that can be split replaced by its parts (see the module's text)."""
    parts: dict[str, tuple[Layer, ...]] = {}
    for layer in whole:
        parts[layer.name] = _parts(bp, layer) if layer.name in SPLITTABLE else (layer,)
    if all(len(p) == 1 for p in parts.values()):
        return whole
    out = []
    for layer in whole:
        for part in parts[layer.name]:
            out.append(replace(part, after=tuple(_expand(part, parts))))
    return tuple(out)


def _expand(part: Layer, parts: dict[str, tuple[Layer, ...]]) -> Iterable[Dependency]:
    """``part``'s dependencies, one on each part of a split layer it waits for (its own layer's first part
    stays the one it names)."""
    for dep in part.after:
        if dep.layer == part.whole:
            yield dep
            continue
        for other in parts.get(dep.layer, ()):
            yield replace(dep, layer=other.name)


def _parts(bp: Blueprint, layer: Layer) -> tuple[Layer, ...]:
    from drgen.footprint import build
    from drgen.footprint.items import PART, embedded
    from drgen.template_size import ENVELOPE, ROLE_CONDITIONS, item_bytes, template_bytes

    f = build(bp, layer)
    if _within(bp, f, template_bytes(bp, f)):
        return (layer,)
    groups = list(dict.fromkeys(item.group for item in f.items if item.group not in ("", PART)))
    # the groups as a later part holds them (reading the first part's values through its exports), under the
    # longest name a part may have (its tags name it)
    longest = replace(layer, name=layer.name + "-" + "9" * (PART_NAME_RESERVE - 1), base=layer.name,
                      groups=tuple(groups))
    loads: dict[str, _Load] = {group: _Load() for group in ("", *groups)}
    for item in [i for i in f.items if i.group == ""] + build(bp, longest).items:
        if item.group == PART:
            continue  # a part's own: reserved in every part below
        load = loads[item.group]
        load.resources += item.kind == "resource"
        load.parameters += item.kind == "parameter"
        load.outputs += item.kind == "output"
        load.size += item_bytes(bp, longest.name, item)
    # the template's frame, a description of at most 1,024 bytes (each perhaps escaped), the role parameter and
    # conditions a part may hold, and the layer's own conditions
    frame = _Load(parameters=1, size=ENVELOPE + 2 * 1024 + 2 + embedded({**ROLE_CONDITIONS, **f.conditions}, 1)
                  + len('  "Conditions": ,\n'))
    base = _Load()
    base.add(frame)
    base.add(loads[""])
    if layer.name == "app":  # the exports of every queue a function outside the base part might read
        base.add(_queue_export_load(bp, [fn for fn in bp.functions if function_group(bp, fn)]))
    assignment: list[list[str]] = [[""]]
    current = base
    for group, load in loads.items():
        if not group:
            continue
        if not current.fits(load) and (len(assignment) == 1 or assignment[-1]):
            assignment.append([])
            current = _Load()
            current.add(frame)
        assignment[-1].append(group)
        current.add(load)
    if len(assignment) == 1:  # only the base group is too big: nothing to split off
        return (layer,)
    count = len(assignment)
    out = []
    for number, held in enumerate(assignment, 1):
        if number == 1:
            out.append(replace(layer, base=layer.name, groups=tuple(held),
                               summary=f"{layer.summary} (part 1 of {count})"))
            continue
        after = layer.after
        if layer.name == "app":
            after = (*after, Dependency("app", "same-region", "its functions read the queues and the alerts topic "
                                                              "the app part exports in the region"))
        out.append(replace(layer, name=f"{layer.name}-{number}", base=layer.name, groups=tuple(held), after=after,
                           summary=f"part {number} of {count} of the {layer.name} layer: {_describe(held)}"))
    return tuple(out)


def _within(bp: Blueprint, f: Footprint, size: int) -> bool:
    return (f.count("resource") <= awsdata.CFN_MAX_RESOURCES and f.count("parameter") <= awsdata.CFN_MAX_PARAMETERS
            and f.count("output") <= awsdata.CFN_MAX_OUTPUTS and size <= awsdata.CFN_TEMPLATE_URL_MAX_BYTES)


def _queue_export_load(bp: Blueprint, functions: list[Function]) -> _Load:
    from drgen.template_size import export_bytes

    queues = {q for fn in functions for q in function_queues(bp, fn)}
    size = sum(export_bytes(bp, output) for q in queues for output in queue_exports(q))
    return _Load(outputs=2 * len(queues), size=size)


def _describe(groups: list[str]) -> str:
    kinds: dict[str, list[str]] = {}
    for group in groups:
        kind, _, name = group.partition(":")
        kinds.setdefault(kind, []).append(name)
    words = {"function": "functions", "table": "global tables"}
    return "; ".join(f"the {words.get(k, k)} {names[0]}" + (f" to {names[-1]} ({len(names)})" if len(names) > 1 else "")
                     for k, names in kinds.items())
