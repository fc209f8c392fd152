"""Lambda: a function's real packaged code, run in-process, in its region, on the emulated clock.

moto runs functions only in docker. Here an invocation unzips the package drgen rendered, imports its
handler with the function's environment and region, and calls it. While it runs, its AWS calls are made
from its region (``faults.running``: a partition or an outage applies as seen from there), and the module's
``time`` and ``datetime`` read and sleep on the emulated clock, and its ``boto3`` makes its clients from the
drill's one session (service models load once) (a function that sleeps 5 s between probes
sleeps 5 emulated seconds). A function in a region that is down does not run: the invocation fails as
Lambda's service would not answer. Each invocation that runs puts Lambda's invocation metrics in its region
(``AWS/Lambda``, dimension ``FunctionName``, at the invocation's time): ``Invocations`` 1 and ``Errors`` 1 or 0
(Lambda developer guide, "Types of metrics for Lambda functions": binary indicators of each invocation's outcome,
read with ``Sum``).
"""

from __future__ import annotations

import datetime as _dt
import importlib.util
import io
import json
import os
import sys
import tempfile
import time as _time
import traceback
import types
import zipfile
from typing import Any
from unittest import mock

from drgen.emulation.clock import Clock
from drgen.emulation.faults import Faults, bypassed, running, session


def clock_time(clock: Clock) -> types.SimpleNamespace:
    """A stand-in for the ``time`` module that reads and sleeps on the emulated clock."""
    names = {name: getattr(_time, name) for name in dir(_time) if not name.startswith("_")}
    names.update(time=clock.now, sleep=clock.sleep, monotonic=clock.now, perf_counter=clock.now)
    return types.SimpleNamespace(**names)


def clock_datetime(clock: Clock) -> type[_dt.datetime]:
    """``datetime.datetime`` whose ``now``/``utcnow`` read the emulated clock."""

    class EmulatedDatetime(_dt.datetime):
        @classmethod
        def now(cls, tz: _dt.tzinfo | None = None) -> Any:
            return _dt.datetime.fromtimestamp(clock.now(), tz or _dt.timezone.utc) if tz else \
                _dt.datetime.fromtimestamp(clock.now())

        @classmethod
        def utcnow(cls) -> Any:
            return _dt.datetime.fromtimestamp(clock.now(), _dt.timezone.utc).replace(tzinfo=None)

    return EmulatedDatetime


_CLIENTS: dict[tuple[str, str, str], Any] = {}


def _client(service: str, region_name: str | None = None, config: Any = None, **kwargs: Any) -> Any:
    """boto3.client for function code: one client per service, region and configuration for the drill."""
    region = region_name or os.environ.get("AWS_REGION", "us-east-1")
    shape = "" if config is None else repr((config.connect_timeout, config.read_timeout, config.retries))
    key = (service, region, shape + repr(sorted(kwargs.items())))
    if key not in _CLIENTS:
        _CLIENTS[key] = session().client(service, region_name=region, config=config, **kwargs)
    return _CLIENTS[key]


def _on_clock(module: types.ModuleType, clock: Clock) -> None:
    import boto3

    for name, value in list(vars(module).items()):
        if value is boto3:  # the same library; botocore's service models loaded once for the whole drill
            setattr(module, name, types.SimpleNamespace(**{**vars(boto3), "client": _client,
                                                          "resource": session().resource}))
        if value is _time:
            setattr(module, name, clock_time(clock))
        elif value is _dt.datetime:
            setattr(module, name, clock_datetime(clock))
        elif value is _dt:
            setattr(module, name, types.SimpleNamespace(**{**vars(_dt), "datetime": clock_datetime(clock)}))


def run_packaged(function: Any, event: Any, clock: Clock, faults: Faults) -> tuple[str, bool, str]:
    """Run a moto Lambda function's real code: unzip it, import its handler, call it in its region."""
    region = function.region
    if not faults.works(region):
        from botocore.exceptions import ConnectTimeoutError

        raise ConnectTimeoutError(endpoint_url=f"https://lambda.{region}.amazonaws.com")
    module_name, _, attribute = function.handler.rpartition(".")
    with tempfile.TemporaryDirectory() as folder, clock.busy(), running(region):
        with zipfile.ZipFile(io.BytesIO(function.code_bytes)) as archive:
            archive.extractall(folder)
        unique = f"drgen_drill_{region.replace('-', '_')}_{function.function_name.replace('-', '_')}_{module_name}"
        spec = importlib.util.spec_from_file_location(unique, os.path.join(folder, *module_name.split(".")) + ".py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        environment = {**function.environment_vars, "AWS_REGION": region, "AWS_DEFAULT_REGION": region,
                       "AWS_LAMBDA_FUNCTION_NAME": function.function_name}
        with mock.patch.dict(os.environ, environment):
            try:
                sys.modules[unique] = module
                spec.loader.exec_module(module)
                _on_clock(module, clock)
                payload = json.loads(event) if isinstance(event, (str, bytes)) else event
                result = getattr(module, attribute)(payload, None)
                _metrics(function, clock, error=False)
                return json.dumps(result, default=str), False, ""
            except Exception as error:  # the function's own error: what Lambda reports as a function error
                body = {"errorType": type(error).__name__, "errorMessage": str(error),
                        "stackTrace": traceback.format_exception_only(type(error), error)}
                _metrics(function, clock, error=True)
                return json.dumps(body), True, ""
            finally:
                sys.modules.pop(unique, None)


def _metrics(function: Any, clock: Clock, error: bool) -> None:
    """Lambda's ``Invocations`` and ``Errors`` datapoints of one invocation, in the function's region."""
    stamp = _dt.datetime.fromtimestamp(clock.now(), _dt.timezone.utc)
    dimensions = [{"Name": "FunctionName", "Value": function.function_name}]
    with bypassed():
        _client("cloudwatch", function.region).put_metric_data(Namespace="AWS/Lambda", MetricData=[
            {"MetricName": name, "Value": value, "Unit": "Count", "Timestamp": stamp, "Dimensions": dimensions}
            for name, value in (("Invocations", 1.0), ("Errors", float(error)))])
