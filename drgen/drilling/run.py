"""One scenario against one target region: build the emulated world, play the scenario, check the end state.

The loop advances the emulated clock from event to event (``Clock.step``); in between, the operator acts
(starts machines, answers approval requests) the way the scenario says, and each execution's steps are
stamped with the emulated time they were seen at. Recovery time is measured on the emulated clock, from
the scenario's event to the first moment the flag and every writer are in the expected region.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import uuid
from collections.abc import Callable
from typing import Any

from drgen import naming
from drgen.drilling.data import DataTrail
from drgen.drilling.report import ScenarioResult, Step
from drgen.drilling.scenarios import START, Scenario
from drgen.emulation import Emulation
from drgen.emulation.faults import Impairment, bypassed
from drgen.model import Blueprint

OPERATOR_PAUSE = 120.0
"""An operator starts a machine again (a resume, a fail-back) this long after the last run ended (emulated): the
time to read its notification, as the runbook asks, and for the global tables' replicas to agree."""
RETURN_PAUSE = 1800.0
"""An operator fails back this long after the failed region came back (emulated): once it is healthy again."""
DATA_SETTLE_SECONDS = 600.0
"""How long a data scenario lets consumers, queues and replication catch up before its end state is judged."""


class Drill:
    def __init__(self, bp: Blueprint, em: Emulation, scenario: Scenario, target: str) -> None:
        self.bp, self.em, self.scenario, self.target = bp, em, scenario, target
        self.primary = bp.primary.name
        self.result = ScenarioResult(scenario.name, target, scenario.summary, scenario.expected)
        self.seen: dict[str, int] = {}
        self.finished: set[str] = set()
        self.first_seen: dict[str, float] = {}
        self.begin = em.clock.now() + START
        self.answered: set[str] = set()
        self.started: list[str] = []
        self.resumed = False
        self.last_end = 0.0
        """When the last execution seen ended (emulated): the operator acts again only some time after."""
        self.failed_back = False
        self.returned_at: float | None = None
        self.trail = DataTrail(bp, em) if scenario.data else None
        self.key = {"pk": {"S": "active-region"}}
        self.control = naming.control_table(bp.prefix)

    # --- the operator -------------------------------------------------------------------------------------
    def machine(self, region: str) -> str | None:
        return next((m.arn for m in self.em.deployed.resources("AWS::StepFunctions::StateMachine")
                     if m.region == region), None)

    def start(self, region: str, trigger: str) -> None:
        arn = self.machine(region)
        if arn is None:
            self.result.problems.append(f"no state machine is deployed in {region} to start")
            return
        with bypassed():
            execution = self.em.client("stepfunctions", region).start_execution(
                stateMachineArn=arn, name=f"drill-{uuid.uuid4().hex[:12]}",
                input=json.dumps({"trigger": trigger}))["executionArn"]
        self.started.append(execution)
        self.result.steps.append(Step("(operator)", f"starts the machine: {trigger}", self.em.clock.elapsed(), region))

    def answer_approvals(self) -> None:
        if self.scenario.operator == "none":
            return
        for region, _, message in self.em.messages():
            if "send-task-success" not in message:
                continue
            token = message.split("--task-token ")[1].split(" ")[0]
            if token in self.answered:
                continue
            self.answered.add(token)
            with bypassed():
                sfn = self.em.client("stepfunctions", region)
                try:
                    if self.scenario.operator == "approve":
                        sfn.send_task_success(taskToken=token, output=json.dumps({"approved": True}))
                    else:
                        sfn.send_task_failure(taskToken=token, error="Denied", cause="the drill's operator denied it")
                except Exception as error:  # an execution that already ended: the answer comes too late
                    self.result.steps.append(Step("(operator)", f"answer refused: {error}", self.em.clock.elapsed()))
                    continue
            self.result.steps.append(Step("(operator)", f"{self.scenario.operator}s the approval request",
                                          self.em.clock.elapsed(), region))

    # --- the scenario's events ----------------------------------------------------------------------------
    def schedule(self) -> None:
        s, clock, faults = self.scenario, self.em.clock, self.em.faults
        at = clock.now() + START
        if self.trail is not None:  # the application's writes while the primary serves, then some left waiting
            trail = self.trail
            clock.at(at - 60, lambda: trail.write("before", self.primary), "the application writes")
            clock.at(at, lambda: trail.send("stranded", self.primary), "the application writes")
        if s.down:  # drilled into a later secondary, the ones the blueprint ranks before it are down as well
            for region in [self.primary, *self.ranked_before()]:
                clock.at(at, functools.partial(faults.down.add, region), f"{region} down")
        if s.partition_seconds:
            for r in self.bp.secondaries:
                clock.at(at, functools.partial(faults.partition, r.name, self.primary), "partition")
                clock.at(at, functools.partial(faults.partition, self.primary, r.name), "partition")
            clock.at(at + s.partition_seconds, faults.partitions.clear, "partition heals")
        if s.standby_alarms:
            clock.at(at, self.breach_standby_alarms, "standby alarms")
        for who in s.operator_starts:
            if who == "target":
                clock.at(at, lambda: self.start(self.target, "drill"), "operator")
            elif who == "all":
                for r in self.bp.secondaries:
                    clock.at(at, functools.partial(self.start, r.name, "drill"), "operator")

    def ranked_before(self) -> list[str]:
        """The secondaries the blueprint's order puts before the target (they would take over first)."""
        names = [r.name for r in self.bp.secondaries]
        return names[:names.index(self.target)] if self.target in names else []

    def breach_standby_alarms(self, minutes: int = 10) -> None:
        """Put datapoints past every threshold of the target's own alarms, for ``minutes``."""
        from datetime import datetime, timezone

        for alarm in self.em.alarms.in_region(self.target):
            props = alarm.resource.properties
            if "MetricName" not in props:
                continue
            threshold = float(props["Threshold"])
            past = 1 + abs(threshold)
            value = threshold - past if "Less" in props["ComparisonOperator"] else threshold + past
            for minute in range(minutes):
                stamp = datetime.fromtimestamp(self.em.clock.now() + 60 * minute + 1, timezone.utc)
                with bypassed():
                    self.em.client("cloudwatch", self.target).put_metric_data(Namespace=props["Namespace"], MetricData=[{
                        "MetricName": props["MetricName"], "Value": value, "Timestamp": stamp,
                        "Dimensions": props.get("Dimensions", [])}])

    # --- watching -----------------------------------------------------------------------------------------
    def flags(self) -> dict[str, str | None]:
        flags = {}
        for region in self.bp.region_names:
            if self.em.faults.works(region):
                item = self.em.item(self.control, region, self.key)
                flags[region] = None if item is None else str(item.get("region", {}).get("S"))
        return flags

    def writers(self) -> dict[str, str | None]:
        return {db.name: self.em.aurora.writer_region(naming.global_cluster(self.bp.prefix, db.name))
                for db in self.bp.databases}

    def expected_region(self) -> str:
        if self.scenario.name == "race":
            return next(iter(set(self.flags().values()) - {self.primary}), self.target) or self.target
        return self.primary if self.failed_back or not self.scenario.moves else self.target

    def recovered(self) -> bool:
        region = self.expected_region()
        return self.flags().get(region) == region and all(w == region for w in self.writers().values())

    def follow(self) -> bool:
        """Stamp new steps; True while an execution runs."""
        running = False
        for region, execution in self.em.executions(skip=self.finished):
            arn = execution["executionArn"]
            if execution["status"] != "RUNNING":
                self.finished.add(arn)
                self.last_end = self.em.clock.now()
            with bypassed():
                events = self.em.client("stepfunctions", region).get_execution_history(
                    executionArn=arn, maxResults=1000)["events"]
            for event in events[self.seen.get(arn, 0):]:
                entered = event.get("stateEnteredEventDetails")
                if entered:
                    self.result.steps.append(Step(entered["name"], "entered", self.em.clock.elapsed(), region))
                elif event["type"] in ("ExecutionFailed", "ExecutionSucceeded", "ExecutionTimedOut"):
                    detail = event.get("executionFailedEventDetails", {})
                    self.result.steps.append(Step("(end)", event["type"] + (f": {detail.get('error')}" if detail else ""),
                                                  self.em.clock.elapsed(), region))
            self.seen[arn] = len(events)
            self.first_seen.setdefault(arn, self.em.clock.now())
            running = running or execution["status"] == "RUNNING"
        return running

    def run(self) -> ScenarioResult:
        s, clock = self.scenario, self.em.clock
        self.schedule()
        begin = self.begin
        horizon = begin + s.horizon_seconds
        while clock.now() < horizon:
            clock.step(min(horizon, clock.now() + 60))
            self.answer_approvals()
            running = self.follow()
            running = self._resume_and_fail_back(running) or running
            if self.result.recovery_seconds is None and clock.now() >= begin and s.moves and self.recovered() \
                    and (not s.fail_after_promotion or self.resumed) and ("primary-after" not in s.operator_starts
                                                                       or self.failed_back):
                self.result.recovery_seconds = clock.now() - begin
            if not running and self.started_all() and clock.now() >= begin + s.observe_seconds:
                break
        return self.result

    def started_all(self) -> bool:
        """Every operator action of the scenario is done (a resume or a fail-back comes after a first run)."""
        s = self.scenario
        return (not s.fail_after_promotion or self.resumed or not self.em.aurora.promotions) and \
            ("primary-after" not in s.operator_starts or self.failed_back or not self.recovered())

    def _resume_and_fail_back(self, running: bool) -> bool:
        """The operator's second start, when it is due. True: a machine was started."""
        s = self.scenario
        if s.fail_after_promotion and self.em.aurora.promotions and not self.resumed:
            if self.em.faults.impaired.get(self.target) is None:
                self.em.faults.impaired[self.target] = Impairment(1.0)
                self.result.steps.append(Step("(fault)", "the target's endpoints stop answering",
                                              self.em.clock.elapsed(), self.target))
            elif not running and self.em.clock.now() >= self.last_end + OPERATOR_PAUSE:
                self.em.faults.heal()
                self.resumed = True
                self.start(self.target, "drill (again)")
                return True
        now = self.em.clock.now()
        if s.returns and self.returned_at is None and not running and self.recovered() \
                and now >= self.last_end + OPERATOR_PAUSE:
            if self.trail is not None:
                self.trail.write("during", self.target)
            self.em.faults.heal()
            self.returned_at = now
            self.result.steps.append(Step("(fault)", "the failed region is back", self.em.clock.elapsed(), self.primary))
        back = not s.returns or (self.returned_at is not None and now >= self.returned_at + RETURN_PAUSE)
        if "primary-after" in s.operator_starts and not running and not self.failed_back and self.recovered() \
                and now >= self.last_end + OPERATOR_PAUSE and back:
            self.failed_back = True
            self.start(self.primary, "drill (fail back)")
            if self.trail is not None:
                self.trail.stale(self.target, lambda: self.flags().get(self.target))
            return True
        return False


