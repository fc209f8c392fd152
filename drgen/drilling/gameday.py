"""``drgen drill --live --scenario NAME`` for a game day: start its FIS experiment, follow what it provokes, measure.

The experiment is the ``gamedays`` stack's template tagged ``drgen:gameday=NAME`` (``drgen.gamedays``), started in
the primary. While it runs, each poll reads, from AWS itself:

- the experiment's state (FIS ``GetExperiment``), and why it stopped when a stop condition fired;
- the detecting alarms' state (CloudWatch ``DescribeAlarms``): the target's canary alarm
  (``<prefix>-active-region-down``) and the blueprint's failover alarms in the primary; the first to enter ALARM
  after the experiment started, at the time CloudWatch gives (``StateUpdatedTimestamp``), is the detection;
- the target's failover machine (Step Functions ``ListExecutions``, ``DescribeExecution``): the first execution
  started after the experiment, its end and its history (``GetExecutionHistory``), the recovery.
Detection and recovery are measured from the experiment's start (FIS's ``startTime``) and compared with the RTO
``drgen validate`` estimates for the unplanned path and with the objective. The report is JSON and a runbook
section (Markdown).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from drgen import awsdata, gamedays, naming, objectives
from drgen.errors import DrillError
from drgen.model import Blueprint
from drgen.synth.detection import canary_alarm_name, down_alarm_name

TERMINAL = ("completed", "stopped", "failed", "cancelled")


@dataclass
class Observed:
    at: float
    """Seconds after the experiment started."""
    what: str
    region: str


@dataclass
class GameDayReport:
    blueprint: str
    game_day: str
    region: str
    """The standby expected to take over (or to stay put)."""
    summary: str
    expected: str
    fails_over: bool
    experiment_id: str = ""
    experiment_status: str = ""
    stop_reason: str = ""
    detection_seconds: float | None = None
    detected_by: str = ""
    recovery_seconds: float | None = None
    execution_status: str = ""
    estimated_rto_seconds: float = 0.0
    objective_rto_seconds: float = 0.0
    timeline: list[Observed] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"blueprint": self.blueprint, "game_day": self.game_day, "region": self.region, "passed": self.ok,
                "summary": self.summary, "expected": self.expected, "fails_over": self.fails_over,
                "experiment": {"id": self.experiment_id, "status": self.experiment_status,
                               "stop_reason": self.stop_reason},
                "measured": {"detection_seconds": self.detection_seconds, "detected_by": self.detected_by,
                             "recovery_seconds": self.recovery_seconds, "execution_status": self.execution_status},
                "estimated": {"rto_seconds": self.estimated_rto_seconds, "objective_rto_seconds":
                              self.objective_rto_seconds},
                "timeline": [{"at": o.at, "what": o.what, "region": o.region} for o in self.timeline],
                "problems": self.problems}

    def json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def markdown(self) -> str:
        """The runbook section of this game day."""
        def secs(value: float | None) -> str:
            return "not seen" if value is None else f"{value:.0f} s"
        lines = [f"## Game day {self.game_day} -> {self.region}", "",
                 f"{self.summary}. Expected: {self.expected}.", "",
                 f"FIS experiment `{self.experiment_id}`: {self.experiment_status}"
                 + (f" ({self.stop_reason})" if self.stop_reason else "") + ".", "",
                 "| | measured | estimated (`drgen validate`) | objective |", "|---|---|---|---|",
                 f"| detection | {secs(self.detection_seconds)}{f' ({self.detected_by})' if self.detected_by else ''} "
                 "| | |",
                 f"| recovery (RTO) | {secs(self.recovery_seconds)} | {self.estimated_rto_seconds:.0f} s "
                 f"| {self.objective_rto_seconds:.0f} s |", ""]
        if self.timeline:
            lines += ["| at | region | what |", "|---|---|---|"]
            lines += [f"| {o.at:.0f} s | {o.region} | {o.what} |" for o in self.timeline]
            lines.append("")
        lines.append("Verdict: " + ("as expected." if self.ok else "UNEXPECTED: " + "; ".join(self.problems)))
        return "\n".join(lines) + "\n"


def detecting_alarms(bp: Blueprint, target: str) -> dict[str, list[str]]:
    """Region -> the alarms whose ALARM starts (or pages for) the failover to ``target``."""
    failover = list(gamedays.cloudwatch_names(bp, [a for a in bp.alarms if a.triggers_failover]))
    out = {target: [down_alarm_name(bp.prefix)]}
    if failover:
        out.setdefault(bp.primary.name, []).extend(failover)
    return out


def find_template(fis: Any, bp: Blueprint, name: str, region: str | None = None) -> str:
    wanted = {"drgen:blueprint": bp.name, "drgen:environment": bp.environment, "drgen:gameday": name}
    token: str | None = None
    while True:
        page = fis.list_experiment_templates(**({"nextToken": token} if token else {}))
        for template in page.get("experimentTemplates", []):
            if all(template.get("tags", {}).get(k) == v for k, v in wanted.items()):
                return str(template["id"])
        token = page.get("nextToken")
        if not token:
            raise DrillError(f"no FIS experiment template of game day {name} in {region or bp.primary.name}: deploy the "
                             "blueprint with game_days enabled first")


def _seconds(when: datetime, start: datetime) -> float:
    return (when - start).total_seconds()


class Follower:
    """What one game day's polls have seen so far."""

    def __init__(self, bp: Blueprint, session: Any, target: str, report: GameDayReport,
                 experiment_region: str | None = None) -> None:
        self.bp, self.session, self.target, self.report = bp, session, target, report
        self.region = experiment_region or bp.primary.name
        """Where the experiment runs: the primary, or the standby for a game day of its own (``canary-impaired``)."""
        self.fis = session.client("fis", region_name=self.region)
        self.sfn = session.client("stepfunctions", region_name=target)
        account = session.client("sts", region_name=target).get_caller_identity()["Account"]
        self.machine = (f"arn:{awsdata.partition(target)}:states:{target}:{account}:stateMachine:"
                        f"{naming.state_machine(bp.prefix)}")
        self.started: datetime | None = None
        self.execution: dict[str, Any] | None = None
        self.alarmed: dict[tuple[str, str], float] = {}
        self.false_positive = False
        """The failover alarm entered ALARM while only the canary was impaired (``canary-impaired``)."""
        self.canary_alarmed = False
        """The canary's own alarm (``<prefix>-canary-failing``) entered ALARM (``canary-impaired``)."""

    def start(self, template_id: str) -> None:
        experiment = self.fis.start_experiment(clientToken=uuid.uuid4().hex, experimentTemplateId=template_id,
                                               tags={"drgen:drill": "live"})["experiment"]
        self.report.experiment_id = experiment["id"]
        self.started = experiment.get("startTime") or experiment["creationTime"]
        self.report.timeline.append(Observed(0.0, f"FIS experiment {experiment['id']} started", self.region))

    def poll(self) -> None:
        assert self.started is not None
        experiment = self.fis.get_experiment(id=self.report.experiment_id)["experiment"]
        state = experiment["state"]
        if state["status"] != self.report.experiment_status:
            when = experiment.get("endTime") if state["status"] in TERMINAL else None
            at = _seconds(when, self.started) if when else self._now()
            self.report.timeline.append(Observed(at, f"experiment {state['status']}", self.region))
            self.report.experiment_status = state["status"]
            if state["status"] in ("stopped", "failed"):
                self.report.stop_reason = state.get("reason", "")
        watched = detecting_alarms(self.bp, self.target)
        if self.report.game_day == gamedays.CANARY_IMPAIRED:
            watched[self.target] = [*watched[self.target], canary_alarm_name(self.bp.prefix)]
        for region, names in watched.items():
            cloudwatch = self.session.client("cloudwatch", region_name=region)
            for alarm in cloudwatch.describe_alarms(AlarmNames=names).get("MetricAlarms", []):
                at = _seconds(alarm["StateUpdatedTimestamp"], self.started)
                key = (region, alarm["AlarmName"])
                # a silent canary: its alarm has no data (``TreatMissingData: missing``), what the canary day shows
                silent = self.report.game_day == gamedays.CANARY_IMPAIRED and alarm["StateValue"] == "INSUFFICIENT_DATA"
                if (alarm["StateValue"] == "ALARM" or silent) and at >= 0 and key not in self.alarmed:
                    self.alarmed[key] = at
                    self.report.timeline.append(Observed(at, f"alarm {alarm['AlarmName']} in {alarm['StateValue']}",
                                                         region))
                if alarm["StateValue"] == "ALARM" and self.report.game_day == gamedays.CANARY_IMPAIRED \
                        and alarm["AlarmName"] == down_alarm_name(self.bp.prefix) and at >= 0:
                    self.false_positive = True
                if alarm["StateValue"] == "ALARM" and alarm["AlarmName"] == canary_alarm_name(self.bp.prefix):
                    self.canary_alarmed = True
        if self.execution is None:
            fresh = [e for e in self.sfn.list_executions(stateMachineArn=self.machine).get("executions", [])
                     if _seconds(e["startDate"], self.started) >= 0]
            if fresh:
                self.execution = min(fresh, key=lambda e: e["startDate"])
                self.report.timeline.append(Observed(_seconds(self.execution["startDate"], self.started),
                                                     "failover machine started", self.target))
        if self.execution is not None and not self.report.execution_status.endswith("ED"):
            described = self.sfn.describe_execution(executionArn=self.execution["executionArn"])
            self.report.execution_status = described["status"]
            if described["status"] != "RUNNING" and described.get("stopDate"):
                self.report.timeline.append(Observed(_seconds(described["stopDate"], self.started),
                                                     f"failover machine {described['status']}", self.target))
                if described["status"] == "SUCCEEDED":
                    self.report.recovery_seconds = _seconds(described["stopDate"], self.started)

    def _now(self) -> float:
        assert self.started is not None
        return _seconds(datetime.now(timezone.utc), self.started)

    def done(self) -> bool:
        """The failover it provoked has ended, or the experiment has and provoked none (or one that ended)."""
        machine_over = self.execution is not None and self.report.execution_status not in ("", "RUNNING")
        if self.report.fails_over and machine_over:
            return True
        return self.report.experiment_status in TERMINAL and (self.execution is None or machine_over)

    def steps(self) -> None:
        """The machine's states, from its history, into the timeline."""
        if self.execution is None or self.started is None:
            return
        events = self.sfn.get_execution_history(executionArn=self.execution["executionArn"], maxResults=1000)["events"]
        for event in events:
            if event.get("stateEnteredEventDetails"):
                self.report.timeline.append(Observed(_seconds(event["timestamp"], self.started),
                                                     f"state {event['stateEnteredEventDetails']['name']}", self.target))


