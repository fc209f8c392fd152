"""The regionswitch stack's footprint (``drgen.synth.regionswitch``): the Region switch plan and its two roles."""

from __future__ import annotations

from drgen import asl
from drgen.footprint.items import OWN, Footprint, lengths
from drgen.model import Blueprint


def regionswitch(bp: Blueprint, f: Footprint) -> None:
    owner = ("failover", "orchestrator")
    f.resource("PlanExecutionRole", owner, "the Region switch plan's execution role", "rs-execution-role",
               dbs=len(bp.databases), dbl=lengths(db.name for db in bp.databases))
    f.resource("Plan", owner, "the Region switch plan", "rs-plan", dbs=len(bp.databases),
               dbl=lengths(db.name for db in bp.databases), consumers=len(asl.triggered_functions(bp)),
               consumerl=lengths(asl.triggered_functions(bp)), approval=int(not bp.failover.allow_data_loss),
               instances=sum(db.primary_instances for db in bp.databases))
    f.add("output", "PlanArn", OWN, "the plan's ARN", "rs-output")
    if not bp.failover.allow_data_loss:
        f.resource("PlanApproverRole", owner, "the plan's approver role", "rs-approver-role")
        f.resource("PlanApproverPolicy", owner, "the approver's permission on the plan", "rs-approver-policy",
                   tagged=0)
        f.add("output", "ApproverRoleArn", OWN, "the approver role's ARN", "rs-output")
