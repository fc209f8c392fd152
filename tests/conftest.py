from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

_UPDATED: list[str] = []
"""What ``--update-goldens`` rewrote in this run: each entry names a file and shows its unified diff."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite golden files from the current output and show what changed")


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # tests/golden.py prints "updated <file>:" and the diff; pytest captures it, so collect it for the summary
    if report.when == "call" and "updated " in report.capstdout:
        _UPDATED.append(f"{report.nodeid}\n{report.capstdout.rstrip()}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    if not config.getoption("--update-goldens"):
        return
    terminalreporter.section("golden files updated")
    if not _UPDATED:
        terminalreporter.write_line("none: every golden file already matched")
    for entry in _UPDATED:
        terminalreporter.write_line(entry)


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A boto3 session on moto's in-process AWS, with fake credentials and no profile (a test file may override it,
    e.g. to set up the account first)."""
    import boto3
    from moto import mock_aws

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield boto3.Session(region_name="us-east-1")


@pytest.fixture
def organization(session: Any) -> Any:
    """moto's AWS with an organization whose management account is the session's: one OU, two accounts in it;
    (session, organization id, OU id, member account ids)."""
    org = session.client("organizations", region_name="us-east-1")
    org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
    members = []
    for name in ("one", "two"):
        status = org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
        members.append(status["AccountId"])
        org.move_account(AccountId=status["AccountId"], SourceParentId=root, DestinationParentId=ou)
    return session, org_id, ou, members
