"""Aurora global databases: members in every region, one writer, switchover and failover, lag metrics.

moto has no ``SwitchoverGlobalCluster``/``FailoverGlobalCluster`` and keeps a global cluster in the region
that created it. Here, as on AWS (Aurora User Guide, "Using switchover or failover in Amazon Aurora Global
Database"):

- a global cluster is described from any member region (``DescribeGlobalClusters``);
- a switchover needs the current writer's region: it synchronises the secondary first, so it fails
  (``InvalidGlobalClusterStateFault``) when that region is down; it completes ``SWITCHOVER_SECONDS`` later;
- a failover (``AllowDataLoss``) needs only the target; it completes ``FAILOVER_SECONDS`` later, or never
  when the drill says the promotion hangs;
- every minute RDS publishes, in each secondary member's region, ``AuroraGlobalDBReplicationLag`` and
  ``AuroraGlobalDBRPOLag`` (milliseconds, dimension ``DBClusterIdentifier``). Both are measured against the
  writer's storage: while the writer's region is down they are not published (the datapoints go missing),
  and nothing is published from a region that is down (Aurora User Guide, "Monitoring Aurora Global
  Database": the lag metrics of a secondary).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from drgen.emulation.clock import Clock
from drgen.emulation.faults import Faults

SWITCHOVER_SECONDS = 60.0
FAILOVER_SECONDS = 60.0
METRIC_PERIOD = 60.0


@dataclass
class Aurora:
    clock: Clock
    faults: Faults
    account: str
    lag_ms: float = 100.0
    promotion_completes: bool = True
    promotions: list[dict[str, str]] = field(default_factory=list)
    client: Any = None
    """A client factory of the emulated AWS: ``client(service, region)``."""
    """Every switchover or failover asked for, in order: action, target cluster ARN, region it was called in."""

    def clusters(self) -> dict[str, Any]:
        from moto.rds.models import rds_backends

        found: dict[str, Any] = {}
        for region in rds_backends[self.account]:
            found.update(dict(rds_backends[self.account][region].global_clusters))
        return found

    def writer_region(self, identifier: str) -> str | None:
        cluster = self.clusters().get(identifier)
        writer = None if cluster is None else next((m for m in cluster.members if m.is_writer), None)
        return None if writer is None else str(writer.db_cluster_arn.split(":")[3])

    def promote(self, called_in: str, identifier: str, target: str, lossy: bool) -> Any:
        from moto.rds.exceptions import RDSClientError

        cluster = self.clusters().get(identifier)
        if cluster is None:
            raise RDSClientError("GlobalClusterNotFoundFault", f"global cluster {identifier} not found")
        if target not in [m.db_cluster_arn for m in cluster.members]:
            raise RDSClientError("InvalidParameterValue", f"{target} is not a member of {identifier}")
        if getattr(cluster, "drgen_target", None) is not None:
            raise RDSClientError("InvalidGlobalClusterStateFault", f"{identifier} is already {cluster.status}")
        writer = self.writer_region(identifier)
        if not lossy and writer is not None and not self.faults.works(writer):
            raise RDSClientError("InvalidGlobalClusterStateFault",
                                 "a switchover needs the primary cluster, which does not answer")
        self.promotions.append({"action": "failover" if lossy else "switchover", "target": target,
                                "called_in": called_in, "at": f"{self.clock.elapsed():.0f}"})
        cluster.drgen_target = target
        cluster.status = "failing-over" if lossy else "switching-over"
        if self.promotion_completes:
            self.clock.after(FAILOVER_SECONDS if lossy else SWITCHOVER_SECONDS,
                             lambda: self._complete(cluster), f"promotion of {identifier}")
        return cluster

    @staticmethod
    def _complete(cluster: Any) -> None:
        for member in cluster.members:
            member.is_writer = member.db_cluster_arn == cluster.drgen_target
        cluster.drgen_target = None
        cluster.status = "available"

    def publish_lag(self) -> None:
        """RDS's lag metrics for every secondary member, this minute (none while the writer is down)."""
        from drgen.emulation.faults import bypassed

        stamp = datetime.fromtimestamp(self.clock.now(), timezone.utc)
        for identifier, cluster in sorted(self.clusters().items()):
            writer = self.writer_region(identifier)
            if writer is None or not self.faults.works(writer):
                continue
            for member in cluster.members:
                arn = member.db_cluster_arn
                region = arn.split(":")[3]
                if member.is_writer or not self.faults.works(region):
                    continue
                with bypassed():
                    self.client("cloudwatch", region).put_metric_data(Namespace="AWS/RDS", MetricData=[
                        {"MetricName": name, "Value": self.lag_ms, "Timestamp": stamp, "Unit": "Milliseconds",
                         "Dimensions": [{"Name": "DBClusterIdentifier", "Value": arn.split(":")[-1]}]}
                        for name in ("AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag")])

    def patches(self) -> list[tuple[Any, str, Any]]:
        """(owner, attribute, replacement) for moto's RDS."""
        from moto.core.responses import ActionResult
        from moto.rds.models import RDSBackend
        from moto.rds.responses import RDSResponse

        aurora = self

        def describe_global_clusters(backend: Any) -> list[Any]:
            return list(aurora.clusters().values())

        def response(lossy_param: bool) -> Any:
            def handler(self: Any) -> Any:
                lossy = bool(self.params.get("AllowDataLoss")) if lossy_param else False
                cluster = aurora.promote(self.region, self.params["GlobalClusterIdentifier"],
                                         self.params["TargetDbClusterIdentifier"], lossy)
                return ActionResult({"GlobalCluster": cluster})
            return handler

        return [(RDSBackend, "describe_global_clusters", describe_global_clusters),
                (RDSResponse, "switchover_global_cluster", response(False)),
                (RDSResponse, "failover_global_cluster", response(True))]
