"""The parameters known only once earlier layers exist: the zone's id, the peer buckets' readiness, each
region's API host and domain target. A value only a skipped region can tell (``--skip-region``) is the one the
StackSet or stack was last deployed with."""

from __future__ import annotations

from typing import Any

from drgen import naming
from drgen.aws.operations import Runner
from drgen.errors import DeployError
from drgen.layers import Layer
from drgen.synth.base import ARTIFACT_ACCOUNT, LayerTemplate
from drgen.synth.dns import region_id
from drgen.synth.resilience import stack_parameters
from drgen.synth.storage import PEER_BUCKETS

UNKNOWN = "(known after an earlier step)"


class Values(Runner):
    def _deploy_values(self, t: LayerTemplate) -> dict[str, str]:
        values: dict[str, str] = {}
        for name in t.deploy_parameters:
            source = self._source_region(t, name)
            if source in self.skipped:
                values[name] = self._previous_value(t.layer, name, source)
            elif name == ARTIFACT_ACCOUNT:  # the session's: the organization's administrator, holding the artifacts
                values[name] = self.accounts[0]
            elif name == "HostedZoneId":
                values[name] = self._stack_output("zone", "HostedZoneId")
            elif name == PEER_BUCKETS:
                ready = self._everywhere(t.layer)
                self.peers_pending = not ready
                values[name] = "ready" if ready else "pending"
            elif name in stack_parameters(t):
                values[name] = self._stack_id(*stack_parameters(t)[name])
            elif name.startswith(("ApiHost", "ApiDomainTarget")):
                output = "ApiHost" if name.startswith("ApiHost") else "ApiDomainTarget"
                region = next(r for r in self.bp.region_names if region_id(r) == name.removeprefix(output))
                values[name] = self._export(region, "app", output)
            else:  # pragma: no cover - a new deploy-time parameter must be taught here
                raise DeployError(f"drgen does not know where the {t.layer.name} parameter {name} comes from")
        return values

    def _source_region(self, t: LayerTemplate, name: str) -> str | None:
        """The region a deploy-time parameter is read in, when it is read in one region's CloudFormation."""
        if name == "HostedZoneId":
            return next(x.regions[0] for x in self.rendered.plan.layers if x.name == "zone")
        if name in stack_parameters(t):
            layer, region = stack_parameters(t)[name]
            kind = next(x.kind for x in self.rendered.plan.layers if x.name == layer)
            return region if kind == "stack" else None
        if name.startswith(("ApiHost", "ApiDomainTarget")):
            output = "ApiHost" if name.startswith("ApiHost") else "ApiDomainTarget"
            return next(r for r in self.bp.region_names if region_id(r) == name.removeprefix(output))
        return None

    def _previous_value(self, layer: Layer, name: str, source: str) -> str:
        """The value of parameter ``name`` that ``layer`` was last deployed with (its StackSet's, or its stack's)."""
        deployed: dict[str, Any] | None
        if layer.kind == "stackset":
            deployed = self._describe_stack_set(self.clients.client("cloudformation", self.admin_region),
                                                naming.stack(self.bp.prefix, layer.name))
        else:
            deployed = self._describe_stack(self.clients.client("cloudformation", layer.regions[0]),
                                            naming.stack(self.bp.prefix, layer.name))
        for item in (deployed or {}).get("Parameters", []):
            if item.get("ParameterKey") == name and "ParameterValue" in item:
                return str(item["ParameterValue"])
        if self.options.dry_run:
            return UNKNOWN
        raise DeployError(f"{layer.name}: its parameter {name} is read in {source}, which --skip-region leaves out, "
                          f"and the {layer.name} {layer.kind} has no deployed value of it to keep: deploy it once "
                          "without --skip-region first")

    def _stack_id(self, layer: str, region: str) -> str:
        """The stack ID of ``layer`` in ``region``: a once-only stack's, or its StackSet's instance there."""
        kind = next(x.kind for x in self.rendered.plan.layers if x.name == layer)
        name = naming.stack(self.bp.prefix, layer)
        if kind == "stack":
            stack = self._describe_stack(self.clients.client("cloudformation", region), name)
            found = (stack or {}).get("StackId")
        else:
            cf = self.clients.client("cloudformation", self.admin_region)
            found = self._instances(cf, name).get(region, {}).get("StackId") \
                if self._describe_stack_set(cf, name) is not None else None
        if found:
            return str(found)
        if self.options.dry_run:
            return UNKNOWN
        raise DeployError(f"the {layer} stack in {region} does not exist: deploy it first")

    def _everywhere(self, layer: Layer) -> bool:
        """Whether ``layer``'s StackSet has a current instance in every region of the layer."""
        cf = self.clients.client("cloudformation", self.admin_region)
        name = naming.stack(self.bp.prefix, layer.name)
        if self._describe_stack_set(cf, name) is None:
            return False
        instances = self._instances(cf, name)
        return all(instances.get(region, {}).get("Status") == "CURRENT" for region in layer.regions)

    def _stack_output(self, layer: str, output: str) -> str:
        region = next(x.regions[0] for x in self.rendered.plan.layers if x.name == layer)
        stack = self._describe_stack(self.clients.client("cloudformation", region), naming.stack(self.bp.prefix, layer))
        for item in (stack or {}).get("Outputs", []):
            if item["OutputKey"] == output:
                return str(item["OutputValue"])
        if self.options.dry_run:
            return UNKNOWN
        raise DeployError(f"the {layer} stack has no output {output}: deploy it first")

    def _export(self, region: str, layer: str, output: str) -> str:
        wanted = naming.export(self.bp.prefix, layer, output)
        paginator = self.clients.client("cloudformation", region).get_paginator("list_exports")
        for page in paginator.paginate():
            for item in page.get("Exports", []):
                if item["Name"] == wanted:
                    return str(item["Value"])
        if self.options.dry_run:
            return UNKNOWN
        raise DeployError(f"no export {wanted} in {region}: the {layer} layer must be deployed there first")
