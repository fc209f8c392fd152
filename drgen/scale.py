"""Planning for scale: the StackSet operations a deploy makes, its stack instances, and an estimate of its time,
set against AWS's StackSet quotas. Pure: computed from the plan (``drgen.planning``) and a number of accounts.

How ``drgen deploy`` runs a plan (drgen.aws.deploy, drgen.aws.stacksets): layer after layer; for a StackSet layer,
one ``CreateStackInstances`` (or ``UpdateStackInstances``) operation per region, waited for before the next, each
over every target account with ``FailureToleranceCount: 0`` and ``MaxConcurrentCount: 1`` (so the accounts of a
region are deployed one after another: the first failure stops the operation); the storage StackSet once more
over every region when every region's buckets exist (replication both ways); a once-only stack (tables, zone, dns,
game days) with ``CreateStack``, which is no StackSet operation. A changed template is one ``UpdateStackSet``
operation over every existing instance instead.

The durations are drgen's estimates of what CloudFormation takes to create each layer's stack (``LAYER_MINUTES``),
not AWS figures: they order of magnitude the deploy, and say where the time goes. docs/scale.md explains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from drgen.planning import Plan

# ---- AWS's StackSet quotas ----------------------------------------------------------------------------------
# Source: AWS CloudFormation User Guide, "Understand CloudFormation quotas" (StackSets rows; each adjustable by a
# Service Quotas request, so exceeding one is a warning, W415), and "StackSet operation options" (maximum concurrent
# accounts, failure tolerance; "the maximum speed of deployment is 100 concurrent stack instances per stack set").
STACKSETS_PER_ADMIN_ACCOUNT = 1_000
"""StackSets an administrator account can create (per Region: a StackSet is a regional resource)."""
INSTANCES_PER_STACKSET = 100_000
"""Stack instances per StackSet (one per account and Region)."""
INSTANCE_OPERATIONS_PER_REGION = 10_000
"""Stack instances, across all StackSets, an administrator account can run operations on at the same time in each
Region."""
QUEUED_OPERATIONS_PER_STACKSET = 10_000
"""Operations queued on one StackSet at a time (StackSets runs one operation of a StackSet at a time)."""
MAX_CONCURRENT_INSTANCES_PER_STACKSET = 100
"""The fastest a StackSet operation goes, whatever its MaxConcurrentCount: 100 stack instances at once."""
STACKS_PER_ACCOUNT = 2_000
"""CloudFormation stacks per account and Region (each stack instance is a stack in its target account)."""

QUOTAS_PAGE = "AWS CloudFormation User Guide, \"Understand CloudFormation quotas\" (StackSets)"

# ---- drgen's estimates ----------------------------------------------------------------------------------------
LAYER_MINUTES: dict[str, float] = {
    "bootstrap": 2, "network": 5, "zone": 1, "database": 25, "storage": 3, "tables": 6, "app": 6,
    "orchestration": 4, "dns": 3, "gamedays": 2, "resilience": 3, "regionswitch": 3,
}
"""Minutes CloudFormation takes to create one stack of each layer (drgen's estimate: a KMS key and a bucket in
minutes; a VPC with endpoints a few more; an Aurora cluster tens of minutes; DynamoDB replicas per region)."""
DEFAULT_LAYER_MINUTES = 5.0
UPDATE_FRACTION = 0.5
"""An update of a stack that changes a few resources (the storage StackSet's second pass adds replication rules),
as a fraction of its creation."""
OPERATION_OVERHEAD_MINUTES = 0.5
"""What a StackSet operation adds before and after its instances (queueing, the administrator's role, the
result), and drgen's polling."""


@dataclass(frozen=True)
class Quota:
    name: str
    needed: int
    limit: int

    @property
    def exceeded(self) -> bool:
        return self.needed > self.limit

    @property
    def use(self) -> float:
        return self.needed / self.limit


@dataclass(frozen=True)
class LayerScale:
    name: str
    kind: str
    regions: int
    instances: int
    """Stack instances (StackSet) or stacks (once-only stack) of the layer."""
    operations: int
    """StackSet operations of a first deploy (0 for a once-only stack)."""
    minutes: float
    """Its part of the deploy as drgen runs it today (sequential accounts)."""


@dataclass(frozen=True)
class ScaleReport:
    blueprint: str
    regions: int
    accounts: int
    layers: tuple[LayerScale, ...]
    minutes: float
    """A first deploy as drgen runs it: every operation waited for, every account one after another."""
    concurrent_minutes: float
    """The same deploy with each StackSet operation at ``concurrency`` accounts at once and the plan's waves in
    parallel: what raising MaxConcurrentCount (with SOFT_FAILURE_TOLERANCE) would buy."""
    concurrency: int
    quotas: tuple[Quota, ...] = field(default=())

    @property
    def stacksets(self) -> int:
        return sum(1 for layer in self.layers if layer.kind == "stackset")

    @property
    def operations(self) -> int:
        return sum(layer.operations for layer in self.layers)

    @property
    def instances(self) -> int:
        return sum(layer.instances for layer in self.layers if layer.kind == "stackset")

    @property
    def update_operations(self) -> int:
        """A template change in every StackSet: one UpdateStackSet operation each."""
        return self.stacksets

    def to_dict(self) -> dict[str, Any]:
        return {
            "blueprint": self.blueprint, "regions": self.regions, "accounts": self.accounts,
            "stacksets": self.stacksets, "operations": self.operations, "instances": self.instances,
            "minutes": round(self.minutes, 1), "concurrent_minutes": round(self.concurrent_minutes, 1),
            "concurrency": self.concurrency,
            "layers": [{"name": s.name, "kind": s.kind, "regions": s.regions, "instances": s.instances,
                        "operations": s.operations, "minutes": round(s.minutes, 1)} for s in self.layers],
            "quotas": [{"name": q.name, "needed": q.needed, "limit": q.limit, "exceeded": q.exceeded}
                       for q in self.quotas],
        }

    def text(self) -> str:
        lines = [f"{self.blueprint}: {self.regions} regions x {self.accounts:,} accounts: {self.stacksets} StackSets, "
                 f"{self.instances:,} stack instances, {self.operations:,} StackSet operations (first deploy), "
                 f"{self.update_operations} for a change to every template",
                 f"  estimated first deploy: {human_minutes(self.minutes)} as drgen runs it (one account at a "
                 f"time), {human_minutes(self.concurrent_minutes)} with {self.concurrency} at once and the plan's "
                 "waves in parallel"]
        for s in self.layers:
            what = f"{s.instances:,} instances, {s.operations} operations" if s.kind == "stackset" else \
                f"{s.instances} stack (CreateStack)"
            lines.append(f"  {s.name:<14} {what:<34} {human_minutes(s.minutes)}")
        for q in self.quotas:
            lines.append(f"  quota {q.name}: {q.needed:,} of {q.limit:,} ({q.use:.1%})"
                         + (" EXCEEDED (request an increase)" if q.exceeded else ""))
        return "\n".join(lines) + "\n"


def human_minutes(minutes: float) -> str:
    if minutes < 120:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"


def layer_minutes(name: str) -> float:
    base = name.split("-")[0] if name[-1:].isdigit() and "-" in name else name  # app-2: a part of app
    return LAYER_MINUTES.get(base, DEFAULT_LAYER_MINUTES)


def quotas(plan: Plan, accounts: int, width: int = 1) -> tuple[Quota, ...]:
    """Where one blueprint stands against each StackSet quota it alone can reach; ``width`` accounts at once in each
    operation (drgen today: 1)."""
    stacksets = [layer for layer in plan.layers if layer.kind == "stackset"]
    kinds = {layer.name: layer.kind for layer in plan.layers}
    parallel = max((len({s.layer for s in wave if kinds[s.layer] == "stackset"}) for wave in plan.batches()),
                   default=0)
    widest = max((len(layer.regions) for layer in stacksets), default=0)
    per_region = max((sum(1 for layer in stacksets if r in layer.regions) for r in _regions(plan)), default=0)
    return (
        Quota("stack instances per StackSet", widest * accounts, INSTANCES_PER_STACKSET),
        Quota("StackSets per administrator account", len(stacksets), STACKSETS_PER_ADMIN_ACCOUNT),
        Quota("stacks per target account and region", per_region + _stacks_in_one_region(plan), STACKS_PER_ACCOUNT),
        Quota(f"stack instance operations at once per region ({width} accounts at once)", parallel * width,
              INSTANCE_OPERATIONS_PER_REGION),
    )


def _regions(plan: Plan) -> list[str]:
    return sorted({r for layer in plan.layers for r in layer.regions})


def _stacks_in_one_region(plan: Plan) -> int:
    """The once-only stacks (tables, zone, dns...) of the busiest region."""
    counts = [sum(1 for layer in plan.layers if layer.kind == "stack" and r in layer.regions) for r in _regions(plan)]
    return max(counts, default=0)


def estimate(plan: Plan, accounts: int = 1, concurrency: int = 20) -> ScaleReport:
    """The StackSet operations, instances and deploy time of ``plan`` over ``accounts`` target accounts;
    ``concurrency`` accounts at once for the concurrent estimate (capped at what a StackSet allows)."""
    if accounts < 1 or concurrency < 1:
        raise ValueError("accounts and concurrency must be at least 1")
    width = min(concurrency, MAX_CONCURRENT_INSTANCES_PER_STACKSET, accounts)
    rows: list[LayerScale] = []
    concurrent: dict[str, float] = {}
    for layer in plan.layers:
        each = layer_minutes(layer.name)
        if layer.kind == "stack":
            rows.append(LayerScale(layer.name, "stack", len(layer.regions), len(layer.regions), 0, each))
            concurrent[layer.name] = each
            continue
        operations = len(layer.regions)
        serial = operations * (OPERATION_OVERHEAD_MINUTES + accounts * each)
        rounds = math.ceil(accounts / width)
        one_region = OPERATION_OVERHEAD_MINUTES + rounds * each
        fast = one_region * (len(layer.regions) if layer.sequential else 1)
        if layer.whole == "storage":  # once more over every region: each region replicates to every other
            operations += 1
            serial += OPERATION_OVERHEAD_MINUTES + len(layer.regions) * accounts * each * UPDATE_FRACTION
            fast += OPERATION_OVERHEAD_MINUTES + rounds * each * UPDATE_FRACTION
        rows.append(LayerScale(layer.name, "stackset", len(layer.regions), len(layer.regions) * accounts, operations,
                               serial))
        concurrent[layer.name] = fast
    return ScaleReport(plan.blueprint, len(_regions(plan)), accounts, tuple(rows), sum(r.minutes for r in rows),
                       _critical_path(plan, concurrent), width, quotas(plan, accounts, width))


def _critical_path(plan: Plan, minutes: dict[str, float]) -> float:
    """The longest chain of layers, each starting when every layer it waits for is done."""
    finish: dict[str, float] = {}
    for layer in plan.layers:  # in deployment order: every layer after those it waits for
        start = max((finish[d.layer] for d in layer.after if d.layer in finish), default=0.0)
        finish[layer.name] = start + minutes[layer.name]
    return max(finish.values(), default=0.0)
