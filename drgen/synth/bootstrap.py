"""The bootstrap layer (every region): the regional KMS key and the artifact bucket."""

from __future__ import annotations

from awacs import kms
from awacs.aws import Allow, ArnLike, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import GetAtt, Ref, Sub
from troposphere import kms as kmsr

from drgen import naming
from drgen.synth import policies
from drgen.synth.base import LayerTemplate, arn
from drgen.synth.buckets import secure_bucket

SOURCE_ACCOUNT = Condition(StringEquals("aws:SourceAccount", {"Ref": "AWS::AccountId"}))


def key_policy() -> PolicyDocument:
    """The account administers the key through IAM; services that encrypt without a role get only what they use."""
    root = Principal("AWS", [Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")])
    return PolicyDocument(Version=policies.VERSION, Statement=[
        Statement(Sid="AccountAdministersThroughIam", Effect=Allow, Principal=root, Action=[kms.Action("*")],
                  Resource=["*"]),  # in a key policy "*" means this key
        Statement(Sid="CloudWatchLogsEncryptsLogGroups", Effect=Allow,
                  Principal=Principal("Service", [Sub("logs.${AWS::Region}.${AWS::URLSuffix}")]),
                  Action=[kms.Encrypt, kms.Decrypt, kms.ReEncryptFrom, kms.ReEncryptTo, kms.GenerateDataKey,
                          kms.GenerateDataKeyWithoutPlaintext, kms.DescribeKey],
                  Resource=["*"],
                  Condition=Condition(ArnLike("kms:EncryptionContext:aws:logs:arn",
                                              arn("logs", "log-group:*")))),
        Statement(Sid="AlarmsAndEventsPublishToEncryptedTopicsAndQueues", Effect=Allow,
                  Principal=Principal("Service", ["cloudwatch.amazonaws.com", "events.amazonaws.com"]),
                  Action=[kms.GenerateDataKey, kms.Decrypt], Resource=["*"], Condition=SOURCE_ACCOUNT),
    ])


def contribute(t: LayerTemplate) -> None:
    key = t.add(kmsr.Key(
        "Key", Description=f"drgen {t.prefix}: encrypts everything drgen creates in this region",
        EnableKeyRotation=True, KeyPolicy=key_policy(), PendingWindowInDays=30,
        DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
    ))
    t.add(kmsr.Alias("KeyAlias", AliasName=naming.kms_alias(t.prefix), TargetKeyId=Ref(key)))
    bucket = secure_bucket(t, "ArtifactBucket", t.artifact_bucket(), key_arn=GetAtt(key, "Arn"))
    t.export("KeyArn", GetAtt(key, "Arn"), "The regional KMS key drgen encrypts with")
    t.export("ArtifactBucket", Ref(bucket), "The bucket holding Lambda packages and templates")
