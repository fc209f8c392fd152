"""Pure data the templates embed, built from the model alone: the configuration drgen's own functions read
(``DRGEN_CONFIG``), the CloudWatch dimensions of each alarm and the dashboard's widgets.

``drgen.synth`` puts them in the templates (wrapping strings that hold ``${...}`` in ``Fn::Sub``);
``drgen.footprint`` measures them. Values name the region they run in as ``${AWS::Region}``.
"""

from __future__ import annotations

import re
from typing import Any

from drgen import asl, metrics, naming
from drgen.model import Alarm, Blueprint, Function, Grant, Queue

REGION = "${AWS::Region}"
PARTITION = "${AWS::Partition}"
ACTIVE_ITEM = asl.FLAG_ITEM
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT = {"minute": 60, "hour": 3600, "day": 86_400}


def health(bp: Blueprint) -> dict[str, Any]:
    """drgen's health function configuration: what it checks in its region."""
    return {
        "active_item": ACTIVE_ITEM,
        "control_table": naming.control_table(bp.prefix),
        "queues": [naming.queue(bp.prefix, q.name, q.fifo) for q in bp.queues],
        "region": REGION,
        "tables": [naming.table(bp.prefix, table.name) for table in bp.tables],
    }


OUTBOX_ATTRIBUTE = "drgenOutboxId"
"""The message attribute naming a drained message's outbox item: its consumer deletes that item once done."""


def intake_queues(bp: Blueprint) -> tuple[Queue, ...]:
    """The queues with a durable cross-region intake: ``region_outage: durable`` and an API route to them
    (the route writes to the outbox global table, the active region drains it into the queue)."""
    routed = {r.name for r in bp.api.routes if r.target == "queue"} if bp.api is not None else set()
    return tuple(q for q in bp.queues if q.region_outage == "durable" and q.name in routed)


def outbox_consumers(bp: Blueprint) -> tuple[str, ...]:
    """The functions triggered by an intake queue: each deletes a message's outbox item once it has processed it."""
    intake = {q.name for q in intake_queues(bp)}
    return tuple(f.name for f in bp.functions if any(t.queue in intake for t in f.triggers))


def drainer(bp: Blueprint) -> dict[str, Any]:
    """drgen's outbox drainer configuration: the flag, the outbox, and each intake queue (its URL as
    ``${<queue logical id>}``, a ``Ref`` once the template wraps the whole in ``Fn::Sub``)."""
    return {
        "active_item": ACTIVE_ITEM, "control_table": naming.control_table(bp.prefix),
        "outbox_table": naming.outbox_table(bp.prefix), "region": REGION, "attribute": OUTBOX_ATTRIBUTE,
        "queues": {q.name: {"url": "${" + naming.queue_id(q.name) + "}", "fifo": q.fifo,
                            "retention_seconds": q.retention.whole_seconds} for q in intake_queues(bp)},
    }


def readiness(bp: Blueprint) -> dict[str, Any]:
    """drgen's readiness function configuration: what a region must have to take over, its rank among the
    regions that could, and how long a scheduled verdict stays the last known good."""
    prefix = bp.prefix
    ranks = {bp.primary.name: 0, **{r.name: i for i, r in enumerate(bp.secondaries)}}
    return {
        "region": REGION, "initial_region": bp.primary.name, "ranks": ranks,
        "rank_delay_seconds": asl.RANK_DELAY_SECONDS,
        "good_for_seconds": good_for_seconds(bp.failover.validation_schedule), "namespace": f"drgen/{prefix}",
        "control_table": naming.control_table(prefix),
        "databases": [{
            "name": db.name, "engine": db.engine, "global_cluster": naming.global_cluster(prefix, db.name),
            "cluster_arn": f"arn:{PARTITION}:rds:{REGION}:${{AWS::AccountId}}:cluster:"
                           + naming.db_cluster(prefix, db.name, REGION),
            "max_lag_ms": db.max_replication_lag.millis} for db in bp.databases],
        "tables": [naming.table(prefix, table.name) for table in bp.tables],
        "buckets": [{"name": {r: naming.bucket(prefix, b.name, r) for r in bp.region_names}} for b in bp.buckets],
        "queues": [naming.queue(prefix, q.name, q.fifo) for q in bp.queues],
        "consumers": asl.triggered_functions(bp), "consumers_everywhere": consumers_enabled(bp.strategy),
    }


def schedule_seconds(expression: str) -> int | None:
    """The interval of a ``rate(...)`` schedule in seconds; ``None`` for a ``cron(...)`` one."""
    match = _RATE.match(expression)
    return int(match.group(1)) * _UNIT[match.group(2).rstrip("s")] if match else None


