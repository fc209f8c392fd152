"""The tables layer (one stack in the primary region): DynamoDB global tables with a replica in every region.

A global table is declared once; CloudFormation creates each replica in its region. Each replica is
encrypted with its own region's drgen key, named by alias ARN (a stack cannot reference another region).
drgen's control table - the replicated "active region" flag - is always here; with a durable intake
(``configs.intake_queues``), so is drgen's outbox: orders the API accepted, replicated to every region before
the client hears 202, expired by time to live (``expiresAt``) once queued and never consumed.
"""

from __future__ import annotations

from troposphere import dynamodb as ddb

from drgen import configs, naming
from drgen.model import Index, Key, Table
from drgen.splitting import table_group
from drgen.synth.base import LayerTemplate

STREAMS = {"new-and-old-images": "NEW_AND_OLD_IMAGES", "new-image": "NEW_IMAGE", "old-image": "OLD_IMAGE",
           "keys-only": "KEYS_ONLY"}
CONTROL = Table(name="drgen-control", partition_key=Key("pk", "S"))
OUTBOX = Table(name="drgen-outbox", partition_key=Key("id", "S"), ttl_attribute="expiresAt")


PROJECTIONS = {"all": "ALL", "keys-only": "KEYS_ONLY", "include": "INCLUDE"}


def _key_schema(keys: tuple[Key, ...]) -> list[ddb.KeySchema]:
    return [ddb.KeySchema(AttributeName=k.name, KeyType="HASH" if i == 0 else "RANGE") for i, k in enumerate(keys)]


def _projection(index: Index) -> ddb.Projection:
    extra = {"NonKeyAttributes": list(index.non_key_attributes)} if index.projection == "include" else {}
    return ddb.Projection(ProjectionType=PROJECTIONS[index.projection], **extra)


def _write_capacity(write: int | None) -> ddb.WriteProvisionedThroughputSettings:
    """Write capacity of a provisioned global table or index: AWS::DynamoDB::GlobalTable takes it only as auto
    scaling, the same in every replica; drgen holds it at ``write`` (minimum = maximum)."""
    units = write or 1
    return ddb.WriteProvisionedThroughputSettings(WriteCapacityAutoScalingSettings=ddb.CapacityAutoScalingSettings(
        MinCapacity=units, MaxCapacity=units,
        TargetTrackingScalingPolicyConfiguration=ddb.TargetTrackingScalingPolicyConfiguration(TargetValue=70.0)))


def _replica_indexes(table: Table) -> list[ddb.ReplicaGlobalSecondaryIndexSpecification]:
    """Each global index's settings in one replica: its read capacity there (provisioned), contributor insights."""
    out = []
    for index in table.global_indexes:
        extra: dict[str, object] = {}
        if table.billing.mode == "provisioned":
            extra["ReadProvisionedThroughputSettings"] = ddb.ReadProvisionedThroughputSettings(
                ReadCapacityUnits=index.capacity.read)
        if table.contributor_insights:
            extra["ContributorInsightsSpecification"] = ddb.ContributorInsightsSpecification(Enabled=True)
        if extra:
            out.append(ddb.ReplicaGlobalSecondaryIndexSpecification(IndexName=index.name, **extra))
    return out


def _global_table(t: LayerTemplate, logical_id: str, name: str, table: Table) -> ddb.GlobalTable:
    provisioned = table.billing.mode == "provisioned"
    replicas = []
    for region in t.bp.region_names:
        extra: dict[str, object] = {}
        if provisioned:
            extra["ReadProvisionedThroughputSettings"] = ddb.ReadProvisionedThroughputSettings(
                ReadCapacityUnits=table.billing.read)
        if table.contributor_insights:
            extra["ContributorInsightsSpecification"] = ddb.ContributorInsightsSpecification(Enabled=True)
        indexes = _replica_indexes(table)
        if indexes:
            extra["GlobalSecondaryIndexes"] = indexes
        replicas.append(ddb.ReplicaSpecification(
            Region=region,
            PointInTimeRecoverySpecification=ddb.PointInTimeRecoverySpecification(
                PointInTimeRecoveryEnabled=table.point_in_time_recovery),
            SSESpecification=ddb.ReplicaSSESpecification(KMSMasterKeyId=t.key_alias_arn(region)),
            DeletionProtectionEnabled=table.deletion_protection,
            Tags=t.tags(),
            **extra,
        ))
    kwargs: dict[str, object] = {}
    if provisioned:
        kwargs["WriteProvisionedThroughputSettings"] = _write_capacity(table.billing.write)
    if table.ttl_attribute:
        kwargs["TimeToLiveSpecification"] = ddb.TimeToLiveSpecification(AttributeName=table.ttl_attribute, Enabled=True)
    if table.global_indexes:
        kwargs["GlobalSecondaryIndexes"] = [ddb.GlobalTableGlobalSecondaryIndex(
            IndexName=index.name, KeySchema=_key_schema(index.keys), Projection=_projection(index),
            **({"WriteProvisionedThroughputSettings": _write_capacity(index.capacity.write)} if provisioned else {}))
            for index in table.global_indexes]
    if table.local_indexes:
        kwargs["LocalSecondaryIndexes"] = [ddb.LocalSecondaryIndex(
            IndexName=index.name, KeySchema=_key_schema(index.keys), Projection=_projection(index))
            for index in table.local_indexes]
    resource = ddb.GlobalTable(
        logical_id,
        TableName=name,
        AttributeDefinitions=[ddb.AttributeDefinition(AttributeName=k.name, AttributeType=k.type)
                              for k in table.attributes],
        KeySchema=_key_schema(table.keys),
        BillingMode="PROVISIONED" if provisioned else "PAY_PER_REQUEST",
        StreamSpecification=ddb.StreamSpecification(StreamViewType=STREAMS[table.stream]),
        SSESpecification=ddb.GlobalTableSSESpecification(SSEEnabled=True, SSEType="KMS"),
        Replicas=replicas,
        DeletionPolicy="Retain", UpdateReplacePolicy="Retain",  # the data outlives the stack
        **kwargs,
    )
    t.template.add_resource(resource)  # tags go on each replica: a global table has none of its own
    return resource


def contribute(t: LayerTemplate) -> None:
    for table in t.bp.tables:
        if not t.layer.holds(table_group(table.name)):
            continue  # in another part of the split layer (drgen.splitting)
        resource = _global_table(t, naming.logical_id(table.name, "Table"), naming.table(t.prefix, table.name), table)
        t.output(f"{resource.title}Name", naming.table(t.prefix, table.name), f"The {table.name} global table")
    if t.layer.holds(""):
        _global_table(t, "ControlTable", naming.control_table(t.prefix), CONTROL)
        if configs.intake_queues(t.bp):
            _global_table(t, "OutboxTable", naming.outbox_table(t.prefix), OUTBOX)
