"""The public API keeps working however often it is called: no submodule shadows a function of drgen."""

from __future__ import annotations

from pathlib import Path

import drgen

REFERENCE = Path(__file__).resolve().parents[1] / "blueprints" / "trading-platform.yaml"


def test_api_functions_survive_being_called_twice() -> None:
    for _ in range(2):
        assert drgen.validate(REFERENCE) == []
        blueprint = drgen.load(REFERENCE)
        assert drgen.plan(blueprint).steps
        assert "manifest.json" in drgen.render(blueprint).files
    for name in drgen.__all__:
        assert hasattr(drgen, name), name
    for name in ("validate", "load", "plan", "render", "drill", "write"):
        assert callable(getattr(drgen, name)), name
