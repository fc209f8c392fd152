"""Hypothesis strategies for whole blueprints within the language: every section, every option, from a handful of
components to hundreds, with names drawn from a small alphabet so that different names sometimes meet in one
logical ID. Most drawn blueprints validate; a test that needs valid ones filters with ``drgen.validate``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from drgen import awsdata, engines, metrics

HANDLER = "def handler(event, context):\n    return {'ok': True}\n"
SOURCE = "functions/worker"
REGIONS = [r for r in awsdata.REGIONS if awsdata.partition(r) == "aws"]


def write_source(folder: Path) -> None:
    """The function source every generated blueprint names, in ``folder``."""
    source = folder / SOURCE
    source.mkdir(parents=True, exist_ok=True)
    (source / "handler.py").write_text(HANDLER)


_WORDS = st.sampled_from(["a", "b", "ab", "x", "from", "queue", "log", "group", "table", "bucket", "alarm", "q1", "z"])


@st.composite
def names(draw: st.DrawFn, low: int, high: int) -> list[str]:
    """``low`` to ``high`` distinct names of 3 to 24 characters, words joined by hyphens."""
    count = draw(st.integers(low, high))
    found: list[str] = []
    while len(found) < count:
        words = draw(st.lists(_WORDS, min_size=1, max_size=3))
        name = "-".join(words)
        if not name[0].isalpha():
            name = "n" + name
        name = (name + "xyz")[:max(3, len(name))] if len(name) < 3 else name[:24].rstrip("-")
        if name not in found:
            found.append(name)
        elif draw(st.booleans()):
            found.append(f"{name}-{len(found)}")
    return list(dict.fromkeys(found))


def _public_keys() -> list[dict[str, str]]:
    """Public JWKs for ``api.jwt.keys``: two P-256 keys and a 2048-bit RSA key, made once per run."""
    import base64

    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    def b64(value: int, size: int) -> str:
        return base64.urlsafe_b64encode(value.to_bytes(size, "big")).rstrip(b"=").decode()

    keys = []
    for kid in ("2026-11", "2026-12"):
        point = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
        keys.append({"kty": "EC", "kid": kid, "crv": "P-256", "x": b64(point.x, 32), "y": b64(point.y, 32)})
    numbers = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_numbers()
    keys.append({"kty": "RSA", "kid": "rsa-1", "alg": "RS256", "use": "sig", "n": b64(numbers.n, 256),
                 "e": b64(numbers.e, 3)})
    return keys


KEYS = _public_keys()
_PG = [v.text for v in engines.advisable("aurora-postgresql") if v.serverless_v2]
_MYSQL = [v.text for v in engines.advisable("aurora-mysql") if v.serverless_v2]


@st.composite
def blueprints(draw: st.DrawFn, most: int = 12) -> dict[str, Any]:
    """A blueprint's data; ``most`` bounds each section's count (some sections go past it now and then)."""
    big = draw(st.integers(0, 9)) == 0  # one draw in ten has a section of hundreds
    def count(high: int = most) -> int:
        return draw(st.integers(0, high))

    strategy = draw(st.sampled_from(["backup-restore", "pilot-light", "warm-standby", "hot-standby"]))
    region_count = draw(st.integers(2, 16 if not big else 6))
    chosen = draw(st.permutations(REGIONS))[:region_count]
    regions = []
    for i, region in enumerate(chosen):
        zones: Any = draw(st.integers(2, min(6, len(awsdata.REGIONS[region]))))
        if draw(st.booleans()):
            zones = list(awsdata.REGIONS[region][:zones])
        regions.append({"name": region, "role": "primary" if i == 0 else "secondary", "cidr": f"10.{i}.0.0/16",
                        "availability_zones": zones})
    bp: dict[str, Any] = {
        "version": 1, "name": draw(st.sampled_from(["sys", "orders", "trading-platform", "pay"])),
        "environment": draw(st.sampled_from(["dev", "prod", "staging-2", "qa"])), "strategy": strategy,
        "objectives": {"rpo": "3d", "rto": "3d"}, "regions": regions,
        "failover": {"mode": draw(st.sampled_from(["automatic", "manual"])),
                     "validation_schedule": draw(st.sampled_from(["rate(1 hour)", "rate(15 minutes)",
                                                                  "cron(0 12 * * ? *)"]))},
    }
    if draw(st.booleans()):
        bp["failover"]["detection"] = {"probe_interval": draw(st.sampled_from(["1m", "2m", "10m"])),
                                       "failures": draw(st.integers(1, 5))}
    if draw(st.booleans()):
        bp["failover"]["approval_time"] = draw(st.sampled_from(["5m", "15m", "1h"]))
        bp["failover"]["allow_data_loss"] = draw(st.booleans())
    if draw(st.booleans()):
        bp["description"] = draw(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=200))
    if draw(st.booleans()):
        bp["tags"] = draw(st.dictionaries(st.from_regex(r"[A-Za-z][A-Za-z0-9:_.-]{0,20}", fullmatch=True),
                                          st.from_regex(r"[\w .:/=+@-]{0,30}", fullmatch=True), max_size=6))
    if region_count == 2 and strategy != "backup-restore" and draw(st.integers(0, 3)) == 0:
        bp["failover"]["orchestrator"] = "arc-region-switch"  # an ARC Region switch plan: two regions, manual
        bp["failover"]["mode"] = "manual"
    if draw(st.booleans()):
        bp["failover"]["notify"] = {"emails": [f"ops{i}@example.com" for i in range(draw(st.integers(1, 3)))]}
    bp["network"] = {"nat": draw(st.sampled_from(["none", "single", "per-az"])),
                     "subnet_bits": draw(st.integers(4, 8))}
    if draw(st.booleans()):
        bp["network"]["endpoints"] = draw(st.lists(st.sampled_from(sorted(awsdata.VPC_ENDPOINT_TYPES)), unique=True,
                                                   max_size=6))
    if region_count <= 11:
        for name in draw(names(0, 3)):
            engine = draw(st.sampled_from(["aurora-postgresql", "aurora-mysql"]))
            db: dict[str, Any] = {"name": name, "engine": engine,
                                  "engine_version": draw(st.sampled_from(_PG if engine == "aurora-postgresql" else _MYSQL)),
                                  "database_name": draw(st.sampled_from(["app", "ledger"])),
                                  "master_username": draw(st.sampled_from(["admin1", "ledgeradmin"])),
                                  "backup_retention": draw(st.sampled_from(["7d", "30d"])),
                                  "instances_per_region": {"primary": draw(st.integers(1, 4)),
                                                           "secondary": draw(st.integers(0, 3))}}
            if strategy == "hot-standby":  # a hot standby runs at full capacity (E320)
                db["instances_per_region"]["secondary"] = db["instances_per_region"]["primary"]
            if draw(st.booleans()):
                db["capacity"] = {"min": 0.5, "max": 4}
            else:
                db["instance_class"] = "db.r6g.large"
            bp.setdefault("databases", []).append(db)
    for name in draw(names(0, 300 if big and draw(st.booleans()) else most)):
        table: dict[str, Any] = {"name": name, "partition_key": {"name": draw(st.sampled_from(["pk", "tenantId"])),
                                                                 "type": "S"}}
        if draw(st.booleans()):
            table["sort_key"] = {"name": draw(st.sampled_from(["sk", "createdAtMillis"])), "type": "N"}
        if draw(st.booleans()):
            table["billing"] = {"read": draw(st.sampled_from([5, 1000])), "write": draw(st.sampled_from([5, 40]))}
        if draw(st.booleans()):
            table.update(_indexes(draw, table))
        bp.setdefault("tables", []).append(table)
    for name in draw(names(0, 250 if big and draw(st.booleans()) else most)):
        bucket: dict[str, Any] = {"name": name, "replication": {"time_control": draw(st.booleans()),
                                                                 "replicate_deletes": draw(st.booleans())}}
        if draw(st.booleans()):
            bucket["object_lock"] = {"mode": "GOVERNANCE", "retention": "30d"}
        if draw(st.booleans()):
            bucket["lifecycle"] = {"noncurrent_expiration": "90d"}
        bp.setdefault("buckets", []).append(bucket)
    queue_names = draw(names(0, 200 if big and draw(st.booleans()) else most))
    for name in queue_names:
        # a durable queue's retention counts against the RPO (3d, E701): a wait queue may keep messages longer
        outage = draw(st.sampled_from(["wait", "durable"]))
        queue: dict[str, Any] = {"name": name, "visibility_timeout": draw(st.sampled_from(["6m", "1h"])),
                                 "retention": draw(st.sampled_from(["4d", "14d"] if outage == "wait" else ["1h", "2d"])),
                                 "fifo": draw(st.booleans()), "region_outage": outage}
        if draw(st.booleans()):
            queue["dead_letter"] = {"max_receive_count": draw(st.sampled_from([5, 100])),
                                    "retention": draw(st.sampled_from(["4d", "14d"]))}
        bp.setdefault("queues", []).append(queue)
    queues = bp.get("queues", [])
    function_names = draw(names(0, 150 if big and draw(st.booleans()) else most))
    for name in function_names:
        fn: dict[str, Any] = {"name": name, "source": SOURCE, "handler": "handler.handler",
                              "timeout": draw(st.sampled_from(["60s", "5s"])),
                              "memory": draw(st.sampled_from([128, 1024])),
                              "in_vpc": draw(st.booleans()) and bool(bp.get("databases"))}
        if queues and draw(st.booleans()):
            picked = draw(st.lists(st.sampled_from(queues), max_size=2, unique_by=lambda q: q["name"]))
            fn["triggers"] = [{"queue": q["name"], "batch_size": draw(st.sampled_from([5, 10]))} for q in picked]
            for trigger, queue in zip(fn["triggers"], picked, strict=True):
                if not queue["fifo"] and draw(st.booleans()):
                    trigger["max_batching_window"] = draw(st.sampled_from(["1s", "20s"]))
        grants = []
        for kind, section, modes in (("table", "tables", ["read", "write", "read-write"]),
                                     ("bucket", "buckets", ["read", "write", "read-write"]),
                                     ("queue", "queues", ["send", "consume"]),
                                     ("database", "databases", ["connect"])):
            items = bp.get(section, [])
            if items and draw(st.booleans()):
                grants.append({kind: draw(st.sampled_from(items))["name"], "mode": draw(st.sampled_from(modes))})
        if grants:
            fn["access"] = grants
        if draw(st.booleans()):
            fn["environment"] = {"LOG_LEVEL": draw(st.sampled_from(["INFO", "DEBUG"]))}
        bp.setdefault("functions", []).append(fn)
    routes: list[dict[str, Any]] = []
    if draw(st.booleans()) or strategy != "backup-restore":
        paths = draw(st.lists(st.from_regex(r"/([a-z][a-z0-9-]{0,6}(/[a-z][a-z0-9]{0,5}){0,2})?", fullmatch=True),
                              max_size=6, unique=True))
        for path in paths:
            method = draw(st.sampled_from(["GET", "POST", "ANY"]))
            target: dict[str, Any] = {"health": True}
            if bp.get("functions") and draw(st.booleans()):
                target = {"function": draw(st.sampled_from(bp["functions"]))["name"]}
            elif queues and draw(st.booleans()):
                queue = draw(st.sampled_from(queues))
                target = {"queue": queue["name"]}
                if queue["fifo"] and draw(st.booleans()):
                    target.update(group_id_header=draw(st.sampled_from(["X-Group", "X-Tenant-Group-Id"])),
                                  deduplication_id_header=draw(st.sampled_from(["X-Dedup", "Idempotency-Key"])))
            routes.append({"method": method, "path": path, "target": target})
        if not any(r["path"] == "/health" for r in routes):
            routes.append({"method": "GET", "path": "/health", "target": {"health": True}})
        bp["api"] = {"name": draw(st.sampled_from(["api", "public-api"])),
                     "stage": draw(st.sampled_from(["prod", "v1"])), "routes": routes}
        if draw(st.booleans()):
            bp["api"]["throttle"] = {"rate": draw(st.sampled_from([100, 2500.5])), "burst": 50}
        if draw(st.integers(0, 2)) == 0:
            bp["api"]["jwt"] = _jwt(draw)
            if draw(st.booleans()):
                bp["api"]["auth"] = "jwt"
            for route in routes:
                if "health" not in route["target"] and draw(st.booleans()):
                    route["auth"] = draw(st.sampled_from(["iam", "jwt"]))
        if draw(st.booleans()):
            bp["dns"] = {"zone": draw(st.sampled_from(["example.com", "payments.example.org"])),
                         "record": draw(st.sampled_from(["api", "service"])),
                         "ttl": draw(st.sampled_from(["60s", "5s"])),
                         "health_check": {"interval": draw(st.sampled_from(["10s", "30s"])),
                                          "failure_threshold": draw(st.integers(1, 10))}}
            if draw(st.booleans()):
                bp["dns"]["zone_id"] = "Z0123456789ABC"
    subjects = {"function": bp.get("functions", []), "queue": queues, "database": bp.get("databases", []),
                "table": bp.get("tables", []), "bucket": [b for b in bp.get("buckets", [])
                                                          if b["replication"]["time_control"]]}
    for name in draw(names(0, 120 if big and draw(st.booleans()) else most)):
        metric = draw(st.sampled_from(sorted(metrics.METRICS)))
        spec = metrics.METRICS[metric]
        alarm: dict[str, Any] = {"name": name, "metric": metric, "threshold": 5 if spec.unit in ("count", "percent") else "5s",
                                 "periods": draw(st.integers(1, 3))}
        if spec.subject is None:
            if "api" not in bp:
                continue
        else:
            candidates = subjects[spec.subject]
            if not candidates:
                continue
            alarm[spec.subject] = draw(st.sampled_from(candidates))["name"]
        if spec.can_trigger_failover and draw(st.booleans()):
            alarm["triggers_failover"] = True
        bp.setdefault("alarms", []).append(alarm)
    return bp


def _jwt(draw: st.DrawFn) -> dict[str, Any]:
    """An ``api.jwt`` section: the issuer's JWKS (by default or named) or keys in the blueprint."""
    jwt: dict[str, Any] = {
        "issuer": draw(st.sampled_from(["https://login.example.com/",
                                        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"])),
        "audience": draw(st.lists(st.sampled_from(["api", "trading-api", "7f3c1d2e9a"]), min_size=1, max_size=3,
                                  unique=True))}
    source = draw(st.sampled_from(["default", "url", "keys"]))
    if source == "url":
        jwt["jwks_url"] = "https://keys.example.com/tenant-42/jwks.json"
    elif source == "keys":
        jwt["keys"] = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=3, unique_by=lambda k: k["kid"]))
    if draw(st.booleans()):
        jwt["cache"] = draw(st.sampled_from(["0s", "300s", "1h"]))
    return jwt


def _indexes(draw: st.DrawFn, table: dict[str, Any]) -> dict[str, Any]:
    """Secondary indexes and the replica settings beside them, valid for ``table`` (a partition key of type S, a
    sort key of type N)."""
    out: dict[str, Any] = {"contributor_insights": draw(st.booleans()), "deletion_protection": draw(st.booleans())}
    attribute = st.from_regex(r"[A-Za-z][A-Za-z0-9_.-]{0,30}", fullmatch=True)
    index_name = st.from_regex(r"[A-Za-z][A-Za-z0-9_.-]{2,40}", fullmatch=True)

    def projected(index: dict[str, Any]) -> dict[str, Any]:
        projection = draw(st.sampled_from(["all", "keys-only", "include", None]))
        if projection is not None:
            index["projection"] = projection
        if projection == "include":
            index["non_key_attributes"] = draw(st.lists(attribute, min_size=1, max_size=6, unique=True))
        return index

    names = draw(st.lists(index_name, max_size=6, unique=True))
    local = names[:draw(st.integers(0, 2))] if "sort_key" in table else []
    gsis = []
    for j, name in enumerate(names[len(local):]):
        key = draw(st.sampled_from([f"g{j}", f"gsiPartitionKey{j}"]))  # two lengths: bytes per key and per character
        index: dict[str, Any] = {"name": name, "partition_key": {"name": key, "type": draw(st.sampled_from("SNB"))}}
        if draw(st.booleans()):
            reused = [dict(k) for k in (table["partition_key"], table.get("sort_key")) if k]  # one type per attribute
            index["sort_key"] = draw(st.sampled_from([*reused, {"name": f"r{j}", "type": "N"},
                                                      {"name": f"rangeAttribute{j}", "type": "N"}]))
        if "billing" in table and draw(st.booleans()):
            index["capacity"] = {"read": draw(st.sampled_from([1, 250])), "write": draw(st.sampled_from([1, 25]))}
        gsis.append(projected(index))
    lsis = [projected({"name": name, "sort_key": {"name": draw(st.sampled_from([f"l{j}", f"localSort{j}"])), "type": "S"}})
            for j, name in enumerate(local)]
    if gsis:
        out["global_indexes"] = gsis
    if lsis:
        out["local_indexes"] = lsis
    return out
