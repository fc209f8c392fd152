"""The drill's scenarios: what happens to the world, what the operator does, and the end state expected.

Every scenario starts from a steady world (the flag names the primary, every database's writer is there)
at emulated time 0; its event happens at ``START`` (five minutes of steady state first: a design that
fails over a healthy primary on its own shows it there). The end
state is checked in the emulated AWS itself, never in the execution's output.
"""

from __future__ import annotations

from dataclasses import dataclass

START = 300.0


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    expected: str
    moves: bool
    """True: traffic and every database end in the target region; False: nothing changes."""
    operator_starts: tuple[str, ...] = ()
    """Regions whose machine the operator starts at START ("target", "all", "primary-after")."""
    down: bool = False
    """The primary region goes down at START (and stays down); drilled into a later secondary, so do the
    secondaries the blueprint ranks before it (else the first one takes over, as designed)."""
    partition_seconds: float = 0.0
    """Every secondary is cut off from the primary for this long from START."""
    standby_alarms: bool = False
    """The target's own alarms are driven past their thresholds from START."""
    allow_data_loss: bool | None = None
    operator: str = "approve"
    """The answer to an approval request: approve, deny, or none (never answered)."""
    promotion_completes: bool = True
    lag_ms: float = 100.0
    fail_after_promotion: bool = False
    """A fault in the target right after its promotion; the operator starts the machine again once healed."""
    promotions: str = ""
    """switchover, failover, or empty: what each database must see (once; twice with a fail-back); or the two
    kinds in order, comma-separated (a failover, then the fail-back's switchover)."""
    returns: bool = False
    """The primary that went down comes back once the target serves; the operator fails back later."""
    data: bool = False
    """The application writes on each side (``drgen.drilling.data``); everything written must be there at the end."""
    observe_seconds: float = 900.0
    """How long the world runs after START at least (emulated)."""
    horizon_seconds: float = 3600.0


SCENARIOS = [
    Scenario("switchover", "planned: an operator starts the machine; the primary answers; no data loss",
             "traffic and writers in the target, one switchover per database", True, ("target",),
             promotions="switchover", observe_seconds=60),
    Scenario("region-outage", "the primary goes down, no operator starts anything: detection, decision, "
             "approval (approved), failover, traffic", "traffic and writers in the target, one failover each",
             True, down=True, allow_data_loss=False, promotions="failover", observe_seconds=600),
    Scenario("probe-blip", "the secondaries cannot reach the primary for 3 minutes; the primary is healthy",
             "no failover, certainly no lossy one", False, partition_seconds=180.0, allow_data_loss=True,
             observe_seconds=600),
    Scenario("standby-self-alarm", "the target's own alarms fire; the primary is healthy",
             "nothing fails over", False, standby_alarms=True, observe_seconds=600),
    Scenario("race", "every secondary starts its machine at once",
             "exactly one region promotes and takes the traffic", True, ("all",), promotions="switchover",
             observe_seconds=60),
    Scenario("resume", "a failure right after the promotion; the operator starts the machine again",
             "traffic and writers in the target, no second promotion", True, ("target",),
             fail_after_promotion=True, promotions="switchover", observe_seconds=60),
    Scenario("fail-back", "after a switchover to the target, the operator fails back to the original primary",
             "traffic and writers back in the primary", True, ("target", "primary-after"),
             promotions="switchover", observe_seconds=60),
    Scenario("data", "objects, items and messages written in the primary; it goes down with messages waiting; "
             "failover (approved), more written in the target; the primary returns; fail-back while clients "
             "still send to the target", "everything written on either side is in every region or processed, "
             "nothing left in a dead-letter queue or a queue of the region left", True, ("target", "primary-after"),
             down=True, returns=True, data=True, allow_data_loss=False, promotions="failover,switchover",
             observe_seconds=60, horizon_seconds=7200),
    Scenario("approve", "the primary is down, no data loss allowed: the operator starts, then approves",
             "traffic and writers in the target, one failover each", True, ("target",), down=True,
             allow_data_loss=False, promotions="failover", observe_seconds=60),
    Scenario("deny", "the primary is down, no data loss allowed: the operator denies the failover",
             "nothing changes", False, ("target",), down=True, allow_data_loss=False, operator="deny",
             observe_seconds=60),
    Scenario("timeout", "the new writer never comes up: stop at promotion_timeout, traffic untouched",
             "traffic stays, the promotion was asked once", False, ("target",), promotion_completes=False,
             promotions="switchover", observe_seconds=60),
    Scenario("not-ready", "replication lag far above the bound while the primary is down: no lossy promotion "
             "without an operator's approval; denied", "nothing changes", False, ("target",), down=True,
             lag_ms=1e7, allow_data_loss=False, operator="deny", observe_seconds=60),
]
NAMES = [s.name for s in SCENARIOS]


def by_name(name: str) -> Scenario:
    return next(s for s in SCENARIOS if s.name == name)
