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


def test_the_fleet_benchmark_sets_16_regions_by_200_accounts_against_the_stackset_quotas() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "fleet"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "16 regions x 200 accounts: 4 StackSets, 12,800 stack instances, 65 StackSet operations" in out
    assert "estimated first deploy: " in out and "quota stack instances per StackSet: 3,200 of 100,000" in out


def test_the_many_benchmark_renders_and_plans_100_blueprints_with_distinct_prefixes() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "many"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "  100 distinct prefixes, " in done.stdout
    assert "600 StackSets in one administrator account (quota 1,000: 60%)" in done.stdout
