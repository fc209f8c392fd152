"""``drgen drill``: the rendered failover, run in an emulated AWS that suffers the outage honestly.

For each scenario (``drgen.drilling.scenarios``) and target region the drill builds the world from the render
(``drgen.emulation``: moto with faults, a clock, alarms, rules, replication, Aurora, the real function
code), plays the scenario - a region down, a partition, an operator - and checks the end state of the
emulated AWS. ``drill_live`` starts and follows the deployed machine in the real account.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

from drgen import awsdata, naming
from drgen.drilling.report import DrillReport, ScenarioResult, Step
from drgen.drilling.scenarios import NAMES, SCENARIOS, Scenario
from drgen.errors import DrillError
from drgen.model import Blueprint

__all__ = ["LIVE_SCENARIOS", "NAMES", "SCENARIOS", "DrillReport", "Scenario", "ScenarioResult", "Step", "drill",
           "drill_live"]
LIVE_SCENARIOS = ("switchover", "fail-back")


def drill(bp: Blueprint, scenarios: list[str] | None = None, region: str | None = None) -> DrillReport:
    """Run the scenarios of ``bp`` (default: all) for ``region`` (default: every secondary)."""
    from drgen.drilling.run import run_scenario

    if not bp.runs_compute_in_secondaries:
        raise DrillError("a backup-restore blueprint recovers by its runbook, not a state machine: nothing to drill")
    plan = bp.failover.orchestrator == "arc-region-switch"
    secondaries = [r.name for r in bp.secondaries]
    if region is not None and region not in secondaries:
        raise DrillError(f"{region} is not a secondary region of {bp.prefix}")
    names = [s.name for s in _plan_scenarios()] if plan else NAMES
    unknown = sorted(set(scenarios or []) - set(names))
    if unknown:
        raise DrillError(f"unknown scenario {', '.join(unknown)}: choose from {', '.join(names)}")
    targets = [region] if region else secondaries
    with _quiet_emulator():
        if plan:  # the rendered Region switch plan, executed by drgen.emulation.regionswitch
            from drgen.drilling.regionswitch import drill_plan

            return drill_plan(bp, scenarios, targets)
        chosen = [s for s in SCENARIOS if not scenarios or s.name in scenarios]
        return DrillReport(bp.prefix, [run_scenario(bp, s, t) for s in chosen for t in targets])


def _plan_scenarios() -> list[Scenario]:
    from drgen.drilling.regionswitch import scenarios

    return scenarios()


def _drgen_orchestrates(bp: Blueprint) -> None:
    """A live drill starts drgen's state machine; a Region switch plan is executed with its own API."""
    if bp.failover.orchestrator == "arc-region-switch":
        raise DrillError("failover.orchestrator is arc-region-switch: a live drill starts drgen's state machine, "
                         "which this design does not deploy; practise the plan with a graceful execution, as the "
                         "runbook says (docs/aws-tooling.md); `drgen drill` runs the plan in the emulated AWS")


@contextlib.contextmanager
def _quiet_emulator() -> Iterator[None]:
    """moto's interpreter logs and prints its own diagnostics; the report is what the drill says."""
    loggers = [logging.getLogger(name) for name in ("moto", "botocore", "drgen")]
    levels = [logger.level for logger in loggers]
    try:
        for logger in loggers:
            logger.setLevel(logging.CRITICAL)
        with contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def drill_live(bp: Blueprint, session: Any, region: str, *, confirm: bool, scenario: str = "switchover",
               poll_seconds: float = 5.0, limit_seconds: float = 3600.0) -> ScenarioResult:
    """Start the deployed state machine in ``region`` and follow it to its end. This really fails over.

    ``switchover``: ``region`` is the secondary to move to; ``fail-back``: ``region`` is the original primary
    to return to (its machine must be deployed there)."""
    _drgen_orchestrates(bp)
    if not confirm:
        raise DrillError("a live drill moves production traffic: pass the explicit confirmation to run it")
    if scenario not in LIVE_SCENARIOS:
        raise DrillError(f"a live drill runs only {' or '.join(LIVE_SCENARIOS)}; run the other scenarios as a game "
                         "day with AWS FIS (docs/failover.md)")
    allowed = [r.name for r in bp.secondaries] if scenario == "switchover" else [bp.primary.name]
    if region not in allowed:
        raise DrillError(f"{scenario} runs in {' or '.join(allowed)}, not {region}")
    sfn = session.client("stepfunctions", region_name=region)
    account = session.client("sts", region_name=region).get_caller_identity()["Account"]
    machine = f"arn:{awsdata.partition(region)}:states:{region}:{account}:stateMachine:{naming.state_machine(bp.prefix)}"
    result = ScenarioResult(scenario, region, f"a real {scenario} of {bp.prefix} to {region}", "SUCCEEDED")
    started = time.monotonic()
    execution = sfn.start_execution(stateMachineArn=machine, name=f"drgen-live-{uuid.uuid4().hex[:12]}",
                                    input=json.dumps({"trigger": f"drgen drill --live --scenario {scenario}"}))
    arn = execution["executionArn"]
    while time.monotonic() - started < limit_seconds:
        description = sfn.describe_execution(executionArn=arn)
        if description["status"] != "RUNNING":
            break
        time.sleep(poll_seconds)
    else:
        result.problems.append("still running when the drill stopped following it")
    result.outcome = description["status"] + (f" ({description['error']})" if description.get("error") else "")
    if description["status"] != "SUCCEEDED":
        result.problems.append(f"the execution ended {result.outcome}")
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    first = events[0]["timestamp"] if events else None
    result.steps = [Step(e["stateEnteredEventDetails"]["name"], "entered", (e["timestamp"] - first).total_seconds(), region)
                    for e in events if e.get("stateEnteredEventDetails") and first is not None]
    result.recovery_seconds = time.monotonic() - started if description["status"] == "SUCCEEDED" else None
    return result


