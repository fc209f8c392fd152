"""The regionswitch stack (the primary region, ``failover.orchestrator: arc-region-switch``): an ARC Region switch
plan whose steps do what drgen's state machine does, with drgen's own functions as its custom actions.

One ``activate`` workflow per region (making it the active one: a failover or a fail-back), in the machine's order:
the region's readiness (a failed check stops the plan), the operator's approval (``allow_data_loss: false``), every
Aurora global database promoted (a switchover in a graceful execution, a failover in an ungraceful one), capacity
(pilot light, warm standby), the active-region flag (traffic follows through the health endpoints and Route 53's
routing health checks), the consumers enabled here and disabled in the region left, and the readiness again.
What Region switch does differently is in docs/aws-tooling.md ("ARC Region switch").

The plan, its execution role and its approver role are global IAM and ARC resources; the stack lives in the primary
region only because a stack lives somewhere: Region switch executes a plan from the region it activates.
"""

from __future__ import annotations

import json
import math
from typing import Any

from awacs import arc_region_switch as arc
from awacs import awslambda, rds, sts
from awacs import iam as iam_actions
from awacs.aws import Allow, AWSPrincipal, PolicyDocument, Principal, Statement
from troposphere import AWSObject, GetAtt, Ref, Sub, iam

from drgen import naming
from drgen.model import Blueprint
from drgen.regionswitch import CustomStep, custom_steps
from drgen.synth import policies
from drgen.synth.base import LayerTemplate, arn

PRINCIPAL = "arc-region-switch.amazonaws.com"
RETRY_MINUTES = 1
"""How long Region switch waits before invoking a failed custom action again, within the step's timeout."""
STEP_MINUTES = 10
"""The timeout of each custom action step: drgen's functions answer within a minute; retries fit in ten."""


class Plan(AWSObject):  # type: ignore[misc]  # troposphere is untyped
    """``AWS::ARCRegionSwitch::Plan``. troposphere 4.11's model of it lacks ``Lambdas.Payload`` (in the CloudFormation
    resource schema and the CreatePlan API), which drgen's custom actions need, so the workflows are plain data here;
    tests/test_regionswitch.py checks the rendered resource against the schema cfn-lint ships."""

    resource_type = "AWS::ARCRegionSwitch::Plan"
    props = {
        "Name": (str, True), "Description": (str, False), "ExecutionRole": (str, True), "PrimaryRegion": (str, False),
        "RecoveryApproach": (str, True), "RecoveryTimeObjectiveMinutes": (int, False), "Regions": (list, True),
        "Tags": (dict, False), "Workflows": (list, True),
    }


def plan_name(bp: Blueprint) -> str:
    return naming.region_switch_plan(bp.prefix)


def _function(t: LayerTemplate, name: str, region: str) -> Sub:
    return arn("lambda", f"function:{naming.function(t.prefix, name)}", region=region)


def _cluster(t: LayerTemplate, db: str, region: str) -> Sub:
    return arn("rds", f"cluster:{naming.db_cluster(t.prefix, db, region)}", region=region)


def _payload(event: dict[str, Any]) -> Any:
    text = json.dumps(event, sort_keys=True, separators=(",", ":"))
    return Sub(text) if "${" in text else text


def _custom(t: LayerTemplate, step: CustomStep) -> dict[str, Any]:
    """A custom action step running drgen's function in the activating region with that region's event."""
    config: dict[str, Any] = {
        "Lambdas": [{"Arn": _function(t, step.function, region), "Payload": _payload(step.events[region])}
                    for region in t.bp.region_names],
        "RegionToRun": "activatingRegion", "RetryIntervalMinutes": RETRY_MINUTES, "TimeoutMinutes": STEP_MINUTES}
    if step.skip_ungraceful:
        config["Ungraceful"] = {"Behavior": "skip"}
    return {"Name": step.name, "Description": step.description, "ExecutionBlockType": "CustomActionLambda",
            "ExecutionBlockConfiguration": {"CustomActionLambdaConfig": config}}


def _databases(t: LayerTemplate) -> list[dict[str, Any]]:
    bp = t.bp
    timeout = max(1, math.ceil(bp.failover.promotion_timeout.seconds / 60))
    steps = [{"Name": f"promote-{db.name}", "ExecutionBlockType": "AuroraGlobalDatabase",
              "Description": f"make this region's cluster the writer of {naming.global_cluster(t.prefix, db.name)}: a "
                             "switchover (no data loss) in a graceful execution, a failover in an ungraceful one",
              "ExecutionBlockConfiguration": {"GlobalAuroraConfig": {
                  "GlobalClusterIdentifier": naming.global_cluster(t.prefix, db.name),
                  "DatabaseClusterArns": [_cluster(t, db.name, r) for r in bp.region_names],
                  "Behavior": "switchoverOnly", "Ungraceful": {"Ungraceful": "failover"}, "TimeoutMinutes": timeout}}}
             for db in bp.databases]
    if len(steps) < 2:
        return steps
    return [{"Name": "promote-databases", "Description": "every global database at once",
             "ExecutionBlockType": "Parallel", "ExecutionBlockConfiguration": {"ParallelConfig": {"Steps": steps}}}]


