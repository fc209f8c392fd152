"""IAM statements from a function's access grants: least privilege, naming the real ARNs.

Every store drgen makes is encrypted with the region's drgen key, so each grant also lets the function use that
key, only through the store's service (``kms:ViaService``) and only for what the service asks on its behalf:

- bucket (SSE-KMS): reading decrypts (``kms:Decrypt``); writing generates a data key (``kms:GenerateDataKey``)
  *and* decrypts, because a multipart upload - which the SDKs use for every large object - must decrypt the
  parts already uploaded: "To perform a multipart upload with encryption using an AWS KMS key, the requester
  must have permission to the kms:Decrypt and kms:GenerateDataKey actions" (Amazon S3 User Guide, "Multipart
  upload API and permissions"; AWS re:Post knowledge center, "s3-large-file-encryption-kms-key").
- queue (SSE-KMS): a producer needs ``kms:GenerateDataKey`` and ``kms:Decrypt``, a consumer ``kms:Decrypt``
  (Amazon SQS Developer Guide, "Key management", "Configuring AWS KMS permissions").
- table: DynamoDB decrypts the table key with the KMS key "on behalf of the user who is accessing the
  resource", for reads and writes alike; the data keys below it are DynamoDB's own, so no
  ``kms:GenerateDataKey`` (AWS KMS Developer Guide, "How Amazon DynamoDB uses AWS KMS", "Key policy" and
  "Decrypt").
- database: no key. A function connects as the application's own database user (``naming.DB_APP_USER``) with an
  IAM authentication token, which ``rds-db:connect`` on that user allows; it never sees the master secret.
"""

from __future__ import annotations

from typing import Any

from awacs import awslambda, dynamodb, kms, rds_db, s3, sqs
from awacs.aws import Allow, Condition, ForAnyValueStringEquals, Statement, StringEquals, StringLike
from troposphere import ImportValue, Sub

from drgen import awsdata, configs, naming
from drgen.model import Function, Grant
from drgen.synth.base import LayerTemplate, arn
from drgen.synth.queues import queue_arn, queue_url

READ: dict[str, list[Any]] = {
    "table": [dynamodb.GetItem, dynamodb.BatchGetItem, dynamodb.Query, dynamodb.Scan, dynamodb.ConditionCheckItem,
              dynamodb.DescribeTable],
    "bucket": [s3.GetObject, s3.GetObjectVersion, s3.ListBucket],
}
WRITE: dict[str, list[Any]] = {
    "table": [dynamodb.PutItem, dynamodb.UpdateItem, dynamodb.DeleteItem, dynamodb.BatchWriteItem],
    "bucket": [s3.PutObject, s3.AbortMultipartUpload],
}
SEND = [sqs.SendMessage, sqs.GetQueueAttributes, sqs.GetQueueUrl]
CONSUME = [sqs.ReceiveMessage, sqs.DeleteMessage, sqs.ChangeMessageVisibility, sqs.GetQueueAttributes]


def _via(service: str) -> Condition:
    return Condition(StringLike("kms:ViaService", Sub(f"{service}.${{AWS::Region}}.${{AWS::URLSuffix}}")))


def key_statement(t: LayerTemplate, sid: str, service: str, actions: list[Any]) -> Statement:
    """Use of the region's drgen key for ``actions``, only through ``service`` (``s3``, ``sqs``, ``dynamodb``...)."""
    return Statement(Sid=sid, Effect=Allow, Action=actions, Resource=[t.key_arn()], Condition=_via(service))


def region_key_statement(t: LayerTemplate, sid: str, region: str, service: str, actions: list[Any]) -> Statement:
    """Use of ``region``'s drgen key, only through ``service`` of that region. IAM names a KMS key only by its key
    ARN (an alias ARN in Resource grants nothing on the key), and another region's key ARN is unknown to a
    template: so any key of that region, but only the one carrying drgen's alias."""
    return Statement(Sid=sid, Effect=Allow, Action=actions, Resource=[arn("kms", "key/*", region=region)],
                     Condition=Condition([ForAnyValueStringEquals("kms:ResourceAliases", naming.kms_alias(t.prefix)),
                                          StringEquals("kms:ViaService", f"{service}.{region}.{awsdata.url_suffix(region)}")]))


def table_arns(t: LayerTemplate, name: str) -> list[Sub]:
    table = arn("dynamodb", f"table/{naming.table(t.prefix, name)}")
    return [table, arn("dynamodb", f"table/{naming.table(t.prefix, name)}/index/*")]


