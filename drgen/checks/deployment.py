"""The blueprint's ``deployment``: an organization target excludes self-managed settings and the layers that cannot
be one per account (dns, resilience_hub), and concurrency
settings name StackSet layers the blueprint has, running regions in parallel only where the plan allows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from drgen.checks import Context
from drgen.diagnostics import Diagnostic, Path

SEQUENTIAL = {
    "database": "the primary cluster creates the global cluster that each secondary cluster joins",
    "storage": "the secondaries' buckets must exist before the primary's replication configuration names them",
}
"""The StackSet layers whose regions depend on one another (``drgen.layers.whole_layers``)."""


def stackset_layers(data: dict[str, Any]) -> list[str]:
    """The StackSet layers the blueprint's plan has (as ``drgen.layers.whole_layers`` decides them)."""
    functions: list[Any] = data["functions"] if isinstance(data.get("functions"), list) else []
    in_vpc = any(isinstance(f, dict) and f.get("in_vpc") for f in functions)
    out = ["bootstrap"]
    if data.get("databases") or in_vpc:
        out.append("network")
    if data.get("databases"):
        out.append("database")
    if data.get("buckets"):
        out.append("storage")
    organization = isinstance(data.get("deployment"), dict) and bool(data["deployment"].get("organization"))
    if organization:  # the layers of an account's own workload: a StackSet each (drgen.layers.PER_ACCOUNT)
        out.append("tables")
    out.append("app")
    if data.get("strategy") != "backup-restore":
        out.append("orchestration")
    if organization and data.get("game_days") is not None:
        out.append("gamedays")
    failover: dict[str, Any] = data["failover"] if isinstance(data.get("failover"), dict) else {}
    if organization and data.get("strategy") != "backup-restore" and failover.get("orchestrator") == "arc-region-switch":
        out.append("regionswitch")
    return out


def check_organization(ctx: Context) -> Iterator[Diagnostic]:
    deployment = ctx.data.get("deployment")
    if not isinstance(deployment, dict) or not isinstance(deployment.get("organization"), dict) \
            or ctx.broken(("deployment", "organization")):
        return
    raw = ctx.document.data if isinstance(ctx.document.data, dict) else {}  # as written: without defaults
    for key, what in (("accounts", "lists the target accounts (self-managed permissions)"),
                      ("stackset_roles", "names the self-managed StackSet roles")):
        if key in raw:
            yield ctx.error("E430", f"deployment.organization targets OUs with service-managed permissions, but "
                                    f"{key} {what}: StackSets take one permission model. Remove {key}, or remove "
                                    "deployment.organization", (key,), key=True)
    if ctx.data.get("dns") is not None:
        yield ctx.error("E433", "dns with deployment.organization: every account of the OUs gets its own regional APIs, "
                                "but one domain name has one set of failover records in one hosted zone, and a member "
                                "account's stacks cannot validate its API certificate in, or write records to, a hosted "
                                "zone of another account. Remove dns (each account's APIs keep their regional "
                                "endpoints), or deploy the blueprint per account (self-managed) with its own domain name",
                        ("dns",), key=True)
    if ctx.data.get("resilience_hub") is not None:
        yield ctx.error("E434", "resilience_hub with deployment.organization: the Resilience Hub application maps each "
                                "of the account's stacks by its stack ID, which differs in every account, and a "
                                "service-managed StackSet gives all the accounts of its OUs the same parameter values "
                                "in a region. Remove resilience_hub, or deploy the blueprint per account (self-managed)",
                        ("resilience_hub",), key=True)
    org = deployment["organization"]
    if org.get("auto_deployment") is False:
        yield ctx.error("W435", "auto_deployment is off: an account added to these OUs gets no stack instances until "
                                "drgen deploy runs again, and one that leaves keeps its stacks; with it on, StackSets "
                                "deploys to accounts that join, and removes from accounts that leave, by itself",
                        ("deployment", "organization", "auto_deployment"))


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def check_concurrency(ctx: Context) -> Iterator[Diagnostic]:
    deployment = ctx.data.get("deployment")
    if not isinstance(deployment, dict) or not isinstance(deployment.get("concurrency"), dict) \
            or ctx.broken(("deployment", "concurrency")):
        return
    top = deployment["concurrency"]
    known = stackset_layers(ctx.data)
    layers = top.get("layers") if isinstance(top.get("layers"), dict) else {}
    settings: list[tuple[Path, dict[str, Any], dict[str, Any]]] = [(("deployment", "concurrency"), top, {})]
    for name, own in layers.items():
        path: Path = ("deployment", "concurrency", "layers", name)
        if name not in known:
            kind = "a single stack, not a StackSet" if name in ("zone", "tables", "dns", "gamedays", "regionswitch",
                                                                "resilience") else "not a layer of this blueprint"
            yield ctx.error("E432", f"concurrency for layer '{name}': it is {kind}; StackSet layers here: "
                                    f"{', '.join(known)}", path, key=True)
            continue
        settings.append((path, own, top))
        if own.get("region_concurrency") == "parallel" and name in SEQUENTIAL:
            yield ctx.error("E431", f"the {name} layer cannot deploy its regions in parallel: {SEQUENTIAL[name]}",
                            (*path, "region_concurrency"))
    for path, own, parent in settings:
        most = _count(own.get("max_concurrent", parent.get("max_concurrent")))
        tolerated = _count(own.get("failure_tolerance", parent.get("failure_tolerance", 0)))
        if most is not None and tolerated is not None and most > tolerated + 1 \
                and ("max_concurrent" in own or "failure_tolerance" in own):
            at = (*path, "max_concurrent") if "max_concurrent" in own else (*path, "failure_tolerance")
            yield ctx.error("W436", f"max_concurrent {most} with failure_tolerance {tolerated}: in CloudFormation's "
                                    f"default STRICT_FAILURE_TOLERANCE mode an operation runs at most failure_tolerance "
                                    f"+ 1 = {tolerated + 1} accounts at once; raise failure_tolerance or lower "
                                    "max_concurrent", at)


CHECKS = [check_organization, check_concurrency]
