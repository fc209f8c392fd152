"""What drgen knows, listed: the Aurora engine versions it accepts, the alarm metrics, the regions.

Each listing is read from the table validation itself uses (drgen.engines with cfn-lint's data,
drgen.metrics, drgen.awsdata), so what is listed is what ``drgen validate`` accepts. Each is a list of
plain rows (``to_json``) and an aligned text table (``to_text``).
"""

from __future__ import annotations

import json
from typing import Any

from drgen import awsdata, engines
from drgen.metrics import METRICS

Row = dict[str, Any]


def versions() -> list[Row]:
    """Every engine version drgen knows, oldest first: whether AWS still creates it (cfn-lint's data) and what
    it can do. ``accepted`` versions are the ones ``drgen validate`` takes (a deprecated one is E604)."""
    rows = []
    for engine in engines.ENGINES:
        for version in sorted(engines.versions(engine).values(), key=lambda v: (v.major_key, v.minor, v.text)):
            facts = version.facts
            rows.append({
                "engine": engine, "version": version.text, "major": version.major,
                "accepted": not version.deprecated, "deprecated": version.deprecated,
                "standard_support_ends": facts.standard_support_ends if facts else None,
                "past_standard_support": version.past_standard_support,
                "global_database": version.global_database, "serverless_v2": version.serverless_v2,
                "scales_to_zero": version.scales_to_zero,
            })
    return rows


def metrics() -> list[Row]:
    """Every metric an alarm may name, and the CloudWatch metric it maps to."""
    return [{"name": m.name, "namespace": m.namespace, "metric": m.metric, "statistic": m.statistic,
             "unit": m.unit, "subject": m.subject, "placement": m.placement,
             "can_trigger_failover": m.can_trigger_failover, "summary": m.summary}
            for m in sorted(METRICS.values(), key=lambda m: m.name)]


def regions() -> list[Row]:
    """Every region a blueprint may name, with its partition and availability zones (a blueprint's regions
    lie in one partition)."""
    return [{"name": name, "partition": awsdata.partition(name), "availability_zones": list(zones)}
            for name, zones in sorted(awsdata.REGIONS.items())]


def to_json(rows: list[Row]) -> str:
    return json.dumps(rows, indent=2, sort_keys=True)


def _cells(kind: str, row: Row) -> list[str]:
    if kind == "versions":
        notes = [label for key, label in (("deprecated", "deprecated: AWS no longer creates it"),
                                          ("global_database", "global database"), ("serverless_v2", "serverless v2"),
                                          ("scales_to_zero", "scales to 0 ACUs")) if row[key]]
        if row["standard_support_ends"]:
            past = " (past: RDS Extended Support)" if row["past_standard_support"] else ""
            notes.append(f"standard support ends {row['standard_support_ends']}{past}")
        return [row["engine"], row["version"], ", ".join(notes)]
    if kind == "metrics":
        where = f"{row['subject']}: " if row["subject"] else ""
        trigger = "can trigger failover" if row["can_trigger_failover"] else "informs only"
        return [row["name"], f"{row['namespace']} {row['metric']} ({row['statistic']}, {row['unit']})",
                f"{where}{row['summary']}; {row['placement']}; {trigger}"]
    zones = " ".join(zone.removeprefix(row["name"]) for zone in row["availability_zones"])
    return [row["name"], row["partition"], f"zones {zones}"]


def to_text(kind: str, rows: list[Row]) -> str:
    """``kind`` (versions, metrics or regions) as an aligned table, one row a line."""
    table = [_cells(kind, row) for row in rows]
    widths = [max((len(cells[i]) for cells in table), default=0) for i in range(2)]
    return "\n".join(f"{c[0]:<{widths[0]}}  {c[1]:<{widths[1]}}  {c[2]}".rstrip() for c in table)


LISTINGS = {"versions": versions, "metrics": metrics, "regions": regions}
"""Each listing's name (its command) -> the function that lists it."""
