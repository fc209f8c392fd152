"""The building blocks of drgen's state machine (``drgen.asl``): Lambda, SNS and DynamoDB tasks with their
retries and catches, the lock's release, a boolean Choice. Every failure path of a Task goes to ``NotifyFailure``
unless the caller says otherwise."""

from __future__ import annotations

from typing import Any

LOCK_ITEM = "failover-lock"
FLAG_ITEM = "active-region"

RETRY_LAMBDA = {"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
                                "Lambda.TooManyRequestsException"],
                "IntervalSeconds": 2, "MaxAttempts": 5, "BackoffRate": 2.0}
RETRY_PROMOTION = {"ErrorEquals": ["PromotionFailed"], "IntervalSeconds": 10, "MaxAttempts": 2, "BackoffRate": 2.0}
RETRY_SERVICE = {"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 2, "MaxAttempts": 4, "BackoffRate": 2.0}
RETRY_DYNAMODB = {"ErrorEquals": ["DynamoDB.ProvisionedThroughputExceededException", "DynamoDB.ThrottlingException",
                                  "DynamoDB.InternalServerErrorException", "DynamoDB.RequestLimitExceeded",
                                  "DynamoDB.AmazonDynamoDBException"],
                  "IntervalSeconds": 2, "MaxAttempts": 5, "BackoffRate": 2.0}
DENIED = "Denied"
"""The error an operator's answer fails the approval task with (send-task-failure --error Denied)."""
NO_RETRY_ON_DENIAL = {"ErrorEquals": [DENIED], "MaxAttempts": 0}
"""An operator's denial is an answer, not a failure to publish: never asked again."""
CATCH_ALL = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyFailure"}]


def lambda_task(function: str, payload: dict[str, Any], result: str | None, next_state: str,
                retry: list[dict[str, Any]] | None = None, catch: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "Type": "Task", "Resource": "arn:${Partition}:states:::lambda:invoke",
        "Parameters": {"FunctionName": "${%s}" % function, "Payload": payload},
        "ResultSelector": {"value.$": "$.Payload"}, "ResultPath": result,
        "Retry": retry or [RETRY_LAMBDA], "Catch": CATCH_ALL if catch is None else catch, "Next": next_state,
    }


def notify(subject: str, message: str, next_state: str, catch: bool = True) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Task", "Resource": "arn:${Partition}:states:::sns:publish",
        "Parameters": {"TopicArn": "${TopicArn}", "Subject": subject[:100], "Message.$": message},
        "ResultPath": None, "Retry": [RETRY_SERVICE], "Next": next_state,
    }
    if catch:  # a notification that cannot be sent does not change the outcome it reports
        state["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.notifyError", "Next": next_state}]
    return state


def item(action: str, name: str, result: str | None, next_state: str, **extra: Any) -> dict[str, Any]:
    """A DynamoDB call on the control table's replica in this region (the machine's own)."""
    key = {"Item": extra.pop("Item")} if action == "putItem" else {"Key": {"pk": {"S": name}}}
    return {"Type": "Task", "Resource": f"arn:${{Partition}}:states:::dynamodb:{action}",
            "Parameters": {"TableName": "${ControlTable}", **key, **extra}, "ResultPath": result,
            "Retry": [RETRY_DYNAMODB], "Catch": CATCH_ALL, "Next": next_state}


def release(next_state: str) -> dict[str, Any]:
    """Release the lock if this execution holds it; best effort (it expires with the execution anyway)."""
    state = item("deleteItem", LOCK_ITEM, None, next_state, ConditionExpression="#owner = :me",
                 ExpressionAttributeNames={"#owner": "owner"},
                 ExpressionAttributeValues={":me": {"S.$": "$$.Execution.Id"}})
    state["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.releaseError", "Next": next_state}]
    return state


def is_true(variable: str, value: bool, then: str, default: str) -> dict[str, Any]:
    return {"Type": "Choice", "Choices": [{"Variable": variable, "BooleanEquals": value, "Next": then}],
            "Default": default}
