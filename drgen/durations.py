"""Durations as written in blueprints: an integer and a unit (``90s``, ``15m``, ``1h``, ``14d``, ``500ms``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

PATTERN = r"^[0-9]+(ms|s|m|h|d)$"
_RE = re.compile(PATTERN)
_MILLIS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


@dataclass(frozen=True, order=True)
class Duration:
    """A non-negative span of time, kept in milliseconds; ``text`` is how the blueprint wrote it."""

    millis: int
    text: str = ""

    @property
    def seconds(self) -> float:
        return self.millis / 1000

    @property
    def whole_seconds(self) -> int:
        """Seconds, rounded up: AWS properties take whole seconds."""
        return -(-self.millis // 1000)

    @property
    def whole_days(self) -> int:
        return -(-self.millis // 86_400_000)

    def __str__(self) -> str:
        return self.text or format_millis(self.millis)


def parse(text: str) -> Duration:
    """Parse ``text``; raise ``ValueError`` with a message fit for a diagnostic when it is not a duration."""
    match = _RE.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"'{text}' is not a duration: write an integer and a unit (ms, s, m, h or d), e.g. 90s")
    unit = match.group(1)
    return Duration(int(text.strip()[: -len(unit)]) * _MILLIS[unit], text.strip())


def seconds(value: float) -> Duration:
    return Duration(round(value * 1000))


def format_millis(millis: int) -> str:
    """The shortest exact writing of ``millis`` (``90s``, ``15m``, ``1500ms``)."""
    for unit in ("d", "h", "m", "s"):
        if millis and millis % _MILLIS[unit] == 0:
            return f"{millis // _MILLIS[unit]}{unit}"
    return f"{millis}ms"


def human(millis: int) -> str:
    """A reading for people: ``4m 30s``, ``1.5s``, ``250ms``."""
    if millis < 1000:
        return f"{millis}ms"
    if millis < 60_000:
        value = millis / 1000
        return f"{value:g}s"
    total = round(millis / 1000)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if total >= size:
            parts.append(f"{total // size}{unit}")
            total %= size
    return " ".join(parts)
