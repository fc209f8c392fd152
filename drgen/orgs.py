"""The blueprint's ``deployment`` settings this module models: the AWS Organizations target
(``deployment.organization``, service-managed StackSets) and StackSet operation concurrency
(``deployment.concurrency``). Pure data; ``drgen.synth.targets`` turns it into CloudFormation's shapes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class Organization:
    """Service-managed StackSets targeting organizational units (or the root) of one organization."""

    ous: tuple[str, ...]
    org_id: str
    """``o-...``: artifact buckets and keys allow reads by principals of this organization (aws:PrincipalOrgID)."""
    auto_deployment: bool = True
    retain_stacks_on_account_removal: bool = False
    call_as: Literal["SELF", "DELEGATED_ADMIN"] = "SELF"


@dataclass(frozen=True)
class Amount:
    """A count (``3``) or a percentage (``"25%"``) of accounts per region."""

    value: int
    percent: bool = False


@dataclass(frozen=True)
class Concurrency:
    """How a StackSet operation proceeds: accounts at once, failures tolerated, regions at once."""

    max_concurrent: Amount | None = None
    failure_tolerance: Amount | None = None
    region_concurrency: Literal["sequential", "parallel"] | None = None
    """``None``: as the plan says (sequential where the layer's regions depend on one another)."""


@dataclass(frozen=True)
class Deployment:
    organization: Organization | None = None
    concurrency: Concurrency = Concurrency()
    """For every StackSet layer, unless ``layers`` has one for it."""
    layers: tuple[tuple[str, Concurrency], ...] = ()
    """Per-layer concurrency, by layer name (a layer split in parts: its whole name)."""
    control_region: str | None = None
    """The region administering every StackSet and holding the artifacts of record, as written; ``None``: unset
    (``Blueprint.control_region`` then chooses the first secondary)."""

    def concurrency_for(self, layer: str) -> Concurrency:
        """The layer's settings: its own over the global ones, setting by setting."""
        own = dict(self.layers).get(layer)
        if own is None:
            return self.concurrency
        top = self.concurrency
        return Concurrency(own.max_concurrent or top.max_concurrent,
                           own.failure_tolerance if own.failure_tolerance is not None else top.failure_tolerance,
                           own.region_concurrency or top.region_concurrency)


def amount(value: Any) -> Amount | None:
    """``3`` -> 3 accounts, ``"25%"`` -> 25 percent; ``None`` when not given."""
    if value is None:
        return None
    if isinstance(value, str):
        return Amount(int(value.rstrip("%")), True)
    return Amount(int(value))


def _concurrency(data: dict[str, Any]) -> Concurrency:
    return Concurrency(amount(data.get("max_concurrent")), amount(data.get("failure_tolerance")),
                       data.get("region_concurrency"))


def deployment(data: dict[str, Any] | None, regions: set[str] | None = None) -> Deployment:
    """The model of the blueprint's ``deployment`` mapping (validated); in a partial model (``regions`` given), a
    control region that is not one of the blueprint's is left out (E209 reports it)."""
    if not data:
        return Deployment()
    org = data.get("organization")
    organization = Organization(
        tuple(org["ous"]), org["org_id"], bool(org.get("auto_deployment", True)),
        bool(org.get("retain_stacks_on_account_removal", False)), org.get("call_as", "SELF"),
    ) if org else None
    concurrency = data.get("concurrency") or {}
    layers = tuple(sorted((name, _concurrency(item)) for name, item in concurrency.get("layers", {}).items()))
    control = data.get("control_region")
    return Deployment(organization, _concurrency(concurrency), layers,
                      control if regions is None or control in regions else None)
