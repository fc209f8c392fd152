"""Every shell command shown in README.md and docs/ runs, in a fresh copy of the project, so the docs cannot rot.

The one exception is README's `bash .ci/run`: it is the command that runs this test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"```sh\n(.*?)```", re.S)
NOT_RUN = {"bash .ci/run"}


def _blocks() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for index, block in enumerate(BLOCK.findall(doc.read_text())):
            commands = "\n".join(line for line in block.splitlines()
                                  if line.strip() and not line.startswith("#") and line.strip() not in NOT_RUN)
            if commands:
                found.append((f"{doc.name}#{index + 1}", commands))
    return found


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("docs") / "drgen"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".git", ".venv*", "node_modules", "out", "*.egg-info",
                                                               "__pycache__", ".hypothesis", "dist", "build"))
    return copy


def test_every_documented_command_is_found() -> None:
    assert len(_blocks()) >= 10


@pytest.mark.slow
@pytest.mark.parametrize("name, commands", _blocks(), ids=lambda v: v if "#" in v else None)
def test_documented_command_runs(name: str, commands: str, project: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", commands], cwd=project, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{name}:\n{commands}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
