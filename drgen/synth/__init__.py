"""Synthesis: a layer's troposphere ``Template`` from the model, one component module at a time.

``CONTRIBUTORS`` says which modules fill which layer, in order (a module may use what an earlier one
added, by the logical IDs ``drgen.naming`` gives). Each module has ``contribute(t: LayerTemplate)``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from drgen.layers import layers
from drgen.model import Blueprint
from drgen.package import Package
from drgen.synth.base import LayerTemplate

CONTRIBUTORS: dict[str, tuple[str, ...]] = {
    "bootstrap": ("bootstrap",),
    "network": ("network",),
    "zone": ("zone",),
    "database": ("database",),
    "storage": ("storage",),
    "tables": ("tables",),
    "app": ("topic", "queues", "functions", "intake", "api", "alarms", "dashboard"),
    "orchestration": ("orchestration",),
    "dns": ("dns",),
    "gamedays": ("gamedays",),
    "resilience": ("resilience",),
    "regionswitch": ("regionswitch",),
}


def synthesize(bp: Blueprint, packages: Mapping[str, Package]) -> dict[str, LayerTemplate]:
    """Every layer's template, keyed by layer name, in deployment order."""
    out: dict[str, LayerTemplate] = {}
    for layer in layers(bp):
        t = LayerTemplate(bp, layer, packages)
        for module in CONTRIBUTORS[layer.whole]:
            importlib.import_module(f"drgen.synth.{module}").contribute(t)
        out[layer.name] = t
    return out
