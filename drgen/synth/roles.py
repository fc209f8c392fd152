"""The StackSet roles: a template ``drgen bootstrap`` deploys once per account, in the control region, before
``drgen deploy`` (as the stack ``<prefix>-stackset-roles``).

The roles carry the blueprint's names (``drgen.<prefix>.stackset-administration``, ``...-execution``;
with ``stackset_roles: aws-default``, AWS's ``AWSCloudFormationStackSetAdministrationRole`` and
``AWSCloudFormationStackSetExecutionRole``). The administration role (the administration account's;
CloudFormation assumes it) may assume only the blueprint's execution role in the blueprint's accounts. The execution role
(each target account's; the administration role assumes it) runs every stack instance, so it may do what
CloudFormation needs for the resource types of the blueprint's StackSet templates and nothing more: the
actions of ``permissions.ACTIONS`` for those types, on the ARNs ``permissions.scopes`` names with the
blueprint's prefix; ``*`` only for actions AWS authorizes on ``*`` alone and for metadata reads;
``iam:PassRole`` only to the services the templates' roles trust; service-linked roles only for the
services that need one. The once-only stacks (``zone``, ``tables``, ``dns``) are not StackSets: they run
with the deploying credentials, so their types are not in this policy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from awacs import sts
from awacs.aws import (
    Allow,
    ArnEquals,
    ArnLike,
    Condition,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
)
from troposphere import Equals, GetAtt, If, Output, Ref, Sub, Tags, Template, encode_to_dict, iam

from drgen import awsdata
from drgen.errors import RenderError
from drgen.model import Blueprint
from drgen.synth import permissions, policies, suppressions
from drgen.synth.base import LayerTemplate
from drgen.synth.permissions import ACCOUNT, ARN
from drgen.synth.stacksets import administration_role, execution_role

IS_ADMINISTRATION_ACCOUNT = "IsAdministrationAccount"
MANAGED_POLICY_CHARS = 6_144
"""IAM's limit on a managed policy (characters, whitespace excluded)."""
MANAGED_POLICIES_PER_ROLE = 10
SPECIAL = {"iam:PassRole", "iam:CreateServiceLinkedRole", "iam:AttachRolePolicy", "iam:DetachRolePolicy",
           "lambda:CreateEventSourceMapping"}
"""Actions granted by their own statements, with a condition."""


@dataclass(frozen=True)
class StackSetFacts:
    """What the blueprint's StackSet templates hold that the execution policy depends on."""

    types: tuple[str, ...]
    """Every resource type, sorted."""
    passed_to: tuple[str, ...]
    """The services the templates' roles trust (``iam:PassedToService`` when CloudFormation hands one over)."""
    managed_policies: tuple[str, ...]
    """The managed policy ARNs the templates' roles attach (``Fn::Sub`` strings)."""


def stackset_facts(layer_templates: Mapping[str, LayerTemplate]) -> StackSetFacts:
    types: set[str] = set()
    passed_to: set[str] = set()
    managed: set[str] = set()
    for t in layer_templates.values():
        if t.layer.kind != "stackset":
            continue
        for resource in t.template.to_dict().get("Resources", {}).values():
            types.add(resource["Type"])
            if resource["Type"] != "AWS::IAM::Role":
                continue
            props = resource["Properties"]
            for statement in props["AssumeRolePolicyDocument"]["Statement"]:
                services = statement.get("Principal", {}).get("Service", [])
                passed_to.update([services] if isinstance(services, str) else services)
            for arn in props.get("ManagedPolicyArns", []):
                managed.add(arn["Fn::Sub"] if isinstance(arn, dict) else arn)
    return StackSetFacts(tuple(sorted(types)), tuple(sorted(passed_to)), tuple(sorted(managed)))


def _sid(service: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^a-z0-9]+", service))


def _actions(names: list[str]) -> list[Any]:
    return [permissions.action(name) for name in sorted(names)]


