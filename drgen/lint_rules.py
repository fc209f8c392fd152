"""The rule ids of the installed cfn-lint, read without importing it.

cfn-lint loads its rules by importing every module of ``cfnlint/rules`` (``Rules.create_from_directory``), which
costs about three seconds with the import of cfn-lint itself; ``drgen validate`` only needs the ids, so it reads
them from those modules' text (each rule class sets ``id = "W3005"``), once per process. tests/test_lint.py holds
this list to the one cfn-lint's own loader makes.
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path

from drgen.errors import DrgenError

_ID = re.compile(r'^\s+id = "([EWI]\d{4})"\s*$', re.MULTILINE)


def rules_folder() -> Path:
    """``cfnlint/rules`` of the installed cfn-lint."""
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        raise DrgenError("drgen is not installed completely: cfn-lint, whose rules drgen reads, is missing")
    return Path(next(iter(spec.submodule_search_locations))) / "rules"


@cache
def known() -> frozenset[str]:
    """Every rule id of the installed cfn-lint: errors (E), warnings (W) and informational rules (I)."""
    found: set[str] = set()
    for module in sorted(rules_folder().rglob("[A-Za-z1-9]*.py")):  # the modules cfn-lint loads rules from
        found.update(_ID.findall(module.read_text(encoding="utf-8")))
    return frozenset(found)


def reported() -> frozenset[str]:
    """The rules whose findings ``drgen render --lint`` reports: errors and warnings (informational ones never)."""
    return frozenset(r for r in known() if r[0] in "EW")
