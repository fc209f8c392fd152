"""The custom action steps of the ARC Region switch plan (``failover.orchestrator: arc-region-switch``), as data:
which of drgen's functions each step invokes in the activating region, and with what event. The plan's template
(``drgen.synth.regionswitch``) and the runbook (the commands after an ungraceful execution, in which Region switch
skips custom action steps) both read it, so they cannot drift.

Events may hold ``${AWS::Partition}`` and ``${AWS::AccountId}``: the template passes them through ``Fn::Sub``, the
runbook fills them in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drgen import asl, naming
from drgen.model import Blueprint


@dataclass(frozen=True)
class CustomStep:
    name: str
    description: str
    function: str
    """drgen's own function (``readiness`` or ``promoter``), invoked in the activating region."""
    events: dict[str, dict[str, Any]]
    """The event for each region the step may activate."""
    skip_ungraceful: bool = False
    """Whether the plan marks it skipped in an ungraceful execution (it needs the region being left)."""
    after_databases: bool = True


def custom_steps(bp: Blueprint) -> list[CustomStep]:
    """Every custom action step, in the plan's order (readiness first, before the approval and the databases)."""
    regions = bp.region_names
    control = naming.control_table(bp.prefix)
    steps = [CustomStep("check-readiness", "drgen's readiness checks of the region being activated; a failed check "
                        "stops the plan before anything changes", "readiness",
                        {r: {"phase": "pre", "require_ready": True} for r in regions}, after_databases=False)]
    scaled = [db for db in bp.databases if db.primary_instances > db.secondary_instances]
    if asl.scales_up(bp) and (scaled or asl.scaled_functions(bp)):
        steps.append(CustomStep("scale-up", "the strategy's capacity for the new primary", "promoter", {r: {
            "action": "scale", "functions": asl.scaled_functions(bp), "databases": [
                {"cluster_arn": f"arn:${{AWS::Partition}}:rds:{r}:${{AWS::AccountId}}:cluster:"
                                f"{naming.db_cluster(bp.prefix, db.name, r)}",
                 "instances": [naming.db_instance(bp.prefix, db.name, r, i) for i in range(db.primary_instances)]}
                for db in scaled]} for r in regions}))
    steps.append(CustomStep("take-traffic", "the active-region flag names this region; its health endpoint answers "
                            "active and Route 53's routing health checks move traffic here", "promoter",
                            {r: {"action": "take-traffic", "control_table": control} for r in regions}))
    functions = asl.triggered_functions(bp)
    if functions:
        steps.append(CustomStep("enable-consumers", "the queue consumers of this region", "promoter",
                                {r: {"action": "activate", "functions": functions} for r in regions}))
        steps.append(CustomStep(
            "disable-consumers", "the consumers of the region traffic left, through its API from here; skipped in an "
            "ungraceful execution (that region may be down: its consumers stay off when it returns)", "promoter",
            {r: {"action": "deactivate", "region": other, "functions": functions,
                 "pilot_light": bp.strategy == "pilot-light"}
             for r, other in zip(regions, reversed(regions), strict=True)}, skip_ungraceful=True))
    steps.append(CustomStep("validate", "this region's clusters write and the flag names it", "readiness",
                            {r: {"phase": "post", "require_ready": True} for r in regions}))
    return steps
