"""cfn-lint over a render: every template (layers, StackSets, roles), in every region the blueprint deploys to (or
those chosen), each region on its own so that a finding names the regions it is seen in; any error or warning that
no ignored rule covers fails. The rules ignored are reported with their reasons and what each suppressed.

cfn-lint reads no configuration of its own here (not ``~/.cfnlintrc``, not ``./.cfnlintrc``): what is linted
depends on the blueprint and the files named on the command line only (``drgen.lint_config``)."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from drgen.errors import UsageError
from drgen.layers import route53_region
from drgen.model import Blueprint

if TYPE_CHECKING:
    from drgen.rendering import Rendered


@dataclass(frozen=True)
class Ignore:
    """Findings of ``rule`` (an id; from a cfn-lint configuration file, an id or its prefix, as cfn-lint reads
    ``ignore_checks``) do not fail the lint, for ``reason``."""

    rule: str
    reason: str

    def covers(self, rule_id: str) -> bool:
        return rule_id.startswith(self.rule)


@dataclass(frozen=True)
class Settings:
    """How to lint: the blueprint's ``lint`` section, a cfn-lint configuration file and ``--lint-regions``."""

    ignore: tuple[Ignore, ...] = ()
    regions: tuple[str, ...] | None = None
    """The regions to lint in; ``None``: every one of ``regions_for``."""
    mandatory: tuple[str, ...] = ()
    """Rule ids (or prefixes) no ignore covers (cfn-lint's ``mandatory_checks``)."""
    configure_rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    include_experimental: bool = False

    def ignored_by(self, rule_id: str) -> Ignore | None:
        if any(rule_id.startswith(m) for m in self.mandatory):
            return None
        return next((i for i in self.ignore if i.covers(rule_id)), None)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    column: int
    rule: str
    message: str
    regions: tuple[str, ...]
    """The regions it is seen in (one finding however many)."""

    def text(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: [{', '.join(self.regions)}] {self.rule} {self.message}"


@dataclass(frozen=True)
class Report:
    regions: tuple[str, ...]
    """The regions linted in."""
    findings: tuple[Finding, ...]
    ignored: tuple[tuple[Ignore, int], ...]
    """Each ignored rule, with how many findings (counted once however many regions) it suppressed."""

    @property
    def clean(self) -> bool:
        return not self.findings

    def summary(self) -> list[str]:
        """The regions linted, then each ignored rule with its reason, once."""
        lines = [f"cfn-lint: {len(self.findings) or 'no'} finding{'s' if len(self.findings) != 1 else ''} "
                 f"in {', '.join(self.regions)}"]
        for ignore, count in self.ignored:
            what = f"{count} finding{'s' if count != 1 else ''} suppressed" if count else "suppressed nothing"
            lines.append(f"ignored: {ignore.rule} ({ignore.reason}): {what}")
        return lines


def regions_for(bp: Blueprint) -> list[str]:
    """Every region the templates may be deployed to: the blueprint's, and Route 53's when it has ``dns``."""
    regions = set(bp.region_names)
    if bp.dns is not None:
        regions.add(route53_region(bp))
    return sorted(regions)


def settings_for(bp: Blueprint, config: Settings | None = None, regions: Iterable[str] | None = None) -> Settings:
    """The blueprint's ``lint`` section with a configuration file's settings (``drgen.lint_config.read``) and the
    regions asked for: those of ``regions`` (``--lint-regions``), else the file's, else the blueprint's; each one
    must be a region the templates are linted in (a ``UsageError`` otherwise)."""
    config = config or Settings()
    chosen = tuple(regions) if regions is not None else config.regions or bp.lint.regions
    if chosen is not None:
        allowed = regions_for(bp)
        unknown = [r for r in chosen if r not in allowed]
        if unknown or not chosen:
            raise UsageError(f"lint regions {', '.join(unknown) or '(none)'}: not a region of the blueprint; "
                             f"its templates are linted in {', '.join(allowed)}")
        chosen = tuple(sorted(set(chosen)))
    own = tuple(Ignore(i.rule, i.reason) for i in bp.lint.ignore)
    return Settings(ignore=own + config.ignore, regions=chosen, mandatory=config.mandatory,
                    configure_rules=config.configure_rules, include_experimental=config.include_experimental)


@cache
def _rules() -> Any:
    """cfn-lint's own rules, loaded once (loading them imports each rule module: most of a lint's start)."""
    from pathlib import Path

    import cfnlint.rules
    from cfnlint.rules import Rules

    return Rules.create_from_directory(str(Path(cfnlint.rules.__file__).parent))


def _config(region: str, settings: Settings) -> Any:
    from cfnlint.config import ConfigMixIn

    # config_file: a path that is not a file, so that cfn-lint reads neither ~/.cfnlintrc nor ./.cfnlintrc
    return ConfigMixIn(regions=[region], config_file=os.devnull, include_experimental=settings.include_experimental,
                       mandatory_checks=list(settings.mandatory),
                       configure_rules={k: dict(v) for k, v in settings.configure_rules.items()})


def _matches(text: str, region: str, settings: Settings) -> set[tuple[int, int, str, str]]:
    from cfnlint.decode.decode import decode_str
    from cfnlint.runner import run_template_by_data

    template, errors = decode_str(text)
    matches = errors if errors or template is None else run_template_by_data(template, _config(region, settings),
                                                                             _rules())
    return {(m.linenumber, m.columnnumber, m.rule.id, m.message) for m in matches or []
            if not m.rule.id.startswith("I") and not _partition_blind(m.rule.id, m.message)}


_OTHER_PARTITION_TASK = re.compile(r"^'arn:aws-(cn|us-gov):states:::[^']*' does not match '\^arn:aws:")


def _partition_blind(rule: str, message: str) -> bool:
    """cfn-lint's Amazon States Language schema (cfnlint/data/schemas/other/step_functions/statemachine.json, a
    Task's ``Resource``) accepts only ``arn:aws:`` ARNs, so it flags every service integration of a state machine in
    the China and GovCloud partitions, where Step Functions requires ``arn:aws-cn:`` and ``arn:aws-us-gov:``
    (it refuses one "of a different partition from the running execution"). That one message is not a finding."""
    return rule == "E3601" and _OTHER_PARTITION_TASK.match(message) is not None


def lint_template(path: str, text: str, regions: Iterable[str],
                  settings: Settings = Settings()) -> tuple[list[Finding], Counter[Ignore]]:
    """The findings of one template in each of ``regions`` that no ignored rule covers, each once with the regions
    it is seen in, and how many findings each ignored rule suppressed."""
    seen: dict[tuple[int, int, str, str], list[str]] = {}
    for region in sorted(set(regions)):
        for match in _matches(text, region, settings):
            seen.setdefault(match, []).append(region)
    findings: list[Finding] = []
    suppressed: Counter[Ignore] = Counter()
    for (line, column, rule, message), where in sorted(seen.items()):
        ignore = settings.ignored_by(rule)
        if ignore is not None:
            suppressed[ignore] += 1
        else:
            findings.append(Finding(path, line, column, rule, message, tuple(where)))
    return findings, suppressed


def lint_text(path: str, text: str, regions: list[str], settings: Settings = Settings()) -> list[str]:
    """cfn-lint findings (errors and warnings) for one template, as ``path:line:col: [regions] RULE message``."""
    return [f.text() for f in lint_template(path, text, regions, settings)[0]]


def lint_rendered(rendered: Rendered, bp: Blueprint, settings: Settings | None = None) -> Report:
    settings = settings or settings_for(bp)
    regions = settings.regions or tuple(regions_for(bp))
    findings: list[Finding] = []
    suppressed: Counter[Ignore] = Counter()
    for path, data in sorted(rendered.files.items()):
        if path.startswith(("templates/", "stacksets/", "roles/")) and path.endswith(".json"):
            found, ignored = lint_template(path, data.decode("utf-8"), regions, settings)
            findings.extend(found)
            suppressed.update(ignored)
    return Report(tuple(regions), tuple(findings), tuple((i, suppressed[i]) for i in settings.ignore))
