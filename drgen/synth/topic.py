"""The alerts topic of a region (app layer): every alarm and the failover notifications go here."""

from __future__ import annotations

from typing import Any

from awacs import sns
from awacs.aws import Allow, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import Ref
from troposphere import sns as snsr

from drgen import naming
from drgen.synth import policies
from drgen.synth.base import LayerTemplate

TOPIC = "AlertsTopic"


def topic_arn(t: LayerTemplate) -> Any:
    """The alerts topic: here in the app layer (or its first part), the app part's export in a later part."""
    return Ref(TOPIC) if t.layer.holds("") else t.imported("app", "TopicArn")


def contribute(t: LayerTemplate) -> None:
    if not t.layer.holds(""):
        return
    topic = t.add(snsr.Topic(
        TOPIC, TopicName=naming.topic(t.prefix), DisplayName=f"{t.prefix} alerts", KmsMasterKeyId=t.key_arn(),
        Subscription=[snsr.Subscription(Protocol="email", Endpoint=email) for email in t.bp.failover.emails],
    ))
    t.add(snsr.TopicPolicy(f"{TOPIC}Policy", Topics=[Ref(topic)], PolicyDocument=PolicyDocument(
        Version=policies.VERSION, Statement=[Statement(
            Sid="AlarmsAndEventsPublish", Effect=Allow,
            Principal=Principal("Service", ["cloudwatch.amazonaws.com", "events.amazonaws.com"]),
            Action=[sns.Publish], Resource=[Ref(topic)],
            Condition=Condition(StringEquals("aws:SourceAccount", {"Ref": "AWS::AccountId"})))])))
    t.export("TopicArn", Ref(topic), "The region's alerts topic")