def _steps(t: LayerTemplate, approver: iam.Role | None) -> list[dict[str, Any]]:
    bp = t.bp
    custom = custom_steps(bp)
    steps = [_custom(t, step) for step in custom if not step.after_databases]
    if approver is not None:
        steps.append({"Name": "approve", "ExecutionBlockType": "ManualApproval",
                      "Description": "allow_data_loss is false: an operator who may assume the approver role "
                                     "approves before any database is promoted",
                      "ExecutionBlockConfiguration": {"ExecutionApprovalConfig": {
                          "ApprovalRole": GetAtt(approver, "Arn"),
                          "TimeoutMinutes": max(1, math.ceil(bp.failover.approval_time.seconds / 60))}}})
    steps += _databases(t)
    steps += [_custom(t, step) for step in custom if step.after_databases]
    return steps


def _execution_role(t: LayerTemplate) -> iam.Role:
    """What the plan's steps touch, and nothing else: Region switch assumes this role for them (and to evaluate
    the plan); the manual approval needs none of it."""
    bp = t.bp
    primary = bp.primary.name
    own = arn("iam", "role/" + naming.role(t.prefix, "rs-plan", primary), region="")
    functions = [_function(t, name, r) for name in ("readiness", "promoter") for r in bp.region_names]
    statements = [
        Statement(Sid="CustomActions", Effect=Allow, Action=[awslambda.GetFunction, awslambda.InvokeFunction],
                  Resource=functions),
        # plan evaluation simulates this role's own policy to report missing permissions
        Statement(Sid="EvaluatePlan", Effect=Allow, Action=[iam_actions.SimulatePrincipalPolicy], Resource=[own]),
    ]
    if bp.databases:
        global_clusters = [arn("rds", f"global-cluster:{naming.global_cluster(t.prefix, db.name)}", region="")
                           for db in bp.databases]
        clusters = [_cluster(t, db.name, r) for db in bp.databases for r in bp.region_names]
        statements += [
            Statement(Sid="ReadDatabases", Effect=Allow, Action=[rds.DescribeGlobalClusters, rds.DescribeDBClusters],
                      Resource=[*global_clusters, *clusters]),
            Statement(Sid="PromoteDatabases", Effect=Allow,
                      Action=[rds.FailoverGlobalCluster, rds.SwitchoverGlobalCluster],
                      Resource=[*global_clusters, *clusters])]
    trust = PolicyDocument(Version=policies.VERSION, Statement=[Statement(
        Effect=Allow, Principal=Principal("Service", [PRINCIPAL]), Action=[sts.AssumeRole])])
    return t.add(iam.Role(
        "PlanExecutionRole", RoleName=naming.role(t.prefix, "rs-plan", primary), AssumeRolePolicyDocument=trust,
        Policies=[iam.Policy(PolicyName="region-switch", PolicyDocument=PolicyDocument(
            Version=policies.VERSION, Statement=statements))]))


def _approver(t: LayerTemplate) -> iam.Role:
    """Whoever may assume this role approves (or declines) the plan's approval step. It trusts this account: an
    administrator grants ``sts:AssumeRole`` on it to the on-call operators, as for any role."""
    trust = PolicyDocument(Version=policies.VERSION, Statement=[Statement(
        Effect=Allow, Principal=AWSPrincipal(Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")),
        Action=[sts.AssumeRole])])
    return t.add(iam.Role("PlanApproverRole", RoleName=naming.role(t.prefix, "rs-approver", t.bp.primary.name),
                          AssumeRolePolicyDocument=trust))


def _approver_policy(t: LayerTemplate, approver: iam.Role, plan: Plan) -> None:
    """A policy of its own, after the plan: the plan names the role and the role's permission names the plan."""
    t.add(iam.PolicyType("PlanApproverPolicy", PolicyName="approve-region-switch", Roles=[Ref(approver)],
                         PolicyDocument=PolicyDocument(Version=policies.VERSION, Statement=[Statement(
                             Sid="ApproveThisPlan", Effect=Allow, Resource=[GetAtt(plan, "Arn")], Action=[
                                 arc.Action("ApprovePlanExecutionStep"), arc.Action("GetPlan"),
                                 arc.Action("GetPlanExecution"), arc.Action("ListPlanExecutions")])])))


def contribute(t: LayerTemplate) -> None:
    bp = t.bp
    role = _execution_role(t)
    approver = None if bp.failover.allow_data_loss else _approver(t)
    steps = _steps(t, approver)
    workflows = [{"WorkflowTargetAction": "activate", "WorkflowTargetRegion": region,
                  "WorkflowDescription": f"make {region} the active region (a failover, or a fail-back to it)",
                  "Steps": steps} for region in bp.region_names]
    plan = t.add(Plan(
        "Plan", Name=plan_name(bp), RecoveryApproach="activePassive", PrimaryRegion=bp.primary.name,
        Regions=list(bp.region_names), ExecutionRole=GetAtt(role, "Arn"), Workflows=workflows,
        RecoveryTimeObjectiveMinutes=min(10080, max(1, math.ceil(bp.objectives.rto.seconds / 60))),
        Description=naming.cut(f"drgen {t.prefix}: make one region the active one (readiness, approval, "
                               "databases, capacity, traffic, consumers, validation)", 1024)))
    if approver is not None:
        _approver_policy(t, approver, plan)
        t.output("ApproverRoleArn", GetAtt(approver, "Arn"), "Assume it to approve the plan's approval step")
    t.output("PlanArn", GetAtt(plan, "Arn"), "The Region switch plan: aws arc-region-switch start-plan-execution")
