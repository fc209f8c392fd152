"""The objective assessment: RPO and RTO estimates built from the blueprint's parts.

Each figure is a ``Term`` naming the step it comes from and the anchor of docs/objectives.md that gives
its source (published wording, or drgen's assumption where AWS publishes none). RPO is judged per data
store: a store with its own ``rpo`` against that, every other store against ``objectives.rpo``.

RTO is estimated twice, as a sum of the steps of each path the failover machine takes (drgen/asl.py):
*planned* (an operator starts a switchover while the active region is healthy) and *unplanned* (the
active region goes down and nobody is watching: outside-in detection, the lock, the decision, the
operator's approval of a lossy failover when the blueprint asks for one, the promotions, traffic).
``objectives.rto`` is checked against the unplanned path, the one a disaster takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from drgen import configs
from drgen.asl import DECIDE_SECONDS, LOCK_SETTLE_SECONDS, POLL_SECONDS, RANK_DELAY_SECONDS
from drgen.diagnostics import format_path
from drgen.durations import Duration, format_millis, human
from drgen.model import Blueprint, Queue

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
ALARM_EVALUATION = 1 * MIN          # [alarm-evaluation] "an alarm is evaluated every minute" (periods >= 1 min)
EVENTBRIDGE_HOP = 5 * S             # [eventbridge] alarm state change -> rule -> StartExecution: assumption
OPERATOR_RESPONSE = 15 * MIN        # [operator] paging an operator who decides and acts: drgen's assumption
ORCHESTRATION = 15 * S              # [orchestration] execution start, Inspect (readiness Lambda, cold start)
RANK_DELAY = RANK_DELAY_SECONDS * S  # [rank-delay] the machine's RankDelay: rank x 30 s (first secondary: 0)
LOCK_SETTLE = LOCK_SETTLE_SECONDS * S  # [lock-settle] the machine's SettleLock wait before it reads the lock back
DECIDE_WINDOW = DECIDE_SECONDS * S  # [decide] the canary's Decide: 3 probes 5 s apart, bounded by 30 s
POLL = POLL_SECONDS * S             # [poll] the machine checks the writer every POLL_SECONDS
CONSUMERS = 5 * S                   # [consumers] enabling the new active region's event source mappings
WARM_STANDBY_SCALE = 1 * MIN        # [warm-standby] Aurora Serverless v2 and concurrency up to the primary's
PILOT_LIGHT_SCALE = 1 * MIN         # [pilot-light] lifting reserved concurrency 0, cold starts under load
RESTORE_CLUSTER = 60 * MIN          # [aurora-restore] snapshot -> new cluster: "up to a few hours" for large ones
DEPLOY_COMPUTE = 20 * MIN           # [deploy-compute] the runbook's render and deploy into the recovery region
SKIPPED_STEPS = 5 * MIN             # [skipped-steps] the steps an ungraceful Region switch execution skips, by hand
THIN_MARGIN = 0.10

Scenario = Literal["", "planned", "unplanned"]


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
    scenario: Scenario = ""
    """For an RTO: the path of the failover it prices."""
    by_region: tuple[tuple[str, int], ...] = ()
    """For an RTO: the estimate when each secondary (in the blueprint's order) is the one that takes over."""

    @property
    def met(self) -> bool:
        return self.millis <= self.target.millis

    @property
    def margin(self) -> float:
        return 1 - self.millis / self.target.millis if self.target.millis else (0.0 if self.met else -1.0)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "objective": self.objective, "target_ms": self.target.millis, "estimate_ms": self.millis,
            "met": self.met, "dominant": self.dominant, "path": [str(p) for p in self.path],
            "terms": [{"component": t.component, "ms": t.millis, "source": t.source} for t in self.terms]}
        if self.scenario:
            out["scenario"] = self.scenario
            out["by_region"] = [{"region": region, "estimate_ms": millis} for region, millis in self.by_region]
        return out