def drill_game_day(bp: Blueprint, session: Any, name: str, target: str | None = None, *, confirm: bool,
                   poll_seconds: float = 15.0, limit_seconds: float = 3 * 3600.0,
                   sleep: Callable[[float], None] = time.sleep) -> GameDayReport:
    """Run game day ``name`` against the deployed blueprint and measure what it provokes. This really disrupts it."""
    if not confirm:
        raise DrillError("a game day disrupts the real deployment: pass the explicit confirmation to run it")
    if bp.game_days is None:
        raise DrillError("the blueprint does not enable game_days: enable them, deploy, then run the game day")
    day = gamedays.by_name(bp, name)
    if day is None:
        raise DrillError(f"no game day {name} for {bp.prefix}: choose from {', '.join(gamedays.names(bp))}")
    target = target or bp.secondaries[0].name
    if target not in [r.name for r in bp.secondaries]:
        raise DrillError(f"{target} is not a secondary region of {bp.prefix}")
    assessment = objectives.assess(bp)
    report = GameDayReport(bp.prefix, name, target, day.summary, day.expected, day.fails_over,
                           estimated_rto_seconds=assessment.rto.millis / 1000,
                           objective_rto_seconds=bp.objectives.rto.millis / 1000)
    follower = Follower(bp, session, target, report, target if day.where == "standby" else bp.primary.name)
    follower.start(find_template(follower.fis, bp, name, follower.region))
    waited = 0.0
    while True:
        follower.poll()
        if follower.done():
            break
        if waited >= limit_seconds:
            report.problems.append(f"still running after {limit_seconds:.0f} s: the drill stopped the experiment")
            follower.fis.stop_experiment(id=report.experiment_id)
            break
        sleep(poll_seconds)
        waited += poll_seconds
    follower.steps()
    report.timeline.sort(key=lambda o: o.at)
    _judge(report, follower)
    return report


