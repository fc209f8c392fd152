"""The public API keeps working however often it is called: no submodule shadows a function of drgen."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import drgen
from drgen.rendering import Rendered

REFERENCE = Path(__file__).resolve().parents[1] / "blueprints" / "trading-platform.yaml"


def test_api_functions_survive_being_called_twice() -> None:
    for _ in range(2):
        assert drgen.validate(REFERENCE) == []
        blueprint = drgen.load(REFERENCE)
        assert drgen.plan(blueprint).steps
        assert drgen.assess(blueprint).rto.met
        assert "manifest.json" in drgen.render(blueprint).files
    for name in drgen.__all__:
        assert hasattr(drgen, name), name
    for name in ("validate", "load", "plan", "assess", "render", "drill", "write"):
        assert callable(getattr(drgen, name)), name



WRONG = [None, 5, 1.5, b"blueprint.yaml", ["blueprint.yaml"], object()]


@pytest.fixture(scope="module")
def rendered() -> Rendered:
    return drgen.render(REFERENCE)


CALLS: dict[str, Callable[[Rendered, Any], object]] = {
    # each public function, with the wrong value in one argument and right values in the others
    "validate": lambda r, value: drgen.validate(value),
    "load": lambda r, value: drgen.load(value),
    "plan": lambda r, value: drgen.plan(value),
    "assess": lambda r, value: drgen.assess(value),
    "render": lambda r, value: drgen.render(value),
    "drill": lambda r, value: drgen.drill(value),
    "drill scenarios": lambda r, value: drgen.drill(r.blueprint, "switchover" if value is None
                                                    else [5] if isinstance(value, list) else value),
    "deploy": lambda r, value: drgen.deploy(value, dry_run=True),
    "deploy session": lambda r, value: drgen.deploy(r, 5 if value is None else value, dry_run=True),
    "deploy dry_run": lambda r, value: drgen.deploy(r, dry_run=value),
    "deploy endpoint_url": lambda r, value: drgen.deploy(r, endpoint_url=5 if value is None else value),
    "deploy on_event": lambda r, value: drgen.deploy(r, on_event=5 if value is None else value),
    "deploy options": lambda r, value: drgen.deploy(r, options="dry" if value is None else value),
    "write": lambda r, value: drgen.write(value, "out"),
    "write directory": lambda r, value: drgen.write(r, value),
}


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("value", WRONG, ids=lambda value: type(value).__name__)
def test_a_wrong_type_is_a_type_error_naming_the_argument(call: str, value: Any, rendered: Rendered) -> None:
    function = call.split()[0]
    with pytest.raises(TypeError, match=rf"^drgen\.{function}\(\): \w+( \w+)? must be .*, not \w+$"):
        CALLS[call](rendered, value)


@pytest.mark.parametrize("text", ["", "x", "a\x00b", "\udc80", "nope/" * 2000])
def test_any_text_given_as_a_path_is_a_diagnostic_not_an_exception(text: str) -> None:
    assert [d.code for d in drgen.validate(text)] == ["E001"]
    with pytest.raises(drgen.InvalidBlueprint) as raised:
        drgen.render(text)
    assert raised.value.exit_code == 2
    with pytest.raises(drgen.InvalidBlueprint):
        drgen.assess(text)
