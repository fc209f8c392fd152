"""The failover state machine as Amazon States Language, written once as data.

The machine in region R means "make R the active region"; it is deployed in every region, so failing back
is the same machine started in the original primary. Who is active and which cluster writes are read at run
time (the readiness function's Inspect), never taken from a template parameter.

``definition(bp)`` is the document with ``${Name}`` substitution variables; the orchestration template embeds it
as ``Definition`` with ``DefinitionSubstitutions`` (``substitution_names``), so the rendered file and the deployed
machine cannot drift. ``document(bp, region)`` resolves those variables for one region (the account stays
``${AWS::AccountId}`` unless the blueprint names exactly one account) - that is
``statemachines/<region>.asl.json``. See docs/failover.md ("The state machine") for the design.

Input: ``{"trigger": str, "alarmRegion"?: str}`` - with ``alarmRegion`` (the region of the alarm that started it)
the machine stops cleanly unless that region is the current active one.
"""

from __future__ import annotations

import json
import math
from typing import Any

from drgen import asl_redrive, awsdata, naming
from drgen.asl_tasks import (
    CATCH_ALL,
    DENIED,
    LOCK_ITEM,
    NO_RETRY_ON_DENIAL,
    RETRY_LAMBDA,
    RETRY_PROMOTION,
    RETRY_SERVICE,
)
from drgen.asl_tasks import (
    FLAG_ITEM as FLAG_ITEM,
)
from drgen.asl_tasks import is_true as _is
from drgen.asl_tasks import item as _item
from drgen.asl_tasks import lambda_task as _lambda
from drgen.asl_tasks import notify as _notify
from drgen.asl_tasks import release as _release
from drgen.model import Blueprint

POLL_SECONDS = 15
APPROVAL_TIMEOUT_SECONDS = 3600
RANK_DELAY_SECONDS = 30
LOCK_SETTLE_SECONDS = 10
DECIDE_SECONDS = 30
"""The canary's decision window (three probes five seconds apart, each bounded): what Decide may take."""
MARGIN_SECONDS = 900
"""Inspect, lock, scale-up, consumers, validation and notifications, with their retries."""

def db_key(name: str) -> str:
    return naming.logical_id(name)


def substitution_names(bp: Blueprint) -> list[str]:
    names = ["ReadinessFunctionArn", "PromoterFunctionArn", "TopicArn", "ControlTable", "Region", "EventBusArn"]
    if bp.databases:
        names.append("CanaryFunctionArn")
    names += [f"{db_key(db.name)}TargetClusterArn" for db in bp.databases]
    return names


def triggered_functions(bp: Blueprint) -> list[str]:
    return [naming.function(bp.prefix, f.name) for f in bp.functions if f.triggers]


def scaled_functions(bp: Blueprint) -> list[str]:
    """The functions a new primary lifts to full concurrency: every function of a pilot light, none otherwise."""
    return [naming.function(bp.prefix, f.name) for f in bp.functions] if bp.strategy == "pilot-light" else []


def scales_up(bp: Blueprint) -> bool:
    """Whether the strategy adds capacity to a new primary (hot standby already runs at full size)."""
    more_instances = any(db.primary_instances > db.secondary_instances for db in bp.databases)
    return bp.strategy in ("pilot-light", "warm-standby") and (more_instances or bool(scaled_functions(bp)))


def has_approval(bp: Blueprint) -> bool:
    """Every machine with a database can ask: a switchover that cannot complete escalates to an approval."""
    return bool(bp.databases)


def timeout_seconds(bp: Blueprint) -> int:
    """The execution timeout, from the work: the worst rank delay, the lock, the decision, the approval, a
    switchover that times out and the failover after it, the redrive's rounds, and the margin for the steps
    around them."""
    rank = max(0, len(bp.secondaries) - 1) * RANK_DELAY_SECONDS
    promotion = bp.failover.promotion_timeout.whole_seconds + POLL_SECONDS
    work = rank + LOCK_SETTLE_SECONDS + MARGIN_SECONDS
    if bp.databases:
        work += DECIDE_SECONDS + 2 * promotion + APPROVAL_TIMEOUT_SECONDS
    return int(work) + asl_redrive.seconds(bp)