@dataclass(frozen=True)
class Contribution:
    """One store's share of the RPO: its term and the objective it is judged against."""

    term: Term
    target: Duration
    own: bool = False
    """Judged against the store's own ``rpo`` rather than ``objectives.rpo``."""

    @property
    def met(self) -> bool:
        return self.term.millis <= self.target.millis

    def to_dict(self) -> dict[str, Any]:
        return {"store": format_path(self.term.path[:2]), "component": self.term.component, "ms": self.term.millis,
                "source": self.term.source, "target_ms": self.target.millis, "met": self.met, "own": self.own,
                "change": self.term.change}


@dataclass(frozen=True)
class Assessment:
    strategy: str
    rpo: Estimate
    """The worst store judged against ``objectives.rpo`` (and the stores judged against their own rpo below)."""
    unplanned: Estimate
    """The RTO of a regional outage nobody is watching: what ``objectives.rto`` is checked against."""
    planned: Estimate
    """The RTO of a switchover an operator starts while the active region is healthy (for information)."""
    stores: tuple[Estimate, ...]
    """Stores that set their own ``rpo``, each judged against it."""
    notes: tuple[str, ...] = ()

    @property
    def rto(self) -> Estimate:
        """The RTO the objective is checked against: the unplanned path."""
        return self.unplanned

    @property
    def contributions(self) -> tuple[Contribution, ...]:
        """Every store's own contribution to the RPO (queues included), each with what it is judged against."""
        general = tuple(Contribution(term, self.rpo.target) for term in self.rpo.terms)
        return general + tuple(Contribution(store.terms[0], store.target, own=True) for store in self.stores)

    def to_dict(self) -> dict[str, Any]:
        return {"strategy": self.strategy, "rpo": self.rpo.to_dict(), "rto": self.unplanned.to_dict(),
                "planned_rto": self.planned.to_dict(), "stores": [s.to_dict() for s in self.stores],
                "contributions": [c.to_dict() for c in self.contributions], "notes": list(self.notes)}


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
        # every region's bucket replicates to every other's: what a secondary took while serving reaches the primary
        term = (Term(f"bucket {bucket.name} (S3 Replication Time Control, both ways)", S3_RTC, "s3-rtc", where)
                if bucket.time_control
                else Term(f"bucket {bucket.name} (S3 replication without time control, both ways)", S3_NO_RTC,
                          "s3-replication", where, "enable replication.time_control (15 minutes)"))
        out.append((term, bucket.rpo, (*where, "rpo")))
    for i, queue in enumerate(bp.queues):
        out.append((_queue_term(bp, queue, ("queues", i, "region_outage")), None, ("queues", i, "region_outage")))
    return out


def _queue_term(bp: Blueprint, queue: Queue, path: tuple[str | int, ...]) -> Term:
    """A queue lives in one region: what waits in it when the region fails is there until the region returns,
    unless every message reaches it through the durable intake (an outbox global table, ``synth.intake``)."""
    if queue.region_outage == "wait":
        return Term(f"queue {queue.name} (region_outage wait: its messages wait in a failed region until it "
                    f"returns, up to its retention {queue.retention}, and are redriven then)", 0, "sqs-wait", path)
    senders = sorted(g_fn.name for g_fn in bp.functions for g in configs.grants(g_fn)
                     if g.kind == "queue" and g.target == queue.name and g.mode == "send")
    if queue in configs.intake_queues(bp) and not senders:
        return Term(f"queue {queue.name} (region_outage durable: the API writes each message to the outbox global "
                    "table before answering 202, and it stays there until consumed; DynamoDB global table "
                    "replication)", DYNAMODB_REPLICATION, "sqs-outbox", path)
    if senders:
        why = (f"function{'s' if len(senders) > 1 else ''} {', '.join(senders)} send{'' if len(senders) > 1 else 's'} "
               "to it directly, and drgen's durable intake covers only the API's routes")
    else:
        why = "no API route sends to it, and drgen's durable intake covers only the API's routes"
    return Term(f"queue {queue.name} (region_outage durable: messages can wait in a failed region's queue up to "
                f"its retention {queue.retention}; {why})", queue.retention.millis, "sqs-regional", path, why)


def _worst(terms: list[Term]) -> Term | None:
    return max(terms, key=lambda t: t.millis) if terms else None


# ---- RTO: the steps of each path ---------------------------------------------------------------------

