"""The ``lint`` section: every ignored rule is one the installed cfn-lint reports (an error or a warning rule),
named once; every region to lint in is one the templates are linted in. cfn-lint is never imported here: its
rule ids are read from its files (``drgen.lint_rules``), and only when the section is present."""

from __future__ import annotations

from collections.abc import Iterator

from drgen import awsdata
from drgen.checks import Context
from drgen.diagnostics import Diagnostic, clip
from drgen.schema_check import suggest


def check_ignores(ctx: Context) -> Iterator[Diagnostic]:
    section = ctx.data.get("lint")
    if not isinstance(section, dict) or not isinstance(section.get("ignore"), list):
        return
    from drgen import lint_rules

    first: dict[str, int] = {}
    for index, item in enumerate(section["ignore"]):
        reason = item.get("reason") if isinstance(item, dict) else None
        if isinstance(reason, str) and reason and not reason.strip():
            yield ctx.error("E105", "the reason is blank: say why the rule does not apply, for the reviewer",
                            ("lint", "ignore", index, "reason"))
        rule = item.get("rule") if isinstance(item, dict) else None
        path = ("lint", "ignore", index, "rule")
        if not isinstance(rule, str) or ctx.broken(path):
            continue
        if rule not in lint_rules.reported():
            why = ("is informational: drgen never reports such findings, so there is nothing to ignore"
                   if rule in lint_rules.known() else
                   "is not a rule of the installed cfn-lint" + suggest(rule.upper(), lint_rules.reported()))
            yield ctx.error("E330", f"cfn-lint rule '{clip(rule)}' {why}", path)
        elif rule in first:
            yield ctx.error("E301", f"rule {rule} is ignored twice (first as lint.ignore[{first[rule]}])", path)
        first.setdefault(rule, index)


def check_regions(ctx: Context) -> Iterator[Diagnostic]:
    section = ctx.data.get("lint")
    if not isinstance(section, dict) or not isinstance(section.get("regions"), list) \
            or ctx.broken(("lint", "regions")):
        return
    linted = {r["name"] for _, r in ctx.items("regions") if isinstance(r.get("name"), str)}
    if "dns" in ctx.data:  # the zone and dns stacks: Route 53's region in the blueprint's partition
        first = min(linted, default="us-east-1")
        linted.add(awsdata.route53_region(first))
    for index, region in enumerate(section["regions"]):
        if region not in linted:
            yield ctx.error("E302", f"no region named '{clip(region)}'{suggest(region, linted)}: the templates are "
                                    f"linted in {', '.join(sorted(linted))}", ("lint", "regions", index))


CHECKS = [check_ignores, check_regions]
