"""The orchestration layer (every region): the state machine that makes its region the active one, drgen's
readiness and promoter functions, the schedule that validates readiness, and the rules that start a failover.
Who is active and who writes are read at run time, never from a template parameter, so the same template serves
a failover and a fail-back. Nothing here needs the failed region's control plane or us-east-1."""

from __future__ import annotations

import json
from typing import Any

from awacs import awslambda, cloudwatch, dynamodb, events, kms, logs, rds, s3, sns, sqs, states, xray
from awacs import iam as iam_actions
from awacs.aws import (
    Allow,
    Condition,
    ForAllValuesStringEquals,
    ForAnyValueStringEquals,
    PolicyDocument,
    Statement,
    StringEquals,
    StringLike,
    StringNotEquals,
)
from troposphere import GetAtt, ImportValue, Ref, Sub, iam
from troposphere import awslambda as lambdar
from troposphere import stepfunctions as sfn

from drgen import asl, asl_redrive, awsdata, configs, naming
from drgen.synth import detection, policies, suppressions
from drgen.synth.base import LayerTemplate, arn
from drgen.synth.iam import key_statement
from drgen.synth.lambdas import function

PROMOTER_CONCURRENCY = 2
"""Reserved for the promoter, so that a failover can run when the region's other functions use the account's whole
concurrency (the state machine invokes it one step at a time; two leaves room for a retry overlapping a late run)."""


def _cluster(t: LayerTemplate, db: str, region: str) -> Sub:
    return arn("rds", f"cluster:{naming.db_cluster(t.prefix, db, region)}", region=region)


def _global_cluster(t: LayerTemplate, db: str) -> Sub:
    return arn("rds", f"global-cluster:{naming.global_cluster(t.prefix, db)}", region="")


def readiness_config(t: LayerTemplate) -> Sub:
    return Sub(json.dumps(configs.readiness(t.bp), sort_keys=True, separators=(",", ":")))


def _readiness(t: LayerTemplate) -> lambdar.Function:
    bp = t.bp
    tables = [arn("dynamodb", f"table/{naming.table(t.prefix, x.name)}") for x in bp.tables]
    control = arn("dynamodb", f"table/{naming.control_table(t.prefix)}")
    statements = [
        # GetMetricData has no resource-level permissions
        Statement(Sid="ReadLag", Effect=Allow, Action=[cloudwatch.GetMetricData], Resource=["*"]),
        Statement(Sid="PublishVerdict", Effect=Allow, Action=[cloudwatch.PutMetricData], Resource=["*"],
                  Condition=Condition(StringEquals("cloudwatch:namespace", f"drgen/{t.prefix}"))),
        Statement(Sid="Tables", Effect=Allow, Action=[dynamodb.DescribeTable], Resource=[*tables, control]),
        Statement(Sid="RuntimeState", Effect=Allow, Action=[dynamodb.GetItem, dynamodb.UpdateItem], Resource=[control]),
        # the control table is encrypted with the drgen key: DynamoDB decrypts its table key as the caller
        key_statement(t, "RuntimeStateKey", "dynamodb", [kms.Decrypt]),
        # is the failover lock left by an ended run of this region's machine? (a rerun may then take it over)
        Statement(Sid="LockOwner", Effect=Allow, Action=[states.DescribeExecution],
                  Resource=[arn("states", f"execution:{naming.state_machine(t.prefix)}:*")]),
    ]
    if bp.databases:
        statements.append(Statement(Sid="Databases", Effect=Allow,
                                    Action=[rds.DescribeGlobalClusters, rds.DescribeDBClusters],
                                    Resource=[*(_global_cluster(t, db.name) for db in bp.databases),
                                              *(_cluster(t, db.name, "${AWS::Region}") for db in bp.databases)]))
    if bp.buckets:
        here = [Sub("arn:${AWS::Partition}:s3:::" + naming.bucket(t.prefix, b.name, "${AWS::Region}")) for b in bp.buckets]
        sources = [Sub("arn:${AWS::Partition}:s3:::" + naming.bucket(t.prefix, b.name, r))
                   for b in bp.buckets for r in bp.region_names]
        statements += [
            Statement(Sid="Replicas", Effect=Allow, Action=[s3.ListBucket, s3.GetBucketVersioning], Resource=here),
            Statement(Sid="ReplicationSources", Effect=Allow, Action=[s3.GetReplicationConfiguration], Resource=sources)]
    if bp.queues:
        statements.append(Statement(Sid="Queues", Effect=Allow, Action=[sqs.GetQueueUrl, sqs.GetQueueAttributes],
                                    Resource=[arn("sqs", naming.queue(t.prefix, q.name, q.fifo)) for q in bp.queues]))
    if asl.triggered_functions(bp):  # ListEventSourceMappings has no resource-level permissions
        statements.append(Statement(Sid="Consumers", Effect=Allow, Action=[awslambda.ListEventSourceMappings],
                                    Resource=["*"]))
    return function(t, "readiness", handler="handler.handler", runtime="python3.12", memory=256, timeout=60,
                    statements=statements, environment={"DRGEN_CONFIG": readiness_config(t)},
                    suppress=[suppressions.CONCURRENCY, suppressions.SYNC_OR_QUEUE,
                              suppressions.ORCHESTRATION_OUTSIDE_VPC])