def _detection(bp: Blueprint) -> list[Term]:
    """Outside-in detection of a silent active region: the standby's canary and its alarm, then EventBridge
    starts the machine (automatic) or the alarm pages an operator who starts it (manual)."""
    d = bp.failover.detection
    terms = [Term(f"detection: the standby's canary fails {d.failures} probe{'s' if d.failures > 1 else ''}, "
                  f"one every {d.probe_interval}", d.probe_interval.millis * d.failures, "canary"),
             Term("the detection alarm's next evaluation", ALARM_EVALUATION, "alarm-evaluation")]
    if bp.failover.mode == "automatic":
        terms.append(Term("EventBridge delivers the alarm and starts the state machine", EVENTBRIDGE_HOP,
                          "eventbridge"))
    else:
        terms.append(Term("operator decision (failover.mode manual: the alarm pages)", OPERATOR_RESPONSE,
                          "operator"))
    return terms


def _machine_start(bp: Blueprint) -> list[Term]:
    """From the execution's start to the choice of switchover or failover, in the first secondary."""
    if bp.failover.orchestrator == "arc-region-switch":  # no rank, no lock, no Decide: the operator chose the mode
        return [Term("the Region switch execution starts (and, graceful, check-readiness)", ORCHESTRATION,
                     "orchestration")]
    first = bp.secondaries[0].name
    return [Term("the state machine starts; Inspect reads the flag and the writers", ORCHESTRATION, "orchestration"),
            Term(f"rank delay ({first}, the first secondary: none)", 0, "rank-delay"),
            Term("the lock: take it, let the global table settle, read it back", LOCK_SETTLE, "lock-settle"),
            Term("Decide: data-plane probes of the active region", DECIDE_WINDOW, "decide")]


def _promotions(bp: Blueprint, planned: bool) -> list[Term]:
    """Every database is promoted at once (one Parallel branch each): the slowest one counts, then the poll."""
    if not bp.databases:
        return []
    operation = "switchover" if planned else "failover"
    # a switchover first lets the secondary catch up: Aurora says its time is proportional to the lag
    figures = [(db, AURORA_PROMOTION + (db.max_replication_lag.millis if planned else 0)) for db in bp.databases]
    slowest, millis = max(figures, key=lambda f: f[1])
    caught_up = f" after catching up its lag bound, {slowest.max_replication_lag}" if planned else ""
    component = (f"Aurora {operation} of {slowest.name}{caught_up}" if len(figures) == 1 else
                 f"Aurora {operation} of {len(figures)} databases in parallel, the slowest {slowest.name}{caught_up}")
    seen = (f"Region switch sees the new writer (counted as drgen's {POLL_SECONDS}s poll)"
            if bp.failover.orchestrator == "arc-region-switch" else
            f"the machine sees the new writer (it polls every {POLL_SECONDS}s)")
    return [Term(component, millis, "aurora-promotion"), Term(seen, POLL, "poll")]


def _approval(bp: Blueprint) -> list[Term]:
    if bp.failover.allow_data_loss or not bp.databases:
        return []
    what = ("the plan's approval step (every execution)" if bp.failover.orchestrator == "arc-region-switch" else
            "the lossy failover")
    return [Term(f"an operator approves {what} (failover.approval_time {bp.failover.approval_time})",
                 bp.failover.approval_time.millis, "approval")]


def _traffic_and_capacity(bp: Blueprint) -> list[Term]:
    """The flag moves traffic; the new active region scales up and its consumers start; DNS follows."""
    terms = [Term("write the active-region flag, which the health routes read", DYNAMODB_REPLICATION,
                  "dynamodb-replication")]
    if bp.strategy == "warm-standby" and (bp.databases or bp.functions):
        terms.append(Term("scale the new active region up to the primary's capacity (warm standby)",
                          WARM_STANDBY_SCALE, "warm-standby"))
    elif bp.strategy == "pilot-light" and bp.functions:
        terms.append(Term("scale compute from zero (pilot light)", PILOT_LIGHT_SCALE, "pilot-light"))
    # hot standby already runs the primary's capacity: nothing to scale
    if any(f.triggers for f in bp.functions):
        terms.append(Term("enable the new active region's queue consumers", CONSUMERS, "consumers"))
    return terms + _dns(bp, standby_record=True)


