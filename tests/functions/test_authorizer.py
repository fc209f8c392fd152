"""drgen's JWT authoriser against tokens signed with real keys made here (the ``cryptography`` package, a test
dependency only: the authoriser itself verifies with the standard library), keys served over real HTTPS by a
local server whose certificate the test trusts."""

from __future__ import annotations

import base64
import datetime
import http.server
import json
import os
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.functions.conftest import ROOT, load_handler

ISSUER, AUDIENCE = "https://login.example.com/", "trading-api"
ARN = "arn:aws:execute-api:us-east-2:123456789012:abc123/prod/POST/trades/42"

authorizer = load_handler(ROOT / "drgen" / "functions" / "authorizer", "drgen_authorizer")
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def num(value: int, length: int | None = None) -> str:
    return b64(value.to_bytes(length or (value.bit_length() + 7) // 8, "big"))


def rsa_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    public = key.public_key().public_numbers()
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": num(public.n), "e": num(public.e)}


def ec_jwk(key: ec.EllipticCurvePrivateKey, kid: str) -> dict[str, Any]:
    public = key.public_key().public_numbers()
    return {"kty": "EC", "kid": kid, "crv": "P-256", "x": num(public.x, 32), "y": num(public.y, 32)}


def sign(message: bytes, key: Any, alg: str) -> bytes:
    if alg == "RS256":
        return bytes(key.sign(message, padding.PKCS1v15(), hashes.SHA256()))
    r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def token(claims: dict[str, Any] | None = None, *, key: Any = RSA_KEY, kid: str | None = "rsa-1", alg: str = "RS256",
          header: dict[str, Any] | None = None) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "client-7", "iat": now, "exp": now + 300, **(claims or {})}
    head = {"alg": alg, "typ": "JWT", **({"kid": kid} if kid else {}), **(header or {})}
    signing_input = f"{b64(json.dumps(head).encode())}.{b64(json.dumps(body).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode(), key, alg))}"


def event(value: str, method: str = "POST", resource: str = "/trades/{id}") -> dict[str, Any]:
    return {"type": "REQUEST", "methodArn": ARN, "resource": resource, "path": "/trades/42", "httpMethod": method,
            "headers": {"authorization": value}}


@pytest.fixture
def keys_in_blueprint(config: Any) -> Any:
    config({"issuer": ISSUER, "audiences": [AUDIENCE, "other"], "jwks_url": None,
            "keys": [rsa_jwk(RSA_KEY, "rsa-1"), ec_jwk(EC_KEY, "ec-1")]})
    authorizer._STATE.clear()
    return authorizer


def refused(handler: Any, value: str) -> None:
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        handler.handler(event(value), None)


def test_a_valid_rs256_token_is_allowed_on_the_route_called_only(keys_in_blueprint: Any) -> None:
    answer = keys_in_blueprint.handler(event(f"Bearer {token()}"), None)
    assert answer["principalId"] == "client-7"
    assert answer["policyDocument"]["Statement"] == [{
        "Action": "execute-api:Invoke", "Effect": "Allow",
        "Resource": "arn:aws:execute-api:us-east-2:123456789012:abc123/prod/POST/trades/*"}]
    assert answer["context"] == {"sub": "client-7", "iss": ISSUER}


def test_a_valid_es256_token_and_a_list_of_audiences_are_accepted(keys_in_blueprint: Any) -> None:
    value = token({"aud": ["someone-else", "other"], "scope": "trades:write"}, key=EC_KEY, kid="ec-1", alg="ES256")
    answer = keys_in_blueprint.handler(event(f"bearer {value}", method="GET", resource="/"), None)
    assert answer["policyDocument"]["Statement"][0]["Resource"].endswith("abc123/prod/GET/")
    assert answer["context"]["scope"] == "trades:write"


@pytest.mark.parametrize("claims", [
    {"exp": int(time.time()) - 120},                       # expired (past the leeway)
    {"nbf": int(time.time()) + 600},                       # not valid yet
    {"iat": int(time.time()) + 600},                       # issued in the future
    {"aud": "someone-else"},                               # wrong audience
    {"aud": ["someone-else"]},
    {"aud": None},
    {"iss": "https://login.example.com"},                  # the issuer is compared exactly
    {"iss": "https://evil.example.com/"},
    {"sub": ""},
    {"exp": "9999999999"},                                 # not a number
    {"exp": True},
], ids=["expired", "nbf", "iat", "aud", "aud-list", "no-aud", "iss-slash", "iss", "no-sub", "exp-text", "exp-bool"])
def test_claims_that_do_not_hold_are_refused(keys_in_blueprint: Any, claims: dict[str, Any]) -> None:
    refused(keys_in_blueprint, f"Bearer {token(claims)}")


def test_a_token_within_the_clock_skew_leeway_is_accepted(keys_in_blueprint: Any) -> None:
    keys_in_blueprint.handler(event(f"Bearer {token({'exp': int(time.time()) - 10})}"), None)


def test_a_token_without_exp_is_refused(keys_in_blueprint: Any) -> None:
    now = int(time.time())
    head = b64(json.dumps({"alg": "RS256", "kid": "rsa-1"}).encode())
    body = b64(json.dumps({"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "iat": now}).encode())
    refused(keys_in_blueprint, f"Bearer {head}.{body}.{b64(sign(f'{head}.{body}'.encode(), RSA_KEY, 'RS256'))}")


def test_bad_signatures_are_refused(keys_in_blueprint: Any) -> None:
    good = token()
    head, body, signature = good.split(".")
    forged = b64(json.dumps({"iss": ISSUER, "aud": AUDIENCE, "sub": "admin", "exp": int(time.time()) + 300}).encode())
    refused(keys_in_blueprint, f"Bearer {head}.{forged}.{signature}")               # claims changed
    flipped = bytearray(base64.urlsafe_b64decode(signature + "=="))
    flipped[-1] ^= 1
    refused(keys_in_blueprint, f"Bearer {head}.{body}.{b64(bytes(flipped))}")      # signature changed
    refused(keys_in_blueprint, f"Bearer {token(key=OTHER_RSA_KEY)}")                # another key, same kid
    refused(keys_in_blueprint, f"Bearer {head}.{body}.")                            # no signature
    ec_good = token(key=EC_KEY, kid="ec-1", alg="ES256")
    ec_head, _, ec_sig = ec_good.split(".")
    refused(keys_in_blueprint, f"Bearer {ec_head}.{forged}.{ec_sig}")


def test_alg_none_hmac_and_unknown_algorithms_are_refused(keys_in_blueprint: Any) -> None:
    body = b64(json.dumps({"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 300}).encode())
    for alg in ("none", "None", "HS256", "RS512", "PS256"):
        head = b64(json.dumps({"alg": alg, "kid": "rsa-1"}).encode())
        refused(keys_in_blueprint, f"Bearer {head}.{body}.")
    # the classic confusion: HS256 with the RSA public key's bytes as the shared secret
    import hashlib
    import hmac

    head = b64(json.dumps({"alg": "HS256", "kid": "rsa-1"}).encode())
    secret = json.dumps(rsa_jwk(RSA_KEY, "rsa-1")).encode()
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    refused(keys_in_blueprint, f"Bearer {head}.{body}.{b64(mac)}")
    # an RSA token that claims ES256 (the key's kind decides, not the token)
    rs = token()
    claimed = b64(json.dumps({"alg": "ES256", "kid": "rsa-1"}).encode())
    refused(keys_in_blueprint, f"Bearer {claimed}.{rs.split('.')[1]}.{rs.split('.')[2]}")


def test_unknown_kid_crit_and_malformed_tokens_are_refused(keys_in_blueprint: Any) -> None:
    refused(keys_in_blueprint, f"Bearer {token(kid='rsa-9')}")
    refused(keys_in_blueprint, f"Bearer {token(header={'crit': ['exp']})}")
    for value in ("", "Bearer", "Basic dXNlcjpwYXNz", "Bearer a.b", "Bearer a.b.c.d", "Bearer !!.!!.!!",
                  f"Bearer {token()}x" + "A" * 9000):
        refused(keys_in_blueprint, value)
    duplicate = b64(b'{"alg":"RS256","alg":"none","kid":"rsa-1"}')
    refused(keys_in_blueprint, f"Bearer {duplicate}.{token().split('.', 1)[1]}")
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        keys_in_blueprint.handler({**event("x"), "headers": {}}, None)


def test_a_token_without_kid_is_verified_by_the_only_key_of_its_kind(keys_in_blueprint: Any) -> None:
    keys_in_blueprint.handler(event(f"Bearer {token(kid=None)}"), None)


def test_private_or_weak_keys_are_never_used(config: Any) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    private = {**rsa_jwk(RSA_KEY, "rsa-1"), "d": "AQAB"}
    config({"issuer": ISSUER, "audiences": [AUDIENCE], "jwks_url": None, "keys": [rsa_jwk(weak, "weak"), private]})
    authorizer._STATE.clear()
    refused(authorizer, f"Bearer {token(key=weak, kid='weak')}")
    refused(authorizer, f"Bearer {token()}")


@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=300), st.binary(min_size=1, max_size=8))
def test_signatures_verify_exactly_as_the_standard_says(message: bytes, change: bytes) -> None:
    rsa_public, ec_public = rsa_jwk(RSA_KEY, "r"), ec_jwk(EC_KEY, "e")
    rs, es = sign(message, RSA_KEY, "RS256"), sign(message, EC_KEY, "ES256")
    assert authorizer.verify_rs256(rsa_public, message, rs)
    assert authorizer.verify_es256(ec_public, message, es)
    assert not authorizer.verify_rs256(rsa_public, message + change, rs)
    assert not authorizer.verify_es256(ec_public, message + change, es)
    assert not authorizer.verify_es256(ec_public, message, es[:32] + es[:32])


# --- the issuer's JWKS, over HTTPS --------------------------------------------------------------------------

class Issuer:
    """An HTTPS server of a JWKS document the test can change, counting the fetches."""

    def __init__(self, folder: Path) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        self.status = 200
        self.redirect: str | None = None
        cert, key = folder / "cert.pem", folder / "key.pem"
        _self_signed(cert, key)
        self.cert = cert
        issuer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.fetches += 1
                if issuer.redirect:
                    self.send_response(302)
                    self.send_header("Location", issuer.redirect)
                    self.end_headers()
                    return
                body = json.dumps({"keys": issuer.keys}).encode()
                self.send_response(issuer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://localhost:{self.server.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _self_signed(cert_path: Path, key_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))


@pytest.fixture
def issuer(tmp_path: Path, config: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Issuer]:
    server = Issuer(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(server.cert))  # OpenSSL's default trust: only this certificate
    config({"issuer": ISSUER, "audiences": [AUDIENCE], "jwks_url": server.url, "keys": []})
    authorizer._STATE.clear()
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_keys_are_fetched_once_and_cached(issuer: Issuer) -> None:
    issuer.keys = [rsa_jwk(RSA_KEY, "rsa-1")]
    for _ in range(3):
        authorizer.handler(event(f"Bearer {token()}"), None)
    assert issuer.fetches == 1


def test_an_unknown_kid_fetches_the_jwks_again_at_most_once_a_minute(issuer: Issuer) -> None:
    issuer.keys = [rsa_jwk(RSA_KEY, "rsa-1")]
    authorizer.handler(event(f"Bearer {token()}"), None)
    issuer.keys = [rsa_jwk(RSA_KEY, "rsa-1"), ec_jwk(EC_KEY, "ec-2")]  # the issuer rotates a key in
    keys = authorizer._STATE["keys"]
    later = time.time() + authorizer.REFRESH_INTERVAL
    claims = authorizer.verify(token(key=EC_KEY, kid="ec-2", alg="ES256"), ISSUER, [AUDIENCE], keys, later)
    assert claims["sub"] == "client-7" and issuer.fetches == 2
    with pytest.raises(authorizer.Refused):  # a second unknown kid right after: no fetch
        authorizer.verify(token(kid="rsa-9"), ISSUER, [AUDIENCE], keys, later + 1)
    assert issuer.fetches == 2
    authorizer.verify(token(key=EC_KEY, kid="ec-2", alg="ES256"), ISSUER, [AUDIENCE], keys, later + 2)
    assert issuer.fetches == 2  # the rotated-in key is cached now


def test_a_failed_refresh_keeps_the_cached_keys_and_no_keys_at_all_is_not_a_401(issuer: Issuer) -> None:
    issuer.keys = [rsa_jwk(RSA_KEY, "rsa-1")]
    keys = authorizer._keys(json.loads(os.environ["DRGEN_CONFIG"]))
    now = time.time()
    lasting = token({"exp": int(now) + 2 * authorizer.MAX_STALE})
    authorizer.verify(lasting, ISSUER, [AUDIENCE], keys, now)
    issuer.status = 503
    after_ttl = now + authorizer.JWKS_TTL + 1
    authorizer.verify(lasting, ISSUER, [AUDIENCE], keys, after_ttl)  # stale but usable
    assert issuer.fetches == 2
    with pytest.raises(authorizer.KeysUnavailable):
        authorizer.verify(lasting, ISSUER, [AUDIENCE], keys, now + authorizer.MAX_STALE + 1)
    with pytest.raises(authorizer.KeysUnavailable):  # and no new fetch within the interval
        authorizer.verify(lasting, ISSUER, [AUDIENCE], keys, now + authorizer.MAX_STALE + 2)
    assert issuer.fetches == 3


def test_keys_are_fetched_only_over_verified_https(issuer: Issuer, monkeypatch: pytest.MonkeyPatch) -> None:
    issuer.keys = [rsa_jwk(RSA_KEY, "rsa-1")]
    issuer.redirect = "http://localhost:1/jwks.json"
    with pytest.raises(authorizer.KeysUnavailable, match="not https"):
        authorizer.fetch_jwks(issuer.url)
    issuer.redirect = None
    with pytest.raises(authorizer.KeysUnavailable, match="not https"):
        authorizer.fetch_jwks(issuer.url.replace("https://", "http://"))
    monkeypatch.delenv("SSL_CERT_FILE")  # the server's certificate is no longer trusted
    monkeypatch.setenv("SSL_CERT_DIR", "/nonexistent")
    with pytest.raises(authorizer.KeysUnavailable, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        authorizer.fetch_jwks(issuer.url)
    with pytest.raises(Exception) as error:  # the handler: a 500, not a 401
        authorizer.handler(event(f"Bearer {token()}"), None)
    assert str(error.value) != "Unauthorized"