def _scale_statements(t: LayerTemplate) -> list[Statement]:
    """Creating the missing instances of this region's clusters, with the settings of the instance it has."""
    bp = t.bp
    scaled = [db for db in bp.databases if db.primary_instances > db.secondary_instances]
    if not asl.scales_up(bp) or not scaled:
        return []
    clusters = [_cluster(t, db.name, "${AWS::Region}") for db in scaled]
    instances = [arn("rds", f"db:{naming.db_cluster(t.prefix, db.name, '${AWS::Region}')}-*") for db in scaled]
    return [
        Statement(Sid="ReadCapacity", Effect=Allow, Action=[rds.DescribeDBClusters, rds.DescribeDBInstances],
                  Resource=[*clusters, *instances]),
        Statement(Sid="AddInstances", Effect=Allow, Action=[rds.CreateDBInstance, rds.AddTagsToResource],
                  Resource=[*clusters, *instances]),
        Statement(Sid="PassMonitoringRole", Effect=Allow, Action=[iam_actions.PassRole],
                  Resource=[arn("iam", "role/" + naming.role(t.prefix, "rds-monitoring", "${AWS::Region}"), region="")],
                  Condition=Condition(StringEquals("iam:PassedToService", "monitoring.rds.amazonaws.com"))),
        Statement(Sid="EncryptInsights", Effect=Allow, Action=[kms.CreateGrant, kms.DescribeKey],
                  Resource=[t.key_arn()],
                  Condition=Condition(StringLike("kms:ViaService", Sub("rds.${AWS::Region}.${AWS::URLSuffix}")))),
    ]


def _redrive_statements(t: LayerTemplate) -> list[Statement]:
    """The redrive step (``asl_redrive``): take from the other regions' queues and dead-letter queues and from this
    region's own dead-letter queues, send to this region's queues; each queue encrypted with its region's key."""
    bp = t.bp
    if not asl_redrive.applies(bp):
        return []
    queues = [naming.queue(t.prefix, q.name, q.fifo) for q in bp.queues]
    dead = [naming.dead_letter_queue(t.prefix, q.name, q.fifo) for q in bp.queues if q.dead_letter is not None]
    take = [sqs.ReceiveMessage, sqs.DeleteMessage, sqs.GetQueueUrl, sqs.GetQueueAttributes]
    return [
        # the queues of every region but this one: a StackSet's template is the same in every region
        Statement(Sid="RedriveFrom", Effect=Allow, Action=take,
                  Resource=[arn("sqs", name, region=r) for r in bp.region_names for name in dead + queues],
                  Condition=Condition(StringNotEquals("aws:RequestedRegion", Sub("${AWS::Region}")))),
        Statement(Sid="RedriveOwnDeadLetters", Effect=Allow, Action=take,
                  Resource=[arn("sqs", name) for name in dead]),
        Statement(Sid="RedriveInto", Effect=Allow, Action=[sqs.SendMessage, sqs.GetQueueUrl],
                  Resource=[arn("sqs", name) for name in queues]),
        Statement(Sid="RedriveEncrypt", Effect=Allow, Action=[kms.GenerateDataKey, kms.Decrypt],
                  Resource=[t.key_arn()],
                  Condition=Condition(StringEquals("kms:ViaService", Sub("sqs.${AWS::Region}.${AWS::URLSuffix}")))),
        # IAM names a KMS key only by its key ARN, and another region's is unknown here: any key of those regions,
        # but only the one carrying drgen's alias, and only when SQS of that region asks
        Statement(Sid="RedriveDecrypt", Effect=Allow, Action=[kms.Decrypt],
                  Resource=[arn("kms", "key/*", region=r) for r in bp.region_names],
                  Condition=Condition([ForAnyValueStringEquals("kms:ResourceAliases", naming.kms_alias(t.prefix)),
                                       StringEquals("kms:ViaService",
                                                    [f"sqs.{r}.{awsdata.url_suffix(r)}" for r in bp.region_names])])),
    ]