def _dns(bp: Blueprint, standby_record: bool) -> list[Term]:
    if bp.dns is None:
        return []
    hc = bp.dns.health_check
    terms: list[Term] = []
    if standby_record:  # backup-restore has no standby record: its runbook deploys one
        terms.append(Term(f"the new active region's health check turns healthy ({hc.interval} x "
                          f"{hc.failure_threshold})", hc.interval.millis * hc.failure_threshold, "route53-detection"))
    terms.append(Term(f"resolver caches expire (TTL {bp.dns.ttl})", bp.dns.ttl.millis, "dns-ttl"))
    return terms


def _paging(bp: Blueprint) -> Term | None:
    """backup-restore has no canary: what pages its operator is the primary's Route 53 health check or its
    fastest failover alarm, whichever is faster (``None``: nothing does, the operator notices)."""
    ways: list[Term] = []
    if bp.dns is not None:
        hc = bp.dns.health_check
        ways.append(Term(f"detection (Route 53: {hc.interval} x {hc.failure_threshold})",
                         hc.interval.millis * hc.failure_threshold, "route53-detection"))
    periods = [a.periods for a in bp.alarms if a.triggers_failover]
    if periods:
        ways.append(Term(f"detection (alarm: {min(periods)} x 1m)", min(periods) * ALARM_PERIOD, "alarms"))
    return min(ways, key=lambda t: t.millis) if ways else None


def _restore(bp: Blueprint) -> list[Term]:
    terms = [Term("restore Aurora from the copied backup", RESTORE_CLUSTER, "aurora-restore")] if bp.databases else []
    return [*terms, Term("deploy compute into the recovery region", DEPLOY_COMPUTE, "deploy-compute"),
            *_dns(bp, standby_record=False)]


def rto_steps(bp: Blueprint, scenario: Literal["planned", "unplanned"]) -> list[Term]:
    """The steps of one path, in the order they happen, each with its figure."""
    if bp.strategy == "backup-restore":  # no state machine: the runbook, which a person runs
        if scenario == "planned":
            return _restore(bp)
        paging = _paging(bp)
        return [Term("operator decision (backup-restore: the runbook)", OPERATOR_RESPONSE, "operator"),
                *([paging] if paging else []), *_restore(bp)]
    arc = bp.failover.orchestrator == "arc-region-switch"  # its approval step asks in every execution
    if scenario == "planned":
        return [*_machine_start(bp), *(_approval(bp) if arc else []), *_promotions(bp, planned=True),
                *_traffic_and_capacity(bp)]
    skipped = [Term("an operator runs the steps an ungraceful execution skips (the runbook)", SKIPPED_STEPS,
                    "skipped-steps")] if arc else []
    return [*_detection(bp), *_machine_start(bp), *_approval(bp), *_promotions(bp, planned=False), *skipped,
            *_traffic_and_capacity(bp)]


def _rto(bp: Blueprint, scenario: Literal["planned", "unplanned"]) -> Estimate:
    terms = rto_steps(bp, scenario)
    total = sum(t.millis for t in terms)
    dominant = _worst(terms)
    # the machine in the n-th secondary waits n x RANK_DELAY before it takes the lock (the runbook has no rank)
    rank = 0 if bp.strategy == "backup-restore" else RANK_DELAY
    by_region = tuple((r.name, total + i * rank) for i, r in enumerate(bp.secondaries))
    return Estimate("rto", bp.objectives.rto, total, tuple(terms), dominant.component if dominant else "nothing",
                    ("objectives", "rto"), scenario, by_region)


def assess(bp: Blueprint) -> Assessment:
    """The RPO and the planned and unplanned RTO estimates of ``bp`` (pure)."""
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
    return Assessment(bp.strategy, rpo, _rto(bp, "unplanned"), _rto(bp, "planned"), tuple(stores))


def _advice(estimate: Estimate) -> str:
    return ("raise the objective, or shorten the dominant step (failover.approval_time or allow_data_loss, "
            "failover.detection, the health check's interval and threshold, the DNS TTL, a warmer strategy)")


