"""`drgen init` writes a starter blueprint that validates, for every strategy."""

from __future__ import annotations

from pathlib import Path

import pytest

from drgen import cli
from drgen.validation import check_file


@pytest.mark.parametrize("strategy", cli.STRATEGIES)
def test_starter_validates(strategy: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "blueprint.yaml"
    assert cli.main(["init", str(target), "--strategy", strategy, "--name", "orders"]) == 0
    result = check_file(target)
    assert result.ok, [d.text() for d in result.diagnostics]
    assert result.blueprint is not None and result.blueprint.strategy == strategy
    assert target.read_text().startswith("# yaml-language-server: $schema=")
    assert "drgen validate" in capsys.readouterr().out


def test_init_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "blueprint.yaml"
    target.write_text("mine\n")
    assert cli.main(["init", str(target)]) == 2
    assert target.read_text() == "mine\n"
    assert "--force" in capsys.readouterr().err
    assert cli.main(["init", str(target), "--force"]) == 0
    assert check_file(target).ok
