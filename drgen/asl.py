"""The failover state machine as Amazon States Language, written once as data.

``definition(bp)`` is the document with ``${Name}`` substitution variables; the orchestration template embeds it as
``Definition`` with ``DefinitionSubstitutions`` (``substitution_names``), so the rendered file and the
deployed machine cannot drift. ``document(bp, region)`` resolves those variables for one secondary
region (the account stays ``${AWS::AccountId}`` unless the blueprint names exactly one account) - that is
``statemachines/<region>.asl.json``. See docs/failover.md for the design.
"""

from __future__ import annotations

import json
import math
from typing import Any

from drgen import awsdata, naming
from drgen.model import Blueprint

POLL_SECONDS = 15
APPROVAL_TIMEOUT_SECONDS = 3600
RETRY_LAMBDA = {"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
                                "Lambda.TooManyRequestsException"],
                "IntervalSeconds": 2, "MaxAttempts": 5, "BackoffRate": 2.0}
RETRY_PROMOTION = {"ErrorEquals": ["PromotionFailed"], "IntervalSeconds": 10, "MaxAttempts": 2, "BackoffRate": 2.0}
RETRY_SERVICE = {"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 2, "MaxAttempts": 4, "BackoffRate": 2.0}
CATCH_ALL = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyFailure"}]


def db_key(name: str) -> str:
    return naming.logical_id(name)


def substitution_names(bp: Blueprint) -> list[str]:
    names = ["ReadinessFunctionArn", "PromoterFunctionArn", "TopicArn", "ControlTable", "Region", "EventBusArn"]
    names += [f"{db_key(db.name)}TargetClusterArn" for db in bp.databases]
    return names


def _lambda(function: str, payload: dict[str, Any], result: str | None, next_state: str,
            retry: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "${%s}" % function, "Payload": payload},
        "ResultSelector": {"value.$": "$.Payload"}, "ResultPath": result,
        "Retry": retry or [RETRY_LAMBDA], "Catch": CATCH_ALL, "Next": next_state,
    }


def _notify(subject: str, message: str, next_state: str, catch: bool = True) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Task", "Resource": "arn:aws:states:::sns:publish",
        "Parameters": {"TopicArn": "${TopicArn}", "Subject": subject[:100], "Message.$": message},
        "ResultPath": None, "Retry": [RETRY_SERVICE], "Next": next_state,
    }
    if catch:
        state["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.notifyError", "Next": "Failed"}]
    return state


def _promotion(bp: Blueprint, index: int, after: str) -> dict[str, dict[str, Any]]:
    db = bp.databases[index]
    k = db_key(db.name)
    target = {"global_cluster": naming.global_cluster(bp.prefix, db.name), "target_cluster_arn": "${%sTargetClusterArn}" % k}
    attempts = max(1, math.ceil(bp.failover.promotion_timeout.seconds / POLL_SECONDS))
    lossy = f"Failover{k}" if bp.failover.allow_data_loss else f"RequestApproval{k}"
    states: dict[str, dict[str, Any]] = {
        f"Choose{k}": {"Type": "Choice", "Comment": f"{db.name}: switch over when the primary answers",
                       "Choices": [{"Variable": "$.readiness.value.primaryReachable", "BooleanEquals": True,
                                    "Next": f"Switchover{k}"}], "Default": lossy},
        f"Switchover{k}": _lambda("PromoterFunctionArn", {"action": "switchover", **target}, f"$.promotion.{k}",
                                  f"StartWait{k}", [RETRY_LAMBDA, RETRY_PROMOTION]),
        f"Failover{k}": _lambda("PromoterFunctionArn", {"action": "failover", **target}, f"$.promotion.{k}",
                                f"StartWait{k}", [RETRY_LAMBDA, RETRY_PROMOTION]),
        f"StartWait{k}": {"Type": "Pass", "Result": {"attempts": 0}, "ResultPath": "$.wait", "Next": f"Wait{k}"},
        f"Wait{k}": {"Type": "Wait", "Seconds": POLL_SECONDS, "Next": f"CheckWriter{k}"},
        f"CheckWriter{k}": _lambda("PromoterFunctionArn", {"action": "status", **target}, "$.writer",
                                   f"Promoted{k}"),
        f"Promoted{k}": {"Type": "Choice", "Choices": [
            {"Variable": "$.writer.value.promoted", "BooleanEquals": True, "Next": after},
            {"Variable": "$.wait.attempts", "NumericGreaterThanEquals": attempts, "Next": "NotifyTimeout"}],
            "Default": f"Count{k}"},
        f"Count{k}": {"Type": "Pass", "Parameters": {"attempts.$": "States.MathAdd($.wait.attempts, 1)"},
                      "ResultPath": "$.wait", "Next": f"Wait{k}"},
    }
    if not bp.failover.allow_data_loss:
        # In an intrinsic function's string literal, ' { } and \ are escaped with a backslash.
        approve = ("States.Format('The primary region does not answer. Failing over {} to ${Region} may lose up to "
                   "the replication lag of data. Approve: aws stepfunctions send-task-success --region ${Region} "
                   "--task-token {} --task-output {} ; deny: aws stepfunctions send-task-failure "
                   "--region ${Region} --task-token {} --error Denied', '%s', $$.Task.Token, "
                   "'\\'\\{\"approved\": true\\}\\'', $$.Task.Token)" % db.name)
        states[f"RequestApproval{k}"] = {
            "Type": "Task", "Resource": "arn:aws:states:::sns:publish.waitForTaskToken",
            "Parameters": {"TopicArn": "${TopicArn}", "Subject": f"Approve a lossy failover of {db.name}"[:100],
                           "Message.$": approve},
            "TimeoutSeconds": APPROVAL_TIMEOUT_SECONDS, "ResultPath": "$.approval",
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyDenied"}],
            "Next": f"Approved{k}",
        }
        states[f"Approved{k}"] = {"Type": "Choice", "Choices": [
            {"Variable": "$.approval.approved", "BooleanEquals": True, "Next": f"Failover{k}"}], "Default": "NotifyDenied"}
    return states


