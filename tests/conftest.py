from __future__ import annotations

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
