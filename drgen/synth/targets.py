"""Where a StackSet's instances go and how its operations proceed, as CloudFormation and the StackSet API
take them: the permission model and its settings (service-managed for an organization's OUs, self-managed
for accounts), ``DeploymentTargets``, and ``OperationPreferences`` from ``deployment.concurrency``.

One source for the rendered definitions (``drgen.synth.stacksets``) and ``drgen deploy``
(``drgen.aws.stacksets``), so both ask AWS for the same thing.
"""

from __future__ import annotations

from typing import Any

from drgen.layers import Layer
from drgen.model import Blueprint
from drgen.orgs import Amount, Organization

SERVICE_MANAGED = "SERVICE_MANAGED"
SELF_MANAGED = "SELF_MANAGED"


def organization(bp: Blueprint) -> Organization | None:
    return bp.deployment.organization


def permission_model(bp: Blueprint) -> str:
    return SERVICE_MANAGED if organization(bp) else SELF_MANAGED


def call_as(bp: Blueprint) -> dict[str, str]:
    """``CallAs`` for every StackSet call: only with an organization (self-managed StackSets take ``SELF``)."""
    org = organization(bp)
    return {"CallAs": org.call_as} if org else {}


def auto_deployment(org: Organization) -> dict[str, bool]:
    out = {"Enabled": org.auto_deployment}
    if org.auto_deployment:
        out["RetainStacksOnAccountRemoval"] = org.retain_stacks_on_account_removal
    return out


def service_managed_settings(bp: Blueprint) -> dict[str, Any]:
    """CreateStackSet's and the resource's settings of the permission model: AutoDeployment for an organization."""
    org = organization(bp)
    return {"AutoDeployment": auto_deployment(org)} if org else {}


def deployment_targets(bp: Blueprint, accounts: list[Any]) -> dict[str, Any]:
    """An organization's OUs, or ``accounts``."""
    org = organization(bp)
    return {"OrganizationalUnitIds": list(org.ous)} if org else {"Accounts": accounts}


def _amount(name: str, value: Amount | None, default: int) -> dict[str, int]:
    if value is None:
        return {f"{name}Count": default}
    return {f"{name}{'Percentage' if value.percent else 'Count'}": value.value}


def parallel(bp: Blueprint, layer: Layer) -> bool:
    """Whether the layer's operations deploy every region at once: where the plan allows, unless the blueprint
    says sequential (a ``parallel`` the plan does not allow is refused at validation, E431)."""
    wanted = bp.deployment.concurrency_for(layer.whole).region_concurrency
    return not layer.sequential and wanted != "sequential"


def preferences(bp: Blueprint, layer: Layer, regions: list[str]) -> dict[str, Any]:
    """``OperationPreferences`` of an operation of ``layer`` on ``regions``."""
    settings = bp.deployment.concurrency_for(layer.whole)
    return {"RegionOrder": list(regions), "RegionConcurrencyType": "PARALLEL" if parallel(bp, layer) else "SEQUENTIAL",
            **_amount("FailureTolerance", settings.failure_tolerance, 0),
            **_amount("MaxConcurrent", settings.max_concurrent, 1)}


def instance_targets(bp: Blueprint, accounts: list[str]) -> dict[str, Any]:
    """The targets of a Create/Update/DeleteStackInstances call: ``Accounts`` (self-managed, as before), or the
    organization's ``DeploymentTargets`` and ``CallAs``."""
    if organization(bp) is None:
        return {"Accounts": accounts}
    return {"DeploymentTargets": deployment_targets(bp, accounts), **call_as(bp)}
