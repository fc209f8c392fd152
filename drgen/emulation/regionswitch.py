"""ARC Region switch: the rendered ``AWS::ARCRegionSwitch::Plan`` executed on the emulated clock.

moto has no Region switch. This executes the plan's properties as the template renders them (``Workflows`` and
their ``Steps``, resolved like any other resource of the render), the way the ARC developer guide and the
Region switch API reference describe an execution:

- an execution is started (``StartPlanExecution``: plan, target region, ``activate``, ``graceful`` or
  ``ungraceful``) from a region's control plane; a region that is down cannot start one. A plan has one
  execution in progress at a time: a second start is refused (``IllegalStateException``);
- the workflow whose ``WorkflowTargetRegion`` is the target runs its steps in order;
- a custom action Lambda step invokes the step's function of the region it names (``RegionToRun``:
  ``activatingRegion`` is the target) with the step's payload, again every ``RetryIntervalMinutes`` while it
  fails, until ``TimeoutMinutes`` after the step began; then the step fails. In an ungraceful execution Region
  switch skips custom action Lambda steps ("Custom action Lambda execution block": "In ungraceful execution
  mode, Region switch skips the Lambda execution block step");
- a manual approval step waits for ``ApprovePlanExecutionStep`` (``approve`` or ``decline``) until its
  ``TimeoutMinutes``; declining cancels the execution ("Manual approval execution block"), the timeout fails the
  step;
- an Aurora global database step calls ``SwitchoverGlobalCluster`` (graceful, ``Behavior: switchoverOnly``) or,
  in an ungraceful execution whose step says ``Ungraceful: failover``, ``FailoverGlobalCluster`` with
  ``AllowDataLoss``, in the target's region, then waits for the target cluster to be the writer until its
  ``TimeoutMinutes``. A target that already writes needs no call;
- a parallel step runs its steps (here one after the other: the emulation has one operator loop);
- a failed step pauses the execution (``pausedByFailedStep``). The operator then resumes it
  (``UpdatePlanExecution resume``: the failed step runs again), switches it to ungraceful first
  (``switchToUngraceful``), or cancels it.

The execution's state and events use the API's names (``ExecutionState``, ``ExecutionEventType``). What is not
emulated: plan evaluation, the execution role's permissions, child plans, the other execution blocks, and an
execution's own timeout.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from drgen.emulation.clock import Clock
from drgen.emulation.faults import Faults, bypassed, running

ACTIVE = ("pending", "inProgress", "pausedByFailedStep", "pausedByOperator", "pendingManualApproval")
"""Execution states in which the plan's execution is not over: no other may start."""
POLL_SECONDS = 60.0
"""How often the emulation looks whether a promoted cluster writes (and an approval has come)."""


