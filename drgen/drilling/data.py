"""The drill's data trail (the ``data`` scenario): what the application writes on each side of a failover and a
fail-back, and the check that all of it is still there at the end.

Writes, each with an id of its own, as the application would make them:
- objects in every bucket, items in every global table, and messages in every queue the API sends to (the
  consumers of the blueprint process them), in the primary while it serves (``before``);
- more messages in the primary at the moment it goes down: accepted, not yet taken by a consumer (``stranded``);
- the same in the target while it serves after the failover (``during``);
- messages sent to the target while the fail-back moves traffic away from it and for a DNS TTL after (clients
  that still resolve it: ``stale``).
At the end (``check``): every object in every region's bucket, every item in every replica, every message
processed by a consumer (its batch succeeded and did not hand it back), and no message left in a dead-letter
queue or in a queue of a region that is not active.

A message body is an order the shipped consumers both accept (the trade processor's order and the ledger
writer's entry in one object).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from drgen import naming
from drgen.emulation import ACCOUNT, Emulation
from drgen.emulation.faults import bypassed
from drgen.model import Blueprint

STALE_EVERY = 10.0
"""Stale clients send a message every this many seconds."""


@dataclass
class DataTrail:
    bp: Blueprint
    em: Emulation
    objects: list[tuple[str, str]] = field(default_factory=list)
    """(bucket, key) written: the bucket's blueprint name; the key is expected in every region's copy of it."""
    items: list[dict[str, Any]] = field(default_factory=list)
    messages: list[tuple[str, str]] = field(default_factory=list)
    """(phase, body) of every message sent."""
    _count: int = 0

    # --- writing ------------------------------------------------------------------------------------------
    def bucket(self, name: str, region: str) -> str:
        return naming.bucket(self.bp.prefix, name, region).replace(naming.ACCOUNT, ACCOUNT)

    def _id(self, phase: str) -> str:
        self._count += 1
        return f"drill-{phase}-{self._count:04d}"

    def write(self, phase: str, region: str) -> None:
        """An object in each bucket, an item in each table and a message in each queue, in ``region``."""
        with bypassed():
            for bucket in self.bp.buckets:
                key = f"drill/{self._id(phase)}.json"
                self.em.client("s3", region).put_object(Bucket=self.bucket(bucket.name, region), Key=key,
                                                        Body=json.dumps({"phase": phase}).encode())
                self.objects.append((bucket.name, key))
            for table in self.bp.tables:
                item = {k.name: {k.type: self._id(phase) if k.type == "S" else str(self._count)}
                        for k in (table.partition_key, table.sort_key) if k is not None}
                self.em.client("dynamodb", region).put_item(TableName=naming.table(self.bp.prefix, table.name),
                                                            Item={**item, "phase": {"S": phase}})
                self.items.append({"table": naming.table(self.bp.prefix, table.name), "key": item})
        self.send(phase, region)

    def send(self, phase: str, region: str) -> None:
        """A message in each queue of ``region``, as its API route would send it."""
        with bypassed():
            for queue in self.bp.queues:
                ident = self._id(phase)
                body = json.dumps({"orderId": ident, "userId": "drill", "symbol": "DRL", "side": "BUY",
                                   "quantity": 1, "price": 1, "entryId": ident, "account": "drill", "amount": 1})
                sqs = self.em.client("sqs", region)
                url = sqs.get_queue_url(QueueName=naming.queue(self.bp.prefix, queue.name, queue.fifo))["QueueUrl"]
                extra = {"MessageGroupId": "drill", "MessageDeduplicationId": ident} if queue.fifo else {}
                sqs.send_message(QueueUrl=url, MessageBody=body, **extra)
                self.messages.append((phase, body))

    def stale(self, region: str, active: Any) -> None:
        """Clients still sending to ``region`` until Route 53 has seen its health check fail ``failure_threshold``
        times and the record's TTL has passed, counted from when ``active()`` there names another region."""
        dns = self.bp.dns
        window = 0.0 if dns is None else dns.health_check.interval.seconds * dns.health_check.failure_threshold \
            + dns.ttl.seconds
        clock = self.em.clock
        moved_at: list[float | None] = [None]

        def tick() -> None:
            if moved_at[0] is None and active() not in (None, region):
                moved_at[0] = clock.now()
            moved = moved_at[0]
            if moved is not None and clock.now() > moved + window:
                return
            self.send("stale", region)
            clock.after(STALE_EVERY, tick, "stale clients")

        tick()

    # --- checking -----------------------------------------------------------------------------------------
    def check(self, active: str) -> list[str]:
        problems = []
        regions = self.bp.region_names
        with bypassed():
            for bucket in self.bp.buckets:
                for region in regions:
                    s3, name = self.em.client("s3", region), self.bucket(bucket.name, region)
                    held = {o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name, Prefix="drill/")
                            for o in page.get("Contents", [])}
                    wanted = {key for b, key in self.objects if b == bucket.name}
                    missing = sorted(wanted - held)
                    if missing:
                        problems.append(f"{len(missing)} of {len(wanted)} objects missing from {name} "
                                        f"({region}): {missing[:3]}")
            for region in regions:
                lost = [i for i in self.items if "Item" not in self.em.client("dynamodb", region).get_item(
                    TableName=i["table"], Key=i["key"], ConsistentRead=True)]
                if lost:
                    problems.append(f"{len(lost)} of {len(self.items)} items missing from the replicas in {region}")
            processed = {body for _, body in self.em.consumers.processed}
            unprocessed = [phase for phase, body in self.messages if body not in processed]
            if unprocessed:
                phases = {p: unprocessed.count(p) for p in sorted(set(unprocessed))}
                problems.append(f"{len(unprocessed)} of {len(self.messages)} messages never processed (by phase "
                                f"written: {phases})")
            for region in regions:
                for queue in self.bp.queues:
                    names = [naming.dead_letter_queue(self.bp.prefix, queue.name, queue.fifo)] \
                        if queue.dead_letter is not None else []
                    if region != active:
                        names.append(naming.queue(self.bp.prefix, queue.name, queue.fifo))
                    for name in names:
                        left = self.waiting(region, name)
                        if left:
                            problems.append(f"{left} messages stranded in {name} ({region})")
        return problems

    def waiting(self, region: str, name: str) -> int:
        sqs = self.em.client("sqs", region)
        found = sqs.get_queue_attributes(QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"], AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return int(found["ApproximateNumberOfMessages"]) + int(found["ApproximateNumberOfMessagesNotVisible"])

    def summary(self) -> str:
        outside = sum(1 for region, _ in self.em.consumers.processed if region != self.bp.primary.name)
        return (f"data: {len(self.objects)} objects, {len(self.items)} items, {len(self.messages)} messages written; "
                f"{len(self.em.consumers.processed)} records processed ({outside} outside the primary), "
                f"{len(self.em.buckets.copied)} objects replicated")
