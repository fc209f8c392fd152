"""The drill's time: an emulated clock that threads sleep on, and that the drill advances event by event.

Every wait of the emulated world blocks on this clock instead of the wall clock: Step Functions ``Wait``
states and ``Retry`` intervals, botocore's retry back-off, ``time.sleep`` in function code, and task-token
callbacks (an operator's answer). The drill's loop advances time only when the world is idle - no function
running, no request in flight for a short real moment, every sleeper parked - and then straight to the next
thing due (a sleeper's wake-up or a scheduled event), so an hour of emulated outage takes a second.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

QUIET_SECONDS = 0.015
"""How long (real time) nothing may happen before the world counts as idle."""


@dataclass(order=True)
class _Due:
    at: float
    order: int
    action: Callable[[], None] = field(compare=False)
    label: str = field(compare=False, default="")


class ClockStopped(BaseException):
    """Raised in a thread still sleeping when its world ends: the thread stops there."""


class Clock:
    """Emulated epoch seconds. ``sleep`` blocks the calling thread until the drill advances past its wake-up."""

    def __init__(self, start: float) -> None:
        self._now = start
        self.start = start
        self._lock = threading.Condition()
        self._sleepers: dict[int, float] = {}
        self._busy = 0
        self._touched = time.monotonic()
        self._due: list[_Due] = []
        self._order = itertools.count()
        self._local = threading.local()
        self._stopped = False
        self._driver = threading.get_ident()

    @property
    def stopped(self) -> bool:
        return self._stopped

    def now(self) -> float:
        return self._now

    def elapsed(self) -> float:
        return self._now - self.start

    # --- what the emulated world calls ---------------------------------------------------------------
    def sleep(self, seconds: float) -> None:
        """Block until the emulated clock is ``seconds`` later (the drill advances it).

        The thread that drives the clock (an emulated service delivering an event runs a function there)
        does not block: the clock moves on by itself, running what falls due meanwhile."""
        if threading.get_ident() == self._driver:
            self.advance(self._now + max(0.0, float(seconds)))
            return
        with self._lock:
            wake = self._now + max(0.0, float(seconds))
            key = next(self._order)
            self._sleepers[key] = wake
            working = getattr(self._local, "busy", 0)
            self._busy -= working  # a function that sleeps is not working
            self._touched = time.monotonic()
            try:
                while self._now < wake:
                    if self._stopped:
                        raise ClockStopped()
                    self._lock.wait(0.5)
            finally:
                del self._sleepers[key]
                self._busy += working
                self._touched = time.monotonic()

    def stop(self) -> None:
        """The world ends: every thread still sleeping on the clock stops."""
        with self._lock:
            self._stopped = True
            self._lock.notify_all()

    def parked(self) -> _Parked:
        """A context in which the calling thread waits for something outside (an operator): it is idle."""
        return _Parked(self)

    def busy(self) -> _Busy:
        """A context in which the calling thread works (a function runs): the world is not idle."""
        return _Busy(self)

    def touch(self) -> None:
        self._touched = time.monotonic()

    def at(self, when: float, action: Callable[[], None], label: str = "") -> None:
        """Run ``action`` (in the drill's loop) when the clock reaches ``when``."""
        with self._lock:
            heapq.heappush(self._due, _Due(when, next(self._order), action, label))

    def after(self, seconds: float, action: Callable[[], None], label: str = "") -> None:
        self.at(self._now + seconds, action, label)

    # --- what the drill's loop calls ------------------------------------------------------------------
    def settle(self, limit: float = 10.0) -> None:
        """Return when the world is idle (or after ``limit`` real seconds)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            with self._lock:
                quiet = time.monotonic() - self._touched >= QUIET_SECONDS
                if quiet and self._busy == 0:
                    return
            time.sleep(QUIET_SECONDS / 3)

    def next_time(self) -> float | None:
        with self._lock:
            times = list(self._sleepers.values()) + ([self._due[0].at] if self._due else [])
        return min(times) if times else None

    def advance(self, until: float) -> None:
        """Move to ``until`` (never back), running what falls due on the way, in time order."""
        while True:
            with self._lock:
                due = heapq.heappop(self._due) if self._due and self._due[0].at <= until else None
                if due is None:
                    self._now = max(self._now, until)
                    self._lock.notify_all()
                    return
                self._now = max(self._now, due.at)
                self._lock.notify_all()
            due.action()

    def step(self, horizon: float) -> bool:
        """Settle, then advance to the next wake-up or due event (not past ``horizon``). False: nothing left."""
        self.settle()
        upcoming = self.next_time()
        if upcoming is None or upcoming > horizon:
            self.advance(horizon)
            return False
        self.advance(upcoming)
        self.settle()
        return True


class _Parked:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def __enter__(self) -> None:
        with self.clock._lock:
            self.working = getattr(self.clock._local, "busy", 0)
            self.clock._busy -= self.working
            self.clock._touched = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        with self.clock._lock:
            self.clock._busy += self.working
            self.clock._touched = time.monotonic()


class _Busy:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def __enter__(self) -> None:
        with self.clock._lock:
            self.clock._busy += 1
            self.clock._local.busy = getattr(self.clock._local, "busy", 0) + 1
            self.clock._touched = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        with self.clock._lock:
            self.clock._busy -= 1
            self.clock._local.busy -= 1
            self.clock._touched = time.monotonic()
