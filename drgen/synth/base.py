"""The shared machinery of synthesis: a layer's template under construction.

Every component module receives a ``LayerTemplate`` and adds resources to it through ``add``, which
applies the blueprint's tags. Names come from ``drgen.naming``; ARNs are built with ``arn`` so they
always carry ``${AWS::Partition}``; other layers' values in the same region come through ``imported``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from troposphere import (
    AWSObject,
    Equals,
    Export,
    GetAtt,
    ImportValue,
    Not,
    Output,
    Parameter,
    Ref,
    Sub,
    Tags,
    Template,
    iam,
    logs,
)

from drgen import naming
from drgen.layers import Layer
from drgen.model import Blueprint
from drgen.package import Package
from drgen.synth import suppressions

R = TypeVar("R", bound=AWSObject)

LOG_RETENTION_DAYS = 365
IS_PRIMARY = "IsPrimary"
IS_SECONDARY = "IsSecondary"
ROLE = "Role"
ARTIFACT_ACCOUNT = "ArtifactAccount"
"""With an organization: the administrator account whose buckets hold the packages (a deploy-time parameter)."""


def arn(service: str, resource: str, region: str = "${AWS::Region}", account: str = "${AWS::AccountId}") -> Sub:
    """An ARN with ``${AWS::Partition}``: ``arn(\"sqs\", \"my-queue\")``; pass ``region=\"\"`` for global services."""
    return Sub(f"arn:${{AWS::Partition}}:{service}:{region}:{account}:{resource}")


class LayerTemplate:
    """One layer's CloudFormation template and the per-region parameter values its StackSet passes."""

    def __init__(self, bp: Blueprint, layer: Layer, packages: Mapping[str, Package] | None = None) -> None:
        self.bp = bp
        self.layer = layer
        self.packages: Mapping[str, Package] = packages or {}
        """Lambda packages by function name: the blueprint's functions and drgen's own."""
        self.prefix = bp.prefix
        self.template = Template(Description=self._description())
        self.template.set_version("2010-09-09")
        self.region_values: dict[str, dict[str, str]] = {region: {} for region in layer.regions}
        self.deploy_parameters: list[str] = []
        """Parameters known only at deploy time (the same in every region), e.g. a hosted zone drgen created."""

    def condition(self, name: str) -> str:
        """``IsPrimary`` or ``IsSecondary``, declared (with the per-region ``Role`` parameter) on first use."""
        if self.layer.kind != "stackset":
            raise ValueError(f"the {self.layer.name} layer is a single stack: it has no per-region role")
        if ROLE not in self.template.parameters:
            self.per_region(ROLE, {r.name: r.role for r in self.bp.regions if r.name in self.layer.regions},
                            "This region's role in the blueprint", allowed=["primary", "secondary"])
        if name not in self.template.conditions:
            equals = Equals(Ref(ROLE), "primary")
            self.template.add_condition(name, equals if name == IS_PRIMARY else Not(equals))
        return name

    def _description(self) -> str:
        text = f"drgen {self.bp.prefix} {self.layer.name}: {self.layer.summary}"
        if self.bp.description:
            text += f". {self.bp.description}"
        return naming.cut(text, 1024)  # a template's description is at most 1,024 bytes

    # ---- parameters that differ per region --------------------------------------------------------

    def per_region(self, name: str, values: dict[str, str], description: str,
                   allowed: list[str] | None = None, kind: str = "String") -> Parameter:
        """A parameter whose value the StackSet sets for each region (``ParameterOverrides``)."""
        kwargs: dict[str, Any] = {"Type": kind, "Description": description}
        if allowed:
            kwargs["AllowedValues"] = allowed
        parameter = self.template.add_parameter(Parameter(name, **kwargs))
        for region in self.layer.regions:
            self.region_values[region][name] = values[region]
        return parameter

    # ---- resources ------------------------------------------------------------------------------

    def tags(self, **extra: str) -> Tags:
        pairs = {**dict(self.bp.tags), "drgen:blueprint": self.bp.name, "drgen:environment": self.bp.environment,
                 "drgen:layer": self.layer.name, **extra}
        return Tags(**pairs)

    def tag_map(self, **extra: str) -> dict[str, str]:
        return {t["Key"]: t["Value"] for t in self.tags(**extra).to_dict()}

    def add(self, resource: R) -> R:
        """Add ``resource``, tagged when its type takes tags and it has none yet (a role's inline policy says
        why it is inline)."""
        if isinstance(resource, iam.Role) and resource.properties.get("Policies"):
            self.suppress(resource, suppressions.INLINE_POLICY)
        spec = type(resource).props.get("Tags")
        if spec is not None and "Tags" not in resource.properties:
            if spec[0] is dict:
                resource.Tags = self.tag_map()
            else:
                resource.Tags = self.tags()
        self.template.add_resource(resource)
        return resource

    def log_group(self, logical_id: str, name: str) -> logs.LogGroup:
        """A log group encrypted with the regional key, kept a year, retained when the stack goes."""
        group = self.add(logs.LogGroup(logical_id, LogGroupName=name, RetentionInDays=LOG_RETENTION_DAYS,
                                       KmsKeyId=self.key_arn(), DeletionPolicy="Retain", UpdateReplacePolicy="Retain"))
        if self.layer.name != "bootstrap":
            self.suppress(group, suppressions.LOG_GROUP_KEY_IMPORTED)
        return group

    def suppress(self, resource: AWSObject, *which: suppressions.Suppression) -> None:
        """Record, in the resource's Metadata, checkov checks and Guard rules that do not apply and why."""
        suppressions.apply(resource, *which)

    # ---- values shared between layers of one region ------------------------------------------------

    def export(self, name: str, value: Any, description: str) -> None:
        """An output exported as ``<prefix>-<layer>-<name>`` for other layers of the same region."""
        self.template.add_output(Output(name, Description=description, Value=value,
                                        Export=Export(naming.export(self.prefix, self.layer.name, name))))

    def output(self, name: str, value: Any, description: str) -> None:
        self.template.add_output(Output(name, Description=description, Value=value))

    def imported(self, layer: str, name: str) -> ImportValue:
        return ImportValue(naming.export(self.prefix, layer, name))

    def key_arn(self) -> Any:
        """The regional KMS key's ARN (the bootstrap layer exports it)."""
        if self.layer.name == "bootstrap":
            return GetAtt("Key", "Arn")
        return self.imported("bootstrap", "KeyArn")

    def key_alias_arn(self, region: str) -> Sub:
        """The ARN of the drgen key alias in ``region``: how one region names another region's key."""
        return arn("kms", naming.kms_alias(self.prefix), region=region)

    def artifact_bucket(self) -> Sub:
        """The region's artifact bucket that packages are read from: this account's, or with an organization (but
        in the bootstrap layer, which makes each account's own) the administrator account's, named by the
        ``ArtifactAccount`` parameter: service-managed StackSets deploy nothing to the administrator's account,
        which holds the artifacts ``drgen deploy`` uploads, and Lambda reads code from a bucket of its own region
        in any account whose bucket policy lets it."""
        own = naming.artifact_bucket(self.prefix, "${AWS::Region}")
        if self.bp.deployment.organization is None or self.layer.name == "bootstrap":
            return Sub(own)
        if ARTIFACT_ACCOUNT not in self.template.parameters:
            self.template.add_parameter(Parameter(
                ARTIFACT_ACCOUNT, Type="String", AllowedPattern=r"^\d{12}$",
                Description="The organization's administrator account, whose artifact buckets hold the packages "
                            "(drgen deploy sets it)"))
            self.deploy_parameters.append(ARTIFACT_ACCOUNT)
        return Sub(own.replace(naming.ACCOUNT, "${%s}" % ARTIFACT_ACCOUNT))
