"""A once-only stack layer (``zone``, ``tables``, ``dns``): created, updated when it differs from the render, or
deleted and created again when its first creation failed."""

from __future__ import annotations

from typing import Any

from drgen import naming
from drgen.aws.artifacts import Artifacts
from drgen.aws.compare import drift, parameter_list, tags
from drgen.aws.operations import STACK_DONE
from drgen.aws.results import Change
from drgen.aws.stacksets import CAPABILITIES
from drgen.aws.values import Values
from drgen.layers import Layer


class Stacks(Artifacts, Values):
    def _stack(self, layer: Layer) -> None:
        t = self.rendered.layer_templates[layer.name]
        region = layer.regions[0]
        if self._skip(layer.name, region, f"stack {naming.stack(self.bp.prefix, layer.name)}"):
            return
        self.step = f"{layer.name}@{region}"
        parameters = {**t.region_values[region], **self._deploy_values(t)}
        self._apply_stack(layer, self.rendered.files[f"templates/{layer.name}.json"],
                          self._template_source(layer.name, region), parameters, tags(t))

    def _apply_stack(self, layer: Layer, body: bytes, source: dict[str, str], parameters: dict[str, str],
                     stack_tags: list[dict[str, str]]) -> None:
        """Create the stack of ``layer`` from ``body`` (passed as ``source``), or update it where it differs."""
        region = layer.regions[0]
        name = naming.stack(self.bp.prefix, layer.name)
        cf = self.clients.client("cloudformation", region)
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
        args: dict[str, Any] = {"StackName": name, **source, "Parameters": parameter_list(parameters),
                                "Capabilities": CAPABILITIES, "Tags": stack_tags}
        if current is None:
            if not self.options.dry_run:
                stack_id = cf.create_stack(**args)["StackId"]
                self.result.operations.append(stack_id)
                self._wait_stack(cf, layer, name, "create")
            return
        why = self._stack_drift(cf, current, body, parameters, stack_tags)
        if not why:
            self.result.changes.append(Change(layer.name, region, "unchanged", f"stack {name}"))
            return
        self._note(layer.name, region, "update", f"stack {name}", why)
        if self.options.dry_run:
            return
        cf.update_stack(**args)
        self.result.operations.append(str(current["StackId"]))
        self._wait_stack(cf, layer, name, "update")

    def _stack_drift(self, cf: Any, current: dict[str, Any], body: bytes, parameters: dict[str, str],
                     tags: list[dict[str, str]]) -> str:
        deployed = cf.get_template(StackName=current["StackName"], TemplateStage="Original")["TemplateBody"]
        why = drift({**current, "TemplateBody": deployed}, body, parameters, tags)
        if current["StackStatus"] not in STACK_DONE and not why:
            why = f"the last change ended {current['StackStatus']}"
        return why
