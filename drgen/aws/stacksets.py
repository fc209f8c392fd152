"""A StackSet layer: the StackSet created, or updated with its existing instances when its template, parameters
or tags differ from the render; then one instance per region in the layer's order, each its own operation.
Self-managed StackSets target the session's account; with an organization, service-managed StackSets target its
OUs (``DeploymentTargets``, ``CallAs``), an instance per account of the OUs in each region."""

from __future__ import annotations

from typing import Any

from drgen import awsdata, naming
from drgen.aws.artifacts import Artifacts
from drgen.aws.compare import dict_change, drift, parameter_list, tags
from drgen.aws.results import Change
from drgen.aws.values import Values
from drgen.errors import DeployError
from drgen.layers import Layer
from drgen.synth.stacksets import administration_role, execution_role, stackset_parameters
from drgen.synth.targets import instance_targets, permission_model, preferences, service_managed_settings

CAPABILITIES = ["CAPABILITY_NAMED_IAM"]


class StackSets(Artifacts, Values):
    def _stackset(self, layer: Layer) -> None:
        t = self.rendered.layer_templates[layer.name]
        name = naming.stack(self.bp.prefix, layer.name)
        cf = self.clients.client("cloudformation", self.admin_region)
        self.step = f"{layer.name} StackSet {name}"
        parameters = {**stackset_parameters(t), **self._deploy_values(t)}
        desired: dict[str, Any] = {
            **self._template_source(layer.name),
            "Description": layer.summary[:1024],
            "Parameters": parameter_list(parameters),
            "Capabilities": CAPABILITIES,
            "Tags": tags(t),
            **self._permissions(),
        }
        current = self._describe_stack_set(cf, name)
        instances = self._instances(cf, name) if current else {}
        updated: set[str] = set()
        left = sorted(r for r in instances if r in self.skipped)
        outdated = False
        if current is None:
            self._note(layer.name, self.admin_region, "create", f"StackSet {name}")
            if not self.options.dry_run:
                cf.create_stack_set(StackSetName=name, PermissionModel=permission_model(self.bp),
                                    ManagedExecution={"Active": False}, **desired)
        else:
            why = drift(current, self.rendered.files[f"templates/{layer.name}.json"], parameters, tags(t))
            if why:
                existing = [r for r in layer.regions if r in instances and r not in self.skipped]
                if left and not existing:
                    raise DeployError(f"{layer.name}: StackSet {name} differs from the render ({why}), and its only "
                                      f"instances are in {', '.join(left)}, which --skip-region leaves out: an update "
                                      "that names no instance updates them all. Deploy it when the region is back")
                self._note(layer.name, self.admin_region, "update", f"StackSet {name}"
                           + (f" and its instances in {', '.join(existing)}" if existing else ""), why)
                if not self.options.dry_run:
                    extra: dict[str, Any] = {}
                    if existing:
                        extra = {**instance_targets(self.bp, self.accounts), "Regions": existing,
                                 "OperationPreferences": preferences(self.bp, layer, existing)}
                    operation = self._operation(cf, name, cf.update_stack_set, StackSetName=name, **desired, **extra)
                    self._wait_operation(cf, layer, name, operation, ", ".join(existing) or self.admin_region,
                                         "update")
                    instances = self._instances(cf, name)
                updated = set(existing)
                outdated = bool(left)
        for region in layer.regions:
            if self._skip(layer.name, region, f"stack instance of {name}" + (
                    ", OUTDATED after the StackSet's update until a deploy without --skip-region" if outdated else "")):
                continue
            self.step = f"{layer.name}@{region}"
            overrides = t.region_values[region]
            instance = instances.get(region)
            if instance is None:
                self._note(layer.name, region, "create", f"stack instance of {name}")
                if not self.options.dry_run:
                    self._instance_operation(cf, layer, name, region, overrides, "create")
                continue
            current_overrides = {p["ParameterKey"]: p.get("ParameterValue", "")
                                 for p in instance.get("ParameterOverrides", [])}
            if current_overrides != overrides or instance.get("Status") != "CURRENT":
                why = ("parameters " + dict_change(current_overrides, overrides) if current_overrides != overrides
                       else f"instance status {instance.get('Status')}: {instance.get('StatusReason', '')}".rstrip(": "))
                self._note(layer.name, region, "update", f"stack instance of {name}", why)
                if not self.options.dry_run:
                    self._instance_operation(cf, layer, name, region, overrides, "update")
            elif region not in updated:
                self.result.changes.append(Change(layer.name, region, "unchanged", f"stack instance of {name}"))

    def _permissions(self) -> dict[str, Any]:
        """Self-managed: the roles. Service-managed: AutoDeployment and CallAs (``drgen.synth.targets``)."""
        if self.bp.deployment.organization is not None:
            return {**service_managed_settings(self.bp), **self.call_as}
        return {"AdministrationRoleARN": f"arn:{awsdata.partition(self.admin_region)}:iam::{self.accounts[0]}:role/"
                                         f"{administration_role(self.bp)}",
                "ExecutionRoleName": execution_role(self.bp)}

    def _instance_operation(self, cf: Any, layer: Layer, name: str, region: str, overrides: dict[str, str],
                            action: str) -> None:
        call = cf.create_stack_instances if action == "create" else cf.update_stack_instances
        operation = self._operation(cf, name, call, StackSetName=name, **instance_targets(self.bp, self.accounts),
                                    Regions=[region], ParameterOverrides=parameter_list(overrides),
                                    OperationPreferences=preferences(self.bp, layer, [region]))
        self._wait_operation(cf, layer, name, operation, region, action)
