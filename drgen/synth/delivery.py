"""How drgen's EventBridge rules and schedules deliver (app layer queue, used by every layer of a region).

Every rule or schedule target drgen renders has a ``RetryPolicy`` and a ``DeadLetterConfig``: an event that
cannot be delivered (a throttled StartExecution, a function that cannot be invoked, another region's bus that
does not answer) lands in the region's dead-letter queue - encrypted with the region's key, TLS only, writable
by EventBridge for the blueprint's own rules alone - whose depth alarm pages through the alerts topic.
"""

from __future__ import annotations

from typing import Any

from awacs import sqs
from awacs.aws import Allow, ArnLike, Condition, Principal, Statement, StringEquals
from troposphere import GetAtt, Ref, Sub, cloudwatch
from troposphere import events as eventsr
from troposphere import sqs as sqsr

from drgen import naming
from drgen.synth import policies, suppressions
from drgen.synth.base import LayerTemplate
from drgen.synth.topic import TOPIC

QUEUE = "EventsDeadLetterQueue"
RETENTION_SECONDS = 14 * 24 * 3600
"""SQS's longest retention: an operator has two weeks to look at an event that was not delivered."""


def queue_name(prefix: str) -> str:
    return naming.queue(prefix, "drgen-events-dlq")


def alarm_name(prefix: str) -> str:
    return naming.alarm(prefix, "drgen-events-undelivered")


def needed(t: LayerTemplate) -> bool:
    """Whether the region has EventBridge rules: the orchestration layer's, or the forwarding of alarms."""
    return t.bp.runs_compute_in_secondaries


def contribute(t: LayerTemplate) -> None:
    """The region's dead-letter queue for EventBridge targets and its depth alarm (app layer)."""
    if not needed(t) or not t.layer.holds(""):
        return
    queue = t.add(sqsr.Queue(QUEUE, QueueName=queue_name(t.prefix), MessageRetentionPeriod=RETENTION_SECONDS,
                             KmsMasterKeyId=t.key_arn(), KmsDataKeyReusePeriodSeconds=300,
                             DeletionPolicy="Retain", UpdateReplacePolicy="Retain"))
    t.suppress(queue, suppressions.QUEUE_KEY_IMPORTED, suppressions.DEAD_LETTER_QUEUE)
    tls_only = policies.tls_only_queue(QUEUE)
    tls_only.Statement.append(Statement(
        Sid="OwnRulesDeadLetter", Effect=Allow, Principal=Principal("Service", ["events.amazonaws.com"]),
        Action=[sqs.SendMessage], Resource=[GetAtt(queue, "Arn")],
        Condition=Condition([ArnLike("aws:SourceArn", Sub(f"arn:${{AWS::Partition}}:events:${{AWS::Region}}:"
                                                           f"${{AWS::AccountId}}:rule/{t.prefix}-*")),
                             StringEquals("aws:SourceAccount", Ref("AWS::AccountId"))])))
    t.add(sqsr.QueuePolicy(f"{QUEUE}Policy", Queues=[Ref(queue)], PolicyDocument=tls_only))
    t.template.add_resource(cloudwatch.Alarm(
        "EventsUndeliveredAlarm", AlarmName=alarm_name(t.prefix),
        AlarmDescription="An EventBridge rule or schedule of drgen could not deliver an event (a probe, a readiness "
                         "run, a failover start or a forwarded alarm): read the dead-letter queue "
                         + queue_name(t.prefix),
        Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible", Statistic="Maximum", Period=60,
        EvaluationPeriods=1, Threshold=0, ComparisonOperator="GreaterThanThreshold", TreatMissingData="notBreaching",
        Dimensions=[cloudwatch.MetricDimension(Name="QueueName", Value=queue_name(t.prefix))],
        AlarmActions=[Ref(TOPIC)], OKActions=[Ref(TOPIC)]))
    t.export("EventsDeadLetterQueueArn", GetAtt(queue, "Arn"), "Where the region's EventBridge targets dead-letter")


def target_options(t: LayerTemplate, max_age_seconds: int, attempts: int = 8) -> dict[str, Any]:
    """A target's ``RetryPolicy`` and ``DeadLetterConfig``: retried ``attempts`` times within ``max_age_seconds``."""
    arn = GetAtt(QUEUE, "Arn") if t.layer.name == "app" else t.imported("app", "EventsDeadLetterQueueArn")
    return {"RetryPolicy": eventsr.RetryPolicy(MaximumEventAgeInSeconds=max(60, min(max_age_seconds, 86_400)),
                                               MaximumRetryAttempts=attempts),
            "DeadLetterConfig": eventsr.DeadLetterConfig(Arn=arn)}
