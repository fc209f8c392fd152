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
from drgen.model import Key, Table
from drgen.splitting import table_group
from drgen.synth.base import LayerTemplate

STREAMS = {"new-and-old-images": "NEW_AND_OLD_IMAGES", "new-image": "NEW_IMAGE", "old-image": "OLD_IMAGE",
           "keys-only": "KEYS_ONLY"}
CONTROL = Table(name="drgen-control", partition_key=Key("pk", "S"))
OUTBOX = Table(name="drgen-outbox", partition_key=Key("id", "S"), ttl_attribute="expiresAt")


def _global_table(t: LayerTemplate, logical_id: str, name: str, table: Table) -> ddb.GlobalTable:
    keys = [table.partition_key, *([table.sort_key] if table.sort_key else [])]
    provisioned = table.billing.mode == "provisioned"
    replicas = []
    for region in t.bp.region_names:
        extra = {}
        if provisioned:
            extra["ReadProvisionedThroughputSettings"] = ddb.ReadProvisionedThroughputSettings(
                ReadCapacityUnits=table.billing.read)
        replicas.append(ddb.ReplicaSpecification(
            Region=region,
            PointInTimeRecoverySpecification=ddb.PointInTimeRecoverySpecification(
                PointInTimeRecoveryEnabled=table.point_in_time_recovery),
            SSESpecification=ddb.ReplicaSSESpecification(KMSMasterKeyId=t.key_alias_arn(region)),
            DeletionProtectionEnabled=True,
            Tags=t.tags(),
            **extra,
        ))
    kwargs = {}
    if provisioned:
        write = table.billing.write or 1
        kwargs["WriteProvisionedThroughputSettings"] = ddb.WriteProvisionedThroughputSettings(
            WriteCapacityAutoScalingSettings=ddb.CapacityAutoScalingSettings(
                MinCapacity=write, MaxCapacity=write,
                TargetTrackingScalingPolicyConfiguration=ddb.TargetTrackingScalingPolicyConfiguration(TargetValue=70.0)))
    if table.ttl_attribute:
        kwargs["TimeToLiveSpecification"] = ddb.TimeToLiveSpecification(AttributeName=table.ttl_attribute, Enabled=True)
    resource = ddb.GlobalTable(
        logical_id,
        TableName=name,
        AttributeDefinitions=[ddb.AttributeDefinition(AttributeName=k.name, AttributeType=k.type) for k in keys],
        KeySchema=[ddb.KeySchema(AttributeName=k.name, KeyType="HASH" if i == 0 else "RANGE") for i, k in enumerate(keys)],
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
