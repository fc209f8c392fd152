"""The starter blueprint ``drgen init`` writes: commented, and valid for every strategy."""

from __future__ import annotations

import re

import jinja2

from drgen import resources
from drgen.errors import UsageError

OBJECTIVES = {
    "backup-restore": ("2h", "4h"),
    "pilot-light": ("1m", "30m"),
    "warm-standby": ("1m", "10m"),
    "hot-standby": ("1m", "10m"),
}
"""(rpo, rto) per strategy: what the starter's design meets with a comfortable margin."""


def starter_blueprint(strategy: str, name: str = "my-service") -> str:
    """The starter blueprint's text. It validates without findings; a name that would not is refused.

    Raises ``UsageError`` for an unknown strategy, or a name that is not a blueprint name or makes a
    physical name longer than AWS allows.
    """
    if strategy not in OBJECTIVES:
        raise UsageError(f"unknown strategy '{strategy}': choose one of {', '.join(OBJECTIVES)}")
    pattern = resources.schema()["$defs"]["name"]["pattern"]
    if not re.search(pattern, name):
        raise UsageError(f"'{name}' is not a blueprint name: 3 to 40 lower-case letters, digits and hyphens, "
                         "starting with a letter and not ending with a hyphen")
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(resources.templates_dir())),
                                     autoescape=False, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    rpo, rto = OBJECTIVES[strategy]
    text = environment.get_template("starter.yaml.j2").render(strategy=strategy, name=name, rpo=rpo, rto=rto)

    from drgen.validation import check_text  # the validation stage imports much more than init needs up front

    errors = [d for d in check_text(text, "starter.yaml").diagnostics if d.is_error]
    if errors:
        raise UsageError(f"the name '{name}' does not make a valid blueprint: "
                         + "; ".join(d.message for d in errors))
    return text
