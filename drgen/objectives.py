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
    path: tuple[str | int, ...] = ()
    """For a data store's term, the store's entry in the blueprint (``("buckets", 1)``)."""
    change: str = ""
    """For a data store's term, what in the store would lower its figure (empty: nothing, its service's is the
    best AWS publishes)."""


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
        where = ("databases", i)
        if bp.strategy == "backup-restore":
            term = Term(f"database {db.name} (hourly backup + cross-region copy)", BACKUP_INTERVAL + BACKUP_COPY,
                        "aws-backup", where, "choose a warmer strategy, whose Aurora global database replicates "
                        "continuously")
        else:
            term = Term(f"database {db.name} (Aurora lag bound, max_replication_lag)", db.max_replication_lag.millis,
                        "aurora-replication", where, "lower its max_replication_lag (the lag the readiness check "
                        "accepts)")
        out.append((term, db.rpo, (*where, "rpo")))
    for i, table in enumerate(bp.tables):
        out.append((Term(f"table {table.name} (DynamoDB global table replication)", DYNAMODB_REPLICATION,
                         "dynamodb-replication", ("tables", i)), table.rpo, ("tables", i, "rpo")))
    for i, bucket in enumerate(bp.buckets):
        where = ("buckets", i)
        term = (Term(f"bucket {bucket.name} (S3 Replication Time Control)", S3_RTC, "s3-rtc", where)
                if bucket.time_control
                else Term(f"bucket {bucket.name} (S3 replication without time control)", S3_NO_RTC, "s3-replication",
                          where, "enable replication.time_control (15 minutes)"))
        out.append((term, bucket.rpo, (*where, "rpo")))
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
    return ("raise the objective, or shorten the dominant term (health-check interval and threshold, DNS TTL, "
            "a warmer strategy, failover.mode automatic)")


def findings(assessment: Assessment) -> list[tuple[str, str, tuple[str | int, ...]]]:
    """Diagnostics for objectives that are not met (E701/E702) or met with a thin margin (W703).

    An RPO finding points at the store that breaks the objective (its entry, or its own ``rpo``) and says what
    would change that store's figure; an RTO finding points at the objective.
    """
    out: list[tuple[str, str, tuple[str | int, ...]]] = []
    general = assessment.rpo
    for term in general.terms:
        if term.millis > general.target.millis:
            kind = term.component.split()[0]
            change = f"{term.change}, or " if term.change else ""
            out.append(("E701", f"{_store(term)} cannot meet RPO {general.target}: {_estimated(term)}; {change}set this "
                                f"{kind}'s own rpo to {format_millis(term.millis)} or more, or raise objectives.rpo",
                        term.path))
    if general.met and general.margin < THIN_MARGIN and general.millis:
        worst = max(general.terms, key=lambda t: t.millis)
        out.append(("W703", f"RPO {general.target} is met with a thin margin: {_estimated(worst, _store(worst))} "
                            f"({general.margin:.0%} to spare)", worst.path))
    for store in assessment.stores:
        # a store's own rpo is the owner's explicit acceptance of its service's bound: no thin-margin warning
        if not store.met:
            term = store.terms[0]
            change = f", or {term.change}" if term.change else ""
            out.append(("E701", f"{_store(term)} cannot meet its own rpo {store.target}: {_estimated(term)}; set its "
                                f"rpo to {format_millis(term.millis)} or more{change}", store.path))
    rto = assessment.rto
    if not rto.met:
        out.append(("E702", f"the design cannot meet RTO {rto.target}: estimated {human(rto.millis)}, dominated by "
                            f"{rto.dominant} ({human(max(t.millis for t in rto.terms))}); {_advice(rto)}", rto.path))
    elif rto.margin < THIN_MARGIN and rto.millis:
        out.append(("W703", f"RTO {rto.target} is met with a thin margin: estimated {human(rto.millis)} "
                            f"({rto.margin:.0%} to spare), dominated by {rto.dominant}", rto.path))
    return out


def _store(term: Term) -> str:
    """``bucket config`` from ``bucket config (S3 Replication Time Control)``."""
    return term.component.split(" (")[0]


def _estimated(term: Term, subject: str = "it") -> str:
    return f"{subject} replicates in an estimated {human(term.millis)} ({term.component.split(' (', 1)[1]}"


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
