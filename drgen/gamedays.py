"""The FIS game days a blueprint gets: which experiments, their actions and targets, and what stops them.

Each game day is an ``AWS::FIS::ExperimentTemplate`` in the ``gamedays`` stack of the primary region (every
disruption here starts in the primary: it is the region whose loss the design must survive), run against the
real deployment by ``drgen drill --live --scenario NAME`` (``drgen.drilling.live``). AWS FIS offers no action
that fails an Aurora global database over between regions; that is the failover machine's own work, which
``drgen drill --live --scenario switchover`` runs. See docs/aws-tooling.md.

- ``region-outage`` (the drill's ``region-outage``): FIS's Cross-Region: Connectivity actions from the primary -
  ``aws:network:disrupt-connectivity`` on its private subnets, ``aws:network:route-table-disrupt-cross-region-
  connectivity`` on their route tables towards each secondary - and the replication out of it paused
  (``aws:dynamodb:global-table-pause-replication`` on every global table, drgen's control table too;
  ``aws:s3:bucket-pause-replication`` towards each secondary).
- ``replication-paused`` (the drill's ``not-ready``): the blueprint's global tables and buckets stop
  replicating; the standby's readiness check must say so and nothing may fail over.
- ``writer-failover``: ``aws:rds:failover-db-cluster`` on the primary's clusters, Aurora's in-region failover
  to a replica in another zone - Resilience Hub's AZ and hardware targets; nothing fails over between regions.
- ``canary-impaired`` (``impair_canary``, opt-in): ``aws:lambda:invocation-error`` on drgen's canary in the
  standby, through AWS FIS's Lambda extension (``drgen.synth.canary_gameday``). Its template lives in every
  region's orchestration stack, since FIS injects faults in its own region only: the detector breaks, and a
  broken detector alone must start no failover (its alarm has no data, which is not evidence of an outage), and
  the canary's own alarm (``<prefix>-canary-failing``, ``drgen.synth.detection``) must say it is broken.
"""

from __future__ import annotations

from dataclasses import dataclass

from drgen import configs, metrics, naming
from drgen.model import Alarm, Blueprint

CANARY_IMPAIRED = "canary-impaired"
FIS_CONFIG_FOLDER = "fis-config/canary/"
"""Where, in the region's artifact bucket, FIS writes the canary's fault configuration and its extension reads it."""
MAX_STOP_CONDITIONS = 5
"""AWS FIS User Guide, "Quotas and limitations": stop conditions per experiment template."""
MAX_ARNS_PER_TARGET = 5
"""drgen lists at most this many resources in one target (a target per group of them)."""
DURATION_BOUNDS_SECONDS = (60, 12 * 3600)
"""AWS FIS actions reference: an action's duration is "from one minute to 12 hours"."""


@dataclass(frozen=True)
class Action:
    key: str
    """The action's name in the template (letters and digits)."""
    action_id: str
    resource_type: str
    resources: str
    """What the targets are: subnets, route-tables, tables, buckets, clusters, canary."""
    parameters: tuple[tuple[str, str], ...] = ()
    """Parameters besides ``duration`` (which every action but the cluster failover takes)."""
    timed: bool = True


@dataclass(frozen=True)
class GameDay:
    name: str
    drill: str
    """The drill scenario it plays for real (empty: none)."""
    summary: str
    expected: str
    fails_over: bool
    """Whether the game day should end with the standby active (the failover it provokes)."""
    actions: tuple[Action, ...]
    where: str = "primary"
    """Where its experiment template lives and starts: ``primary`` (the gamedays stack) or ``standby`` (every
    region's orchestration stack, started in the standby the drill targets)."""


def _pauses(bp: Blueprint, control_table: bool) -> list[Action]:
    out = []
    if bp.tables or control_table:
        out.append(Action("PauseTables", "aws:dynamodb:global-table-pause-replication", "aws:dynamodb:global-table",
                          "tables" if not control_table else "tables+control"))
    for region in (r.name for r in bp.secondaries) if bp.buckets else ():
        out.append(Action(f"PauseBucketsTo{naming.region_id(region)}", "aws:s3:bucket-pause-replication",
                          "aws:s3:bucket", "buckets", (("region", region),)))
    return out


