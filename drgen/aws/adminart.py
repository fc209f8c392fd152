"""With an organization: the administrator account's own KMS key and artifact bucket in every blueprint region.

Service-managed StackSets never deploy to the management account (nor does drgen target the delegated
administrator's), so the bootstrap StackSet makes each member account's key and bucket but not those of the
account ``drgen deploy`` uploads from. ``drgen bootstrap`` and ``drgen deploy`` deploy the bootstrap layer's
template there too, as a plain stack ``<prefix>-bootstrap`` in each region (Lambda reads code only from a bucket
of its own region): one account needs no StackSet, and a self-managed StackSet would need the administration and
execution roles, which an organization's blueprint does not deploy. The template is the members' own, so the
bucket (``<prefix>-artifacts-<region>-<administrator>``) lets the organization's principals read objects and the
key lets them decrypt through S3 (``aws:PrincipalOrgID``); member templates name it by their ``ArtifactAccount``
parameter. ``drgen destroy`` deletes these stacks after the StackSets; the key and bucket are retained and listed.
"""

from __future__ import annotations

from drgen.aws.compare import tags
from drgen.aws.stacks import Stacks
from drgen.layers import Layer
from drgen.rendering import Rendered

BOOTSTRAP_LAYER = "bootstrap"
SUMMARY = "the administrator account's KMS key and artifact bucket"


def admin_layers(rendered: Rendered) -> list[Layer]:
    """The administrator's bootstrap stacks as once-only layers, one per blueprint region (none without an
    organization: the bootstrap StackSet's instances in the session's account are its buckets)."""
    bp = rendered.blueprint
    if bp.deployment.organization is None:
        return []
    return [Layer(BOOTSTRAP_LAYER, "stack", (region,), False, "", (), SUMMARY) for region in bp.region_names]


class AdminArtifacts(Stacks):
    def _admin_artifacts(self) -> None:
        """Create or update the administrator's bootstrap stack in every region (not skipped)."""
        t = self.rendered.layer_templates[BOOTSTRAP_LAYER]
        body = self.rendered.files[f"templates/{BOOTSTRAP_LAYER}.json"]
        for layer in admin_layers(self.rendered):
            region = layer.regions[0]
            if self._skip(layer.name, region, f"stack {self.bp.prefix}-{BOOTSTRAP_LAYER} ({SUMMARY})"):
                continue
            self.step = f"{layer.name}@{region} stack ({SUMMARY})"
            parameters = dict(t.region_values.get(region, {}))
            self._apply_stack(layer, body, {"TemplateBody": body.decode("utf-8")}, parameters, tags(t))
