"""Route 53 health checks and the regional API's health route, on the emulated clock.

Every minute each ``AWS::Route53::HealthCheck`` requests its ``FullyQualifiedDomainName`` and
``ResourcePath``: the API of the region named in the host (``<api>.execute-api.<region>.amazonaws.com``),
whose ``GET`` method on that path proxies to a function (``AWS_PROXY``), run with its real code. The check
passes on a 2xx/3xx answer (``HTTPS``/``HTTP``), and, for ``*_STR_MATCH``, when ``SearchString`` is in the
first 5,120 bytes of the body (Route 53 Developer Guide, "How Amazon Route 53 determines whether a health
check is healthy"). A region that is down answers nothing. Route 53 publishes ``HealthCheckStatus``
(1 healthy, 0 not; namespace ``AWS/Route53``, dimension ``HealthCheckId``) in us-east-1. The API publishes
``Count``, ``4XXError`` and ``5XXError`` for each request it answers (``AWS/ApiGateway``, dimensions
``ApiName`` and ``Stage``) in its region - health checkers' requests included, as on AWS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from drgen import awsdata
from drgen.emulation.clock import Clock
from drgen.emulation.faults import _REGION, Faults, bypassed
from drgen.emulation.templates import Deployed, Resource

CHECK_SECONDS = 60.0
METRICS_REGION = awsdata.ROUTE53_REGIONS["aws"]
"""Where Route 53 publishes health-check metrics in the aws partition; a check publishes in its own stack's region,
Route 53's region of the blueprint's partition (``awsdata.ROUTE53_REGIONS``)."""


@dataclass
class HealthChecks:
    clock: Clock
    faults: Faults
    deployed: Deployed
    checks: list[Resource] = field(default_factory=list)
    status: dict[str, bool] = field(default_factory=dict)
    client: Any = None
    """A client factory of the emulated AWS: ``client(service, region)``."""
    """Health check id -> healthy at the last check."""

    def add(self, check: Resource) -> None:
        self.checks.append(check)

    def run(self) -> None:
        for check in self.checks:
            config = check.properties["HealthCheckConfig"]
            found = _REGION.search("." + str(config.get("FullyQualifiedDomainName", "")) + ".")
            region = found.group(1) if found else None
            answer = None if region is None else self.request(region, "GET", str(config.get("ResourcePath", "/")))
            healthy = answer is not None and 200 <= answer[0] < 400
            if healthy and answer is not None and config.get("Type", "").endswith("STR_MATCH"):
                healthy = str(config.get("SearchString", "")) in answer[1][:5120]
            self.status[check.name] = healthy
            if self.faults.works(check.region):  # the dns stack's region: Route 53's in the partition
                self._metric(check.region, "AWS/Route53", "HealthCheckStatus", 1.0 if healthy else 0.0,
                             {"HealthCheckId": check.name})

    def request(self, region: str, method: str, path: str) -> tuple[int, str] | None:
        """An HTTPS request to ``region``'s API (None: no answer); the API publishes its metrics."""
        if not self.faults.works(region):
            return None
        api = next((r for r in self.deployed.resources("AWS::ApiGateway::RestApi") if r.region == region), None)
        stage = next((r for r in self.deployed.resources("AWS::ApiGateway::Stage") if r.region == region), None)
        if api is None or stage is None:
            return None
        stage_name = str(stage.properties.get("StageName", ""))
        route = path.removeprefix(f"/{stage_name}")
        function = self._function(region, method, route)
        status, body = 404, json.dumps({"message": "Missing Authentication Token"})
        if function is not None:
            with bypassed():
                answer = self.client("lambda", region).invoke(FunctionName=function, Payload=json.dumps({
                    "httpMethod": method, "path": route, "resource": route, "headers": {}, "body": None,
                    "requestContext": {"stage": stage_name, "httpMethod": method}}).encode())
            result = json.loads(answer["Payload"].read() or b"{}")
            if "FunctionError" in answer or not isinstance(result, dict):
                status, body = 502, json.dumps({"message": "Internal server error"})
            else:
                status, body = int(result.get("statusCode", 200)), str(result.get("body", ""))
        dims = {"ApiName": str(api.properties["Name"]), "Stage": stage_name}
        self._metric(region, "AWS/ApiGateway", "Count", 1.0, dims)
        self._metric(region, "AWS/ApiGateway", "4XXError", 1.0 if 400 <= status < 500 else 0.0, dims)
        self._metric(region, "AWS/ApiGateway", "5XXError", 1.0 if status >= 500 else 0.0, dims)
        return status, body

    def _function(self, region: str, method: str, route: str) -> str | None:
        """The function behind ``method route`` of the region's API (an ``AWS_PROXY`` integration)."""
        resources = {r.name: r.properties for r in self.deployed.resources("AWS::ApiGateway::Resource")
                     if r.region == region}

        def path(name: str) -> str:
            props = resources.get(name)
            return "" if props is None else path(str(props.get("ParentId", ""))) + "/" + str(props.get("PathPart", ""))

        for m in self.deployed.resources("AWS::ApiGateway::Method"):
            integration = m.properties.get("Integration", {})
            if (m.region == region and m.properties.get("HttpMethod") in (method, "ANY")
                    and integration.get("Type") == "AWS_PROXY" and path(str(m.properties.get("ResourceId"))) == route):
                return str(integration.get("Uri", "")).split("/functions/")[1].split("/invocations")[0]
        return None

    def _metric(self, region: str, namespace: str, name: str, value: float, dims: dict[str, str]) -> None:
        with bypassed():
            self.client("cloudwatch", region).put_metric_data(Namespace=namespace, MetricData=[{
                "MetricName": name, "Value": value, "Timestamp": datetime.fromtimestamp(self.clock.now(), timezone.utc),
                "Dimensions": [{"Name": k, "Value": v} for k, v in sorted(dims.items())]}])

    def resolve(self, records: list[Resource]) -> str | None:
        """The region a client's DNS lookup of the failover record leads to (None: no healthy answer)."""
        ordered = sorted(records, key=lambda r: 0 if r.properties.get("Failover") == "PRIMARY" else 1)
        for record in ordered:
            check = record.properties.get("HealthCheckId")
            if check is None or self.status.get(str(check), True):
                return str(record.properties.get("SetIdentifier", ""))
        return None


