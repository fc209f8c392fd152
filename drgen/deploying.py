"""``drgen deploy``: a render's plan, run against AWS with boto3.

Layer after layer, in the plan's order: the bootstrap StackSet (each region's key and artifact bucket),
then the function packages and templates uploaded to every region's bucket under content-addressed keys,
then each StackSet (created or updated, then one instance per region in the layer's order, each a
StackSet operation that drgen polls to its end) and each once-only stack. What is already deployed as
rendered is left alone, so a second deploy starts no operation, and a rerun after a failure continues
where the first stopped. A dry run calls only read APIs.

The library never prints: progress reaches the caller as ``Event`` values, the outcome as a
``DeployResult``; the CLI shows both. See docs/deploying.md.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from drgen import awsdata, naming
from drgen.awsclients import Clients, check_endpoint, error_code, is_missing
from drgen.errors import DeployError
from drgen.layers import Layer
from drgen.rendering import ROLES_FILE, Rendered
from drgen.synth.base import LayerTemplate
from drgen.synth.dns import region_id
from drgen.synth.resilience import stack_parameters
from drgen.synth.stacksets import (
    ADMINISTRATION_ROLE,
    EXECUTION_ROLE,
    INLINE_BODY_LIMIT,
    stackset_parameters,
    template_key,
)
from drgen.synth.storage import PEER_BUCKETS

CAPABILITIES = ["CAPABILITY_NAMED_IAM"]
OPERATION_PENDING = {"QUEUED", "RUNNING", "STOPPING"}
OPERATION_DONE = "SUCCEEDED"
STACK_DONE = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
UNKNOWN = "(known after an earlier step)"


@dataclass(frozen=True)
class DeployOptions:
    dry_run: bool = False
    """Say what would change, calling only read APIs."""
    poll_seconds: float = 10.0
    """How long to wait between two reads of a running operation."""
    timeout_seconds: float = 4 * 3600.0
    """How long one operation may run (an Aurora secondary cluster takes most of an hour)."""
    max_attempts: int = 8
    """botocore's attempts per call (throttling, 5xx and connection errors are retried)."""
    endpoint_url: str | None = None
    """An AWS-compatible endpoint for every service (e.g. a moto_server): an http(s) URL, else ``UsageError``."""

    def __post_init__(self) -> None:
        if self.endpoint_url is not None:
            check_endpoint(self.endpoint_url)


@dataclass(frozen=True)
class Event:
    """One thing worth showing while deploying: a step started, still runs, or ended."""

    layer: str
    region: str
    action: str
    """create, update, unchanged, upload, wait."""
    status: str
    """What AWS says (RUNNING, SUCCEEDED, CREATE_IN_PROGRESS...) or drgen's own word (started, skipped)."""
    elapsed: float
    detail: str = ""

    def line(self) -> str:
        minutes, seconds = divmod(int(self.elapsed), 60)
        text = f"{self.layer:<13} {self.region:<15} {self.action:<9} {self.status:<20} {minutes:02d}:{seconds:02d}"
        return f"{text}  {self.detail}" if self.detail else text


@dataclass(frozen=True)
class Change:
    layer: str
    region: str
    action: str
    """create, update, unchanged or upload."""
    what: str
    why: str = ""

    def line(self) -> str:
        text = f"{self.action:<9} {self.layer:<13} {self.region:<15} {self.what}"
        return f"{text} ({self.why})" if self.why else text


@dataclass
class DeployResult:
    account: str
    dry_run: bool
    changes: list[Change] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    """The StackSet operations and stack changes started, in order (empty for an unchanged deploy)."""

    @property
    def changed(self) -> bool:
        return any(c.action != "unchanged" for c in self.changes)

    def text(self) -> str:
        verb = "would change" if self.dry_run else "changed"
        lines = [c.line() for c in self.changes]
        count = sum(1 for c in self.changes if c.action != "unchanged")
        if not self.changed:
            lines.append(f"nothing to do: everything is deployed as rendered in account {self.account}; "
                         "no StackSet operation was started")
        else:
            lines.append(f"{verb} {count} thing{'s' if count != 1 else ''} in account {self.account}"
                         + ("" if self.dry_run else f"; {len(self.operations)} operation"
                            f"{'s' if len(self.operations) != 1 else ''} started"))
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {"account": self.account, "dry_run": self.dry_run, "operations": self.operations,
                "changes": [{"layer": c.layer, "region": c.region, "action": c.action, "what": c.what, "why": c.why}
                            for c in self.changes]}


