"""The ``resilience`` stack (primary region, opt-in): AWS Resilience Hub's view of the blueprint.

- ``AWS::ResilienceHub::ResiliencyPolicy`` from ``drgen.resiliencehub``: its tier, and the AZ, hardware,
  software and region targets the objectives and the design give.
- ``AWS::ResilienceHub::App`` whose ``ResourceMappings`` are every CloudFormation stack drgen deploys, each
  StackSet instance and once-only stack by its stack ID (``CfnStack`` mappings; ``drgen deploy`` passes the IDs
  as the ``StackId<Layer><Region>`` parameters, since a StackSet instance's stack name holds a random suffix), so
  Resilience Hub imports their resources itself; the app template body holds no resource of its own.
- The role Resilience Hub assumes to read them (``RoleBased`` permission model), with AWS's managed
  assessment policy (read-only), trusted by Resilience Hub from this account only.
"""

from __future__ import annotations

import json

from troposphere import GetAtt, Parameter, Ref, Sub, iam
from troposphere import resiliencehub as rh

from drgen import naming, resiliencehub
from drgen.layers import layers
from drgen.synth import policies
from drgen.synth.base import LayerTemplate

ASSESSMENT_POLICY = "arn:${AWS::Partition}:iam::aws:policy/AWSResilienceHubAsssessmentExecutionPolicy"
"""AWS's managed policy for Resilience Hub's assessment role (its name is spelt with three s's by AWS)."""
APP_TEMPLATE = {"appComponents": [], "excludedResources": {}, "resources": [], "version": 2.0}
"""Resilience Hub's application template: empty, every resource comes from the mapped stacks."""


def stack_parameters(t: LayerTemplate) -> dict[str, tuple[str, str]]:
    """``StackId<Layer><Region>`` -> (layer, region), for every stack the application maps."""
    out = {}
    for layer in layers(t.bp):
        if layer.name == t.layer.name:
            continue
        for region in layer.regions:
            out[f"StackId{naming.logical_id(layer.name)}{naming.region_id(region)}"] = (layer.name, region)
    return out


def contribute(t: LayerTemplate) -> None:
    bp = t.bp
    settings = bp.resilience_hub
    assert settings is not None
    targets = resiliencehub.targets(bp)
    policy = t.add(rh.ResiliencyPolicy(
        "ResiliencyPolicy", PolicyName=naming.cut(f"{t.prefix}-policy", 60),
        PolicyDescription=naming.cut(f"drgen {t.prefix}: {bp.strategy}, RTO {bp.objectives.rto}, "
                                     f"RPO {bp.objectives.rpo} for a regional outage", 500),
        Tier=resiliencehub.tier(bp), DataLocationConstraint=settings.data_location,
        Policy={name: rh.FailurePolicy(RtoInSecs=target.rto_seconds, RpoInSecs=target.rpo_seconds)
                for name, target in targets.items()}))
    role = t.add(iam.Role(
        "AssessmentRole", RoleName=Sub(naming.role(t.prefix, "resilience-hub", "${AWS::Region}")),
        Description="Resilience Hub reads the blueprint's stacks and resources to assess them (read-only)",
        AssumeRolePolicyDocument=policies.trust("resiliencehub.amazonaws.com"),
        ManagedPolicyArns=[Sub(ASSESSMENT_POLICY)]))
    mappings = []
    for name, (layer, region) in stack_parameters(t).items():
        t.template.add_parameter(Parameter(name, Type="String",
                                           Description=f"The stack ID of the {layer} stack in {region}"))
        t.deploy_parameters.append(name)
        mappings.append(rh.ResourceMapping(
            MappingType="CfnStack",
            PhysicalResourceId=rh.PhysicalResourceId(Type="Arn", Identifier=Ref(name), AwsRegion=region,
                                                     AwsAccountId=Ref("AWS::AccountId"))))
    app = t.add(rh.App(
        "App", Name=naming.cut(f"{t.prefix}-app", 60),
        Description=naming.cut(f"drgen {t.prefix}: every stack of the blueprint, in "
                               f"{', '.join(bp.region_names)}", 500),
        AppTemplateBody=json.dumps(APP_TEMPLATE, sort_keys=True),
        AppAssessmentSchedule="Daily" if settings.assessment_schedule == "daily" else "Disabled",
        ResiliencyPolicyArn=Ref(policy), ResourceMappings=mappings,
        PermissionModel=rh.PermissionModel(Type="RoleBased", InvokerRoleName=Ref(role))))
    t.output("AppArn", Ref(app), "The Resilience Hub application (aws resiliencehub start-app-assessment)")
    t.output("PolicyArn", Ref(policy), "The resiliency policy")
    t.output("AssessmentRoleArn", GetAtt(role, "Arn"), "The role Resilience Hub assesses with")
