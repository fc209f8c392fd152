"""`drgen validate` and `drgen schema` from the command line: formats, statuses, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

import drgen
from drgen import __version__, cli

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "blueprints" / "trading-platform.yaml"
BROKEN = ROOT / "tests" / "cases" / "invalid" / "many-errors-at-once" / "blueprint.yaml"
THIN = ROOT / "tests" / "cases" / "valid" / "w703-thin-margin" / "blueprint.yaml"


def test_valid_blueprint_prints_the_budget(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(REFERENCE)]) == 0
    out = capsys.readouterr().out
    assert f"{REFERENCE}: valid" in out
    assert "RTO 30m, unplanned (the active region goes down): estimated 24m 51s, met" in out
    assert "RTO 30m, planned (an operator moves the service while the active region is healthy): estimated 5m 47s" in out


def test_several_files_exit_1_when_any_is_invalid(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(REFERENCE), str(BROKEN)]) == 1
    captured = capsys.readouterr()
    assert f"{REFERENCE}: valid" in captured.out
    assert f"{BROKEN}:11:11: E104" in captured.out
    assert "5 errors" in captured.err


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", "--format", "json", str(BROKEN)]) == 1
    printed = json.loads(capsys.readouterr().out)
    items = printed["diagnostics"]
    assert [i["code"] for i in items] == ["E104", "E206", "E302", "E103", "E101"]
    assert all(i["severity"] == "error" and i["line"] >= 1 for i in items)
    assert printed["blueprints"] == [{"file": str(BROKEN), "valid": False, "objectives": None}]


def test_json_format_of_valid_blueprints(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", "--format", "json", str(REFERENCE)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["diagnostics"] == []
    [reference] = printed["blueprints"]
    assert (reference["file"], reference["valid"]) == (str(REFERENCE), True)
    # both RTOs, each with its steps; the one the objective is checked against is the unplanned one
    unplanned, planned = reference["objectives"]["rto"], reference["objectives"]["planned_rto"]
    assert (unplanned["scenario"], unplanned["estimate_ms"], unplanned["met"]) == ("unplanned", 1_491_000, True)
    assert (planned["scenario"], planned["estimate_ms"]) == ("planned", 347_000)
    for estimate in (unplanned, planned):
        assert sum(t["ms"] for t in estimate["terms"]) == estimate["estimate_ms"]
    assert any(t["source"] == "approval" for t in unplanned["terms"])
    assert not any(t["source"] == "approval" for t in planned["terms"])
    # every data store's RPO term, with what it is judged against: the library's assessment, the same
    stores = {c["store"]: c for c in reference["objectives"]["contributions"]}
    assert sorted(stores) == ["buckets[0]", "buckets[1]", "databases[0]", "queues[0]", "tables[0]"]
    assert (stores["buckets[0]"]["own"], stores["buckets[0]"]["target_ms"]) == (True, 900_000)
    assert (stores["databases[0]"]["own"], stores["databases[0]"]["target_ms"]) == (False, 60_000)
    assert all(c["met"] == (c["ms"] <= c["target_ms"]) for c in stores.values())
    assert reference["objectives"] == json.loads(json.dumps(drgen.assess(REFERENCE).to_dict()))
    assert cli.main(["validate", "--format", "json", str(THIN), str(REFERENCE)]) == 0
    items = json.loads(capsys.readouterr().out)["diagnostics"]
    assert [(i["code"], i["severity"], i["file"], i["line"]) for i in items] == [("W703", "warning", str(THIN), 14)]


def test_github_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", "--format", "github", str(BROKEN)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and all(line.startswith(f"::error file={BROKEN},") for line in lines)
    assert lines[0].startswith(f"::error file={BROKEN},line=11,col=11,title=E104::'warm' is not one of")


def test_github_format_shows_warnings_as_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", "--format", "github", str(THIN)]) == 0
    assert capsys.readouterr().out.startswith(f"::warning file={THIN},line=14,col=8,title=W703::RTO 26m is met with "
                                              "a thin margin (unplanned path)")


def test_text_format_keeps_counts_off_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", str(BROKEN)]) == 1
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 5 and all(": E" in line for line in captured.out.splitlines())
    assert captured.err == f"{BROKEN}: 5 errors\n"


def test_missing_file_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_missing_file_among_several_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert cli.main(["validate", str(REFERENCE), str(tmp_path / "nope.yaml")]) == 2
    assert f"{tmp_path / 'nope.yaml'}: no such file" in capsys.readouterr().err


def test_schema_prints_the_schema_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((ROOT / "schemas" / "blueprint.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(printed)


@pytest.mark.parametrize("argv, status", [(["--version"], 0), (["validate"], 2), (["frobnicate"], 2), ([], 2),
                                          (["render", str(REFERENCE)], 2), (["validate", str(ROOT)], 2),
                                          (["validate", "--format", "xml", str(REFERENCE)], 2),
                                          (["validate", str(ROOT / "nope.yaml")], 2), (["validate", str(BROKEN)], 1),
                                          (["validate", str(REFERENCE)], 0)])
def test_process_statuses_and_no_traceback(argv: list[str], status: int) -> None:
    done = subprocess.run([sys.executable, "-m", "drgen", *argv], capture_output=True, text=True, check=False)
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr
    if argv == ["--version"]:
        assert done.stdout.strip() == f"drgen {__version__}"
    elif status == 2:
        assert "drgen" in done.stderr


def test_library_validate_accepts_text_and_paths() -> None:
    import drgen

    assert drgen.validate(REFERENCE) == []
    assert [d.code for d in drgen.validate("version: 1\n")][:1] == ["E102"]
    with pytest.raises(drgen.InvalidBlueprint) as raised:
        drgen.load(BROKEN)
    assert len(raised.value.diagnostics) == 5
