"""``drgen bootstrap``: what an account needs before ``drgen deploy`` can run a blueprint's StackSets.

Two things, in order, in the session's account: the StackSet roles (the render's ``roles/stackset-roles.json``
as the stack ``<prefix>-stackset-roles`` in the administration region, the control region) and the ``bootstrap``
StackSet (each region's KMS key and artifact bucket). With an organization, no roles (AWS manages them), and
then the administrator account's own key and artifact bucket in every region (``drgen.aws.adminart``). All are
created when missing and updated where they differ from the render; a second run starts nothing. A dry run
calls only read APIs. ``drgen deploy`` deploys the ``bootstrap`` StackSet (and the administrator's stacks) too,
unchanged after a bootstrap, but refuses to start without the roles.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from drgen import naming
from drgen.aws.adminart import BOOTSTRAP_LAYER, AdminArtifacts
from drgen.aws.clients import Clients
from drgen.aws.results import DeployOptions, DeployResult, Event
from drgen.aws.stacksets import StackSets
from drgen.layers import Layer
from drgen.rendering import ROLES_FILE, Rendered
from drgen.synth.stacksets import ROLES_LAYER

__all__ = ["BOOTSTRAP_LAYER", "bootstrap_rendered", "roles_layer", "roles_tags"]


def bootstrap_rendered(rendered: Rendered, session: Any, options: DeployOptions | None = None,
                       on_event: Callable[[Event], None] | None = None,
                       sleep: Callable[[float], None] = time.sleep,
                       clock: Callable[[], float] = time.monotonic) -> DeployResult:
    """Deploy (or update) ``rendered``'s StackSet roles and artifact buckets with the clients of ``session``."""
    options = options or DeployOptions()
    return _Bootstrap(rendered, Clients(session, options), options, on_event or (lambda event: None), sleep,
                      clock).run()


def roles_layer(rendered: Rendered) -> Layer:
    """The roles stack as a once-only layer of the administration region (it is in no plan)."""
    return Layer(ROLES_LAYER, "stack", (rendered.blueprint.control_region,), False, "", (),
                 "the StackSet administration and execution roles")


def roles_tags(rendered: Rendered) -> list[dict[str, str]]:
    """The roles stack's tags: the blueprint's, and drgen's own that mark the stack as this blueprint's."""
    bp = rendered.blueprint
    pairs = {**dict(bp.tags), "drgen:blueprint": bp.name, "drgen:environment": bp.environment,
             "drgen:layer": ROLES_LAYER}
    return [{"Key": k, "Value": v} for k, v in sorted(pairs.items())]


class _Bootstrap(StackSets, AdminArtifacts):
    def run(self) -> DeployResult:
        with self.clients.translating(lambda: self.step):
            self._target("bootstrap")
            if ROLES_FILE in self.rendered.files:  # none with an organization: AWS manages the roles
                layer = roles_layer(self.rendered)
                self.step = f"{layer.name}@{layer.regions[0]} stack {naming.stack(self.bp.prefix, layer.name)}"
                body = self.rendered.files[ROLES_FILE]
                self._apply_stack(layer, body, {"TemplateBody": body.decode("utf-8")}, {}, roles_tags(self.rendered))
            self._stackset(next(x for x in self.rendered.plan.layers if x.name == BOOTSTRAP_LAYER))
            self._admin_artifacts()  # with an organization: the administrator's own key and buckets
        return self.result
