"""The bootstrap layer (every region): the regional KMS key and the artifact bucket. With an organization
(``deployment.organization``) both let the organization's principals read artifacts (aws:PrincipalOrgID)."""

from __future__ import annotations

from awacs import kms, s3
from awacs.aws import Allow, ArnLike, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import GetAtt, Join, Ref, Sub
from troposphere import kms as kmsr

from drgen import naming
from drgen.synth import policies, suppressions
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


def organization_reads(org_id: str) -> list[Statement]:
    """What principals of the organization may do with this region's key: decrypt artifacts through S3 only."""
    return [Statement(Sid="OrganizationDecryptsArtifactsThroughS3", Effect=Allow, Principal=Principal("AWS", ["*"]),
                      Action=[kms.Decrypt], Resource=["*"],
                      Condition=Condition(StringEquals({"aws:PrincipalOrgID": org_id,
                                                        "kms:ViaService": Sub("s3.${AWS::Region}.amazonaws.com")})))]


def contribute(t: LayerTemplate) -> None:
    org = t.bp.deployment.organization
    policy = key_policy()
    if org is not None:
        policy.Statement.extend(organization_reads(org.org_id))
    key = t.add(kmsr.Key(
        "Key", Description=f"drgen {t.prefix}: encrypts everything drgen creates in this region",
        EnableKeyRotation=True, KeyPolicy=policy, PendingWindowInDays=30,
        DeletionPolicy="Retain", UpdateReplacePolicy="Retain",
    ))
    if org is not None:
        t.suppress(key, suppressions.ORGANIZATION_DECRYPTS)
    t.add(kmsr.Alias("KeyAlias", AliasName=naming.kms_alias(t.prefix), TargetKeyId=Ref(key)))
    bucket = secure_bucket(t, "ArtifactBucket", t.artifact_bucket(), key_arn=GetAtt(key, "Arn"))
    if org is not None:  # service-managed StackSets: every account of the organization reads packages and templates
        bucket_policy = t.template.resources["ArtifactBucketPolicy"]
        bucket_policy.PolicyDocument.Statement.append(Statement(
            Sid="OrganizationReadsArtifacts", Effect=Allow, Principal=Principal("AWS", ["*"]),
            Action=[s3.GetObject, s3.GetObjectVersion], Resource=[Join("", [GetAtt(bucket, "Arn"), "/*"])],
            Condition=Condition(StringEquals("aws:PrincipalOrgID", org.org_id))))
    t.suppress(bucket, suppressions.ARTIFACTS_PER_REGION, suppressions.NO_OBJECT_LOCK)
    t.suppress(key, suppressions.DEFAULT_KEY_POLICY)
    t.export("KeyArn", GetAtt(key, "Arn"), "The regional KMS key drgen encrypts with")
    t.export("ArtifactBucket", Ref(bucket), "The bucket holding Lambda packages and templates")
