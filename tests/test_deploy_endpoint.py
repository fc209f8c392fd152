"""``drgen deploy`` against an endpoint that is not AWS: a malformed ``--endpoint-url`` is a usage error
before anything else happens, and an endpoint answering HTML (or anything else AWS never sends) is a
``DeployError`` saying so, never a traceback from botocore. The endpoint is a tiny ``http.server`` this
module starts on 127.0.0.1 and stops."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

import drgen
from drgen.aws.deploy import DeployOptions
from drgen.cli import main
from drgen.rendering import Rendered

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "blueprints" / "trading-platform.yaml"


class _Answer(http.server.BaseHTTPRequestHandler):
    """Answers every request with the class's status, body and content type (set by each test)."""

    status = 200
    body = b""
    content_type = "text/html"
    requests = 0

    def _answer(self) -> None:
        type(self).requests += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST = do_PUT = do_HEAD = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def reference() -> Rendered:
    return drgen.render(drgen.load(REFERENCE))


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


HTML = b"<!DOCTYPE html>\n<html><head><title>Welcome</title></head><body><p>It works!</p></body></html>\n"


@pytest.mark.parametrize("status, body, content_type, says", [
    (200, HTML, "text/html", "answered something that is not an AWS answer (KeyError"),
    (200, b"", "text/xml", "answered something that is not an AWS answer (ResponseParserError"),
    (200, b"\xff\xfe\x00garbage", "application/octet-stream", "not an AWS answer (ResponseParserError"),
    (200, b"<a/>", "text/xml", "answered something that is not an AWS answer (KeyError"),
    (404, HTML, "text/html", "GetCallerIdentity failed: HTTP 404 from the endpoint"),
    (403, HTML, "text/html", "GetCallerIdentity failed: HTTP 403 from the endpoint"),
])
def test_an_endpoint_answering_what_aws_never_sends_is_a_deploy_error(
        endpoint: str, reference: Rendered, status: int, body: bytes, content_type: str, says: str) -> None:
    _Answer.status, _Answer.body, _Answer.content_type = status, body, content_type
    before = _Answer.requests
    with pytest.raises(drgen.DeployError) as failure:
        drgen.deploy(reference, boto3.Session(region_name="us-east-1"),
                     options=DeployOptions(dry_run=True, poll_seconds=0, max_attempts=1, endpoint_url=endpoint))
    message = str(failure.value)
    assert message.startswith("start: ") and says in message, message
    assert f"the endpoint {endpoint}" in message and "check --endpoint-url" in message and len(message) < 400
    assert _Answer.requests > before  # the answer came from this server


def test_the_command_line_says_so_and_exits_1(endpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    _Answer.status, _Answer.body, _Answer.content_type = 200, HTML, "text/html"
    assert main(["deploy", str(REFERENCE), "--dry-run", "--endpoint-url", endpoint]) == 1  # docs/cli.md: a failed step
    captured = capsys.readouterr()
    assert captured.err.startswith(f"drgen: start: the endpoint {endpoint} answered something that is not an AWS")
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("url", ["ht!tp://[bad", "http://", "http://127.0.0.1:99999", "ftp://example.com",
                                 "127.0.0.1:5000", "http://[::1", "", "http://exa mple.com"])
def test_a_malformed_endpoint_url_is_a_usage_error_before_anything_runs(
        url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "render"
    assert main(["deploy", str(REFERENCE), "--yes", "-o", str(out), "--endpoint-url", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("drgen: the endpoint URL ") and "Traceback" not in err, err
    assert not out.exists()  # refused before rendering
    with pytest.raises(drgen.UsageError):
        DeployOptions(endpoint_url=url)