class RegionSwitchError(Exception):
    """What the Region switch API answers to a request it refuses (the API's exception name first)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclass
class Event:
    elapsed: float
    type: str
    """An ``ExecutionEventType``: stepStarted, stepSucceeded, stepFailed, stepSkipped, executionPaused..."""
    step: str = ""
    detail: str = ""


@dataclass
class Execution:
    id: str
    target: str
    mode: str
    started_in: str
    steps: list[dict[str, Any]]
    state: str = "inProgress"
    position: int = 0
    events: list[Event] = field(default_factory=list)
    step_began: float = 0.0
    attempts: int = 0
    called: bool = False
    approval: str | None = None
    ticket: int = 0
    """Which scheduled continuation is current: a resume makes the older ones stale."""

    def step_states(self) -> dict[str, str]:
        """Each step's last status, as ``GetPlanExecution``'s ``stepStates`` names it."""
        found: dict[str, str] = {}
        names = {"stepStarted": "running", "stepSucceeded": "completed", "stepFailed": "failed",
                 "stepSkipped": "skipped", "stepPendingApproval": "pendingApproval", "stepCanceled": "canceled"}
        for event in self.events:
            if event.step and event.type in names:
                found[event.step] = names[event.type]
        return found


def _flatten(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for step in steps:
        if step["ExecutionBlockType"] == "Parallel":
            out += _flatten(step["ExecutionBlockConfiguration"]["ParallelConfig"]["Steps"])
        else:
            out.append(step)
    return out


class RegionSwitch:
    """The Region switch plans of a render (normally one), executed on the clock."""

    def __init__(self, clock: Clock, faults: Faults, plans: list[Any], client: Any) -> None:
        self.clock, self.faults, self.client = clock, faults, client
        self.plans = {p.arn: p for p in plans}
        self.executions: list[Execution] = []

    # --- the API ------------------------------------------------------------------------------------------
    def start(self, called_in: str, plan_arn: str, target: str, mode: str, action: str = "activate") -> Execution:
        if not self.faults.works(called_in):
            raise RegionSwitchError("EndpointConnectionError", f"the Region switch endpoint of {called_in} does not answer")
        plan = self.plans.get(plan_arn)
        if plan is None:
            raise RegionSwitchError("ResourceNotFoundException", f"no plan {plan_arn}")
        if mode not in ("graceful", "ungraceful") or action != "activate":
            raise RegionSwitchError("IllegalArgumentException", f"{action} {mode}: the emulation runs activate only")
        running = [e.id for e in self.executions if e.state in ACTIVE]
        if running:
            raise RegionSwitchError("IllegalStateException", f"the plan's execution {running[0]} is still in progress")
        workflows = [w for w in plan.properties["Workflows"]
                     if w.get("WorkflowTargetAction") == action and w.get("WorkflowTargetRegion") == target]
        if not workflows:
            raise RegionSwitchError("IllegalArgumentException", f"the plan has no {action} workflow for {target}")
        execution = Execution(f"{called_in}/{uuid.uuid4().hex[:16]}", target, mode, called_in,
                              _flatten(workflows[0]["Steps"]))
        self.executions.append(execution)
        self._event(execution, "executionStarted", detail=f"{action} {target} ({mode}) from {called_in}")
        self._begin_step(execution)
        self._later(execution, 0)
        return execution

    def approve(self, execution: Execution, step: str, approval: str) -> None:
        current = self._current(execution)
        if execution.state != "pendingManualApproval" or current is None or current["Name"] != step:
            raise RegionSwitchError("IllegalStateException", f"step {step} is not waiting for approval")
        execution.approval = approval

    def update(self, execution: Execution, action: str) -> None:
        """``UpdatePlanExecution``: switchToUngraceful, switchToGraceful, pause, resume (and cancel)."""
        if execution.state not in ACTIVE:
            raise RegionSwitchError("IllegalStateException", f"the execution is {execution.state}")
        if action in ("switchToUngraceful", "switchToGraceful"):
            execution.mode = "ungraceful" if action == "switchToUngraceful" else "graceful"
            self._event(execution, "executionBehaviorChangedTo" + execution.mode.capitalize())
        elif action == "pause":
            execution.state = "pausedByOperator"
            self._event(execution, "executionPaused")
        elif action == "resume":
            if not execution.state.startswith("paused"):
                raise RegionSwitchError("IllegalStateException", "only a paused execution resumes")
            execution.state = "inProgress"
            self._event(execution, "executionStarted", detail="resumed")
            self._begin_step(execution)
            self._later(execution, 0)
        elif action == "cancel":
            execution.state = "canceled"
            self._event(execution, "executionCanceled")
        else:
            raise RegionSwitchError("IllegalArgumentException", f"unknown action {action}")

    # --- running ------------------------------------------------------------------------------------------
    def _event(self, execution: Execution, kind: str, step: str = "", detail: str = "") -> None:
        execution.events.append(Event(self.clock.elapsed(), kind, step, detail))

    def _current(self, execution: Execution) -> dict[str, Any] | None:
        return execution.steps[execution.position] if execution.position < len(execution.steps) else None

    def _begin_step(self, execution: Execution) -> None:
        execution.step_began, execution.attempts, execution.called, execution.approval = self.clock.now(), 0, False, None

    def _advance(self, execution: Execution) -> None:
        """Run the current step until it waits (True from the block: again later) or the execution stops."""
        while execution.state in ("inProgress", "pendingManualApproval"):
            step = self._current(execution)
            if step is None:
                skipped = any(e.type == "stepSkipped" for e in execution.events)
                execution.state = "completedWithExceptions" if skipped else "completed"
                self._event(execution, "executionSucceeded")
                return
            if execution.attempts == 0 and not execution.called and execution.approval is None:
                self._event(execution, "stepStarted", step["Name"])
            kind = step["ExecutionBlockType"]
            outcome = {"CustomActionLambda": self._lambda, "ManualApproval": self._approval,
                       "AuroraGlobalDatabase": self._aurora}[kind](execution, step)
            if outcome == "wait":
                return
            if outcome == "failed":
                execution.state = "pausedByFailedStep"
                self._event(execution, "stepPausedByError", step["Name"])
                self._event(execution, "executionPaused")
                return
            execution.state = "inProgress"
            execution.position += 1
            self._begin_step(execution)

    def _later(self, execution: Execution, seconds: float) -> str:
        execution.ticket += 1
        ticket = execution.ticket

        def go() -> None:
            if ticket == execution.ticket:
                self._advance(execution)
        self.clock.after(seconds, go, "Region switch")
        return "wait"

    def _timed_out(self, execution: Execution, minutes: float) -> bool:
        return self.clock.now() - execution.step_began >= minutes * 60

    def _lambda(self, execution: Execution, step: dict[str, Any]) -> str:
        config = step["ExecutionBlockConfiguration"]["CustomActionLambdaConfig"]
        if execution.mode == "ungraceful":
            self._event(execution, "stepSkipped", step["Name"], "ungraceful execution: custom action Lambda skipped")
            return "next"
        other = [r for r in self._regions(step) if r != execution.target]
        region = execution.target if config["RegionToRun"] == "activatingRegion" else (other or [execution.target])[0]
        function = next(f for f in config["Lambdas"] if f["Arn"].split(":")[3] == region)
        payload = {**json.loads(function.get("Payload") or "{}"), "InvokedBy": "arc-region-switch",
                   "ExecutionId": execution.id, "StepName": step["Name"]}
        execution.attempts += 1
        error = self.invoke(function["Arn"], payload)
        if error is None:
            self._event(execution, "stepSucceeded", step["Name"], f"invoked in {region}")
            return "next"
        self._event(execution, "stepUpdate", step["Name"], f"attempt {execution.attempts}: {error}")
        retry = float(config["RetryIntervalMinutes"]) * 60
        if self._timed_out(execution, float(config.get("TimeoutMinutes", 60))) or \
                self.clock.now() + retry - execution.step_began > float(config.get("TimeoutMinutes", 60)) * 60:
            self._event(execution, "stepFailed", step["Name"], error)
            return "failed"
        return self._later(execution, retry)

    def invoke(self, arn: str, payload: dict[str, Any]) -> str | None:
        """Invoke a function in its region as Region switch does; None, or what went wrong."""
        region = arn.split(":")[3]
        if not self.faults.works(region) or self.faults.impaired.get(region) is not None:
            return f"Lambda in {region} does not answer"
        with bypassed():
            answer = self.client("lambda", region).invoke(FunctionName=arn.split(":")[-1],
                                                          Payload=json.dumps(payload).encode())
        body = answer["Payload"].read().decode()
        if answer.get("FunctionError"):
            return str(json.loads(body).get("errorMessage", body))[:300]
        return None

    @staticmethod
    def _regions(step: dict[str, Any]) -> list[str]:
        config = step["ExecutionBlockConfiguration"]["CustomActionLambdaConfig"]
        return [f["Arn"].split(":")[3] for f in config["Lambdas"]]

    def _approval(self, execution: Execution, step: dict[str, Any]) -> str:
        config = step["ExecutionBlockConfiguration"]["ExecutionApprovalConfig"]
        if execution.approval == "approve":
            self._event(execution, "stepSucceeded", step["Name"], "approved")
            return "next"
        if execution.approval == "decline":  # ARC developer guide, manual approval block: declining cancels
            self._event(execution, "stepCanceled", step["Name"], "declined")
            execution.state = "canceled"
            self._event(execution, "executionCanceled")
            return "wait"
        if self._timed_out(execution, float(config["TimeoutMinutes"])):
            self._event(execution, "stepFailed", step["Name"], "no approval in time")
            return "failed"
        if execution.state != "pendingManualApproval":
            execution.state = "pendingManualApproval"
            self._event(execution, "stepPendingApproval", step["Name"])
            self._event(execution, "executionPendingApproval")
        return self._later(execution, POLL_SECONDS)

    def _aurora(self, execution: Execution, step: dict[str, Any]) -> str:
        config = step["ExecutionBlockConfiguration"]["GlobalAuroraConfig"]
        target = next(a for a in config["DatabaseClusterArns"] if a.split(":")[3] == execution.target)
        identifier = config["GlobalClusterIdentifier"]
        rds = self.client("rds", execution.target)
        if self._writer(rds, identifier) == target:
            self._event(execution, "stepSucceeded", step["Name"], f"{target.split(':')[-1]} writes")
            return "next"
        if not execution.called:
            execution.called = True
            lossy = (execution.mode == "ungraceful" and config.get("Ungraceful", {}).get("Ungraceful") == "failover") \
                or config["Behavior"] == "failover"
            try:
                call = rds.failover_global_cluster if lossy else rds.switchover_global_cluster
                with running(execution.target):  # Region switch calls RDS in the target's region
                    call(GlobalClusterIdentifier=identifier, TargetDbClusterIdentifier=target,
                         **({"AllowDataLoss": True} if lossy else {}))
                self._event(execution, "stepUpdate", step["Name"], "failover" if lossy else "switchover")
            except Exception as error:  # the RDS API refused: the step fails, the execution pauses
                self._event(execution, "stepFailed", step["Name"], str(error)[:300])
                return "failed"
        if self._timed_out(execution, float(config.get("TimeoutMinutes", 60))):
            self._event(execution, "stepFailed", step["Name"], f"{identifier}: the target did not write in time")
            return "failed"
        return self._later(execution, POLL_SECONDS)

    def _writer(self, rds: Any, identifier: str) -> str | None:
        with bypassed():
            clusters = rds.describe_global_clusters(GlobalClusterIdentifier=identifier)["GlobalClusters"]
        members = [m for c in clusters if c["GlobalClusterIdentifier"] == identifier
                   for m in c.get("GlobalClusterMembers", [])]
        return next((str(m["DBClusterArn"]) for m in members if m.get("IsWriter")), None)
