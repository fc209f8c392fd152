"""The runbook: what an operator needs is in it, and its Mermaid diagram parses with Mermaid's own parser."""

from __future__ import annotations

import dataclasses
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
    for region in ("us-east-2", "us-east-1"):  # failing over, and failing back with the same machine
        assert (f"aws stepfunctions start-execution --region {region} \\\n  --state-machine-arn \"arn:aws:states:"
                f"{region}:$(aws sts get-caller-identity --region {region} --query Account --output text):"
                "stateMachine:trading-platform-prod-failover\"") in text
    assert "send-task-success" in text and "send-task-failure" in text
    assert "trading-platform-prod-api-latency" in text  # a failover alarm, by its real name
    assert "oncall@example.com" in text
    for heading in ("## Topology", "## Objectives", "## Deployment plan", "## How to tell",
                    "## How to fail over", "## How to verify", "## How to fail back", "## How to drill",
                    "## After the first deployment: activate the primary"):
        assert heading in text
    assert "**Scales up** (warm-standby): adds the instances each cluster lacks to match the primary's count " \
           "(trading: 2)" in text
    assert "ONE" not in text and "one request for every\n   database" in text


def test_the_runbook_names_the_literal_account_and_says_what_each_strategy_adds() -> None:
    three = drgen.load(ROOT / "blueprints" / "three-region.yaml")
    text = drgen.render(three).files["runbook.md"].decode()
    assert "Capacity**: nothing to add - a hot standby already runs at full size" in text
    assert "first secondary waits none" not in text and "(eu-central-1, eu-north-1)" in text
    one = drgen.render(dataclasses.replace(three, accounts=("111122223333",))).files["runbook.md"].decode()
    assert "sts get-caller-identity" not in one
    assert '"arn:aws:states:eu-west-1:111122223333:stateMachine:ledger-prod-failover"' in one


def test_backup_restore_runbook_explains_the_restore() -> None:
    text = (GOLDEN / "archive" / "runbook.md").read_text()
    assert "## How to recover (backup and restore)" in text and "start-execution" not in text


def _objectives_section(text: str) -> str:
    return text[text.index("## Objectives"):text.index("## Deployment plan")]


def test_the_runbook_gives_both_rtos_and_says_why_the_unplanned_one_is_long() -> None:
    bp = drgen.load(ROOT / "blueprints" / "trading-platform.yaml")
    section = _objectives_section(drgen.render(bp).files["runbook.md"].decode())
    assert "| RTO, unplanned (the active region goes down) | 30m | 24m 51s | met |" in section
    assert "| RTO, planned (an operator moves the service; the active region is healthy) | 30m | 5m 47s |" in section
    assert "(`failover.approval_time`, 15m, the largest step)" in section
    assert "per secondary" not in section, "one secondary: no ranking to show"


def test_the_runbook_lists_each_secondarys_unplanned_rto() -> None:
    bp = drgen.load(ROOT / "blueprints" / "three-region.yaml")
    section = _objectives_section(drgen.render(bp).files["runbook.md"].decode())
    assert "1. eu-central-1: 23m 21s\n2. eu-north-1: 23m 51s\n" in section


def test_without_an_approval_the_runbook_does_not_explain_one(tmp_path: Path) -> None:
    source = ROOT / "blueprints" / "trading-platform.yaml"
    text = source.read_text().replace("allow_data_loss: false", "allow_data_loss: true")
    shutil.copytree(ROOT / "blueprints" / "functions", tmp_path / "functions")
    (tmp_path / "bp.yaml").write_text(text)
    section = _objectives_section(drgen.render(drgen.load(tmp_path / "bp.yaml")).files["runbook.md"].decode())
    assert "approve a lossy failover" not in section and "| 30m | 9m 51s | met |" in section


def test_the_runbook_creates_the_applications_database_user_once_for_each_engine() -> None:
    bp = drgen.load(ROOT / "blueprints" / "trading-platform.yaml")
    text = drgen.render(bp).files["runbook.md"].decode()
    section = text.split("## Once, after the first deployment: the application's database user", 1)[1]
    section = section.split("\n## ", 1)[0]
    # the user the functions' rds-db:connect grants name, made an IAM user of PostgreSQL
    assert "CREATE USER drgen_app;\nGRANT rds_iam TO drgen_app;" in section
    assert "GRANT CONNECT ON DATABASE tradingdb TO drgen_app;" in section
    assert "--secret-id trading-platform-prod/trading/master" in section  # the operator reads it, never a function
    assert "--db-cluster-identifier trading-platform-prod-trading-us-east-1" in section
    mysql = dataclasses.replace(bp, databases=tuple(dataclasses.replace(d, engine="aurora-mysql")
                                                    for d in bp.databases))
    section = drgen.render(mysql).files["runbook.md"].decode().split("the application's database user", 1)[1]
    assert "CREATE USER 'drgen_app'@'%' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS';" in section
    # no function connects: no step
    alone = dataclasses.replace(bp, functions=tuple(dataclasses.replace(f, access=tuple(
        g for g in f.access if g.kind != "database")) for f in bp.functions))
    assert "the application's database user" not in drgen.render(alone).files["runbook.md"].decode()


def test_the_runbook_redrives_the_old_regions_queues_in_both_directions() -> None:
    text = drgen.render(drgen.load(ROOT / "blueprints" / "three-region.yaml")).files["runbook.md"].decode()
    section = text.split("## After a failover: redrive the old region's queues", 1)[1].split("\n## ", 1)[0]
    bp = drgen.load(ROOT / "blueprints" / "three-region.yaml")
    for r in bp.secondaries:
        assert f"drgen redrive <blueprint>.yaml --from {bp.primary.name} --to {r.name}" in section
        assert f"drgen redrive <blueprint>.yaml --from {r.name} --to {bp.primary.name}" in section
    assert "ledger-prod-entries-dlq" in section and "start-message-move-task" in section


def test_the_topology_shows_queues_their_consumers_routes_and_the_health_checks() -> None:
    """Every region that runs compute draws its queues, the functions consuming them, the API's routes and the
    health endpoint each record's Route 53 health check calls."""
    bp = drgen.load(ROOT / "blueprints" / "trading-platform.yaml")
    text = drgen.render(bp).files["runbook.md"].decode()
    diagram = text[text.index("```mermaid"):text.index("```", text.index("```mermaid") + 3)]
    for region in bp.regions:
        r = region.name.replace("-", "_")
        record = "PRIMARY" if region.is_primary else "SECONDARY"
        for fn in bp.functions:
            for trigger in fn.triggers:
                q, f = trigger.queue.replace("-", "_"), fn.name.replace("-", "_")
                assert f"{r}_q_{q} -->|consumed by| {r}_fn_{f}" in diagram
        assert bp.api is not None
        for route in bp.api.routes:
            if route.target == "queue":
                assert f'{r}_api -->|"{route.method} {route.path}"| {r}_q_{str(route.name).replace("-", "_")}' in diagram
        assert f'dns -.->|"health check of the {record} record"| {r}_health' in diagram