def execution_statements(bp: Blueprint, facts: StackSetFacts) -> list[Statement]:
    """The execution role's statements: what CloudFormation needs for ``facts.types`` of ``bp`` and no more."""
    wanted = sorted({name for kind in facts.types for name in permissions.ACTIONS[kind]})
    scopes = permissions.scopes(bp)
    scoped: dict[str, list[str]] = {}
    anywhere: dict[str, list[str]] = {}
    for name in wanted:
        if name in SPECIAL:
            continue
        service = name.split(":")[0]
        (anywhere if permissions.is_unscoped(name) else scoped).setdefault(service, []).append(name)
    statements = [
        Statement(Sid="StackSetInstances", Effect=Allow, Action=[permissions.action("cloudformation:*")],
                  Resource=[Sub(f"{ARN}:cloudformation:*:{ACCOUNT}:stack/StackSet-{bp.prefix}-*/*")]),
        Statement(Sid="CloudformationRead", Effect=Allow, Resource=["*"], Action=_actions([
            "cloudformation:Describe*", "cloudformation:GetTemplateSummary", "cloudformation:List*",
            "cloudformation:ValidateTemplate"])),
    ]
    for service in sorted(set(scoped) | set(anywhere)):
        if service in scoped:
            if service not in scopes:
                raise RenderError(f"drgen names no resources of {service} for the StackSet execution role: add its "
                                  "ARNs to drgen.synth.permissions.scopes")
            statements.append(Statement(Sid=_sid(service), Effect=Allow, Action=_actions(scoped[service]),
                                        Resource=[Sub(arn) for arn in scopes[service]]))
        if service in anywhere:
            statements.append(Statement(Sid=f"{_sid(service)}AnyResource", Effect=Allow,
                                        Action=_actions(anywhere[service]), Resource=["*"]))
    statements += _conditional_statements(bp, facts, set(wanted), scopes)
    return statements


def _conditional_statements(bp: Blueprint, facts: StackSetFacts, wanted: set[str],
                            scopes: dict[str, tuple[str, ...]]) -> list[Statement]:
    roles = [Sub(arn) for arn in scopes["iam"]]
    out = []
    if "iam:PassRole" in wanted and facts.passed_to:
        out.append(Statement(Sid="PassOwnRolesToTheirServices", Effect=Allow, Action=_actions(["iam:PassRole"]),
                             Resource=roles,
                             Condition=Condition(StringEquals("iam:PassedToService", list(facts.passed_to)))))
    linked = sorted({permissions.SERVICE_LINKED[kind] for kind in facts.types
                     if "iam:CreateServiceLinkedRole" in permissions.ACTIONS[kind]})
    if linked:
        out.append(Statement(Sid="CreateServiceLinkedRoles", Effect=Allow,
                             Action=_actions(["iam:CreateServiceLinkedRole"]),
                             Resource=[Sub(f"{ARN}:iam::{ACCOUNT}:role/aws-service-role/*")],
                             Condition=Condition(StringEquals("iam:AWSServiceName", linked))))
    if {"iam:AttachRolePolicy", "iam:DetachRolePolicy"} & wanted and facts.managed_policies:
        out.append(Statement(Sid="AttachTheManagedPoliciesOfOwnRoles", Effect=Allow,
                             Action=_actions(["iam:AttachRolePolicy", "iam:DetachRolePolicy"]), Resource=roles,
                             Condition=Condition(ArnEquals("iam:PolicyARN",
                                                           [Sub(arn) for arn in facts.managed_policies]))))
    if "lambda:CreateEventSourceMapping" in wanted:
        functions = [arn for arn in scopes["lambda"] if ":function:" in arn]
        out.append(Statement(Sid="MapQueuesToOwnFunctions", Effect=Allow,
                             Action=_actions(["lambda:CreateEventSourceMapping"]), Resource=["*"],
                             Condition=Condition(ArnLike("lambda:FunctionArn", [Sub(arn) for arn in functions]))))
    if bp.game_days is not None and bp.game_days.impair_canary and "AWS::FIS::ExperimentTemplate" in facts.types:
        # the canary's layer is a {{resolve:ssm:...}} reference to AWS's public parameter, read as the caller
        out.append(Statement(Sid="ResolveFisExtensionLayer", Effect=Allow, Action=_actions(["ssm:GetParameters"]),
                             Resource=[Sub(f"{ARN}:ssm:*::parameter{awsdata.FIS_LAMBDA_EXTENSION_PARAMETER}")]))
    return out


def _chars(statement: Statement) -> int:
    """An upper bound of the statement's size in IAM's count: ``${AWS::...}`` is longer than what it becomes."""
    return len(json.dumps(encode_to_dict(statement), separators=(",", ":")))


def pack(statements: list[Statement], limit: int = MANAGED_POLICY_CHARS) -> list[list[Statement]]:
    """The statements in order, in as few managed policies of at most ``limit`` characters as that order allows."""
    wrapper = len('{"Version":"2012-10-17","Statement":[]}')
    groups: list[list[Statement]] = []
    size = limit
    for statement in statements:
        chars = _chars(statement) + 1
        if chars + wrapper > limit:
            raise RenderError(f"the execution role's statement {statement.Sid} alone exceeds IAM's {limit} characters")
        if size + chars > limit:
            groups.append([])
            size = wrapper
        groups[-1].append(statement)
        size += chars
    return groups


def _accounts(bp: Blueprint) -> list[str]:
    return list(bp.accounts) or [ACCOUNT]


