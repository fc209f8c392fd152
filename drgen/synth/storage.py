"""The storage layer (every region; secondaries first): buckets, and replication from the primary.

Every region gets the same bucket (its name carries the region). In the primary only, a replication
configuration sends every object to each secondary's bucket, encrypted there with that region's drgen
key (named by alias ARN: a stack cannot reference another region), with S3 Replication Time Control when
the blueprint asks for it.
"""

from __future__ import annotations

from typing import Any

from awacs import kms, s3
from awacs.aws import Allow, Condition, ForAnyValueStringEquals, PolicyDocument, Statement, StringEquals
from troposphere import GetAtt, If, NoValue, Ref, Sub, iam
from troposphere import s3 as s3r

from drgen import naming
from drgen.model import Bucket
from drgen.synth import policies
from drgen.synth.base import IS_PRIMARY, LayerTemplate, arn
from drgen.synth.buckets import secure_bucket


def _bucket_arn(t: LayerTemplate, bucket: Bucket, region: str) -> Sub:
    return Sub("arn:${AWS::Partition}:s3:::" + naming.bucket(t.prefix, bucket.name, region))


def _replication_role(t: LayerTemplate) -> iam.Role:
    secondaries = [r.name for r in t.bp.secondaries]
    sources = [_bucket_arn(t, b, "${AWS::Region}") for b in t.bp.buckets]
    destinations = [_bucket_arn(t, b, region) for b in t.bp.buckets for region in secondaries]
    statements = [
        Statement(Sid="ReadSourceConfiguration", Effect=Allow,
                  Action=[s3.GetReplicationConfiguration, s3.ListBucket], Resource=sources),
        Statement(Sid="ReadSourceObjects", Effect=Allow,
                  Action=[s3.GetObjectVersionForReplication, s3.GetObjectVersionAcl, s3.GetObjectVersionTagging,
                          s3.GetObjectRetention, s3.GetObjectLegalHold],
                  Resource=[Sub(f"${{{name}}}/*", {name: src}) for name, src in _named(sources)]),
        Statement(Sid="WriteReplicas", Effect=Allow,
                  Action=[s3.ReplicateObject, s3.ReplicateDelete, s3.ReplicateTags],
                  Resource=[Sub(f"${{{name}}}/*", {name: dst}) for name, dst in _named(destinations)]),
        Statement(Sid="DecryptSourceObjects", Effect=Allow, Action=[kms.Decrypt], Resource=[t.key_arn()],
                  Condition=Condition(StringEquals("kms:ViaService", Sub("s3.${AWS::Region}.amazonaws.com")))),
    ]
    # IAM names a KMS key only by its key ARN (an alias ARN in Resource grants nothing on the key), and another
    # region's key ARN is unknown here: so any key of that region, but only the one carrying drgen's alias,
    # and only when S3 of that region asks.
    for region in secondaries:
        statements.append(Statement(
            Sid="EncryptReplicasIn" + "".join(part.capitalize() for part in region.split("-")), Effect=Allow,
            Action=[kms.Encrypt, kms.GenerateDataKey],
            Resource=[arn("kms", "key/*", region=region)],
            Condition=Condition([ForAnyValueStringEquals("kms:ResourceAliases", naming.kms_alias(t.prefix)),
                                 StringEquals("kms:ViaService", f"s3.{region}.amazonaws.com")])))
    return t.add(iam.Role(
        "ReplicationRole", Condition=IS_PRIMARY,
        RoleName=Sub(naming.role(t.prefix, "replication", "${AWS::Region}")),
        Description="S3 replicates the blueprint's buckets to the secondary regions",
        AssumeRolePolicyDocument=policies.trust("s3.amazonaws.com"),
        Policies=[iam.Policy(PolicyName="replicate", PolicyDocument=PolicyDocument(
            Version=policies.VERSION, Statement=statements))],
    ))


def _named(values: list[Sub]) -> list[tuple[str, Any]]:
    return [(f"Arn{i}", value) for i, value in enumerate(values)]


def _replication(t: LayerTemplate, bucket: Bucket) -> s3r.ReplicationConfiguration:
    rules = []
    for priority, region in enumerate(r.name for r in t.bp.secondaries):
        destination: dict[str, Any] = {
            "Bucket": _bucket_arn(t, bucket, region),
            "EncryptionConfiguration": s3r.EncryptionConfiguration(ReplicaKmsKeyID=t.key_alias_arn(region)),
        }
        if bucket.time_control:
            fifteen = s3r.ReplicationTimeValue(Minutes=15)
            destination["ReplicationTime"] = s3r.ReplicationTime(Status="Enabled", Time=fifteen)
            destination["Metrics"] = s3r.Metrics(Status="Enabled", EventThreshold=fifteen)
        rules.append(s3r.ReplicationConfigurationRules(
            Id=f"to-{region}", Priority=priority, Status="Enabled",
            Filter=s3r.ReplicationRuleFilter(Prefix=""),
            DeleteMarkerReplication=s3r.DeleteMarkerReplication(
                Status="Enabled" if bucket.replicate_deletes else "Disabled"),
            SourceSelectionCriteria=s3r.SourceSelectionCriteria(
                SseKmsEncryptedObjects=s3r.SseKmsEncryptedObjects(Status="Enabled")),
            Destination=s3r.ReplicationConfigurationRulesDestination(**destination),
        ))
    return s3r.ReplicationConfiguration(Role=GetAtt("ReplicationRole", "Arn"), Rules=rules)


def contribute(t: LayerTemplate) -> None:
    t.condition(IS_PRIMARY)
    _replication_role(t)
    for bucket in t.bp.buckets:
        extra: dict[str, Any] = {"ReplicationConfiguration": If(IS_PRIMARY, _replication(t, bucket), NoValue)}
        if bucket.object_lock is not None:
            extra["ObjectLockEnabled"] = True
            extra["ObjectLockConfiguration"] = s3r.ObjectLockConfiguration(
                ObjectLockEnabled="Enabled",
                Rule=s3r.ObjectLockRule(DefaultRetention=s3r.DefaultRetention(
                    Mode=bucket.object_lock.mode, Days=bucket.object_lock.retention.whole_days)))
        # Noncurrent versions are expired only when the blueprint says so: they may be the data to recover.
        rule: dict[str, Any] = {"Id": "AbortIncompleteUploads", "Status": "Enabled"}
        if bucket.noncurrent_expiration is not None:
            rule = {"Id": "ExpireNoncurrentVersions", "Status": "Enabled",
                    "NoncurrentVersionExpiration": s3r.NoncurrentVersionExpiration(
                        NoncurrentDays=bucket.noncurrent_expiration.whole_days)}
        lifecycle = [s3r.LifecycleRule(
            **rule, AbortIncompleteMultipartUpload=s3r.AbortIncompleteMultipartUpload(DaysAfterInitiation=7))]
        logical_id = naming.logical_id(bucket.name, "Bucket")
        resource = secure_bucket(t, logical_id, Sub(naming.bucket(t.prefix, bucket.name, "${AWS::Region}")),
                                 key_arn=t.key_arn(), lifecycle=lifecycle, **extra)
        t.output(f"{logical_id}Name", Ref(resource), f"The {bucket.name} bucket in this region")