def _lock_states(bp: Blueprint) -> dict[str, dict[str, Any]]:
    after = "NeedsPromotion" if bp.databases else "NeedsTraffic"
    lock = {"pk": {"S": LOCK_ITEM}, "owner": {"S.$": "$$.Execution.Id"}, "region": {"S": "${Region}"},
            "expires": {"N.$": "$.inspect.value.lock.expires"}, "since": {"S.$": "$$.State.EnteredTime"}}
    take = _item("putItem", LOCK_ITEM, None, "SettleLock", Item=lock,
                 ConditionExpression="attribute_not_exists(pk) OR #expires < :now OR #owner = :me",
                 ExpressionAttributeNames={"#owner": "owner", "#expires": "expires"},
                 ExpressionAttributeValues={":now": {"N.$": "$.inspect.value.lock.now"},
                                            ":me": {"S.$": "$$.Execution.Id"}})
    take["Catch"] = [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "ResultPath": "$.lockError",
                      "Next": "ConfirmLock"}, *CATCH_ALL]
    stale = _item("putItem", LOCK_ITEM, None, "SettleLock", Item=lock, ConditionExpression="#owner = :stale",
                  ExpressionAttributeNames={"#owner": "owner"},
                  ExpressionAttributeValues={":stale": {"S.$": "$.lock.Item.owner.S"}})
    stale["Catch"] = take["Catch"]
    return {
        "RankDelay": {"Type": "Wait", "SecondsPath": "$.inspect.value.rankDelaySeconds", "Next": "TakeLock",
                      "Comment": "the blueprint's order of secondaries decides who goes first"},
        "TakeLock": take,
        "SettleLock": {"Type": "Wait", "Seconds": LOCK_SETTLE_SECONDS, "Next": "ConfirmLock",
                       "Comment": "replicas resolve concurrent writes last-writer-wins: read the winner back"},
        "ConfirmLock": _item("getItem", LOCK_ITEM, "$.lock", "LockHeld", ConsistentRead=True),
        "LockHeld": {"Type": "Choice", "Choices": [{"Variable": "$.lock.Item", "IsPresent": True, "Next": "IsOwner"}],
                     "Default": "TakeLock"},
        "IsOwner": {"Type": "Choice", "Choices": [{"Variable": "$.lock.Item.owner.S", "Next": "ReadFlag",
                                                   "StringEqualsPath": "$.inspect.value.lock.owner"}],
                    "Default": "LockOwnerStatus"},
        # a lock left by an earlier run of this same machine that has ended (it failed where it could not release
        # the lock) is stale: a rerun takes it over, which is what makes "start it again" finish the job
        "LockOwnerStatus": _lambda("ReadinessFunctionArn", {"phase": "lock", "owner.$": "$.lock.Item.owner.S",
                                                            "machine.$": "$$.StateMachine.Id"}, "$.lockOwner",
                                   "OwnerEnded", catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.lockOwnerError",
                                                         "Next": "NotifySuperseded"}]),
        "OwnerEnded": _is("$.lockOwner.value.stale", True, "TakeStaleLock", "NotifySuperseded"),
        "TakeStaleLock": stale,
        "NotifySuperseded": _notify(
            "drgen: failover to ${Region} stopped, another is under way",
            "States.Format('A failover to {} is already under way ({}); the machine in ${Region} stopped and "
            "changed nothing.', $.lock.Item.region.S, $.lock.Item.owner.S)", "Superseded"),
        "Superseded": {"Type": "Pass", "Result": {"superseded": True}, "End": True},
        "ReadFlag": _item("getItem", FLAG_ITEM, "$.flag", "FlagPresent", ConsistentRead=True),
        "FlagPresent": {"Type": "Choice", "Choices": [{"Variable": "$.flag.Item.region.S", "IsPresent": True,
                                                       "Next": "StillWanted"}], "Default": after},
        "StillWanted": {"Type": "Choice", "Comment": "another region may have taken over while this one waited",
                        "Choices": [{"Variable": "$.flag.Item.region.S", "StringEqualsPath": "$.inspect.value.fromRegion",
                                     "Next": after},
                                    {"Variable": "$.flag.Item.region.S", "StringEquals": "${Region}", "Next": after}],
                        "Default": "NotifyOvertaken"},
        "NotifyOvertaken": _notify(
            "drgen: failover to ${Region} stopped, another region took over",
            "States.Format('{} became the active region while ${Region} waited its turn; nothing was changed here.',"
            " $.flag.Item.region.S)", "ReleaseOvertaken"),
        "ReleaseOvertaken": _release("Superseded"),
    }


