"""AWS CloudFormation Guard over every golden render's templates (layers, StackSets, roles): AWS Control Tower's
proactive controls (shipped with the npm package @cdklabs/cdk-validator-cfnguard, with the cfn-guard binary) and
the Well-Architected Reliability and Security packs of aws-guard-rules-registry (vendored in tools/guard-rules).

A failure passes only where the failing resource names the rule in ``Metadata.guard.SuppressedRules``, which
drgen writes from ``drgen.synth.suppressions`` alone. The registry's rules read that list themselves; Control
Tower's do not, so this test applies it to their findings the same way.
"""

from __future__ import annotations

import json
import platform
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from drgen.synth import suppressions

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
TEMPLATES = sorted(p for d in ("render", "environments") for p in (GOLDEN / d).rglob("*.json")
                   if p.parent.name in ("templates", "stacksets", "roles"))
PACKAGE = ROOT / "node_modules" / "@cdklabs" / "cdk-validator-cfnguard"
CONTROL_TOWER = PACKAGE / "rules" / "control-tower" / "cfn-guard"
REGISTRY = [ROOT / "tools" / "guard-rules" / "wa-reliability", ROOT / "tools" / "guard-rules" / "wa-security"]
RULE = re.compile(r"^\s*rule\s+([A-Za-z0-9_]+)", re.MULTILINE)
RESOURCE = re.compile(r"^/Resources/([^/\[]+)")


def _binary() -> Path | None:
    system = {"Linux": "ubuntu", "Darwin": "macos"}.get(platform.system())
    machine = {"x86_64": "x86_64", "AMD64": "x86_64", "arm64": "aarch64", "aarch64": "aarch64"}.get(platform.machine())
    binary = PACKAGE / "bin" / str(system) / str(machine) / "cfn-guard"
    return binary if system and machine and binary.exists() else None


def _rule_names() -> set[str]:
    files = [*CONTROL_TOWER.rglob("*.guard"), *(f for d in REGISTRY for f in d.glob("*.guard"))]
    return {name for f in files for name in RULE.findall(f.read_text())}


def _resources(node: Any) -> set[str]:
    """The logical ids of the resources a finding's clauses traversed to."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "path" and isinstance(value, str) and (match := RESOURCE.match(value)):
                found.add(match.group(1))
            else:
                found |= _resources(value)
    elif isinstance(node, list):
        for value in node:
            found |= _resources(value)
    return found


def _validate(binary: Path, templates: list[Path]) -> list[dict[str, Any]]:
    rules = [arg for d in [CONTROL_TOWER, *REGISTRY] for arg in ("-r", str(d))]
    data = [arg for t in templates for arg in ("-d", str(t))]
    done = subprocess.run([str(binary), "validate", *rules, *data, "-o", "json", "-S", "none", "-z"],
                          capture_output=True, text=True, check=False)
    assert done.returncode in (0, 19), done.stderr  # 19: some rule failed (suppressed ones included)
    reports: list[dict[str, Any]] = json.loads(done.stdout)
    assert len(reports) == len(templates)
    return reports


def _unsuppressed(reports: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(template, rule, resource) of every failure the resource does not suppress."""
    found = []
    for report in reports:
        resources = json.loads(Path(report["name"]).read_text())["Resources"]
        for finding in report["not_compliant"]:
            rule = finding["Rule"]["name"]
            for resource in sorted(_resources(finding) & set(resources)) or ["(no resource)"]:
                suppressed = resources.get(resource, {}).get("Metadata", {}).get("guard", {}).get("SuppressedRules", [])
                if rule not in suppressed:
                    found.append((Path(report["name"]).name, rule, resource))
    return found


def _binary_or_skip() -> Path:
    binary = _binary()
    if binary is None:
        pytest.skip("cfn-guard is absent: `npm ci` installs @cdklabs/cdk-validator-cfnguard, which ships it")
    return binary


def test_guard_fails_nothing_that_is_not_suppressed() -> None:
    reports = _validate(_binary_or_skip(), TEMPLATES)
    assert _unsuppressed(reports) == []
    # it really looked: rules of both sets passed on these templates
    passed = {rule for report in reports for rule in report["compliant"]}
    assert {"SNS_ENCRYPTED_KMS", "s3_bucket_versioning_enabled_check"} <= passed, sorted(passed)


def test_every_suppressed_guard_rule_is_a_rule_of_the_sets_drgen_runs() -> None:
    _binary_or_skip()
    names = _rule_names()
    assert len(names) > 200
    assert {rule for s in suppressions.ALL for rule in s.guard} - names == set()


def test_a_suppression_hides_a_rule_only_on_the_resource_that_names_it(tmp_path: Path) -> None:
    binary = _binary_or_skip()
    function = {"Type": "AWS::Lambda::Function", "Properties": {
        "Code": {"ZipFile": "x"}, "Handler": "h.h", "Runtime": "python3.12", "Role": "arn:aws:iam::1:role/r"}}
    kept = {**function, "Metadata": {"guard": {"SuppressedRules": ["LAMBDA_INSIDE_VPC", "lambda_inside_vpc_check"]}}}
    template = tmp_path / "t.json"
    template.write_text(json.dumps({"Resources": {"Kept": kept, "Plain": function}}))
    failures = {(rule, resource) for _, rule, resource in _unsuppressed(_validate(binary, [template]))}
    # the registry's rule reads the metadata itself, Control Tower's through _unsuppressed
    assert {("LAMBDA_INSIDE_VPC", "Plain"), ("lambda_inside_vpc_check", "Plain")} <= failures
    assert {rule for rule, resource in failures if resource == "Kept"} == {"LAMBDA_CONCURRENCY_CHECK", "LAMBDA_DLQ_CHECK"}


def test_docs_security_lists_every_suppression_with_its_reason() -> None:
    text = (ROOT / "docs" / "security.md").read_text()
    assert suppressions.markdown() in text  # regenerate the table from suppressions.markdown() when it changes
    assert len({s.name for s in suppressions.ALL}) == len(suppressions.ALL)
    assert all(s.checkov or s.guard for s in suppressions.ALL)
