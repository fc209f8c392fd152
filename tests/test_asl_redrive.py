"""The state machine's redrive step, statically: where it sits, what each path asks of the promoter, that it is
bounded, and that nothing in it can fail the failover (the drill runs it: tests/test_drill_data.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from drgen import asl, asl_redrive, durations, naming
from drgen.model import Blueprint
from tests.test_asl import REFERENCE, THREE, VARIANTS, _next_states

STEP = {"RedriveFrom", "OldRegionDown", "Redrive", "RedriveMore", "RedriveWait", "CountRedrive",
        "NotifyRedriveUnfinished", "NotifyRedriveFailed", "NotifyRedriveLater", "RedriveOwn"}


def _states(bp: Blueprint) -> dict[str, Any]:
    states: dict[str, Any] = asl.definition(bp)["States"]
    return states


def _paths(states: dict[str, Any], start: str, stop: str) -> list[list[str]]:
    """Every path of states from ``start`` to ``stop`` that does not repeat a state."""
    found, todo = [], [[start]]
    while todo:
        path = todo.pop()
        if path[-1] == stop:
            found.append(path)
            continue
        todo += [[*path, n] for n in sorted(_next_states(states[path[-1]])) if n not in path]
    return found


def test_the_step_follows_the_consumers_and_every_way_out_of_it_reaches_validation() -> None:
    states = _states(REFERENCE)
    assert set(states) >= STEP
    paths = _paths(states, "DisableConsumers", "ValidateAgain")
    assert paths and all(p[1] == "RedriveFrom" for p in paths)
    for name in STEP:  # no state of the step ends the run, and none leads to a failure
        assert not states[name].get("End") and states[name]["Type"] not in ("Fail", "Succeed")
        assert "NotifyFailure" not in _next_states(states[name]), name


def test_a_reachable_old_region_is_emptied_and_a_lost_one_is_left_to_the_operator() -> None:
    states = _states(REFERENCE)
    down = states["OldRegionDown"]
    assert down["Choices"] == [{"And": [{"Variable": "$.mode", "IsPresent": True},
                                        {"Variable": "$.mode", "StringEquals": "failover"}],
                                "Next": "NotifyRedriveLater"}]
    assert down["Default"] == "Redrive"
    payload = states["Redrive"]["Parameters"]["Payload"]
    assert payload["action"] == "redrive" and payload["from.$"] == "$.inspect.value.fromRegion"
    assert payload["to"] == "${Region}"
    orders, dead = naming.queue(REFERENCE.prefix, "trade-orders"), naming.dead_letter_queue(REFERENCE.prefix,
                                                                                              "trade-orders")
    assert payload["moves"] == [{"source": dead, "target": orders, "fifo": False, "own": False},
                                {"source": orders, "target": orders, "fifo": False, "own": False},
                                {"source": dead, "target": orders, "fifo": False, "own": True}]
    later = states["NotifyRedriveLater"]
    assert "drgen redrive <blueprint> --from {} --to ${Region}" in later["Parameters"]["Message.$"]
    own = states[later["Next"]]["Parameters"]["Payload"]
    assert own == {"action": "redrive", "from": "${Region}", "to": "${Region}",
                   "moves": [{"source": dead, "target": orders, "fifo": False, "own": True}]}


def test_without_a_database_nothing_decided_the_old_region_is_down_so_the_step_tries_and_catches() -> None:
    states = _states(VARIANTS["no-database"])
    assert states["RedriveFrom"]["Next"] == "Redrive"
    assert "OldRegionDown" not in states and "NotifyRedriveLater" not in states
    assert states["Redrive"]["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.redriveError",
                                           "Next": "NotifyRedriveFailed"}]
    assert states["NotifyRedriveFailed"]["Next"] == "ValidateAgain"
    assert "drgen redrive <blueprint>" in states["NotifyRedriveFailed"]["Parameters"]["Message.$"]


@pytest.mark.parametrize("visibility, ttl, expected", [("30s", "10s", 3), ("180s", "10s", 4), ("30s", "60s", 4),
                                                    ("12h", "60s", asl_redrive.MAX_ROUNDS)])
def test_the_rounds_outlast_the_dns_drain_and_the_longest_visibility_timeout_within_a_bound(
        visibility: str, ttl: str, expected: int) -> None:
    queue = dataclasses.replace(REFERENCE.queues[0], visibility_timeout=durations.parse(visibility))
    assert REFERENCE.dns is not None
    dns = dataclasses.replace(REFERENCE.dns, ttl=durations.parse(ttl), health_check=dataclasses.replace(
        REFERENCE.dns.health_check, interval=durations.parse("10s"), failure_threshold=1))
    bp = dataclasses.replace(REFERENCE, queues=(queue,), dns=dns)
    # clients may reach the region left for failure_threshold x interval + TTL, and a minute for the checkers
    assert asl_redrive.drain_seconds(bp) == 10 + durations.parse(ttl).seconds + 60
    least = asl_redrive.least_rounds(bp)
    assert asl_redrive.rounds(bp) == expected and least <= expected
    more = _states(bp)["RedriveMore"]
    assert more["Choices"][0] == {"Variable": "$.redriveRound.count", "NumericLessThan": least - 1,
                                  "Next": "RedriveWait"}  # always, until the drain is over
    assert more["Choices"][1]["And"][1] == {"Variable": "$.redriveRound.count", "NumericLessThan": expected - 1}
    assert more["Choices"][2]["Next"] == "NotifyRedriveUnfinished" and more["Default"] == "ValidateAgain"
    # the execution's timeout makes room for every round
    without = asl.timeout_seconds(dataclasses.replace(bp, functions=()))
    assert asl.timeout_seconds(bp) - without == expected * (asl_redrive.WAIT_SECONDS + 60) + 60


def test_without_dns_nothing_to_drain() -> None:
    bp = dataclasses.replace(REFERENCE, dns=None)
    assert asl_redrive.drain_seconds(bp) == 0 and asl_redrive.least_rounds(bp) == 1


def test_no_consumer_no_queue_no_step() -> None:
    assert not STEP & set(_states(dataclasses.replace(REFERENCE, functions=())))
    assert _states(THREE)["DisableConsumers"]["Next"] == "RedriveFrom"  # FIFO-free hot standby: still redriven