def _queue_findings(estimate: Estimate) -> list[tuple[str, str, tuple[str | int, ...]]]:
    """E701 at each queue whose exposure alone breaks the objective: the fix is that queue's."""
    out: list[tuple[str, str, tuple[str | int, ...]]] = []
    for term in estimate.terms:
        if term.path[:1] == ("queues",) and term.millis > estimate.target.millis:
            name = term.component.split(" ", 2)[1]
            out.append(("E701", f"queue {name} cannot meet RPO {estimate.target}: its messages can wait in a failed "
                                f"region up to its retention ({human(term.millis)}): {term.change}; set "
                                "region_outage: wait if they may wait there until the region returns (the runbook "
                                "then redrives them into the active region)", term.path))
    return out


def findings(assessment: Assessment) -> list[tuple[str, str, tuple[str | int, ...]]]:
    """Diagnostics for objectives that are not met (E701/E702) or met with a thin margin (W703).

    An RPO finding points at the store that breaks the objective (its entry, or its own ``rpo``) and says what
    would change that store's figure; an RTO finding points at the objective, which is checked against the
    unplanned path (``assessment.rto``).
    """
    out: list[tuple[str, str, tuple[str | int, ...]]] = []
    general = assessment.rpo
    out += _queue_findings(general)
    for term in general.terms:
        if term.millis > general.target.millis and term.path[:1] != ("queues",):
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
    at = f" ({rto.scenario} path)" if rto.scenario else ""
    if not rto.met:
        out.append(("E702", f"the design cannot meet RTO {rto.target}{at}: estimated {human(rto.millis)}, dominated by "
                            f"{rto.dominant} ({human(max(t.millis for t in rto.terms))}); {_advice(rto)}", rto.path))
    elif rto.margin < THIN_MARGIN and rto.millis:
        out.append(("W703", f"RTO {rto.target} is met with a thin margin{at}: estimated {human(rto.millis)} "
                            f"({rto.margin:.0%} to spare), dominated by {rto.dominant}", rto.path))
    return out


def _store(term: Term) -> str:
    """``bucket config`` from ``bucket config (S3 Replication Time Control)``."""
    return term.component.split(" (")[0]


def _estimated(term: Term, subject: str = "it") -> str:
    if term.path[:1] == ("queues",):
        return f"{subject} can hold messages in a failed region for {human(term.millis)} ({term.component.split(' (', 1)[1]}"
    return f"{subject} replicates in an estimated {human(term.millis)} ({term.component.split(' (', 1)[1]}"


SCENARIOS = {"unplanned": "unplanned (the active region goes down)",
             "planned": "planned (an operator moves the service while the active region is healthy)"}


def budget_lines(assessment: Assessment) -> list[str]:
    """The assessment for people, one line a figure (``drgen validate`` prints it)."""
    lines: list[str] = []
    rpo = assessment.rpo
    lines.append(f"RPO {rpo.target}: estimated {human(rpo.millis)}, {'met' if rpo.met else 'NOT MET'} "
                 f"({rpo.margin:.0%} margin); dominated by {rpo.dominant}")
    lines.extend(_term_lines(rpo))
    for store in assessment.stores:
        verdict = "met" if store.met else "NOT MET"
        lines.append(f"  {human(store.millis):>9}  {store.dominant}: own rpo {store.target}, {verdict}")
    for rto in (assessment.unplanned, assessment.planned):
        if rto is assessment.rto:
            verdict = f"{'met' if rto.met else 'NOT MET'} ({rto.margin:.0%} margin)"
        else:
            verdict = "for information: the objective is checked against the unplanned path"
        lines.append(f"RTO {rto.target}, {SCENARIOS[rto.scenario]}: estimated {human(rto.millis)}, {verdict}; "
                     f"dominated by {rto.dominant}")
        lines.extend(_term_lines(rto))
        if len(rto.by_region) > 1:
            lines.append("  per secondary taking over (rank delay): "
                         + ", ".join(f"{region} {human(millis)}" for region, millis in rto.by_region))
    lines.extend(f"note: {note}" for note in assessment.notes)
    return lines


def _term_lines(estimate: Estimate) -> list[str]:
    return [f"  {human(term.millis):>9}  {term.component}  [docs/objectives.md#{term.source}]"
            for term in estimate.terms]
