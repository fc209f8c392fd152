"""The StackSet quotas a blueprint alone can exceed (W415): ``drgen.scale`` has the quotas and the whole estimate.

Every StackSet layer has an instance per region and target account; the bootstrap StackSet spans every region,
so regions x accounts is the widest StackSet's instance count.
"""

from __future__ import annotations

from collections.abc import Iterator

from drgen import scale
from drgen.checks import Context
from drgen.diagnostics import Diagnostic


def check_stackset_quotas(ctx: Context) -> Iterator[Diagnostic]:
    regions = sum(1 for _ in ctx.items("regions"))
    accounts = ctx.data.get("accounts")
    if ctx.broken(("accounts",)) or not isinstance(accounts, list):
        accounts = []
    instances = regions * max(1, len(accounts))
    if instances > scale.INSTANCES_PER_STACKSET:
        yield ctx.error("W415", f"{regions} regions x {len(accounts):,} accounts make {instances:,} stack instances in "
                                f"each StackSet that spans every region, over the quota of "
                                f"{scale.INSTANCES_PER_STACKSET:,} per StackSet: request an increase first, or split "
                                "the accounts over several blueprints (docs/scale.md)",
                        ("accounts",) if accounts else ("regions",))


CHECKS = [check_stackset_quotas]
