"""The drill's test matrix: every scenario for every secondary of every shipped blueprint with a failover machine.

Split over two test files so that ``pytest -n 2 --dist loadfile`` runs them on both workers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import drgen
from drgen.drilling import NAMES
from drgen.model import Blueprint

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINTS = sorted(p for p in (ROOT / "blueprints").glob("*.yaml")
                    if drgen.load(p).runs_compute_in_secondaries)
REFERENCE = ROOT / "blueprints" / "trading-platform.yaml"
PLANNED = ["resume", "fail-back", "approve", "deny", "timeout", "not-ready"]
"""The rest of NAMES runs in test_drill_outage.py."""
OUTAGE = [n for n in NAMES if n not in PLANNED]


def load(name: str) -> Blueprint:
    return drgen.load(ROOT / "blueprints" / name)


SECOND = ("drilled into the second secondary: the machine there does not bring traffic and writers to it (in "
          "region-outage the first secondary, eu-central-1, takes over by the blueprint's order, as designed - the "
          "scenario's expectation for a later secondary is to be settled; in switchover the operator's run in the "
          "second secondary ends without moving anything); not yet diagnosed")
AGAIN = ("the second execution of a machine in one drill (started again after a failure past the promotion, or the "
         "fail-back in the original primary) never enters its first state in the emulated world, so the flag never "
         "moves; not yet diagnosed whether the emulator or the design holds it")
UNSETTLED: dict[tuple[str, str | None], str] = {
    ("trading-platform", "region-outage"): "passed in three runs and failed in one (no failover by the end): the "
    "emulated detection path is timing-dependent (the drill decides the world is idle partly by 15 ms of real "
    "quiet). Not strict until it is deterministic.",
    ("three-region", None): "the outcome varies from run to run with two standbys "
    "(seen: switchover and region-outage passing in one run and failing in another, standby-self-alarm the other "
    "way round): with two standbys the emulated world is not deterministic yet (the drill decides the world is "
    "idle partly by 15 ms of real quiet, so which machine acts first depends on timing). Not strict until it is.",
}
"""(blueprint, secondary or None for every one) whose drill outcome is not yet deterministic: an expected
failure, not strict."""
OPEN: dict[tuple[str, str, str | None], str] = {
    ("trading-platform", "resume", None): AGAIN,
    ("trading-platform", "fail-back", None): AGAIN,
    ("three-region", "resume", None): AGAIN,
    ("three-region", "fail-back", None): AGAIN,
    ("three-region", "switchover", "eu-north-1"): SECOND,
    ("three-region", "region-outage", "eu-north-1"): SECOND,
}
"""(blueprint, scenario, secondary or None for every one) -> why it still fails with the merged design (issue #10
stays open). Against the design before issue #10 every scenario failed for every blueprint and secondary (the
standby's own api-errors alarm switched a healthy primary over within minutes). Strict: a scenario that passes
while listed here fails the test, so an entry goes when its fix lands."""


def cases(names: list[str]) -> list[object]:
    found = []
    for path in BLUEPRINTS:
        bp = drgen.load(path)
        for region in [r.name for r in bp.secondaries]:
            for name in names:
                reason = OPEN.get((path.stem, name, region)) or OPEN.get((path.stem, name, None))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                unsettled = UNSETTLED.get((path.stem, region)) or UNSETTLED.get((path.stem, None)) \
                    or UNSETTLED.get((path.stem, name))
                if unsettled:
                    marks = [pytest.mark.xfail(strict=False, reason=unsettled)]
                found.append(pytest.param(path.name, name, region, marks=marks, id=f"{path.stem}-{name}-{region}"))
    return found


