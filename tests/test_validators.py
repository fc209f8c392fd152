"""The real validators over every golden template (layers, StackSets, roles): cfn-lint (every region of its
blueprint) and checkov."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import drgen
from drgen.lint import lint_text, regions_for
from tests import checkov

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


def test_checkov_fails_nothing_and_every_skip_has_a_reason() -> None:
    reports = checkov.scan("-d", str(GOLDEN))
    assert [(c["file_path"], c["resource"], c["check_id"]) for c in checkov.failed(reports)] == []
    assert sum(r["summary"]["failed"] for r in reports) == 0
    assert checkov.passed(reports) > 100  # it really looked
    for skipped in checkov.skipped(reports):
        assert len(skipped["check_result"].get("suppress_comment", "")) > 20, skipped["check_id"]


def _checkov_cloudformation_ids() -> set[str]:
    """The ids of checkov's CloudFormation checks, as its own ``--list`` prints them."""
    done = subprocess.run([checkov.executable(), "--list", "--framework", "cloudformation"], capture_output=True, text=True,
                          check=True)
    ids = set()
    for line in done.stdout.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 6 and cells[6] == "Cloudformation":
            ids.add(cells[2])
    return ids


def test_every_checkov_skip_names_a_cloudformation_check() -> None:
    from drgen.synth import suppressions

    known = _checkov_cloudformation_ids()
    assert {"CKV_AWS_18", "CKV_AWS_115"} <= known and "CKV2_AWS_57" not in known  # it parsed the real list
    written = {check for s in suppressions.ALL for check in s.checkov}
    skipped = {skip["id"] for t in TEMPLATES for r in json.loads(t.read_text())["Resources"].values()
               for skip in r.get("Metadata", {}).get("checkov", {}).get("skip", [])}
    assert skipped <= written
    assert written - known == set()
