"""cfn-lint over a render: every template (layers, StackSets, roles), in every region of the blueprint; any error
or warning fails."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drgen.layers import ROUTE53_REGION
from drgen.model import Blueprint

if TYPE_CHECKING:
    from drgen.rendering import Rendered


def regions_for(bp: Blueprint) -> list[str]:
    regions = set(bp.region_names)
    if bp.dns is not None:
        regions.add(ROUTE53_REGION)
    return sorted(regions)


def lint_text(path: str, text: str, regions: list[str]) -> list[str]:
    """cfn-lint findings (errors and warnings) for one template, as ``path:line:col: RULE message``."""
    from cfnlint.api import ManualArgs, lint

    matches = lint(text, config=ManualArgs(regions=regions))
    findings = []
    for match in matches:
        rule_id = match.rule.id
        if rule_id.startswith("I"):
            continue
        findings.append(f"{path}:{match.linenumber}:{match.columnnumber}: {rule_id} {match.message}")
    return sorted(set(findings))


def lint_rendered(rendered: Rendered, bp: Blueprint) -> list[str]:
    regions = regions_for(bp)
    findings: list[str] = []
    for path, data in rendered.files.items():
        if path.startswith(("templates/", "stacksets/", "roles/")) and path.endswith(".json"):
            findings.extend(lint_text(path, data.decode("utf-8"), regions))
    return findings
