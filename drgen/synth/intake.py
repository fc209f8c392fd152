"""The durable cross-region intake (app layer): for a queue with ``region_outage: durable``, its API route writes
the order to drgen's outbox global table (``synth.tables``) before answering 202, and the outbox drainer of the
active region moves it into the queue (drgen/functions/outbox-drainer).

The route is an AWS integration with DynamoDB's ``TransactWriteItems`` (the service action URI
``arn:aws:apigateway:{region}:dynamodb:action/TransactWriteItems``; API Gateway Developer Guide, "Set up an AWS
integration"): a ``ConditionCheck`` that the active-region flag item of the control table - this region's
replica - names this region, and a ``Put`` of the outbox item that must not exist yet. DynamoDB applies both
or neither ("The actions are completed atomically so that either all of them succeed, or all of them fail",
DynamoDB API Reference, TransactWriteItems), so a region that is not active refuses (fencing) and a retried
FIFO request with the same deduplication id stores nothing twice. Answers, by DynamoDB's status and
``__type`` / ``CancellationReasons`` (the reasons are in the order of ``TransactItems``: the flag, then the put):

- 2xx -> 202 with the request id;
- cancelled, the flag's check failed -> 503: the client retries, and after the DNS flip lands in the active
  region;
- cancelled, the put's condition failed -> 202 with ``"duplicate": true``: the order is already in the outbox;
- ``ValidationException`` / ``SerializationException`` (an item over DynamoDB's 400 KB) -> 400 with the reason;
- anything else (throttling, a transaction conflict, KMS, access, 5xx) -> 503.

The body and the FIFO ids go in as binary attributes, ``$util.base64Encode``d, so no character of the
request can break the JSON of the call. Velocity parses ``#`` in text and in double-quoted strings as the
start of a directive, so the template spells DynamoDB's ``#region`` placeholder and the ``__type`` values in
single-quoted strings, which Velocity does not parse.

IAM (DynamoDB Developer Guide, "Using IAM with DynamoDB transactions": "Permissions for Put ... are governed
by the permissions used for the underlying PutItem ... For the ConditionCheck action, you can use the
dynamodb:ConditionCheckItem permission"): API Gateway's role may ``PutItem`` on the outbox and
``ConditionCheckItem`` on the control table, each only inside a transaction (``dynamodb:EnclosingOperation``),
and use the region's key through DynamoDB (``kms:Decrypt``, as ``synth.iam`` says of tables).

Why the drainer polls instead of reading the outbox's stream: an event source mapping needs the stream's ARN,
whose last part is the time the stream was created, and a global table's ``StreamArn`` is the ARN of the
replica in the stack's own region (AWS::DynamoDB::GlobalTable, return values); the app layer of another region
cannot name its replica's stream. So an EventBridge schedule starts the drainer every minute and it polls
about once a second within the invocation.
"""

from __future__ import annotations

import json

from awacs import dynamodb, kms, sqs
from awacs.aws import Allow, Condition, Statement, StringEquals
from troposphere import GetAtt, Ref, Sub, apigateway
from troposphere import awslambda as lambdar
from troposphere import events as eventsr

from drgen import configs, naming
from drgen.model import Route
from drgen.synth import delivery, iam, suppressions
from drgen.synth.base import LayerTemplate, arn
from drgen.synth.lambdas import function
from drgen.synth.queues import queue_id

DRAINER = "outbox-drainer"
SCHEDULE = "rate(1 minute)"
DRAINER_TIMEOUT = 60
TYPE = "com.amazonaws.dynamodb.v20120810#"
VALIDATION = ("com.amazon.coral.validate#ValidationException", f"{TYPE}ValidationException",
              "com.amazon.coral.service#SerializationException")
"""``__type`` values of a request DynamoDB refuses as malformed: 400."""


def is_intake(t: LayerTemplate, route: Route) -> bool:
    return route.target == "queue" and any(q.name == route.name for q in configs.intake_queues(t.bp))


