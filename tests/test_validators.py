"""The real validators over every golden template (layers, StackSets, roles): cfn-lint (every region of its
blueprint) and checkov."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import drgen
from drgen.lint import lint_text, regions_for

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "render"
TEMPLATES = sorted(p for p in GOLDEN.rglob("*.json") if p.parent.name in ("templates", "stacksets", "roles"))


def _blueprint_of(template: Path) -> drgen.Blueprint:
    name = template.relative_to(GOLDEN).parts[0]
    path = next(p for p in (ROOT / "blueprints").glob("*.yaml") if drgen.load(p).name == name)
    return drgen.load(path)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(GOLDEN)))
def test_cfn_lint_finds_nothing_in_any_region(template: Path) -> None:
    findings = lint_text(str(template.relative_to(GOLDEN)), template.read_text(), regions_for(_blueprint_of(template)))
    assert findings == []


def _checkov() -> str | None:
    candidates = [os.environ.get("DRGEN_CHECKOV"), str(ROOT / ".venv-checkov" / "bin" / "checkov"),
                  "/work/checkov-venv/bin/checkov", shutil.which("checkov")]
    return next((c for c in candidates if c and Path(c).exists()), None)


def test_checkov_fails_nothing_and_every_skip_has_a_reason() -> None:
    checkov = _checkov()
    if checkov is None:
        pytest.skip("checkov is not installed: .ci/run installs it in .venv-checkov (it pins an old boto3)")
    done = subprocess.run([checkov, "-d", str(GOLDEN), "--framework", "cloudformation", "--skip-download",
                           "-o", "json"], capture_output=True, text=True, check=False)
    reports = json.loads(done.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed = [(c["file_path"], c["resource"], c["check_id"]) for r in reports for c in r["results"]["failed_checks"]]
    assert failed == []
    passed = sum(r["summary"]["passed"] for r in reports)
    assert sum(r["summary"]["failed"] for r in reports) == 0
    assert passed > 100  # it really looked
    for r in reports:
        for skipped in r["results"]["skipped_checks"]:
            assert len(skipped["check_result"].get("suppress_comment", "")) > 20, skipped["check_id"]
