"""Small, documented extensions of moto that let drgen's drill run the real artifacts in-process.

moto emulates AWS well enough to run the rendered state machine, but not entirely:

- Lambda functions run only in docker: here a function runs its real packaged code in-process (the zip
  drgen rendered, its environment, its region), against the same emulated AWS;
- RDS has no ``SwitchoverGlobalCluster``/``FailoverGlobalCluster``, and keeps a global cluster in the
  region that created it: here both operations move the writer to the target cluster (completing on the
  next status read, or never, when the scenario says the promotion hangs), and a global cluster is seen
  from every region, as on AWS;
- a region can be made unreachable (its RDS and DynamoDB APIs answer 503), the way a regional outage looks;
- ``Wait`` states do not sleep: the drill compresses time, and reports it.
Everything here is drill machinery; nothing in the rendered artifacts depends on it.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import sys
import tempfile
import traceback
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock


@dataclass
class World:
    """What the emulation is told about the disaster being drilled."""

    down: set[str] = field(default_factory=set)
    """Regions whose control planes do not answer."""
    promotion_completes: bool = True
    """False: the writer never comes up (to drill promotion_timeout)."""
    promotions: list[dict[str, str]] = field(default_factory=list)
    """Every switchover or failover the promoter asked for, in order."""


def _run_packaged(function: Any, event: Any) -> tuple[str, bool, str]:
    """Run a moto Lambda function's real code: unzip it, import its handler, call it."""
    handler_name = function.handler
    module_name, _, attribute = handler_name.rpartition(".")
    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(io.BytesIO(function.code_bytes)) as archive:
            archive.extractall(folder)
        unique = f"drgen_drill_{function.function_name.replace('-', '_')}_{module_name}"
        spec = importlib.util.spec_from_file_location(unique, os.path.join(folder, *module_name.split(".")) + ".py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        environment = {**function.environment_vars, "AWS_REGION": function.region,
                       "AWS_DEFAULT_REGION": function.region, "AWS_LAMBDA_FUNCTION_NAME": function.function_name}
        with mock.patch.dict(os.environ, environment):
            try:
                sys.modules[unique] = module
                spec.loader.exec_module(module)
                payload = json.loads(event) if isinstance(event, str) else event
                result = getattr(module, attribute)(payload, None)
                return json.dumps(result, default=str), False, ""
            except Exception as error:  # the function's own error: what Lambda reports as a function error
                body = {"errorType": type(error).__name__, "errorMessage": str(error),
                        "stackTrace": traceback.format_exception_only(type(error), error)}
                return json.dumps(body), True, ""
            finally:
                sys.modules.pop(unique, None)


def _global_clusters(account: str) -> dict[str, Any]:
    from moto.rds.models import rds_backends

    found: dict[str, Any] = {}
    for region in rds_backends[account]:
        found.update(dict(rds_backends[account][region].global_clusters))
    return found


def _unavailable(region: str, service: str = "rds") -> Exception:
    """The error a drilled outage answers with, in the service's own error vocabulary."""
    message = f"the {region} endpoint does not answer (drilled outage)"
    if service == "rds":
        from moto.rds.exceptions import RDSClientError

        return RDSClientError("InvalidDBClusterStateFault", message)
    from moto.dynamodb.exceptions import ResourceNotFoundException

    return ResourceNotFoundException(message)


@contextmanager
def emulated(world: World) -> Iterator[World]:
    """Install the extensions for the duration of a drill (inside ``moto.mock_aws``)."""
    from moto.awslambda.models import LambdaFunction
    from moto.dynamodb.responses import DynamoHandler
    from moto.rds.exceptions import RDSClientError
    from moto.rds.models import RDSBackend
    from moto.rds.responses import RDSResponse
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction


    def describe_global_clusters(self: Any) -> list[Any]:
        clusters = list(_global_clusters(self.account_id).values())
        for cluster in clusters:
            pending = getattr(cluster, "drgen_target", None)
            if pending is not None and world.promotion_completes:
                for member in cluster.members:
                    member.is_writer = member.db_cluster_arn == pending
                cluster.drgen_target = None
                cluster.status = "available"
        return clusters

    def promote(self: Any, identifier: str, target: str, lossy: bool) -> Any:
        cluster = _global_clusters(self.account_id).get(identifier)
        if cluster is None:
            raise RDSClientError("GlobalClusterNotFoundFault", f"global cluster {identifier} not found")
        if target not in [m.db_cluster_arn for m in cluster.members]:
            raise RDSClientError("InvalidParameterValue", f"{target} is not a member of {identifier}")
        writer = next((m for m in cluster.members if m.is_writer), None)
        if not lossy and writer is not None and writer.backend.region_name in world.down:
            raise RDSClientError("InvalidGlobalClusterStateFault",
                                 "a switchover needs the primary cluster, which does not answer")
        world.promotions.append({"action": "failover" if lossy else "switchover", "target": target,
                                 "called_in": self.region_name})
        cluster.drgen_target = target
        cluster.status = "failing-over" if lossy else "switching-over"
        return cluster

    def switchover_response(self: Any) -> Any:
        from moto.core.responses import ActionResult

        cluster = promote(self.backend, self.params["GlobalClusterIdentifier"],
                          self.params["TargetDbClusterIdentifier"], False)
        return ActionResult({"GlobalCluster": cluster})

    def failover_response(self: Any) -> Any:
        from moto.core.responses import ActionResult

        cluster = promote(self.backend, self.params["GlobalClusterIdentifier"],
                          self.params["TargetDbClusterIdentifier"], bool(self.params.get("AllowDataLoss")))
        return ActionResult({"GlobalCluster": cluster})

    def outage(original: Any, service: str) -> Any:
        """The API handler, answering with an error when its region is down (at the API, like an outage)."""
        def handler(self: Any) -> Any:
            if self.region in world.down:
                raise _unavailable(self.region, service)
            return original(self)
        return handler

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(LambdaFunction, "_invoke_lambda",
                                              lambda self, event=None: _run_packaged(self, event)))
        stack.enter_context(mock.patch.object(RDSBackend, "describe_global_clusters", describe_global_clusters))
        for cls, name, service in ((RDSResponse, "describe_db_clusters", "rds"),
                                   (DynamoHandler, "get_item", "dynamodb"), (DynamoHandler, "put_item", "dynamodb"),
                                   (DynamoHandler, "describe_table", "dynamodb")):
            stack.enter_context(mock.patch.object(cls, name, outage(getattr(cls, name), service)))
        stack.enter_context(mock.patch.object(RDSResponse, "switchover_global_cluster", switchover_response,
                                              create=True))
        stack.enter_context(mock.patch.object(RDSResponse, "failover_global_cluster", failover_response, create=True))
        stack.enter_context(mock.patch.object(WaitFunction, "_wait_interval", lambda self, env, wait_seconds: None))
        yield world
