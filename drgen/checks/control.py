"""The control region (``deployment.control_region``): where StackSets are administered and the artifacts of record
live. It must be one of the blueprint's regions (E209), and had better not be the primary (W210)."""

from __future__ import annotations

from collections.abc import Iterator

from drgen.checks import Context
from drgen.diagnostics import Diagnostic
from drgen.schema_check import suggest


def check_control_region(ctx: Context) -> Iterator[Diagnostic]:
    deployment = ctx.data.get("deployment")
    if not isinstance(deployment, dict) or ctx.broken(("deployment", "control_region")):
        return
    control = deployment.get("control_region")
    if not isinstance(control, str):
        return
    regions = {str(r.get("name")): r.get("role") for _, r in ctx.items("regions")}
    path = ("deployment", "control_region")
    if control not in regions:
        yield ctx.error("E209", f"control region '{control}' is not one of the blueprint's regions "
                                f"({', '.join(regions) or 'none'}){suggest(control, list(regions))}: StackSets are "
                                "administered there and read their templates from its artifact bucket, which drgen "
                                "deploys only in the blueprint's regions", path)
    elif regions[control] == "primary":
        yield ctx.error("W210", f"control region '{control}' is the primary: when it fails, nothing can be changed, "
                                "scaled or redeployed (its StackSets and artifacts are out of reach); choose a "
                                "secondary region (the default when control_region is left out)", path)


CHECKS = [check_control_region]
