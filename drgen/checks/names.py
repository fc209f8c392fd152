"""Names: unique per section, and every physical name drgen derives within its AWS limits."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from drgen import naming
from drgen.checks import Context
from drgen.diagnostics import Diagnostic, Path

SECTIONS = ("databases", "tables", "buckets", "queues", "functions", "alarms")
LAYERS = ("bootstrap", "network", "zone", "database", "storage", "tables", "app", "orchestration", "dns")
OWN_FUNCTIONS = ("health", "readiness", "promoter", "failover", "outbox-drainer")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
_IDENTIFIER = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]*[A-Za-z0-9]$")


def check_unique(ctx: Context) -> Iterator[Diagnostic]:
    for section in SECTIONS:
        first: dict[str, int] = {}
        for i, item in ctx.items(section):
            name = item.get("name")
            if not isinstance(name, str):
                continue
            if name in first:
                yield ctx.error("E301", f"{section[:-1]} '{name}' is defined twice (first as {section}[{first[name]}])",
                                (section, i, "name"))
            first.setdefault(name, i)
    api = ctx.data.get("api")
    if isinstance(api, dict) and isinstance(api.get("routes"), list) and not ctx.broken(("api", "routes")):
        routes: dict[tuple[str, str], int] = {}
        for i, route in enumerate(api["routes"]):
            key = (route.get("method"), route.get("path"))
            if key in routes:
                yield ctx.error("E301", f"route {key[0]} {key[1]} is defined twice (first as api.routes[{routes[key]}])",
                                ("api", "routes", i, "path"))
            routes.setdefault(key, i)


def _limit(kind: str, value: str) -> str | None:
    length = naming.rendered_length(value)
    if length > naming.LIMITS[kind]:
        shown = value.replace(naming.ACCOUNT, "<account>")
        return f"the {kind.replace('_', ' ')} name '{shown}' would be {length} characters; AWS allows {naming.LIMITS[kind]}"
    return None


def check_physical_names(ctx: Context) -> Iterator[Diagnostic]:
    name, environment = ctx.data.get("name"), ctx.data.get("environment")
    if not isinstance(name, str) or not isinstance(environment, str) or ctx.broken(("name",)) \
            or ctx.broken(("environment",)):
        return
    prefix = naming.prefix(name, environment)
    regions = [r["name"] for _, r in ctx.items("regions") if isinstance(r.get("name"), str)]
    region = max(regions, key=len) if regions else "us-east-1"
    reported: set[Path] = set()

    def verdict(kind: str, value: str, path: Path, rule: Callable[[str], str | None] | None = None) -> Iterator[Diagnostic]:
        problem = _limit(kind, value)
        code = "E501"
        if problem is None and rule is not None:
            problem, code = rule(value), "E502"
        if problem and path not in reported:
            reported.add(path)
            advice = "shorten it (or the blueprint's name or environment)" if code == "E501" else "rename it"
            yield ctx.error(code, f"{problem}; {advice}", path)

    top = ("name",)
    for layer in LAYERS:
        yield from verdict("stack", naming.stack(prefix, layer), top)
    yield from verdict("state_machine", naming.state_machine(prefix), top)
    yield from verdict("table", naming.control_table(prefix), top)
    yield from verdict("bucket", naming.artifact_bucket(prefix, region), top, _bucket_rule)
    if ctx.data.get("stackset_roles", "blueprint") == "blueprint":
        yield from verdict("role", naming.stackset_administration_role(prefix), top)
        yield from verdict("role", naming.stackset_execution_role(prefix), top)
    api = ctx.data.get("api")
    jwt = ["authorizer"] if isinstance(api, dict) and isinstance(api.get("jwt"), dict) else []
    for own in (*OWN_FUNCTIONS, *jwt):
        yield from verdict("role", naming.role(prefix, own, region), top)
        yield from verdict("function", naming.function(prefix, own), top)
    for i, db in ctx.items("databases"):
        if isinstance(db.get("name"), str):
            path = ("databases", i, "name")
            yield from verdict("global_cluster", naming.global_cluster(prefix, db["name"]), path, _identifier_rule)
            yield from verdict("db_cluster", naming.db_cluster(prefix, db["name"], region), path, _identifier_rule)
            yield from verdict("db_instance", naming.db_instance(prefix, db["name"], region, 15), path, _identifier_rule)
    for i, table in ctx.items("tables"):
        if isinstance(table.get("name"), str):
            yield from verdict("table", naming.table(prefix, table["name"]), ("tables", i, "name"))
    for i, bucket in ctx.items("buckets"):
        if isinstance(bucket.get("name"), str):
            yield from verdict("bucket", naming.bucket(prefix, bucket["name"], region), ("buckets", i, "name"),
                               _bucket_rule)
    for i, queue in ctx.items("queues"):
        if isinstance(queue.get("name"), str):
            fifo = queue.get("fifo") is True
            yield from verdict("queue", naming.dead_letter_queue(prefix, queue["name"], fifo), ("queues", i, "name"))
    for i, function in ctx.items("functions"):
        if isinstance(function.get("name"), str):
            path = ("functions", i, "name")
            yield from verdict("function", naming.function(prefix, function["name"]), path)
            yield from verdict("role", naming.role(prefix, function["name"], region), path)
    for i, alarm in ctx.items("alarms"):
        if isinstance(alarm.get("name"), str):
            yield from verdict("alarm", naming.alarm(prefix, alarm["name"]), ("alarms", i, "name"))


def _bucket_rule(value: str) -> str | None:
    rendered = value.replace(naming.ACCOUNT, "0" * 12)
    if not _BUCKET.match(rendered) or ".." in rendered or re.match(r"^\d+\.\d+\.\d+\.\d+$", rendered):
        return f"'{value}' is not a valid S3 bucket name"
    return None


def _identifier_rule(value: str) -> str | None:
    return None if _IDENTIFIER.match(value) else f"'{value}' is not a valid RDS identifier (no '--', letter first)"


def check_application_user(ctx: Context) -> Iterator[Diagnostic]:
    """The master user cannot be the user functions connect as (E324)."""
    for i, db in ctx.items("databases"):
        name = db.get("master_username")
        if isinstance(name, str) and name.lower() == naming.DB_APP_USER:
            yield ctx.error("E324", f"'{name}' is the user every function connects as (IAM authentication); the "
                                    "master must be another user: e.g. 'dbadmin'", ("databases", i, "master_username"))


CHECKS = [check_unique, check_physical_names, check_application_user]
