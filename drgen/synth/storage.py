"""The storage layer (every region; secondaries first): buckets, replicated both ways.

Every region gets the same bucket (its name carries the region), and every region's bucket replicates to
every other region's, with replica modification sync, each copy encrypted with its destination region's
drgen key (named by alias ARN: a stack cannot reference another region), with S3 Replication Time Control
when the blueprint asks for it. So objects written in a secondary while it serves reach the original
region, and failing back strands nothing.

S3 refuses a replication rule whose destination bucket does not exist yet ("Destination bucket must
exist"), and on a first deployment the buckets appear one region after another. So the primary, deployed
last, always replicates to the secondaries (their buckets exist by then), and every other direction waits
for the deploy-time parameter ``PeerBuckets``: ``pending`` while some region's buckets may not exist,
``ready`` once the storage StackSet has an instance in every region (``drgen deploy`` then updates the
StackSet once more). Every region replicates (``Replicates``) unless it is a secondary with peers pending.
"""

from __future__ import annotations

from typing import Any

from awacs import kms, s3
from awacs.aws import Allow, Condition, Statement, StringEquals
from troposphere import Condition as Cond
from troposphere import Equals, GetAtt, If, Not, NoValue, Or, Parameter, Ref, Sub, iam
from troposphere import s3 as s3r

from drgen import naming
from drgen.model import Bucket
from drgen.synth import policies, suppressions
from drgen.synth.base import IS_PRIMARY, LayerTemplate
from drgen.synth.buckets import secure_bucket
from drgen.synth.iam import region_key_statement

PEER_BUCKETS = "PeerBuckets"
"""The deploy-time parameter: ``ready`` once every region's buckets exist, ``pending`` before."""
PEERS_PENDING = "PeerBucketsPending"
REPLICATES = "Replicates"


def _is(region: str) -> str:
    return "Is" + "".join(part.capitalize() for part in region.split("-"))


def _conditions(t: LayerTemplate) -> None:
    t.condition(IS_PRIMARY)
    t.template.add_parameter(Parameter(
        PEER_BUCKETS, Type="String", AllowedValues=["pending", "ready"],
        Description="ready once every region's buckets exist (drgen deploy sets it): then every region replicates "
                    "to every other; pending: only the primary replicates, to the secondaries"))
    t.deploy_parameters.append(PEER_BUCKETS)
    t.template.add_condition(PEERS_PENDING, Equals(Ref(PEER_BUCKETS), "pending"))
    t.template.add_condition(REPLICATES, Or(Cond(IS_PRIMARY), Not(Cond(PEERS_PENDING))))
    for region in t.bp.region_names:
        t.template.add_condition(_is(region), Equals(Ref("AWS::Region"), region))


def _others(t: LayerTemplate, value: Any) -> list[Any]:
    """``value(region)`` for every region but this one (a StackSet's template is the same in every region)."""
    return [If(_is(region), NoValue, value(region)) for region in t.bp.region_names]


def _bucket_arn(t: LayerTemplate, bucket: Bucket, region: str) -> Sub:
    return Sub("arn:${AWS::Partition}:s3:::" + naming.bucket(t.prefix, bucket.name, region))


def _objects(t: LayerTemplate, bucket: Bucket, region: str) -> Sub:
    return Sub("arn:${AWS::Partition}:s3:::" + naming.bucket(t.prefix, bucket.name, region) + "/*")


def _statement(**fields: Any) -> Statement:
    return Statement(**fields)