def deploy_rendered(rendered: Rendered, session: Any, options: DeployOptions | None = None,
                    on_event: Callable[[Event], None] | None = None,
                    sleep: Callable[[float], None] = time.sleep,
                    clock: Callable[[], float] = time.monotonic) -> DeployResult:
    """Deploy ``rendered`` with the clients of ``session`` (a ``boto3.Session``)."""
    options = options or DeployOptions()
    return _Deployment(rendered, Clients(session, options), options, on_event or (lambda event: None), sleep,
                       clock).run()


class _Deployment:
    def __init__(self, rendered: Rendered, clients: Clients, options: DeployOptions,
                 on_event: Callable[[Event], None], sleep: Callable[[float], None], clock: Callable[[], float]) -> None:
        self.rendered = rendered
        self.bp = rendered.blueprint
        self.clients = clients
        self.options = options
        self.on_event = on_event
        self.sleep = sleep
        self.clock = clock
        self.admin_region = self.bp.primary.name
        self.accounts: list[str] = []
        self.result = DeployResult(account="", dry_run=options.dry_run)
        self.step = "start"
        self.peers_pending = False
        """The storage StackSet was deployed before every region's buckets existed (``PeerBuckets`` pending)."""

    # ---- the run ---------------------------------------------------------------------------------

    def run(self) -> DeployResult:
        with self.clients.translating(lambda: self.step):
            caller = self.clients.account(self.admin_region)
            self.accounts = list(self.bp.accounts) or [caller]
            if self.accounts != [caller]:
                raise DeployError(f"the blueprint's accounts are {', '.join(self.accounts)} but the credentials are "
                                  f"account {caller}'s: drgen deploy uploads each region's packages with the session's "
                                  "own credentials, so it deploys one account, the session's")
            self.result.account = caller
            self._check_roles()
            for layer in self.rendered.plan.layers:
                if layer.kind == "stackset":
                    self._stackset(layer)
                    if layer.name == "storage" and self.peers_pending and not self.options.dry_run:
                        # every region's buckets exist now: once more, so that every region replicates to every other
                        self._stackset(layer)
                else:
                    self._stack(layer)
                if layer.name == "bootstrap":
                    self._upload()
        return self.result

    def _check_roles(self) -> None:
        """The StackSet roles must exist before the first operation, or every operation fails."""
        self.step = "roles"
        iam = self.clients.client("iam", self.admin_region)
        missing = []
        for role in (ADMINISTRATION_ROLE, EXECUTION_ROLE):
            try:
                iam.get_role(RoleName=role)
            except Exception as error:
                if error_code(error) != "NoSuchEntity":
                    raise
                missing.append(role)
        if missing:
            raise DeployError(f"{' and '.join(missing)} {'do' if len(missing) > 1 else 'does'} not exist in account "
                              f"{self.result.account}: StackSets need both roles. Deploy the render's "
                              f"{ROLES_FILE} once in this account first (see docs/roles.md)")

    def _note(self, layer: str, region: str, action: str, what: str, why: str = "") -> None:
        self.result.changes.append(Change(layer, region, action, what, why))
        self.on_event(Event(layer, region, action, "planned" if self.options.dry_run else "started", 0.0,
                            f"{what}" + (f" ({why})" if why else "")))

    # ---- artifacts ---------------------------------------------------------------------------------

    def _artifacts(self) -> dict[str, bytes]:
        """Content-addressed key -> bytes: every function package and every layer template."""
        out = {pkg.key: pkg.data for pkg in self.rendered.packages.values()}
        for name in self.rendered.layer_templates:
            body = self.rendered.files[f"templates/{name}.json"]
            out[template_key(name, hashlib.sha256(body).hexdigest())] = body
        return dict(sorted(out.items()))

    def _upload(self) -> None:
        artifacts = self._artifacts()
        for region in self.bp.region_names:
            self.step = f"upload@{region}"
            bucket = self._bucket(region)
            s3 = self.clients.client("s3", region)
            missing = [key for key in artifacts if not self._object_exists(s3, bucket, key)]
            if not missing:
                self.result.changes.append(Change("artifacts", region, "unchanged",
                                                  f"{len(artifacts)} objects in s3://{bucket}"))
                continue
            self._note("artifacts", region, "upload", f"{len(missing)} of {len(artifacts)} objects to s3://{bucket}")
            if self.options.dry_run:
                continue
            started = self.clock()
            for key in missing:
                s3.put_object(Bucket=bucket, Key=key, Body=artifacts[key],
                              ChecksumAlgorithm="SHA256", ContentType=_content_type(key))
            self.on_event(Event("artifacts", region, "upload", "done", self.clock() - started, f"{len(missing)} objects"))

    def _bucket(self, region: str) -> str:
        return naming.artifact_bucket(self.bp.prefix, region).replace(naming.ACCOUNT, self.accounts[0])

    def _object_exists(self, s3: Any, bucket: str, key: str) -> bool:
        try:
            s3.head_object(Bucket=bucket, Key=key)
            return True
        except Exception as error:
            if is_missing(error):
                return False
            raise

    def _template_source(self, layer: str) -> dict[str, str]:
        body = self.rendered.files[f"templates/{layer}.json"]
        if len(body) <= INLINE_BODY_LIMIT:
            return {"TemplateBody": body.decode("utf-8")}
        bucket = self._bucket(self.admin_region)
        suffix = "amazonaws.com.cn" if awsdata.partition(self.admin_region) == "aws-cn" else "amazonaws.com"
        key = template_key(layer, hashlib.sha256(body).hexdigest())
        return {"TemplateURL": f"https://{bucket}.s3.{self.admin_region}.{suffix}/{key}"}

    # ---- parameters known only once earlier layers exist --------------------------------------------

    def _deploy_values(self, t: LayerTemplate) -> dict[str, str]:
        values: dict[str, str] = {}
        for name in t.deploy_parameters:
            if name == "HostedZoneId":
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

    # ---- StackSets ---------------------------------------------------------------------------------

    def _stackset(self, layer: Layer) -> None:
        t = self.rendered.layer_templates[layer.name]
        name = naming.stack(self.bp.prefix, layer.name)
        cf = self.clients.client("cloudformation", self.admin_region)
        self.step = f"{layer.name} StackSet {name}"
        parameters = {**stackset_parameters(t), **self._deploy_values(t)}
        desired: dict[str, Any] = {
            **self._template_source(layer.name),
            "Description": layer.summary[:1024],
            "Parameters": _parameter_list(parameters),
            "Capabilities": CAPABILITIES,
            "Tags": _tags(t),
            "AdministrationRoleARN": f"arn:{awsdata.partition(self.admin_region)}:iam::{self.accounts[0]}:role/"
                                     f"{ADMINISTRATION_ROLE}",
            "ExecutionRoleName": EXECUTION_ROLE,
        }
        current = self._describe_stack_set(cf, name)
        instances = self._instances(cf, name) if current else {}
        updated: set[str] = set()
        if current is None:
            self._note(layer.name, self.admin_region, "create", f"StackSet {name}")
            if not self.options.dry_run:
                cf.create_stack_set(StackSetName=name, PermissionModel="SELF_MANAGED",
                                    ManagedExecution={"Active": False}, **desired)
        else:
            why = _drift(current, self.rendered.files[f"templates/{layer.name}.json"], parameters, _tags(t))
            if why:
                existing = [r for r in layer.regions if r in instances]
                self._note(layer.name, self.admin_region, "update", f"StackSet {name}"
                           + (f" and its instances in {', '.join(existing)}" if existing else ""), why)
                if not self.options.dry_run:
                    extra: dict[str, Any] = {}
                    if existing:
                        extra = {"Accounts": self.accounts, "Regions": existing,
                                 "OperationPreferences": _preferences(layer, existing)}
                    operation = self._operation(cf, name, cf.update_stack_set, StackSetName=name, **desired, **extra)
                    self._wait_operation(cf, layer, name, operation, ", ".join(existing) or self.admin_region,
                                         "update")
                    instances = self._instances(cf, name)
                updated = set(existing)
        for region in layer.regions:
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
                why = ("parameters " + _dict_change(current_overrides, overrides) if current_overrides != overrides
                       else f"instance status {instance.get('Status')}: {instance.get('StatusReason', '')}".rstrip(": "))
                self._note(layer.name, region, "update", f"stack instance of {name}", why)
                if not self.options.dry_run:
                    self._instance_operation(cf, layer, name, region, overrides, "update")
            elif region not in updated:
                self.result.changes.append(Change(layer.name, region, "unchanged", f"stack instance of {name}"))

    def _describe_stack_set(self, cf: Any, name: str) -> dict[str, Any] | None:
        try:
            stackset: dict[str, Any] = cf.describe_stack_set(StackSetName=name)["StackSet"]
        except Exception as error:
            if is_missing(error):
                return None
            raise
        return None if stackset.get("Status") == "DELETED" else stackset

    def _instances(self, cf: Any, name: str) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for page in cf.get_paginator("list_stack_instances").paginate(StackSetName=name):
            for summary in page.get("Summaries", []):
                if summary.get("Account") in self.accounts:
                    detail = cf.describe_stack_instance(StackSetName=name, StackInstanceAccount=summary["Account"],
                                                        StackInstanceRegion=summary["Region"])["StackInstance"]
                    out[summary["Region"]] = detail
        return out

    def _instance_operation(self, cf: Any, layer: Layer, name: str, region: str, overrides: dict[str, str],
                            action: str) -> None:
        call = cf.create_stack_instances if action == "create" else cf.update_stack_instances
        operation = self._operation(cf, name, call, StackSetName=name, Accounts=self.accounts, Regions=[region],
                                    ParameterOverrides=_parameter_list(overrides),
                                    OperationPreferences=_preferences(layer, [region]))
        self._wait_operation(cf, layer, name, operation, region, action)

    def _operation(self, cf: Any, name: str, start: Callable[..., dict[str, Any]], **arguments: Any) -> str:
        """Start a StackSet operation, first waiting out one already running (e.g. from an interrupted run)."""
        for attempt in range(self.options.max_attempts):
            self._wait_running(cf, name)
            try:
                operation_id = str(start(**arguments)["OperationId"])
            except Exception as error:
                if error_code(error) == "OperationInProgressException" and attempt + 1 < self.options.max_attempts:
                    self.sleep(self.options.poll_seconds)
                    continue
                raise
            self.result.operations.append(operation_id)
            return operation_id
        raise DeployError(f"{name}: another operation kept running")  # pragma: no cover - loop returns or raises

    def _wait_running(self, cf: Any, name: str) -> None:
        running = [operation["OperationId"]
                   for page in cf.get_paginator("list_stack_set_operations").paginate(StackSetName=name)
                   for operation in page.get("Summaries", []) if operation.get("Status") in OPERATION_PENDING]
        for operation_id in running:
            self._poll(partial(_operation_status, cf, name, operation_id), name, self.admin_region, "wait")

    def _poll(self, status: Callable[[], str], layer: str, region: str, action: str) -> str:
        started = self.clock()
        while True:
            current = status()
            elapsed = self.clock() - started
            self.on_event(Event(layer, region, action, current, elapsed))
            if not pending(current):
                return current
            if elapsed > self.options.timeout_seconds:
                raise DeployError(f"{layer} in {region}: still {current} after {int(elapsed)} s; it goes on in AWS, "
                                  "rerun drgen deploy to follow it")
            self.sleep(self.options.poll_seconds)

    def _wait_operation(self, cf: Any, layer: Layer, name: str, operation_id: str, region: str, action: str) -> None:
        status = self._poll(partial(_operation_status, cf, name, operation_id), layer.name, region, action)
        if status != OPERATION_DONE:
            raise DeployError(self._operation_failure(cf, layer, name, operation_id, status))

    def _operation_failure(self, cf: Any, layer: Layer, name: str, operation_id: str, status: str) -> str:
        lines = [f"{layer.name}: StackSet operation {operation_id} on {name} ended {status}"]
        results = cf.list_stack_set_operation_results(StackSetName=name, OperationId=operation_id)
        for summary in results.get("Summaries", []):
            if summary.get("Status") == OPERATION_DONE:
                continue
            region = summary.get("Region", "?")
            lines.append(f"  {region}: {summary.get('Status')}: {summary.get('StatusReason', 'no reason given')}")
            try:
                instance = cf.describe_stack_instance(StackSetName=name, StackInstanceAccount=summary["Account"],
                                                      StackInstanceRegion=region)["StackInstance"]
            except Exception as error:
                if is_missing(error):
                    continue
                raise
            if instance.get("StatusReason"):
                lines.append(f"  {region} stack instance: {instance.get('Status')}: {instance['StatusReason']}")
            if instance.get("StackId"):
                lines.extend(self._failed_resources(self.clients.client("cloudformation", region), instance["StackId"]))
        lines.append("fix the cause and rerun drgen deploy: it continues from this step")
        return "\n".join(lines)

    def _failed_resources(self, cf: Any, stack: str) -> list[str]:
        try:
            events = cf.describe_stack_events(StackName=stack).get("StackEvents", [])
        except Exception as error:
            if is_missing(error):
                return []
            raise
        failed = [e for e in events if str(e.get("ResourceStatus", "")).endswith("_FAILED")
                  and e.get("ResourceStatusReason")]
        return [f"    {e['LogicalResourceId']} ({e.get('ResourceType', '?')}): {e['ResourceStatusReason']}"
                for e in reversed(failed[:10])]

    # ---- once-only stacks -----------------------------------------------------------------------------

    def _stack(self, layer: Layer) -> None:
        t = self.rendered.layer_templates[layer.name]
        region = layer.regions[0]
        name = naming.stack(self.bp.prefix, layer.name)
        self.step = f"{layer.name}@{region}"
        cf = self.clients.client("cloudformation", region)
        parameters = {**t.region_values[region], **self._deploy_values(t)}
        current = self._describe_stack(cf, name)
        if current is not None and current["StackStatus"].endswith("_IN_PROGRESS"):
            current = self._wait_stack(cf, layer, name, "wait", allow_failure=True)
        if current is not None and current["StackStatus"] in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED"):
            self._note(layer.name, region, "create", f"stack {name}",
                       f"its first creation failed ({current['StackStatus']}): it is deleted and created again")
            if self.options.dry_run:
                return
            cf.delete_stack(StackName=name)
            self._wait_stack(cf, layer, name, "delete", allow_failure=True)
            current = None
        elif current is None:
            self._note(layer.name, region, "create", f"stack {name}")
        args: dict[str, Any] = {"StackName": name, **self._template_source(layer.name),
                                "Parameters": _parameter_list(parameters), "Capabilities": CAPABILITIES,
                                "Tags": _tags(t)}
        if current is None:
            if not self.options.dry_run:
                stack_id = cf.create_stack(**args)["StackId"]
                self.result.operations.append(stack_id)
                self._wait_stack(cf, layer, name, "create")
            return
        why = self._stack_drift(cf, current, layer.name, parameters, _tags(t))
        if not why:
            self.result.changes.append(Change(layer.name, region, "unchanged", f"stack {name}"))
            return
        self._note(layer.name, region, "update", f"stack {name}", why)
        if self.options.dry_run:
            return
        cf.update_stack(**args)
        self.result.operations.append(str(current["StackId"]))
        self._wait_stack(cf, layer, name, "update")

    def _describe_stack(self, cf: Any, name: str) -> dict[str, Any] | None:
        try:
            stacks = cf.describe_stacks(StackName=name)["Stacks"]
        except Exception as error:
            if is_missing(error):
                return None
            raise
        return dict(stacks[0]) if stacks else None

    def _stack_drift(self, cf: Any, current: dict[str, Any], layer: str, parameters: dict[str, str],
                     tags: list[dict[str, str]]) -> str:
        deployed = cf.get_template(StackName=current["StackName"], TemplateStage="Original")["TemplateBody"]
        why = _drift({**current, "TemplateBody": deployed}, self.rendered.files[f"templates/{layer}.json"],
                     parameters, tags)
        if current["StackStatus"] not in STACK_DONE and not why:
            why = f"the last change ended {current['StackStatus']}"
        return why

    def _wait_stack(self, cf: Any, layer: Layer, name: str, action: str,
                    allow_failure: bool = False) -> dict[str, Any] | None:
        region = layer.regions[0]
        latest: dict[str, Any] | None = None

        def status() -> str:
            nonlocal latest
            latest = self._describe_stack(cf, name)
            return "DELETE_COMPLETE" if latest is None else str(latest["StackStatus"])

        final = self._poll(status, layer.name, region, action)
        if allow_failure or final in STACK_DONE:
            return latest
        lines = [f"{layer.name}: stack {name} in {region} ended {final}"]
        if latest is not None and latest.get("StackStatusReason"):
            lines.append(f"  {latest['StackStatusReason']}")
        lines.extend(self._failed_resources(cf, name))
        lines.append("fix the cause and rerun drgen deploy: it continues from this step")
        raise DeployError("\n".join(lines))


