"""The canary's own alarm, ``<prefix>-canary-failing``: rendered with the canary in every region that runs it,
evaluated in the emulated AWS from the Invocations and Errors datapoints the emulated Lambda puts as Lambda does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import drgen
from drgen.emulation import Emulation
from drgen.emulation.faults import bypassed
from drgen.emulation.metricmath import evaluate
from drgen.synth.detection import CANARY_FAILING, canary_alarm_name

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "trading-platform-prod"
STANDBY = "us-east-2"


@pytest.fixture(scope="module")
def rendered() -> Any:
    return drgen.render(drgen.load(ROOT / "blueprints" / "trading-platform.yaml"))


@pytest.fixture
def world(rendered: Any) -> Iterator[Emulation]:
    from moto import mock_aws

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}), Emulation(rendered) as em:
        yield em


def test_the_alarm_is_rendered_with_the_canary_on_its_invocations_and_errors(rendered: Any) -> None:
    template = json.loads(rendered.files["templates/orchestration.json"])
    resources = template["Resources"]
    assert "CanaryFunction" in resources
    alarm = resources["CanaryFailingAlarm"]["Properties"]
    assert alarm["AlarmName"] == canary_alarm_name(PREFIX) == f"{PREFIX}-canary-failing"
    assert alarm["TreatMissingData"] == "breaching" and alarm["Threshold"] == 1
    stats = {q["Id"]: q["MetricStat"] for q in alarm["Metrics"] if "MetricStat" in q}
    assert {s["Metric"]["MetricName"] for s in stats.values()} == {"Invocations", "Errors"}
    for stat in stats.values():
        assert stat["Metric"]["Namespace"] == "AWS/Lambda" and stat["Stat"] == "Sum"
        assert stat["Metric"]["Dimensions"] == [{"Name": "FunctionName", "Value": f"{PREFIX}-canary"}]
        assert stat["Period"] == drgen.load(ROOT / "blueprints" / "trading-platform.yaml") \
            .failover.detection.probe_interval.whole_seconds
    (expression,) = [q for q in alarm["Metrics"] if q.get("ReturnData")]
    assert expression["Expression"] == CANARY_FAILING
    assert alarm["AlarmActions"] and alarm["OKActions"]  # it pages
    manifest = json.loads(rendered.files["manifest.json"])
    assert set(manifest["stacks"]["orchestration"]["regions"]) >= {STANDBY}


@pytest.mark.parametrize(("invocations", "errors", "expected"), [
    (None, None, 1.0),  # it did not run
    (1.0, 0.0, 0.0),  # it ran and succeeded
    (1.0, 1.0, 1.0),  # it ran and failed
    (2.0, None, 0.0),  # Errors missing while it ran: no error
])
def test_the_expression_says_failing_when_it_did_not_run_or_failed(invocations: float | None, errors: float | None,
                                                                   expected: float) -> None:
    assert evaluate(CANARY_FAILING, {"invocations": invocations, "errors": errors}) == expected


def test_metric_math_the_emulation_cannot_evaluate_is_refused() -> None:
    with pytest.raises(ValueError, match="does not evaluate"):
        evaluate("ANOMALY_DETECTION_BAND(m1, 2)", {"m1": 1.0})
    assert evaluate("m1 + m2", {"m1": 1.0, "m2": None}) is None  # no data without FILL, as CloudWatch


def _state(em: Emulation, region: str) -> str:
    (alarm,) = [a for a in em.alarms.in_region(region) if a.name == canary_alarm_name(PREFIX)]
    return alarm.state


def _lambda_points(em: Emulation, region: str, name: str) -> list[float]:
    from moto.cloudwatch.models import cloudwatch_backends

    return [float(d.value) for d in cloudwatch_backends["123456789012"][region].metric_data
            if d.namespace == "AWS/Lambda" and d.name == name
            and {(x.name, x.value) for x in d.dimensions} == {("FunctionName", f"{PREFIX}-canary")}]


def test_a_running_canary_keeps_it_ok_and_a_failing_one_raises_it(world: Emulation) -> None:
    world.clock.advance(world.clock.now() + 300)
    assert _lambda_points(world, STANDBY, "Invocations") and set(_lambda_points(world, STANDBY, "Errors")) == {0.0}
    assert _state(world, STANDBY) == "OK"
    # the canary's configuration broken: every invocation is a function error
    with bypassed():
        world.client("lambda", STANDBY).update_function_configuration(
            FunctionName=f"{PREFIX}-canary", Environment={"Variables": {"DRGEN_CONFIG": "not json"}})
    world.clock.advance(world.clock.now() + 180)
    assert 1.0 in _lambda_points(world, STANDBY, "Errors")
    assert _state(world, STANDBY) == "ALARM"
    assert any(subject == f"ALARM: {canary_alarm_name(PREFIX)}" for _, subject, _ in world.messages())


def test_a_canary_that_stops_running_raises_it(world: Emulation) -> None:
    world.clock.advance(world.clock.now() + 300)
    assert _state(world, STANDBY) == "OK"
    (schedule,) = [r for r in world.rules.rules if r.region == STANDBY and r.name == f"{PREFIX}-probe-active-region"]
    schedule.properties["State"] = "DISABLED"  # its schedule off: no invocation, no datapoint
    world.clock.advance(world.clock.now() + 180)
    assert _state(world, STANDBY) == "ALARM"
