"""Golden cases for `drgen validate`: every folder under tests/cases/{valid,invalid}/ is one case.

A case holds ``blueprint.yaml`` (or, for file-level errors, whatever ``args`` names), a one-line ``README``
saying what it shows, and ``expected.txt``: what `drgen validate` prints, run inside the case folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from drgen import cli
from tests import golden

CASES = Path(__file__).parent / "cases"
VALID = sorted(p.name for p in (CASES / "valid").iterdir())
INVALID = sorted(p.name for p in (CASES / "invalid").iterdir())


def _run(folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.chdir(folder)
    args = (folder / "args").read_text().split() if (folder / "args").exists() else ["blueprint.yaml"]
    status = cli.main(["validate", *args])
    return status, capsys.readouterr().out


@pytest.mark.parametrize("case", VALID)
def test_valid_case(case: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                    update_goldens: bool) -> None:
    folder = CASES / "valid" / case
    status, out = _run(folder, monkeypatch, capsys)
    golden.check(folder / "expected.txt", out, update_goldens)
    assert status == 0


@pytest.mark.parametrize("case", INVALID)
def test_invalid_case(case: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                      update_goldens: bool) -> None:
    folder = CASES / "invalid" / case
    status, out = _run(folder, monkeypatch, capsys)
    golden.check(folder / "expected.txt", out, update_goldens)
    assert status == 1
    assert out.strip(), "an invalid case must print its diagnostics"
    code = case.split("-")[0].upper()
    if code[0] in "EW" and code[1:].isdigit():
        assert f": {code} " in out, f"case {case} is named for {code}, which it does not show"


def test_every_case_says_what_it_shows() -> None:
    for kind, names in (("valid", VALID), ("invalid", INVALID)):
        for name in names:
            assert (CASES / kind / name / "README").read_text().strip(), f"{kind}/{name} has no README"


def test_every_error_code_has_a_case() -> None:
    from drgen.codes import REGISTRY

    shown = {name.split("-")[0].upper() for name in INVALID}
    missing = sorted(code for code in REGISTRY if code not in shown and code[0] == "E")
    assert not missing, f"no invalid case shows {missing}"