def _administration_role(bp: Blueprint, tags: Tags) -> iam.Role:
    executions = [Sub(f"{ARN}:iam::{account}:role/{execution_role(bp)}") for account in _accounts(bp)]
    role = iam.Role(
        "AdministrationRole", RoleName=administration_role(bp),
        Description=f"CloudFormation StackSets assume it to run {bp.prefix}'s StackSets in the target accounts",
        AssumeRolePolicyDocument=policies.trust("cloudformation.amazonaws.com"),
        Policies=[iam.Policy(PolicyName="assume-execution-roles", PolicyDocument=PolicyDocument(
            Version=policies.VERSION, Statement=[Statement(Sid="AssumeExecutionRoles", Effect=Allow,
                                                           Action=[sts.AssumeRole], Resource=executions)]))],
        Tags=tags,
    )
    suppressions.apply(role, suppressions.INLINE_POLICY)
    if bp.accounts:
        role.Condition = IS_ADMINISTRATION_ACCOUNT
    return role


def _tags(bp: Blueprint) -> Tags:
    return Tags(**{**dict(bp.tags), "drgen:blueprint": bp.name, "drgen:environment": bp.environment})


def roles_template(bp: Blueprint, layer_templates: Mapping[str, LayerTemplate] | None = None) -> Template:
    """The roles template of ``bp`` (``roles/stackset-roles.json``); synthesizes the layers when not given them."""
    if layer_templates is None:
        from drgen.rendering import build_packages
        from drgen.synth import synthesize

        layer_templates = synthesize(bp, build_packages(bp))
    facts = stackset_facts(layer_templates)
    administering = bp.accounts[0] if bp.accounts else ACCOUNT
    out = Template(Description=f"drgen {bp.prefix}: the StackSet administration and execution roles. drgen "
                               f"bootstrap deploys them once per account, in {bp.control_region}"[:1024])
    out.set_version("2010-09-09")
    tags = _tags(bp)
    if bp.accounts:
        out.add_condition(IS_ADMINISTRATION_ACCOUNT, Equals(Ref("AWS::AccountId"), administering))
    administration = out.add_resource(_administration_role(bp, tags))
    administration_arn: Any = GetAtt(administration, "Arn")
    if bp.accounts:
        administration_arn = If(IS_ADMINISTRATION_ACCOUNT, administration_arn,
                                Sub(f"{ARN}:iam::{administering}:role/{administration_role(bp)}"))
    groups = pack(execution_statements(bp, facts))
    if len(groups) > MANAGED_POLICIES_PER_ROLE:
        raise RenderError(f"the execution role would need {len(groups)} managed policies (IAM attaches at most "
                          f"{MANAGED_POLICIES_PER_ROLE} to a role): split the blueprint")
    execution = out.add_resource(iam.Role(
        "ExecutionRole", RoleName=execution_role(bp),
        Description=f"Runs the stack instances of {bp.prefix}'s StackSets: only what their templates create",
        AssumeRolePolicyDocument=PolicyDocument(Version=policies.VERSION, Statement=[Statement(
            Effect=Allow, Principal=Principal("AWS", [administration_arn]), Action=[sts.AssumeRole])]),
        Tags=tags,
    ))
    for index, group in enumerate(groups):
        out.add_resource(_managed_policy(bp, index, group, len(groups), execution))
    if bp.accounts:
        out.add_output(Output("AdministrationRoleArn", Condition=IS_ADMINISTRATION_ACCOUNT,
                              Description="The StackSet administration role", Value=GetAtt(administration, "Arn")))
    else:
        out.add_output(Output("AdministrationRoleArn", Description="The StackSet administration role",
                              Value=GetAtt(administration, "Arn")))
    out.add_output(Output("ExecutionRoleArn", Description="The StackSet execution role", Value=GetAtt(execution, "Arn")))
    return out


def _managed_policy(bp: Blueprint, index: int, statements: list[Statement], count: int,
                    role: iam.Role) -> iam.ManagedPolicy:
    """Part ``index`` of the execution role's policy, attached to it (IAM allows 6,144 characters a policy)."""
    sids = ", ".join(str(s.Sid) for s in statements)
    policy = iam.ManagedPolicy(
        f"ExecutionPolicy{index + 1}",
        Description=f"drgen {bp.prefix} StackSet execution role, part {index + 1} of {count}: {sids}"[:1000],
        PolicyDocument=PolicyDocument(Version=policies.VERSION, Statement=statements),
        Roles=[Ref(role)],
    )
    if any(s.Sid == "StackSetInstances" for s in statements):  # cloudformation:* on its own StackSets
        suppressions.apply(policy, suppressions.STACKSET_STACKS)
    return policy


def iter_statements(template: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every statement of the execution role's policies in a serialised roles template."""
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            yield from resource["Properties"]["PolicyDocument"]["Statement"]
