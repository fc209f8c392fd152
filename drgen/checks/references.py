"""References between sections, what each needs, and the Aurora engine facts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from drgen import awsdata, engines, handlers, metrics, sources
from drgen.checks import Context
from drgen.diagnostics import Diagnostic, Path, clip
from drgen.schema_check import suggest

KINDS = {"table": "tables", "bucket": "buckets", "queue": "queues", "database": "databases", "function": "functions"}
MODES = {
    "table": ("read", "write", "read-write"),
    "bucket": ("read", "write", "read-write"),
    "queue": ("send", "consume"),
    "database": ("connect",),
    "function": ("write",),
}


def _names(ctx: Context, section: str) -> list[str]:
    """Every name a section defines, also in entries the schema rejected for another reason."""
    items = ctx.data.get(section)
    if not isinstance(items, list):
        return []
    return [item["name"] for item in items if isinstance(item, dict) and isinstance(item.get("name"), str)]


def _resolve(ctx: Context, kind: str, name: Any, path: Path) -> Iterator[Diagnostic]:
    if not isinstance(name, str) or ctx.broken(path):
        return
    known = _names(ctx, KINDS[kind])
    if name not in known:
        where = f"{KINDS[kind]} defines {clip(', '.join(known))}" if known else f"the blueprint has no {KINDS[kind]}"
        yield ctx.error("E302", f"no {kind} named '{clip(name)}'{suggest(name, known)}: {where}", path)


def check_function_references(ctx: Context) -> Iterator[Diagnostic]:
    for i, function in ctx.items("functions"):
        for j, trigger in enumerate(function.get("triggers", []) or []):
            if isinstance(trigger, dict):
                yield from _resolve(ctx, "queue", trigger.get("queue"), ("functions", i, "triggers", j, "queue"))
        for j, grant in enumerate(function.get("access", []) or []):
            if not isinstance(grant, dict) or ctx.broken(("functions", i, "access", j)):
                continue
            kind = next((k for k in KINDS if k in grant), None)
            if kind is None:
                continue
            yield from _resolve(ctx, kind, grant[kind], ("functions", i, "access", j, kind))
            mode = grant.get("mode")
            if isinstance(mode, str) and mode not in MODES[kind]:
                meaning = " (write = invoke)" if kind == "function" else ""
                yield ctx.error("E304", f"mode '{mode}' does not apply to a {kind}: use "
                                        f"{' or '.join(MODES[kind])}{meaning}", ("functions", i, "access", j, "mode"))


def check_function_sources(ctx: Context) -> Iterator[Diagnostic]:
    """The source folder (inside the blueprint's folder, no links, within Lambda's size) and the handler in it:
    the same checks the render makes before it packages anything (``drgen.sources``, ``drgen.handlers``)."""
    for i, function in ctx.items("functions"):
        source, handler = function.get("source"), function.get("handler")
        if not isinstance(source, str) or ctx.broken(("functions", i, "source")):
            continue
        try:
            folder = sources.locate(source, ctx.base_dir, ctx.source_root)
            files = {f.path for f in sources.listing(folder)}
        except sources.SourceError as error:
            yield ctx.error(error.code, error.message, ("functions", i, "source"))
            continue
        if not isinstance(handler, str) or ctx.broken(("functions", i, "handler")):
            continue
        try:
            handlers.check(folder, files, source, handler)
        except sources.SourceError as error:
            yield ctx.error(error.code, error.message, ("functions", i, "handler"))


def check_api(ctx: Context) -> Iterator[Diagnostic]:
    api = ctx.data.get("api")
    if not isinstance(api, dict):
        return
    routes: list[Any] = api["routes"] if isinstance(api.get("routes"), list) else []
    for i, route in enumerate(routes):
        target = route.get("target") if isinstance(route, dict) else None
        if not isinstance(target, dict) or ctx.broken(("api", "routes", i, "target")):
            continue
        for kind in ("function", "queue"):
            if kind in target:
                yield from _resolve(ctx, kind, target[kind], ("api", "routes", i, "target", kind))
        written = ctx.document.data["api"]["routes"][i]["target"]  # what the author wrote, before the defaults
        yield from _fifo_headers(ctx, target, set(written), ("api", "routes", i, "target"))


FIFO_HEADERS = ("group_id_header", "deduplication_id_header")


def _fifo_headers(ctx: Context, target: dict[str, Any], written: set[str], path: Path) -> Iterator[Diagnostic]:
    """A route names FIFO headers only when it sends to a FIFO queue, and never one header for both ids
    (``target`` has the schema's defaults filled in, ``written`` are the keys the author gave)."""
    given = [key for key in FIFO_HEADERS if key in written]
    queue = next((q for _, q in ctx.items("queues") if q.get("name") == target.get("queue")), None)
    if queue is None and isinstance(target.get("queue"), str):
        return  # an unresolved queue: E302 says so
    if queue is None or queue.get("fifo") is not True:
        what = (f"queue '{target['queue']}' is a standard queue (fifo: false), which takes no group or "
                "deduplication id" if queue is not None else
                f"a route to {'a function' if 'function' in target else 'the health check'} sends no SQS message")
        for key in given:
            yield ctx.error("E322", f"{key} applies to routes to a FIFO queue: {what}", (*path, key), key=True)
        return
    names = {key: target.get(key) for key in FIFO_HEADERS}
    if all(isinstance(n, str) for n in names.values()) and len({str(n).lower() for n in names.values()}) == 1:
        where = "deduplication_id_header" if "deduplication_id_header" in written else "group_id_header"
        yield ctx.error("E323", f"group_id_header '{names['group_id_header']}' and deduplication_id_header "
                                f"'{names['deduplication_id_header']}' are one header (names are case-insensitive): "
                                "SQS would take every later message of a group within 5 minutes for a duplicate "
                                "and drop it; name two headers", (*path, where))


def check_dns(ctx: Context) -> Iterator[Diagnostic]:
    dns = ctx.data.get("dns")
    if not isinstance(dns, dict) or ctx.broken(("dns",)):
        return
    api = ctx.data.get("api")
    if not isinstance(api, dict):
        yield ctx.error("E306", "dns routes traffic to each region's API: add an `api` section", ("dns",), key=True)
        return
    path = (dns.get("health_check") or {}).get("path", "/health")
    health_paths = [r.get("path") for r in api.get("routes", []) if isinstance(r, dict)
                    and isinstance(r.get("target"), dict) and r["target"].get("health") is True]
    if path not in health_paths:
        have = f" (health routes: {clip(', '.join(map(str, health_paths)))})" if health_paths else ""
        yield ctx.error("E306", f"dns.health_check.path {path} is not a health route of the API{have}: add "
                                f"`{{method: GET, path: {path}, target: {{health: true}}}}` to api.routes",
                        ("dns", "health_check", "path") if "health_check" in dns else ("dns",), key="health_check" not in dns)


def check_alarms(ctx: Context) -> Iterator[Diagnostic]:
    for i, alarm in ctx.items("alarms"):
        metric = metrics.METRICS.get(alarm.get("metric"))  # type: ignore[arg-type]
        if metric is None:
            continue
        named = [k for k in KINDS if k in alarm]
        if metric.subject is None and named:
            yield ctx.error("E307", f"{metric.name} is measured on the API; remove '{named[0]}'", ("alarms", i, named[0]),
                            key=True)
        elif metric.subject is not None and metric.subject not in named:
            yield ctx.error("E307", f"{metric.name} is measured on a {metric.subject}: name it with "
                                    f"`{metric.subject}: <name>`", ("alarms", i), key=True)
        for kind in named:
            if kind != metric.subject and metric.subject is not None:
                yield ctx.error("E307", f"{metric.name} is measured on a {metric.subject}, not a {kind}",
                                ("alarms", i, kind), key=True)
            elif kind == metric.subject:
                yield from _resolve(ctx, kind, alarm[kind], ("alarms", i, kind))
        if metric.subject is None and not isinstance(ctx.data.get("api"), dict):
            yield ctx.error("E306", f"{metric.name} needs an `api` section", ("alarms", i, "metric"))
        if alarm.get("triggers_failover") is True and not metric.can_trigger_failover:
            yield ctx.error("E303", f"{metric.name} cannot trigger a failover: it says the standby is behind or "
                                    "messages failed, not that the primary region is down", ("alarms", i, "triggers_failover"))
        threshold = alarm.get("threshold")
        if isinstance(threshold, (int, float, str)) and not isinstance(threshold, bool) \
                and not ctx.broken(("alarms", i, "threshold")):
            try:
                metrics.threshold(metric, threshold)
            except ValueError as error:
                yield ctx.error("E403", str(error), ("alarms", i, "threshold"))
        if metric.name == "bucket.replication_latency" and isinstance(alarm.get("bucket"), str):
            bucket = next((b for _, b in ctx.items("buckets") if b.get("name") == alarm["bucket"]), None)
            if bucket is not None and not (bucket.get("replication") or {}).get("time_control"):
                yield ctx.error("E306", f"bucket '{alarm['bucket']}' has no replication time control, so S3 publishes "
                                        "no ReplicationLatency metric: set replication.time_control: true",
                                ("alarms", i, "bucket"))


def check_databases(ctx: Context) -> Iterator[Diagnostic]:
    for i, db in ctx.items("databases"):
        engine, version = db.get("engine"), db.get("engine_version")
        capacity = db.get("capacity")
        if isinstance(capacity, dict) and not ctx.broken(("databases", i, "capacity")):
            low, high = capacity.get("min"), capacity.get("max")
            if isinstance(low, (int, float)) and isinstance(high, (int, float)):
                if low > high:
                    yield ctx.error("E108", f"capacity.min {low} is above capacity.max {high}",
                                    ("databases", i, "capacity", "min"))
                for key, value in (("min", low), ("max", high)):
                    if (value * 2) % 1:
                        yield ctx.error("E403", f"capacity.{key} {value} is not a multiple of 0.5 ACU",
                                        ("databases", i, "capacity", key))
        instance_class = db.get("instance_class")
        if isinstance(instance_class, str) and instance_class not in awsdata.AURORA_GLOBAL_INSTANCE_CLASSES \
                and not ctx.broken(("databases", i, "instance_class")):
            yield ctx.error("E603", f"{instance_class} is not supported for Aurora global databases (memory-optimised "
                                    f"classes only){suggest(instance_class, awsdata.AURORA_GLOBAL_INSTANCE_CLASSES)}",
                            ("databases", i, "instance_class"))
        if engine not in engines.ENGINES or not isinstance(version, str) or ctx.broken(("databases", i, "engine_version")):
            continue
        path = ("databases", i, "engine_version")
        global_db = ctx.data.get("strategy") != "backup-restore"
        yield from _engine_version(ctx, engine, version, capacity, global_db, path)


def _engine_version(ctx: Context, engine: engines.Engine, text: str, capacity: Any, global_db: bool,
                    path: Path) -> Iterator[Diagnostic]:
    info = engines.versions(engine).get(text)
    newest = engines.newest(engine)
    advice = f"use {newest.text}" if newest else "use a supported version"
    if info is None:
        if text in engines.majors_alone(engine) and re.fullmatch(r"\d+(\.\d+)?", text):
            same = engines.newest(engine, text)
            yield ctx.error("E601", f"'{text}' names a major version alone: each region would pick its own minor, and "
                                    f"a global database's clusters must run the same one; give the minor"
                                    f"{f' (the newest is {same.text})' if same else ''}", path)
            return
        known = [v.text for v in engines.advisable(engine)]
        yield ctx.error("E601", f"{engine} has no version '{text}'{suggest(text, known) or f' ({advice})'}", path)
        return
    same = engines.newest(engine, info.major)
    instead = same.text if same else newest.text if newest else ""
    if info.deprecated:
        yield ctx.error("E604", f"{engine} {text} is deprecated: AWS no longer creates clusters of it"
                                f"{f'; use {instead}' if instead else ''}", path)
        return
    if not info.global_database and global_db:
        why = "Aurora Limitless Database versions have no global databases" if "limitless" in text else (
            f"drgen knows no global-database support for {engine} {info.major}" if info.facts is None else
            f"{engine} {text} does not support global databases")
        yield ctx.error("E602", f"{why}; {advice}", path)
        return
    if isinstance(capacity, dict):
        if not info.serverless_v2:
            yield ctx.error("E602", f"{engine} {text} does not support Aurora Serverless v2 capacity: use a newer minor "
                                    f"(e.g. {instead}) or an instance_class", path)
        elif capacity.get("min") == 0 and global_db:
            yield ctx.error("E602", "an Aurora global database's primary cluster cannot scale to 0 ACUs (automatic "
                                    "pause): set capacity.min to 0.5 or more", ("databases", path[1], "capacity", "min"))
        elif capacity.get("min") == 0 and not info.scales_to_zero:
            yield ctx.error("E602", f"{engine} {text} cannot scale to 0 ACUs: set capacity.min to 0.5 or more, or use a "
                                    f"newer minor (e.g. {instead})", ("databases", path[1], "capacity", "min"))
    if info.past_standard_support and info.facts is not None:
        yield ctx.error("W605", f"{engine} {info.major} left standard support on {info.facts.standard_support_ends}: "
                                f"AWS runs its clusters under RDS Extended Support, at extra charge; {advice}", path)


def check_capacity(ctx: Context) -> Iterator[Diagnostic]:
    """Hot standby means full capacity in every region: a secondary smaller than the primary is a warm standby.
    Under every strategy with a failover machine, a secondary cluster needs an instance to be promoted."""
    if ctx.data.get("strategy") in ("pilot-light", "warm-standby", "hot-standby"):
        for i, db in ctx.items("databases"):
            instances = db.get("instances_per_region")
            if isinstance(instances, dict) and instances.get("secondary") == 0 \
                    and not ctx.broken(("databases", i, "instances_per_region")):
                yield ctx.error("E606", "a headless secondary (0 instances) cannot be promoted: AWS needs a DB "
                                        "instance in it before a switchover or failover, and the failover machine "
                                        "adds capacity only after it promotes (write instances_per_region: "
                                        f"{{primary: {instances.get('primary', 2)}, secondary: 1}})",
                                ("databases", i, "instances_per_region", "secondary"))
    if ctx.data.get("strategy") != "hot-standby":
        return
    for i, db in ctx.items("databases"):
        instances = db.get("instances_per_region")
        instances = instances if isinstance(instances, dict) else {}
        primary, secondary = instances.get("primary", 2), instances.get("secondary", 1)
        if not isinstance(primary, int) or not isinstance(secondary, int) or secondary >= primary \
                or ctx.broken(("databases", i, "instances_per_region")):
            continue
        path = ("databases", i, "instances_per_region", "secondary") if "secondary" in instances \
            else ("databases", i, "instances_per_region") if instances else ("databases", i)
        yield ctx.error("E320", f"a hot standby runs at full capacity: {secondary} secondary instance"
                                f"{'s' if secondary != 1 else ''} for {primary} in the primary (write "
                                f"instances_per_region: {{primary: {primary}, secondary: {primary}}}, or use "
                                "strategy: warm-standby, which scales up on failover)", path)


CHECKS = [check_function_references, check_function_sources, check_api, check_dns, check_alarms, check_databases,
          check_capacity]