def _branch(bp: Blueprint, index: int) -> dict[str, Any]:
    """One database's promotion, idempotent: already the writer -> nothing; in progress -> wait for it."""
    db = bp.databases[index]
    k = db_key(db.name)
    target = {"global_cluster": naming.global_cluster(bp.prefix, db.name), "target_cluster_arn": "${%sTargetClusterArn}" % k}
    attempts = max(1, math.ceil(bp.failover.promotion_timeout.seconds / POLL_SECONDS))
    promote = _lambda("PromoterFunctionArn", {"action.$": "$.mode", **target}, "$.promotion", f"Started{k}",
                      [RETRY_LAMBDA, RETRY_PROMOTION], catch=[])
    status = _lambda("PromoterFunctionArn", {"action": "status", **target}, "$.writer", f"Promoted{k}",
                     [RETRY_LAMBDA, RETRY_PROMOTION], catch=[])
    for state in (promote, status):
        del state["Catch"]  # an error fails the branch: the Parallel state's Catch decides what follows
    return {"StartAt": f"Promote{k}", "States": {
        f"Promote{k}": promote,
        f"Started{k}": _is("$.promotion.value.already", True, f"Writer{k}", f"StartWait{k}"),
        f"StartWait{k}": {"Type": "Pass", "Result": {"attempts": 0}, "ResultPath": "$.wait", "Next": f"Wait{k}"},
        f"Wait{k}": {"Type": "Wait", "Seconds": POLL_SECONDS, "Next": f"CheckWriter{k}"},
        f"CheckWriter{k}": status,
        f"Promoted{k}": {"Type": "Choice", "Choices": [
            {"Variable": "$.writer.value.promoted", "BooleanEquals": True, "Next": f"Writer{k}"},
            {"Variable": "$.wait.attempts", "NumericGreaterThanEquals": attempts, "Next": f"TimedOut{k}"}],
            "Default": f"Count{k}"},
        f"Count{k}": {"Type": "Pass", "Parameters": {"attempts.$": "States.MathAdd($.wait.attempts, 1)"},
                      "ResultPath": "$.wait", "Next": f"Wait{k}"},
        f"TimedOut{k}": {"Type": "Fail", "Error": "PromotionTimedOut",
                         "Cause": f"{db.name}: no writer in this region within promotion_timeout"},
        f"Writer{k}": {"Type": "Pass", "Parameters": {"database": db.name, "mode.$": "$.mode"}, "End": True},
    }}


