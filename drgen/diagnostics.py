"""Diagnostics: one problem (or note) in a blueprint, with the place it was found."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from drgen import codes

Path = tuple[str | int, ...]


SHOWN = 80
"""The most characters of a value a message quotes: a 1 MiB value is not echoed whole into one line."""


LINE_BREAKS = {ord(c): c.encode("unicode_escape").decode("ascii")
               for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}
"""What ``str.splitlines`` breaks a line at, each as its escape: a diagnostic is one line."""


def clip(text: str, limit: int = SHOWN) -> str:
    """``text``, cut to ``limit`` characters with ``...`` when it is longer."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def format_path(path: Path) -> str:
    """``('regions', 1, 'cidr')`` -> ``regions[1].cidr``; the empty path is ``(document)``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{clip(part)}" if out else clip(part)
    return out or "(document)"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A located finding. ``line`` and ``column`` are 1-based; the code's first letter is its severity."""

    file: str
    line: int
    column: int
    code: str
    message: str
    path: str = ""

    @property
    def severity(self) -> str:
        return codes.get(self.code).severity

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def text(self) -> str:
        """One line, whatever the blueprint's values hold (a line break in an echoed value is shown escaped)."""
        where = f" (at {self.path})" if self.path else ""
        return f"{self.file}:{self.line}:{self.column}: {self.code} {self.message}{where}".translate(LINE_BREAKS)

    def to_dict(self) -> dict[str, str | int]:
        return dict(asdict(self), severity=self.severity)

    def github(self) -> str:
        level = {"error": "error", "warning": "warning"}.get(self.severity, "notice")
        message = self.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::{level} file={self.file},line={self.line},col={self.column},title={self.code}::{message}"


def sort(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Document order, each finding once."""
    return sorted(set(diagnostics))


def to_json(diagnostics: Iterable[Diagnostic]) -> str:
    items = [d.to_dict() for d in diagnostics]
    return json.dumps(items, indent=2, sort_keys=True) + "\n"
