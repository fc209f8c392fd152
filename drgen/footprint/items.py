"""The items of a layer's template as ``drgen.footprint`` counts them, and the sizes it measures."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from drgen.diagnostics import Path
from drgen.layers import Layer

Kind = Literal["resource", "output", "parameter"]

PART = "*"
"""The group of what every part of a split layer has of its own (the region's role parameter)."""

OWN = ("drgen",)
"""The owner of what drgen adds whatever the blueprint holds (keys, roles, the control table, ...)."""


@dataclass(frozen=True)
class Item:
    """One entry of a template."""

    kind: Kind
    logical_id: str
    owner: Path
    """The blueprint node it comes from: a section entry (``("functions", 2)``), a part of one
    (``("functions", 2, "triggers", 0)``), a section (``("api",)``), or ``OWN``."""
    what: str
    """What it is, for people: ``the trigger of function 'a' from queue 'b'``."""
    shape: str
    """Its size class in ``drgen.template_size.SHAPES``."""
    tagged: int = 0
    """How many copies of the tags it carries."""
    features: tuple[tuple[str, int], ...] = ()
    """What makes it larger, by name (see ``drgen.template_size``)."""
    group: str = ""
    """The component group it belongs to (``drgen.splitting``): ``""`` the layer's base group."""


@dataclass
class Footprint:
    """One layer's template."""

    layer: Layer
    items: list[Item] = field(default_factory=list)
    conditions: dict[str, Any] = field(default_factory=dict)
    """Conditions the template holds beyond the region's role and the network's zones, by name."""
    group: str = ""
    """The component group the items added now belong to; those of a group the layer does not hold (a part of a
    split layer, ``Layer.holds``) are left out."""

    def add(self, kind: Kind, logical_id: str, owner: Path, what: str, shape: str, *, tagged: int = 0,
            **features: int) -> None:
        """An item; ``features`` are named sizes, ``N`` the length of its component's name (0: drgen's own)."""
        if self.group != PART and not self.layer.holds(self.group):
            return
        features = {"N": 0, **features, "L": len(logical_id)}
        self.items.append(Item(kind, logical_id, owner, what, shape, tagged, tuple(sorted(features.items())),
                               self.group))

    def resource(self, logical_id: str, owner: Path, what: str, shape: str, *, tagged: int = 1,
                 **features: int) -> None:
        self.add("resource", logical_id, owner, what, shape, tagged=tagged, **features)

    def count(self, kind: Kind) -> int:
        return sum(1 for item in self.items if item.kind == kind)


def export(f: Footprint, name: str, owner: Path, what: str, shape: str = "", **features: int) -> None:
    f.add("output", name, owner, what, shape or f"export-{name}", **features)


def js(value: Any) -> int:
    """The bytes of ``value`` in drgen's JSON, on one line."""
    return len(json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def lengths(values: Iterable[str]) -> int:
    return sum(len(v) for v in values)


def embedded(value: Any, depth: int) -> int:
    """The bytes of ``value`` in drgen's indented JSON, nested ``depth`` levels deep."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return len(text.encode("utf-8")) + 2 * depth * text.count("\n")
