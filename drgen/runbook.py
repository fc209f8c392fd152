"""The operator runbook (runbook.md), rendered with Jinja2 from templates/runbook.md.j2."""

from __future__ import annotations

import os
from typing import Any

import jinja2

from drgen import __version__, asl, naming, resources
from drgen.durations import human
from drgen.layers import ROUTE53_REGION
from drgen.model import Blueprint
from drgen.objectives import Assessment, budget_lines
from drgen.planning import Plan


def _mermaid_id(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text)


def context(bp: Blueprint, plan: Plan, assessment: Assessment) -> dict[str, Any]:
    # the account, or the shell asking AWS for the caller's, so that every command runs as printed
    account = bp.accounts[0] if len(bp.accounts) == 1 else "$(aws sts get-caller-identity --query Account --output text)"
    secondaries = []
    for region in bp.secondaries:
        values = asl.values(bp, region.name, account)
        machine = values["ReadinessFunctionArn"].replace(f"function:{naming.function(bp.prefix, 'readiness')}",
                                                         f"stateMachine:{naming.state_machine(bp.prefix)}")
        machine = machine.replace(":lambda:", ":states:")
        secondaries.append({"name": region.name, "state_machine": machine,
                            "readiness": naming.function(bp.prefix, "readiness")})
    return {
        "bp": bp, "plan": plan, "assessment": assessment, "budget": budget_lines(assessment), "human": human,
        "mid": _mermaid_id, "secondaries": secondaries, "route53_region": ROUTE53_REGION,
        "failover_alarms": [naming.alarm(bp.prefix, a.name) for a in bp.alarms if a.triggers_failover],
        "topic": naming.topic(bp.prefix), "control_table": naming.control_table(bp.prefix),
        "global_clusters": [naming.global_cluster(bp.prefix, db.name) for db in bp.databases],
        "naming": naming, "account": account,
    }


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
