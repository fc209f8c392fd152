"""drgen metric names and what each means in CloudWatch.

A blueprint alarm names a drgen metric (``api.latency_p99``); this table maps it to the CloudWatch
namespace, metric, statistic and dimensions, the unit its threshold is read in, what it is measured
on, and where it can be evaluated. Validation reads it to check alarms; synthesis to build them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from drgen import durations

Unit = Literal["milliseconds", "seconds", "count", "percent"]
Subject = Literal["function", "queue", "database", "table", "bucket"]
Placement = Literal["serving", "primary", "secondaries"]


@dataclass(frozen=True)
class Metric:
    name: str
    namespace: str
    metric: str
    statistic: str
    """A CloudWatch statistic (``Average``, ``Sum``, ``Maximum``) or an extended one (``p99``)."""
    unit: Unit
    subject: Subject | None
    """What the alarm must name (``function: trade-processor``), or ``None`` for the API's metrics."""
    placement: Placement
    """Where the alarm lives: ``serving`` every region that runs the workload, ``primary`` the source of
    replication, ``secondaries`` the replica regions."""
    can_trigger_failover: bool
    summary: str

    @property
    def is_extended_statistic(self) -> bool:
        return self.statistic.startswith("p")


METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("api.latency_p99", "AWS/ApiGateway", "Latency", "p99", "milliseconds", None, "serving", True,
           "99th percentile of the API's end-to-end latency"),
    Metric("api.5xx_rate", "AWS/ApiGateway", "5XXError", "Average", "percent", None, "serving", True,
           "share of API requests answered with a 5xx status, in percent"),
    Metric("function.errors", "AWS/Lambda", "Errors", "Sum", "count", "function", "serving", True,
           "invocations of the function that ended in an error"),
    Metric("function.throttles", "AWS/Lambda", "Throttles", "Sum", "count", "function", "serving", True,
           "invocations of the function that were throttled"),
    Metric("queue.age_of_oldest", "AWS/SQS", "ApproximateAgeOfOldestMessage", "Maximum", "seconds", "queue",
           "serving", True, "age of the oldest message waiting in the queue"),
    Metric("dlq.depth", "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", "count", "queue", "serving",
           False, "messages waiting in the queue's dead-letter queue"),
    Metric("database.replication_lag", "AWS/RDS", "AuroraGlobalDBReplicationLag", "Maximum", "milliseconds",
           "database", "secondaries", False, "how far a secondary Aurora cluster is behind the primary"),
    Metric("table.replication_latency", "AWS/DynamoDB", "ReplicationLatency", "Maximum", "milliseconds", "table",
           "serving", False, "time for a table write to reach another region's replica"),
    Metric("bucket.replication_latency", "AWS/S3", "ReplicationLatency", "Maximum", "seconds", "bucket", "primary",
           False, "seconds the oldest pending object has waited to replicate (needs time control)"),
)}


def threshold(metric: Metric, raw: float | str) -> float:
    """The blueprint's threshold in the CloudWatch value of ``metric``.

    A duration (``1000ms``, ``5m``) is read for time metrics only; a bare number is in the metric's unit;
    a percent becomes the fraction the ``Average`` of a 0/1 metric is. Raises ``ValueError`` with a
    message fit for a diagnostic.
    """
    if isinstance(raw, str):
        if metric.unit not in ("milliseconds", "seconds"):
            raise ValueError(f"{metric.name} counts {metric.unit}, not time: give a number, not '{raw}'")
        millis = durations.parse(raw).millis
        return float(millis if metric.unit == "milliseconds" else millis / 1000)
    if metric.unit == "percent":
        if not 0 <= raw <= 100:
            raise ValueError(f"{metric.name} is a percentage: {raw} is not between 0 and 100")
        return raw / 100
    return float(raw)