SETTLE_SECONDS = 10.0
"""How long the drill lets the emulated world settle before it judges the end state."""


def checks(drill: Drill) -> None:
    bp, s, em, expect = drill.bp, drill.scenario, drill.em, drill.result.problems.append
    region = drill.expected_region()
    flags, writers = drill.flags(), drill.writers()
    wrong = {r: f for r, f in flags.items() if f != region}
    if wrong:
        expect(f"the active-region flag should name {region} in every reachable replica: {wrong}")
    for db, writer in writers.items():
        if writer != region:
            expect(f"the writer of {db} is in {writer}, expected {region}")
    early = sorted(round(t - drill.begin + START) for t in drill.first_seen.values() if t < drill.begin)
    if early:
        expect(f"a machine started at {early} s, before the scenario's event, while the primary was healthy")
    actions = [p["action"] for p in em.aurora.promotions]
    lossy = actions.count("failover")
    if s.name == "probe-blip" and lossy:
        expect(f"{lossy} lossy failover(s) of a healthy primary")
    kinds = s.promotions.split(",") if s.promotions else []
    if len(kinds) == 1 and "primary-after" in s.operator_starts:
        kinds *= 2
    if actions != [kind for kind in kinds for _ in bp.databases]:
        expect(f"promotions {actions}, expected {len(bp.databases)} x {' then '.join(kinds) or 'none'}")
    if any(p["called_in"] != p["target"].split(":")[3] for p in em.aurora.promotions):
        expect("a promotion was called outside its target region")
    consumers = {r: [m["State"] for m in em.mappings(r)] for r in bp.region_names if em.faults.works(r)}
    if s.moves and any(state != "Enabled" for state in consumers.get(region, [])):
        expect(f"consumers not enabled in {region}: {consumers[region]}")
    if s.moves and region != drill.primary and bp.strategy != "hot-standby" and em.faults.works(drill.primary) \
            and any(state == "Enabled" for state in consumers.get(drill.primary, [])):
        expect(f"consumers still enabled in the old primary {drill.primary}")
    if s.moves and drill.result.recovery_seconds is None:
        expect("traffic and writers never reached the target")
    if s.moves and not em.messages():
        expect("no notification was sent")
    states = sorted({e["status"] for _, e in em.executions()})
    serving = [r for r, c in consumers.items() if c and all(x == "Enabled" for x in c)]
    if drill.trail is not None:
        for problem in drill.trail.check(region):
            expect(problem)
    drill.result.outcome = (f"flag {sorted(set(flags.values()), key=str)}, writers {writers}, promotions {actions}, "
                            f"executions {states}, consumers on in {serving}, {len(em.messages())} notifications"
                            + (f"; {drill.trail.summary()}" if drill.trail is not None else ""))


