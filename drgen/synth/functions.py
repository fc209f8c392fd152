"""The blueprint's functions and drgen's health function (app layer), and their queue triggers.

Which region consumes is runtime state, never derived from the region's role in the blueprint: a StackSet update
after a failover re-applies every property of a resource it touches, so a role-derived ``Enabled`` would switch
off the consumers of the region that serves. Under warm standby and pilot light every region's event source
mappings are created disabled, and the state machine of the region it makes active enables them (after the first
deployment: the machine started once in the primary); hot standby consumes everywhere. A pilot light's zero
concurrency is runtime state too: the machine lifts it in the new primary and sets it in the region traffic left.
"""

from __future__ import annotations

import json

from troposphere import GetAtt, Ref, Sub
from troposphere import awslambda as lambdar

from drgen import configs, naming
from drgen.configs import consumers_enabled
from drgen.model import Function
from drgen.splitting import function_group
from drgen.synth import iam, intake, suppressions
from drgen.synth.base import LayerTemplate
from drgen.synth.lambdas import function
from drgen.synth.queues import queue_arn, queue_id

HEALTH = "health"


function_id = naming.function_id


def _blueprint_function(t: LayerTemplate, fn: Function) -> None:
    # every function may read the active-region flag: the contract is that it writes only in the active region
    statements = [*(s for grant in iam.grants_of(fn) for s in iam.statements_for(t, grant)), *iam.flag_statements(t),
                  *intake.consumer_statements(t, fn.name)]
    suppress = [suppressions.CONCURRENCY, suppressions.SYNC_OR_QUEUE]
    if not fn.in_vpc:
        suppress.append(suppressions.NOT_IN_VPC)
    resource = function(t, fn.name, handler=fn.handler, runtime=fn.runtime, memory=fn.memory,
                        timeout=fn.timeout.whole_seconds, statements=statements,
                        environment={**dict(fn.environment), **iam.environment_of(t, fn), **iam.flag_environment(t),
                                     **intake.consumer_environment(t, fn.name)},
                        vpc=fn.in_vpc,
                        suppress=suppress)
    for trigger in fn.triggers:
        props = {}
        if trigger.max_batching_window is not None:
            props["MaximumBatchingWindowInSeconds"] = trigger.max_batching_window.whole_seconds
        t.add(lambdar.EventSourceMapping(
            naming.trigger_id(fn.name, trigger.queue), FunctionName=Ref(resource),
            EventSourceArn=queue_arn(t, trigger.queue), BatchSize=trigger.batch_size,
            FunctionResponseTypes=["ReportBatchItemFailures"], Enabled=consumers_enabled(t.bp.strategy), **props))


def health_config(t: LayerTemplate) -> Sub:
    """drgen's health function configuration (DRGEN_CONFIG): what it checks in its region."""
    return Sub(json.dumps(configs.health(t.bp), sort_keys=True, separators=(",", ":")))


def _health_function(t: LayerTemplate) -> None:
    from awacs import dynamodb, sqs
    from awacs.aws import Allow, Statement

    tables = [iam.table_arns(t, table.name)[0] for table in t.bp.tables]
    control = Sub("arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/"
                  + naming.control_table(t.prefix))
    statements = [*iam.flag_statements(t),
                  Statement(Sid="DescribeTables", Effect=Allow, Action=[dynamodb.DescribeTable],
                            Resource=[control, *tables])]
    if t.bp.queues:
        statements.append(Statement(Sid="QueuesAnswer", Effect=Allow, Action=[sqs.GetQueueAttributes, sqs.GetQueueUrl],
                                    Resource=[GetAtt(queue_id(q.name), "Arn") for q in t.bp.queues]))
    resource = function(t, HEALTH, handler="handler.handler", runtime="python3.12", memory=256, timeout=10,
                        statements=statements, environment={"DRGEN_CONFIG": health_config(t)},
                        suppress=[suppressions.CONCURRENCY, suppressions.SYNC_OR_QUEUE,
                                  suppressions.HEALTH_OUTSIDE_VPC])
    t.export("HealthFunctionArn", GetAtt(resource, "Arn"), "drgen's regional health function")


def contribute(t: LayerTemplate) -> None:
    for fn in t.bp.functions:
        if t.layer.holds(function_group(t.bp, fn)):
            _blueprint_function(t, fn)
    if HEALTH in t.packages and t.layer.holds(""):
        _health_function(t)
