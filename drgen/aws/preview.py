"""``drgen diff BLUEPRINT --deployed``: what a deploy of the render would change in each deployed stack, read from
CloudFormation change sets, and what was changed by hand, read from drift detection. Nothing is executed.

For each layer in the plan's order and each of its regions, the stack a deploy would update (a StackSet
instance's stack, whose id the instance carries, or a once-only stack) gets a change set of type ``UPDATE`` with
the rendered template and the parameters a deploy would pass; drgen waits for it, reads every page of
``DescribeChangeSet`` and deletes it. A stack not deployed yet is reported "would create" with its resource
count (a whole layer, when its StackSet does not exist). With ``drift``: ``DetectStackSetDrift`` on each
StackSet (waited for like any StackSet operation), then each instance's ``DriftStatus`` from
``ListStackInstances`` and, for a drifted one, ``DescribeStackResourceDrifts`` on its stack (a once-only stack
gets ``DetectStackDrift`` first). StackSets are read in the control region deploy uses (``admin_region``).

Calls that write: ``CreateChangeSet``/``DeleteChangeSet``, the drift detections, and - only for a template too
large to pass inline - the upload of that template to the artifact bucket under its content-addressed key
(exactly what the next deploy uploads).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from drgen import naming
from drgen.aws.clients import Clients, error_code
from drgen.aws.compare import tags
from drgen.aws.operations import OPERATION_DONE
from drgen.aws.preview_report import Preview, PropertyDrift, ResourceChange, ResourceDrift, StackPreview
from drgen.aws.results import DeployOptions, Event
from drgen.aws.stacks import Stacks
from drgen.aws.stacksets import CAPABILITIES, StackSets
from drgen.aws.values import UNKNOWN
from drgen.diff.replacement import data_loss
from drgen.layers import Layer
from drgen.rendering import Rendered
from drgen.synth.stacksets import stackset_parameters, template_key

NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
"""How CloudFormation says a change set (or its creation) found nothing to change."""
REFUSED = ("ValidationError", "InsufficientCapabilitiesException", "ChangeSetNotFound")
"""What CloudFormation answers when it cannot make a change set for one stack (a stack still updating or in
``ROLLBACK_COMPLETE``, a template it refuses): that stack is reported with the reason, the others still are."""
DRIFT_PREFERENCES = {"RegionConcurrencyType": "PARALLEL", "MaxConcurrentPercentage": 100,
                     "FailureTolerancePercentage": 100}
"""Every region at once, and one region's failed detection does not stop the others' (it reads UNKNOWN)."""


def preview_rendered(rendered: Rendered, session: Any, options: DeployOptions | None = None, drift: bool = True,
                     on_event: Callable[[Event], None] | None = None, sleep: Callable[[float], None] = time.sleep,
                     clock: Callable[[], float] = time.monotonic) -> Preview:
    """What deploying ``rendered`` would change in what is deployed (with the clients of ``session``)."""
    options = replace(options or DeployOptions(), dry_run=True)  # values known only after a step read as UNKNOWN
    runner = _Preview(rendered, Clients(session, options), options, on_event or (lambda event: None), sleep, clock)
    return runner.run(drift)


class _Preview(StackSets, Stacks):
    def run(self, drift: bool) -> Preview:
        self.drift = drift
        with self.clients.translating(lambda: self.step):
            self._target("diff --deployed")
            self.preview = Preview(self.result.account, self.admin_region, drift)
            for layer in self.rendered.plan.layers:
                if layer.kind == "stackset":
                    self._preview_stackset(layer)
                else:
                    self._preview_stack(layer)
        return self.preview

    # ---- StackSets -------------------------------------------------------------------------------------

    def _preview_stackset(self, layer: Layer) -> None:
        t = self.rendered.layer_templates[layer.name]
        name = naming.stack(self.bp.prefix, layer.name)
        cf = self.clients.client("cloudformation", self.admin_region)
        self.step = f"{layer.name} StackSet {name}"
        if self._describe_stack_set(cf, name) is None:
            for region in layer.regions:
                self._would_create(layer, region, f"StackSet {name} does not exist")
            return
        drift = self._stackset_drift(cf, layer, name) if self.drift else {}
        instances = self._instances(cf, name)
        shared = {**stackset_parameters(t), **self._deploy_values(t)}
        for region in layer.regions:
            self.step = f"{layer.name}@{region}"
            instance = instances.get(region)
            if instance is None or not instance.get("StackId"):
                self._would_create(layer, region, f"no stack instance of {name} there")
                continue
            regional = self.clients.client("cloudformation", region)
            preview = self._change_set(regional, layer, region, str(instance["StackId"]),
                                       {**shared, **t.region_values[region]}, tags(t))
            if self.drift:
                preview.drift = drift.get(region, "UNKNOWN")
                if preview.drift == "DRIFTED":
                    preview.drifts = self._resource_drifts(regional, str(instance["StackId"]))
            self.preview.stacks.append(preview)

    def _stackset_drift(self, cf: Any, layer: Layer, name: str) -> dict[str, str]:
        """Region -> the instance's ``DriftStatus`` after a drift detection of the whole StackSet."""
        self.step = f"{layer.name} StackSet {name}: drift detection"
        operation = self._operation(cf, name, cf.detect_stack_set_drift, StackSetName=name,
                                    OperationPreferences=DRIFT_PREFERENCES, **self.call_as)
        status = self._follow_operation(cf, name, operation, layer.name, self.admin_region, "drift")
        out: dict[str, str] = {}
        for page in cf.get_paginator("list_stack_instances").paginate(StackSetName=name, **self.call_as):
            for summary in page.get("Summaries", []):
                if summary.get("Account") in self.accounts:
                    found = str(summary.get("DriftStatus", "UNKNOWN"))
                    # a detection that did not succeed leaves the last status: say it is not known
                    out[summary["Region"]] = found if status == OPERATION_DONE else "UNKNOWN"
        return out

    # ---- once-only stacks --------------------------------------------------------------------------------

    def _preview_stack(self, layer: Layer) -> None:
        t = self.rendered.layer_templates[layer.name]
        region = layer.regions[0]
        name = naming.stack(self.bp.prefix, layer.name)
        self.step = f"{layer.name}@{region}"
        cf = self.clients.client("cloudformation", region)
        current = self._describe_stack(cf, name)
        if current is None:
            self._would_create(layer, region, f"stack {name} does not exist")
            return
        parameters = {**t.region_values[region], **self._deploy_values(t)}
        preview = self._change_set(cf, layer, region, str(current["StackId"]), parameters, tags(t))
        if self.drift:
            preview.drift = self._stack_drift_status(cf, layer, region, str(current["StackId"]))
            if preview.drift == "DRIFTED":
                preview.drifts = self._resource_drifts(cf, str(current["StackId"]))
        self.preview.stacks.append(preview)

    def _stack_drift_status(self, cf: Any, layer: Layer, region: str, stack: str) -> str:
        detection = cf.detect_stack_drift(StackName=stack)["StackDriftDetectionId"]
        latest: dict[str, Any] = {}

        def status() -> str:
            latest.update(cf.describe_stack_drift_detection_status(StackDriftDetectionId=detection))
            return str(latest["DetectionStatus"])

        final = self._poll(status, layer.name, region, "drift")
        return str(latest.get("StackDriftStatus", "UNKNOWN")) if final == "DETECTION_COMPLETE" else "UNKNOWN"

    # ---- what both share -----------------------------------------------------------------------------------

    def _would_create(self, layer: Layer, region: str, why: str) -> None:
        body = json.loads(self.rendered.files[f"templates/{layer.name}.json"])
        self.preview.stacks.append(StackPreview(layer.name, region, "", "create",
                                                resources=len(body.get("Resources", {})), reason=why))

    def _change_set(self, cf: Any, layer: Layer, region: str, stack_id: str, parameters: dict[str, str],
                    stack_tags: list[dict[str, str]]) -> StackPreview:
        """Create, read and delete a change set of the stack ``stack_id`` to the rendered template."""
        stack = self._describe_stack(cf, stack_id)
        if stack is None:
            return StackPreview(layer.name, region, "", "failed", reason=f"the stack {stack_id} does not exist")
        name = str(stack["StackName"])
        previous = {p["ParameterKey"] for p in stack.get("Parameters", [])}
        values = [{"ParameterKey": k, "UsePreviousValue": True} if v == UNKNOWN and k in previous
                  else {"ParameterKey": k, "ParameterValue": v} for k, v in sorted(parameters.items())]
        unknown = [k for k, v in parameters.items() if v == UNKNOWN and k not in previous]
        if unknown:
            return StackPreview(layer.name, region, name, "failed",
                                reason=f"{', '.join(sorted(unknown))} known only after an earlier layer is deployed")
        source = self._template_source(layer.name)
        if "TemplateURL" in source:
            self._ensure_template(layer.name)
        try:
            created = cf.create_change_set(StackName=name, ChangeSetName=f"drgen-deployed-{uuid.uuid4().hex[:16]}",
                                           ChangeSetType="UPDATE", Parameters=values,
                                           Capabilities=CAPABILITIES, Tags=stack_tags,
                                           Description="drgen diff --deployed: a preview, never executed", **source)
        except Exception as error:
            if error_code(error) == "ValidationError" and any(s in str(error) for s in NO_CHANGES):
                return StackPreview(layer.name, region, name, "unchanged")
            if error_code(error) in REFUSED:
                message = getattr(error, "response", {}).get("Error", {}).get("Message", "")
                return StackPreview(layer.name, region, name, "failed", reason=f"{error_code(error)}: {message}")
            raise
        change_set = str(created["Id"])
        try:
            final, reason, changes = self._read_change_set(cf, layer, region, change_set)
        finally:
            cf.delete_change_set(ChangeSetName=change_set)
        if final == "FAILED":
            if any(s in reason for s in NO_CHANGES):
                return StackPreview(layer.name, region, name, "unchanged")
            return StackPreview(layer.name, region, name, "failed", reason=reason or "the change set failed")
        if not changes:
            return StackPreview(layer.name, region, name, "unchanged")
        template = json.loads(self.rendered.files[f"templates/{layer.name}.json"]).get("Resources", {})
        deployed: dict[str, Any] | None = None
        out = []
        for change in changes:
            resource = change.get("ResourceChange", {})
            if resource.get("Action") == "Remove" and deployed is None:
                deployed = _resources(cf.get_template(StackName=name, TemplateStage="Original")["TemplateBody"])
            out.append(_resource_change(resource, template, deployed or {}))
        return StackPreview(layer.name, region, name, "change", changes=out)

    def _read_change_set(self, cf: Any, layer: Layer, region: str,
                         change_set: str) -> tuple[str, str, list[dict[str, Any]]]:
        first: dict[str, Any] = {}

        def status() -> str:
            first.clear()
            first.update(cf.describe_change_set(ChangeSetName=change_set))
            current = str(first.get("Status", ""))
            return "CREATE_IN_PROGRESS" if current == "CREATE_PENDING" else current

        final = self._poll(status, layer.name, region, "changeset")
        changes = list(first.get("Changes", []))
        token = first.get("NextToken")
        while token:
            page = cf.describe_change_set(ChangeSetName=change_set, NextToken=token)
            changes.extend(page.get("Changes", []))
            token = page.get("NextToken")
        return final, str(first.get("StatusReason", "")), changes

    def _resource_drifts(self, cf: Any, stack: str) -> list[ResourceDrift]:
        out = []
        arguments: dict[str, Any] = {"StackName": stack, "StackResourceDriftStatusFilters": ["MODIFIED", "DELETED"]}
        while True:
            page = cf.describe_stack_resource_drifts(**arguments)
            for d in page.get("StackResourceDrifts", []):
                out.append(ResourceDrift(
                    str(d["LogicalResourceId"]), str(d.get("ResourceType", "")), str(d["StackResourceDriftStatus"]),
                    tuple(PropertyDrift(str(p["PropertyPath"]), str(p.get("ExpectedValue", "")),
                                        str(p.get("ActualValue", "")), str(p.get("DifferenceType", "")))
                          for p in d.get("PropertyDifferences", []))))
            if not page.get("NextToken"):
                return sorted(out, key=lambda d: d.logical_id)
            arguments["NextToken"] = page["NextToken"]

    def _ensure_template(self, layer: str) -> None:
        """Upload a template passed by URL to the control region's bucket (content-addressed, as deploy does)."""
        body = self.rendered.files[f"templates/{layer}.json"]
        key = template_key(layer, hashlib.sha256(body).hexdigest())
        s3 = self.clients.client("s3", self.admin_region)
        bucket = self._bucket(self.admin_region)
        if not self._object_exists(s3, bucket, key):
            self._put(s3, bucket, key, body)


