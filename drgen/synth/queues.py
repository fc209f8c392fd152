"""Queues of a region (app layer): each with its dead-letter queue, encrypted, TLS only."""

from __future__ import annotations

from typing import Any

from troposphere import GetAtt, Ref
from troposphere import sqs as sqsr

from drgen import naming
from drgen.model import Queue
from drgen.splitting import exported_queues, queue_exports
from drgen.synth import policies, suppressions
from drgen.synth.base import LayerTemplate


def queue_id(queue: Queue | str) -> str:
    return naming.queue_id(queue if isinstance(queue, str) else queue.name)


def dead_letter_id(queue: Queue | str) -> str:
    return naming.dead_letter_id(queue if isinstance(queue, str) else queue.name)


def queue_arn(t: LayerTemplate, queue: str) -> Any:
    """The ARN of ``queue``: its own in the app layer (or its first part), the app part's export in a later part."""
    return GetAtt(queue_id(queue), "Arn") if t.layer.holds("") else t.imported("app", queue_exports(queue)[0])


def queue_url(t: LayerTemplate, queue: str) -> Any:
    """The URL of ``queue``, as ``queue_arn``."""
    return {"Ref": queue_id(queue)} if t.layer.holds("") else t.imported("app", queue_exports(queue)[1])


def contribute(t: LayerTemplate) -> None:
    if not t.layer.holds(""):
        return
    shared = exported_queues(t.bp, t.layer)
    for queue in t.bp.queues:
        fifo = {"FifoQueue": True, "ContentBasedDeduplication": True} if queue.fifo else {}
        # Retained: a queue deleted with its stack loses the messages it holds
        encryption = {"KmsMasterKeyId": t.key_arn(), "KmsDataKeyReusePeriodSeconds": 300,
                      "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
        redrive = {}
        if queue.dead_letter is not None:
            dlq = t.add(sqsr.Queue(
                dead_letter_id(queue), QueueName=naming.dead_letter_queue(t.prefix, queue.name, queue.fifo),
                MessageRetentionPeriod=queue.dead_letter.retention.whole_seconds, **fifo, **encryption))
            t.suppress(dlq, suppressions.QUEUE_KEY_IMPORTED, suppressions.DEAD_LETTER_QUEUE)
            t.add(sqsr.QueuePolicy(f"{dlq.title}Policy", Queues=[Ref(dlq)],
                                   PolicyDocument=policies.tls_only_queue(dlq.title)))
            redrive["RedrivePolicy"] = sqsr.RedrivePolicy(deadLetterTargetArn=GetAtt(dlq, "Arn"),
                                                          maxReceiveCount=queue.dead_letter.max_receive_count)
        resource = t.add(sqsr.Queue(
            queue_id(queue), QueueName=naming.queue(t.prefix, queue.name, queue.fifo),
            VisibilityTimeout=queue.visibility_timeout.whole_seconds,
            MessageRetentionPeriod=queue.retention.whole_seconds, **fifo, **encryption, **redrive))
        t.suppress(resource, suppressions.QUEUE_KEY_IMPORTED)
        t.add(sqsr.QueuePolicy(f"{resource.title}Policy", Queues=[Ref(resource)],
                               PolicyDocument=policies.tls_only_queue(resource.title)))
        if queue.name in shared:  # a function in a later part of the split app layer names it
            arn, url = queue_exports(queue.name)
            t.export(arn, GetAtt(resource, "Arn"), f"The {queue.name} queue's ARN, for the other app parts")
            t.export(url, Ref(resource), f"The {queue.name} queue's URL, for the other app parts")


