"""A client of a drgen route with ``auth: jwt`` across a failover: one token, accepted by either region.

Runs locally (no AWS account, no network): a stub of the API behind the DNS name calls drgen's own authoriser
(``drgen/functions/authorizer``) with the configuration drgen renders for the blueprint's ``api.jwt``, as API
Gateway calls it - a REQUEST event whose method ARN names the region that serves - and answers 401 when it
refuses the token. The issuer's key is made here with the ``cryptography`` package (the authoriser itself
needs only Python's standard library). Halfway the stub starts serving another region: the same token is
accepted there, with no re-signing and no look-up of the active region.

    python docs/examples/jwt_client.py
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from drgen import auth
from drgen.model import Jwt

ISSUER, AUDIENCE = "https://login.example.com/", "trading-api"
KEY = ec.generate_private_key(ec.SECP256R1())  # the issuer's signing key: only its public half is in the blueprint
SERVING = {"region": "us-east-1"}  # which region's API the DNS name reaches now


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk() -> dict[str, str]:
    point = KEY.public_key().public_numbers()
    return {"kty": "EC", "kid": "2026-11", "crv": "P-256", "x": b64(point.x.to_bytes(32, "big")),
            "y": b64(point.y.to_bytes(32, "big"))}


def issue_token(subject: str, lifetime: int = 900) -> str:
    """What the issuer hands the client: an ES256 JWT for the API's audience."""
    now = int(time.time())
    head = b64(json.dumps({"alg": "ES256", "typ": "JWT", "kid": "2026-11"}).encode())
    body = b64(json.dumps({"iss": ISSUER, "aud": AUDIENCE, "sub": subject, "iat": now, "exp": now + lifetime}).encode())
    r, s = decode_dss_signature(KEY.sign(f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256())))
    return f"{head}.{body}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def load_authorizer() -> Any:
    """drgen's authoriser, configured as drgen renders it for ``api.jwt: {issuer, audience, keys}``."""
    blueprint_jwt = Jwt(ISSUER, (AUDIENCE,), None, (tuple(sorted(public_jwk().items())),))
    os.environ["DRGEN_CONFIG"] = auth.config_text(blueprint_jwt)
    path = Path(auth.__file__).parent / "functions" / "authorizer" / "handler.py"
    spec = importlib.util.spec_from_file_location("drgen_authorizer", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


AUTHORIZER = load_authorizer()


class Stub(BaseHTTPRequestHandler):
    """POST /trades of the region that serves, authorised as API Gateway does with a REQUEST authoriser."""

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        region = SERVING["region"]
        arn = f"arn:aws:execute-api:{region}:123456789012:api-{region}/prod/POST/trades"
        event = {"type": "REQUEST", "methodArn": arn, "resource": "/trades", "path": "/trades",
                 "httpMethod": "POST", "headers": dict(self.headers.items())}
        try:
            answer = AUTHORIZER.handler(event, None)
            allowed = any(s["Effect"] == "Allow" and s["Resource"] == arn
                          for s in answer["policyDocument"]["Statement"])
            status, body = (202, {"accepted": True, "region": region, "principal": answer["principalId"]}) \
                if allowed else (403, {"message": "denied"})
        except Exception as error:  # API Gateway's mapping: "Unauthorized" is 401, anything else 500
            status, body = (401, {"message": "Unauthorized"}) if str(error) == "Unauthorized" else (500, {})
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def post(url: str, token: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=b'{"symbol": "ACME", "quantity": 10}', method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def main() -> None:
    server = HTTPServer(("127.0.0.1", 0), Stub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/trades"
    token = issue_token("desk-4")
    status, body = post(url, token)
    print(f"{SERVING['region']}: {status} {body}")
    assert status == 202 and body["region"] == "us-east-1"
    SERVING["region"] = "us-west-2"  # the failover: the DNS name now reaches the other region
    status, body = post(url, token)
    print(f"{SERVING['region']} after the flip, the same token: {status} {body}")
    assert status == 202 and body["region"] == "us-west-2"
    head, _, signature = token.split(".")
    forged = b64(json.dumps({"iss": ISSUER, "aud": AUDIENCE, "sub": "admin", "exp": int(time.time()) + 900}).encode())
    status, body = post(url, f"{head}.{forged}.{signature}")
    print(f"{SERVING['region']}, a token whose claims were changed: {status} {body}")
    assert status == 401
    server.shutdown()


if __name__ == "__main__":
    main()
