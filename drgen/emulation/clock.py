"""The drill's time: an emulated clock that the world's threads block on, and that the drill advances.

Every wait of the emulated world blocks on this clock instead of the wall clock: Step Functions ``Wait``
states, ``Retry`` intervals, task and execution timeouts, botocore's retry back-off, ``time.sleep`` in
function code, and task-token callbacks (an operator's answer). The drill's loop advances time only when
the world is idle and then straight to the next thing due (a sleeper's wake-up or a scheduled event), so
an hour of emulated outage takes a second.

"Idle" is counted, never guessed from real time: every thread of the world (``Clock.thread``) counts as
working from the moment it is started until it ends, except while it blocks on the clock (``sleep``, a
``Clock.event`` wait, a join). Whoever ends a wait - the clock reaching a wake-up, a thread setting an event
or ending - counts the waiter as working again in the same step, so there is no moment between the two in
which the world looks idle. The same scenario therefore sees the same sequence of emulated events on any
machine, however loaded.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SETTLE_LIMIT = 120.0
"""Real seconds the world may stay busy before the drill gives up on it (a thread that never blocks)."""


@dataclass(order=True)
class _Due:
    at: float
    order: int
    action: Callable[[], None] = field(compare=False)
    label: str = field(compare=False, default="")


@dataclass(eq=False)
class _Waiter:
    wake: float | None
    working: int
    woken: bool = False


class ClockStopped(BaseException):
    """Raised in a thread still waiting when its world ends: the thread stops there."""


class WorldBusy(RuntimeError):
    """The world never went idle: some thread works without ever blocking on the clock."""


class Clock:
    """Emulated epoch seconds. ``sleep`` blocks the calling thread until the drill advances past its wake-up."""

    def __init__(self, start: float) -> None:
        self._now = start
        self.start = start
        self._lock = threading.Condition()
        self._waiters: list[_Waiter] = []
        self._busy = 0
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

    # --- waiting (lock held in every _method) ------------------------------------------------------------------
    def _working(self) -> int:
        return int(getattr(self._local, "busy", 0))

    def _park(self, wake: float | None) -> _Waiter:
        waiter = _Waiter(wake, self._working())
        self._busy -= waiter.working
        self._waiters.append(waiter)
        self._lock.notify_all()  # the drill's loop may be settling: this thread no longer works
        return waiter

    def _wake(self, waiter: _Waiter) -> None:
        if not waiter.woken:
            waiter.woken = True
            self._busy += waiter.working
            self._waiters.remove(waiter)
            self._lock.notify_all()

    def _block(self, waiter: _Waiter) -> None:
        while not waiter.woken:
            if self._stopped:
                raise ClockStopped()
            self._lock.wait(0.5)

    def _wait(self, wake: float | None, ready: Callable[[], bool], waiters: list[_Waiter] | None = None) -> None:
        """Block until ``ready()`` or the clock reaches ``wake``; the driving thread advances the clock itself.
        ``waiters``: where whoever makes ``ready()`` true finds this waiter to wake it (an event's list)."""
        if threading.get_ident() == self._driver:
            while not ready():
                upcoming = self.next_time()
                if upcoming is None or (wake is not None and upcoming > wake):
                    if wake is not None:
                        self.advance(wake)
                    return
                self.advance(upcoming)
            return
        with self._lock:
            if ready() or (wake is not None and wake <= self._now):
                return
            waiter = self._park(wake)
            if waiters is not None:
                waiters.append(waiter)
            try:
                self._block(waiter)
            finally:
                if not waiter.woken and waiter in self._waiters:
                    self._waiters.remove(waiter)
                if waiters is not None and waiter in waiters:
                    waiters.remove(waiter)

    # --- what the emulated world calls ---------------------------------------------------------------
    def sleep(self, seconds: float) -> None:
        """Block until the emulated clock is ``seconds`` later (the drill advances it)."""
        if seconds > 0:
            self._wait(self._now + float(seconds), lambda: False)

    def stop(self) -> None:
        """The world ends: every thread still waiting on the clock stops."""
        with self._lock:
            self._stopped = True
            self._lock.notify_all()

    def busy(self) -> _Busy:
        """A context in which the calling thread works (a function runs): the world is not idle."""
        return _Busy(self)

    def event(self) -> Event:
        """An event (``threading.Event``'s interface) whose waits are on this clock."""
        return Event(self)

    def thread_class(self) -> type[threading.Thread]:
        """``threading.Thread`` for threads of the world: counted as working until they block or end."""
        clock = self

        class _Bound(WorldThread):
            pass

        _Bound.clock = clock
        return _Bound

    def at(self, when: float, action: Callable[[], None], label: str = "") -> None:
        """Run ``action`` (in the drill's loop) when the clock reaches ``when``."""
        with self._lock:
            heapq.heappush(self._due, _Due(when, next(self._order), action, label))

    def after(self, seconds: float, action: Callable[[], None], label: str = "") -> None:
        self.at(self._now + seconds, action, label)

    # --- what the drill's loop calls ------------------------------------------------------------------
    def settle(self, limit: float = SETTLE_LIMIT) -> None:
        """Return when every thread of the world blocks on the clock or has ended (the caller's own work aside)."""
        deadline = time.monotonic() + limit
        with self._lock:
            while self._busy > self._working():
                if self._stopped:
                    return
                if time.monotonic() > deadline:
                    raise WorldBusy(f"the emulated world stayed busy for {limit:.0f} s of real time")
                self._lock.wait(0.05)

    def next_time(self) -> float | None:
        with self._lock:
            return self._next_locked()

    def _next_locked(self) -> float | None:
        times = [w.wake for w in self._waiters if w.wake is not None] + ([self._due[0].at] if self._due else [])
        return min(times) if times else None

    def advance(self, until: float) -> None:
        """Move to ``until`` (never back), one moment at a time: at each, wake who is due and let the world
        settle, then run the scheduled actions of that moment (each followed by settling)."""
        while True:
            with self._lock:
                upcoming = self._next_locked()
                moment = until if upcoming is None or upcoming > until else upcoming
                self._now = max(self._now, moment)
                for waiter in [w for w in self._waiters if w.wake is not None and w.wake <= self._now]:
                    self._wake(waiter)
                due = heapq.heappop(self._due) if self._due and self._due[0].at <= self._now else None
            self.settle()
            if due is not None:
                due.action()
                self.settle()
            elif upcoming is None or upcoming > until:
                return

    def step(self, horizon: float) -> bool:
        """Settle, then advance to the next wake-up or due event (not past ``horizon``). False: nothing left."""
        self.settle()
        upcoming = self.next_time()
        if upcoming is None or upcoming > horizon:
            self.advance(horizon)
            return False
        self.advance(upcoming)
        return True


class Event:
    """``threading.Event`` on the emulated clock: ``wait(timeout)`` counts emulated seconds and is idle."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._flag = False
        self._waiters: list[_Waiter] = []

    def is_set(self) -> bool:
        return self._flag

    def set(self) -> None:
        with self.clock._lock:
            self._flag = True
            for waiter in self._waiters:
                self.clock._wake(waiter)
            self._waiters.clear()

    def clear(self) -> None:
        self._flag = False

    def wait(self, timeout: float | None = None) -> bool:
        self.clock._wait(None if timeout is None else self.clock.now() + float(timeout), self.is_set, self._waiters)
        return self._flag


class WorldThread(threading.Thread):
    """A thread of the emulated world (Step Functions' engine): see ``Clock.thread_class``."""

    clock: Clock

    def start(self) -> None:
        self._ended = self.clock.event()
        with self.clock._lock:
            self.clock._busy += 1  # working from now: the world is not idle before the thread first runs
        try:
            super().start()
        except BaseException:
            with self.clock._lock:
                self.clock._busy -= 1
            raise

    def run(self) -> None:
        clock = self.clock
        clock._local.busy = 1
        try:
            super().run()
        finally:
            with clock._lock:
                self._ended.set()  # joiners work again before this thread stops counting
                clock._busy -= clock._local.busy
                clock._local.busy = 0
                clock._lock.notify_all()

    def join(self, timeout: float | None = None) -> None:
        """Wait (idle) until the thread ends, ``timeout`` in emulated seconds."""
        self._ended.wait(timeout)

    def is_alive(self) -> bool:
        ended: Any = getattr(self, "_ended", None)
        return ended is not None and not ended.is_set()


class _Busy:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def __enter__(self) -> None:
        with self.clock._lock:
            self.clock._busy += 1
            self.clock._local.busy = self.clock._working() + 1

    def __exit__(self, *exc: object) -> None:
        with self.clock._lock:
            self.clock._busy -= 1
            self.clock._local.busy -= 1
            self.clock._lock.notify_all()
