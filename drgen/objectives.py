"""The objective assessment: an RTO and RPO estimate built from the blueprint's parts.

Each figure is a ``Term`` naming the component it comes from and the anchor of docs/objectives.md that
gives its source (published wording, or drgen's assumption where AWS publishes none). RPO is judged per
data store: a store with its own ``rpo`` against that, every other store against ``objectives.rpo``.
RTO is a sum: detection, decision, orchestration, promotion, compute, traffic. docs/objectives.md also
lists the steps of drgen's failover path the sum does not count yet ("What the estimate leaves out").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from drgen.durations import Duration, format_millis, human
from drgen.model import Blueprint

S = 1000
MIN = 60 * S

# One constant a figure; docs/objectives.md quotes the source of each (anchor in brackets).
AURORA_PROMOTION = 2 * MIN          # [aurora-promotion] "assumes the primary role within a few minutes"
DYNAMODB_REPLICATION = 1 * S        # [dynamodb-replication] "usually propagated ... within a second"; no SLA
S3_RTC = 15 * MIN                   # [s3-rtc] 99.9 % (user guide) / 99.99 % of objects within 15 minutes
S3_NO_RTC = 24 * 60 * MIN           # [s3-replication] no published bound: drgen counts a day
BACKUP_INTERVAL = 60 * MIN          # [aws-backup] drgen's hourly plan, the shortest interval AWS Backup takes
BACKUP_COPY = 30 * MIN              # [aws-backup] cross-Region copy of a recovery point: drgen's assumption
ALARM_PERIOD = 1 * MIN              # [alarms] drgen's alarms evaluate one-minute periods
OPERATOR_RESPONSE = 15 * MIN        # [operator] paging an operator who decides and acts: drgen's assumption
ORCHESTRATION = 15 * S              # [orchestration] event -> execution -> readiness Lambda (cold start, checks)
CONSUMERS = 5 * S                   # [consumers] enabling the standby's event source mappings
PILOT_LIGHT_SCALE = 1 * MIN         # [pilot-light] lifting reserved concurrency 0, cold starts under load
RESTORE_CLUSTER = 60 * MIN          # [aurora-restore] snapshot -> new cluster: "up to a few hours" for large ones
DEPLOY_COMPUTE = 20 * MIN           # [deploy-compute] the runbook's render and deploy into the recovery region
THIN_MARGIN = 0.10


@dataclass(frozen=True)
class Term:
    component: str
    millis: int
    source: str
    """The anchor of the figure's source in docs/objectives.md."""


@dataclass(frozen=True)
class Estimate:
    objective: Literal["rpo", "rto"]
    target: Duration
    millis: int
    terms: tuple[Term, ...]
    dominant: str
    path: tuple[str | int, ...] = ()
    """Where the target is written in the blueprint."""

    @property
    def met(self) -> bool:
        return self.millis <= self.target.millis

    @property
    def margin(self) -> float:
        return 1 - self.millis / self.target.millis if self.target.millis else (0.0 if self.met else -1.0)

    def to_dict(self) -> dict[str, Any]:
        return {"objective": self.objective, "target_ms": self.target.millis, "estimate_ms": self.millis,
                "met": self.met, "dominant": self.dominant, "path": [str(p) for p in self.path],
                "terms": [{"component": t.component, "ms": t.millis, "source": t.source} for t in self.terms]}


@dataclass(frozen=True)
class Assessment:
    strategy: str
    rpo: Estimate
    """The worst store judged against ``objectives.rpo`` (and the stores judged against their own rpo below)."""
    rto: Estimate
    stores: tuple[Estimate, ...]
    """Stores that set their own ``rpo``, each judged against it."""
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"strategy": self.strategy, "rpo": self.rpo.to_dict(), "rto": self.rto.to_dict(),
                "stores": [s.to_dict() for s in self.stores], "notes": list(self.notes)}