def _replication_role(t: LayerTemplate) -> iam.Role:
    here = "${AWS::Region}"
    statements: list[Any] = [
        _statement(Sid="ReadSourceConfiguration", Effect=Allow,
                   Action=[s3.GetReplicationConfiguration, s3.ListBucket],
                   Resource=[_bucket_arn(t, b, here) for b in t.bp.buckets]),
        _statement(Sid="ReadSourceObjects", Effect=Allow,
                   Action=[s3.GetObjectVersionForReplication, s3.GetObjectVersionAcl, s3.GetObjectVersionTagging,
                           s3.GetObjectRetention, s3.GetObjectLegalHold],
                   Resource=[_objects(t, b, here) for b in t.bp.buckets]),
        _statement(Sid="WriteReplicas", Effect=Allow, Action=[s3.ReplicateObject, s3.ReplicateDelete, s3.ReplicateTags],
                   Resource=[item for b in t.bp.buckets for item in _others(t, lambda r, b=b: _objects(t, b, r))]),
        _statement(Sid="DecryptSourceObjects", Effect=Allow, Action=[kms.Decrypt], Resource=[t.key_arn()],
                   Condition=Condition(StringEquals("kms:ViaService", Sub("s3.${AWS::Region}.${AWS::URLSuffix}")))),
    ]
    # another region's key, only when S3 of that region asks
    statements += _others(t, lambda region: region_key_statement(
        t, "EncryptReplicasIn" + _is(region).removeprefix("Is"), region, "s3", [kms.Encrypt, kms.GenerateDataKey]))
    return t.add(iam.Role(
        "ReplicationRole", Condition=REPLICATES,
        RoleName=Sub(naming.role(t.prefix, "replication", "${AWS::Region}")),
        Description="S3 replicates the blueprint's buckets from this region to every other",
        AssumeRolePolicyDocument=policies.trust("s3.amazonaws.com"),
        Policies=[iam.Policy(PolicyName="replicate", PolicyDocument={
            "Version": policies.VERSION, "Statement": statements})],
    ))


def _rule(t: LayerTemplate, bucket: Bucket, region: str, priority: int) -> s3r.ReplicationConfigurationRules:
    destination: dict[str, Any] = {
        "Bucket": _bucket_arn(t, bucket, region),
        "EncryptionConfiguration": s3r.EncryptionConfiguration(ReplicaKmsKeyID=t.key_alias_arn(region)),
    }
    if bucket.time_control:
        fifteen = s3r.ReplicationTimeValue(Minutes=15)
        destination["ReplicationTime"] = s3r.ReplicationTime(Status="Enabled", Time=fifteen)
        destination["Metrics"] = s3r.Metrics(Status="Enabled", EventThreshold=fifteen)
    return s3r.ReplicationConfigurationRules(
        Id=f"to-{region}", Priority=priority, Status="Enabled",
        Filter=s3r.ReplicationRuleFilter(Prefix=""),
        DeleteMarkerReplication=s3r.DeleteMarkerReplication(
            Status="Enabled" if bucket.replicate_deletes else "Disabled"),
        # replica modification sync: metadata changes made to a replica (tags, retention, ACLs) flow back, so the
        # copies stay the same whichever region changed them
        SourceSelectionCriteria=s3r.SourceSelectionCriteria(
            ReplicaModifications=s3r.ReplicaModifications(Status="Enabled"),
            SseKmsEncryptedObjects=s3r.SseKmsEncryptedObjects(Status="Enabled")),
        Destination=s3r.ReplicationConfigurationRulesDestination(**destination),
    )


def _replication(t: LayerTemplate, bucket: Bucket) -> s3r.ReplicationConfiguration:
    """A rule to every other region's bucket; the primary's rules only while peers are pending."""
    rules: list[Any] = []
    for priority, region in enumerate(t.bp.region_names):
        rule = _rule(t, bucket, region, priority)
        rules.append(If(_is(region), NoValue, rule))
    return s3r.ReplicationConfiguration(Role=GetAtt("ReplicationRole", "Arn"), Rules=rules)


def contribute(t: LayerTemplate) -> None:
    _conditions(t)
    _replication_role(t)
    for bucket in t.bp.buckets:
        extra: dict[str, Any] = {"ReplicationConfiguration": If(REPLICATES, _replication(t, bucket), NoValue)}
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
        if bucket.object_lock is None:
            t.suppress(resource, suppressions.OBJECT_LOCK_NOT_ASKED)
        t.output(f"{logical_id}Name", Ref(resource), f"The {bucket.name} bucket in this region")