def run_scenario(bp: Blueprint, scenario: Scenario, target: str, *, parameters: dict[str, str] | None = None,
                 prepare: Callable[[Any], None] | None = None, make: type[Drill] | None = None,
                 judge: Callable[[Drill], None] = checks) -> ScenarioResult:
    """``parameters``: deploy-time parameter values (e.g. ``PeerBuckets``); ``prepare``: changes the render before
    the world is built from it - both for tests that drill a design without one of its parts. ``make`` and ``judge``:
    the operator and the end-state checks of another orchestrator (``drgen.drilling.regionswitch``)."""
    from moto import mock_aws

    from drgen.rendering import render_blueprint

    variant = bp
    if scenario.allow_data_loss is not None and scenario.allow_data_loss != bp.failover.allow_data_loss:
        variant = dataclasses.replace(bp, failover=dataclasses.replace(bp.failover,
                                                                       allow_data_loss=scenario.allow_data_loss))
    rendered = render_blueprint(variant)
    if prepare is not None:
        prepare(rendered)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}), \
            Emulation(rendered, lag_ms=scenario.lag_ms, promotion_completes=scenario.promotion_completes,
                      parameters=parameters) as em:
        drill = (make or Drill)(variant, em, scenario, target)
        with bypassed():
            for region in variant.region_names:  # the steady state: every replica names the primary
                em.client("dynamodb", region).put_item(TableName=drill.control, Item={
                    **drill.key, "region": {"S": variant.primary.name}, "by": {"S": "drgen deploy"}})
        em.clock.advance(em.clock.now() + 2)  # the seed's own replication settles before the scenario
        result = drill.run()
        # the end state is judged once in-flight global-table replication has landed (AWS: usually within a second)
        em.clock.advance(em.clock.now() + (DATA_SETTLE_SECONDS if scenario.data else SETTLE_SECONDS))
        judge(drill)
        em.faults.heal()
    return result

