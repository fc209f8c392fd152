"""What each layer's template will hold, from the model alone (no troposphere): every resource, output and
parameter, the part of the blueprint it comes from, and what makes it larger.

``drgen.splitting`` splits a layer over CloudFormation's quotas into parts by it (each item belongs to a
component group), then ``drgen validate`` holds each part to the quotas (E407, with ``drgen.template_size``) and to unique
logical IDs (E408), so that a blueprint that validates renders. It mirrors ``drgen.synth`` module by
module; tests/test_footprint.py compares it with real renders of many generated blueprints (the same
logical IDs, the same number of tag copies, a size bound that holds).
"""

from __future__ import annotations

from drgen.footprint import app, data, failover, regionswitch, tooling
from drgen.footprint.items import OWN, Footprint, Item, embedded, js, lengths
from drgen.layers import Layer, layers
from drgen.model import Blueprint

__all__ = ["OWN", "Footprint", "Item", "build", "embedded", "footprints", "js", "lengths"]

BUILDERS = {"bootstrap": data.bootstrap, "network": data.network, "zone": data.zone, "database": data.database,
            "storage": data.storage, "tables": data.tables, "app": app.app, "orchestration": failover.orchestration,
            "dns": failover.dns, "regionswitch": regionswitch.regionswitch, "gamedays": tooling.game_days,
            "resilience": tooling.resilience}


def footprints(bp: Blueprint) -> dict[str, Footprint]:
    """Every layer's template, keyed by layer name, in deployment order."""
    return {layer.name: build(bp, layer) for layer in layers(bp)}


def build(bp: Blueprint, layer: Layer) -> Footprint:
    """The template of ``layer`` (a whole layer or a part of one)."""
    f = Footprint(layer)
    BUILDERS[layer.whole](bp, f)
    return f
