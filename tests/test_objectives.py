"""The objective assessment on the reference blueprint and on variations of it.

Figures are asserted as sums of the named constants of ``drgen.objectives`` (each documented, with its
source, in docs/objectives.md), so a test says which steps a design is made of, not just a number.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from drgen import build, objectives, resources
from drgen.durations import Duration
from drgen.objectives import (
    ALARM_PERIOD,
    AURORA_PROMOTION,
    BACKUP_COPY,
    BACKUP_INTERVAL,
    CONSUMERS,
    DEPLOY_COMPUTE,
    DYNAMODB_REPLICATION,
    OPERATOR_RESPONSE,
    ORCHESTRATION,
    PILOT_LIGHT_SCALE,
    RESTORE_CLUSTER,
    S3_NO_RTC,
    S3_RTC,
    Estimate,
)
from drgen.validation import check_text

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_FILE = ROOT / "blueprints" / "trading-platform.yaml"
REFERENCE: dict[str, Any] = yaml.safe_load(REFERENCE_FILE.read_text())
DOCS = (ROOT / "docs" / "objectives.md").read_text()
DELETE = object()
S, MIN = 1000, 60_000

# The reference: warm standby, Route 53 10s x 3, TTL 60s, one Aurora global database.
DETECTION = 10 * S * 3
HEALTHY_AGAIN = 10 * S * 3
TTL = 60 * S
REFERENCE_RTO = DETECTION + ORCHESTRATION + AURORA_PROMOTION + CONSUMERS + HEALTHY_AGAIN + TTL


def _data(**changes: Any) -> dict[str, Any]:
    """The reference blueprint with ``a__b__0__c=value`` changes (``DELETE`` removes the key)."""
    data = copy.deepcopy(REFERENCE)
    for dotted, value in changes.items():
        node: Any = data
        *parents, last = dotted.split("__")
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return data


def _assess(**changes: Any) -> objectives.Assessment:
    return objectives.assess(build.blueprint(resources.schema(), _data(**changes)))


def _codes(found: list[tuple[str, str, tuple[str | int, ...]]]) -> list[tuple[str, tuple[str | int, ...]]]:
    return [(code, path) for code, _, path in found]


# ---- the reference -----------------------------------------------------------------------------------

def test_reference_budget() -> None:
    a = _assess()
    assert (a.rpo.millis, a.rpo.met) == (1000, True)
    assert a.rpo.dominant == "database trading (Aurora lag bound, max_replication_lag)"
    assert [t.millis for t in a.rpo.terms] == [1000, DYNAMODB_REPLICATION]
    assert (a.rto.millis, a.rto.met) == (REFERENCE_RTO, True) and REFERENCE_RTO == 260_000
    assert a.rto.dominant == "Aurora switchover or failover"
    assert [t.source for t in a.rto.terms] == ["route53-detection", "orchestration", "aurora-promotion", "consumers",
                                               "route53-detection", "dns-ttl"]
    assert [(s.millis, s.target.millis, s.met) for s in a.stores] == [(S3_RTC, 15 * MIN, True)] * 2
    assert objectives.findings(a) == []
    assert a.rto.margin == pytest.approx(1 - 260 / 300)


def test_reference_end_to_end_through_validation() -> None:
    result = check_text(REFERENCE_FILE.read_text(), "trading-platform.yaml", str(REFERENCE_FILE.parent))
    assert result.ok and result.blueprint is not None and result.assessment is not None
    assert not [d for d in result.diagnostics if d.code.startswith(("E7", "W7"))]
    assert result.assessment == objectives.assess(result.blueprint)
    lines = objectives.budget_lines(result.assessment)
    assert lines[0] == ("RPO 1m: estimated 1s, met (98% margin); dominated by database trading "
                        "(Aurora lag bound, max_replication_lag)")
    assert "RTO 5m: estimated 4m 20s, met (13% margin); dominated by Aurora switchover or failover" in lines


def test_the_assessment_is_json_ready_and_deterministic() -> None:
    first, second = _assess().to_dict(), _assess().to_dict()
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert first["rto"]["estimate_ms"] == REFERENCE_RTO and first["rto"]["path"] == ["objectives", "rto"]
    assert first["stores"][0]["path"] == ["buckets", "0", "rpo"]
    assert sum(t["ms"] for t in first["rto"]["terms"]) == first["rto"]["estimate_ms"]


# ---- RPO: per store ----------------------------------------------------------------------------------

def test_rpo_not_met_points_at_the_store_that_breaks_it_with_its_fix() -> None:
    found = objectives.findings(_assess(buckets__0__rpo=DELETE))
    assert _codes(found) == [("E701", ("buckets", 0))]
    assert found[0][1].startswith("bucket config cannot meet RPO 1m: it replicates in an estimated 15m (S3 "
                                  "Replication Time Control); set this bucket's own rpo to 15m or more")


def test_every_store_that_breaks_the_rpo_is_a_finding_of_its_own() -> None:
    found = objectives.findings(_assess(buckets__0__rpo=DELETE, buckets__1__rpo=DELETE,
                                        buckets__1__replication={"time_control": False}))
    assert _codes(found) == [("E701", ("buckets", 0)), ("E701", ("buckets", 1))]
    assert "enable replication.time_control" in found[1][1] and "time_control" not in found[0][1]


def test_a_store_with_its_own_rpo_is_judged_against_it_not_the_objective() -> None:
    a = _assess(buckets__0__rpo="1h")
    assert a.stores[0].dominant == "bucket config (S3 Replication Time Control)"
    assert (a.stores[0].millis, a.stores[0].target.millis, a.stores[0].met) == (S3_RTC, 60 * MIN, True)
    assert all("bucket" not in t.component for t in a.rpo.terms), "a store with its own rpo leaves the objective"
    assert objectives.findings(a) == []


def test_a_store_rpo_below_its_service_figure_is_an_error_at_that_store() -> None:
    found = objectives.findings(_assess(buckets__1__rpo="5m"))
    assert _codes(found) == [("E701", ("buckets", 1, "rpo"))]
    assert "audit-logs" in found[0][1] and "set its rpo to 15m or more" in found[0][1]


def test_a_bucket_without_time_control_has_no_bound() -> None:
    a = _assess(buckets__0__replication={"time_control": False}, buckets__0__rpo="1h")
    found = objectives.findings(a)
    assert _codes(found) == [("E701", ("buckets", 0, "rpo"))]
    assert a.stores[0].millis == S3_NO_RTC and "without time control" in found[0][1]


def test_table_and_database_overrides() -> None:
    a = _assess(tables__0__rpo="500ms", databases__0__rpo="10s")
    assert _codes(objectives.findings(a)) == [("E701", ("tables", 0, "rpo"))]
    database = next(s for s in a.stores if s.path == ("databases", 0, "rpo"))
    assert (database.millis, database.met) == (1000, True)
    assert a.rpo.terms == (), "every store set its own rpo"
    assert (a.rpo.millis, a.rpo.met, a.rpo.dominant) == (0, True, "no replicated data store")


def test_the_aurora_rpo_is_the_blueprints_lag_bound() -> None:
    a = _assess(databases__0__max_replication_lag="5s", objectives__rpo="4s")
    found = objectives.findings(a)
    assert _codes(found) == [("E701", ("databases", 0))] and "lower its max_replication_lag" in found[0][1]
    assert a.rpo.millis == 5000 and a.rpo.dominant.startswith("database trading")


def test_backup_restore_rpo_is_the_backup_interval_and_copy() -> None:
    a = _assess(strategy="backup-restore", objectives__rpo="2h", objectives__rto="4h")
    assert a.rpo.millis == BACKUP_INTERVAL + BACKUP_COPY == 90 * MIN
    assert a.rpo.dominant.startswith("database trading (hourly backup")
    found = objectives.findings(_assess(strategy="backup-restore", objectives__rto="4h"))
    assert _codes(found) == [("E701", ("databases", 0))] and "a warmer strategy" in found[0][1]


# ---- RTO: a sum of steps -----------------------------------------------------------------------------

def test_rto_not_met_names_the_dominant_component() -> None:
    found = objectives.findings(_assess(objectives__rto="3m"))
    assert _codes(found) == [("E702", ("objectives", "rto"))]
    assert "estimated 4m 20s, dominated by Aurora switchover or failover (2m)" in found[0][1]


def test_rto_error_points_at_the_objective_in_the_file() -> None:
    text = yaml.safe_dump(_data(objectives__rto="3m"), sort_keys=False)
    result = check_text(text, "bp.yaml", str(REFERENCE_FILE.parent))
    [diagnostic] = [d for d in result.diagnostics if d.code == "E702"]
    line = next(i for i, row in enumerate(text.splitlines(), 1) if re.match(r"\s+rto: 3m", row))
    assert diagnostic.line == line and not result.ok


def test_manual_mode_adds_the_operator() -> None:
    a = _assess(failover__mode="manual")
    assert a.rto.terms[0].source == "operator"
    assert a.rto.millis == REFERENCE_RTO + OPERATOR_RESPONSE
    assert a.rto.dominant == "operator decision (failover.mode manual)"
    assert _codes(objectives.findings(a)) == [("E702", ("objectives", "rto"))]


@pytest.mark.parametrize("strategy, expected", [
    ("hot-standby", REFERENCE_RTO - CONSUMERS),
    ("warm-standby", REFERENCE_RTO),
    ("pilot-light", REFERENCE_RTO - CONSUMERS + PILOT_LIGHT_SCALE),
    # the runbook is run by a person; the Route 53 alarm pages them; no standby record: the deploy moves DNS
    ("backup-restore", OPERATOR_RESPONSE + DETECTION + RESTORE_CLUSTER + DEPLOY_COMPUTE + TTL),
])
def test_strategies_shift_the_rto(strategy: str, expected: int) -> None:
    assert _assess(strategy=strategy, objectives__rpo="2h").rto.millis == expected


def test_backup_restore_is_much_slower_than_hot_standby() -> None:
    hot = _assess(strategy="hot-standby").rto.millis
    cold = _assess(strategy="backup-restore", objectives__rpo="2h").rto.millis
    assert cold > 10 * hot
    assert _assess(strategy="backup-restore", objectives__rpo="2h").rto.dominant == \
        "restore Aurora from the copied backup"


def test_backup_restore_without_a_database_is_operator_and_deploy() -> None:
    a = _assess(strategy="backup-restore", databases=[], dns=DELETE, api__routes=[
        {"method": "POST", "path": "/trades", "target": {"queue": "trade-orders"}}],
        functions__0__access=[{"table": "user-sessions", "mode": "read-write"}])
    assert [t.source for t in a.rto.terms] == ["operator", "alarms", "deploy-compute"]
    assert a.rto.millis == OPERATOR_RESPONSE + 3 * ALARM_PERIOD + DEPLOY_COMPUTE


def test_without_dns_the_failover_alarm_detects() -> None:
    a = _assess(dns=DELETE)
    assert a.rto.terms[0].component == "detection (alarm: 3 x 1m)"
    assert a.rto.millis == 3 * ALARM_PERIOD + ORCHESTRATION + AURORA_PROMOTION + CONSUMERS


def test_the_faster_of_health_check_and_alarm_detects() -> None:
    slow_check = {"path": "/health", "interval": "30s", "failure_threshold": 10}
    a = _assess(dns__health_check=slow_check, alarms__0__periods=1)
    assert a.rto.terms[0].component == "detection (alarm: 1 x 1m)" and a.rto.terms[0].millis == ALARM_PERIOD
    b = _assess(dns__health_check=slow_check)  # the reference's failover alarms: 3 periods, under 300s
    assert b.rto.terms[0].component == "detection (alarm: 3 x 1m)"
    c = _assess(dns__health_check=slow_check, alarms=[dict(x, triggers_failover=False) for x in REFERENCE["alarms"]])
    assert c.rto.terms[0].component == "detection (Route 53: 30s x 10)" and c.rto.terms[0].millis == 300 * S


def test_no_failover_alarm_and_no_dns_means_an_operator_notices() -> None:
    alarms = [dict(a, triggers_failover=False) for a in REFERENCE["alarms"]]
    a = _assess(dns=DELETE, alarms=alarms)
    assert a.rto.terms[0].component == "detection (no failover alarm: an operator notices)"
    assert a.rto.terms[0].millis == OPERATOR_RESPONSE


@pytest.mark.parametrize("ttl, interval, threshold", [("5s", "10s", 1), ("300s", "30s", 10), ("60s", "10s", 3)])
def test_dns_settings_enter_the_rto_as_written(ttl: str, interval: str, threshold: int) -> None:
    a = _assess(dns__ttl=ttl, dns__health_check={"path": "/health", "interval": interval,
                                                 "failure_threshold": threshold})
    check = Duration(int(interval[:-1]) * S).millis * threshold
    detection = min(check, 3 * ALARM_PERIOD)  # or the reference's 3-period failover alarms, when faster
    assert a.rto.millis == REFERENCE_RTO - DETECTION - HEALTHY_AGAIN - TTL + detection + check + int(ttl[:-1]) * S


def test_thin_margin_is_a_warning() -> None:
    found = objectives.findings(_assess(objectives__rto="270s"))
    assert _codes(found) == [("W703", ("objectives", "rto"))]
    assert "4% to spare" in found[0][1]


def test_exactly_met_is_met_with_no_margin() -> None:
    estimate = Estimate("rto", Duration(REFERENCE_RTO), REFERENCE_RTO, (), "x")
    assert estimate.met and estimate.margin == 0
    assert not Estimate("rto", Duration(REFERENCE_RTO), REFERENCE_RTO + 1, (), "x").met


# ---- the budget and its sources ----------------------------------------------------------------------

def test_budget_lines_show_every_term_with_its_source() -> None:
    a = _assess()
    lines = objectives.budget_lines(a)
    for term in (*a.rpo.terms, *a.rto.terms):
        assert any(term.component in line and f"[docs/objectives.md#{term.source}]" in line for line in lines)
    assert any("bucket config (S3 Replication Time Control): own rpo 15m, met" in line for line in lines)
    assert lines[-1].startswith("note: messages waiting")


VARIANTS: list[dict[str, Any]] = [{}, {"strategy": "backup-restore"}, {"strategy": "pilot-light"}, {"failover__mode": "manual"},
            {"dns": DELETE}, {"buckets__0__replication": {"time_control": False}}]


@pytest.mark.parametrize("changes", VARIANTS)
def test_every_source_anchor_is_documented(changes: dict[str, Any]) -> None:
    a = _assess(**changes)
    for term in (*a.rpo.terms, *a.rto.terms, *(t for s in a.stores for t in s.terms)):
        assert f'<a id="{term.source}"></a>' in DOCS, term.source


def test_every_documented_anchor_is_used() -> None:
    used = {t.source for changes in VARIANTS for a in [_assess(**changes)]
            for t in (*a.rpo.terms, *a.rto.terms, *(t for s in a.stores for t in s.terms))}
    used |= {t.source for t in _assess(dns=DELETE, alarms=[dict(x, triggers_failover=False)
                                                           for x in REFERENCE["alarms"]]).rto.terms}
    documented = set(re.findall(r'^\| <a id="([a-z0-9-]+)"></a>', DOCS, re.MULTILINE))  # the figure tables' rows
    assert documented == used


# ---- findings on a blueprint with other errors ---------------------------------------------------------

def test_objectives_are_assessed_although_another_part_has_errors() -> None:
    data = _data(buckets__0__rpo=DELETE)
    data["queues"][0]["retention"] = "15d"  # E402, unrelated to the objectives
    result = check_text(yaml.safe_dump(data, sort_keys=False), "bp.yaml", str(REFERENCE_FILE.parent))
    assert sorted((d.code, d.path) for d in result.diagnostics if d.is_error) == [
        ("E402", "queues[0].retention"), ("E701", "buckets[0]")]


def test_a_broken_store_is_left_out_and_never_invents_a_finding() -> None:
    data = _data(buckets__0__rpo=DELETE)
    data["buckets"][0]["replication"] = {"time_control": "yes"}  # E103: the bucket cannot be judged
    result = check_text(yaml.safe_dump(data, sort_keys=False), "bp.yaml", str(REFERENCE_FILE.parent))
    assert [d.code for d in result.diagnostics if d.is_error] == ["E103"]


def test_the_rto_is_not_judged_when_what_it_rests_on_is_broken() -> None:
    data = _data(objectives__rto="3m")
    data["dns"]["health_check"]["interval"] = "20s"  # E104: detection cannot be estimated
    result = check_text(yaml.safe_dump(data, sort_keys=False), "bp.yaml", str(REFERENCE_FILE.parent))
    assert "E702" not in [d.code for d in result.diagnostics]
    data["dns"]["health_check"]["interval"] = "10s"
    data["queues"][0]["retention"] = "15d"
    result = check_text(yaml.safe_dump(data, sort_keys=False), "bp.yaml", str(REFERENCE_FILE.parent))
    assert sorted(d.code for d in result.diagnostics if d.is_error) == ["E402", "E702"]
