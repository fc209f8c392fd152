"""One diagnostic code, and the families its second character names.

A code's first letter is its severity: ``E`` error (the blueprint is invalid), ``W`` warning,
``I`` information. The digits group codes by family.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    explanation: str
    source: str = ""
    """Where AWS states the rule or the guidance (a document and its section), for hard rules and AWS guidance."""

    @property
    def severity(self) -> str:
        return {"E": "error", "W": "warning", "I": "info"}[self.code[0]]

    @property
    def family(self) -> str:
        return FAMILIES[self.code[1]]


FAMILIES = {
    "0": "Reading the file",
    "1": "Structure (JSON Schema)",
    "2": "Regions and network",
    "3": "Names and references",
    "4": "Durations and AWS limits",
    "5": "Physical names",
    "6": "Engines and versions",
    "7": "Objectives",
    "8": "Orchestrators",
    "9": "AWS resilience tooling (Resilience Hub, FIS)",
}
