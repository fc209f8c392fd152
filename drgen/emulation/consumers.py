"""Queues and their consumers on the clock: SQS's visibility timeouts and Lambda's SQS poller.

moto's SQS times visibility, delays and retention on the wall clock, and hands a message to an enabled event
source mapping's function only at the moment it is sent (a mapping enabled later never sees what waits in its
queue). Here, as AWS documents it (Lambda Developer Guide, "Using Lambda with Amazon SQS"; SQS Developer Guide,
"Amazon SQS visibility timeout", "Using dead-letter queues"):

- SQS reads the emulated clock: a received message is invisible for its visibility timeout, then comes back;
  a long poll waits on the clock; once received ``maxReceiveCount`` times it moves to the dead-letter queue;
- Lambda polls every enabled mapping's queue every ``POLL_SECONDS`` while its region works, in batches of the
  mapping's size, and invokes the function (its real code, ``lambdas.run_packaged``); a batch that succeeds is
  deleted, but for the records named in ``batchItemFailures``; a function error leaves the whole batch to come
  back after its visibility timeout. A disabled mapping, or a region that is down, polls nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from drgen.emulation.clock import Clock
from drgen.emulation.faults import Faults, bypassed

POLL_SECONDS = 10.0
BATCHES_PER_POLL = 10
"""Batches one mapping takes per poll at most (Lambda scales its pollers up with a backlog)."""


@dataclass
class Consumers:
    clock: Clock
    faults: Faults
    client: Any = None
    """A client factory of the emulated AWS: ``client(service, region)``."""
    regions: list[str] = field(default_factory=list)
    invocations: list[tuple[float, str, str, int, int]] = field(default_factory=list)
    """(elapsed, region, function, records, records handed back) of every batch delivered."""
    processed: list[tuple[str, str]] = field(default_factory=list)
    """(region, body) of every record a function processed (its batch succeeded and did not hand it back)."""

    def patches(self) -> list[tuple[Any, str, Any]]:
        import moto.sqs.models as sqs

        clock = self.clock
        return [
            (sqs, "unix_time", lambda *_: clock.now()),
            (sqs, "unix_time_millis", lambda *_: clock.now() * 1000.0),
            (sqs.Queue, "wait_for_messages", lambda queue, timeout: clock.sleep(timeout)),
            # no delivery at send time: the poller below delivers, as Lambda does
            (sqs.Queue, "lambda_event_source_mappings", property(lambda _: {}, lambda _, value: None)),
        ]

    def poll(self) -> None:
        for region in self.regions:
            if not self.faults.works(region):
                continue
            with bypassed():
                mappings = self.client("lambda", region).list_event_source_mappings()["EventSourceMappings"]
            for mapping in mappings:
                if mapping.get("State") == "Enabled" and ":sqs:" in mapping.get("EventSourceArn", ""):
                    for _ in range(BATCHES_PER_POLL):
                        if not self._deliver(region, mapping):
                            break

    def _deliver(self, region: str, mapping: dict[str, Any]) -> bool:
        """One batch of the mapping's queue to its function. False: the queue had nothing visible."""
        source = mapping["EventSourceArn"]
        with bypassed():
            sqs = self.client("sqs", region)
            url = sqs.get_queue_url(QueueName=source.split(":")[-1])["QueueUrl"]
            received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(10, int(mapping.get("BatchSize", 10))),
                                           AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
        if not received:
            return False
        records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                    "attributes": m.get("Attributes", {}), "messageAttributes": m.get("MessageAttributes", {}),
                    "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs", "eventSourceARN": source,
                    "awsRegion": region} for m in received]
        with bypassed():
            answer = self.client("lambda", region).invoke(FunctionName=mapping["FunctionArn"],
                                                          Payload=json.dumps({"Records": records}).encode())
        payload = answer["Payload"].read()
        if answer.get("FunctionError"):
            handed_back = {m["MessageId"] for m in received}
        else:
            result = json.loads(payload or b"null")
            failures = result.get("batchItemFailures", []) if isinstance(result, dict) else []
            handed_back = {str(f.get("itemIdentifier")) for f in failures if isinstance(f, dict)}
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(received)
                if m["MessageId"] not in handed_back]
        self.processed += [(region, m["Body"]) for m in received if m["MessageId"] not in handed_back]
        if done:
            with bypassed():
                sqs.delete_message_batch(QueueUrl=url, Entries=done)
        self.invocations.append((self.clock.elapsed(), region, mapping["FunctionArn"].split(":")[-1], len(received),
                                 len(handed_back)))
        return len(handed_back) < len(received)
