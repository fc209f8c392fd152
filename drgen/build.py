"""Turn validated blueprint data into the typed model.

``blueprint`` is called only after the schema and semantic checks passed, so it trusts shapes and references;
``partial`` builds what is sound of a blueprint with errors, for the checks that need a model. Defaults
come from the schema's ``default`` values (the schema is the one source of truth for them).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from drgen import auth, awsdata, metrics, orgs
from drgen.diagnostics import Path
from drgen.durations import Duration, parse
from drgen.model import (
    Alarm,
    Api,
    Billing,
    Blueprint,
    Bucket,
    Capacity,
    Database,
    DeadLetter,
    Detection,
    Dns,
    Failover,
    Function,
    GameDays,
    Grant,
    HealthCheck,
    Index,
    Jwt,
    Key,
    Lint,
    LintIgnore,
    Network,
    Objectives,
    ObjectLock,
    Queue,
    Region,
    ResilienceHub,
    Route,
    Table,
    Throttle,
    Trigger,
)

_GRANT_KINDS = ("table", "bucket", "queue", "database", "function")
_SUBJECT_KINDS = ("function", "queue", "database", "table", "bucket")


def with_defaults(schema: dict[str, Any], data: Any, node: dict[str, Any] | None = None) -> Any:
    """A copy of ``data`` with every absent property that has a schema ``default`` filled in."""
    node = schema if node is None else node
    if "$ref" in node:
        node = {**schema["$defs"][node["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
        return with_defaults(schema, data, node)
    if isinstance(data, dict):
        out = dict(data)
        for key, sub in node.get("properties", {}).items():
            if key in out:
                out[key] = with_defaults(schema, out[key], sub)
            elif "default" in sub:
                out[key] = copy.deepcopy(sub["default"])
        return out
    if isinstance(data, list) and isinstance(node.get("items"), dict):
        return [with_defaults(schema, item, node["items"]) for item in data]
    return data


def _duration(value: str | None) -> Duration | None:
    return None if value is None else parse(value)


def zones_of(region: dict[str, Any]) -> tuple[str, ...]:
    zones = region.get("availability_zones", 2)
    if isinstance(zones, list):
        return tuple(zones)
    return awsdata.REGIONS[region["name"]][:zones]


def derived_endpoints(data: dict[str, Any]) -> tuple[str, ...]:
    """VPC endpoints that in-VPC functions need to reach what they are granted, without a NAT. DynamoDB is always
    there: every function reads the active-region flag. A database needs none: an IAM authentication token is
    signed locally, and the function never reads a secret."""
    needed = {"s3", "dynamodb"}
    for function in data.get("functions", []):
        if not function.get("in_vpc"):
            continue
        for grant in function.get("access", []):
            if "queue" in grant:
                needed.add("sqs")
            if "function" in grant:
                needed.add("lambda")
    return tuple(sorted(needed))


def _database(d: dict[str, Any]) -> Database:
    capacity = d.get("capacity")
    per_region = d.get("instances_per_region", {})
    return Database(
        name=d["name"], engine=d["engine"], engine_version=d["engine_version"], database_name=d["database_name"],
        master_username=d["master_username"],
        capacity=Capacity(float(capacity["min"]), float(capacity["max"])) if capacity else None,
        instance_class=d.get("instance_class"),
        primary_instances=per_region.get("primary", 2), secondary_instances=per_region.get("secondary", 1),
        backup_retention=parse(d.get("backup_retention", "7d")), deletion_protection=d.get("deletion_protection", True),
        max_replication_lag=parse(d.get("max_replication_lag", "1s")), rpo=_duration(d.get("rpo")),
    )


def _index(i: dict[str, Any], partition_key: Key, billing: Billing) -> Index:
    capacity = i.get("capacity")
    return Index(
        name=i["name"], partition_key=Key(**i["partition_key"]) if "partition_key" in i else partition_key,
        sort_key=Key(**i["sort_key"]) if "sort_key" in i else None, projection=i.get("projection", "all"),
        non_key_attributes=tuple(i.get("non_key_attributes", ())),
        capacity=Billing("provisioned", capacity["read"], capacity["write"]) if capacity else billing,
    )


def _table(t: dict[str, Any]) -> Table:
    billing_data = t.get("billing", "on-demand")
    billing = Billing() if isinstance(billing_data, str) else Billing("provisioned", billing_data["read"],
                                                                      billing_data["write"])
    partition_key = Key(**t["partition_key"])
    return Table(
        name=t["name"], partition_key=partition_key,
        sort_key=Key(**t["sort_key"]) if "sort_key" in t else None, ttl_attribute=t.get("ttl_attribute"),
        point_in_time_recovery=t.get("point_in_time_recovery", True), billing=billing,
        stream=t.get("stream", "new-and-old-images"), rpo=_duration(t.get("rpo")),
        global_indexes=tuple(_index(i, partition_key, billing) for i in t.get("global_indexes", ())),
        local_indexes=tuple(_index(i, partition_key, Billing()) for i in t.get("local_indexes", ())),
        contributor_insights=t.get("contributor_insights", False), deletion_protection=t.get("deletion_protection", True),
    )


def _bucket(b: dict[str, Any]) -> Bucket:
    replication = b.get("replication", {})
    lock = b.get("object_lock")
    lifecycle = b.get("lifecycle", {})
    return Bucket(
        name=b["name"], time_control=replication.get("time_control", False),
        replicate_deletes=replication.get("replicate_deletes", False),
        object_lock=ObjectLock(lock["mode"], parse(lock["retention"])) if lock else None,
        noncurrent_expiration=_duration(lifecycle.get("noncurrent_expiration")), rpo=_duration(b.get("rpo")),
    )


def _queue(q: dict[str, Any]) -> Queue:
    dl = q.get("dead_letter")
    return Queue(
        name=q["name"], visibility_timeout=parse(q.get("visibility_timeout", "30s")),
        retention=parse(q.get("retention", "4d")), fifo=q.get("fifo", False),
        region_outage=q.get("region_outage", "durable"),
        dead_letter=DeadLetter(dl.get("max_receive_count", 5), parse(dl.get("retention", "14d"))) if dl else None,
    )


def _function(f: dict[str, Any]) -> Function:
    grants = []
    for g in f.get("access", []):
        kind = next(k for k in _GRANT_KINDS if k in g)
        grants.append(Grant(kind, g[kind], g["mode"]))  # type: ignore[arg-type]
    return Function(
        name=f["name"], source=f["source"], handler=f["handler"], runtime=f.get("runtime", "python3.12"),
        memory=f.get("memory", 128), timeout=parse(f.get("timeout", "3s")), in_vpc=f.get("in_vpc", False),
        triggers=tuple(Trigger(t["queue"], t.get("batch_size", 10), _duration(t.get("max_batching_window")))
                       for t in f.get("triggers", [])),
        access=tuple(grants),
        environment=tuple((str(k), str(v)) for k, v in f.get("environment", {}).items()),
    )


def _api(a: dict[str, Any], fifo_queues: set[str]) -> Api:
    routes = []
    for r in a["routes"]:
        target = r["target"]
        kind = next(k for k in ("function", "queue", "health") if k in target)
        headers = {}
        if kind == "queue" and target["queue"] in fifo_queues:  # the schema's defaults fill every target: FIFO only
            headers = {"group_id_header": target["group_id_header"],
                       "deduplication_id_header": target["deduplication_id_header"]}
        how = "none" if kind == "health" else r.get("auth", a.get("auth", "iam"))
        routes.append(Route(r["method"], r["path"], kind, None if kind == "health" else target[kind],  # type: ignore[arg-type]
                            auth=how, **headers))  # type: ignore[arg-type]
    throttle = a.get("throttle")
    return Api(name=a["name"], stage=a["stage"], routes=tuple(routes),
               throttle=Throttle(float(throttle["rate"]), int(throttle["burst"])) if throttle else None,
               jwt=_jwt(a["jwt"]) if "jwt" in a else None)


def _jwt(j: dict[str, Any]) -> Jwt:
    keys = tuple(tuple(sorted((str(k), str(v)) for k, v in key.items())) for key in j.get("keys", []))
    return Jwt(issuer=j["issuer"], audiences=tuple(j["audience"]),
               jwks_url=None if keys else j.get("jwks_url", auth.default_jwks_url(j["issuer"])), keys=keys,
               cache=parse(j.get("cache", "300s")))


def _dns(d: dict[str, Any]) -> Dns:
    hc = d.get("health_check", {})
    return Dns(
        zone=d["zone"].rstrip("."), record=d["record"], zone_id=d.get("zone_id"), ttl=parse(d.get("ttl", "60s")),
        health_check=HealthCheck(hc.get("path", "/health"), parse(hc.get("interval", "30s")),
                                 hc.get("failure_threshold", 3)),
    )


def _alarm(a: dict[str, Any]) -> Alarm:
    metric = metrics.METRICS[a["metric"]]
    subject = next((a[k] for k in _SUBJECT_KINDS if k in a), None)
    return Alarm(name=a["name"], metric=a["metric"], threshold=metrics.threshold(metric, a["threshold"]),
                 periods=a.get("periods", 1), triggers_failover=a.get("triggers_failover", False), subject=subject)


def _resilience_hub(r: dict[str, Any] | None) -> ResilienceHub | None:
    if not r or not r.get("enabled", False):
        return None
    return ResilienceHub(r.get("assessment_schedule", "daily"), r.get("tier"), r.get("data_location", "AnyLocation"))


def _game_days(g: dict[str, Any] | None) -> GameDays | None:
    if not g or not g.get("enabled", False):
        return None
    return GameDays(parse(g.get("duration", "10m")), tuple(g["stop_alarms"]) if "stop_alarms" in g else None,
                    g.get("impair_canary", False) is True)


def _lint(s: dict[str, Any] | None) -> Lint:
    if not s:
        return Lint()
    return Lint(tuple(LintIgnore(i["rule"], i["reason"]) for i in s.get("ignore", [])),
                tuple(s["regions"]) if "regions" in s else None)


def blueprint(schema: dict[str, Any], raw: dict[str, Any], base_dir: str = ".",
              source_root: str | None = None) -> Blueprint:
    """The model of validated blueprint data ``raw``."""
    data = with_defaults(schema, raw)
    network = data.get("network", {})
    failover = data["failover"]
    return Blueprint(
        version=data["version"], name=data["name"], environment=data["environment"], strategy=data["strategy"],
        description=data.get("description", ""),
        tags=tuple((str(k), str(v)) for k, v in data.get("tags", {}).items()),
        accounts=tuple(data.get("accounts", [])),
        stackset_roles=data.get("stackset_roles", "blueprint"),
        deployment=orgs.deployment(data.get("deployment")),
        objectives=Objectives(parse(data["objectives"]["rpo"]), parse(data["objectives"]["rto"])),
        regions=tuple(Region(r["name"], r["role"], r["cidr"], zones_of(r)) for r in data["regions"]),
        network=Network(network.get("subnet_bits", 8), network.get("nat", "none"),
                        tuple(sorted(set(network["endpoints"]))) if "endpoints" in network else derived_endpoints(data)),
        databases=tuple(_database(d) for d in data.get("databases", [])),
        tables=tuple(_table(t) for t in data.get("tables", [])),
        buckets=tuple(_bucket(b) for b in data.get("buckets", [])),
        queues=tuple(_queue(q) for q in data.get("queues", [])),
        functions=tuple(_function(f) for f in data.get("functions", [])),
        api=_api(data["api"], {q["name"] for q in data.get("queues", []) if q.get("fifo")}) if "api" in data else None,
        dns=_dns(data["dns"]) if "dns" in data else None,
        alarms=tuple(_alarm(a) for a in data.get("alarms", [])),
        resilience_hub=_resilience_hub(data.get("resilience_hub")),
        game_days=_game_days(data.get("game_days")),
        lint=_lint(data.get("lint")),
        failover=Failover(
            mode=failover["mode"], allow_data_loss=failover.get("allow_data_loss", False),
            promotion_timeout=parse(failover.get("promotion_timeout", "10m")),
            validation_schedule=failover.get("validation_schedule", "rate(1 hour)"),
            detection=Detection(parse(failover["detection"].get("probe_interval", "1m")),
                                failover["detection"].get("failures", 3)) if "detection" in failover
            else Detection(parse("1m"), 3),
            approval_time=parse(failover.get("approval_time", "15m")),
            emails=tuple(failover.get("notify", {}).get("emails", [])),
            orchestrator=failover.get("orchestrator", "drgen"),
        ),
        base_dir=base_dir,
        source_root=source_root,
    )


_PARTS = (("databases", _database), ("tables", _table), ("buckets", _bucket), ("queues", _queue),
          ("functions", _function), ("alarms", _alarm))
_BROKEN = (KeyError, TypeError, ValueError, AttributeError, IndexError, StopIteration)


def partial(schema: dict[str, Any], raw: dict[str, Any], base_dir: str, broken: Callable[[Path], bool],
            source_root: str | None = None) -> tuple[Blueprint, frozenset[Path]] | None:
    """The model of what is sound in ``raw``, a blueprint with errors, and the paths of what was left out.

    An entry the schema or a check rejected, or that names something left out, is left out, as is the
    second of two entries with one name; so the model holds together (its references resolve) and every
    estimate made from it leaves out, never invents. ``None`` when the frame itself (name, environment,
    strategy, regions and their roles, failover) is not sound.
    """
    data = with_defaults(schema, raw)
    dropped: set[Path] = set()
    try:
        if any(broken((key,)) for key in ("name", "environment", "strategy")):
            return None
        regions: list[Region] = []
        for i, r in enumerate(data["regions"]):
            if broken(("regions", i, "role")) or broken(("regions", i, "name")) or r["name"] in {x.name for x in regions}:
                dropped.add(("regions", i))
            else:
                regions.append(Region(r["name"], r["role"], r["cidr"], zones_of(r)))
        if [r.role for r in regions].count("primary") != 1 or len(regions) < 2:
            return None
    except _BROKEN:
        return None
    try:
        if broken(("objectives",)):
            raise ValueError("objectives")
        objectives = Objectives(parse(data["objectives"]["rpo"]), parse(data["objectives"]["rto"]))
    except _BROKEN:  # the estimates need none of it; the objective findings are then left out
        objectives = Objectives(parse("1d"), parse("1d"))
        dropped.add(("objectives",))
    parts: dict[str, list[Any]] = {}
    raws: dict[str, list[dict[str, Any]]] = {}
    for section, build in _PARTS:
        parts[section], raws[section], names = [], [], set()
        for i, item in enumerate(data.get(section, []) if isinstance(data.get(section), list) else []):
            try:
                if broken((section, i)) or item["name"] in names:
                    raise ValueError(section)
                parts[section].append(build(item))
                raws[section].append(item)
                names.add(item["name"])
            except _BROKEN:
                dropped.add((section, i))
    known = {section: {x.name for x in items} for section, items in parts.items()}
    parts["functions"] = [replace(f, triggers=tuple(t for t in f.triggers if t.queue in known["queues"]),
                                  access=tuple(g for g in f.access if g.target in known[f"{g.kind}s"]))
                          for f in parts["functions"]]
    fifo = {q.name for q in parts["queues"] if q.fifo}
    api = _sound(lambda: _api(data["api"], fifo), "api", data, broken, dropped)
    if api is not None:  # routes whose target is left out, and the second of two equal routes, are left out
        routes = {(r.method, r.path): r for r in reversed(api.routes) if r.name is None or r.name in known[f"{r.target}s"]}
        api = replace(api, routes=tuple(r for r in api.routes if routes.get((r.method, r.path)) is r))
    dns = _sound(lambda: _dns(data["dns"]), "dns", data, broken, dropped) if api is not None else None
    alarms = [a for a, item in zip(parts["alarms"], raws["alarms"], strict=True) if _measurable(a, item, known, api)]
    if len(alarms) < len(parts["alarms"]):
        dropped.add(("alarms",))
    if "dns" in data and dns is None:
        dropped.add(("dns",))
    failover = _failover(data.get("failover"), broken, dropped)
    hub = _sound(lambda: _resilience_hub(data["resilience_hub"]), "resilience_hub", data, broken, dropped)
    game_days = _sound(lambda: _game_days(data["game_days"]), "game_days", data, broken, dropped)
    try:
        network = data.get("network", {}) if not broken(("network",)) else {}
        tags = data.get("tags", {}) if not broken(("tags",)) else {}
        model = Blueprint(
            version=1, name=data["name"], environment=data["environment"], strategy=data["strategy"],
            description=str(data.get("description", "")) if not broken(("description",)) else "",
            tags=tuple((str(k), str(v)) for k, v in tags.items()),
            accounts=tuple(data.get("accounts", [])) if not broken(("accounts",)) else (),
            stackset_roles=data.get("stackset_roles", "blueprint") if not broken(("stackset_roles",)) else "blueprint",
            deployment=orgs.deployment(data.get("deployment"), {r.name for r in regions})
            if not broken(("deployment",)) else orgs.Deployment(),
            objectives=objectives, regions=tuple(regions),
            network=Network(network.get("subnet_bits", 8), network.get("nat", "none"),
                            tuple(sorted(set(network["endpoints"]))) if "endpoints" in network
                            else derived_endpoints(data)),
            databases=tuple(parts["databases"]), tables=tuple(parts["tables"]), buckets=tuple(parts["buckets"]),
            queues=tuple(parts["queues"]), functions=tuple(parts["functions"]), api=api, dns=dns,
            alarms=tuple(alarms), resilience_hub=hub, game_days=game_days, failover=failover, base_dir=base_dir,
            source_root=source_root)
    except _BROKEN:
        return None
    return model, frozenset(dropped)


def _failover(raw: Any, broken: Callable[[Path], bool], dropped: set[Path]) -> Failover:
    """The failover section, each broken key at its default ("manual" for the mode: fewer resources, no
    invented ones); left out, so the RTO is not judged."""
    raw = raw if isinstance(raw, dict) else {}
    if broken(("failover",)):
        dropped.add(("failover",))

    def sound(key: str, default: Any, build: Callable[[Any], Any] = lambda v: v) -> Any:
        try:
            return default if broken(("failover", key)) or key not in raw else build(raw[key])
        except _BROKEN:
            return default

    emails = sound("notify", (), lambda n: tuple(e for e in n.get("emails", []) if isinstance(e, str)))
    detection = Detection(parse("1m"), 3)
    if not broken(("failover", "detection", "probe_interval")) and not broken(("failover", "detection", "failures")):
        detection = sound("detection", detection, lambda d: Detection(parse(d.get("probe_interval", "1m")),
                                                                      int(d.get("failures", 3))))
    return Failover(mode=raw["mode"] if raw.get("mode") in ("automatic", "manual") else "manual",
                    allow_data_loss=sound("allow_data_loss", False) is True,
                    promotion_timeout=sound("promotion_timeout", parse("10m"), parse),
                    validation_schedule=str(sound("validation_schedule", "rate(1 hour)")),
                    detection=detection, approval_time=sound("approval_time", parse("15m"), parse), emails=emails,
                    orchestrator="arc-region-switch" if raw.get("orchestrator") == "arc-region-switch" else "drgen")


def _measurable(alarm: Alarm, item: dict[str, Any], known: dict[str, set[str]], api: Api | None) -> bool:
    """Whether the alarm names what its metric is measured on, and that exists (else E306/E307/E302 said why)."""
    subject = metrics.METRICS[alarm.metric].subject
    named = [kind for kind in _SUBJECT_KINDS if kind in item]
    if subject is None:
        return not named and api is not None
    return named == [subject] and item[subject] in known[f"{subject}s"]


def _sound(build: Callable[[], Any], key: str, data: dict[str, Any], broken: Callable[[Path], bool],
           dropped: set[Path]) -> Any:
    if key not in data:
        return None
    try:
        if broken((key,)):
            raise ValueError(key)
        return build()
    except _BROKEN:
        dropped.add((key,))
        return None
