"""What `-o DIR` may replace: only a previous render (or a new or empty directory), never anything else.

The tests snapshot every path under a directory (names, bytes, link targets) before drgen runs and compare after:
a refusal must leave everything exactly as it was, including the project, `.git` and the blueprint.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import drgen
from drgen import cli
from drgen.errors import UsageError
from drgen.output import render_changes
from drgen.rendering import Rendered, render_blueprint

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "blueprints" / "trading-platform.yaml"
SMALL = ROOT / "blueprints" / "minimal-backup-restore.yaml"


def snapshot(root: Path) -> dict[str, object]:
    """Every path under ``root`` (itself included) with what it holds."""
    seen: dict[str, object] = {}
    for path in [root, *sorted(root.rglob("*"))]:
        key = path.relative_to(root.parent).as_posix()
        if path.is_symlink():
            seen[key] = ("link", os.readlink(path))
        elif path.is_dir():
            seen[key] = "dir"
        else:
            seen[key] = path.read_bytes()
    return seen


@pytest.fixture(scope="module")
def reference() -> Rendered:
    return render_blueprint(drgen.load(REFERENCE))


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A user's project: the reference blueprint, its functions, a git folder and notes."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "blueprints", root)
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "NOTES.md").write_text("the team's notes\n")
    return root


def _render(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = cli.main(["render", *args])
    return status, capsys.readouterr().err


@pytest.mark.parametrize("output", [".", "", "..", "./"])
def test_the_project_directory_and_above_are_refused(output: str, project: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(project)
    before = snapshot(project.parent)
    for force in ([], ["--force"]):
        status, err = _render(["trading-platform.yaml", "-o", output, *force], capsys)
        assert status == 2, err
        assert err.startswith("drgen: ") and err.count("\n") == 1
    assert snapshot(project.parent) == before


def test_the_blueprints_directory_and_its_ancestors_are_refused_from_anywhere(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    before = snapshot(tmp_path)
    for output in (project, project.parent, Path("/")):
        status, err = _render([str(project / "trading-platform.yaml"), "-o", str(output), "--force"], capsys)
        assert status == 2 and "must not replace" in err
    assert snapshot(tmp_path) == before


def test_an_unrelated_directory_a_file_and_a_link_are_refused(
        project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(project)
    (project / "docs").mkdir()
    (project / "docs" / "design.md").write_text("# design\n")
    (project / "report.txt").write_text("a file\n")
    (project / "link").symlink_to(project / "docs")
    (project / "link-to-project").symlink_to(project)
    before = snapshot(project)
    for output, says in [("docs", "not a drgen render"), ("functions", "not a drgen render"),
                         ("report.txt", "not a directory"), ("link", "symbolic link"),
                         ("link-to-project/out/..", "must not replace"), (".git", "not a drgen render")]:
        for force in ([], ["--force"]):
            status, err = _render(["trading-platform.yaml", "-o", output, *force], capsys)
            assert status == 2 and says in err, (output, err)
    assert snapshot(project) == before


def test_a_new_or_empty_directory_is_written(project: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(project)
    (project / "empty").mkdir()
    for output in ("empty", "new/deeper/out"):
        status, err = _render(["trading-platform.yaml", "-o", output], capsys)
        assert status == 0, err
        assert render_changes(project / output) == []


def test_a_previous_render_is_replaced_whole(tmp_path: Path, reference: Rendered) -> None:
    target = tmp_path / "out"
    drgen.write(reference, target)
    drgen.write(render_blueprint(drgen.load(SMALL)), target)
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["blueprint"]["name"] == drgen.load(SMALL).name
    on_disk = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert on_disk == sorted([a["path"] for a in manifest["artifacts"]] + ["manifest.json"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left


def test_a_changed_render_needs_force(tmp_path: Path, reference: Rendered, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out"
    drgen.write(reference, target)
    (target / "runbook.md").write_text("my edits\n")
    (target / "templates" / "mine.json").write_text("{}\n")
    (target / "statemachines").rename(target / "moved")  # files that are gone or moved count too
    before = snapshot(target)
    with pytest.raises(UsageError) as refused:
        drgen.write(reference, target)
    assert "runbook.md" in str(refused.value) and "templates/mine.json" in str(refused.value)
    assert "--force" in str(refused.value)
    assert snapshot(target) == before
    drgen.write(reference, target, force=True)
    assert render_changes(target) == []


def test_a_deleted_render_file_is_no_change(tmp_path: Path, reference: Rendered) -> None:
    target = tmp_path / "out"
    drgen.write(reference, target)
    (target / "runbook.md").unlink()
    drgen.write(reference, target)
    assert (target / "runbook.md").read_bytes() == reference.files["runbook.md"]


@pytest.mark.parametrize("manifest", [b"", b"{", b"[]", b'{"artifacts": []}', b'{"drgen_version": "0", "artifacts": 3}',
                                      b'{"drgen_version": "0", "artifacts": [{"path": 1}]}', b"\xff\xfe"])
def test_a_directory_with_something_else_called_manifest_is_no_render(tmp_path: Path, reference: Rendered,
                                                                       manifest: bytes) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "manifest.json").write_bytes(manifest)
    with pytest.raises(UsageError, match="not a drgen render"):
        drgen.write(reference, target, force=True)
    assert (target / "manifest.json").read_bytes() == manifest


def test_deploy_refuses_its_output_before_any_aws_call(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(project)
    called = []
    monkeypatch.setattr(drgen, "deploy", lambda *a, **k: called.append(a))
    before = snapshot(project)
    assert cli.main(["deploy", "trading-platform.yaml", "-o", ".", "--yes"]) == 2
    assert "must not replace" in capsys.readouterr().err
    assert not called and snapshot(project) == before


names = st.text(alphabet="abcdefghij.-_", min_size=1, max_size=8).filter(lambda n: n not in (".", ".."))
trees = st.dictionaries(st.lists(names, min_size=1, max_size=3).map(tuple), st.binary(max_size=40), min_size=1,
                        max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=trees)
def test_no_directory_drgen_did_not_write_is_ever_replaced(tmp_path_factory: pytest.TempPathFactory,
                                                           reference: Rendered, tree: dict[tuple[str, ...], bytes]) -> None:
    target = tmp_path_factory.mktemp("any") / "out"
    target.mkdir()
    for parts, data in tree.items():
        path = target.joinpath(*parts)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            continue  # a name that is both a file and a folder in the generated tree
    before = snapshot(target)
    with pytest.raises(UsageError):
        drgen.write(reference, target, force=True)
    assert snapshot(target) == before


# ---- interrupted writes -------------------------------------------------------------------------------------

CHILD = """
import sys
from pathlib import Path
import drgen
renders = [drgen.render(drgen.load(p)) for p in sys.argv[2:]]
print("ready", flush=True)
for i in range(10_000):
    drgen.write(renders[i % len(renders)], Path(sys.argv[1]))
