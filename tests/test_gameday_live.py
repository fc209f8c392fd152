"""``drgen drill --live --scenario NAME`` for a game day, measured against moto's FIS, CloudWatch and Step Functions.

The rendered experiment templates are created in moto's FIS; the test plays the rest of AWS between two polls
(the standby's canary alarm fires, the failover machine runs in moto's Step Functions interpreter), and the
drill's measurements are checked against what moto's own APIs report: the experiment's start, the alarm's
state change and the execution's start, end and history."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from drgen import cli, naming, objectives
from drgen.drilling.gameday import GameDayReport, detecting_alarms, drill_game_day
from drgen.errors import DrillError
from drgen.model import Blueprint
from drgen.rendering import render_blueprint
from drgen.synth.detection import down_alarm_name
from tests.test_aws_tooling import _camel, _resolved, opted_in, valid

PASSES = {"StartAt": "Inspect", "States": {"Inspect": {"Type": "Pass", "Next": "Promote"},
                                          "Promote": {"Type": "Pass", "End": True}}}


@pytest.fixture(scope="module")
def bp() -> Blueprint:
    return valid(opted_in("trading-platform"))


class World:
    """moto, holding what drgen deploy would have: the experiment templates, the machine, the alarms."""

    def __init__(self, bp: Blueprint, target: str) -> None:
        self.bp, self.target = bp, target
        primary = bp.primary.name
        fis = boto3.client("fis", region_name=primary)
        for properties in _resolved(render_blueprint(bp))["AWS::FIS::ExperimentTemplate"].values():
            fis.create_experiment_template(
                clientToken=properties["Tags"]["drgen:gameday"], description=properties["Description"],
                roleArn=properties["RoleArn"], stopConditions=_camel(properties["StopConditions"]),
                targets={name: _camel(t) for name, t in properties["Targets"].items()},
                actions={name: {"actionId": a["ActionId"], "targets": a["Targets"],
                                **({"parameters": a["Parameters"]} if "Parameters" in a else {})}
                         for name, a in properties["Actions"].items()}, tags=properties["Tags"])
        self.sfn = boto3.client("stepfunctions", region_name=target)
        self.machine = self.sfn.create_state_machine(
            name=naming.state_machine(bp.prefix), definition=json.dumps(PASSES),
            roleArn="arn:aws:iam::123456789012:role/failover")["stateMachineArn"]
        for region, names in detecting_alarms(bp, target).items():
            cloudwatch = boto3.client("cloudwatch", region_name=region)
            for name in names:
                cloudwatch.put_metric_alarm(AlarmName=name, Namespace="drgen", MetricName="Probe", Statistic="Minimum",
                                            Period=60, EvaluationPeriods=1, Threshold=1,
                                            ComparisonOperator="GreaterThanOrEqualToThreshold")
        self.polls = 0

    def fire(self) -> None:
        boto3.client("cloudwatch", region_name=self.target).set_alarm_state(
            AlarmName=down_alarm_name(self.bp.prefix), StateValue="ALARM", StateReason="probes failed")
        self.sfn.start_execution(stateMachineArn=self.machine, name="failover-1")

    def wait(self, reaction: bool) -> Any:
        def sleep(_: float) -> None:
            self.polls += 1
            if self.polls == 1 and reaction:
                self.fire()
            time.sleep(0.3)  # moto's interpreter runs the execution in a thread
        return sleep


def _run(bp: Blueprint, name: str, reaction: bool = True, **kwargs: Any) -> tuple[GameDayReport, World]:
    world = World(bp, bp.secondaries[0].name)
    report = drill_game_day(bp, boto3.Session(), name, confirm=True, poll_seconds=1, limit_seconds=30,
                            sleep=world.wait(reaction), **kwargs)
    return report, world


MOTO = {"stepfunctions": {"execute_state_machine": True}}


def test_a_region_outage_is_measured_from_aws_own_histories(bp: Blueprint) -> None:
    with mock_aws(config=MOTO):
        report, world = _run(bp, "region-outage")
        fis = boto3.client("fis", region_name=bp.primary.name)
        started = fis.get_experiment(id=report.experiment_id)["experiment"]["startTime"]
        alarm = boto3.client("cloudwatch", region_name=world.target).describe_alarms(
            AlarmNames=[down_alarm_name(bp.prefix)])["MetricAlarms"][0]
        execution = world.sfn.list_executions(stateMachineArn=world.machine)["executions"][0]
        described = world.sfn.describe_execution(executionArn=execution["executionArn"])
    assert report.ok, report.problems
    assert report.detected_by == f"{down_alarm_name(bp.prefix)} ({world.target})"
    assert report.detection_seconds == (alarm["StateUpdatedTimestamp"] - started).total_seconds()
    assert report.recovery_seconds == (described["stopDate"] - started).total_seconds()
    assert 0 <= report.detection_seconds <= report.recovery_seconds
    assert report.execution_status == "SUCCEEDED"
    states = [o.what for o in report.timeline if o.what.startswith("state ")]
    assert states == ["state Inspect", "state Promote"]
    assert [o.at for o in report.timeline] == sorted(o.at for o in report.timeline)
    assessment = objectives.assess(bp)
    assert report.estimated_rto_seconds == assessment.rto.millis / 1000
    assert report.objective_rto_seconds == bp.objectives.rto.millis / 1000
    section = report.markdown()
    assert section.startswith(f"## Game day region-outage -> {world.target}")
    assert f"| recovery (RTO) | {report.recovery_seconds:.0f} s | {report.estimated_rto_seconds:.0f} s |" in section
    assert json.loads(report.json())["measured"]["recovery_seconds"] == report.recovery_seconds


def test_a_game_day_that_provokes_no_failover_passes_when_none_runs(bp: Blueprint) -> None:
    with mock_aws(config=MOTO):
        report, _ = _run(bp, "replication-paused", reaction=False)
    assert report.ok, report.problems
    assert report.experiment_status == "completed"
    assert report.detection_seconds is None and report.recovery_seconds is None
    assert "Verdict: as expected." in report.markdown()


def test_a_failover_a_game_day_must_not_provoke_is_reported(bp: Blueprint) -> None:
    with mock_aws(config=MOTO):
        report, _ = _run(bp, "writer-failover")
    assert not report.ok
    assert any("must not provoke" in p for p in report.problems)


def test_a_region_outage_nobody_detects_is_reported(bp: Blueprint) -> None:
    with mock_aws(config=MOTO):
        report, _ = _run(bp, "region-outage", reaction=False)
    assert report.problems == [f"no failover machine started in {bp.secondaries[0].name}"]


def test_an_alarm_already_firing_before_the_experiment_is_not_its_detection(bp: Blueprint) -> None:
    with mock_aws(config=MOTO):
        world = World(bp, bp.secondaries[0].name)
        boto3.client("cloudwatch", region_name=world.target).set_alarm_state(
            AlarmName=down_alarm_name(bp.prefix), StateValue="ALARM", StateReason="an old outage")
        time.sleep(0.05)
        report = drill_game_day(bp, boto3.Session(), "replication-paused", confirm=True, poll_seconds=1,
                                limit_seconds=30, sleep=world.wait(False))
    assert report.detection_seconds is None and report.ok


def test_refusals(bp: Blueprint) -> None:
    with mock_aws(config=MOTO):
        with pytest.raises(DrillError, match="confirmation"):
            drill_game_day(bp, boto3.Session(), "region-outage", confirm=False)
        with pytest.raises(DrillError, match="no FIS experiment template"):
            drill_game_day(bp, boto3.Session(), "region-outage", confirm=True)
        with pytest.raises(DrillError, match="choose from region-outage, replication-paused, writer-failover"):
            drill_game_day(bp, boto3.Session(), "probe-blip", confirm=True)
        with pytest.raises(DrillError, match="enable them"):
            drill_game_day(valid(opted_in("trading-platform", game_days={"enabled": False})), boto3.Session(),
                           "region-outage", confirm=True)


def test_the_cli_writes_the_json_and_the_runbook_section(bp: Blueprint, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    root = Path(__file__).resolve().parents[1]
    path = root / "blueprints" / "trading-platform.yaml"
    data = opted_in("trading-platform")
    target = tmp_path / "blueprints"
    target.mkdir()
    (target / "tooling.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    shutil.copytree(path.parent / "functions", target / "functions")
    monkeypatch.setattr(time, "sleep", lambda _: None)
    with mock_aws(config=MOTO):
        World(bp, bp.secondaries[0].name)
        status = cli.main(["drill", str(target / "tooling.yaml"), "--live", "--scenario", "replication-paused",
                           "--yes-really-fail-over", "-o", str(tmp_path / "report")])
    assert status == 0
    written = json.loads((tmp_path / "report" / "gameday-replication-paused.json").read_text())
    assert written["game_day"] == "replication-paused" and written["passed"]
    assert (tmp_path / "report" / "gameday-replication-paused.md").read_text().startswith("## Game day")
