"""Aurora engine versions: which exist and which AWS still creates, and what each can do.

Which versions exist, and which are deprecated (AWS no longer creates clusters of them), is cfn-lint's data
(``cfnlint/data/schemas/extensions/aws_rds_dbcluster/engine_version*.json``, the pinned cfn-lint drgen lints
with), read when first needed: one source, so ``drgen validate`` and ``drgen render --lint`` never disagree.
What a version can do (global databases, Aurora Serverless v2, scaling to 0 ACUs) and when each major left
standard support are AWS's published facts, kept below per major with their source.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from drgen import cfnlint_data

Engine = Literal["aurora-postgresql", "aurora-mysql"]
ENGINES: tuple[Engine, ...] = ("aurora-postgresql", "aurora-mysql")


@dataclass(frozen=True)
class Major:
    """What AWS publishes about one major version (minors are compared as numbers: ``(16, 3)``)."""

    global_from: tuple[int, ...] | None
    """The first minor that supports Aurora global databases (None: none does)."""
    serverless_from: tuple[int, ...] | None
    """The first minor that supports Aurora Serverless v2 (None: none does)."""
    zero_from: tuple[int, ...] | None
    """The first minor whose Serverless v2 capacity can scale to 0 ACUs (automatic pause)."""
    standard_support_ends: str
    """The end of standard support (past it, AWS runs clusters under paid RDS Extended Support)."""


# Sources: Amazon Aurora User Guide, "Supported Regions and DB engines for Aurora global databases" and "... for
# Aurora Serverless v2"; "Scaling to Zero ACUs with automatic pause and resume for Aurora Serverless v2"
# (Aurora PostgreSQL 13.15, 14.12, 15.7, 16.3 and higher, Aurora MySQL 3.08.0 and higher); "Release calendars for
# Aurora PostgreSQL" and "Aurora MySQL long-term support and end of standard support" (a date still ahead matters only
# once it is past). Checked 2026-11-25.
MAJORS: dict[Engine, dict[str, Major]] = {
    "aurora-postgresql": {
        "12": Major((12, 4), None, None, "2025-02-28"),
        "13": Major((13, 3), (13, 6), (13, 15), "2026-02-28"),
        "14": Major((14, 3), (14, 3), (14, 12), "2027-02-28"),
        "15": Major((15, 2), (15, 2), (15, 7), "2028-02-29"),
        "16": Major((16, 1), (16, 1), (16, 3), "2029-02-28"),
        "17": Major((17, 4), (17, 4), (17, 4), "2030-02-28"),
    },
    "aurora-mysql": {
        "5.7": Major((2, 7), None, None, "2024-10-31"),
        "8.0": Major((3, 1), (3, 2), (3, 8), "2028-04-30"),
    },
}
CHECKED = "2026-11-25"
"""The day the support dates were read: a major whose standard support ended before it is past it."""


@dataclass(frozen=True)
class Version:
    engine: Engine
    text: str
    major: str
    minor: tuple[int, ...]
    deprecated: bool
    """cfn-lint's data: AWS no longer creates clusters of it."""

    @property
    def major_key(self) -> tuple[int, ...]:
        return tuple(int(n) for n in self.major.split("."))

    @property
    def facts(self) -> Major | None:
        return MAJORS[self.engine].get(self.major)

    def _from(self, first: tuple[int, ...] | None) -> bool:
        return first is not None and self.minor >= first

    @property
    def global_database(self) -> bool:
        return self.facts is not None and self._from(self.facts.global_from) and "limitless" not in self.text

    @property
    def serverless_v2(self) -> bool:
        return self.facts is not None and self._from(self.facts.serverless_from)

    @property
    def scales_to_zero(self) -> bool:
        return self.facts is not None and self._from(self.facts.zero_from)

    @property
    def past_standard_support(self) -> bool:
        return self.facts is not None and self.facts.standard_support_ends < CHECKED

    @property
    def advisable(self) -> bool:
        """Whether drgen may suggest it: created, not past standard support, and a global database can use it."""
        return not self.deprecated and not self.past_standard_support and self.global_database


def _parse(engine: Engine, text: str) -> tuple[str, tuple[int, ...]] | None:
    """``16.9`` -> (``16``, (16, 9)); ``8.0.mysql_aurora.3.08.0`` -> (``8.0``, (3, 8, 0)); None for a major alone."""
    if engine == "aurora-postgresql":
        found = re.fullmatch(r"(\d+)\.(\d+)(?:-limitless)?", text)
        return (found.group(1), (int(found.group(1)), int(found.group(2)))) if found else None
    found = re.fullmatch(r"(\d+\.\d+)\.mysql_aurora\.(\d+(?:\.\d+)*)", text)
    return (found.group(1), tuple(int(n) for n in found.group(2).split("."))) if found else None


def _cfn_lint_data(name: str) -> dict[str, list[str]]:
    """engine -> the EngineVersion values of ``name`` in cfn-lint's DB cluster schema extension."""
    path = cfnlint_data.path("extensions", "aws_rds_dbcluster", name)
    out: dict[str, list[str]] = {}
    for rule in json.loads(path.read_text(encoding="utf-8"))["allOf"]:
        engine = rule["if"]["properties"].get("Engine", {}).get("const")
        versions = rule["if"]["properties"].get("EngineVersion", {}).get("enum") \
            or rule.get("then", {}).get("properties", {}).get("EngineVersion", {}).get("enum")
        if engine in ENGINES and versions:
            out[engine] = [str(v) for v in versions]
    return out


@cache
def versions(engine: Engine) -> dict[str, Version]:
    """Every version of ``engine`` that cfn-lint knows, but a major alone: text -> Version."""
    known = _cfn_lint_data("engine_version.json").get(engine, [])
    deprecated = set(_cfn_lint_data("engine_version_deprecated.json").get(engine, []))
    out = {}
    for text in known:
        parsed = _parse(engine, text)
        if parsed is not None:
            out[text] = Version(engine, text, parsed[0], parsed[1], text in deprecated)
    return out


def majors_alone(engine: Engine) -> frozenset[str]:
    """The versions cfn-lint knows that name a major alone (``16``, ``8.0``)."""
    return frozenset(v for v in _cfn_lint_data("engine_version.json").get(engine, []) if _parse(engine, v) is None)


def advisable(engine: Engine) -> list[Version]:
    """The versions drgen may suggest, newest first."""
    return sorted((v for v in versions(engine).values() if v.advisable), key=lambda v: (v.major_key, v.minor),
                  reverse=True)


def newest(engine: Engine, major: str | None = None) -> Version | None:
    """The newest advisable version (of ``major``, when given)."""
    return next((v for v in advisable(engine) if major is None or v.major == major), None)