"""


def _digests(*blueprints: Path) -> set[str]:
    return {json.loads(render_blueprint(drgen.load(p)).files["manifest.json"])["blueprint"]["digest"]
            for p in blueprints}


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_write_killed_at_any_moment_leaves_the_old_render_or_the_new(tmp_path: Path, sig: signal.Signals) -> None:
    import random

    rng = random.Random(sig)
    target = tmp_path / "out"
    (tmp_path / "neighbour.txt").write_text("not drgen's\n")
    expected = _digests(REFERENCE, SMALL)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for attempt in range(8):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(target), str(REFERENCE), str(SMALL)], cwd=tmp_path,
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0.0, 0.08) if attempt else 0.5)  # the first run writes at least once
        child.send_signal(sig)
        child.wait(timeout=60)
        assert target.is_dir(), f"attempt {attempt}: no render at all after {sig.name}"
        assert render_changes(target) == [], f"attempt {attempt}: the render on disk is not whole"
        assert json.loads((target / "manifest.json").read_text())["blueprint"]["digest"] in expected
        left = sorted(p.name for p in tmp_path.iterdir() if p.name not in ("out", "neighbour.txt"))
        if sig != signal.SIGKILL:
            assert left == [], f"attempt {attempt}: staging left behind after {sig.name}: {left}"
        assert (tmp_path / "neighbour.txt").read_text() == "not drgen's\n"
    drgen.write(render_blueprint(drgen.load(SMALL)), target)  # a later write clears what a killed one left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["neighbour.txt", "out"]


WATCHER = """
import os, sys, time
target, stop = sys.argv[1], sys.argv[2]
while not os.path.isdir(target):
    pass
print("watching", flush=True)
missing = 0
while not os.path.exists(stop):
    if not os.path.isdir(target):
        missing += 1
print(missing, flush=True)
"""


@pytest.mark.slow
def test_the_target_never_disappears_while_a_render_replaces_it(tmp_path: Path, reference: Rendered) -> None:
    small = render_blueprint(drgen.load(SMALL))
    target, stop = tmp_path / "out", tmp_path / "stop"
    drgen.write(small, target)
    watcher = subprocess.Popen([sys.executable, "-c", WATCHER, str(target), str(stop)], stdout=subprocess.PIPE,
                               text=True)
    assert watcher.stdout is not None and watcher.stdout.readline() == "watching\n"
    for i in range(150):
        drgen.write(small if i % 2 else reference, target)
    stop.touch()
    assert watcher.stdout.readline() == "0\n", "another process saw the output directory missing mid-swap"
    watcher.wait(timeout=30)


INTERRUPTED = """
import sys
from drgen.cli import main
print("ready", flush=True)
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_ctrl_c_at_any_moment_of_a_command_is_one_line_and_exit_130(tmp_path: Path) -> None:
    import random

    rng = random.Random(130)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for attempt in range(12):
        child = subprocess.Popen([sys.executable, "-c", INTERRUPTED, "render", str(REFERENCE), "-o", "out"],
                                 cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.0, 0.4))
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
        if child.returncode in (0, -signal.SIGINT) and out.startswith("rendered "):
            # it finished first; -SIGINT: the signal came while the interpreter shut down after main() had
            # returned - the process ends by the signal (a shell reports 130), and prints nothing more
            assert err == ""
        else:
            assert (child.returncode, err) == (130, "drgen: interrupted\n"), f"attempt {attempt}"
        assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["out"])


def test_ctrl_c_while_drgen_starts_is_one_line_and_exit_130() -> None:
    """Between the command line's first lines and main(): the imports that follow must not show a traceback."""
    code = "import os, signal, drgen.cli\nos.kill(os.getpid(), signal.SIGINT)\nimport argparse, json\n"
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=60,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert (done.returncode, done.stderr) == (130, "drgen: interrupted\n")