def _judge(report: GameDayReport, follower: Follower) -> None:
    first = min(follower.alarmed.items(), key=lambda item: item[1], default=None)
    if first is not None:
        report.detected_by, report.detection_seconds = f"{first[0][1]} ({first[0][0]})", first[1]
    if report.experiment_status == "failed":
        report.problems.append(f"the experiment failed: {report.stop_reason or 'no reason given'}")
    if report.fails_over:
        if follower.execution is None:
            report.problems.append("no failover machine started in " + report.region)
        elif report.execution_status != "SUCCEEDED":
            report.problems.append(f"the failover machine ended {report.execution_status or 'unseen'}")
        elif report.recovery_seconds is not None and report.recovery_seconds > report.objective_rto_seconds:
            report.problems.append(f"recovered in {report.recovery_seconds:.0f} s, beyond the RTO objective of "
                                   f"{report.objective_rto_seconds:.0f} s")
    elif follower.execution is not None and report.execution_status == "SUCCEEDED":
        report.problems.append(f"the failover machine in {report.region} ran to success: it failed over, "
                               "which this game day must not provoke")
    if report.game_day == gamedays.CANARY_IMPAIRED and not follower.canary_alarmed:
        report.problems.append(f"{canary_alarm_name(follower.bp.prefix)} never entered ALARM in {report.region}: the "
                               "canary failed and nothing said so")
    if follower.false_positive:
        report.problems.append(f"{down_alarm_name(follower.bp.prefix)} entered ALARM in {report.region} while only "
                               "its canary was impaired: a broken detector raised the failover alarm")
