"""Redrive: move what waits in a region that is not active - its queues and their dead-letter queues - into the
same queues of the active region, where the consumers run.

After a failover, the region traffic left keeps the messages its API accepted and its consumers had not
finished (``region_outage: wait``); when it returns its consumers stay off (and, fenced, would refuse them).
SQS's own ``StartMessageMoveTask`` cannot do this: it moves only out of a dead-letter queue, of a standard
queue, within one region. So drgen moves them itself: receive a batch in the source region, send it to the
active region's queue (body, message attributes, and for FIFO the group and deduplication ids), and delete
each message from the source only once the target has stored it. A crash between the two sends a message
twice, never zero times: consumers are idempotent (docs/functions.md).

The moving itself is ``move_queue`` of drgen's promoter function (``drgen/functions/promoter/handler.py``), the
code the failover state machine's ``Redrive`` step runs: one implementation. The functions are packaged as
standalone folders, so the library imports the promoter's module, never the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drgen import naming
from drgen.errors import DeployError
from drgen.functions.promoter.handler import move_queue
from drgen.model import Blueprint


@dataclass(frozen=True)
class Moved:
    queue: str
    """The physical queue name in the source region (a dead-letter queue or a queue)."""
    target: str
    moved: int
    failed: int


def active_region(clients: Any, bp: Blueprint, region: str) -> str | None:
    """The region the flag names, read from ``region``'s replica of the control table."""
    item = clients.client("dynamodb", region).get_item(
        TableName=naming.control_table(bp.prefix), Key={"pk": {"S": "active-region"}}, ConsistentRead=True).get("Item")
    region = (item or {}).get("region", {}).get("S")
    return region if isinstance(region, str) else None


def plan(bp: Blueprint) -> list[tuple[str, str, bool]]:
    """(source queue, target queue, fifo) for every queue and dead-letter queue: both go to the target's queue."""
    out = []
    for queue in bp.queues:
        target = naming.queue(bp.prefix, queue.name, queue.fifo)
        if queue.dead_letter is not None:
            out.append((naming.dead_letter_queue(bp.prefix, queue.name, queue.fifo), target, queue.fifo))
        out.append((target, target, queue.fifo))
    return out


def redrive(clients: Any, bp: Blueprint, source: str, target: str) -> list[Moved]:
    """Move every message of ``source``'s queues into ``target``'s; refuses unless ``target`` is the active region
    (as ``target``'s replica of the flag says) and ``source`` is not."""
    if source == target:
        raise DeployError(f"the source and the target are both {source}: name the region to empty and the active one")
    for region in (source, target):
        if region not in bp.region_names:
            raise DeployError(f"{region} is not a region of {bp.name}: {', '.join(bp.region_names)}")
    active = active_region(clients, bp, target)
    if active != target:
        raise DeployError(f"the active-region flag in {target} names {active or 'no region'}, not {target}: redrive "
                          "only into the active region (fail over first, or name it with --to)")
    return [_move(clients, source, target, name, into, fifo) for name, into, fifo in plan(bp)]


def _move(clients: Any, source: str, target: str, name: str, into: str, fifo: bool) -> Moved:
    sqs_from, sqs_to = clients.client("sqs", source), clients.client("sqs", target)
    from_url = sqs_from.get_queue_url(QueueName=name)["QueueUrl"]
    to_url = sqs_to.get_queue_url(QueueName=into)["QueueUrl"]
    moved, failed, _ = move_queue(sqs_from, sqs_to, from_url, to_url, fifo)
    return Moved(name, into, moved, failed)
