"""The fault model: which regions are down, impaired or partitioned, applied to every AWS call made in the world.

A botocore ``before-send`` hook (inserted ahead of moto's own stubber, so every client the world creates gets
it) looks at the region of the endpoint a request goes to and, where the code that makes it runs
(``running_in``: a function runs in its region), and decides as a network would:

- ``down``: the endpoint does not answer. The call waits its connect timeout on the emulated clock and fails
  with botocore's own ``ConnectTimeoutError`` - the client's retries then apply, as they would in AWS;
- ``impaired``: a share of calls fail that way, or are slow, deterministically from a seed;
- ``partitioned(a, b)``: calls made by code running in ``a`` to ``b``'s endpoints fail; ``b`` is healthy.

The drill's own calls (building the world, reading its end state) run ``bypassed()``; the emulated AWS
services (alarms, rules, replication) ask ``Faults`` directly whether a region works.
"""

from __future__ import annotations

import contextvars
import random
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from drgen.emulation.clock import Clock, WorldThread

running_in: contextvars.ContextVar[str | None] = contextvars.ContextVar("drgen_running_in", default=None)
"""The region whose code makes the current calls (None: a service of the emulated AWS, or unknown)."""
_bypass: contextvars.ContextVar[bool] = contextvars.ContextVar("drgen_bypass", default=False)

_active: list[Faults] = []
_SESSION: list[Any] = []


def session() -> Any:
    """One boto3 session for every client of the emulated world (botocore's service models load once).

    Its clients, and every client botocore creates while a world is active, carry the fault hook."""
    if not _SESSION:
        import boto3

        _SESSION.append(boto3.Session(aws_access_key_id="drill", aws_secret_access_key="drill"))
    return _SESSION[0]


def _hook(**kwargs: Any) -> None:
    if _active:
        _active[-1].before_send(**kwargs)


def install(faults: Faults) -> None:
    """Make ``faults`` the world's (until ``uninstall``); the hook goes first, before moto's stubber."""
    from botocore.handlers import BUILTIN_HANDLERS

    if ("before-send", _hook) not in BUILTIN_HANDLERS:
        BUILTIN_HANDLERS.insert(0, ("before-send", _hook))
    session()
    _active.append(faults)


def uninstall(faults: Faults) -> None:
    _active.remove(faults)
    from drgen.emulation import lambdas

    lambdas._CLIENTS.clear()


_REGION = re.compile(r"\.((?:[a-z]{2}-)?(?:gov-|iso[a-z]*-)?[a-z]+-[a-z]+-\d)\.")
DEFAULT_CONNECT_TIMEOUT = 60.0
"""botocore's default connect timeout: also the longest a call to an unreachable endpoint waits here (moto's Step
Functions clients ask for days, which no AWS service integration waits)."""


@dataclass
class Impairment:
    share: float
    """Share of calls (0-1) that fail."""
    slow_seconds: float = 0.0
    """Extra latency of every call that does not fail."""


@dataclass
class Faults:
    clock: Clock
    seed: int = 0
    down: set[str] = field(default_factory=set)
    impaired: dict[str, Impairment] = field(default_factory=dict)
    partitions: set[tuple[str, str]] = field(default_factory=set)
    refused: list[tuple[str | None, str, str]] = field(default_factory=list)
    """Every call the faults stopped: (caller region, endpoint region, operation)."""

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def works(self, region: str) -> bool:
        return region not in self.down

    def reachable(self, caller: str | None, region: str) -> bool:
        """Whether code in ``caller`` can reach ``region``'s endpoints at all (impairment aside)."""
        if region in self.down or (caller is not None and caller in self.down):
            return False
        return caller is None or (caller, region) not in self.partitions

    def partition(self, a: str, b: str) -> None:
        self.partitions.add((a, b))

    def heal(self) -> None:
        self.down.clear()
        self.impaired.clear()
        self.partitions.clear()

    def before_send(self, request: Any, event_name: str = "", **_: Any) -> None:
        """botocore's ``before-send`` hook: raise what botocore raises when an endpoint does not answer."""
        if _bypass.get():
            return
        context = getattr(request, "context", {}) or {}
        found = _REGION.search(request.url)
        region = context.get("client_region") or (found.group(1) if found else None)
        if not region or region == "aws-global":
            return
        caller = running_in.get()
        operation = event_name.removeprefix("before-send.") or request.url
        failed = not self.reachable(caller, region)
        impairment = self.impaired.get(region)
        if not failed and impairment is not None:
            if self._random.random() < impairment.share:
                failed = True
            elif impairment.slow_seconds:
                self.clock.sleep(impairment.slow_seconds)
        if failed:
            from botocore.exceptions import ConnectTimeoutError

            self.refused.append((caller, region, operation))
            config = context.get("client_config")
            timeout = getattr(config, "connect_timeout", None) or DEFAULT_CONNECT_TIMEOUT
            self.clock.sleep(min(float(timeout), DEFAULT_CONNECT_TIMEOUT))
            if caller is None and isinstance(threading.current_thread(), WorldThread):
                raise _integration_error(request.url, operation)
            raise ConnectTimeoutError(endpoint_url=request.url)


def _integration_error(url: str, operation: str) -> Exception:
    """What a Step Functions task sees when the service it calls does not answer: the service's
    ``SdkClientException`` (Step Functions names it ``Lambda.SdkClientException``, ``DynamoDB.SdkClientException``...),
    a task failure its Retry and Catch handle - not a client-side connect timeout, which the ASL engine would
    turn into an uncatchable ``States.Runtime``."""
    from botocore.exceptions import ClientError

    error: Exception = ClientError({"Error": {"Code": "SdkClientException",
                                  "Message": f"Unable to execute HTTP request: connect timed out ({url})"},
                        "ResponseMetadata": {"HTTPStatusCode": 500, "RequestId": "drill-unreachable"}},
                       operation.split(".")[-1] or "Call")
    return error


@contextmanager
def bypassed() -> Iterator[None]:
    """The drill's own calls: building the world and reading it, never subject to faults."""
    token = _bypass.set(True)
    try:
        yield
    finally:
        _bypass.reset(token)


@contextmanager
def running(region: str) -> Iterator[None]:
    """Code of ``region`` runs: its calls are subject to faults, seen from that region."""
    token, bypass = running_in.set(region), _bypass.set(False)
    try:
        yield
    finally:
        running_in.reset(token)
        _bypass.reset(bypass)