def pending(status: str) -> bool:
    """Whether a StackSet operation (QUEUED, RUNNING, STOPPING) or a stack (``*_IN_PROGRESS``) is still going."""
    return status in OPERATION_PENDING or status.endswith("_IN_PROGRESS")


def _operation_status(cf: Any, name: str, operation_id: str) -> str:
    return str(cf.describe_stack_set_operation(StackSetName=name, OperationId=operation_id)["StackSetOperation"]["Status"])


def _parameter_list(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(values.items())]


def _tags(t: LayerTemplate) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(t.tag_map().items())]


def _tag_map(tags: list[dict[str, str]]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags}


def _preferences(layer: Layer, regions: list[str]) -> dict[str, Any]:
    return {"RegionOrder": regions, "RegionConcurrencyType": "SEQUENTIAL" if layer.sequential else "PARALLEL",
            "FailureToleranceCount": 0, "MaxConcurrentCount": 1}


def _drift(current: dict[str, Any], body: bytes, parameters: dict[str, str], tags: list[dict[str, str]]) -> str:
    """Why a deployed StackSet or stack (``TemplateBody``, ``Parameters``, ``Tags``) differs from the render."""
    reasons = []
    if _as_json(current.get("TemplateBody", "")) != json.loads(body):
        reasons.append("template changed")
    have = {p["ParameterKey"]: p.get("ParameterValue", "") for p in current.get("Parameters", [])}
    if have != parameters:
        reasons.append("parameters " + _dict_change(have, parameters))
    if _tag_map(current.get("Tags", [])) != _tag_map(tags):
        reasons.append("tags changed")
    return "; ".join(reasons)


def _dict_change(old: dict[str, str], new: dict[str, str]) -> str:
    parts = [f"{k}: {old.get(k, '(none)')} -> {new.get(k, '(none)')}"
             for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    return ", ".join(parts)


def _as_json(body: Any) -> Any:
    if isinstance(body, (dict, list)):
        return body
    try:
        return json.loads(body)
    except ValueError:
        return None


def _content_type(key: str) -> str:
    return "application/json" if key.endswith(".json") else "application/zip"