def _store_terms(bp: Blueprint) -> list[tuple[Term, Duration | None, tuple[str | int, ...]]]:
    out: list[tuple[Term, Duration | None, tuple[str | int, ...]]] = []
    for i, db in enumerate(bp.databases):
        if bp.strategy == "backup-restore":
            term = Term(f"database {db.name} (hourly backup + cross-region copy)", BACKUP_INTERVAL + BACKUP_COPY,
                        "aws-backup")
        else:
            term = Term(f"database {db.name} (Aurora lag bound, max_replication_lag)", db.max_replication_lag.millis,
                        "aurora-replication")
        out.append((term, db.rpo, ("databases", i, "rpo")))
    for i, table in enumerate(bp.tables):
        out.append((Term(f"table {table.name} (DynamoDB global table replication)", DYNAMODB_REPLICATION,
                         "dynamodb-replication"), table.rpo, ("tables", i, "rpo")))
    for i, bucket in enumerate(bp.buckets):
        term = (Term(f"bucket {bucket.name} (S3 Replication Time Control)", S3_RTC, "s3-rtc") if bucket.time_control
                else Term(f"bucket {bucket.name} (S3 replication without time control)", S3_NO_RTC, "s3-replication"))
        out.append((term, bucket.rpo, ("buckets", i, "rpo")))
    return out


def _worst(terms: list[Term]) -> Term | None:
    return max(terms, key=lambda t: t.millis) if terms else None


def _detection(bp: Blueprint) -> Term | None:
    """The fastest automatic way the design notices the primary failing: a Route 53 health check or a failover
    alarm. ``None`` when nothing automatic starts the recovery (an operator does)."""
    ways: list[Term] = []
    if bp.dns is not None:
        hc = bp.dns.health_check
        ways.append(Term(f"detection (Route 53: {hc.interval} x {hc.failure_threshold})",
                         hc.interval.millis * hc.failure_threshold, "route53-detection"))
    periods = [a.periods for a in bp.alarms if a.triggers_failover]
    if periods:
        ways.append(Term(f"detection (alarm: {min(periods)} x 1m)", min(periods) * ALARM_PERIOD, "alarms"))
    return min(ways, key=lambda t: t.millis) if ways else None


def _rto_terms(bp: Blueprint) -> list[Term]:
    terms: list[Term] = []
    detection = _detection(bp)
    # backup-restore has no state machine: its recovery is the runbook, which a person runs
    if bp.failover.mode == "manual" or bp.strategy == "backup-restore":
        reason = "failover.mode manual" if bp.failover.mode == "manual" else "backup-restore: the runbook"
        terms.append(Term(f"operator decision ({reason})", OPERATOR_RESPONSE, "operator"))
        if detection is not None:  # what pages the operator
            terms.append(detection)
    else:
        terms.append(detection or Term("detection (no failover alarm: an operator notices)", OPERATOR_RESPONSE,
                                       "operator"))
    if bp.strategy == "backup-restore":
        if bp.databases:
            terms.append(Term("restore Aurora from the copied backup", RESTORE_CLUSTER, "aurora-restore"))
        terms.append(Term("deploy compute into the recovery region", DEPLOY_COMPUTE, "deploy-compute"))
    else:
        terms.append(Term("orchestration (start, readiness check)", ORCHESTRATION, "orchestration"))
        if bp.databases:
            terms.append(Term("Aurora switchover or failover", AURORA_PROMOTION, "aurora-promotion"))
        if bp.strategy == "pilot-light":
            terms.append(Term("scale compute from zero (pilot light)", PILOT_LIGHT_SCALE, "pilot-light"))
        elif bp.strategy == "warm-standby":
            terms.append(Term("enable the standby's queue consumers", CONSUMERS, "consumers"))
    if bp.dns is not None:
        hc = bp.dns.health_check
        if bp.runs_compute_in_secondaries:  # backup-restore has no standby record: its runbook deploys one
            terms.append(Term(f"the standby's health check turns healthy ({hc.interval} x {hc.failure_threshold})",
                              hc.interval.millis * hc.failure_threshold, "route53-detection"))
        terms.append(Term(f"resolver caches expire (TTL {bp.dns.ttl})", bp.dns.ttl.millis, "dns-ttl"))
    return terms


