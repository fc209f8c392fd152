"""Where drgen's data files are: the JSON Schema and the Jinja templates.

They live at the top of the repository (``schemas/``, ``templates/``). A wheel installs them under
``<prefix>/share/drgen/``; an editable install or a source checkout finds them beside the package.
"""

from __future__ import annotations

import json
import site
import sys
import sysconfig
from functools import cache
from pathlib import Path
from typing import Any

from drgen.errors import DrgenError


def _candidates(folder: str) -> list[Path]:
    here = Path(__file__).resolve().parent
    roots = [here.parent, Path(sys.prefix) / "share" / "drgen", Path(sysconfig.get_path("data")) / "share" / "drgen"]
    user_base = getattr(site, "USER_BASE", None)
    if user_base:
        roots.append(Path(user_base) / "share" / "drgen")
    return [root / folder for root in roots]


@cache
def folder(name: str) -> Path:
    """The installed ``schemas`` or ``templates`` folder."""
    for candidate in _candidates(name):
        if candidate.is_dir():
            return candidate
    raise DrgenError(f"drgen is not installed completely: its '{name}' folder is missing")


def schema_path() -> Path:
    return folder("schemas") / "blueprint.schema.json"


@cache
def schema() -> dict[str, Any]:
    """The blueprint JSON Schema (read once)."""
    loaded: dict[str, Any] = json.loads(schema_path().read_text(encoding="utf-8"))
    return loaded


def templates_dir() -> Path:
    return folder("templates")