def transact_template(t: LayerTemplate, route: Route) -> Sub:
    """The request mapping template: the flag's check and the outbox item's put, in one transaction."""
    queue = next(q for q in t.bp.queues if q.name == route.name)
    headers = route.group_id_header, route.deduplication_id_header
    key = (f"$util.base64Encode($input.params('{headers[1]}'))" if queue.fifo and headers[1] else "$context.requestId")
    item = {"id": {"S": f"{queue.name}/{key}"}, "queue": {"S": queue.name},
            "body": {"B": "$util.base64Encode($input.body)"}, "requestId": {"S": "$context.requestId"},
            "acceptedAt": {"N": "$context.requestTimeEpoch"}}
    if queue.fifo and headers[0] and headers[1]:
        item["groupId"] = {"B": f"$util.base64Encode($input.params('{headers[0]}'))"}
        item["deduplicationId"] = {"B": f"$util.base64Encode($input.params('{headers[1]}'))"}
    call = {"TransactItems": [
        {"ConditionCheck": {
            "TableName": naming.control_table(t.prefix), "Key": {"pk": {"S": configs.ACTIVE_ITEM}},
            "ConditionExpression": "$flag = :here", "ExpressionAttributeNames": {"$flag": "region"},
            "ExpressionAttributeValues": {":here": {"S": "${AWS::Region}"}}}},
        {"Put": {"TableName": naming.outbox_table(t.prefix), "Item": item,
                 "ConditionExpression": "attribute_not_exists(id)"}}]}
    return Sub("#set($flag = '#region')\n" + json.dumps(call, separators=(",", ":")))


ACCEPTED = '{"requestId": "$context.requestId"}'
UNAVAILABLE = '{"message": "the queue cannot take the request now: retry", "requestId": "$context.requestId"}'
REFUSED = "\n".join([
    "#set($type = $input.path('$.__type'))",
    "#set($flag = $input.path('$.CancellationReasons[0].Code'))",
    "#set($put = $input.path('$.CancellationReasons[1].Code'))",
    "#set($reason = $input.json('$.message'))",
    '#if("$!reason" == "" || "$!reason" == "null")',
    "#set($reason = $input.json('$.Message'))",
    "#end",
    f"#if($type == '{TYPE}TransactionCanceledException' && $flag == 'ConditionalCheckFailed')",
    "#set($context.responseOverride.status = 503)",
    '{"message": "this region is not the active one: retry", "requestId": "$context.requestId"}',
    f"#elseif($type == '{TYPE}TransactionCanceledException' && $put == 'ConditionalCheckFailed')",
    "#set($context.responseOverride.status = 202)",
    '{"requestId": "$context.requestId", "duplicate": true}',
    "#elseif(" + " || ".join(f"$type == '{v}'" for v in VALIDATION) + ")",
    '{"message": $reason, "code": "$type", "requestId": "$context.requestId"}',
    "#else",
    "#set($context.responseOverride.status = 503)",
    UNAVAILABLE,
    "#end",
])


def integration(t: LayerTemplate, route: Route) -> apigateway.Integration:
    return apigateway.Integration(
        Type="AWS", IntegrationHttpMethod="POST", Credentials=GetAtt("ApiQueueRole", "Arn"),
        Uri=Sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:dynamodb:action/TransactWriteItems"),
        RequestTemplates={"application/json": transact_template(t, route)},
        PassthroughBehavior="NEVER",
        IntegrationResponses=[
            apigateway.IntegrationResponse(StatusCode="202", SelectionPattern=r"2\d{2}",
                                           ResponseTemplates={"application/json": ACCEPTED}),
            apigateway.IntegrationResponse(StatusCode="400", SelectionPattern=r"4\d{2}",
                                           ResponseTemplates={"application/json": REFUSED}),
            apigateway.IntegrationResponse(StatusCode="503", ResponseTemplates={"application/json": UNAVAILABLE}),
        ],
    )


