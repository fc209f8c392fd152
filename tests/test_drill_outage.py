"""The outage scenarios of the drill (switchover, region-outage, probe-blip, standby-self-alarm, race)."""

from __future__ import annotations

import pytest

from drgen.drilling import drill
from tests.drillcases import OUTAGE, cases, load


@pytest.mark.parametrize(("blueprint", "scenario", "region"), cases(OUTAGE))
def test_scenario(blueprint: str, scenario: str, region: str) -> None:
    report = drill(load(blueprint), [scenario], region)
    (result,) = report.scenarios
    assert result.ok, report.text()