def assess(bp: Blueprint) -> Assessment:
    """The RTO and RPO estimate of ``bp`` (pure)."""
    general: list[Term] = []
    stores: list[Estimate] = []
    for term, own, path in _store_terms(bp):
        if own is None:
            general.append(term)
        else:
            stores.append(Estimate("rpo", own, term.millis, (term,), term.component, path))
    worst = _worst(general)
    rpo = Estimate("rpo", bp.objectives.rpo, worst.millis if worst else 0, tuple(general),
                   worst.component if worst else "no replicated data store", ("objectives", "rpo"))
    rto_terms = _rto_terms(bp)
    dominant = _worst(rto_terms)
    rto = Estimate("rto", bp.objectives.rto, sum(t.millis for t in rto_terms), tuple(rto_terms),
                   dominant.component if dominant else "nothing", ("objectives", "rto"))
    notes = []
    if bp.queues:
        notes.append("messages waiting in the failed region's queues are not replicated: they are processed "
                     "when that region returns (make producers retry, or keep queues short)")
    return Assessment(bp.strategy, rpo, rto, tuple(stores), tuple(notes))


def _advice(estimate: Estimate) -> str:
    if estimate.objective == "rto":
        return ("raise the objective, or shorten the dominant term (health-check interval and threshold, DNS TTL, "
                "a warmer strategy, failover.mode automatic)")
    if estimate.path[:1] == ("objectives",):
        return ("raise the objective, or change the dominant component (e.g. enable time_control, lower "
                "max_replication_lag, set a store's own rpo)")
    # a store's own rpo below what its service can do: the figure is the service's, only the store can change
    return (f"a store's own rpo cannot be below its service's figure: set it to at least "
            f"{format_millis(estimate.millis)}, or change the store (e.g. enable time_control, lower "
            "max_replication_lag)")


def findings(assessment: Assessment) -> list[tuple[str, str, tuple[str | int, ...]]]:
    """Diagnostics for objectives that are not met (E701/E702) or met with a thin margin (W703)."""
    out: list[tuple[str, str, tuple[str | int, ...]]] = []
    for estimate in (assessment.rpo, *assessment.stores, assessment.rto):
        figure = human(estimate.millis)
        name = estimate.objective.upper()
        if not estimate.met:
            code = "E701" if estimate.objective == "rpo" else "E702"
            advice = _advice(estimate)
            out.append((code, f"the design cannot meet {name} {estimate.target}: estimated {figure}, dominated by "
                              f"{estimate.dominant} ({human(max(t.millis for t in estimate.terms))}); {advice}",
                        estimate.path))
        elif estimate.margin < THIN_MARGIN and estimate.millis and estimate.path[:1] == ("objectives",):
            # a store's own rpo is the owner's explicit acceptance of its service's bound: no warning
            out.append(("W703", f"{name} {estimate.target} is met with a thin margin: estimated {figure} "
                                f"({estimate.margin:.0%} to spare), dominated by {estimate.dominant}", estimate.path))
    return out


def budget_lines(assessment: Assessment) -> list[str]:
    """The assessment for people, one line a figure (``drgen validate`` prints it)."""
    lines: list[str] = []
    for estimate in (assessment.rpo, assessment.rto):
        verdict = "met" if estimate.met else "NOT MET"
        lines.append(f"{estimate.objective.upper()} {estimate.target}: estimated {human(estimate.millis)}, {verdict}"
                     f" ({estimate.margin:.0%} margin); dominated by {estimate.dominant}")
        for term in estimate.terms:
            lines.append(f"  {human(term.millis):>9}  {term.component}  [docs/objectives.md#{term.source}]")
        if estimate.objective == "rpo":
            for store in assessment.stores:
                verdict = "met" if store.met else "NOT MET"
                lines.append(f"  {human(store.millis):>9}  {store.dominant}: own rpo {store.target}, {verdict}")
    lines.extend(f"note: {note}" for note in assessment.notes)
    return lines
