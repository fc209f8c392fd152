"""Golden cases for `drgen validate`: every folder under tests/cases/{valid,invalid}/ is one case.

A case holds ``blueprint.yaml``, a one-line ``README`` saying what it shows, ``expected.txt`` (what
`drgen validate blueprint.yaml` prints, run inside the case folder) and, when the blueprint names a
function, a small handler under ``functions/``. Files too big for git are listed in ``SPARSE`` (``path size``
a line): the case then runs in a copy where each is made as a sparse file of that size.
The blueprints shipped in blueprints/ have their output in tests/cases/blueprints/<name>.txt.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from drgen import cli
from drgen.diagnostics import Diagnostic
from drgen.errors import UNREADABLE
from drgen.validation import check_file
from tests import golden

ROOT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).parent / "cases"
VALID = sorted(p.name for p in (CASES / "valid").iterdir())
INVALID = sorted(p.name for p in (CASES / "invalid").iterdir())


def _run(folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         tmp_path: Path) -> tuple[int, str]:
    sparse = folder / "SPARSE"
    if sparse.exists():
        folder = Path(shutil.copytree(folder, tmp_path / folder.name, symlinks=True))
        for line in sparse.read_text().splitlines():
            path, size = line.split()
            with open(folder / path, "wb") as handle:
                handle.truncate(int(size))
    monkeypatch.chdir(folder)
    status = cli.main(["validate", "blueprint.yaml"])
    return status, capsys.readouterr().out


@pytest.mark.parametrize("case", VALID)
def test_valid_case(case: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                    update_goldens: bool, tmp_path: Path) -> None:
    folder = CASES / "valid" / case
    status, out = _run(folder, monkeypatch, capsys, tmp_path)
    golden.check(folder / "expected.txt", out, update_goldens)
    assert status == 0


@pytest.mark.parametrize("case", INVALID)
def test_invalid_case(case: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                      update_goldens: bool, tmp_path: Path) -> None:
    folder = CASES / "invalid" / case
    status, out = _run(folder, monkeypatch, capsys, tmp_path)
    golden.check(folder / "expected.txt", out, update_goldens)
    code = case.split("-")[0].upper()
    assert status == (2 if code == UNREADABLE else 1)  # docs/cli.md: 2 for a file drgen cannot read
    assert out.strip(), "an invalid case must print its diagnostics"
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


SHIPPED = sorted(p.stem for p in (ROOT / "blueprints").glob("*.yaml"))


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_blueprint(name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                           update_goldens: bool) -> None:
    monkeypatch.chdir(ROOT / "blueprints")
    status = cli.main(["validate", f"{name}.yaml"])
    out = capsys.readouterr().out
    golden.check(CASES / "blueprints" / f"{name}.txt", out, update_goldens)
    assert status == 0
    assert out.startswith(f"{name}.yaml: valid\n"), "a shipped blueprint validates without a single finding"


@pytest.mark.parametrize("case", ["valid/minimal", "invalid/e001-not-utf8", "invalid/e002-yaml-syntax",
                                  "invalid/many-errors-at-once"])
def test_case_as_a_process(case: str) -> None:
    """The same output from the installed entry point, run as its own process (stdout only; counts on stderr)."""
    folder = CASES / case
    done = subprocess.run([sys.executable, "-m", "drgen", "validate", "blueprint.yaml"], cwd=folder,
                          capture_output=True, text=True, check=False)
    assert done.stdout == (folder / "expected.txt").read_text(encoding="utf-8")
    assert "Traceback" not in done.stderr
    if case.startswith("valid/"):
        assert (done.returncode, done.stderr) == (0, "")
    else:
        errors = sum(1 for line in done.stdout.splitlines() if ": E" in line)
        assert done.returncode == (2 if case == "invalid/e001-not-utf8" else 1)
        assert done.stderr == f"blueprint.yaml: {errors} error{'s' if errors != 1 else ''}\n"


def test_missing_file_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["validate", "blueprint.yaml"]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "drgen: blueprint.yaml: no such file\n")


def test_a_directory_is_not_a_blueprint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "blueprint.yaml").mkdir()
    monkeypatch.chdir(tmp_path)
    assert cli.main(["validate", "blueprint.yaml"]) == 2
    assert capsys.readouterr().err == "drgen: blueprint.yaml: not a regular file\n"
    result = check_file("blueprint.yaml")  # the library reports what the command line refuses up front
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [("E001", 1, 1)]
    assert result.diagnostics[0].message.startswith("cannot read the file: ")
    assert not result.ok


def test_a_byte_order_mark_is_not_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (CASES / "valid" / "minimal" / "blueprint.yaml").read_text(encoding="utf-8")
    target = tmp_path / "bom.yaml"
    target.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert cli.main(["validate", str(target)]) == 0
    assert f"{target}: valid" in capsys.readouterr().out


def test_every_semantic_check_is_shown_by_a_case(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each check function in drgen.checks finds something in at least one case (a warning in a valid one)."""
    from drgen import checks

    original = checks.all_checks()
    fired: set[str] = set()

    def recording(check: checks.Check) -> checks.Check:
        def run(ctx: checks.Context) -> Iterator[Diagnostic]:
            found = list(check(ctx))
            if found:
                fired.add(f"{check.__module__}.{check.__name__}")
            return iter(found)
        return run

    monkeypatch.setattr(checks, "all_checks", lambda: [recording(c) for c in original])
    for folder in [CASES / "invalid" / name for name in INVALID] + [CASES / "valid" / name for name in VALID]:
        if (folder / "blueprint.yaml").is_file():
            check_file(folder / "blueprint.yaml")
    missing = sorted(f"{c.__module__}.{c.__name__}" for c in original if f"{c.__module__}.{c.__name__}" not in fired)
    assert not missing, f"no case makes these checks report anything: {missing}"
