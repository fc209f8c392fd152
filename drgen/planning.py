"""The deployment plan: a DAG of (layer, region) steps, each with the steps it waits for and why.

Pure: computed from the model alone. ``drgen deploy`` executes it (one StackSet operation per layer,
whose RegionOrder and concurrency follow the steps); ``drgen plan`` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from drgen import naming
from drgen.layers import Layer, layers
from drgen.model import Blueprint


@dataclass(frozen=True)
class Wait:
    layer: str
    region: str
    why: str


@dataclass(frozen=True)
class Step:
    number: int
    layer: str
    region: str
    kind: str
    stack: str
    """The StackSet's (or once-only stack's) name."""
    waits_for: tuple[Wait, ...]

    @property
    def id(self) -> str:
        return f"{self.layer}@{self.region}"


@dataclass(frozen=True)
class Plan:
    blueprint: str
    layers: tuple[Layer, ...]
    steps: tuple[Step, ...]
    control_region: str = ""
    """Where every StackSet is administered and the artifacts of record live (``Blueprint.control_region``)."""

    def step(self, layer: str, region: str) -> Step:
        return next(s for s in self.steps if s.layer == layer and s.region == region)

    def batches(self) -> list[list[Step]]:
        """The steps grouped in waves: every step of a wave can run once the earlier waves are done."""
        done: set[str] = set()
        remaining = list(self.steps)
        waves: list[list[Step]] = []
        while remaining:
            wave = [s for s in remaining if all(f"{w.layer}@{w.region}" in done for w in s.waits_for)]
            waves.append(wave)
            done.update(s.id for s in wave)
            remaining = [s for s in remaining if s.id not in done]
        return waves

    def to_dict(self) -> dict[str, Any]:
        return {
            "blueprint": self.blueprint,
            "control_region": self.control_region,
            "layers": [
                {"name": layer.name, "kind": layer.kind, "stack": naming.stack(self.blueprint, layer.name),
                 "regions": list(layer.regions), "concurrency": "SEQUENTIAL" if layer.sequential else "PARALLEL",
                 "order_why": layer.order_why, "summary": layer.summary}
                for layer in self.layers
            ],
            "steps": [
                {"number": s.number, "layer": s.layer, "region": s.region, "kind": s.kind, "stack": s.stack,
                 "waits_for": [{"layer": w.layer, "region": w.region, "why": w.why} for w in s.waits_for]}
                for s in self.steps
            ],
        }

    def text(self) -> str:
        lines = [f"Deployment plan for {self.blueprint}: {len(self.layers)} layers, {len(self.steps)} steps",
                 f"StackSets administered from {self.control_region} (the control region), which holds the "
                 "artifacts of record", ""]
        for wave_number, wave in enumerate(self.batches(), start=1):
            lines.append(f"wave {wave_number}")
            for s in wave:
                kind = "StackSet instance" if s.kind == "stackset" else "stack"
                lines.append(f"  {s.number:>2}. {s.layer:<13} {s.region:<15} {kind} {s.stack}")
                for w in s.waits_for:
                    lines.append(f"        after {w.layer}@{w.region}: {w.why}")
        return "\n".join(lines) + "\n"


def _as_configured(bp: Blueprint, layer: Layer) -> Layer:
    """``layer``, deployed one region after another where the blueprint's ``deployment.concurrency`` says so even
    though the plan would allow every region at once (the StackSet operations then run SEQUENTIAL)."""
    wanted = bp.deployment.concurrency_for(layer.whole).region_concurrency
    if layer.kind == "stackset" and not layer.sequential and wanted == "sequential":
        return replace(layer, sequential=True,
                       order_why="deployment.concurrency deploys this layer's regions one after another")
    return layer


def build_plan(bp: Blueprint) -> Plan:
    all_layers = tuple(_as_configured(bp, layer) for layer in layers(bp))
    by_name = {layer.name: layer for layer in all_layers}
    steps: list[Step] = []
    for layer in all_layers:
        for index, region in enumerate(layer.regions):
            waits: list[Wait] = []
            for dep in layer.after:
                target = by_name.get(dep.layer)
                if target is None:
                    continue
                if dep.scope == "same-region":
                    if region in target.regions:
                        waits.append(Wait(dep.layer, region, dep.why))
                else:
                    waits.extend(Wait(dep.layer, r, dep.why) for r in target.regions)
            if layer.sequential and index > 0:
                waits.append(Wait(layer.name, layer.regions[index - 1], layer.order_why))
            steps.append(Step(len(steps) + 1, layer.name, region, layer.kind,
                              naming.stack(bp.prefix, layer.name), tuple(waits)))
    return Plan(bp.prefix, all_layers, tuple(steps), bp.control_region)
