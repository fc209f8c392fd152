"""The runbook: what an operator needs is in it, and its Mermaid diagram parses with Mermaid's own parser."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import drgen

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "render"
RUNBOOKS = sorted(GOLDEN.glob("*/runbook.md"))


def test_mermaid_parses_every_runbook_diagram() -> None:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "mermaid").exists():
        pytest.skip("Mermaid's parser is not installed: .ci/run installs it with npm ci")
    done = subprocess.run([node, str(ROOT / "tools" / "check-mermaid.mjs"), *map(str, RUNBOOKS)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("mermaid ok") == len(RUNBOOKS)


def test_the_checker_rejects_a_broken_diagram(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "mermaid").exists():
        pytest.skip("Mermaid's parser is not installed: .ci/run installs it with npm ci")
    broken = tmp_path / "broken.md"
    broken.write_text("```mermaid\nflowchart LR\n  a -->|label|\n```\n")
    done = subprocess.run([node, str(ROOT / "tools" / "check-mermaid.mjs"), str(broken)], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 1 and "Parse error" in done.stdout


def test_reference_runbook_has_the_operator_commands() -> None:
    text = drgen.render(drgen.load(ROOT / "blueprints" / "trading-platform.yaml")).files["runbook.md"].decode()
    assert ("aws stepfunctions start-execution --region us-east-2 \\\n  --state-machine-arn \"arn:aws:states:us-east-2:"
            "$(aws sts get-caller-identity --query Account --output text):stateMachine:trading-platform-prod-failover\"") in text
    assert "send-task-success" in text and "send-task-failure" in text
    assert "trading-platform-prod-api-latency" in text  # a failover alarm, by its real name
    assert "oncall@example.com" in text
    for heading in ("## Topology", "## Objectives", "## Deployment plan", "## How to tell",
                    "## How to fail over", "## How to verify", "## How to fail back", "## How to drill"):
        assert heading in text


def test_backup_restore_runbook_explains_the_restore() -> None:
    text = (GOLDEN / "archive" / "runbook.md").read_text()
    assert "## How to recover (backup and restore)" in text and "start-execution" not in text
