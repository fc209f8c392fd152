"""The region's CloudWatch dashboard (app layer): what an operator looks at to tell a failing region.

One graph per blueprint alarm (its metric, as the alarm sees it) plus drgen's own readiness verdict and
the canary's probes of the active region (``drgen.configs.dashboard_widgets``); named ``<prefix>-<region>`` so
the runbook can link to it.
"""

from __future__ import annotations

import json

from troposphere import Sub, cloudwatch

from drgen import configs
from drgen.synth.base import LayerTemplate


def dashboard_name(prefix: str, region: str) -> str:
    return f"{prefix}-{region}"


def body(widgets: list[dict[str, object]]) -> str:
    """The dashboard body: itself a ``Fn::Sub`` template, so dimension values name ``${AWS::Region}``."""
    return json.dumps({"widgets": widgets}, sort_keys=True, separators=(",", ":"))


def contribute(t: LayerTemplate) -> None:
    widgets = configs.dashboard_widgets(t.bp)
    if not widgets or not t.layer.holds(""):
        return
    t.add(cloudwatch.Dashboard("Dashboard", DashboardName=Sub(dashboard_name(t.prefix, "${AWS::Region}")),
                               DashboardBody=Sub(body(widgets))))