def _promoter(t: LayerTemplate) -> lambdar.Function:
    bp = t.bp
    statements = []
    if bp.databases:
        resources = [*(_global_cluster(t, db.name) for db in bp.databases),
                     *(_cluster(t, db.name, r.name) for db in bp.databases for r in bp.regions)]
        statements.append(Statement(Sid="PromoteGlobalClusters", Effect=Allow, Resource=resources, Action=[
            rds.SwitchoverGlobalCluster, rds.FailoverGlobalCluster, rds.DescribeGlobalClusters]))
    statements += _scale_statements(t)
    statements += _redrive_statements(t)
    if bp.failover.orchestrator == "arc-region-switch":  # the plan's take-traffic step: the flag, in this replica
        statements.append(Statement(
            Sid="TakeTraffic", Effect=Allow, Action=[dynamodb.GetItem, dynamodb.PutItem],
            Resource=[arn("dynamodb", f"table/{naming.control_table(t.prefix)}")],
            Condition=Condition(ForAllValuesStringEquals("dynamodb:LeadingKeys", [asl.FLAG_ITEM]))))
    names = asl.triggered_functions(bp)
    if names:
        anywhere = [Sub(f"arn:${{AWS::Partition}}:lambda:*:${{AWS::AccountId}}:function:{name}") for name in names]
        statements += [
            # ListEventSourceMappings has no resource-level permissions
            Statement(Sid="FindConsumers", Effect=Allow, Action=[awslambda.ListEventSourceMappings], Resource=["*"]),
            # here (a new primary) and in the region traffic left
            Statement(Sid="SwitchConsumers", Effect=Allow, Action=[awslambda.UpdateEventSourceMapping],
                      Resource=[arn("lambda", "event-source-mapping:*", region="*")],
                      Condition=Condition(StringLike("lambda:FunctionArn", anywhere)))]
    if bp.strategy == "pilot-light" and bp.functions:
        lifted = [arn("lambda", f"function:{naming.function(t.prefix, f.name)}") for f in bp.functions]
        statements.append(Statement(Sid="LiftPilotLight", Effect=Allow, Action=[awslambda.DeleteFunctionConcurrency],
                                    Resource=lifted))
        if names:
            statements.append(Statement(Sid="DimLeftRegion", Effect=Allow, Action=[awslambda.PutFunctionConcurrency],
                                        Resource=anywhere))
    return function(t, "promoter", handler="handler.handler", runtime="python3.12", memory=256, timeout=60,
                    statements=statements, environment={}, ReservedConcurrentExecutions=PROMOTER_CONCURRENCY,
                    suppress=[suppressions.SYNC_OR_QUEUE, suppressions.ORCHESTRATION_OUTSIDE_VPC])


