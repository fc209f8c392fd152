"""The region's CloudWatch dashboard (app layer): what an operator looks at to tell a failing region.

One graph per blueprint alarm (its metric, as the alarm sees it) plus drgen's own readiness verdict and
the canary's probes of the active region;
named ``<prefix>-<region>`` so the runbook can link to it.
"""

from __future__ import annotations

import json
from typing import Any

from troposphere import Sub, cloudwatch

from drgen import metrics
from drgen.synth.alarms import dimension_sets
from drgen.synth.base import LayerTemplate


def dashboard_name(prefix: str, region: str) -> str:
    return f"{prefix}-{region}"


def _metric(metric: metrics.Metric, dimensions: list[tuple[str, Any]]) -> list[Any]:
    row: list[Any] = [metric.namespace, metric.metric]
    for name, value in dimensions:
        row += [name, value]
    stat = {"stat": metric.statistic}
    return [*row, stat]


def contribute(t: LayerTemplate) -> None:
    widgets: list[dict[str, Any]] = []
    for alarm in t.bp.alarms:
        metric = metrics.METRICS[alarm.metric]
        sets = dimension_sets(t, alarm, metric)
        widgets.append({"type": "metric", "width": 12, "height": 6, "properties": {
            "title": f"{alarm.name}: {metric.summary}", "region": "${AWS::Region}", "period": 60,
            "metrics": [_metric(metric, d) for d in sets],
            "annotations": {"horizontal": [{"label": "alarm", "value": alarm.threshold}]}}})
    if t.bp.runs_compute_in_secondaries:
        widgets.append({"type": "metric", "width": 12, "height": 6, "properties": {
            "title": "drgen readiness of this region (1 = could take over)", "region": "${AWS::Region}",
            "period": 300, "metrics": [[f"drgen/{t.prefix}", "Ready", "Region", "${AWS::Region}", {"stat": "Minimum"}]]}})
        widgets.append({"type": "metric", "width": 12, "height": 6, "properties": {
            "title": "drgen canary: probes of the active region from here that failed (1 = both signals failed)",
            "region": "${AWS::Region}", "period": t.bp.failover.detection.probe_interval.whole_seconds,
            "metrics": [[f"drgen/{t.prefix}", "ActiveRegionProbeFailed", "Region", "${AWS::Region}",
                         {"stat": "Minimum"}]],
            "annotations": {"horizontal": [{"label": "failed", "value": 1}]}}})
    if not widgets:
        return
    # the body is itself a Sub template, so a dimension value built with Sub joins it as its ${...} text
    body = json.dumps({"widgets": widgets}, sort_keys=True, separators=(",", ":"),
                      default=lambda value: value.to_dict()["Fn::Sub"])
    t.add(cloudwatch.Dashboard("Dashboard", DashboardName=Sub(dashboard_name(t.prefix, "${AWS::Region}")),
                               DashboardBody=Sub(body)))


