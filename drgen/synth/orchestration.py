"""The orchestration layer (every secondary region): the failover state machine, drgen's readiness and
promoter functions, the schedule that validates readiness, and the rule that starts the failover when a
failover alarm of the primary fires. Nothing here needs the failed region's control plane or us-east-1."""

from __future__ import annotations

import json
from typing import Any

from awacs import awslambda, cloudwatch, dynamodb, events, kms, logs, rds, s3, sns, sqs, states, xray
from awacs.aws import Allow, Condition, PolicyDocument, Statement, StringEquals, StringLike
from troposphere import GetAtt, ImportValue, Ref, Sub, iam
from troposphere import awslambda as lambdar
from troposphere import events as eventsr
from troposphere import stepfunctions as sfn

from drgen import asl, configs, naming
from drgen.synth import policies
from drgen.synth.alarms import failover_alarm_names
from drgen.synth.base import LayerTemplate, arn
from drgen.synth.functions import CONCURRENCY, SYNC_OR_QUEUE
from drgen.synth.lambdas import function

OUTSIDE_VPC = "drgen's orchestration functions call only AWS APIs and must not depend on the region's network layer"


def _cluster(t: LayerTemplate, db: str, region: str) -> Sub:
    return arn("rds", f"cluster:{naming.db_cluster(t.prefix, db, region)}", region=region)


def _global_cluster(t: LayerTemplate, db: str) -> Sub:
    return arn("rds", f"global-cluster:{naming.global_cluster(t.prefix, db)}", region="")


def readiness_config(t: LayerTemplate) -> Sub:
    return Sub(json.dumps(configs.readiness(t.bp), sort_keys=True, separators=(",", ":")))


def _readiness(t: LayerTemplate) -> lambdar.Function:
    bp = t.bp
    primary = bp.primary.name
    tables = [arn("dynamodb", f"table/{naming.table(t.prefix, x.name)}") for x in bp.tables]
    control = [arn("dynamodb", f"table/{naming.control_table(t.prefix)}", region=r) for r in ("${AWS::Region}", primary)]
    statements = [
        # GetMetricData has no resource-level permissions
        Statement(Sid="ReadLag", Effect=Allow, Action=[cloudwatch.GetMetricData], Resource=["*"]),
        Statement(Sid="PublishVerdict", Effect=Allow, Action=[cloudwatch.PutMetricData], Resource=["*"],
                  Condition=Condition(StringEquals("cloudwatch:namespace", f"drgen/{t.prefix}"))),
        Statement(Sid="Tables", Effect=Allow, Action=[dynamodb.DescribeTable], Resource=[*tables, *control]),
        Statement(Sid="ActiveRegion", Effect=Allow, Action=[dynamodb.GetItem], Resource=control[:1]),
    ]
    if bp.databases:
        clusters = [_cluster(t, db.name, r) for db in bp.databases for r in ("${AWS::Region}", primary)]
        statements.append(Statement(Sid="Databases", Effect=Allow,
                                    Action=[rds.DescribeGlobalClusters, rds.DescribeDBClusters],
                                    Resource=[*(_global_cluster(t, db.name) for db in bp.databases), *clusters]))
    if bp.buckets:
        here = [Sub("arn:${AWS::Partition}:s3:::" + naming.bucket(t.prefix, b.name, "${AWS::Region}")) for b in bp.buckets]
        there = [Sub("arn:${AWS::Partition}:s3:::" + naming.bucket(t.prefix, b.name, primary)) for b in bp.buckets]
        statements += [
            Statement(Sid="Replicas", Effect=Allow, Action=[s3.ListBucket, s3.GetBucketVersioning], Resource=here),
            Statement(Sid="ReplicationSources", Effect=Allow, Action=[s3.GetReplicationConfiguration], Resource=there)]
    if bp.queues:
        statements.append(Statement(Sid="Queues", Effect=Allow, Action=[sqs.GetQueueUrl, sqs.GetQueueAttributes],
                                    Resource=[arn("sqs", naming.queue(t.prefix, q.name, q.fifo)) for q in bp.queues]))
    return function(t, "readiness", handler="handler.handler", runtime="python3.12", memory=256, timeout=60,
                    statements=statements, environment={"DRGEN_CONFIG": readiness_config(t)},
                    skips={"CKV_AWS_115": CONCURRENCY, "CKV_AWS_116": SYNC_OR_QUEUE, "CKV_AWS_117": OUTSIDE_VPC})


def _promoter(t: LayerTemplate) -> lambdar.Function:
    bp = t.bp
    statements = []
    if bp.databases:
        resources = [*(_global_cluster(t, db.name) for db in bp.databases),
                     *(_cluster(t, db.name, r.name) for db in bp.databases for r in bp.regions)]
        statements.append(Statement(Sid="PromoteGlobalClusters", Effect=Allow, Resource=resources, Action=[
            rds.SwitchoverGlobalCluster, rds.FailoverGlobalCluster, rds.DescribeGlobalClusters]))
    functions = [arn("lambda", f"function:{name}") for name in asl.triggered_functions(bp)]
    if functions:
        statements += [
            # ListEventSourceMappings has no resource-level permissions
            Statement(Sid="FindConsumers", Effect=Allow, Action=[awslambda.ListEventSourceMappings], Resource=["*"]),
            Statement(Sid="EnableConsumers", Effect=Allow, Action=[awslambda.UpdateEventSourceMapping],
                      Resource=[arn("lambda", "event-source-mapping:*")],
                      Condition=Condition(StringLike("lambda:FunctionArn", [
                          Sub(f"arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{name}")
                          for name in asl.triggered_functions(bp)]))),
            Statement(Sid="LiftPilotLight", Effect=Allow, Action=[awslambda.DeleteFunctionConcurrency], Resource=functions),
        ]
    return function(t, "promoter", handler="handler.handler", runtime="python3.12", memory=256, timeout=60,
                    statements=statements, environment={},
                    skips={"CKV_AWS_115": CONCURRENCY, "CKV_AWS_116": SYNC_OR_QUEUE, "CKV_AWS_117": OUTSIDE_VPC})


