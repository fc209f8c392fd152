"""The AWS Resilience Hub resiliency policy a blueprint implies: its tier and its four failure targets.

Resilience Hub judges an application against a policy of RTO/RPO targets for four kinds of disruption
(``AWS::ResilienceHub::ResiliencyPolicy`` ``PolicyMap``: ``AZ``, ``Hardware``, ``Software`` and ``Region``).
drgen writes them from what the blueprint says and what its design gives (docs/aws-tooling.md):

- ``Region``: the blueprint's ``objectives`` (what ``drgen validate`` estimates against).
- ``AZ`` and ``Hardware``: every store drgen deploys keeps its data in several zones of a region (Aurora's
  storage six ways over three zones, DynamoDB and S3 across zones), so nothing is lost (RPO 0); the time is
  Aurora's in-region failover to a replica in another zone when each database has one in the primary, the
  serverless parts (Lambda, API Gateway, SQS, DynamoDB, S3) carrying on by themselves. A database without a
  replica in the primary (or a single NAT gateway every private subnet goes out through) is recovered only by
  the regional failover: then these targets are the region's.
- ``Software`` (a bad deployment, a bug that corrupts data): restoring to a point in time loses up to the last
  restorable time's lag, and recovering is the runbook's work, for which drgen gives no faster path than the
  regional objective.
Each target is at most the region's: a smaller disruption never gets a looser target.
"""

from __future__ import annotations

from dataclasses import dataclass

from drgen.model import Blueprint

TIERS = {"hot-standby": "MissionCritical", "warm-standby": "Critical", "pilot-light": "Important",
         "backup-restore": "NonCritical"}
"""The tier each strategy implies when the blueprint names none (the strategies are named after Resilience Hub's
policy types: HOT_STANDBY, WARM_STANDBY, PILOT_LIGHT, BACKUP_AND_RESTORE)."""

AURORA_IN_REGION_FAILOVER_SECONDS = 120
"""Amazon Aurora User Guide, "High availability for Amazon Aurora": on a failover to an Aurora Replica "service
is typically restored in less than 120 seconds, and often less than 60 seconds"."""
POINT_IN_TIME_LAG_SECONDS = 300
"""Aurora's and DynamoDB's latest restorable time is typically within five minutes of now (Amazon Aurora User
Guide, "Restoring a DB cluster to a specified time"; DynamoDB Developer Guide, "Point-in-time recovery")."""
DISRUPTIONS = ("AZ", "Hardware", "Software", "Region")


@dataclass(frozen=True)
class Target:
    rto_seconds: int
    rpo_seconds: int
    why: str


def tier(bp: Blueprint) -> str:
    named = bp.resilience_hub.tier if bp.resilience_hub is not None else None
    return named or TIERS[bp.strategy]


def _zonal(bp: Blueprint, region_rto: int) -> tuple[int, str]:
    single = [db.name for db in bp.databases if db.primary_instances < 2]
    if single:
        return region_rto, (f"database {', '.join(single)} has no replica in the primary to fail over to: only "
                            "the regional failover recovers it")
    if bp.needs_vpc and bp.network.nat == "single":
        return region_rto, "every private subnet goes out through one NAT gateway: losing its zone needs the regional failover"
    if bp.databases:
        return min(AURORA_IN_REGION_FAILOVER_SECONDS, region_rto), \
            "Aurora fails its writer over to a replica in another zone; the serverless parts carry on"
    return 0, "every part is a regional AWS service that keeps running across a zone's loss"


def targets(bp: Blueprint) -> dict[str, Target]:
    """The policy's four targets, in seconds, with why each is what it is."""
    region_rto = bp.objectives.rto.whole_seconds
    region_rpo = bp.objectives.rpo.whole_seconds
    zonal_rto, zonal_why = _zonal(bp, region_rto)
    restorable = bool(bp.databases) or any(t.point_in_time_recovery for t in bp.tables)
    software_rpo = min(POINT_IN_TIME_LAG_SECONDS, region_rpo) if restorable else region_rpo
    return {
        "AZ": Target(zonal_rto, 0, zonal_why + "; every store keeps its data in several zones (RPO 0)"),
        "Hardware": Target(zonal_rto, 0, zonal_why + "; a host's loss is a zone's, smaller"),
        "Software": Target(region_rto, software_rpo,
                           "recovering from a bad deployment or corrupt data is the runbook's point-in-time restore"
                           + (f" (restorable to within {POINT_IN_TIME_LAG_SECONDS // 60} minutes)" if restorable else "")),
        "Region": Target(region_rto, region_rpo, "the blueprint's objectives"),
    }