def statements_for(t: LayerTemplate, grant: Grant) -> list[Statement]:
    """The statements that give ``grant`` and nothing more."""
    sid = naming.logical_id(grant.kind, grant.target, grant.mode)
    modes: tuple[str, ...] = {"read": ("read",), "write": ("write",), "read-write": ("read", "write")}.get(grant.mode, ())
    if grant.kind == "table":
        actions = [a for m in modes for a in (READ["table"] if m == "read" else WRITE["table"])]
        return [Statement(Sid=sid, Effect=Allow, Action=actions, Resource=table_arns(t, grant.target)),
                key_statement(t, f"{sid}Key", "dynamodb", [kms.Decrypt])]
    if grant.kind == "bucket":
        bucket = Sub("arn:${AWS::Partition}:s3:::" + naming.bucket(t.prefix, grant.target, "${AWS::Region}"))
        objects = Sub("arn:${AWS::Partition}:s3:::" + naming.bucket(t.prefix, grant.target, "${AWS::Region}") + "/*")
        out = []
        if "read" in modes:
            out.append(Statement(Sid=f"{sid}List", Effect=Allow, Action=[s3.ListBucket], Resource=[bucket]))
            out.append(Statement(Sid=f"{sid}Read", Effect=Allow, Action=[s3.GetObject, s3.GetObjectVersion],
                                 Resource=[objects]))
        if "write" in modes:
            out.append(Statement(Sid=f"{sid}Write", Effect=Allow, Action=WRITE["bucket"], Resource=[objects]))
        key_actions = [kms.Decrypt] + ([kms.GenerateDataKey] if "write" in modes else [])  # Decrypt: multipart
        out.append(key_statement(t, f"{sid}Key", "s3", key_actions))
        return out
    if grant.kind == "queue":
        actions = SEND if grant.mode == "send" else CONSUME
        key_actions = [kms.GenerateDataKey, kms.Decrypt] if grant.mode == "send" else [kms.Decrypt]
        return [Statement(Sid=sid, Effect=Allow, Action=actions, Resource=[queue_arn(t, grant.target)]),
                key_statement(t, f"{sid}Key", "sqs", key_actions)]
    if grant.kind == "database":
        db = next(d for d in t.bp.databases if d.name == grant.target)
        resource_id = ImportValue(naming.export(t.prefix, "database", f"{naming.logical_id(db.name)}ClusterResourceId"))
        user = Sub(f"arn:${{AWS::Partition}}:rds-db:${{AWS::Region}}:${{AWS::AccountId}}:dbuser:${{Id}}/"
                   f"{naming.DB_APP_USER}", {"Id": resource_id})
        return [Statement(Sid=sid, Effect=Allow, Action=[rds_db.connect], Resource=[user])]
    # a function: write = invoke
    return [Statement(Sid=sid, Effect=Allow, Action=[awslambda.InvokeFunction],
                      Resource=[arn("lambda", f"function:{naming.function(t.prefix, grant.target)}")])]


grants_of = configs.grants




def flag_statements(t: LayerTemplate) -> list[Statement]:
    """Reading the active-region flag from this region's replica of the control table (fencing, health)."""
    control = arn("dynamodb", f"table/{naming.control_table(t.prefix)}")
    # the control table is encrypted with the drgen key: DynamoDB decrypts its table key as the caller
    return [Statement(Sid="ReadActiveRegion", Effect=Allow, Action=[dynamodb.GetItem], Resource=[control]),
            key_statement(t, "ReadActiveRegionKey", "dynamodb", [kms.Decrypt])]


def flag_environment(t: LayerTemplate) -> dict[str, str]:
    """Where a function reads the flag: it writes only while the flag names its own region (``AWS_REGION``)."""
    return {"DRGEN_CONTROL_TABLE": naming.control_table(t.prefix), "DRGEN_ACTIVE_ITEM": configs.ACTIVE_ITEM}


def environment_of(t: LayerTemplate, function: Function) -> dict[str, Any]:
    """Names of what the function may use, as environment variables (``TABLE_USER_SESSIONS=...``)."""
    env: dict[str, Any] = {}
    for grant in function.access:
        key = grant.target.upper().replace("-", "_")
        if grant.kind == "table":
            env[f"TABLE_{key}"] = naming.table(t.prefix, grant.target)
        elif grant.kind == "bucket":
            env[f"BUCKET_{key}"] = Sub(naming.bucket(t.prefix, grant.target, "${AWS::Region}"))
        elif grant.kind == "queue":
            env[f"QUEUE_{key}"] = queue_url(t, grant.target)
        elif grant.kind == "database":
            d = naming.logical_id(grant.target)
            db = next(x for x in t.bp.databases if x.name == grant.target)
            env[f"DATABASE_{key}_HOST"] = ImportValue(naming.export(t.prefix, "database", f"{d}Endpoint"))
            env[f"DATABASE_{key}_NAME"] = db.database_name
            env[f"DATABASE_{key}_USER"] = naming.DB_APP_USER
        else:
            env[f"FUNCTION_{key}"] = naming.function(t.prefix, grant.target)
    return env
