"""The state machine's redrive step (``drgen.asl``): after the consumers moved, what waits in the region traffic
left - its queues and their dead-letter queues - and this region's own dead letters go into this region's queues.

- The region left answered (a switchover, a fail-back, or a blueprint without databases, where nothing decided
  that it is down): ``Redrive``, the promoter's ``{"action": "redrive"}``, run again every ``WAIT_SECONDS``
  until clients can no longer reach the region left (``drain_seconds``: Route 53's health check must fail
  ``failure_threshold`` times and resolvers forget the record after its TTL; until then its API may still accept
  messages) and then while the old region's consumers still hold messages (they come back when their visibility
  timeout ends), at most ``rounds(bp)`` times.
- The region left is down (the lossy ``failover`` path): it cannot be emptied now. ``NotifyRedriveLater`` tells
  the operator to run ``drgen redrive`` once it returns; this region's own dead letters are still redriven.
- Anything that fails (the old region does not answer, the target refuses messages) notifies with the command
  to finish by hand; nothing is lost (a message leaves its source only once the target stored it) and the
  failover itself still succeeds.
"""

from __future__ import annotations

import math
from typing import Any

from drgen.asl_tasks import lambda_task, notify
from drgen.aws.redrive import plan
from drgen.model import Blueprint

WAIT_SECONDS = 60
"""Between two rounds: messages the old region's consumers held reappear when their visibility timeout ends."""
MAX_ROUNDS = 15
ENTRY = "RedriveFrom"
COMMAND = "drgen redrive <blueprint> --from {} --to ${Region}"


def drain_seconds(bp: Blueprint) -> float:
    """How long after the flag moves clients may still reach the region left: Route 53 sees its health check
    fail ``failure_threshold`` times, then resolvers keep the old answer for the record's TTL (and a minute
    for the health checkers to agree). 0 without DNS."""
    if bp.dns is None:
        return 0.0
    check = bp.dns.health_check
    return check.interval.seconds * check.failure_threshold + bp.dns.ttl.seconds + 60.0


def least_rounds(bp: Blueprint) -> int:
    """Rounds the step always makes: the last one starts after ``drain_seconds``."""
    return min(MAX_ROUNDS, math.ceil(drain_seconds(bp) / WAIT_SECONDS) + 1)


def rounds(bp: Blueprint) -> int:
    """Rounds of the redrive at most: past the drain, and long enough for the longest visibility timeout to end,
    at most ``MAX_ROUNDS``."""
    longest = max((q.visibility_timeout.seconds for q in bp.queues), default=0.0)
    return max(least_rounds(bp), min(MAX_ROUNDS, math.ceil(longest / WAIT_SECONDS) + 1))


def seconds(bp: Blueprint) -> int:
    """What the step may add to an execution: every round's wait and invocation (the promoter's 60 s)."""
    return rounds(bp) * (WAIT_SECONDS + 60) + 60 if applies(bp) else 0


def applies(bp: Blueprint) -> bool:
    return bool(bp.queues) and any(f.triggers for f in bp.functions)


def moves(bp: Blueprint, old_region: bool = True) -> list[dict[str, Any]]:
    """``drgen.aws.redrive.plan`` (the old region's dead-letter queues and queues), then this region's own dead letters."""
    old = [{"source": s, "target": t, "fifo": fifo, "own": False} for s, t, fifo in plan(bp)] if old_region else []
    return old + [{"source": s, "target": t, "fifo": fifo, "own": True} for s, t, fifo in plan(bp) if s != t]


def states(bp: Blueprint, done: str) -> dict[str, dict[str, Any]]:
    """The step's states, entered at ``ENTRY``, leaving to ``done``."""
    failed = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.redriveError", "Next": "NotifyRedriveFailed"}]
    entry: dict[str, Any] = {"Type": "Pass", "Result": {"count": 0}, "ResultPath": "$.redriveRound",
                             "Next": "OldRegionDown"}
    states: dict[str, dict[str, Any]] = {ENTRY: entry}
    if bp.databases:
        states["OldRegionDown"] = {
            "Type": "Choice", "Comment": "the lossy path was taken because the region left does not answer",
            "Choices": [{"And": [{"Variable": "$.mode", "IsPresent": True},
                                 {"Variable": "$.mode", "StringEquals": "failover"}], "Next": "NotifyRedriveLater"}],
            "Default": "Redrive"}
    else:
        entry["Next"] = "Redrive"
    redrive = lambda_task("PromoterFunctionArn", {"action": "redrive", "from.$": "$.inspect.value.fromRegion",
                                                  "to": "${Region}", "moves": moves(bp)},
                          "$.redrive", "RedriveMore", catch=failed)
    redrive["Comment"] = "the old region's queues and dead-letter queues, and this region's dead letters, into here"
    states.update({
        "Redrive": redrive,
        "RedriveMore": {"Type": "Choice", "Choices": [
            {"Variable": "$.redriveRound.count", "NumericLessThan": least_rounds(bp) - 1, "Next": "RedriveWait"},
            {"And": [{"Variable": "$.redrive.value.more", "BooleanEquals": True},
                     {"Variable": "$.redriveRound.count", "NumericLessThan": rounds(bp) - 1}], "Next": "RedriveWait"},
            {"Variable": "$.redrive.value.more", "BooleanEquals": True, "Next": "NotifyRedriveUnfinished"}],
            "Default": done},
        "RedriveWait": {"Type": "Wait", "Seconds": WAIT_SECONDS, "Next": "CountRedrive"},
        "CountRedrive": {"Type": "Pass", "Parameters": {"count.$": "States.MathAdd($.redriveRound.count, 1)"},
                         "ResultPath": "$.redriveRound", "Next": "Redrive"},
        "NotifyRedriveUnfinished": notify(
            "drgen: messages still in flight in the region left",
            "States.Format('{} still holds messages its consumers took before they were switched off ({} of them). "
            "They stay there, nothing is lost: once they are visible again, run: " + COMMAND + "', "
            "$.inspect.value.fromRegion, $.redrive.value.waiting, $.inspect.value.fromRegion)", done),
        "NotifyRedriveFailed": notify(
            "drgen: redrive into ${Region} incomplete",
            "States.Format('${Region} is active, but the messages waiting in {} could not all be moved here ({}). "
            "Nothing is lost: what was not moved is still in its queue. Run: " + COMMAND + "', "
            "$.inspect.value.fromRegion, States.JsonToString($.redriveError), $.inspect.value.fromRegion)", done),
    })
    if bp.databases:
        own = lambda_task("PromoterFunctionArn", {"action": "redrive", "from": "${Region}", "to": "${Region}",
                                                  "moves": moves(bp, old_region=False)}, "$.redrive", done, catch=failed)
        own["Comment"] = "this region's own dead letters (a fenced or switched-off consumer handed them back)"
        states.update({
            "NotifyRedriveLater": notify(
                "drgen: redrive the queues of the region left when it returns",
                "States.Format('{} does not answer: the messages its queues accepted wait there until it returns. "
                "Its consumers are fenced (they write nothing while ${Region} is active). When it is back, run: "
                + COMMAND + "', $.inspect.value.fromRegion, $.inspect.value.fromRegion)", "RedriveOwn"),
            "RedriveOwn": own,
        })
    return states