def game_days(bp: Blueprint) -> tuple[GameDay, ...]:
    """The game days ``bp`` can play (whether or not it enables them)."""
    out = []
    cut: list[Action] = []
    if bp.needs_vpc:
        cut.append(Action("CutSubnets", "aws:network:disrupt-connectivity", "aws:ec2:subnet", "subnets",
                          (("scope", "all"),)))
        cut += [Action(f"Isolate{naming.region_id(r.name)}", "aws:network:route-table-disrupt-cross-region-connectivity",
                       "aws:ec2:route-table", "route-tables", (("region", r.name),)) for r in bp.secondaries]
    cut += _pauses(bp, control_table=True)
    out.append(GameDay("region-outage", "region-outage",
                       "the primary cut off: its private subnets lose their connectivity, their routes to every "
                       "secondary, and replication out of it pauses",
                       "the standby detects it, fails over and serves", True, tuple(cut)))
    paused = _pauses(bp, control_table=False)
    if paused:
        out.append(GameDay("replication-paused", "not-ready",
                           "the blueprint's global tables and buckets stop replicating out of the primary",
                           "the standby's readiness check reports the lag; nothing fails over", False, tuple(paused)))
    if bp.databases:
        out.append(GameDay("writer-failover", "",
                           "Aurora fails each primary cluster's writer over to a replica in another zone",
                           "the writer is back within Resilience Hub's AZ target; nothing fails over between regions",
                           False, (Action("FailOverWriters", "aws:rds:failover-db-cluster", "aws:rds:cluster",
                                          "clusters", timed=False),)))
    if bp.game_days is not None and bp.game_days.impair_canary and bp.runs_compute_in_secondaries:
        out.append(GameDay(CANARY_IMPAIRED, "",
                           "every invocation of the standby's canary fails (FIS's Lambda extension answers with an "
                           "error and the canary does not run): it probes nothing and puts no datapoint",
                           "no failover: the standby's active-region-down alarm has no data, leaves OK for "
                           f"INSUFFICIENT_DATA and never enters ALARM; the canary's own alarm "
                           f"{naming.alarm(bp.prefix, 'canary-failing')} enters ALARM and pages",
                           False, (Action("ImpairCanary", "aws:lambda:invocation-error", "aws:lambda:function",
                                          "canary", (("invocationPercentage", "100"), ("preventExecution", "true"))),),
                           where="standby"))
    return tuple(out)


def in_primary(bp: Blueprint) -> tuple[GameDay, ...]:
    """The game days of the ``gamedays`` stack."""
    return tuple(g for g in game_days(bp) if g.where == "primary")


def names(bp: Blueprint) -> tuple[str, ...]:
    return tuple(g.name for g in game_days(bp))


def by_name(bp: Blueprint, name: str) -> GameDay | None:
    return next((g for g in game_days(bp) if g.name == name), None)


def can_stop(bp: Blueprint, alarm_name: str) -> str | None:
    """Why the blueprint's alarm ``alarm_name`` cannot stop an experiment (``None``: it can)."""
    alarm = next((a for a in bp.alarms if a.name == alarm_name), None)
    if alarm is None:
        return "is not an alarm of the blueprint"
    if alarm.triggers_failover:
        return "triggers the failover, which the game days provoke: it would stop them as they start working"
    if metrics.METRICS[alarm.metric].placement == "secondaries":
        return "is measured in the secondaries only, and FIS reads stop conditions in the experiment's region, the primary"
    return None


def stop_alarms(bp: Blueprint) -> tuple[str, ...]:
    """The CloudWatch alarm names (in the primary) that stop every experiment."""
    if bp.game_days is None:
        return ()
    chosen = bp.game_days.stop_alarms
    return cloudwatch_names(bp, [a for a in bp.alarms
                                 if (a.name in chosen if chosen is not None else can_stop(bp, a.name) is None)])


def cloudwatch_names(bp: Blueprint, alarms: list[Alarm]) -> tuple[str, ...]:
    """The CloudWatch alarms the blueprint's ``alarms`` are, by name: one per dimension set (``drgen.synth.alarms``)."""
    out: list[str] = []
    for alarm in alarms:
        sets = configs.dimension_sets(bp, alarm)
        base = naming.alarm(bp.prefix, alarm.name)
        out += [base] if len(sets) == 1 else [f"{base}-{i + 1}" for i in range(len(sets))]
    return tuple(out)


def iso_duration(seconds: int) -> str:
    """FIS's ISO 8601 duration: ``PT10M``, ``PT1H30M``, ``PT90S``."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs else "")