def _resources(body: Any) -> dict[str, Any]:
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:  # a YAML template drgen did not deploy: no policies to read
            return {}
    resources = body.get("Resources", {}) if isinstance(body, dict) else {}
    return resources if isinstance(resources, dict) else {}


def _resource_change(resource: dict[str, Any], template: dict[str, Any], deployed: dict[str, Any]) -> ResourceChange:
    action = str(resource.get("Action", ""))
    logical = str(resource.get("LogicalResourceId", ""))
    kind = str(resource.get("ResourceType", ""))
    replacement = str(resource.get("Replacement", "")) if action == "Modify" else ""
    wanted = ("Always",) if replacement == "True" else ("Always", "Conditionally")
    causes: list[str] = []
    for detail in resource.get("Details", []):
        target = detail.get("Target", {})
        if target.get("RequiresRecreation") in wanted:
            prop = str(target.get("Path") or target.get("Name") or target.get("Attribute", ""))
            prop = prop.removeprefix("/Properties/").replace("/", ".")
            if prop and prop not in causes:
                causes.append(prop)
    danger = kept = ""
    if action == "Remove":
        danger, kept = data_loss(kind, "delete", str(deployed.get(logical, {}).get("DeletionPolicy", "Delete")))
    elif replacement in ("True", "Conditional"):
        policy = str(template.get(logical, {}).get("UpdateReplacePolicy", "Delete"))
        danger, kept = data_loss(kind, "replace", policy, maybe=replacement == "Conditional")
    return ResourceChange(action, logical, kind, replacement, tuple(causes), danger, kept)