def api_statements(t: LayerTemplate) -> list[Statement]:
    """What API Gateway's role needs for the intake routes: the transaction, and the key through DynamoDB."""
    if not configs.intake_queues(t.bp):
        return []
    transaction = Condition(StringEquals("dynamodb:EnclosingOperation", "TransactWriteItems"))
    return [
        Statement(Sid="IntakeOutbox", Effect=Allow, Action=[dynamodb.PutItem],
                  Resource=[arn("dynamodb", f"table/{naming.outbox_table(t.prefix)}")], Condition=transaction),
        Statement(Sid="IntakeActiveRegion", Effect=Allow, Action=[dynamodb.ConditionCheckItem],
                  Resource=[arn("dynamodb", f"table/{naming.control_table(t.prefix)}")], Condition=transaction),
        iam.key_statement(t, "IntakeKey", "dynamodb", [kms.Decrypt]),
    ]


def _drainer(t: LayerTemplate) -> None:
    queues = configs.intake_queues(t.bp)
    outbox = arn("dynamodb", f"table/{naming.outbox_table(t.prefix)}")
    statements = [
        *iam.flag_statements(t),
        Statement(Sid="DrainOutbox", Effect=Allow, Action=[dynamodb.Scan, dynamodb.UpdateItem], Resource=[outbox]),
        Statement(Sid="SendToQueues", Effect=Allow, Action=[sqs.SendMessage],
                  Resource=[GetAtt(queue_id(q), "Arn") for q in queues]),
        iam.key_statement(t, "SendToQueuesKey", "sqs", [kms.GenerateDataKey, kms.Decrypt]),
    ]
    config = Sub(json.dumps(configs.drainer(t.bp), sort_keys=True, separators=(",", ":")))
    fn = function(t, DRAINER, handler="handler.handler", runtime="python3.12", memory=256, timeout=DRAINER_TIMEOUT,
                  statements=statements, environment={"DRGEN_CONFIG": config}, ReservedConcurrentExecutions=1,
                  suppress=[suppressions.DRAINER_SCHEDULED, suppressions.DRAINER_OUTSIDE_VPC])
    target = {}
    if delivery.needed(t):
        target = delivery.target_options(t, 60, 0)
    rule = t.add(eventsr.Rule(
        "OutboxDrainerSchedule", Name=f"{t.prefix}-{DRAINER}", ScheduleExpression=SCHEDULE,
        Description="Starts the outbox drainer, which drains only in the active region",
        Targets=[eventsr.Target(Id=DRAINER, Arn=GetAtt(fn, "Arn"), **target)]))
    t.add(lambdar.Permission("OutboxDrainerScheduleInvoke", Action="lambda:InvokeFunction", FunctionName=Ref(fn),
                             Principal="events.amazonaws.com", SourceArn=GetAtt(rule, "Arn")))


def consumer_statements(t: LayerTemplate, function_name: str) -> list[Statement]:
    """A function triggered by an intake queue deletes each message's outbox item once it has processed it (the
    key statement it needs is the flag's: the same key through DynamoDB)."""
    if function_name not in configs.outbox_consumers(t.bp):
        return []
    return [Statement(Sid="DeleteFromOutbox", Effect=Allow, Action=[dynamodb.DeleteItem],
                      Resource=[arn("dynamodb", f"table/{naming.outbox_table(t.prefix)}")])]


def consumer_environment(t: LayerTemplate, function_name: str) -> dict[str, str]:
    if function_name not in configs.outbox_consumers(t.bp):
        return {}
    return {"DRGEN_OUTBOX_TABLE": naming.outbox_table(t.prefix)}


def contribute(t: LayerTemplate) -> None:
    """The drainer stays in the layer's first part, with the queues it sends to (``drgen.splitting``)."""
    if configs.intake_queues(t.bp) and t.layer.holds(""):
        _drainer(t)
