"""``drgen deploy``: a render's plan, run against AWS with boto3.

Layer after layer, in the plan's order: the bootstrap StackSet (each region's key and artifact bucket;
with an organization, also the administrator account's own, ``drgen.aws.adminart``), then the function
packages and templates uploaded to every region's bucket (the session's account's) under content-addressed
keys, then each StackSet (created or updated, then one instance per region in the layer's order, each a
StackSet operation that drgen polls to its end) and each once-only stack. What is already deployed as
rendered is left alone, so a second deploy starts no operation, and a rerun after a failure continues
where the first stopped. A dry run calls only read APIs.

The library never prints: progress reaches the caller as ``Event`` values, the outcome as a
``DeployResult``; the CLI shows both. See docs/deploying.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from drgen.aws.adminart import AdminArtifacts
from drgen.aws.clients import Clients, error_code
from drgen.aws.results import Change, DeployOptions, DeployResult, Event
from drgen.aws.stacksets import StackSets
from drgen.errors import DeployError
from drgen.rendering import Rendered
from drgen.synth.stacksets import administration_role, execution_role

__all__ = ["Change", "DeployOptions", "DeployResult", "Event", "deploy_rendered"]


def deploy_rendered(rendered: Rendered, session: Any, options: DeployOptions | None = None,
                    on_event: Callable[[Event], None] | None = None,
                    sleep: Callable[[float], None] = time.sleep,
                    clock: Callable[[], float] = time.monotonic) -> DeployResult:
    """Deploy ``rendered`` with the clients of ``session`` (a ``boto3.Session``)."""
    options = options or DeployOptions()
    return _Deployment(rendered, Clients(session, options), options, on_event or (lambda event: None), sleep,
                       clock).run()


class _Deployment(StackSets, AdminArtifacts):
    def run(self) -> DeployResult:
        with self.clients.translating(lambda: self.step):
            self._target("deploy")
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
                    self._admin_artifacts()  # with an organization: the buckets the packages go to
                    self._upload()
        return self.result

    def _check_roles(self) -> None:
        """The StackSet roles must exist before the first operation, or every operation fails."""
        self.step = "roles"
        if self.bp.deployment.organization is not None:
            return  # service-managed: AWS creates the roles in the management account and in each target account
        iam = self.clients.client("iam", self.admin_region)
        missing = []
        for role in (administration_role(self.bp), execution_role(self.bp)):
            try:
                iam.get_role(RoleName=role)
            except Exception as error:
                if error_code(error) != "NoSuchEntity":
                    raise
                missing.append(role)
        if missing:
            raise DeployError(f"{' and '.join(missing)} {'do' if len(missing) > 1 else 'does'} not exist in account "
                              f"{self.result.account}: StackSets need both roles. Run drgen bootstrap with this "
                              "blueprint first: it deploys them and each region's artifact bucket (see "
                              "docs/deploying.md)")