def _promotion_states(bp: Blueprint) -> dict[str, dict[str, Any]]:
    # In an intrinsic function's string literal, ' { } and \ are escaped with a backslash.
    approve = ("States.Format('{} does not answer (or a switchover could not complete). Failing over to ${Region} "
               "may lose data: {}. Approve: aws stepfunctions send-task-success --region ${Region} --task-token {} "
               "--task-output {} ; deny: aws stepfunctions send-task-failure --region ${Region} --task-token {} "
               "--error Denied', $.inspect.value.fromRegion, $.inspect.value.lastKnownGood.summary, $$.Task.Token, "
               "'\\'\\{\"approved\": true\\}\\'', $$.Task.Token)")
    if bp.failover.allow_data_loss:  # without asking only when the lag was within its bound before the incident
        lossy: dict[str, Any] = _is("$.inspect.value.lossWithinBound", True, "SetFailover", "RequestApproval")
    else:
        lossy = {"Type": "Pass", "Comment": "allow_data_loss is false: an operator approves every lossy failover",
                 "Next": "RequestApproval"}
    catch = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "PromotionStopped"}]
    return {
        "NeedsPromotion": _is("$.inspect.value.needsPromotion", True, "Decide", "NeedsTraffic"),
        "Decide": _lambda("CanaryFunctionArn", {"action": "decide", "active_region.$": "$.inspect.value.fromRegion"},
                          "$.decision", "IsActiveDown"),
        "IsActiveDown": {"Type": "Choice", "Comment": "lossy only when both data-plane signals failed every probe",
                         "Choices": [{"Variable": "$.decision.value.activeDown", "BooleanEquals": True,
                                      "Next": "LossyPath"}], "Default": "SetSwitchover"},
        "LossyPath": lossy,
        "SetSwitchover": {"Type": "Pass", "Result": "switchover", "ResultPath": "$.mode", "Next": "PromoteDatabases"},
        "RequestApproval": {
            "Type": "Task", "Resource": "arn:${Partition}:states:::sns:publish.waitForTaskToken",
            "Parameters": {"TopicArn": "${TopicArn}", "Subject": "drgen: approve a lossy failover to ${Region}",
                           "Message.$": approve},
            "TimeoutSeconds": APPROVAL_TIMEOUT_SECONDS, "ResultPath": "$.approval",
            "Retry": [NO_RETRY_ON_DENIAL, RETRY_SERVICE],
            # denied or unanswered: not approved; the request could not be sent: a failure, said as such
            "Catch": [{"ErrorEquals": [DENIED, "States.Timeout"], "ResultPath": "$.error",
                       "Next": "NotifyDenied"},
                      {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotifyFailure"}],
            "Next": "Approved",
        },
        "Approved": _is("$.approval.approved", True, "SetFailover", "NotifyDenied"),
        "SetFailover": {"Type": "Pass", "Result": "failover", "ResultPath": "$.mode", "Next": "PromoteDatabases"},
        "PromoteDatabases": {
            "Type": "Parallel", "Comment": "every database at once, each branch idempotent (it reads $.mode)",
            "Branches": [_branch(bp, i) for i in range(len(bp.databases))],
            "ResultPath": "$.promotions", "Catch": catch, "Next": "NeedsTraffic",
        },
        "PromotionStopped": {"Type": "Choice", "Choices": [
            {"Variable": "$.mode", "StringEquals": "switchover", "Next": "NotifyEscalation"},
            {"Variable": "$.error.Error", "StringEquals": "PromotionTimedOut", "Next": "NotifyTimeout"}],
            "Default": "NotifyFailure"},
        "NotifyEscalation": _notify("drgen: switchover to ${Region} could not complete",
                                    "States.Format('The switchover to ${Region} failed ({}); an operator may approve "
                                    "a failover instead.', States.JsonToString($.error))", "RequestApproval"),
        "NotifyTimeout": _notify("drgen: promotion in ${Region} timed out",
                                 "States.Format('The new writer did not come up within {} seconds; traffic was not "
                                 "moved. Start the machine again to resume, or check the global clusters.', '%d')"
                                 % int(bp.failover.promotion_timeout.seconds), "ReleaseTimedOut"),
        "ReleaseTimedOut": _release("PromotionTimedOut"),
        "PromotionTimedOut": {"Type": "Fail", "Error": "PromotionTimedOut", "Cause": "no writer within promotion_timeout"},
        "NotifyDenied": _notify("drgen: lossy failover to ${Region} not approved",
                                "States.Format('The failover to ${Region} was denied or not approved in time; no "
                                "database was failed over and traffic was not moved. ({})', "
                                "States.JsonToString($.error))", "ReleaseDenied"),
        "ReleaseDenied": _release("Denied"),
        "Denied": {"Type": "Fail", "Error": "ApprovalDenied", "Cause": "an operator denied the lossy failover"},
    }


def _serving_states(bp: Blueprint) -> dict[str, dict[str, Any]]:
    functions = triggered_functions(bp)
    after_traffic = "ScaleUp" if scales_up(bp) else ("EnableConsumers" if functions else "ValidateAgain")
    states: dict[str, dict[str, Any]] = {
        "NeedsTraffic": {"Type": "Choice", "Choices": [{"Variable": "$.flag.Item.region.S", "IsPresent": True,
                                                        "Next": "FlagHere"}], "Default": "MoveTraffic"},
        "FlagHere": {"Type": "Choice", "Comment": "the flag already names this region: traffic has moved",
                     "Choices": [{"Variable": "$.flag.Item.region.S", "StringEquals": "${Region}",
                                  "Next": after_traffic}], "Default": "MoveTraffic"},
        "MoveTraffic": _item("putItem", FLAG_ITEM, None, after_traffic, Item={
            "pk": {"S": FLAG_ITEM}, "region": {"S": "${Region}"},
            "since": {"S.$": "$$.State.EnteredTime"}, "by": {"S.$": "$$.Execution.Id"}}),
    }
    states["MoveTraffic"]["Comment"] = "the health endpoints read this replicated flag: Route 53 moves traffic"
    if scales_up(bp):
        states["ScaleUp"] = _lambda("PromoterFunctionArn", {
            "action": "scale", "databases": [
                {"cluster_arn": "${%sTargetClusterArn}" % db_key(db.name),
                 "instances": [naming.db_instance(bp.prefix, db.name, "${Region}", i) for i in range(db.primary_instances)]}
                for db in bp.databases if db.primary_instances > db.secondary_instances],
            "functions": scaled_functions(bp)}, "$.scaled", "EnableConsumers" if functions else "ValidateAgain")
    if functions:
        states["EnableConsumers"] = _lambda("PromoterFunctionArn", {"action": "activate", "functions": functions},
                                            "$.consumers", "LeftRegion")
        states["LeftRegion"] = {"Type": "Choice", "Choices": [
            {"Variable": "$.inspect.value.fromRegion", "StringEquals": "${Region}", "Next": "ValidateAgain"}],
            "Default": "DisableConsumers"}
        after = asl_redrive.ENTRY if asl_redrive.applies(bp) else "ValidateAgain"
        states["DisableConsumers"] = _lambda(
            "PromoterFunctionArn", {"action": "deactivate", "region.$": "$.inspect.value.fromRegion",
                                    "functions": functions, "pilot_light": bp.strategy == "pilot-light"},
            "$.disabled", after,
            catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.disableError", "Next": after}])
        states["DisableConsumers"]["Comment"] = "best effort: the old region may be down; its consumers are fenced"
        if asl_redrive.applies(bp):
            states.update(asl_redrive.states(bp, "ValidateAgain"))
    states.update({
        "ValidateAgain": _lambda("ReadinessFunctionArn", {"phase": "post"}, "$.recovered", "IsRecovered"),
        "IsRecovered": _is("$.recovered.value.ready", True, "NotifySuccess", "NotifyDegraded"),
        "NotifyDegraded": _notify("drgen: ${Region} is active but failing checks",
                                  "States.Format('Traffic now goes to ${Region}, but its checks fail: {}', "
                                  "States.JsonToString($.recovered.value.checks))", "ReleaseDegraded"),
        "ReleaseDegraded": _release("Degraded"),
        "Degraded": {"Type": "Fail", "Error": "Degraded", "Cause": "the region took over but fails its checks"},
        "NotifySuccess": _notify("drgen: ${Region} is now the active region",
                                 "States.Format('${Region} is the active region (was {}; execution {}).', "
                                 "$.inspect.value.fromRegion, $$.Execution.Id)", "EmitEvent"),
        "EmitEvent": {
            "Type": "Task", "Resource": "arn:${Partition}:states:::events:putEvents",
            "Parameters": {"Entries": [{"Source": "drgen", "DetailType": "drgen failover completed",
                                        "EventBusName": "${EventBusArn}",
                                        "Detail": {"blueprint": bp.prefix, "region": "${Region}",
                                                   "from.$": "$.inspect.value.fromRegion",
                                                   "execution.$": "$$.Execution.Id"}}]},
            "ResultPath": None, "Retry": [RETRY_SERVICE],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.eventError", "Next": "ReleaseLock"}],
            "Next": "ReleaseLock",
        },
        "ReleaseLock": _release("Done"),
        "Done": {"Type": "Succeed"},
    })
    return states


def definition(bp: Blueprint) -> dict[str, Any]:
    """The state machine, with ``${Name}`` substitution variables for the values of its region."""
    timeout = timeout_seconds(bp)
    functions = triggered_functions(bp)
    states: dict[str, dict[str, Any]] = {
        "Inspect": _lambda("ReadinessFunctionArn", {"phase": "pre", "inspect": True, "lock_seconds": timeout,
                                                    "execution.$": "$$.Execution.Id"}, "$.inspect", "HasAlarmRegion"),
        "HasAlarmRegion": {"Type": "Choice", "Choices": [{"Variable": "$.alarmRegion", "IsPresent": True,
                                                          "Next": "FromActive"}], "Default": "IsAlreadyActive"},
        "FromActive": {"Type": "Choice", "Comment": "only an alarm of the active region starts a failover",
                       "Choices": [{"Variable": "$.alarmRegion", "StringEqualsPath": "$.inspect.value.activeRegion",
                                    "Next": "IsAlreadyActive"}], "Default": "NotFromActive"},
        "NotFromActive": {"Type": "Pass", "Parameters": {"notFromActive": True, "alarmRegion.$": "$.alarmRegion",
                                                         "activeRegion.$": "$.inspect.value.activeRegion"},
                          "End": True},
        "IsAlreadyActive": _is("$.inspect.value.alreadyActive", True,
                               "EnsureConsumers" if functions else "NotifyNothingToDo", "IsReady"),
        "NotifyNothingToDo": _notify("drgen: ${Region} is already the active region",
                                     "States.Format('${Region} is already active and every database writes here; "
                                     "nothing to do (execution {}).', $$.Execution.Id)", "AlreadyActive"),
        "AlreadyActive": {"Type": "Succeed"},
        "IsReady": _is("$.inspect.value.ready", True, "RankDelay", "NotifyNotReady"),
        "NotifyNotReady": _notify("drgen: failover to ${Region} stopped, region not ready",
                                  "States.Format('The readiness check of ${Region} failed; nothing was changed. "
                                  "Checks: {}', States.JsonToString($.inspect.value.checks))", "NotReady"),
        "NotReady": {"Type": "Fail", "Error": "NotReady", "Cause": "the target region failed its readiness check"},
        **_lock_states(bp),
    }
    if functions:  # a rerun in the active region re-enables consumers a template update may have switched off
        states["EnsureConsumers"] = _lambda("PromoterFunctionArn", {"action": "activate", "functions": functions},
                                            "$.consumers", "NotifyNothingToDo")
    if bp.databases:
        states.update(_promotion_states(bp))
    states.update(_serving_states(bp))
    states.update({
        "NotifyFailure": _notify("drgen: failover to ${Region} failed",
                                 "States.Format('The failover to ${Region} failed: {}. Start the machine again to "
                                 "resume: every step checks whether it is already done.', "
                                 "States.JsonToString($.error))", "ReleaseFailed", catch=False),
        "ReleaseFailed": _release("Failed"),
        "Failed": {"Type": "Fail", "Error": "FailoverFailed", "Cause": "a step failed; see the notification"},
    })
    states["NotifyFailure"]["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.notifyError",
                                         "Next": "ReleaseFailed"}]
    machine = {"Comment": f"drgen {bp.prefix}: make this region the active one (inspect, lock, decide, promote, "
                          "traffic, capacity, consumers, redrive, validation)",
               "StartAt": "Inspect", "TimeoutSeconds": timeout, "States": states}
    # Step Functions refuses an integration ARN of another partition than the execution's ("The resource belongs
    # to a different partition"); a blueprint's regions share one (E211), so the partition is written in.
    partition: dict[str, Any] = resolve(machine, {"Partition": awsdata.partition(bp.primary.name)})
    return partition


def values(bp: Blueprint, region: str, account: str = "${AWS::AccountId}") -> dict[str, str]:
    """The substitutions for ``region``, as plain strings (the template builds the same with intrinsics)."""
    partition = awsdata.PARTITIONS.get(region, "aws")

    def function(name: str) -> str:
        return f"arn:{partition}:lambda:{region}:{account}:function:{naming.function(bp.prefix, name)}"

    out = {
        "ReadinessFunctionArn": function("readiness"), "PromoterFunctionArn": function("promoter"),
        "TopicArn": f"arn:{partition}:sns:{region}:{account}:{naming.topic(bp.prefix)}",
        "ControlTable": naming.control_table(bp.prefix),
        "Region": region,
        "EventBusArn": f"arn:{partition}:events:{region}:{account}:event-bus/default",
    }
    if bp.databases:
        out["CanaryFunctionArn"] = function("canary")
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
