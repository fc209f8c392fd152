"""``drgen deploy`` from the command line against a ``moto_server`` this module starts on 127.0.0.1 and stops:
every call goes over HTTP through botocore, as it does against AWS (with ``--endpoint-url``).

The server runs ``python -m tests.motocompat PORT``: moto's own server with the placeholders and fixes that
tests/motocompat.py describes.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

import drgen
from drgen import naming
from drgen.cli import main
from tests import motocompat

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = str(ROOT / "blueprints" / "trading-platform.yaml")
PREFIX = "trading-platform-prod"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "tests.motocompat", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.2)
        url = f"http://127.0.0.1:{port}"
        motocompat.create_stackset_roles(boto3.Session(region_name="us-east-1", aws_access_key_id="testing",
                                                       aws_secret_access_key="testing"),
                                         drgen.render(drgen.load(REFERENCE)), endpoint_url=url)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_cli_deploys_the_reference_blueprint_then_finds_nothing_to_do(endpoint: str, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy", REFERENCE, "--endpoint-url", endpoint, "--dry-run"]) == 0
    dry = capsys.readouterr().out
    control = drgen.load(REFERENCE).control_region  # where the StackSets are administered
    assert f"create    bootstrap     {control:<15} StackSet trading-platform-prod-bootstrap" in dry
    assert "would change" in dry

    assert main(["deploy", REFERENCE, "--endpoint-url", endpoint, "--yes", "--out", str(tmp_path / "deployed")]) == 0
    done = capsys.readouterr()
    assert (tmp_path / "deployed" / "manifest.json").is_file()  # the render that was deployed
    assert "operations started" in done.out
    # progress on stderr: plain lines (not a terminal), one per status change
    assert "database      us-east-2       create    SUCCEEDED" in done.err
    assert "dns           us-east-1       create    CREATE_COMPLETE" in done.err

    cf = boto3.client("cloudformation", region_name=control, endpoint_url=endpoint)
    instances = cf.list_stack_instances(StackSetName=naming.stack(PREFIX, "orchestration"))["Summaries"]
    # in every region: the machine in a region makes it active (failing back included)
    assert sorted((i["Region"], i["Status"]) for i in instances) == [("us-east-1", "CURRENT"), ("us-east-2", "CURRENT")]
    for region in ("us-east-1", "us-east-2"):
        machines = boto3.client("stepfunctions", region_name=region, endpoint_url=endpoint).list_state_machines()
        assert [m["name"] for m in machines["stateMachines"]] == [naming.state_machine(PREFIX)]
    vpcs = boto3.client("ec2", region_name="us-east-2", endpoint_url=endpoint).describe_vpcs()["Vpcs"]
    assert "10.1.0.0/16" in {v["CidrBlock"] for v in vpcs}

    # without --yes and without a terminal, an unchanged deploy says so and asks nothing
    assert main(["deploy", REFERENCE, "--endpoint-url", endpoint]) == 0
    again = capsys.readouterr().out
    assert "nothing to do" in again and "no StackSet operation was started" in again


def test_cli_without_yes_off_a_terminal_refuses_to_change_anything(endpoint: str, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    blueprint = tmp_path / "other.yaml"
    assert main(["init", str(blueprint), "--name", "other-service"]) == 0
    capsys.readouterr()
    rendered = drgen.render(drgen.load(blueprint))
    motocompat.create_stackset_roles(boto3.Session(region_name="us-east-1"), rendered, endpoint_url=endpoint)
    assert main(["deploy", str(blueprint), "--endpoint-url", endpoint]) == 2
    out = capsys.readouterr()
    assert "create    bootstrap" in out.out
    assert "pass --yes to deploy without asking" in out.err
    cf = boto3.client("cloudformation", region_name=rendered.blueprint.control_region, endpoint_url=endpoint)
    names = {s["StackSetName"] for s in cf.list_stack_sets()["Summaries"]}
    assert not any(name.startswith("other-service") for name in names)


def test_cli_json_summary(endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["deploy", REFERENCE, "--endpoint-url", endpoint, "--dry-run", "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["dry_run"] is True and summary["account"] == "123456789012"
    assert {c["action"] for c in summary["changes"]} <= {"create", "update", "unchanged", "upload"}


def test_cli_unreachable_endpoint_is_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    port = _free_port()
    assert main(["deploy", REFERENCE, "--endpoint-url", f"http://127.0.0.1:{port}", "--yes", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("drgen: start: cannot reach AWS (Could not connect to the endpoint URL")
    assert "Traceback" not in err


def test_cli_unknown_profile_is_a_usage_error(capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    assert main(["deploy", REFERENCE, "--profile", "no-such-profile", "--dry-run"]) == 2
    assert "no-such-profile" in capsys.readouterr().err
