"""checkov over CloudFormation templates, for the tests that hold renders to it.

checkov lives in its own virtualenv (it pins an old boto3): ``DRGEN_CHECKOV`` names its executable, and
.ci/run installs it in .venv-checkov. Without it, a test using this is skipped, saying so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def executable() -> str:
    """checkov's executable; the calling test is skipped when there is none."""
    candidates = [os.environ.get("DRGEN_CHECKOV"), str(ROOT / ".venv-checkov" / "bin" / "checkov"),
                  shutil.which("checkov")]
    found = next((c for c in candidates if c and Path(c).exists()), None)
    if found is None:
        pytest.skip("checkov is not installed: set DRGEN_CHECKOV to its executable (.ci/run installs it in "
                    ".venv-checkov, as it pins an old boto3)")
    return found


def scan(*targets: str) -> list[dict[str, Any]]:
    """checkov's reports for ``targets`` (``-d DIR`` or ``-f FILE`` arguments), CloudFormation checks only."""
    done = subprocess.run([executable(), *targets, "--framework", "cloudformation", "--skip-download", "-o", "json"],
                          capture_output=True, text=True, check=False)
    reports = json.loads(done.stdout)
    return reports if isinstance(reports, list) else [reports]


def failed(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for r in reports for c in r["results"]["failed_checks"]]


def skipped(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for r in reports for c in r["results"]["skipped_checks"]]


def passed(reports: list[dict[str, Any]]) -> int:
    return sum(int(r["summary"]["passed"]) for r in reports)