def good_for_seconds(schedule: str) -> int:
    """How long a scheduled readiness result stays the last known good: two schedule periods and five minutes
    (a day for a cron expression, whose period drgen does not compute)."""
    period = schedule_seconds(schedule)
    return 86_400 if period is None else 2 * period + 300


def consumers_enabled(strategy: str) -> bool:
    """An event source mapping's ``Enabled``, the same in every region: only hot standby consumes everywhere."""
    return strategy == "hot-standby"


def dimension_sets(bp: Blueprint, alarm: Alarm) -> list[list[tuple[str, str]]]:
    """The alarm's CloudWatch dimensions: one set per CloudWatch alarm (a table alarm per region, a bucket alarm
    per replication rule)."""
    metric = metrics.METRICS[alarm.metric]
    subject = alarm.subject or ""
    prefix = bp.prefix
    if metric.subject is None:
        assert bp.api is not None
        return [[("ApiName", naming.api(prefix, bp.api.name)), ("Stage", bp.api.stage)]]
    if metric.subject == "function":
        return [[("FunctionName", naming.function(prefix, subject))]]
    if metric.subject == "queue":
        queue = next(q for q in bp.queues if q.name == subject)
        name = (naming.dead_letter_queue if metric.name == "dlq.depth" else naming.queue)(prefix, queue.name, queue.fifo)
        return [[("QueueName", name)]]
    if metric.subject == "database":
        return [[("DBClusterIdentifier", naming.db_cluster(prefix, subject, REGION))]]
    if metric.subject == "table":
        return [[("TableName", naming.table(prefix, subject)), ("ReceivingRegion", region)] for region in bp.region_names]
    return [[("SourceBucket", naming.bucket(prefix, subject, REGION)),
             ("DestinationBucket", naming.bucket(prefix, subject, region)), ("RuleId", f"to-{region}")]
            for region in (r.name for r in bp.secondaries)]


def dashboard_widgets(bp: Blueprint) -> list[dict[str, Any]]:
    """The region's dashboard: a graph per blueprint alarm (its metric, as the alarm sees it), and drgen's
    readiness verdict and the canary's probes of the active region where a region runs the workload before a
    disaster."""
    widgets: list[dict[str, Any]] = []
    for alarm in bp.alarms:
        metric = metrics.METRICS[alarm.metric]
        widgets.append({"type": "metric", "width": 12, "height": 6, "properties": {
            "title": f"{alarm.name}: {metric.summary}", "region": REGION, "period": 60,
            "metrics": [_metric_row(metric, d) for d in dimension_sets(bp, alarm)],
            "annotations": {"horizontal": [{"label": "alarm", "value": alarm.threshold}]}}})
    if bp.runs_compute_in_secondaries:
        widgets.append({"type": "metric", "width": 12, "height": 6, "properties": {
            "title": "drgen readiness of this region (1 = could take over)", "region": REGION,
            "period": 300, "metrics": [[f"drgen/{bp.prefix}", "Ready", "Region", REGION, {"stat": "Minimum"}]]}})
        widgets.append({"type": "metric", "width": 12, "height": 6, "properties": {
            "title": "drgen canary: probes of the active region from here that failed (1 = both signals failed)",
            "region": REGION, "period": bp.failover.detection.probe_interval.whole_seconds,
            "metrics": [[f"drgen/{bp.prefix}", "ActiveRegionProbeFailed", "Region", REGION, {"stat": "Minimum"}]],
            "annotations": {"horizontal": [{"label": "failed", "value": 1}]}}})
    return widgets


def _metric_row(metric: metrics.Metric, dimensions: list[tuple[str, str]]) -> list[Any]:
    row: list[Any] = [metric.namespace, metric.metric]
    for name, value in dimensions:
        row += [name, value]
    return [*row, {"stat": metric.statistic}]


def grants(function: Function) -> list[Grant]:
    """The function's grants, plus consuming the queues that trigger it (the event source reads as the function)."""
    out = list(function.access)
    for trigger in function.triggers:
        implied = Grant("queue", trigger.queue, "consume")
        if implied not in out:
            out.append(implied)
    return out


def failover_alarm_names(bp: Blueprint) -> list[str]:
    """The CloudWatch alarm names of the blueprint's alarms that start a failover (``synth.alarms``), one per
    dimension set."""
    names = []
    for alarm in bp.alarms:
        if alarm.triggers_failover and metrics.METRICS[alarm.metric].placement == "serving":
            count = len(dimension_sets(bp, alarm))
            names += [naming.alarm(bp.prefix, alarm.name) + ("" if count == 1 else f"-{n}") for n in range(1, count + 1)]
    return names
