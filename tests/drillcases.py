"""The drill's test matrix: every scenario for every secondary of every shipped blueprint with a failover machine.

Split over two test files so that ``pytest -n 2 --dist loadfile`` runs them on both workers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import drgen
from drgen.drilling import NAMES
from drgen.model import Blueprint

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINTS = sorted(p for p in (ROOT / "blueprints").glob("*.yaml")
                    if drgen.load(p).runs_compute_in_secondaries and drgen.load(p).failover.orchestrator == "drgen")
REFERENCE = ROOT / "blueprints" / "trading-platform.yaml"
PLANNED = ["resume", "fail-back", "approve", "deny", "timeout", "not-ready"]
"""The rest of NAMES runs in test_drill_outage.py."""
OUTAGE = [n for n in NAMES if n not in PLANNED]


def load(name: str) -> Blueprint:
    return drgen.load(ROOT / "blueprints" / name)


def cases(names: list[str]) -> list[object]:
    found = []
    for path in BLUEPRINTS:
        bp = drgen.load(path)
        for region in [r.name for r in bp.secondaries]:
            for name in names:
                found.append(pytest.param(path.name, name, region, id=f"{path.stem}-{name}-{region}"))
    return found


