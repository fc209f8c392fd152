"""The benchmarks run (their figures are printed, never asserted): they must not rot silently."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_deploy_benchmark_runs_and_an_unchanged_redeploy_writes_nothing() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "deploy"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = {line.split(" s,")[0].rsplit(None, 1)[0].strip(): line for line in done.stdout.splitlines()[1:]}
    assert "(0 writes), 0 operations" in lines["unchanged redeploy"]
    # one per StackSet instance and stack (orchestration in both regions), and the storage StackSet once more when
    # every region's buckets exist: replication both ways
    assert "16 operations" in lines["first deploy"]


def test_the_validate_benchmark_shows_what_importing_jsonschema_costs() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "validate"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    runs, imports = done.stdout.splitlines()[1:3]
    assert "runs 15: median" in runs and "CPU median" in runs
    assert imports.startswith("  imports ") and "jsonschema " in imports and "troposphere" not in imports
