"""The data drill shows what the design depends on: the same scenario, with the design less one of its parts,
loses data in the emulated world (the whole design passes it in the drill matrix, tests/test_drill_outage.py).

- Without the state machine's redrive step, what clients still send to the region traffic leaves (until Route 53
  and their resolvers move) stays in that region's queue after the fail-back.
- Without two-way replication (the storage StackSet's first pass, ``PeerBuckets=pending``: only the primary
  replicates), objects written in the secondary while it serves never reach the primary.
"""

from __future__ import annotations

import json
from typing import Any

from drgen import asl_redrive
from drgen.drilling.run import run_scenario
from drgen.drilling.scenarios import by_name
from tests.drillcases import REFERENCE, load

BLUEPRINT = load(REFERENCE.name)
TARGET = BLUEPRINT.secondaries[0].name


def without_redrive(rendered: Any) -> None:
    """The rendered machines as they were before the redrive step: the consumers move, then validation."""
    for path in [p for p in rendered.files if p.startswith("statemachines/")]:
        document = json.loads(rendered.files[path])
        states = document["States"]
        disable = states["DisableConsumers"]
        disable["Next"] = "ValidateAgain"
        for catch in disable["Catch"]:
            catch["Next"] = "ValidateAgain"
        for name in list(states):
            if name.startswith(("Redrive", "NotifyRedrive")) or name in ("OldRegionDown", "CountRedrive"):
                del states[name]
        assert asl_redrive.ENTRY not in json.dumps(states)
        rendered.files[path] = json.dumps(document).encode()


def test_without_the_redrive_step_messages_stay_stranded_in_the_region_left() -> None:
    result = run_scenario(BLUEPRINT, by_name("data"), TARGET, prepare=without_redrive)
    stranded = [p for p in result.problems if "stranded in" in p and f"({TARGET})" in p]
    assert stranded and any("never processed" in p and "'stale'" in p for p in result.problems), result.problems
    # everything else of the design still holds: objects and items are all there
    assert not any("objects missing" in p or "items missing" in p for p in result.problems), result.problems


def test_with_one_way_replication_objects_written_during_the_failover_are_missing_after_it() -> None:
    result = run_scenario(BLUEPRINT, by_name("data"), TARGET, parameters={"PeerBuckets": "pending"})
    missing = [p for p in result.problems if "objects missing" in p]
    primary = BLUEPRINT.primary.name
    assert missing and all(f"({primary})" in p and "drill-during" in p for p in missing), result.problems
    assert len(missing) == len(BLUEPRINT.buckets)  # every bucket of the primary, none of the secondary
    assert not any("messages" in p for p in result.problems), result.problems
