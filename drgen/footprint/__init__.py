"""What each layer's template will hold, from the model alone (no troposphere): every resource, output and
parameter, the part of the blueprint it comes from, and what makes it larger.

``drgen validate`` holds it to CloudFormation's quotas (E407, with ``drgen.template_size``) and to unique
logical IDs (E408), so that a blueprint that validates renders. It mirrors ``drgen.synth`` module by
module; tests/test_footprint.py compares it with real renders of many generated blueprints (the same
logical IDs, the same number of tag copies, a size bound that holds).
"""

from __future__ import annotations

from drgen.footprint import app, data, failover, regionswitch
from drgen.footprint.items import OWN, Footprint, Item, embedded, js, lengths
from drgen.layers import layers
from drgen.model import Blueprint

__all__ = ["OWN", "Footprint", "Item", "embedded", "footprints", "js", "lengths"]

BUILDERS = {"bootstrap": data.bootstrap, "network": data.network, "zone": data.zone, "database": data.database,
            "storage": data.storage, "tables": data.tables, "app": app.app, "orchestration": failover.orchestration,
            "dns": failover.dns, "regionswitch": regionswitch.regionswitch}


def footprints(bp: Blueprint) -> dict[str, Footprint]:
    """Every layer's template, keyed by layer name, in deployment order."""
    out: dict[str, Footprint] = {}
    for layer in layers(bp):
        out[layer.name] = Footprint(layer)
        BUILDERS[layer.name](bp, out[layer.name])
    return out
