"""The StackSet definitions: for each StackSet layer, a template holding ``AWS::CloudFormation::StackSet``.

Each can be deployed with plain ``aws cloudformation deploy`` in the administration region (the control
region, ``Blueprint.control_region``). Instances: one ``StackInstancesGroup`` per region with that region's
``ParameterOverrides``, targeting the blueprint's accounts (self-managed) or its organization's OUs (service-managed,
``drgen.synth.targets``); ``OperationPreferences`` with the layer's ``RegionOrder``, ``SEQUENTIAL`` where order
matters, and by default ``FailureToleranceCount: 0`` so that the first failure stops the operation
(``deployment.concurrency`` changes them). The layer's template goes inline when it fits CloudFormation's
51,200-byte limit for a body, by ``TemplateURL`` from the control region's artifact bucket (the artifact of record)
otherwise.
"""

from __future__ import annotations

from troposphere import AccountId, Ref, Sub, Template
from troposphere import Parameter as TemplateParameter
from troposphere.cloudformation import (
    AutoDeployment,
    DeploymentTargets,
    ManagedExecution,
    OperationPreferences,
    StackInstances,
    StackSet,
)
from troposphere.cloudformation import Parameter as StackSetParameter

from drgen import naming
from drgen.model import Blueprint
from drgen.synth import targets
from drgen.synth.base import ARTIFACT_ACCOUNT, LayerTemplate

INLINE_BODY_LIMIT = 51_200
ADMINISTRATION_ROLE = "AWSCloudFormationStackSetAdministrationRole"
"""AWS's default administration role name (``stackset_roles: aws-default``)."""
EXECUTION_ROLE = "AWSCloudFormationStackSetExecutionRole"
"""AWS's default execution role name (``stackset_roles: aws-default``)."""
ROLES_LAYER = "stackset-roles"
"""The roles stack's name is ``<prefix>-stackset-roles``; ``drgen bootstrap`` deploys it."""


def administration_role(bp: Blueprint) -> str:
    """The name of the role CloudFormation assumes to administer ``bp``'s StackSets."""
    return ADMINISTRATION_ROLE if bp.stackset_roles == "aws-default" else naming.stackset_administration_role(bp.prefix)


def execution_role(bp: Blueprint) -> str:
    """The name of the role, in each target account, that runs ``bp``'s stack instances."""
    return EXECUTION_ROLE if bp.stackset_roles == "aws-default" else naming.stackset_execution_role(bp.prefix)


def template_key(layer: str, sha256: str) -> str:
    """The content-addressed key of a layer template in the artifact bucket."""
    return f"templates/{layer}/{sha256}.json"


def stackset_parameters(t: LayerTemplate) -> dict[str, str]:
    """The StackSet's own value of each per-region parameter: its first region's.

    AWS lets a stack instance override only the parameters the StackSet itself gives a value
    ("You can only override the parameter values that are specified in the StackSet"), so every
    per-region parameter needs one here; each instance then overrides it with its region's value.
    """
    return dict(sorted(t.region_values[t.layer.regions[0]].items()))


def definition(t: LayerTemplate, body: str, sha256: str) -> Template:
    """The StackSet definition of layer template ``t`` whose serialised form is ``body``."""
    bp, layer = t.bp, t.layer
    out = Template(Description=f"drgen {bp.prefix}: the {layer.name} StackSet ({layer.summary})"[:1024])
    out.set_version("2010-09-09")
    accounts = list(bp.accounts) or [AccountId]
    groups = [
        StackInstances(
            DeploymentTargets=DeploymentTargets(**targets.deployment_targets(bp, accounts)),
            Regions=[region],
            ParameterOverrides=[StackSetParameter(ParameterKey=k, ParameterValue=v)
                                for k, v in sorted(t.region_values[region].items())],
        )
        for region in layer.regions
    ]
    preferences = OperationPreferences(**targets.preferences(bp, layer, list(layer.regions)))
    source: dict[str, object]
    if len(body.encode()) <= INLINE_BODY_LIMIT:
        source = {"TemplateBody": body}
    else:
        bucket = naming.artifact_bucket(bp.prefix, bp.control_region)
        source = {"TemplateURL": Sub(f"https://{bucket}.s3.{bp.control_region}.${{AWS::URLSuffix}}/"
                                     f"{template_key(layer.name, sha256)}")}
    deployed = [n for n in t.deploy_parameters if n != ARTIFACT_ACCOUNT]
    for name in deployed:  # values known only at deploy time, the same in every region
        out.add_parameter(TemplateParameter(name, Type="String", Description=f"Passed to every instance as {name}"))
    extra: dict[str, object] = {}
    parameters = [StackSetParameter(ParameterKey=k, ParameterValue=v) for k, v in stackset_parameters(t).items()]
    parameters += [StackSetParameter(ParameterKey=n, ParameterValue=Ref(n)) for n in deployed]
    if ARTIFACT_ACCOUNT in t.deploy_parameters:  # the definition's own account administers it and holds the artifacts
        parameters.append(StackSetParameter(ParameterKey=ARTIFACT_ACCOUNT, ParameterValue=AccountId))
    if parameters:
        extra["Parameters"] = parameters
    out.add_resource(StackSet(
        naming.logical_id(layer.name, "StackSet"),
        StackSetName=naming.stack(bp.prefix, layer.name),
        Description=layer.summary[:1024],
        PermissionModel=targets.permission_model(bp),
        **_permissions(bp),
        Capabilities=["CAPABILITY_NAMED_IAM"],
        ManagedExecution=ManagedExecution(Active=False),
        OperationPreferences=preferences,
        StackInstancesGroup=groups,
        Tags=t.tags(),
        **source,
        **extra,
    ))
    return out


def _permissions(bp: Blueprint) -> dict[str, object]:
    """Self-managed: the administration and execution roles. Service-managed: AutoDeployment and CallAs (AWS
    creates the roles in every account of the organization)."""
    org = targets.organization(bp)
    if org is not None:
        return {"AutoDeployment": AutoDeployment(**targets.auto_deployment(org)), "CallAs": org.call_as}
    return {"AdministrationRoleARN": Sub(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/"
                                         f"{administration_role(bp)}"),
            "ExecutionRoleName": execution_role(bp)}
