"""The data the pinned cfn-lint ships (CloudFormation's resource schemas and its extensions): one way to find it."""

from __future__ import annotations

import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import Any

from drgen.errors import DrgenError


def path(*parts: str) -> Path:
    """The file ``cfnlint/data/schemas/<parts>`` of the installed cfn-lint."""
    spec = importlib.util.find_spec("cfnlint")
    if spec is None or not spec.submodule_search_locations:
        raise DrgenError("drgen is not installed completely: cfn-lint, whose data drgen reads, is missing")
    return Path(next(iter(spec.submodule_search_locations))).joinpath("data", "schemas", *parts)


@cache
def _providers(region: str) -> dict[str, str]:
    """Type name -> the file of its schema, for ``region`` (read once per region)."""
    mapping: dict[str, str] = json.loads(path("providers", f"{region}.json").read_text(encoding="utf-8"))
    return mapping


@cache
def resource_schema(type_name: str, region: str = "us-east-1") -> dict[str, Any] | None:
    """CloudFormation's resource schema of ``type_name`` as cfn-lint ships it for ``region`` (None if unknown)."""
    digest = _providers(region).get(type_name)
    if digest is None:
        return None
    schema: dict[str, Any] = json.loads(path("resources", f"{digest}.json").read_text(encoding="utf-8"))
    return schema
