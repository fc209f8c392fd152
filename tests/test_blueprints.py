"""Every blueprint shipped in blueprints/ validates cleanly (its RTO objective checked against the unplanned path),
and the reference's budget is the documented one (docs/objectives.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from drgen.validation import check_file

BLUEPRINTS = sorted((Path(__file__).resolve().parents[1] / "blueprints").glob("*.yaml"))


@pytest.mark.parametrize("path", BLUEPRINTS, ids=lambda p: p.stem)
def test_blueprint_validates_without_findings(path: Path) -> None:
    result = check_file(path)
    assert result.ok and result.diagnostics == [], [d.text() for d in result.diagnostics]
    assert result.assessment is not None and result.assessment.rpo.met and result.assessment.rto.met


def test_the_three_examples_cover_the_strategies_and_shapes() -> None:
    models = {p.stem: check_file(p).blueprint for p in BLUEPRINTS}
    assert models["trading-platform"] and models["trading-platform"].strategy == "warm-standby"
    three = models["three-region"]
    assert three and three.strategy == "hot-standby" and len(three.secondaries) == 2
    minimal = models["minimal-backup-restore"]
    assert minimal and minimal.strategy == "backup-restore" and not minimal.functions


def test_reference_budget() -> None:
    result = check_file(BLUEPRINTS[[p.stem for p in BLUEPRINTS].index("trading-platform")])
    assert result.assessment is not None
    assert (result.assessment.rpo.millis, result.assessment.rto.millis) == (1_000, 1_491_000)
    assert result.assessment.rto is result.assessment.unplanned and result.assessment.planned.millis == 347_000
