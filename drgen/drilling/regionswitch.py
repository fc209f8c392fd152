"""``drgen drill`` of a blueprint whose orchestrator is an ARC Region switch plan (``arc-region-switch``).

The world is the one the state-machine drill builds (``drgen.emulation``); the plan that runs is the rendered
``AWS::ARCRegionSwitch::Plan``, executed by ``drgen.emulation.regionswitch``. The operator does what the runbook's
Region switch section says: starts the plan from the region to activate (graceful while the region left answers,
ungraceful when it does not), approves or declines its approval step, resumes a paused execution once its cause is
gone, switches a graceful execution that cannot switch over to ungraceful, and after an ungraceful execution invokes
the custom action steps Region switch skipped. The end state is judged by the state-machine drill's checks.

Scenarios that need something to start a failover on its own do not apply: nothing starts a Region switch plan by
itself (``failover.mode: automatic`` is refused, E804); they are reported not applicable, with the reason.
"""

from __future__ import annotations

import json
from typing import Any

from drgen.drilling.report import DrillReport, ScenarioResult, Step
from drgen.drilling.run import OPERATOR_PAUSE, Drill, checks, run_scenario
from drgen.drilling.scenarios import SCENARIOS, Scenario
from drgen.emulation.faults import bypassed
from drgen.emulation.regionswitch import ACTIVE, Execution, RegionSwitch, RegionSwitchError
from drgen.model import Blueprint

NO_TRIGGER = ("nothing starts a Region switch plan by itself (failover.mode: automatic is refused under "
              "arc-region-switch, E804): with no operator, nothing fails over")
NOT_APPLICABLE = {"region-outage": NO_TRIGGER, "probe-blip": NO_TRIGGER, "standby-self-alarm": NO_TRIGGER}
EXTRA = [
    Scenario("outage-graceful", "the primary is down; the operator starts a graceful execution, as for a planned "
             "switch: the switchover cannot run, the execution pauses; the operator switches it to ungraceful and "
             "resumes it, approves, then runs the steps the ungraceful execution skipped",
             "paused at the database step, then one failover each; traffic and writers in the target", True,
             ("target",), down=True, allow_data_loss=False, promotions="failover", observe_seconds=60),
]
RUNNING = ("pending", "inProgress", "pendingManualApproval")


def scenarios() -> list[Scenario]:
    return [*SCENARIOS, *EXTRA]


def drill_plan(bp: Blueprint, names: list[str] | None, targets: list[str]) -> DrillReport:
    results = []
    for s in scenarios():
        if names and s.name not in names:
            continue
        for target in targets:
            if s.name in NOT_APPLICABLE:
                results.append(ScenarioResult(s.name, target, s.summary, s.expected,
                                              not_applicable=NOT_APPLICABLE[s.name]))
            else:
                results.append(run_scenario(bp, s, target, make=PlanDrill, judge=judge))
    return DrillReport(bp.prefix, results)


