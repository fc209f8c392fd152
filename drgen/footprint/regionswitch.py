"""The regionswitch stack's footprint (``drgen.synth.regionswitch``): the Region switch plan and its two roles."""

from __future__ import annotations

import json

from drgen.footprint.items import OWN, Footprint, lengths
from drgen.model import Blueprint
from drgen.regionswitch import custom_steps


def regionswitch(bp: Blueprint, f: Footprint) -> None:
    owner = ("failover", "orchestrator")
    p = len(bp.prefix)
    steps = custom_steps(bp)
    dbl = lengths(db.name for db in bp.databases)
    f.resource("PlanExecutionRole", owner, "the Region switch plan's execution role", "rs-execution-role",
               dbs=len(bp.databases), dbp=len(bp.databases) * p, dbl=dbl)
    f.resource("Plan", owner, "the Region switch plan", "rs-plan", steps=len(steps), stepp=len(steps) * p,
               eventl=sum(len(json.dumps(e, separators=(",", ":"))) for s in steps for e in s.events.values()),
               descl=lengths(s.description for s in steps), dbs=len(bp.databases), dbp=len(bp.databases) * p, dbl=dbl,
               approval=int(not bp.failover.allow_data_loss))
    f.add("output", "PlanArn", OWN, "the plan's ARN", "rs-output")
    if not bp.failover.allow_data_loss:
        f.resource("PlanApproverRole", owner, "the plan's approver role", "rs-approver-role")
        f.resource("PlanApproverPolicy", owner, "the approver's permission on the plan", "rs-approver-policy",
                   tagged=0)
        f.add("output", "ApproverRoleArn", OWN, "the approver role's ARN", "rs-output")
