"""What each failover orchestrator (``failover.orchestrator``) can run, as validation findings.

``drgen`` (the state machine in every region) runs every design drgen renders. ``arc-region-switch`` (an ARC
Region switch plan, ``drgen.synth.regionswitch``) is refused where AWS refuses the plan (E801, E802) and where drgen
does not render it (E803, E804), and warned about where it does less than drgen's machine (W805). The whole
comparison is in docs/aws-tooling.md ("ARC Region switch").
"""

from __future__ import annotations

import re

from drgen import awsdata, naming
from drgen.checks.tooling import offered
from drgen.diagnostics import Path
from drgen.model import Blueprint

Finding = tuple[str, str, Path]

PLAN_REGIONS = 2
"""A Region switch plan has exactly two Regions (the resource schema's Regions: 2 to 2 items)."""
PLAN_TYPE = "AWS::ARCRegionSwitch::Plan"
"""Offered in a region when CloudFormation there has the type (cfn-lint's per-region provider schemas): not in the
China Regions."""
PLAN_NAME = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$")
"""The plan name's pattern and length (1 to 32) in the resource schema and the CreatePlan API."""


def findings(bp: Blueprint) -> list[Finding]:
    if bp.failover.orchestrator != "arc-region-switch":
        return []
    out: list[Finding] = []
    if len(bp.regions) != PLAN_REGIONS:
        out.append(("E801", f"an ARC Region switch plan has exactly {PLAN_REGIONS} regions (a primary and a standby); "
                            f"this blueprint has {len(bp.regions)}: keep two, or use orchestrator drgen, whose "
                            "machine runs in any number of regions", ("regions",)))
    name = naming.region_switch_plan(bp.prefix)
    if not PLAN_NAME.match(name):
        out.append(("E802", f"the Region switch plan is named after the blueprint ({name!r}, {len(name)} characters); "
                            "a plan name is at most 32 letters, digits and hyphens: shorten name or environment",
                    ("name",)))
    if not bp.runs_compute_in_secondaries:
        out.append(("E803", "backup-restore has no standby to switch to: the runbook restores it, and neither "
                            "orchestrator runs; use orchestrator drgen (the default)", ("strategy",)))
    if bp.failover.mode == "automatic":
        out.append(("E804", "drgen renders no Region switch triggers: under arc-region-switch an operator executes "
                            "the plan (the runbook says how), and the standby's detection alarm pages; set mode "
                            "manual, or use orchestrator drgen, whose detection starts its machine", ("failover", "mode")))
    lacking = [r.name for r in bp.regions if PLAN_TYPE not in offered(r.name)]
    if lacking:
        out.append(("E212", f"ARC Region switch is not offered in {', '.join(lacking)} ({awsdata.partition(lacking[0])} "
                            f"partition): CloudFormation there has no {PLAN_TYPE}; use orchestrator drgen, whose "
                            "machine runs in every partition", ("failover", "orchestrator")))
    if bp.failover.allow_data_loss and bp.databases:
        out.append(("W805", "a Region switch plan cannot ask only when the lag was above its bound: with "
                            "allow_data_loss true it renders no approval step, and an ungraceful execution fails "
                            "the databases over whatever their last known-good lag (drgen's machine asks when that "
                            "lag exceeds max_replication_lag)", ("failover", "allow_data_loss")))
    return out
