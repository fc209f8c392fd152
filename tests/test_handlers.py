"""A handler must name a function its module defines; the module is parsed, never imported or run."""

from __future__ import annotations

import keyword
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import drgen
from drgen import handlers
from drgen.errors import RenderError
from drgen.sources import SourceError
from tests.test_sources import blueprint, function_source, source_findings


def verdict(folder: Path, handler: str, files: dict[str, str]) -> str | None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text))
    try:
        handlers.check(folder, set(files), "src", handler)
    except SourceError as error:
        return f"{error.code} {error.message}"
    return None


DEFINED = {
    "def": "def handler(event, context):\n    return 1\n",
    "async def": "async def handler(event, context):\n    return 1\n",
    "assignment": "def make():\n    return print\nhandler = make()\n",
    "annotated assignment": "from typing import Any\nhandler: Any = print\n",
    "tuple assignment": "handler, other = print, print\n",
    "import alias": "from json import dumps as handler\n",
    "plain import": "import handler\n",
    "inside if": "import sys\nif sys.version_info >= (3, 12):\n    def handler(e, c):\n        return 1\n"
                 "else:\n    handler = None\n",
    "inside try": "try:\n    from fast import handler\nexcept ImportError:\n    def handler(e, c):\n        return 1\n",
    "inside with": "import contextlib\nwith contextlib.suppress(Exception):\n    def handler(e, c):\n        return 1\n",
    "for target": "for handler in [print]:\n    pass\n",
    "match": "import sys\nmatch sys.platform:\n    case 'linux':\n        def handler(e, c):\n            return 1\n"
             "    case _:\n        handler = print\n",
    "global in a function": "def setup():\n    global handler\n    handler = print\nsetup()\n",
    "star import": "from elsewhere import *\n",
}


@pytest.mark.parametrize("form", list(DEFINED))
def test_every_way_a_module_binds_a_name_is_accepted(tmp_path: Path, form: str) -> None:
    assert verdict(tmp_path, "app.handler", {"app.py": DEFINED[form]}) is None


NOT_DEFINED = {
    "absent": ("def main(event, context):\n    return 1\n", "does not define"),
    "nested in a function": ("def outer():\n    def handler(e, c):\n        return 1\n", "does not define"),
    "a method": ("class App:\n    def handler(self, e, c):\n        return 1\n", "does not define"),
    "annotation without value": ("from typing import Callable\nhandler: Callable\n", "does not define"),
    "attribute assignment": ("import types\nns = types.SimpleNamespace()\nns.handler = print\n", "does not define"),
    "a class": ("class handler:\n    def __init__(self, e, c):\n        pass\n", "is a class"),
    "in a string": ("'''def handler(e, c): pass'''\n", "does not define"),
}


@pytest.mark.parametrize("form", list(NOT_DEFINED))
def test_a_name_the_module_does_not_bind_at_top_level_is_e311(tmp_path: Path, form: str) -> None:
    text, expected = NOT_DEFINED[form]
    found = verdict(tmp_path, "app.handler", {"app.py": text})
    assert found is not None and found.startswith("E311") and expected in found


def test_did_you_mean_names_the_closest_function(tmp_path: Path) -> None:
    found = verdict(tmp_path, "app.handle_order", {"app.py": "def handle_orders(e, c): pass\ndef health(e, c): pass\n"
                                                             "async def other(e, c): pass\nVALUE = 1\n"})
    assert found is not None
    assert "(did you mean 'handle_orders'?)" in found and "app.py defines handle_orders, health, other" in found


def test_dotted_handlers_find_the_module_as_python_would(tmp_path: Path) -> None:
    files = {"pkg/__init__.py": "", "pkg/orders.py": "def handler(e, c): pass\n",
             "pkg/billing/__init__.py": "def handler(e, c): pass\n", "pkg/billing.py": "def other(e, c): pass\n",
             "ns/mod.py": "def handler(e, c): pass\n"}
    assert verdict(tmp_path, "pkg.orders.handler", files) is None
    assert verdict(tmp_path, "pkg.billing.handler", files) is None  # the package wins over billing.py
    assert verdict(tmp_path, "ns.mod.handler", files) is None  # a namespace package needs no __init__.py
    missing = verdict(tmp_path, "pkg.refunds.handler", files)
    assert missing is not None and missing.startswith("E305") and "src/pkg/refunds.py" in missing


@pytest.mark.parametrize("text", ["def handler(event, context)\n    return 1\n", "def handler(:\n", "x = (\n",
                                  "x = 1\n  y = 2\n", "def f():\nreturn 1\n", "a = 1\x00\n"])
def test_a_module_that_does_not_parse_is_e312(tmp_path: Path, text: str) -> None:
    found = verdict(tmp_path, "app.handler", {"app.py": text})
    assert found is not None and found.startswith("E312 app.py is not valid Python")


def test_deep_nesting_is_an_e312_not_a_crash(tmp_path: Path) -> None:
    found = verdict(tmp_path, "app.handler", {"app.py": "x = " + "(" * 5000 + ")" * 5000 + "\n"})
    assert found is not None and found.startswith("E312")


def test_the_module_is_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f"open({str(marker)!r}, 'w').close()\nraise SystemExit(3)\ndef handler(e, c): pass\n"
    assert verdict(tmp_path, "app.handler", {"app.py": text}) is None
    assert not marker.exists()


IDENTIFIER = st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True).filter(lambda s: not keyword.iskeyword(s))


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(defined=st.sets(IDENTIFIER, min_size=1, max_size=6), wanted=IDENTIFIER)
def test_a_handler_passes_exactly_when_its_module_defines_it(tmp_path: Path, defined: set[str], wanted: str) -> None:
    text = "".join(f"def {name}(event, context):\n    return {index}\n" for index, name in enumerate(sorted(defined)))
    found = verdict(tmp_path, f"app.{wanted}", {"app.py": text})
    assert (found is None) == (wanted in defined)
    if found is not None:
        assert found.startswith("E311") and all(name in found for name in defined)


def test_validate_reports_it_at_the_handler_and_render_refuses_it(tmp_path: Path) -> None:
    function_source(tmp_path)
    path = blueprint(tmp_path, handler="handler.handle")
    found = source_findings(path)
    assert [(code, where) for code, where, _ in found] == [("E311", "functions[0].handler")]
    model = drgen.load(blueprint(tmp_path))
    (tmp_path / "functions" / "orders" / "handler.py").write_text("def main(event, context):\n    return 1\n")
    with pytest.raises(RenderError, match=r"function orders: .*'handler'.*\(E311\)"):
        drgen.render(model)
