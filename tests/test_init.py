"""`drgen init` writes a starter blueprint that validates, for every strategy."""

from __future__ import annotations

from pathlib import Path

import pytest

from drgen import cli
from drgen.cli import reference
from drgen.errors import UsageError
from drgen.starter import starter_blueprint
from drgen.validation import check_file


@pytest.mark.parametrize("strategy", reference.STRATEGIES)
def test_starter_validates(strategy: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "blueprint.yaml"
    assert cli.main(["init", str(target), "--strategy", strategy, "--name", "orders"]) == 0
    assert "drgen validate" in capsys.readouterr().out
    assert cli.main(["validate", str(target)]) == 0
    assert capsys.readouterr().out.startswith(f"{target}: valid\n"), "the starter has no finding, not even a warning"
    result = check_file(target)
    assert result.blueprint is not None
    assert (result.blueprint.strategy, result.blueprint.name) == (strategy, "orders")
    text = target.read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=blueprint.schema.json"
    assert sum(1 for line in text.splitlines() if "#" in line) >= 10, "the starter explains itself"
    assert (result.blueprint.failover.mode == "manual") == (strategy == "backup-restore")


def test_starter_is_deterministic() -> None:
    assert starter_blueprint("pilot-light", "orders") == starter_blueprint("pilot-light", "orders")
    assert starter_blueprint("pilot-light", "orders") != starter_blueprint("pilot-light", "billing")


def test_init_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "blueprint.yaml"
    target.write_text("mine\n")
    assert cli.main(["init", str(target)]) == 2
    assert target.read_text() == "mine\n"
    assert "--force" in capsys.readouterr().err
    assert cli.main(["init", str(target), "--force"]) == 0
    assert check_file(target).ok


def test_init_defaults_to_blueprint_yaml_in_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["init"]) == 0
    result = check_file("blueprint.yaml")
    assert result.blueprint is not None and result.blueprint.strategy == "warm-standby"
    assert result.blueprint.name == "my-service"


@pytest.mark.parametrize("name, says", [
    ("Orders", "is not a blueprint name"),
    ("orders\nnetwork: {nat: none}", "is not a blueprint name"),
    ("a-fairly-long-service-name-for-orders-eu", "bucket name"),  # 40 characters: a name, but not a bucket's
])
def test_init_refuses_a_name_that_would_not_validate(name: str, says: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "blueprint.yaml"
    assert cli.main(["init", str(target), "--name", name]) == 2
    assert says in capsys.readouterr().err
    assert not target.exists()


def test_unknown_strategy_from_the_library() -> None:
    with pytest.raises(UsageError, match="choose one of backup-restore, pilot-light"):
        starter_blueprint("cold-standby")