def triggered_functions(bp: Blueprint) -> list[str]:
    return [naming.function(bp.prefix, f.name) for f in bp.functions if f.triggers]


def definition(bp: Blueprint) -> dict[str, Any]:
    """The state machine, with ``${Name}`` substitution variables for the values of its region."""
    states: dict[str, dict[str, Any]] = {
        "CheckReadiness": _lambda("ReadinessFunctionArn", {"phase": "pre"}, "$.readiness", "IsReady"),
        "IsReady": {"Type": "Choice", "Choices": [{"Variable": "$.readiness.value.ready", "BooleanEquals": True,
                                                   "Next": f"Choose{db_key(bp.databases[0].name)}" if bp.databases
                                                   else "MoveTraffic"}],
                    "Default": "NotifyNotReady"},
        "NotifyNotReady": _notify("drgen: failover to ${Region} stopped, region not ready",
                                  "States.Format('The readiness check of ${Region} failed; nothing was changed. "
                                  "Checks: {}', States.JsonToString($.readiness.value.checks))", "NotReady"),
        "NotReady": {"Type": "Fail", "Error": "NotReady", "Cause": "the target region failed its readiness check"},
    }
    for index in range(len(bp.databases)):
        after = f"Choose{db_key(bp.databases[index + 1].name)}" if index + 1 < len(bp.databases) else "MoveTraffic"
        states.update(_promotion(bp, index, after))
    functions = triggered_functions(bp)
    states["MoveTraffic"] = {
        "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
        "Comment": "the health endpoints read this replicated flag: Route 53 moves traffic, no record is edited",
        "Parameters": {"TableName": "${ControlTable}", "Item": {
            "pk": {"S": "active-region"}, "region": {"S": "${Region}"},
            "since": {"S.$": "$$.State.EnteredTime"}, "by": {"S.$": "$$.Execution.Id"}}},
        "ResultPath": None, "Retry": [RETRY_SERVICE], "Catch": CATCH_ALL,
        "Next": "EnableConsumers" if functions else "ValidateAgain",
    }
    if functions:
        states["EnableConsumers"] = _lambda("PromoterFunctionArn", {
            "action": "activate", "functions": functions, "pilot_light": bp.strategy == "pilot-light"},
            "$.consumers", "ValidateAgain")
    states.update({
        "ValidateAgain": _lambda("ReadinessFunctionArn", {"phase": "post"}, "$.recovered", "IsRecovered"),
        "IsRecovered": {"Type": "Choice", "Choices": [{"Variable": "$.recovered.value.ready", "BooleanEquals": True,
                                                       "Next": "NotifySuccess"}], "Default": "NotifyDegraded"},
        "NotifyDegraded": _notify("drgen: ${Region} is active but failing checks",
                                  "States.Format('Traffic now goes to ${Region}, but its checks fail: {}', "
                                  "States.JsonToString($.recovered.value.checks))", "Degraded"),
        "Degraded": {"Type": "Fail", "Error": "Degraded", "Cause": "the region took over but fails its checks"},
        "NotifySuccess": _notify("drgen: ${Region} is now the active region",
                                 "States.Format('Failover to ${Region} completed (execution {}).', $$.Execution.Id)",
                                 "EmitEvent"),
        "EmitEvent": {
            "Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
            "Parameters": {"Entries": [{"Source": "drgen", "DetailType": "drgen failover completed",
                                        "EventBusName": "${EventBusArn}",
                                        "Detail": {"blueprint": bp.prefix, "region": "${Region}",
                                                   "execution.$": "$$.Execution.Id"}}]},
            "ResultPath": None, "Retry": [RETRY_SERVICE], "Catch": CATCH_ALL, "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
        "NotifyTimeout": _notify("drgen: promotion in ${Region} timed out",
                                 "States.Format('The new writer did not come up within {} seconds; traffic was not "
                                 "moved. Check the global cluster in ${Region}.', '%d')"
                                 % int(bp.failover.promotion_timeout.seconds), "PromotionTimedOut"),
        "PromotionTimedOut": {"Type": "Fail", "Error": "PromotionTimedOut", "Cause": "no writer within promotion_timeout"},
        "NotifyDenied": _notify("drgen: lossy failover to ${Region} not approved",
                                "States.Format('The failover to ${Region} was denied or not approved in time; nothing "
                                "was changed. ({})', States.JsonToString($))", "Denied"),
        "Denied": {"Type": "Fail", "Error": "ApprovalDenied", "Cause": "an operator denied the lossy failover"},
        "NotifyFailure": _notify("drgen: failover to ${Region} failed",
                                 "States.Format('The failover to ${Region} failed: {}', States.JsonToString($.error))",
                                 "Failed", catch=False),
        "Failed": {"Type": "Fail", "Error": "FailoverFailed", "Cause": "a step failed; see the notification"},
    })
    if not any(not bp.failover.allow_data_loss for _ in bp.databases):
        for unused in ("NotifyDenied", "Denied"):
            del states[unused]
    if not bp.databases:
        for unused in ("NotifyTimeout", "PromotionTimedOut"):
            del states[unused]
    return {"Comment": f"drgen {bp.prefix}: fail over to this region (readiness, promotion, traffic, validation)",
            "StartAt": "CheckReadiness", "TimeoutSeconds": int(bp.failover.promotion_timeout.seconds)
            + APPROVAL_TIMEOUT_SECONDS + 1800, "States": states}


def values(bp: Blueprint, region: str, account: str = "${AWS::AccountId}") -> dict[str, str]:
    """The substitutions for ``region``, as plain strings (the template builds the same with intrinsics)."""
    partition = awsdata.PARTITIONS.get(region, "aws")
    out = {
        "ReadinessFunctionArn": f"arn:{partition}:lambda:{region}:{account}:function:{naming.function(bp.prefix, 'readiness')}",
        "PromoterFunctionArn": f"arn:{partition}:lambda:{region}:{account}:function:{naming.function(bp.prefix, 'promoter')}",
        "TopicArn": f"arn:{partition}:sns:{region}:{account}:{naming.topic(bp.prefix)}",
        "ControlTable": naming.control_table(bp.prefix),
        "Region": region,
        "EventBusArn": f"arn:{partition}:events:{region}:{account}:event-bus/default",
    }
    for db in bp.databases:
        out[f"{db_key(db.name)}TargetClusterArn"] = (
            f"arn:{partition}:rds:{region}:{account}:cluster:{naming.db_cluster(bp.prefix, db.name, region)}")
    return out


def resolve(document: Any, substitutions: dict[str, str]) -> Any:
    text = json.dumps(document)
    for name, value in substitutions.items():
        text = text.replace("${%s}" % name, value)
    return json.loads(text)


def document(bp: Blueprint, region: str) -> dict[str, Any]:
    """The state machine of ``region`` with its values filled in (``statemachines/<region>.asl.json``)."""
    account = bp.accounts[0] if len(bp.accounts) == 1 else "${AWS::AccountId}"
    resolved: dict[str, Any] = resolve(definition(bp), values(bp, region, account))
    return resolved
