"""The ``canary-impaired`` game day (``game_days.impair_canary``): rendered only when asked for, linted, scoped,
estimated, and measured against moto's FIS and CloudWatch in the standby, where its experiment runs."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest
from moto import mock_aws

from drgen import awsdata, gamedays, naming
from drgen.drilling.gameday import GameDayReport, drill_game_day
from drgen.emulation.templates import deployed
from drgen.lint import lint_text, regions_for
from drgen.model import Blueprint
from drgen.rendering import Rendered, render_blueprint
from drgen.synth.detection import canary_alarm_name, down_alarm_name
from drgen.validation import check_text
from tests import checkov, golden
from tests.test_aws_tooling import ACCOUNT, GOLDEN, _camel, _schema, opted_in, valid
from tests.test_footprint import compare

OWN = ("CanaryExperimentLogGroup", "CanaryExperimentRole", "CanaryImpairedExperiment")


def impaired(blueprint: str = "trading-platform") -> dict[str, Any]:
    data = opted_in(blueprint)
    data["game_days"]["impair_canary"] = True
    return data


@pytest.fixture(scope="module")
def bp() -> Blueprint:
    return valid(impaired())


@pytest.fixture(scope="module")
def rendered(bp: Blueprint) -> Rendered:
    return render_blueprint(bp)


def _orchestration(rendered: Rendered) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(rendered.files["templates/orchestration.json"])
    return data


def test_off_unless_asked_the_canary_and_its_stack_are_byte_identical() -> None:
    plain = render_blueprint(valid(opted_in("trading-platform", game_days={"enabled": False})))
    days = render_blueprint(valid(opted_in("trading-platform")))
    assert days.files["templates/orchestration.json"] == plain.files["templates/orchestration.json"]
    assert gamedays.CANARY_IMPAIRED not in gamedays.names(days.blueprint)
    assert "aws-fis" not in days.files["templates/orchestration.json"].decode()


def test_golden_experiment_and_what_the_canary_carries(rendered: Rendered, update_goldens: bool) -> None:
    resources = _orchestration(rendered)["Resources"]
    canary = resources["CanaryFunction"]["Properties"]
    picked = {name: resources[name] for name in OWN}
    picked["CanaryFunction (FIS)"] = {"Layers": canary["Layers"], "Environment": canary["Environment"]}
    picked["CanaryRole (FIS)"] = [s for s in resources["CanaryRole"]["Properties"]["Policies"][0]["PolicyDocument"]
                                  ["Statement"] if "Fis" in s.get("Sid", "")]
    golden.check(GOLDEN / "canary-impaired.json", json.dumps(picked, indent=2, sort_keys=True) + "\n", update_goldens)


def test_the_canary_gets_fis_extension_as_aws_documents_it(rendered: Rendered) -> None:
    canary = _orchestration(rendered)["Resources"]["CanaryFunction"]["Properties"]
    assert canary["Layers"] == [f"{{{{resolve:ssm:{awsdata.FIS_LAMBDA_EXTENSION_PARAMETER}}}}}"]
    variables = canary["Environment"]["Variables"]
    assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/aws-fis/bootstrap"
    assert variables["AWS_FIS_CONFIGURATION_LOCATION"]["Fn::Sub"].endswith(
        f"-artifacts-${{AWS::Region}}-${{AWS::AccountId}}/{gamedays.FIS_CONFIG_FOLDER}")


def test_cfn_lint_and_checkov_find_nothing(rendered: Rendered, tmp_path: Path) -> None:
    text = rendered.files["templates/orchestration.json"].decode()
    assert lint_text("orchestration", text, regions_for(rendered.blueprint)) == []
    (tmp_path / "orchestration.json").write_text(text)
    reports = checkov.scan("-d", str(tmp_path))
    assert [(c["resource"], c["check_id"]) for c in checkov.failed(reports)] == []


def _resolved(rendered: Rendered, region: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for resource in deployed(rendered.files, ACCOUNT).resources():
        if resource.layer == "orchestration" and resource.region == region and resource.logical in OWN:
            out[resource.logical] = resource.properties
    return out


def test_the_resolved_experiment_satisfies_cloudformations_resource_schema(bp: Blueprint, rendered: Rendered) -> None:
    schema = _schema("AWS::FIS::ExperimentTemplate")
    for region in bp.region_names:
        properties = _resolved(rendered, region)["CanaryImpairedExperiment"]
        errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(properties)]
        assert errors == [], region
        assert properties["Targets"]["Canary"]["ResourceArns"] == [
            f"arn:aws:lambda:{region}:{ACCOUNT}:function:{naming.function(bp.prefix, 'canary')}"]


def test_the_experiment_role_may_touch_the_canary_and_the_config_folder_only(bp: Blueprint, rendered: Rendered) -> None:
    region = bp.secondaries[0].name
    role = _resolved(rendered, region)["CanaryExperimentRole"]
    statements = role["Policies"][0]["PolicyDocument"]["Statement"]
    on_star = [s for s in statements if "*" in s["Resource"]]
    assert [s["Sid"] for s in on_star] == ["ReadsOnStarOnly"]
    assert all(a.split(":")[1].startswith(("Describe", "Get", "CreateLogDelivery", "PutResourcePolicy"))
               for a in on_star[0]["Action"])
    by_sid = {s["Sid"]: s for s in statements}
    assert by_sid["ReadCanary"]["Resource"] == [
        f"arn:aws:lambda:{region}:{ACCOUNT}:function:{naming.function(bp.prefix, 'canary')}"]
    assert by_sid["WriteFaultConfig"]["Resource"] == [
        f"arn:aws:s3:::{bp.prefix}-artifacts-{region}-{ACCOUNT}/{gamedays.FIS_CONFIG_FOLDER}*"]
    assert by_sid["FaultConfigKey"]["Condition"]["StringEquals"]["kms:ViaService"] == f"s3.{region}.amazonaws.com"


def test_validate_estimates_the_orchestration_layer_as_rendered(bp: Blueprint) -> None:
    import yaml

    result = check_text(yaml.safe_dump(impaired(), sort_keys=False), base_dir=str(Path(__file__).parents[1] / "blueprints"))
    assert [p for p in compare(result) if p.startswith("orchestration")] == []


class Standby:
    """moto, holding what drgen deploy would have in the standby: the canary's experiment, the machine, its alarm."""

    def __init__(self, bp: Blueprint, rendered: Rendered) -> None:
        self.bp, self.target = bp, bp.secondaries[0].name
        properties = _resolved(rendered, self.target)["CanaryImpairedExperiment"]
        boto3.client("fis", region_name=self.target).create_experiment_template(
            clientToken="canary", description=properties["Description"], roleArn=properties["RoleArn"],
            stopConditions=_camel(properties["StopConditions"]),
            targets={name: _camel(t) for name, t in properties["Targets"].items()},
            actions={name: {"actionId": a["ActionId"], "targets": a["Targets"], "parameters": a["Parameters"]}
                     for name, a in properties["Actions"].items()}, tags=properties["Tags"])
        self.sfn = boto3.client("stepfunctions", region_name=self.target)
        self.machine = self.sfn.create_state_machine(
            name=naming.state_machine(bp.prefix), definition=json.dumps(
                {"StartAt": "Go", "States": {"Go": {"Type": "Pass", "End": True}}}),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/failover")["stateMachineArn"]
        self.cloudwatch = boto3.client("cloudwatch", region_name=self.target)
        for name in (down_alarm_name(bp.prefix), canary_alarm_name(bp.prefix)):
            self.cloudwatch.put_metric_alarm(AlarmName=name, Namespace="drgen", MetricName="Probe",
                                             Statistic="Minimum", Period=60, EvaluationPeriods=1, Threshold=1,
                                             ComparisonOperator="GreaterThanOrEqualToThreshold")
        for region in {bp.primary.name}:
            cloudwatch = boto3.client("cloudwatch", region_name=region)
            for name in gamedays.cloudwatch_names(bp, [a for a in bp.alarms if a.triggers_failover]):
                cloudwatch.put_metric_alarm(AlarmName=name, Namespace="drgen", MetricName="x", Statistic="Sum",
                                            Period=60, EvaluationPeriods=1, Threshold=1,
                                            ComparisonOperator="GreaterThanOrEqualToThreshold")
        self.polls = 0

    def run(self, state: str, canary_alarm: bool = True) -> GameDayReport:
        def sleep(_: float) -> None:
            self.polls += 1
            if self.polls == 1:
                self.cloudwatch.set_alarm_state(AlarmName=down_alarm_name(self.bp.prefix), StateValue=state,
                                                StateReason="the canary put no datapoint")
            if self.polls == 2 and canary_alarm:
                self.cloudwatch.set_alarm_state(AlarmName=canary_alarm_name(self.bp.prefix), StateValue="ALARM",
                                                StateReason="the canary's invocations failed")
            time.sleep(0.2)
        return drill_game_day(self.bp, boto3.Session(), gamedays.CANARY_IMPAIRED, confirm=True, poll_seconds=1,
                              limit_seconds=30, sleep=sleep)


def test_a_silent_canary_starts_no_failover_and_the_drill_sees_its_silence(bp: Blueprint,
                                                                            rendered: Rendered) -> None:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        standby = Standby(bp, rendered)
        report = standby.run("INSUFFICIENT_DATA")
        experiment = boto3.client("fis", region_name=standby.target).get_experiment(id=report.experiment_id)
    assert report.ok, report.problems
    assert report.region == standby.target and report.recovery_seconds is None
    assert report.detected_by == f"{down_alarm_name(bp.prefix)} ({standby.target})"
    assert any("INSUFFICIENT_DATA" in o.what for o in report.timeline)
    assert any(o.what == f"alarm {canary_alarm_name(bp.prefix)} in ALARM" for o in report.timeline)
    got = experiment["experiment"]
    assert [a["actionId"] for a in got["actions"].values()] == ["aws:lambda:invocation-error"]
    assert [t["resourceType"] for t in got["targets"].values()] == ["aws:lambda:function"]
    assert got["stopConditions"][0]["value"] == \
        f"arn:aws:cloudwatch:{standby.target}:{ACCOUNT}:alarm:{down_alarm_name(bp.prefix)}"


def test_the_canarys_alarm_firing_while_it_is_impaired_is_a_false_positive(bp: Blueprint,
                                                                          rendered: Rendered) -> None:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        report = Standby(bp, rendered).run("ALARM")
    assert not report.ok
    assert any("a broken detector raised the failover alarm" in p for p in report.problems)


def test_a_canary_failing_silently_fails_the_game_day(bp: Blueprint, rendered: Rendered) -> None:
    """The canary's own alarm must say the detector is broken: without it, the day fails."""
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        report = Standby(bp, rendered).run("INSUFFICIENT_DATA", canary_alarm=False)
    assert any("canary-failing never entered ALARM" in p for p in report.problems)


def test_the_stackset_execution_role_may_create_the_experiment_and_resolve_the_layer(rendered: Rendered) -> None:
    roles = json.loads(rendered.files["roles/stackset-roles.json"])
    statements = [s for r in roles["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"
                  for s in r["Properties"]["PolicyDocument"]["Statement"]]
    by_sid = {s["Sid"]: s for s in statements}
    assert by_sid["ResolveFisExtensionLayer"]["Action"] == ["ssm:GetParameters"]
    assert by_sid["ResolveFisExtensionLayer"]["Resource"] == [
        {"Fn::Sub": f"arn:${{AWS::Partition}}:ssm:*::parameter{awsdata.FIS_LAMBDA_EXTENSION_PARAMETER}"}]
    assert "fis:CreateExperimentTemplate" in by_sid["Fis"]["Action"]
    assert {"Fn::Sub": "arn:${AWS::Partition}:lambda:*:*:layer:aws-fis-extension-x86_64:*"} in by_sid["Lambda"]["Resource"]


def test_without_the_canary_game_day_the_execution_role_is_unchanged() -> None:
    days = render_blueprint(valid(opted_in("trading-platform")))
    plain = render_blueprint(valid(opted_in("trading-platform", game_days={"enabled": False})))
    assert days.files["roles/stackset-roles.json"] == plain.files["roles/stackset-roles.json"]


@pytest.mark.parametrize("blueprint", ["trading-platform", "three-region", "region-switch"])
def test_the_canary_day_is_the_standbys_and_never_in_the_primarys_gamedays_stack(blueprint: str) -> None:
    bp = valid(impaired(blueprint))
    day = gamedays.by_name(bp, gamedays.CANARY_IMPAIRED)
    assert day is not None and day.where == "standby" and not day.fails_over
    assert gamedays.CANARY_IMPAIRED not in {d.name for d in gamedays.in_primary(bp)}
    rendered = render_blueprint(bp)
    assert "CanaryImpairedExperiment" not in json.loads(rendered.files["templates/gamedays.json"])["Resources"]
    assert "CanaryImpairedExperiment" in _orchestration(rendered)["Resources"]
