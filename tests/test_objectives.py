"""The objective assessment on the reference blueprint and on variations of it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from drgen import build, objectives, resources

ROOT = Path(__file__).resolve().parents[1]
REFERENCE: dict[str, Any] = yaml.safe_load((ROOT / "blueprints" / "trading-platform.yaml").read_text())


def _assess(**changes: Any) -> objectives.Assessment:
    data = copy.deepcopy(REFERENCE)
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split("__")
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[last] = value
    return objectives.assess(build.blueprint(resources.schema(), data))


def test_reference_budget() -> None:
    a = _assess()
    assert a.rpo.millis == 1000 and a.rpo.met
    assert a.rpo.dominant.startswith("database trading")
    assert a.rto.millis == 260_000 and a.rto.met
    assert a.rto.dominant == "Aurora switchover or failover"
    assert [s.millis for s in a.stores] == [900_000, 900_000]
    assert objectives.findings(a) == []


def test_rto_not_met_names_the_dominant_component() -> None:
    found = objectives.findings(_assess(objectives__rto="3m"))
    assert [(code, path) for code, _, path in found] == [("E702", ("objectives", "rto"))]
    assert "Aurora switchover or failover" in found[0][1]


def test_rpo_not_met_without_time_control() -> None:
    a = _assess(buckets__0__replication={"time_control": False}, buckets__0__rpo="1h")
    found = objectives.findings(a)
    assert [(code, path) for code, _, path in found] == [("E701", ("buckets", 0, "rpo"))]
    assert "without time control" in found[0][1]


def test_store_without_its_own_rpo_is_judged_against_the_objective() -> None:
    data_without_override = _assess(buckets__0__rpo=None)
    assert data_without_override.rpo.dominant.startswith("bucket config")
    assert not data_without_override.rpo.met


def test_manual_mode_adds_the_operator() -> None:
    a = _assess(failover__mode="manual")
    assert any(t.source == "operator" for t in a.rto.terms)
    assert a.rto.millis == 260_000 + objectives.OPERATOR_RESPONSE


@pytest.mark.parametrize("strategy, lower, upper", [
    ("hot-standby", 0, 5 * 60_000), ("pilot-light", 0, 6 * 60_000), ("backup-restore", 50 * 60_000, None)])
def test_strategies_shift_the_rto(strategy: str, lower: int, upper: int | None) -> None:
    a = _assess(strategy=strategy)
    assert a.rto.millis >= lower
    if upper is not None:
        assert a.rto.millis <= upper


def test_backup_restore_rpo_is_the_backup_interval() -> None:
    a = _assess(strategy="backup-restore", objectives__rpo="2h")
    assert a.rpo.millis == objectives.BACKUP_INTERVAL + objectives.BACKUP_COPY


def test_thin_margin_is_a_warning() -> None:
    found = objectives.findings(_assess(objectives__rto="270s"))
    assert [code for code, _, _ in found] == ["W703"]


def test_budget_lines_show_every_term_with_its_source() -> None:
    lines = objectives.budget_lines(_assess())
    assert lines[0].startswith("RPO 1m: estimated 1s, met")
    assert any("docs/objectives.md#route53-detection" in line for line in lines)
    assert any(line.startswith("note: messages waiting") for line in lines)


def test_every_source_anchor_is_documented() -> None:
    text = (ROOT / "docs" / "objectives.md").read_text()
    a = _assess()
    for term in (*a.rpo.terms, *a.rto.terms):
        assert f'id="{term.source}"' in text
