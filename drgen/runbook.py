"""The operator runbook (runbook.md), rendered with Jinja2 from templates/runbook.md.j2."""

from __future__ import annotations

import json
import os
from typing import Any

import jinja2

from drgen import __version__, asl, asl_redrive, awsdata, configs, naming, resources
from drgen.durations import human
from drgen.layers import route53_region
from drgen.model import Blueprint
from drgen.objectives import Assessment, budget_lines
from drgen.planning import Plan
from drgen.regionswitch import CustomStep, custom_steps


def _mermaid_id(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)


def account_in(bp: Blueprint, region: str) -> str:
    """The account, literal when the blueprint names exactly one; otherwise asked of STS in ``region`` (a command
    that runs there needs nothing from another region, us-east-1 included)."""
    if len(bp.accounts) == 1:
        return bp.accounts[0]
    return f"$(aws sts get-caller-identity --region {region} --query Account --output text)"


def context(bp: Blueprint, plan: Plan, assessment: Assessment) -> dict[str, Any]:
    machines = []
    for region in bp.regions:
        values = asl.values(bp, region.name, account_in(bp, region.name))
        machine = values["ReadinessFunctionArn"].replace(f"function:{naming.function(bp.prefix, 'readiness')}",
                                                         f"stateMachine:{naming.state_machine(bp.prefix)}")
        machine = machine.replace(":lambda:", ":states:")
        machines.append({"name": region.name, "state_machine": machine, "primary": region.is_primary,
                         "readiness": naming.function(bp.prefix, "readiness")})
    return {
        "bp": bp, "plan": plan, "assessment": assessment, "budget": budget_lines(assessment), "human": human,
        "mid": _mermaid_id, "machines": machines, "secondaries": [m for m in machines if not m["primary"]],
        "primary_machine": next(m for m in machines if m["primary"]), "route53_region": route53_region(bp),
        "failover_alarms": [naming.alarm(bp.prefix, a.name) for a in bp.alarms if a.triggers_failover],
        "topic": naming.topic(bp.prefix), "control_table": naming.control_table(bp.prefix),
        "global_clusters": [naming.global_cluster(bp.prefix, db.name) for db in bp.databases],
        "naming": naming, "asl_redrive": asl_redrive, "scales_up": asl.scales_up(bp),
        "consumers": asl.triggered_functions(bp),
        "settle": asl.LOCK_SETTLE_SECONDS, "rank_delay": asl.RANK_DELAY_SECONDS,
        "approval_timeout": asl.APPROVAL_TIMEOUT_SECONDS, "timeout": asl.timeout_seconds(bp),
        "app_user": naming.DB_APP_USER, "db_users": _db_users(bp), "account_in": account_in,
        "partition": awsdata.partition(bp.primary.name), "blueprint_file": "<blueprint>.yaml",
        "intake_queues": [q.name for q in configs.intake_queues(bp)], "outbox": naming.outbox_table(bp.prefix),
        "rs": _region_switch(bp),
    }


def _region_switch(bp: Blueprint) -> dict[str, Any] | None:
    """What the runbook says of the Region switch plan, when it is the orchestrator."""
    if bp.failover.orchestrator != "arc-region-switch":
        return None

    def event(step: CustomStep, region: str) -> str:
        """The event, to go between single quotes in a shell command (a command substitution is left unquoted)."""
        account = account_in(bp, region)
        account = f"'\"{account}\"'" if account.startswith("$(") else account
        text = json.dumps(step.events[region], sort_keys=True, separators=(",", ":"))
        return text.replace("${AWS::Partition}", awsdata.partition(region)).replace("${AWS::AccountId}", account)

    from drgen.drilling.regionswitch import NO_TRIGGER, NOT_APPLICABLE, scenarios

    return {"plan": naming.region_switch_plan(bp.prefix), "stack": naming.stack(bp.prefix, "regionswitch"),
            "approver": naming.role(bp.prefix, "rs-approver", bp.primary.name), "steps": custom_steps(bp),
            "event": event, "drilled": [s.name for s in scenarios() if s.name not in NOT_APPLICABLE],
            "not_applicable": list(NOT_APPLICABLE), "no_trigger": NO_TRIGGER}


def _db_users(bp: Blueprint) -> list[dict[str, Any]]:
    """The databases some function connects to: each needs the application's user, created once."""
    connected = {g.target for f in bp.functions for g in f.access if g.kind == "database"}
    return [{"db": db, "secret": naming.db_secret(bp.prefix, db.name),
             "cluster": naming.db_cluster(bp.prefix, db.name, bp.primary.name)}
            for db in bp.databases if db.name in connected]


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates, cached per user: compiling the runbook template costs more than rendering it.
    Only a speed-up: the output is the same with or without it."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(root, "drgen", f"jinja-{__version__}")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(folder)


def render_runbook(bp: Blueprint, plan: Plan, assessment: Assessment) -> str:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(resources.templates_dir())),
                                     autoescape=False, keep_trailing_newline=True, trim_blocks=True,
                                     lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                                     bytecode_cache=_bytecode_cache())
    return environment.get_template("runbook.md.j2").render(**context(bp, plan, assessment))
