"""A run against AWS: its state (the render, the clients, the result so far, the step it is at) and what every
part of it shares - reading StackSets, instances and stacks, starting StackSet operations and waiting for them
and for stacks to end, and saying why one failed.

StackSet operations have no boto3 waiter: their status is read every ``poll_seconds`` until it leaves
``QUEUED``/``RUNNING``/``STOPPING``; a stack's until it leaves ``*_IN_PROGRESS``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from drgen.aws import skips
from drgen.aws.clients import Clients, error_code, is_missing
from drgen.aws.results import Change, DeployOptions, DeployResult, Event
from drgen.errors import DeployError
from drgen.layers import Layer
from drgen.rendering import Rendered
from drgen.synth.targets import call_as

OPERATION_PENDING = {"QUEUED", "RUNNING", "STOPPING"}
OPERATION_DONE = "SUCCEEDED"
STACK_DONE = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}


class Runner:
    def __init__(self, rendered: Rendered, clients: Clients, options: DeployOptions,
                 on_event: Callable[[Event], None], sleep: Callable[[float], None], clock: Callable[[], float]) -> None:
        self.rendered = rendered
        self.bp = rendered.blueprint
        self.clients = clients
        self.options = options
        self.on_event = on_event
        self.sleep = sleep
        self.clock = clock
        self.admin_region = self.bp.control_region
        """Where every StackSet is administered and the artifacts of record live: the blueprint's control region."""
        self.skipped = skips.checked(self.bp, options.skip_regions)
        """The regions not to contact (``drgen.aws.skips``)."""
        self.accounts: list[str] = []
        self.call_as = call_as(self.bp)
        """``CallAs`` for every StackSet call (an organization's delegated administrator needs it on each)."""
        self.result = DeployResult(account="", dry_run=options.dry_run)
        self.step = "start"
        self.peers_pending = False
        """The storage StackSet was deployed before every region's buckets existed (``PeerBuckets`` pending)."""

    def _target(self, command: str) -> None:
        """The accounts the run targets: the blueprint's, which must be the session's own (one account)."""
        caller = self.clients.account(self.admin_region)
        self.accounts = list(self.bp.accounts) or [caller]  # with an organization: the artifacts' account
        if self.accounts != [caller]:
            raise DeployError(f"the blueprint's accounts are {', '.join(self.accounts)} but the credentials are "
                              f"account {caller}'s: drgen {command} uploads each region's packages with the session's "
                              "own credentials, so it deploys one account, the session's")
        self.result.account = caller

    def _note(self, layer: str, region: str, action: str, what: str, why: str = "") -> None:
        self.result.changes.append(Change(layer, region, action, what, why))
        self.on_event(Event(layer, region, action, "planned" if self.options.dry_run else "started", 0.0,
                            f"{what}" + (f" ({why})" if why else "")))

    def _skip(self, layer: str, region: str, what: str) -> bool:
        """Whether ``region`` is skipped; if so, ``what`` there is reported as left as it is."""
        if region not in self.skipped:
            return False
        self.result.changes.append(Change(layer, region, "skipped", what, skips.REASON))
        self.on_event(Event(layer, region, "skip", "skipped", 0.0, f"{what} ({skips.REASON})"))
        return True

    # ---- StackSets ---------------------------------------------------------------------------------

    def _describe_stack_set(self, cf: Any, name: str) -> dict[str, Any] | None:
        try:
            stackset: dict[str, Any] = cf.describe_stack_set(StackSetName=name, **self.call_as)["StackSet"]
        except Exception as error:
            if is_missing(error):
                return None
            raise
        return None if stackset.get("Status") == "DELETED" else stackset

    def _instances(self, cf: Any, name: str) -> dict[str, dict[str, Any]]:
        """Region -> its stack instance; with an organization, of the region's instances (one per account of the
        OUs) the first that is not CURRENT, else any: the region is up to date only when all of them are."""
        out: dict[str, dict[str, Any]] = {}
        everyone = self.bp.deployment.organization is not None
        for page in cf.get_paginator("list_stack_instances").paginate(StackSetName=name, **self.call_as):
            for summary in page.get("Summaries", []):
                if everyone or summary.get("Account") in self.accounts:
                    region = summary["Region"]
                    if region in out and out[region].get("Status") != "CURRENT":
                        continue
                    detail = cf.describe_stack_instance(StackSetName=name, StackInstanceAccount=summary["Account"],
                                                        StackInstanceRegion=region, **self.call_as)["StackInstance"]
                    if region not in out or detail.get("Status") != "CURRENT":
                        out[region] = detail
        return out

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
                   for page in cf.get_paginator("list_stack_set_operations").paginate(StackSetName=name,
                                                                                      **self.call_as)
                   for operation in page.get("Summaries", []) if operation.get("Status") in OPERATION_PENDING]
        for operation_id in running:
            self._follow_operation(cf, name, operation_id, name, self.admin_region, "wait")

    def _follow_operation(self, cf: Any, name: str, operation_id: str, layer: str, region: str, action: str) -> str:
        """Poll the StackSet operation until it ends; its final status."""
        return self._poll(partial(_operation_status, cf, name, operation_id, self.call_as), layer, region, action)

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
        status = self._follow_operation(cf, name, operation_id, layer.name, region, action)
        if status != OPERATION_DONE:
            raise DeployError(self._operation_failure(cf, layer, name, operation_id, status))

    def _operation_failure(self, cf: Any, layer: Layer, name: str, operation_id: str, status: str) -> str:
        lines = [f"{layer.name}: StackSet operation {operation_id} on {name} ended {status}"]
        results = cf.list_stack_set_operation_results(StackSetName=name, OperationId=operation_id, **self.call_as)
        for summary in results.get("Summaries", []):
            if summary.get("Status") == OPERATION_DONE:
                continue
            region = summary.get("Region", "?")
            lines.append(f"  {region}: {summary.get('Status')}: {summary.get('StatusReason', 'no reason given')}")
            if region in self.skipped:
                continue
            try:
                instance = cf.describe_stack_instance(StackSetName=name, StackInstanceAccount=summary["Account"],
                                                      StackInstanceRegion=region, **self.call_as)["StackInstance"]
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

    # ---- stacks --------------------------------------------------------------------------------------

    def _describe_stack(self, cf: Any, name: str) -> dict[str, Any] | None:
        try:
            stacks = cf.describe_stacks(StackName=name)["Stacks"]
        except Exception as error:
            if is_missing(error):
                return None
            raise
        return dict(stacks[0]) if stacks else None

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


def _operation_status(cf: Any, name: str, operation_id: str, call_as: dict[str, str]) -> str:
    operation = cf.describe_stack_set_operation(StackSetName=name, OperationId=operation_id, **call_as)
    return str(operation["StackSetOperation"]["Status"])
