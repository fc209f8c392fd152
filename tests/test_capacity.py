"""Capacity per strategy: a hot standby runs at full size (E320 otherwise); the other strategies may run smaller
secondaries, which the state machine scales up on failover."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from drgen.validation import check_text

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINTS = ROOT / "blueprints"
THREE = yaml.safe_load((BLUEPRINTS / "three-region.yaml").read_text())


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["pilot-light", "warm-standby", "hot-standby"]), st.integers(1, 16), st.integers(0, 16))
def test_only_a_smaller_hot_standby_is_refused(strategy: str, primary: int, secondary: int) -> None:
    data = {**THREE, "strategy": strategy}
    data["databases"] = [{**THREE["databases"][0], "instances_per_region": {"primary": primary, "secondary": secondary}}]
    result = check_text(yaml.safe_dump(data, sort_keys=False), base_dir=str(BLUEPRINTS))
    codes = [d.code for d in result.diagnostics if d.code == "E320"]
    assert codes == (["E320"] if strategy == "hot-standby" and secondary < primary else [])


def test_the_default_instances_of_a_hot_standby_are_refused_at_the_database() -> None:
    data = {**THREE, "databases": [{k: v for k, v in THREE["databases"][0].items() if k != "instances_per_region"}]}
    result = check_text(yaml.safe_dump(data, sort_keys=False), base_dir=str(BLUEPRINTS))
    (found,) = [d for d in result.diagnostics if d.code == "E320"]
    assert "1 secondary instance for 2 in the primary" in found.message and found.path == "databases[0]"
