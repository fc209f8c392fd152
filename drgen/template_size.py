"""An upper bound of a template's size in bytes, from ``drgen.footprint``'s items, without rendering it.

A template is drgen's one JSON form (``rendering.to_json``: two-space indent, sorted keys). An item's
entry is at most ``base + sum(weight x feature)`` of its shape (``SHAPES``), plus its copies of the tags,
counted exactly; the template around the items is at most ``ENVELOPE`` plus its description. The weights
were measured on real renders (``python -m tests.fit_sizes`` measures them again after synthesis changes)
and tests/test_footprint.py checks on generated blueprints that the bound holds, and that it stays close.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from drgen import naming
from drgen.footprint import Footprint, Item, embedded
from drgen.layers import Layer
from drgen.model import Blueprint

Shape = tuple[int, Mapping[str, int]]
"""The base bytes of an entry, and the bytes each unit of a feature adds."""

ENVELOPE = 180
"""The template's frame: its version and section keys (measured ≤ 120), without its description and conditions."""
ROLE_CONDITIONS = {"IsPrimary": {"Fn::Equals": [{"Ref": "Role"}, "primary"]},
                   "IsSecondary": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Role"}, "primary"]}]}}

TAGS: dict[str, tuple[str, int]] = {
    "table": ("list", 6),  # on each replica
    "queue-parameter": ("map", 4), "function-parameter": ("map", 4), "api-parameter": ("map", 4),
    "backup-vault": ("map", 4), "backup-plan": ("map", 4), "rs-plan": ("map", 4),
    "resiliency-policy": ("map", 4), "resilience-app": ("map", 4), "fis-experiment": ("map", 4),
    "fis-canary-experiment": ("map", 4),
}
"""Shapes whose tags are not a ``Tags`` list in their properties: (form, depth)."""

IMPORTS = {"imports": 20, "importl": 1}
"""Not fitted: a later part of a split app layer reads a queue or the alerts topic through the app part's export
(``splitting``); ``{"Fn::ImportValue": name}`` takes at most 20 bytes and the name more than the ``Ref`` or
``GetAtt`` it replaces. They apply to every shape, beside the fitted ones."""

SHAPES: dict[str, Shape] = {  # measured by tests/fit_sizes.py: the upper envelope of 2 fits of 150 renders each
    "alarm": (605, {"L": 1, "N": 1, "P": 1, "dims": 69, "extended": 8, "importl": 2, "placed": 36, "subs": 39, "suffix":
        1, "text": 1}),
    "api-authorizer": (744, {"ttl": 1}),
    "api-method": (781, {"L": 10, "P": 1, "fifo": 319, "function": 1, "headerl": 3, "health": 260, "jwt": 73, "method":
        -7, "queue": 1, "queues": 1872, "resource": -7}),
    "api-intake-method": (3621, {"L": 10, "P": 3, "fifo": 357, "fifoqueue": 1, "headerl": 3, "jwt": 73, "method": -7,
        "queue": 3, "resource": -7}),
    "api-parameter": (312, {"P": 1}),
    "api-queue-role": (1201, {"P": 4, "intake": 1879, "queuel": 1, "queues": 174, "sqs": 666}),
    "api-resource": (225, {"L": 1, "parent": 1, "part": 1, "root": 70}),
    "api-validator": (293, {}),
    "artifact-bucket": (1970, {"P": 1}),
    "association": (183, {"L": 4, "cond": 31}),
    "attachment": (249, {}),
    "backup-plan": (621, {"L": 1, "N": 1, "P": 2, "days": 1, "sec": 303, "secdays": 1, "secl": 1, "secp": 1}),
    "backup-role": (971, {"P": 1}),
    "backup-selection": (530, {"L": 3, "N": 1}),
    "backup-vault": (312, {"P": 2}),
    "authorizer-function": (2212, {"P": 4, "config": 1}),
    "authorizer-permission": (649, {}),
    "authorizer-role": (2306, {"P": 1}),
    "base-path": (290, {}),
    "blueprint-function": (2185, {"L": 3, "N": 3, "P": 6, "e_bucket": 103, "e_database": 169, "e_queue": 70, "e_table":
        29, "ei_bucket": 1, "ei_database": 2, "ei_queue": 1, "ei_table": 1, "el_bucket": 3, "el_database": 3,
        "el_queue": 2, "el_table": 3, "en_database": 2, "ep_bucket": 1, "ep_database": 2, "ep_queue": 1, "ep_table": 1,
        "importl": 1, "imports": 25, "numbers": 2, "outbox": 59, "pilot": 1, "varl": 1, "vars": 28, "vpc": 178}),
    "blueprint-role": (3305, {"L": 2, "N": 2, "P": 4, "g_bucket_read": 1444, "g_bucket_read-write": 1979,
        "g_bucket_write": 1071, "g_database_connect": 667, "g_queue_consume": 1173, "g_queue_send": 1154,
        "g_table_read": 1393, "g_table_read-write": 1577, "g_table_write": 1311, "gi_bucket": 3, "gi_database": 2,
        "gi_queue": 3, "gi_table": 2, "gl_bucket": 3, "gl_database": 1, "gl_queue": 1, "gl_table": 3, "gp_bucket": 3,
        "gp_database": 1, "gp_queue": 2, "gp_table": 3, "importl": 1, "imports": -71, "outbox": 440, "vpc": 141}),
    "bucket": (2249, {"L": 2, "N": 1, "P": 3, "digits": 1, "expire": 52, "keep": 1, "lock": 169, "reg": 1365, "regid":
        4, "regn": 1, "regp": 2, "rtc": 452}),
    "bucket-output": (107, {"L": 2, "N": 1}),
    "bucket-policy": (1260, {"L": 4}),
    "canary-function": (2375, {"P": 6, "fis": 800, "fisp": 2, "prim": -1, "urls": 2}),
    "canary-parameter": (84, {"L": 2}),
    "canary-role": (4016, {"P": 3, "Pr": 2, "fis": 2600, "fisp": 4, "regionl": 4, "regions": 834}),
    "certificate": (322, {"fqdn": 2, "param": 35}),
    "cluster-parameters": (382, {"L": 1, "N": 1, "condition": 32, "mysql": 210}),
    "dashboard": (236, {"P": 1, "body": 1}),
    "database-security-group": (542, {}),
    "db-cluster": (1951, {"L": 6, "N": 3, "P": 4, "backup": -668, "capacity": 20, "dbname": 2, "mysql": 49, "user": 2,
        "version": 2}),
    "db-export": (219, {"L": 4, "P": 2, "condition": 22}),
    "db-instance": (1000, {"L": 2, "N": 2, "P": 2, "condition": 33, "klass": 1, "mysql": -5}),
    "db-secret": (1019, {"L": 1, "N": 2, "P": 2, "sec": 170, "secl": 2, "secp": 1, "user": 1}),
    "dead-letter-queue": (521, {"L": 1, "N": 1, "P": 2, "fifo": 75, "retention": 1}),
    "deployment": (222, {"N": 1, "P": 1, "methodl": 1, "methods": 12}),
    "dns-key": (1588, {"P": 1}),
    "drainer-function": (2020, {"P": 4, "config": 1}),
    "drainer-permission": (407, {}),
    "drainer-role": (4727, {"P": 5, "queuel": 1, "queues": 165}),
    "drainer-schedule": (560, {"P": 1, "dlq": 335}),
    "dns-parameter": (84, {"L": 2}),
    "dns-topic": (225, {"P": 2, "emaill": 7, "param": 2}),
    "dns-zone-parameter": (135, {}),
    "domain": (346, {"fqdn": 1}),
    "down-alarm": (1028, {"P": 3, "manual": 9, "numbers": 1}),
    "eip": (113, {"cond": 31}),
    "endpoint": (-40, {"L": 1, "gzones": 236, "interface": 141, "izones": 232, "service": 1}),
    "endpoint-security-group": (799, {}),
    "events-dlq": (561, {"P": 2}),
    "events-dlq-alarm": (987, {"P": 3}),
    "events-dlq-policy": (1802, {"P": 1}),
    "export-ApiDomainTarget": (268, {"P": 1}),
    "export-ApiDomainZoneId": (268, {"P": 1}),
    "export-ApiHost": (270, {"P": 1}),
    "export-ApiId": (174, {"P": 1}),
    "export-ArtifactBucket": (232, {"P": 1}),
    "export-DatabaseSecurityGroupId": (244, {"P": 1}),
    "export-EventsDeadLetterQueueArn": (301, {"P": 1}),
    "export-FunctionSecurityGroupId": (245, {"P": 1}),
    "export-HealthFunctionArn": (262, {"P": 1}),
    "export-KeyArn": (243, {"P": 1}),
    "export-PrivateSubnetIds": (-117, {"P": 1, "zones": 254}),
    "export-PrivateRouteTableIds": (-60, {"P": 1, "zones": 270}),
    "export-queue": (300, {"L": 3, "N": 1, "P": 1}),
    "export-StateMachineArn": (229, {"P": 1}),
    "export-TopicArn": (188, {"P": 1}),
    "export-VpcId": (169, {"P": 1}),
    "flow-log": (458, {}),
    "flow-log-role": (1734, {"P": 1}),
    "forward-role": (1367, {"P": 1, "sec": 396, "secid": 2}),
    "forward-rule": (787, {"L": 3, "P": 1, "alarml": 1, "alarms": 18, "sec": 924, "secid": 3}),
    "function-parameter": (287, {"L": 2, "N": 2, "P": 1}),
    "function-security-group": (543, {}),
    "global-cluster": (370, {"L": 1, "N": 1, "P": 1, "mysql": -5, "version": 1}),
    "health-alarm": (992, {"L": 4, "P": 1}),
    "health-check": (514, {"L": 3, "P": 1, "numbers": 1, "path": 1}),
    "health-function": (2257, {"P": 4, "config": 1}),
    "health-role": (3761, {"P": 4, "anyqueue": 301, "queuel": 1, "queues": 165, "tablel": 1, "tables": 151}),
    "hosted-zone": (800, {"P": 1, "zone": 1}),
    "internet-gateway": (104, {}),
    "key": (2676, {"P": 1}),
    "key-alias": (177, {"P": 1}),
    "liveness-check": (454, {"L": 3, "P": 1, "numbers": 1, "path": 1}),
    "log-bucket": (1883, {"P": 1}),
    "log-bucket-policy": (2171, {"P": 1}),
    "log-group": (450, {"L": 3, "P": 2}),
    "monitoring-role": (955, {"P": 1, "condition": 32}),
    "nat-gateway": (290, {"cond": 31}),
    "network-parameter-PrivateSubnetCidrs": (107, {}),
    "network-parameter-PublicSubnetCidrs": (106, {}),
    "network-parameter-VpcCidr": (93, {}),
    "network-parameter-ZoneCount": (202, {}),
    "network-parameter-Zones": (100, {}),
    "output": (1659, {"L": -126}),
    "peer-buckets-parameter": (310, {}),
    "permission": (535, {"L": 1, "anymethod": -2, "function": 1, "method": 1, "path": 1}),
    "probe": (826, {"P": 2, "age": 2, "rate": 1}),
    "probe-permission": (392, {}),
    "promoter-function": (1893, {"P": 4}),
    "promoter-role": (2292, {"P": 2, "anydb": 375, "anyfn": 3434, "anyscaled": 1905, "dbl": 1, "dbr": 136, "dbrl": 1,
        "dbs": 139, "dim": 272, "dimfnl": 2, "dimfns": 128, "flag": 707, "fnl": 2, "fns": 150, "lifted": 151, "liftedl":
        2, "pilot": 272, "rdd": 139, "rddl": 2, "rdl": 1, "rdn": 126, "rdq": 139, "rdql": 2, "rdr": 177, "rdrl": 3,
        "scaled": 555, "scaledl": 5}),
    "queue": (498, {"L": 2, "N": 1, "P": 3, "fifo": 76, "receive": 1, "redrive": 218, "retention": 2, "visibility": 2}),
    "queue-parameter": (229, {"L": 2, "N": 2, "P": 1}),
    "queue-policy": (789, {"L": 3}),
    "readiness-function": (2258, {"P": 4, "config": 1}),
    "readiness-permission": (395, {}),
    "readiness-role": (4969, {"P": 6, "anybucket": 571, "anydb": 309, "anyfn": 292, "anyqueue": 295, "bucketl": 1,
        "bucketr": 108, "buckets": 108, "dbl": 1, "dbs": 289, "queuel": 1, "queues": 140, "tablel": 1, "tables": 151}),
    "ready-alarm": (954, {"P": 4, "numbers": 1, "schedule": 1}),
    "canary-alarm": (2000, {"P": 5, "numbers": 4}),
    "record": (433, {"fqdn": 1, "param": 27, "region": 3, "ttl": 1}),
    "replication-role": (3000, {"P": 2, "bucketl": 2, "bucketp": 2, "buckets": 286, "pairid": 1, "pairl": 1, "pairp": 1,
        "pairs": 375, "reg": 1020, "regid": 4, "regp": 1}),
    "rest-api": (246, {"N": 2, "P": 2}),
    "role-parameter": (177, {}),
    "rs-approver-policy": (1000, {"P": 1}),
    "rs-approver-role": (1000, {"P": 1}),
    "rs-execution-role": (2442, {"P": 6, "dbl": 6, "dbp": 6, "dbs": 1900}),
    "rs-output": (300, {}),
    "rs-plan": (900, {"P": 3, "approval": 1400, "dbl": 14, "dbp": 8, "dbs": 1700, "descl": 2, "eventl": 3, "stepp": 4,
        "steps": 2300}),
    "route": (728, {"L": -22, "cond": 31}),
    "route-table": (137, {"L": 1, "cond": 31}),
    "schedule": (809, {"P": 2, "age": 1, "schedule": 1}),
    "secondary-record": (464, {"fqdn": 2, "param": 27, "pool": -23, "region": 8, "ttl": 1}),
    "security-rule": (78, {"L": 18}),
    "stage": (1549, {"stage": 1, "throttle": 1, "throttles": 75}),
    "standby-record": (389, {"L": 4, "fqdn": 1, "param": 27, "ttl": 1}),
    "start-probes-rule": (1521, {"P": 3}),
    "start-role": (1448, {"P": 1}),
    "start-rule": (1802, {"P": 2, "alarml": 1, "alarms": 18}),
    "state-machine": (1484, {"P": 5, "anydb": 166, "dbl": 2, "dbs": 170, "definition": 1}),
    "state-machine-role": (5305, {"P": 6, "anydb": 170}),
    "subnet": (465, {"L": 2, "cond": 31}),
    "subnet-group": (335, {"L": 1, "N": 1, "P": 1, "condition": 32}),
    "table": (530, {"L": 1, "N": 1, "P": 1, "anygsi": 46, "anylsi": 45, "attrl": 1, "attrs": 91, "ci": 95, "dp": 1,
        "gsiprov": 319, "gsis": 171, "idxl": 1, "ikeyl": 1, "ikeys": 105, "includes": 52, "iread": 1, "iwrite": 1,
        "keyl": 2, "keys": 180, "lsis": 171, "nka": 20, "nkal": 1, "projl": 1, "prov": 281, "provreg": 103, "rany": 54,
        "read": 1, "reg": 391, "regl": 2, "regp": 1, "rgsi": 65, "rgsici": 107, "rgsil": 1, "rgsiprov": 114, "ttl": 13,
        "ttls": 110, "write": 1}),
    "table-output": (78, {"L": 1, "N": 2, "P": 1}),
    "topic": (272, {"P": 4, "emaill": 7}),
    "topic-policy": (984, {}),
    "trigger": (402, {"L": 2, "batch": 1, "importl": 1, "switch": 1, "window": 2, "windows": 44}),
    "vpc": (211, {}),
    "zone-parameter": (132, {}),
    "fis-experiment": (1500, {"L": 1, "P": 3, "actions": 960, "arns": 360, "names": 2, "prefixed": 1, "stopl": 1,
        "stops": 140, "text": 1}),
    "fis-log-group": (632, {"P": 3}),
    "fis-canary-experiment": (3000, {"P": 3}),
    "fis-canary-role": (4000, {"P": 4}),
    "fis-output": (200, {"L": 1, "text": 1}),
    "fis-role": (7942, {"P": 3, "named": 390, "names": 2, "prefixed": 2, "vpc": 4800, "zones": 1950}),
    "resilience-app": (600, {"P": 2, "mappings": 420, "regions": 1}),
    "resilience-output-AppArn": (240, {"P": 1}),
    "resilience-output-AssessmentRoleArn": (280, {"P": 1}),
    "resilience-output-PolicyArn": (210, {"P": 1}),
    "resilience-role": (1260, {"P": 3}),
    "resiliency-policy": (950, {"P": 2}),
    "stackid-parameter": (120, {"L": 1, "layer": 1, "region": 1}),
}


def tag_bytes(bp: Blueprint, layer: str, form: str = "list", depth: int = 4) -> int:
    """The exact bytes of one copy of the tags: the ``"Tags": ...`` line and what it holds, ``depth`` deep."""
    pairs = {**dict(bp.tags), "drgen:blueprint": bp.name, "drgen:environment": bp.environment, "drgen:layer": layer}
    value: object = dict(sorted(pairs.items())) if form == "map" else [
        {"Key": k, "Value": v} for k, v in sorted(pairs.items())]
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return len(text.encode("utf-8")) + 2 * depth * text.count("\n") + 2 * depth + len('"Tags": ,\n')


def item_bytes(bp: Blueprint, layer: str, item: Item) -> int:
    base, weights = SHAPES[item.shape]
    size = base + len(bp.prefix) * weights.get("P", 0)
    size += sum(weights.get(name, IMPORTS.get(name, 0)) * value for name, value in item.features)
    if item.tagged:
        size += item.tagged * tag_bytes(bp, layer, *TAGS.get(item.shape, ("list", 4)))
    return size


def envelope_bytes(bp: Blueprint, layer: Layer) -> int:
    """The template's frame and description (``LayerTemplate._description``), without conditions and items."""
    description = f"drgen {bp.prefix} {layer.name}: {layer.summary}"
    if bp.description:
        description += f". {bp.description}"
    return ENVELOPE + len(json.dumps(naming.cut(description, 1024), ensure_ascii=False).encode("utf-8"))


def export_bytes(bp: Blueprint, output: str) -> int:
    """An upper bound of the bytes of the app part's export of a queue's ``output`` (``splitting.queue_exports``)."""
    base, weights = SHAPES["export-queue"]
    return base + weights["L"] * len(output) + weights["P"] * len(bp.prefix)


def template_bytes(bp: Blueprint, footprint: Footprint) -> int:
    """An upper bound of the layer's template size."""
    layer = footprint.layer.name
    envelope = envelope_bytes(bp, footprint.layer)
    conditions: dict[str, object] = {}
    if any(item.logical_id == "Role" and item.kind == "parameter" for item in footprint.items):
        conditions.update(ROLE_CONDITIONS)  # one or both: count both
    if layer == "network":  # synth.network: zone n exists where ZoneCount is not below n
        for n in range(3, max(len(r.zones) for r in bp.regions) + 1):
            fewer = [{"Fn::Equals": [{"Ref": "ZoneCount"}, str(k)]} for k in range(2, n)]
            conditions[f"HasZone{n}"] = {"Fn::Not": [fewer[0] if len(fewer) == 1 else {"Fn::Or": fewer}]}
    conditions.update(footprint.conditions)
    if conditions:
        envelope += embedded(conditions, 1) + len('  "Conditions": ,\n')
    return envelope + sum(item_bytes(bp, layer, item) for item in footprint.items)
