"""``drgen destroy``: a blueprint torn down in the reverse of its plan.

First a survey that only reads: for each layer from the last to the first, then (with an organization) the
administrator account's bootstrap stacks and the roles stack that ``drgen bootstrap`` deployed, what exists in
the session's account and what its deployed template keeps (``DeletionPolicy`` ``Retain``,
``RetainExceptOnCreate`` or ``Snapshot``: data stores, keys, the zone; the administrator's key and buckets). A
StackSet or stack with a drgen name whose tags do not mark it as this blueprint's (``drgen:blueprint``,
``drgen:environment``, ``drgen:layer``) stops the run before anything is deleted: drgen deletes only what it
created. A dry run ends there. Otherwise, in the same order: a StackSet's instances in one operation, its
regions in the reverse of the layer's order (so a secondary Aurora cluster leaves before the primary one),
then the StackSet; a stack is deleted and waited for. CloudFormation keeps what the policies say; the
result lists it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drgen import naming
from drgen.aws.adminart import admin_layers
from drgen.aws.bootstrap import roles_layer
from drgen.aws.clients import Clients, is_missing
from drgen.aws.compare import tag_map
from drgen.aws.operations import Runner
from drgen.aws.results import Change, DeployOptions, Event
from drgen.errors import DeployError, UsageError
from drgen.layers import Layer
from drgen.rendering import Rendered
from drgen.synth.targets import instance_targets, preferences

KEEPING = ("Retain", "RetainExceptOnCreate", "Snapshot")
"""The ``DeletionPolicy`` values under which CloudFormation leaves a resource behind (``Snapshot``: a final one)."""


@dataclass(frozen=True)
class Kept:
    """A resource CloudFormation leaves in place when its stack is deleted."""

    layer: str
    region: str
    logical_id: str
    type: str
    physical_id: str
    policy: str

    def line(self) -> str:
        what = self.physical_id or f"(logical id {self.logical_id})"
        snapshot = ", after a final snapshot" if self.policy == "Snapshot" else ""
        return f"{self.layer:<13} {self.region:<15} {self.type} {what} (DeletionPolicy {self.policy}{snapshot})"


@dataclass
class DestroyResult:
    account: str
    dry_run: bool
    changes: list[Change] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def text(self) -> str:
        lines = [c.line() for c in self.changes]
        if not self.changes:
            lines.append(f"nothing to destroy: no StackSet or stack of this blueprint in account {self.account}")
            return "\n".join(lines) + "\n"
        count = len(self.changes)
        verb = "would delete" if self.dry_run else "deleted"
        lines.append(f"{verb} {count} thing{'s' if count != 1 else ''} in account {self.account}")
        if self.kept:
            lines.append(("would keep" if self.dry_run else "kept") + f" {len(self.kept)} resource"
                         f"{'s' if len(self.kept) != 1 else ''}, as their DeletionPolicy says (delete them by hand "
                         "once their data is no longer needed):")
            lines.extend(f"  {k.line()}" for k in self.kept)
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {"account": self.account, "dry_run": self.dry_run, "operations": self.operations,
                "changes": [{"layer": c.layer, "region": c.region, "action": c.action, "what": c.what}
                            for c in self.changes],
                "kept": [{"layer": k.layer, "region": k.region, "logical_id": k.logical_id, "type": k.type,
                          "physical_id": k.physical_id, "policy": k.policy} for k in self.kept]}


@dataclass
class _Target:
    layer: Layer
    name: str
    regions: list[str]
    """A StackSet's instances in this account, in the order they are deleted; a stack's one region."""
    others: bool = False
    """The StackSet has instances in other accounts too: it stays, with those."""


def destroy_rendered(rendered: Rendered, session: Any, options: DeployOptions | None = None,
                     on_event: Callable[[Event], None] | None = None,
                     sleep: Callable[[float], None] = time.sleep,
                     clock: Callable[[], float] = time.monotonic) -> DestroyResult:
    """Delete what drgen deployed of ``rendered``'s blueprint in the session's account (see the module's text)."""
    options = options or DeployOptions()
    return _Destroy(rendered, Clients(session, options), options, on_event or (lambda event: None), sleep,
                    clock).run()


class _Destroy(Runner):
    def run(self) -> DestroyResult:
        if self.skipped:
            raise UsageError("drgen destroy does not skip regions: it deletes a blueprint's stacks in every region")
        out = DestroyResult(account="", dry_run=self.options.dry_run, operations=self.result.operations)
        with self.clients.translating(lambda: self.step):
            self._target("destroy")
            out.account = self.result.account
            layers = [*reversed(self.rendered.plan.layers), *admin_layers(self.rendered), roles_layer(self.rendered)]
            targets = [t for t in (self._survey(layer, out) for layer in layers) if t is not None]
            out.changes = list(self.result.changes)
            for target in targets if not self.options.dry_run else []:
                if target.layer.kind == "stackset":
                    self._delete_stackset(target)
                else:
                    self._delete_stack(target)
        return out

    # ---- the survey: read only ----------------------------------------------------------------------

    def _survey(self, layer: Layer, out: DestroyResult) -> _Target | None:
        name = naming.stack(self.bp.prefix, layer.name)
        self.step = f"{layer.name} {'StackSet' if layer.kind == 'stackset' else 'stack'} {name}"
        if layer.kind == "stack":
            region = layer.regions[0]
            cf = self.clients.client("cloudformation", region)
            stack = self._describe_stack(cf, name)
            if stack is None or stack.get("StackStatus") == "DELETE_COMPLETE":
                return None
            self._check_owned(layer, name, stack.get("Tags", []))
            body = cf.get_template(StackName=name, TemplateStage="Original")["TemplateBody"]
            out.kept += self._kept(layer.name, region, body, cf, str(stack["StackId"]))
            self.result.changes.append(Change(layer.name, region, "delete", f"stack {name}"))
            return _Target(layer, name, [region])
        cf = self.clients.client("cloudformation", self.admin_region)
        stackset = self._describe_stack_set(cf, name)
        if stackset is None:
            return None
        self._check_owned(layer, name, stackset.get("Tags", []))
        instances = self._instances(cf, name)
        regions = [r for r in reversed(layer.regions) if r in instances]
        regions += sorted(r for r in instances if r not in regions)
        for region in regions:
            stack_id = str(instances[region].get("StackId") or "")
            out.kept += self._kept(layer.name, region, stackset.get("TemplateBody", ""),
                                   self.clients.client("cloudformation", region), stack_id)
            self.result.changes.append(Change(layer.name, region, "delete", f"stack instance of {name}"))
        others = self._instance_count(cf, name) > len(instances)
        if not others:
            self.result.changes.append(Change(layer.name, self.admin_region, "delete", f"StackSet {name}"))
        return _Target(layer, name, regions, others)

    def _check_owned(self, layer: Layer, name: str, tags: list[dict[str, str]]) -> None:
        have = tag_map(tags)
        wanted = {"drgen:blueprint": self.bp.name, "drgen:environment": self.bp.environment,
                  "drgen:layer": layer.name}
        wrong = {k: v for k, v in wanted.items() if have.get(k) != v}
        if wrong:
            shown = ", ".join(f"{k}={have.get(k, '(none)')}" for k in wrong)
            raise DeployError(f"{name} has the name of {self.bp.prefix}'s {layer.name} layer but its tags say otherwise "
                              f"({shown}; drgen tags what it creates {', '.join(f'{k}={v}' for k, v in wrong.items())})"
                              ": drgen deletes only what it created; nothing was deleted")

    def _kept(self, layer: str, region: str, body: Any, cf: Any, stack_id: str) -> list[Kept]:
        """What the deployed template ``body`` keeps, with physical ids from its stack where it still exists."""
        template = body if isinstance(body, dict) else _json(body)
        keeping = {logical: (str(resource.get("Type", "?")), str(resource["DeletionPolicy"]))
                   for logical, resource in template.get("Resources", {}).items()
                   if isinstance(resource, dict) and resource.get("DeletionPolicy") in KEEPING}
        if not keeping:
            return []
        physical: dict[str, str] | None = None
        if stack_id:
            try:
                resources = cf.describe_stack_resources(StackName=stack_id).get("StackResources", [])
                physical = {str(r["LogicalResourceId"]): str(r.get("PhysicalResourceId") or "")
                            for r in resources if r.get("LogicalResourceId")}
            except Exception as error:
                if not is_missing(error):
                    raise
        # with the stack's resources at hand, only those it has (a condition may leave one out in a region)
        return [Kept(layer, region, logical, kind, (physical or {}).get(logical, ""), policy)
                for logical, (kind, policy) in sorted(keeping.items()) if physical is None or logical in physical]

    def _instance_count(self, cf: Any, name: str) -> int:
        return sum(len(page.get("Summaries", []))
                   for page in cf.get_paginator("list_stack_instances").paginate(StackSetName=name, **self.call_as))

    # ---- deleting -----------------------------------------------------------------------------------

    def _delete_stackset(self, target: _Target) -> None:
        layer, name = target.layer, target.name
        cf = self.clients.client("cloudformation", self.admin_region)
        if target.regions:
            self.step = f"{layer.name} instances of {name} in {', '.join(target.regions)}"
            self.on_event(Event(layer.name, ", ".join(target.regions), "delete", "started", 0.0,
                                f"stack instances of {name}"))
            operation = self._operation(cf, name, cf.delete_stack_instances, StackSetName=name,
                                        **instance_targets(self.bp, self.accounts),
                                        Regions=target.regions, RetainStacks=False,
                                        OperationPreferences=preferences(self.bp, layer, target.regions))
            self._wait_operation(cf, layer, name, operation, ", ".join(target.regions), "delete")
        if not target.others:
            self.step = f"{layer.name} StackSet {name}"
            self._wait_running(cf, name)
            cf.delete_stack_set(StackSetName=name, **self.call_as)
            self.on_event(Event(layer.name, self.admin_region, "delete", "done", 0.0, f"StackSet {name}"))

    def _delete_stack(self, target: _Target) -> None:
        layer, name = target.layer, target.name
        region = layer.regions[0]
        self.step = f"{layer.name}@{region} stack {name}"
        cf = self.clients.client("cloudformation", region)
        stack_id = str((self._describe_stack(cf, name) or {}).get("StackId", name))
        self.on_event(Event(layer.name, region, "delete", "started", 0.0, f"stack {name}"))
        cf.delete_stack(StackName=stack_id)
        self.result.operations.append(stack_id)
        final = self._wait_stack(cf, layer, name, "delete", allow_failure=True)
        if final is not None and final.get("StackStatus") != "DELETE_COMPLETE":
            lines = [f"{layer.name}: deleting stack {name} in {region} ended {final.get('StackStatus')}"]
            if final.get("StackStatusReason"):
                lines.append(f"  {final['StackStatusReason']}")
            lines.extend(self._failed_resources(cf, stack_id))
            lines.append("fix the cause and rerun drgen destroy: it continues from this step")
            raise DeployError("\n".join(lines))


def _json(body: Any) -> dict[str, Any]:
    try:
        value = json.loads(body) if isinstance(body, (str, bytes)) else None
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {}
