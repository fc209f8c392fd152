"""Every checkov check and CloudFormation Guard rule drgen suppresses, each once, with why.

A ``Suppression`` is one reason and the checks it answers: checkov check ids (written to the resource's
``Metadata.checkov.skip`` with the reason as the comment) and Guard rule names (written to
``Metadata.guard.SuppressedRules``, names only: templates have a size limit). The Guard rules are those of AWS
Control Tower's proactive controls (lower-case names, shipped with ``@cdklabs/cdk-validator-cfnguard``) and the
Well-Architected Reliability and Security packs of aws-guard-rules-registry (upper-case names, vendored in
tools/guard-rules). ``LayerTemplate.suppress`` is the one way a synth module applies one; docs/security.md lists
them for a reader, and tests/test_guard.py and tests/test_validators.py hold the templates to them.

Many Guard findings are the rule's limits, not the template's: Control Tower's rules accept a key, a log bucket
or a subnet only as a literal, ``Ref`` or ``GetAtt``, while drgen's layers import them from the stack that owns
them (``Fn::ImportValue``) or name them (``Fn::Sub``). The reason says so where it is the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Suppression:
    """One reason, and the checkov checks and Guard rules it suppresses on a resource."""

    name: str
    reason: str
    checkov: tuple[str, ...] = ()
    guard: tuple[str, ...] = ()


ALL: list[Suppression] = []


def _s(name: str, reason: str, checkov: tuple[str, ...] = (), guard: tuple[str, ...] = ()) -> Suppression:
    suppression = Suppression(name, reason, checkov, guard)
    ALL.append(suppression)
    return suppression


_IMPORTED = ("is the region's drgen key, imported from the bootstrap stack (Fn::ImportValue); the rule accepts a "
             "key only as a literal, Ref or GetAtt")
_LAMBDA_VPC = ("CKV_AWS_117",)
_GUARD_VPC = ("LAMBDA_INSIDE_VPC", "lambda_inside_vpc_check")

# ---- Lambda functions -------------------------------------------------------------------------------------------

CONCURRENCY = _s(
    "concurrency", "concurrency is bounded by the account limit and each queue's event source; reserving it here "
    "would take capacity from every other function", ("CKV_AWS_115",), ("LAMBDA_CONCURRENCY_CHECK",))
SYNC_OR_QUEUE = _s(
    "sync-or-queue", "invoked synchronously or by an SQS event source, whose dead-letter queue keeps failed messages",
    ("CKV_AWS_116",), ("LAMBDA_DLQ_CHECK",))
SCHEDULED = _s(
    "scheduled", "invoked by an EventBridge schedule whose target has a retry policy and a dead-letter queue",
    ("CKV_AWS_116",), ("LAMBDA_DLQ_CHECK",))
DRAINER_SCHEDULED = _s(
    "drainer-scheduled", "invoked by an EventBridge schedule every minute: a missed invocation is the next one",
    ("CKV_AWS_116",), ("LAMBDA_DLQ_CHECK",))
AUTHORIZER_SYNC = _s(
    "authorizer-sync", "invoked synchronously by API Gateway: a failure is the client's 500, nothing to "
    "redeliver", ("CKV_AWS_116",), ("LAMBDA_DLQ_CHECK",))
NOT_IN_VPC = _s(
    "not-in-vpc", "the blueprint runs this function outside a VPC (in_vpc: false): it reaches only AWS APIs",
    _LAMBDA_VPC, _GUARD_VPC)
HEALTH_OUTSIDE_VPC = _s(
    "health-outside-vpc", "the health check reads only AWS APIs; it runs outside the VPC so that it reports the "
    "region, not one subnet's routing", _LAMBDA_VPC, _GUARD_VPC)
CANARY_OUTSIDE_VPC = _s(
    "canary-outside-vpc", "the canary must reach other regions' public endpoints, not depend on this region's "
    "network layer", _LAMBDA_VPC, _GUARD_VPC)
ORCHESTRATION_OUTSIDE_VPC = _s(
    "orchestration-outside-vpc", "drgen's orchestration functions call only AWS APIs and must not depend on the "
    "region's network layer", _LAMBDA_VPC, _GUARD_VPC)
DRAINER_OUTSIDE_VPC = _s(
    "drainer-outside-vpc", "the drainer reads only AWS APIs (DynamoDB, SQS): it runs outside the VPC",
    _LAMBDA_VPC, _GUARD_VPC)
AUTHORIZER_OUTSIDE_VPC = _s(
    "authorizer-outside-vpc", "the authoriser fetches the issuer's public keys from the internet and reads "
    "nothing in the VPC", _LAMBDA_VPC, _GUARD_VPC)
VPC_IMPORTED = _s(
    "vpc-imported", "the function is in the VPC: its subnets and security group are imported from the network "
    "stack (Fn::ImportValue), which the rule does not accept as a subnet or security group",
    guard=("lambda_inside_vpc_check",))
ENVIRONMENT_NAMES_ONLY = _s(
    "environment-names-only", "the environment holds resource names only; credentials come from the function's "
    "role (IAM database authentication tokens included) at run time (checkov's pattern matching misreads some "
    "names)", ("CKV_AWS_45",))
INVOKED_BY_OWN_API = _s(
    "invoked-by-own-api", "API Gateway may invoke the function only from this API's own route (SourceArn, built "
    "with Fn::Sub from the API's id in this account and region); the rule accepts SourceArn only as a literal, Ref "
    "or GetAtt", guard=("lambda_function_public_access_prohibited_check",))

# ---- Log groups, queues, keys -----------------------------------------------------------------------------------

LOG_GROUP_KEY_IMPORTED = _s(
    "log-group-key-imported", f"the log group is encrypted: its KmsKeyId {_IMPORTED}",
    guard=("cloudwatch_log_group_encrypted_check",))
QUEUE_KEY_IMPORTED = _s(
    "queue-key-imported", f"the queue is encrypted: its KmsMasterKeyId {_IMPORTED}",
    guard=("sqs_queue_encrypted_check",))
DEAD_LETTER_QUEUE = _s(
    "dead-letter-queue", "this is a dead-letter queue: failed messages end here and stay for its retention "
    "period; a queue behind it would only move them", guard=("sqs_dlq_check",))
DEFAULT_KEY_POLICY = _s(
    "default-key-policy", "the key policy's first statement is KMS's default one (kms:* to the account, which "
    "delegates to IAM); the services it names get only encrypt and decrypt actions, never kms:CreateGrant",
    guard=("kms_create_grant_aws_service_check",))

ORGANIZATION_DECRYPTS = _s(
    "organization-decrypts", "with deployment.organization only: the wildcard principal is bounded to the "
    "organization (aws:PrincipalOrgID) decrypting through S3 in this region (kms:ViaService); service-managed "
    "StackSets read artifacts from every account of the organization", ("CKV_AWS_33",))

# ---- S3 ---------------------------------------------------------------------------------------------------------

ACCESS_LOG_DESTINATION = _s(
    "access-log-destination", "this is the region's access-log destination; logging it into itself would loop",
    ("CKV_AWS_18",), ("S3_BUCKET_LOGGING_ENABLED", "s3_bucket_logging_enabled_check"))
ACCESS_LOGS_SSE_S3 = _s(
    "access-logs-sse-s3", "S3 server access logs can only be delivered to an SSE-S3 bucket, not SSE-KMS",
    guard=("s3_bucket_default_encryption_kms_check",))
ACCESS_LOGS_REGIONAL = _s(
    "access-logs-regional", "access logs record this region's requests and stay in it; every region has its own "
    "access-log bucket", guard=("S3_BUCKET_REPLICATION_ENABLED",))
ARTIFACTS_PER_REGION = _s(
    "artifacts-per-region", "drgen deploy uploads the function packages to every region's artifact bucket itself; "
    "each region's stacks read only their own", guard=("S3_BUCKET_REPLICATION_ENABLED",))
LOGS_TO_NAMED_BUCKET = _s(
    "logs-to-named-bucket", "the bucket logs to the region's access-log bucket, named with Fn::Sub; the rule "
    "accepts a destination only as a literal, Ref or GetAtt", guard=("s3_bucket_logging_enabled_check",))
_OBJECT_LOCK = ("S3_BUCKET_DEFAULT_LOCK_ENABLED", "s3_bucket_object_lock_enabled_check")
NO_OBJECT_LOCK = _s(
    "no-object-lock", "drgen's own bucket (function packages drgen deploy uploads again, or access logs kept a "
    "year): its lifecycle rule expires old versions, which object lock would forbid; versioning keeps overwritten "
    "objects until then",
    guard=_OBJECT_LOCK)
OBJECT_LOCK_NOT_ASKED = _s(
    "object-lock-not-asked", "the blueprint sets no object_lock for this bucket; versioning and "
    "replication keep overwritten objects", guard=_OBJECT_LOCK)
TLS_ONLY_AS_STRING = _s(
    "tls-only-as-string", "the policy denies every request without TLS: its condition is "
    "{\"Bool\": {\"aws:SecureTransport\": \"false\"}}, the string form of AWS's examples, which Control Tower's "
    "rule requires; this rule compares it with the boolean false only", guard=("S3_BUCKET_SSL_REQUESTS_ONLY",))
NO_EVENT_CONSUMER = _s(
    "no-event-consumer", "nothing drgen renders consumes this bucket's object events; add a notification where "
    "you have a consumer", guard=("s3_event_notifications_enabled_check",))

# ---- API Gateway ------------------------------------------------------------------------------------------------

OPEN_HEALTH = _s(
    "open-health", "the health route must answer Route 53 health checkers, which cannot sign requests",
    ("CKV_AWS_59",))
NO_CACHE = _s(
    "no-cache", "responses must not be cached: the health route reports the region's state now", ("CKV_AWS_120",))
NO_EXECUTION_LOGGING = _s(
    "no-execution-logging", "execution logging needs the account-wide API Gateway CloudWatch role, which drgen does "
    "not own; access logs are on", guard=("API_GW_EXECUTION_LOGGING_ENABLED", "api_gw_v1_execution_logging_enabled_check"))

# ---- Databases --------------------------------------------------------------------------------------------------

MASTER_SECRET_NOT_ROTATED = _s(
    "master-secret-not-rotated", "drgen does not rotate the master password: a rotation function would need "
    "network access to the writer, which moves between regions in a failover; rotate it by hand "
    "(docs/security.md says how)", guard=("SECRETSMANAGER_ROTATION_ENABLED_CHECK",))
AURORA_INSTANCE = _s(
    "aurora-instance", "an Aurora instance takes its backups, deletion protection, encryption and log exports from "
    "its cluster, where drgen sets them; Aurora stores every cluster's data across three Availability Zones",
    guard=("DB_INSTANCE_BACKUP_ENABLED", "RDS_INSTANCE_DELETION_PROTECTION_ENABLED", "RDS_INSTANCE_LOGGING_ENABLED",
           "RDS_MULTI_AZ_SUPPORT", "RDS_STORAGE_ENCRYPTED"))
PARAMETER_GROUP = _s(
    "parameter-group", "a cluster parameter group stores no data; the rule's resource-type pattern matches it "
    "along with clusters", guard=("RDS_STORAGE_ENCRYPTED",))
DELETION_PROTECTION_OFF = _s(
    "deletion-protection-off", "the blueprint turns deletion protection off for this database "
    "(deletion_protection: false)", guard=("rds_cluster_deletion_protection_enabled_check",))

# ---- IAM and alarms ---------------------------------------------------------------------------------------------

INLINE_POLICY = _s(
    "inline-policy", "the role's least-privilege policy is inline so that it is created, changed and deleted with "
    "its role and can be attached to no other principal", guard=("IAM_NO_INLINE_POLICY_CHECK",))
STACKSET_STACKS = _s(
    "stackset-stacks", "cloudformation:* is granted on this blueprint's StackSet stacks only "
    "(stack/StackSet-<prefix>-*): the execution role creates, updates and deletes them",
    guard=("iam_managed_policy_no_statements_with_full_access_check",))
ALARM_STARTS_FAILOVER = _s(
    "alarm-starts-failover", "an EventBridge rule on this alarm's state change starts the failover state machine "
    "(an alarm action cannot start one)", guard=("CLOUDWATCH_ALARM_ACTION_CHECK", "cloudwatch_alarm_action_check"))

BY_NAME: dict[str, Suppression] = {s.name: s for s in ALL}


def apply(resource: Any, *suppressions: Suppression) -> None:
    """Write ``suppressions`` into ``resource``'s Metadata: checkov skips with their reason, Guard rule names."""
    metadata = dict(getattr(resource, "Metadata", {}) or {})
    checkov = dict(metadata.get("checkov", {}))
    skips = list(checkov.get("skip", []))
    guard = dict(metadata.get("guard", {}))
    rules = list(guard.get("SuppressedRules", []))
    for suppression in suppressions:
        skips += [{"id": check, "comment": suppression.reason} for check in suppression.checkov
                  if all(skip["id"] != check for skip in skips)]
        rules += [rule for rule in suppression.guard if rule not in rules]
    if skips:
        metadata["checkov"] = {**checkov, "skip": skips}
    if rules:
        metadata["guard"] = {**guard, "SuppressedRules": rules}
    resource.Metadata = metadata


def markdown() -> str:
    """The table of every suppression, as docs/security.md lists it (tests/test_guard.py keeps the two equal)."""
    rows = ["| Suppression | checkov | Guard | Why |", "|---|---|---|---|"]
    for s in ALL:
        checks = ", ".join(f"`{c}`" for c in s.checkov) or "-"
        rules = ", ".join(f"`{r}`" for r in s.guard) or "-"
        reason = s.reason.replace("|", "\\|")
        rows.append(f"| `{s.name}` | {checks} | {rules} | {reason} |")
    return "\n".join(rows) + "\n"
