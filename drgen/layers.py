"""The deployment layers of a blueprint: what is deployed where, in what order, after what.

Pure data computed from the model; ``drgen.planning`` turns it into steps and ``drgen.synth`` fills each
layer's template. See docs/architecture.md ("Deployment layers").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from drgen import awsdata, configs
from drgen.model import Blueprint

ROUTE53_REGION = awsdata.ROUTE53_REGIONS["aws"]
"""Route 53 is global; in the aws partition its health-check metrics exist only in us-east-1."""


PER_ACCOUNT = ("tables", "gamedays", "regionswitch")
"""The once-only layers that hold an account's own workload: with an organization, each is a service-managed
StackSet in its one region, so that every account of the OUs gets it (docs/organizations.md). The zone, dns and
resilience layers are not: validation refuses them with an organization (E433, E434)."""


def once(bp: Blueprint, name: str) -> Literal["stackset", "stack"]:
    """The kind of the once-only layer ``name``: a plain stack in the session's account, or with an organization
    and a layer of ``PER_ACCOUNT`` a StackSet with one instance per account of the OUs."""
    return "stackset" if bp.deployment.organization is not None and name in PER_ACCOUNT else "stack"


def route53_region(bp: Blueprint) -> str:
    """Where the zone and dns stacks live: Route 53's region in the blueprint's partition
    (``awsdata.ROUTE53_REGIONS``)."""
    return awsdata.route53_region(bp.region_names[0]) if bp.region_names else ROUTE53_REGION


@dataclass(frozen=True)
class Dependency:
    layer: str
    scope: Literal["same-region", "all-regions"]
    why: str


@dataclass(frozen=True)
class Layer:
    name: str
    kind: Literal["stackset", "stack"]
    regions: tuple[str, ...]
    """For a StackSet, its instances in deployment order (the RegionOrder); for a stack, its one region."""
    sequential: bool
    """Whether the instances must be deployed one region after another, in ``regions`` order."""
    order_why: str
    """Why the regions come in this order (empty when they are parallel)."""
    after: tuple[Dependency, ...]
    summary: str
    base: str = ""
    """For a part of a layer split over CloudFormation's per-template quotas (``drgen.splitting``), the layer it
    is a part of (``app`` for ``app-2``); empty for a whole layer."""
    groups: tuple[str, ...] | None = None
    """For a part, the component groups it holds (``""`` the layer's base group, ``function:NAME``...); ``None``
    for a whole layer, which holds them all."""

    @property
    def whole(self) -> str:
        """What the layer is made of: its own name, or for a part the name of the layer it splits."""
        return self.base or self.name

    def holds(self, group: str) -> bool:
        """Whether this layer's template holds the component group ``group`` (``""``: the base group)."""
        return self.groups is None or group in self.groups


def layers(bp: Blueprint) -> tuple[Layer, ...]:
    """The layers of ``bp``, in an order in which every layer comes after those it waits for; a layer over a
    CloudFormation per-template quota comes as its parts (``drgen.splitting``)."""
    try:
        return _split(bp)  # estimating the templates takes a while: once per blueprint
    except TypeError:  # a model built by hand with a list somewhere cannot be a cache key
        return _split.__wrapped__(bp)


@lru_cache(maxsize=32)
def _split(bp: Blueprint) -> tuple[Layer, ...]:
    from drgen.splitting import split

    return split(bp, whole_layers(bp))


def whole_layers(bp: Blueprint) -> tuple[Layer, ...]:
    """The layers of ``bp`` before any is split, in deployment order."""
    everywhere = bp.region_names
    primary = bp.primary.name
    secondaries = tuple(r.name for r in bp.secondaries)
    serving = everywhere if bp.runs_compute_in_secondaries else (primary,)
    out: list[Layer] = [
        Layer("bootstrap", "stackset", everywhere, False, "", (),
              "the regional KMS key and the artifact bucket that holds Lambda packages and templates"),
    ]
    if bp.needs_vpc:
        out.append(Layer("network", "stackset", everywhere, False, "", (
            Dependency("bootstrap", "same-region", "flow logs are encrypted with the regional key"),),
            "the VPC, subnets, routing, VPC endpoints and security groups"))
    if bp.dns is not None and bp.dns.zone_id is None:
        out.append(Layer("zone", "stack", (route53_region(bp),), False, "", (),
                         "the Route 53 hosted zone (the blueprint gives no zone_id)"))
    if bp.databases:
        deps = [Dependency("bootstrap", "same-region", "clusters and the secret are encrypted with the regional key"),
                Dependency("network", "same-region", "clusters live in the region's private subnets")]
        out.append(Layer("database", "stackset", (primary, *secondaries), True,
                         "the primary cluster creates the global cluster that each secondary cluster joins",
                         tuple(deps), "Aurora global databases: the global cluster, the primary and secondary clusters"))
    if bp.buckets:
        out.append(Layer("storage", "stackset", (*secondaries, primary), True,
                         "replication destinations (the secondaries' buckets) must exist before the primary's "
                         "replication configuration names them",
                         (Dependency("bootstrap", "same-region", "buckets are encrypted with the regional key"),),
                         "S3 buckets, each replicated both ways to every other region"))
    out.append(Layer("tables", once(bp, "tables"), (primary,), False, "", (
        Dependency("bootstrap", "all-regions", "every replica is encrypted with its region's key"),),
        "DynamoDB global tables, declared once with a replica in every region, and drgen's control table"))
    app_deps = [Dependency("bootstrap", "same-region", "function packages are read from the region's artifact bucket"),
                Dependency("tables", "all-regions", "functions are granted the global tables")]
    if bp.needs_vpc:
        app_deps.append(Dependency("network", "same-region", "functions in the VPC need its subnets"))
    if bp.databases:
        app_deps.append(Dependency("database", "same-region", "functions connect to the region's cluster"))
    if bp.buckets:
        app_deps.append(Dependency("storage", "same-region", "functions are granted the region's buckets"))
    if any(layer.name == "zone" for layer in out):
        app_deps.append(Dependency("zone", "all-regions", "the API certificate is validated in the hosted zone"))
    out.append(Layer("app", "stackset", serving, False, "", tuple(app_deps),
                     "queues, functions, the regional API, the alerts topic and alarms"))
    orchestration_deps = [
        Dependency("app", "same-region", "the state machine enables the region's queue consumers"),
        Dependency("tables", "all-regions", "the state machine writes the active-region flag"),
        Dependency("app", "all-regions", "the canary probes every region's API health endpoint"),
    ]
    if bp.databases:
        orchestration_deps.append(Dependency("database", "all-regions", "it promotes the region's secondary cluster"))
    if bp.runs_compute_in_secondaries:  # backup-restore recovers by the runbook, not by a state machine
        # in every region: the machine in R makes R active, so failing back is the same machine in the primary
        out.append(Layer("orchestration", "stackset", everywhere, False, "", tuple(orchestration_deps),
                         "the state machine that makes its region the active one, its functions and triggers, "
                         "in every region"))
    if bp.dns is not None:
        dns_deps = [Dependency("app", "all-regions", "its parameters are each region's API domain name")]
        if bp.dns.zone_id is None:
            dns_deps.append(Dependency("zone", "all-regions", "records go in the hosted zone"))
        out.append(Layer("dns", "stack", (route53_region(bp),), False, "", tuple(dns_deps),
                         "health checks on every region's API and the failover records"))
    if bp.game_days is not None:
        game_deps = [Dependency("bootstrap", "same-region", "the experiment log group is encrypted with the regional key"),
                     Dependency("app", "same-region", "the experiments stop on the app layer's alarms")]
        if bp.needs_vpc:
            game_deps.append(Dependency("network", "same-region", "the experiments cut the private subnets and routes"))
        out.append(Layer("gamedays", once(bp, "gamedays"), (primary,), False, "", tuple(game_deps),
                         "AWS FIS experiment templates of the game days, their role and log group"))
    if bp.runs_compute_in_secondaries and bp.failover.orchestrator == "arc-region-switch":
        deps = [Dependency("orchestration", "all-regions", "its steps invoke drgen's functions in every region")]
        if bp.databases:
            deps.append(Dependency("database", "all-regions", "it promotes the clusters of the global databases"))
        out.append(Layer("regionswitch", once(bp, "regionswitch"), (primary,), False, "", tuple(deps),
                         "the ARC Region switch plan that makes a region the active one, its execution role and "
                         "its approver role"))
    if bp.resilience_hub is not None:
        out.append(Layer("resilience", "stack", (primary,), False, "",
                         tuple(Dependency(x.name, "all-regions", "the Resilience Hub application maps its stacks")
                               for x in out),
                         "the AWS Resilience Hub resiliency policy and the application over every stack"))
    return tuple(out)


def own_functions(bp: Blueprint) -> tuple[str, ...]:
    """drgen's own functions the blueprint needs (see docs/architecture.md)."""
    names = ["health"] if bp.api is not None and any(r.target == "health" for r in bp.api.routes) else []
    if bp.api is not None and bp.api.jwt is not None and any(r.auth == "jwt" for r in bp.api.routes):
        names.append("authorizer")
    if bp.runs_compute_in_secondaries:
        names += ["canary", "promoter", "readiness"]
    if configs.intake_queues(bp):
        names.append("outbox-drainer")
    return tuple(names)


def layer(bp: Blueprint, name: str) -> Layer:
    return next(item for item in layers(bp) if item.name == name)
