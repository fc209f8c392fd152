"""A client of an IAM-authorised drgen route that follows a failover: it signs for the region /health reports.

Runs against a local stub of the API behind the DNS name (no AWS account, no network): the stub answers
/health as drgen's health function does, and checks each signed request as API Gateway does - the SigV4
signature recomputed with the caller's key, and the credential scope's region equal to its own. The client
signs with botocore, the library the AWS SDK for Python uses; after a "failover" (the stub now serves
another region) its first request is refused, it asks /health again, re-signs, and is accepted.

    python docs/examples/signed_client.py
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CREDENTIALS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")  # the stub's one caller
SERVING = {"region": "us-east-1"}  # which region's API the DNS name reaches now


def sign(method: str, url: str, body: bytes, region: str, headers: dict[str, str]) -> dict[str, str]:
    """The headers of ``method url`` signed with SigV4 for ``execute-api`` in ``region``."""
    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(CREDENTIALS, "execute-api", region).add_auth(request)
    return dict(request.headers.items())


class Stub(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # /health: open, answered by the region that serves the name
        self._answer(200, {"status": "active", "region": SERVING["region"], "checks": []})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        authorization = self.headers.get("Authorization", "")
        scope = authorization.split("Credential=")[-1].split(",")[0].split("/")  # key/date/region/service/aws4_request
        if len(scope) != 5 or scope[2] != SERVING["region"]:
            self._answer(403, {"message": f"Credential should be scoped to a valid region, not '{scope[2:3]}'."})
            return
        url = f"http://{self.headers['Host']}{self.path}"
        signed_headers = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
        original = {k: v for k, v in self.headers.items() if k.lower() in signed_headers and k.lower() != "authorization"}
        request = AWSRequest(method="POST", url=url, data=body, headers=original)
        auth = SigV4Auth(CREDENTIALS, "execute-api", scope[2])
        request.context["timestamp"] = self.headers["X-Amz-Date"]
        expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
        if not authorization.endswith(f"Signature={expected}"):
            self._answer(403, {"message": "The request signature we calculated does not match the signature you provided."})
            return
        self._answer(202, {"messageId": f"accepted in {SERVING['region']}"})


def post(base: str, path: str, payload: dict[str, Any], region: str) -> tuple[int, dict[str, Any]]:
    body = json.dumps(payload).encode()
    headers = sign("POST", base + path, body, region, {"Content-Type": "application/json"})
    request = urllib.request.Request(base + path, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def active_region(base: str) -> str:
    """The region /health reports: the one that serves the name now (503 from a standby names the active one)."""
    try:
        with urllib.request.urlopen(base + "/health", timeout=5) as response:
            report = json.loads(response.read())
    except urllib.error.HTTPError as error:
        report = json.loads(error.read())
    return str(report.get("active") or report["region"])


def send_order(base: str, payload: dict[str, Any], region: str) -> tuple[str, int, dict[str, Any]]:
    """POST signed for ``region``; on 403, ask /health where the name points now, re-sign once and retry."""
    status, answer = post(base, "/trades", payload, region)
    if status == 403:
        region = active_region(base)
        status, answer = post(base, "/trades", payload, region)
    return region, status, answer


def main() -> None:
    server = HTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        region = active_region(base)
        region, status, answer = send_order(base, {"orderId": "o-1"}, region)
        print(f"signed for {region}: {status} {answer}")
        assert status == 202
        SERVING["region"] = "us-east-2"  # the failover: the DNS name now reaches us-east-2
        region, status, answer = send_order(base, {"orderId": "o-2"}, region)
        print(f"after the flip, signed for {region}: {status} {answer}")
        assert (region, status) == ("us-east-2", 202)
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