class PlanDrill(Drill):
    """The state-machine drill's world and loop; the operator executes the Region switch plan instead."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        em = self.em
        self.rs = RegionSwitch(em.clock, em.faults, em.deployed.resources("AWS::ARCRegionSwitch::Plan"), em.client)
        self.shown: dict[str, int] = {}
        self.ended: set[str] = set()
        self.refused: list[str] = []
        self.runbook_done: set[str] = set()

    @property
    def plan(self) -> Any:
        return next(iter(self.rs.plans.values()), None)

    # --- the operator -------------------------------------------------------------------------------------
    def start(self, region: str, trigger: str) -> None:
        paused = [e for e in self.rs.executions if e.state.startswith("paused")]
        if paused:  # the runbook: a paused execution is continued (resumed), not started anew
            self.rs.update(paused[-1], "resume")
            self.result.steps.append(Step("(operator)", f"resumes the paused execution: {trigger}",
                                          self.em.clock.elapsed(), region))
            return
        if self.plan is None:
            self.result.problems.append("no Region switch plan is rendered to execute")
            return
        left = next(r for r in self.bp.region_names if r != region)
        mode = "graceful" if self.em.faults.works(left) or self.scenario.name == "outage-graceful" else "ungraceful"
        try:
            execution = self.rs.start(region, self.plan.arn, region, mode)
        except RegionSwitchError as error:
            self.refused.append(error.code)
            self.result.steps.append(Step("(operator)", f"start refused: {error}", self.em.clock.elapsed(), region))
            return
        self.started.append(execution.id)
        self.result.steps.append(Step("(operator)", f"starts a {mode} execution: {trigger}", self.em.clock.elapsed(),
                                      region))

    def schedule(self) -> None:
        super().schedule()
        if "all" in self.scenario.operator_starts:  # two operators at once: one plan, so one execution
            self.em.clock.at(self.begin, lambda: self.start(self.target, "drill (a second operator)"), "operator")

    def answer_approvals(self) -> None:
        if self.scenario.operator == "none":
            return
        for execution in self.rs.executions:
            if execution.state != "pendingManualApproval" or execution.approval is not None:
                continue
            step = execution.steps[execution.position]["Name"]
            answer = "approve" if self.scenario.operator == "approve" else "decline"
            self.rs.approve(execution, step, answer)
            self.result.steps.append(Step("(operator)", f"{answer}s step {step}", self.em.clock.elapsed(),
                                          execution.target))

    # --- watching -----------------------------------------------------------------------------------------
    def follow(self) -> bool:
        running = False
        for execution in self.rs.executions:
            for event in execution.events[self.shown.get(execution.id, 0):]:
                outcome = event.type + (f": {event.detail}" if event.detail else "")
                self.result.steps.append(Step(event.step or "(execution)", outcome, event.elapsed, execution.target))
            self.shown[execution.id] = len(execution.events)
            self.first_seen.setdefault(execution.id, self.em.clock.now())
            if execution.state in RUNNING:
                running = True
                continue
            if execution.id not in self.ended:
                self.ended.add(execution.id)
                self.last_end = self.em.clock.now()
            self._after(execution)
            running = running or execution.state in RUNNING  # resumed by the operator just now
        return running

    def _after(self, execution: Execution) -> None:
        """What the runbook has the operator do once an execution stopped."""
        failed = next((e.step for e in reversed(execution.events) if e.type == "stepPausedByError"), "")
        if execution.state == "pausedByFailedStep" and failed.startswith("promote") and execution.mode == "graceful" \
                and not self.em.faults.works(next(r for r in self.bp.region_names if r != execution.target)):
            self.rs.update(execution, "switchToUngraceful")  # the switchover needs the region left, which is down
            self.rs.update(execution, "resume")
            self.result.steps.append(Step("(operator)", "switches the execution to ungraceful and resumes it",
                                          self.em.clock.elapsed(), execution.target))
        elif execution.state.startswith("completed") and execution.id not in self.runbook_done:
            self.runbook_done.add(execution.id)
            if execution.mode == "ungraceful":
                self.skipped_steps(execution)
            left = next(r for r in self.bp.region_names if r != execution.target)
            if self.bp.queues and self.em.faults.works(left):  # the plan has no redrive step: the runbook's
                self.em.clock.after(OPERATOR_PAUSE, lambda: self.redrive(left, execution.target), "drgen redrive")

    def redrive(self, source: str, target: str) -> None:
        """The runbook's ``drgen redrive --from source --to target``, once clients have left ``source``."""
        from drgen.aws.redrive import redrive

        with bypassed():
            moved = redrive(self.em, self.bp, source, target)
        self.result.steps.append(Step("(operator)", f"drgen redrive --from {source} --to {target}: moved "
                                      f"{sum(m.moved for m in moved)}, failed {sum(m.failed for m in moved)}",
                                      self.em.clock.elapsed(), target))

    def skipped_steps(self, execution: Execution) -> None:
        """The runbook's "After an ungraceful execution": the custom action steps after the databases that do not
        need the region left, with the plan's own payloads, invoked in the activated region."""
        kinds = [s["ExecutionBlockType"] for s in execution.steps]
        last_db = max((i for i, k in enumerate(kinds) if k == "AuroraGlobalDatabase"), default=-1)
        for step in execution.steps[last_db + 1:]:
            config = step["ExecutionBlockConfiguration"].get("CustomActionLambdaConfig")
            if config is None or config.get("Ungraceful", {}).get("Behavior") == "skip":
                continue
            function = next(f for f in config["Lambdas"] if f["Arn"].split(":")[3] == execution.target)
            error = self.rs.invoke(function["Arn"], json.loads(function.get("Payload") or "{}"))
            self.result.steps.append(Step(step["Name"], "invoked by the operator (runbook)" + (f": {error}" if error
                                                                                                else ""),
                                          self.em.clock.elapsed(), execution.target))
            if error:
                self.result.problems.append(f"the runbook's {step['Name']} failed: {error}")

def judge(drill: Drill) -> None:
    """The state-machine drill's end-state checks, and what only a plan's execution shows."""
    assert isinstance(drill, PlanDrill)
    checks(drill)
    problems = drill.result.problems
    # Region switch reports through its own events, not drgen's notification topic (the machine's "Notify")
    problems[:] = [p for p in problems if p != "no notification was sent"]
    s, executions = drill.scenario, drill.rs.executions
    states = [e.state for e in executions]
    if any(state in ACTIVE for state in states) and s.moves:
        problems.append(f"an execution did not finish: {states}")
    if s.name == "race" and (len(executions) != 1 or drill.refused != ["IllegalStateException"]):
        problems.append(f"two starts at once: {len(executions)} executions, refused {drill.refused}; expected one "
                        "execution and the second start refused")
    if s.name == "outage-graceful" and not any(e.type == "stepPausedByError" and e.step.startswith("promote")
                                               for x in executions for e in x.events):
        problems.append("the graceful execution did not pause at the database step during the outage")
    history = "; ".join(f"{e.mode} -> {e.target}: {e.state} ("
                        f"{', '.join(f'{k} {v}' for k, v in e.step_states().items())})" for e in executions)
    drill.result.outcome += f"; plan executions: {history or 'none'}"
