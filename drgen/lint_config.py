"""A cfn-lint configuration file (``.cfnlintrc``, YAML) for ``drgen render --lint-config``, read and checked by
cfn-lint's own reader (its schema), then turned into ``drgen.lint.Settings``.

drgen applies what decides which findings fail: ``ignore_checks`` (ids or prefixes, as cfn-lint reads them; each
must cover a rule cfn-lint reports), ``mandatory_checks``, ``regions`` (regions of the blueprint), ``configure_rules``
and ``include_experimental``. Keys that choose the files cfn-lint reads or how it prints (``templates``,
``ignore_templates``, ``format``, ``output_file``, ``debug``) have no meaning for a render and are passed over;
any other key (custom rules, spec overrides, parameters...) is refused rather than silently not applied."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from drgen import lint_rules
from drgen.diagnostics import clip
from drgen.errors import UsageError
from drgen.lint import Ignore, Settings
from drgen.schema_check import suggest

APPLIED = ("ignore_checks", "mandatory_checks", "regions", "configure_rules", "include_experimental")
PASSED_OVER = ("templates", "ignore_templates", "format", "output_file", "debug")


def _load(path: str) -> dict[str, Any]:
    from cfnlint.config import ConfigFileArgs

    if not Path(path).is_file():  # cfn-lint's reader takes a missing file for an empty one
        raise UsageError(f"--lint-config {clip(path, 200)}: no such file")
    try:
        loaded: dict[str, Any] = ConfigFileArgs(config_file=path).file_args
    except Exception as error:  # cfn-lint's reader raises its parse, schema and OS errors as they come
        said = " ".join(str(error).split()) or type(error).__name__
        raise UsageError(f"--lint-config {clip(path, 200)}: {clip(said, 300)}") from error
    return loaded


def read(path: str) -> Settings:
    """The settings of the cfn-lint configuration file ``path`` (a ``UsageError`` for one drgen cannot apply)."""
    data = _load(path)
    refused = sorted(set(data) - set(APPLIED) - set(PASSED_OVER))
    if refused:
        raise UsageError(f"--lint-config {clip(path, 200)}: drgen does not apply {', '.join(refused)} (it applies "
                         f"{', '.join(APPLIED)})")
    reported = lint_rules.reported()
    for key in ("ignore_checks", "mandatory_checks"):
        for rule in data.get(key, []):
            if not rule or not any(r.startswith(rule) for r in reported):
                raise UsageError(f"--lint-config {clip(path, 200)}: {key} '{clip(rule)}' is not a rule of the "
                                 f"installed cfn-lint{suggest(rule.upper(), reported)}")
    reason = f"ignore_checks of {clip(path, 200)}"
    return Settings(ignore=tuple(Ignore(rule, reason) for rule in dict.fromkeys(data.get("ignore_checks", []))),
                    regions=tuple(data["regions"]) if data.get("regions") else None,
                    mandatory=tuple(data.get("mandatory_checks", [])),
                    configure_rules=data.get("configure_rules", {}),
                    include_experimental=bool(data.get("include_experimental", False)))
