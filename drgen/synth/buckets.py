"""An encrypted, private, versioned, TLS-only S3 bucket: the one way drgen makes a bucket."""

from __future__ import annotations

from typing import Any

from awacs import s3
from awacs.aws import Allow, ArnLike, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import GetAtt, Ref, Sub
from troposphere import s3 as s3r

from drgen import naming
from drgen.synth import policies, suppressions
from drgen.synth.base import LayerTemplate

ACCESS_LOGS = "AccessLogBucket"


def public_access_block() -> s3r.PublicAccessBlockConfiguration:
    return s3r.PublicAccessBlockConfiguration(BlockPublicAcls=True, BlockPublicPolicy=True, IgnorePublicAcls=True,
                                              RestrictPublicBuckets=True)


def access_log_destination(t: LayerTemplate) -> Any:
    """The name of the region's bucket for S3 server access logs.

    The bootstrap layer holds it (one per region, named by ``naming.access_log_bucket``); the storage layer,
    which is deployed after bootstrap in the same region, names it instead of making its own.
    """
    if t.layer.name != "bootstrap":
        return Sub(naming.access_log_bucket(t.prefix, "${AWS::Region}"))
    if ACCESS_LOGS in t.template.resources:
        return Ref(t.template.resources[ACCESS_LOGS])
    bucket = t.add(s3r.Bucket(
        ACCESS_LOGS,
        BucketName=Sub(naming.access_log_bucket(t.prefix, "${AWS::Region}")),
        BucketEncryption=s3r.BucketEncryption(ServerSideEncryptionConfiguration=[s3r.ServerSideEncryptionRule(
            ServerSideEncryptionByDefault=s3r.ServerSideEncryptionByDefault(SSEAlgorithm="AES256"))]),
        VersioningConfiguration=s3r.VersioningConfiguration(Status="Enabled"),
        PublicAccessBlockConfiguration=public_access_block(),
        OwnershipControls=s3r.OwnershipControls(Rules=[s3r.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]),
        LifecycleConfiguration=s3r.LifecycleConfiguration(Rules=[s3r.LifecycleRule(
            Id="ExpireAccessLogs", Status="Enabled", ExpirationInDays=365, NoncurrentVersionExpirationInDays=30)]),
        DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
    ))
    t.suppress(bucket, suppressions.ACCESS_LOG_DESTINATION, suppressions.ACCESS_LOGS_SSE_S3,
               suppressions.ACCESS_LOGS_REGIONAL, suppressions.NO_OBJECT_LOCK, suppressions.NO_EVENT_CONSUMER)
    t.suppress(t.add(s3r.BucketPolicy(f"{ACCESS_LOGS}Policy", Bucket=Ref(bucket),
                                      PolicyDocument=_log_delivery_policy(t, bucket))),
               suppressions.TLS_ONLY_AS_STRING)
    return Ref(bucket)


def _log_delivery_policy(t: LayerTemplate, bucket: s3r.Bucket) -> PolicyDocument:
    """TLS only, and S3 log delivery may write for this account's drgen buckets (named ``<prefix>-...``)."""
    document = policies.tls_only_bucket(GetAtt(bucket, "Arn"))
    delivery = Statement(
        Sid="AllowServerAccessLogs", Effect=Allow, Principal=Principal("Service", ["logging.s3.amazonaws.com"]),
        Action=[s3.PutObject], Resource=[Sub("${" + bucket.title + ".Arn}/*")],
        Condition=Condition([StringEquals("aws:SourceAccount", {"Ref": "AWS::AccountId"}),
                             ArnLike("aws:SourceArn", Sub(f"arn:${{AWS::Partition}}:s3:::{t.prefix}-*"))]),
    )
    return PolicyDocument(Version=policies.VERSION, Statement=[*document.Statement, delivery])


def secure_bucket(t: LayerTemplate, logical_id: str, name: Any, *, key_arn: Any, lifecycle: list[Any] | None = None,
                  **extra: Any) -> s3r.Bucket:
    """A versioned bucket, SSE-KMS with the regional key, public access blocked, owner-enforced, access-logged,
    with a TLS-only policy."""
    log_bucket = access_log_destination(t)
    rules = lifecycle or [s3r.LifecycleRule(Id="ExpireNoncurrentVersions", Status="Enabled",
                                            NoncurrentVersionExpirationInDays=90,
                                            AbortIncompleteMultipartUpload=s3r.AbortIncompleteMultipartUpload(
                                                DaysAfterInitiation=7))]
    bucket = t.add(s3r.Bucket(
        logical_id, BucketName=name,
        BucketEncryption=s3r.BucketEncryption(ServerSideEncryptionConfiguration=[s3r.ServerSideEncryptionRule(
            ServerSideEncryptionByDefault=s3r.ServerSideEncryptionByDefault(SSEAlgorithm="aws:kms",
                                                                            KMSMasterKeyID=key_arn),
            BucketKeyEnabled=True)]),
        VersioningConfiguration=s3r.VersioningConfiguration(Status="Enabled"),
        PublicAccessBlockConfiguration=public_access_block(),
        OwnershipControls=s3r.OwnershipControls(Rules=[s3r.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]),
        LoggingConfiguration=s3r.LoggingConfiguration(DestinationBucketName=log_bucket, LogFilePrefix=f"{logical_id}/"),
        LifecycleConfiguration=s3r.LifecycleConfiguration(Rules=rules),
        DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
        **extra,
    ))
    t.suppress(t.add(s3r.BucketPolicy(f"{logical_id}Policy", Bucket=Ref(bucket),
                                      PolicyDocument=policies.tls_only_bucket(GetAtt(bucket, "Arn")))),
               suppressions.TLS_ONLY_AS_STRING)
    t.suppress(bucket, suppressions.NO_EVENT_CONSUMER)
    if t.layer.name != "bootstrap":
        t.suppress(bucket, suppressions.LOGS_TO_NAMED_BUCKET)
    return bucket

