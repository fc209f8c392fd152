"""The footprints of the opt-in ``resilience`` and ``gamedays`` stacks (``drgen.synth.resilience``,
``drgen.synth.gamedays``)."""

from __future__ import annotations

from drgen import gamedays, naming
from drgen.footprint.items import OWN, Footprint
from drgen.layers import layers
from drgen.model import Blueprint


def resilience(bp: Blueprint, f: Footprint) -> None:
    owner = ("resilience_hub",)
    mappings = 0
    for layer in layers(bp):
        if layer.name == f.layer.name:
            continue
        for region in layer.regions:
            mappings += 1
            f.add("parameter", f"StackId{naming.logical_id(layer.name)}{naming.region_id(region)}", owner,
                  f"the stack ID of the {layer.name} stack in {region}", "stackid-parameter",
                  layer=len(layer.name), region=len(region))
    f.resource("ResiliencyPolicy", owner, "the resiliency policy", "resiliency-policy")
    f.resource("AssessmentRole", owner, "the role Resilience Hub assesses with", "resilience-role")
    f.resource("App", owner, "the Resilience Hub application", "resilience-app", mappings=mappings,
               regions=sum(len(r) + 2 for r in bp.region_names))
    for name in ("AppArn", "PolicyArn", "AssessmentRoleArn"):
        f.add("output", name, owner, f"the {name} output", f"resilience-output-{name}")


def game_days(bp: Blueprint, f: Footprint) -> None:
    owner = ("game_days",)
    days = gamedays.in_primary(bp)
    stops = len(gamedays.stop_alarms(bp))
    stop_chars = sum(len(name) for name in gamedays.stop_alarms(bp))
    zones = len(bp.primary.zones) if bp.needs_vpc else 0
    f.resource("ExperimentLogGroup", OWN, "the experiments' log group", "fis-log-group")
    named = len(bp.tables) + 1 + len(bp.buckets) + len(bp.databases)
    names = sum(len(t.name) for t in bp.tables) + sum(len(b.name) for b in bp.buckets) + \
        sum(len(d.name) for d in bp.databases)
    f.resource("ExperimentRole", OWN, "the experiment role", "fis-role", zones=zones, named=named,
               prefixed=named * len(bp.prefix), names=names, vpc=int(bp.needs_vpc))
    for day in days:
        actions = 0
        arns = 0
        for action in day.actions:
            count = {"subnets": zones, "route-tables": zones, "tables": len(bp.tables), "tables+control":
                     len(bp.tables) + 1, "buckets": len(bp.buckets), "clusters": len(bp.databases)}[action.resources]
            actions += -(-count // gamedays.MAX_ARNS_PER_TARGET)
            arns += count
        logical = naming.logical_id(day.name, "Experiment")
        f.resource(logical, owner, f"the {day.name} experiment template", "fis-experiment",
                   actions=actions, arns=arns, stops=stops, stopl=stop_chars + stops * len(bp.prefix),
                   prefixed=arns * len(bp.prefix), names=names, text=len(day.summary) + len(day.expected))
        f.add("output", naming.logical_id(day.name, "TemplateId"), owner, f"the {day.name} template ID",
              "fis-output", text=len(day.name))