def _state_machine(t: LayerTemplate, readiness: lambdar.Function, promoter: lambdar.Function) -> sfn.StateMachine:
    bp = t.bp
    topic = ImportValue(naming.export(t.prefix, "app", "TopicArn"))
    bus = arn("events", "event-bus/default")
    control = arn("dynamodb", f"table/{naming.control_table(t.prefix)}")
    group = t.log_group("StateMachineLogs", f"/aws/vendedlogs/states/{naming.state_machine(t.prefix)}")
    functions: list[Any] = [GetAtt(readiness, "Arn"), GetAtt(promoter, "Arn")]
    substitutions: dict[str, Any] = {
        "ReadinessFunctionArn": GetAtt(readiness, "Arn"), "PromoterFunctionArn": GetAtt(promoter, "Arn"),
        "TopicArn": topic, "ControlTable": naming.control_table(t.prefix), "Region": Ref("AWS::Region"),
        "EventBusArn": bus,
    }
    if bp.databases:  # the canary decides between a switchover and a failover; its own module deploys it
        canary = arn("lambda", f"function:{naming.function(t.prefix, 'canary')}")
        substitutions["CanaryFunctionArn"] = canary
        functions.append(canary)
    role = t.add(iam.Role(
        "StateMachineRole", RoleName=Sub(naming.role(t.prefix, "failover", "${AWS::Region}")),
        AssumeRolePolicyDocument=policies.trust("states.amazonaws.com"),
        Policies=[iam.Policy(PolicyName="fail-over", PolicyDocument=PolicyDocument(Version=policies.VERSION, Statement=[
            Statement(Sid="Invoke", Effect=Allow, Action=[awslambda.InvokeFunction], Resource=functions),
            Statement(Sid="Notify", Effect=Allow, Action=[sns.Publish], Resource=[topic]),
            Statement(Sid="NotifyEncrypted", Effect=Allow, Action=[kms.GenerateDataKey, kms.Decrypt],
                      Resource=[t.key_arn()], Condition=Condition(StringLike(
                          "kms:ViaService", Sub("sns.${AWS::Region}.${AWS::URLSuffix}")))),
            Statement(Sid="LockAndTraffic", Effect=Allow, Resource=[control],
                      Action=[dynamodb.PutItem, dynamodb.GetItem, dynamodb.DeleteItem]),
            key_statement(t, "LockAndTrafficKey", "dynamodb", [kms.Decrypt]),
            Statement(Sid="Announce", Effect=Allow, Action=[events.PutEvents], Resource=[bus]),
            # log delivery and X-Ray have no resource-level permissions
            Statement(Sid="Logs", Effect=Allow, Resource=["*"], Action=[
                logs.CreateLogDelivery, logs.GetLogDelivery, logs.UpdateLogDelivery, logs.DeleteLogDelivery,
                logs.ListLogDeliveries, logs.PutResourcePolicy, logs.DescribeResourcePolicies, logs.DescribeLogGroups]),
            Statement(Sid="Tracing", Effect=Allow, Resource=["*"], Action=[
                xray.PutTraceSegments, xray.PutTelemetryRecords, xray.GetSamplingRules, xray.GetSamplingTargets]),
        ]))],
    ))
    for db in bp.databases:
        substitutions[f"{asl.db_key(db.name)}TargetClusterArn"] = _cluster(t, db.name, "${AWS::Region}")
    return t.add(sfn.StateMachine(
        "StateMachine", StateMachineName=naming.state_machine(t.prefix), StateMachineType="STANDARD",
        Definition=asl.definition(bp), DefinitionSubstitutions=substitutions, RoleArn=GetAtt(role, "Arn"),
        LoggingConfiguration=sfn.LoggingConfiguration(
            Level="ALL", IncludeExecutionData=True,
            Destinations=[sfn.LogDestination(CloudWatchLogsLogGroup=sfn.CloudWatchLogsLogGroup(
                LogGroupArn=GetAtt(group, "Arn")))]),
        TracingConfiguration=sfn.TracingConfiguration(Enabled=True),
    ))


def contribute(t: LayerTemplate) -> None:
    readiness = _readiness(t)
    promoter = _promoter(t)
    machine = _state_machine(t, readiness, promoter)
    detection.contribute(t, readiness, machine)
    t.export("StateMachineArn", Ref(machine), "The failover state machine of this region")