def _state_machine(t: LayerTemplate, readiness: lambdar.Function, promoter: lambdar.Function) -> sfn.StateMachine:
    bp = t.bp
    topic = ImportValue(naming.export(t.prefix, "app", "TopicArn"))
    bus = arn("events", "event-bus/default")
    control = arn("dynamodb", f"table/{naming.control_table(t.prefix)}")
    group = t.log_group("StateMachineLogs", f"/aws/vendedlogs/states/{naming.state_machine(t.prefix)}")
    role = t.add(iam.Role(
        "StateMachineRole", RoleName=Sub(naming.role(t.prefix, "failover", "${AWS::Region}")),
        AssumeRolePolicyDocument=policies.trust("states.amazonaws.com"),
        Policies=[iam.Policy(PolicyName="fail-over", PolicyDocument=PolicyDocument(Version=policies.VERSION, Statement=[
            Statement(Sid="Invoke", Effect=Allow, Action=[awslambda.InvokeFunction],
                      Resource=[GetAtt(readiness, "Arn"), GetAtt(promoter, "Arn")]),
            Statement(Sid="Notify", Effect=Allow, Action=[sns.Publish], Resource=[topic]),
            Statement(Sid="NotifyEncrypted", Effect=Allow, Action=[kms.GenerateDataKey, kms.Decrypt],
                      Resource=[t.key_arn()], Condition=Condition(StringLike(
                          "kms:ViaService", Sub("sns.${AWS::Region}.amazonaws.com")))),
            Statement(Sid="MoveTraffic", Effect=Allow, Action=[dynamodb.PutItem], Resource=[control]),
            Statement(Sid="Announce", Effect=Allow, Action=[events.PutEvents], Resource=[bus]),
            # log delivery and X-Ray have no resource-level permissions
            Statement(Sid="Logs", Effect=Allow, Resource=["*"], Action=[
                logs.CreateLogDelivery, logs.GetLogDelivery, logs.UpdateLogDelivery, logs.DeleteLogDelivery,
                logs.ListLogDeliveries, logs.PutResourcePolicy, logs.DescribeResourcePolicies, logs.DescribeLogGroups]),
            Statement(Sid="Tracing", Effect=Allow, Resource=["*"], Action=[
                xray.PutTraceSegments, xray.PutTelemetryRecords, xray.GetSamplingRules, xray.GetSamplingTargets]),
        ]))],
    ))
    substitutions: dict[str, Any] = {
        "ReadinessFunctionArn": GetAtt(readiness, "Arn"), "PromoterFunctionArn": GetAtt(promoter, "Arn"),
        "TopicArn": topic, "ControlTable": naming.control_table(t.prefix), "Region": Ref("AWS::Region"),
        "EventBusArn": bus,
    }
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


def _triggers(t: LayerTemplate, readiness: lambdar.Function, machine: sfn.StateMachine) -> None:
    bp = t.bp
    schedule = t.add(eventsr.Rule(
        "ValidateReadiness", Name=f"{t.prefix}-validate-readiness", ScheduleExpression=bp.failover.validation_schedule,
        Description="Checks regularly that this region could take over",
        Targets=[eventsr.Target(Id="readiness", Arn=GetAtt(readiness, "Arn"), Input='{"phase": "pre"}')]))
    t.add(lambdar.Permission("ValidateReadinessInvoke", Action="lambda:InvokeFunction", FunctionName=Ref(readiness),
                             Principal="events.amazonaws.com", SourceArn=GetAtt(schedule, "Arn")))
    names = failover_alarm_names(t)
    if bp.failover.mode != "automatic" or not names:
        return
    role = t.add(iam.Role(
        "StartFailoverRole", RoleName=Sub(naming.role(t.prefix, "start-failover", "${AWS::Region}")),
        AssumeRolePolicyDocument=policies.trust("events.amazonaws.com"),
        Policies=[iam.Policy(PolicyName="start", PolicyDocument=PolicyDocument(Version=policies.VERSION, Statement=[
            Statement(Effect=Allow, Action=[states.StartExecution], Resource=[Ref(machine)])]))]))
    t.add(eventsr.Rule(
        "StartFailoverOnAlarm", Name=f"{t.prefix}-start-failover",
        Description="A failover alarm of the primary (forwarded here) starts the failover to this region",
        EventPattern={"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"],
                      "detail": {"alarmName": sorted(names), "state": {"value": ["ALARM"]}}},
        Targets=[eventsr.Target(Id="failover", Arn=Ref(machine), RoleArn=GetAtt(role, "Arn"),
                                Input='{"trigger": "alarm"}')]))


def contribute(t: LayerTemplate) -> None:
    readiness = _readiness(t)
    promoter = _promoter(t)
    machine = _state_machine(t, readiness, promoter)
    _triggers(t, readiness, machine)
    t.export("StateMachineArn", Ref(machine), "The failover state machine of this region")
