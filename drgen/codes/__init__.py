"""The registry of diagnostic codes: the one place codes are defined, and the source of docs/errors.md.

A code's first letter is its severity: ``E`` error (the blueprint is invalid), ``W`` warning,
``I`` information. The digits group codes by family; each family's codes live in a module of this package
(``reading``, ``regions``, ``names``, ``limits``, ``services``), every one with its explanation and, for AWS's
hard rules and guidance, its source.
"""

from __future__ import annotations

from drgen.codes import limits, names, reading, regions, services
from drgen.codes.entry import FAMILIES, Code

__all__ = ["FAMILIES", "REGISTRY", "Code", "get"]

_ALL = [*reading.CODES, *regions.CODES, *names.CODES, *limits.CODES, *services.CODES]

REGISTRY: dict[str, Code] = {c.code: c for c in _ALL}
assert len(REGISTRY) == len(_ALL), "a code is defined twice"


def get(code: str) -> Code:
    return REGISTRY[code]
