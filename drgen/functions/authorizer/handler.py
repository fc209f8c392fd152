"""drgen's JWT authoriser: an API Gateway REQUEST Lambda authoriser that names no region.

A SigV4 signature is scoped to one region, so after a failover a client still signing for the old one is
refused. A bearer token from the blueprint's issuer is not: every region's authoriser checks the same token
against the same issuer, audiences and keys, so a token issued once is accepted in whichever region serves.

The token is ``Authorization: Bearer <JWS compact serialisation>`` (RFC 7519, RFC 7515). It is accepted only when:

- its header's ``alg`` is RS256 (RSASSA-PKCS1-v1_5 with SHA-256) or ES256 (ECDSA P-256 with SHA-256), the kind
  of the key it names (``kid``) and that key's own ``alg`` if the key states one (RFC 7518 section 3.1); ``none``,
  the HMAC algorithms (a shared secret in every region) and anything else are refused, as is a ``crit`` header
  (an extension this code does not understand, RFC 7515 section 4.1.11);
- its signature verifies with that key: RSA by ``pow()`` and the exact PKCS#1 v1.5 encoding of the SHA-256
  DigestInfo (RFC 8017 section 8.2.2, 9.2), ECDSA by the P-256 arithmetic below (FIPS 186-4 section 6.4);
- ``iss`` is the issuer exactly, ``aud`` (a string or a list) names one of the audiences, ``exp`` is in the
  future, ``nbf`` (if given) and ``iat`` (if given) are not, each within ``LEEWAY`` seconds of clock skew, and
  ``sub`` is a non-empty string (the principal).

Keys come from the blueprint (``keys``: nothing fetched, so verification depends on nothing outside the
region) or from the issuer's JWKS (``jwks_url``, https only, redirects only to https), fetched and cached:
refreshed after ``JWKS_TTL``, or sooner when a token names a key the cache does not hold (at most once per
``REFRESH_INTERVAL``, so unknown key ids cannot make the function hammer the issuer); when a refresh fails the
cached keys stay in use up to ``MAX_STALE``. The document is read up to ``MAX_JWKS_BYTES`` and at most
``MAX_KEYS`` keys are kept.

A refused token raises ``Exception("Unauthorized")``, which API Gateway answers with 401; keys that cannot be
had at all raise another error, which API Gateway answers with 500 (the client retries). An accepted token
returns a policy that allows ``execute-api:Invoke`` on the route that was called (its method and resource
path, the path parameters as ``*``) in this API and stage only, matching the authoriser's cache key (the token,
the method and the resource path), so a cached answer is never applied to another route.

DRGEN_CONFIG: {"issuer", "audiences": [...], "jwks_url": str or null, "keys": [JWK, ...]}
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import re
import ssl
import threading
import time
import urllib.error
import urllib.request
from typing import Any

LOG = logging.getLogger("drgen.authorizer")
LOG.setLevel(logging.INFO)

ALGORITHMS = {"RS256": "RSA", "ES256": "EC"}
KEY_ALGORITHM = {kty: alg for alg, kty in ALGORITHMS.items()}
LEEWAY = 60
"""Seconds of clock skew allowed on ``exp``, ``nbf`` and ``iat``."""
MAX_TOKEN_BYTES = 8192
JWKS_TTL = 3600
REFRESH_INTERVAL = 60
MAX_STALE = 86400
MAX_JWKS_BYTES = 65536
MAX_KEYS = 100
FETCH_TIMEOUT = 3
MIN_RSA_BYTES = 256
"""2048-bit moduli at least."""

# SHA-256's DigestInfo prefix, DER (RFC 8017 section 9.2, note 1)
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")

# NIST P-256 (FIPS 186-4 section D.1.2.3; SEC 2 secp256r1)
P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
A = P - 3
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
     0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)

_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class Refused(Exception):
    """The token is not acceptable; the reason is logged, never returned to the client."""


class KeysUnavailable(Exception):
    """No keys could be had: neither fetched nor cached."""


def b64url(text: str) -> bytes:
    """Strict base64url without padding (RFC 7515 section 2)."""
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise Refused("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise Refused("duplicate member")  # RFC 7515 section 5.2: reject, or take the last; drgen rejects
    return dict(pairs)


def _json_object(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_unique_object)
    except (UnicodeDecodeError, ValueError) as error:
        raise Refused("not JSON") from error
    if not isinstance(value, dict):
        raise Refused("not a JSON object")
    return value


def _int(value: bytes) -> int:
    return int.from_bytes(value, "big")


# --- RSA ------------------------------------------------------------------------------------------------------

def rsa_key(jwk: dict[str, Any]) -> tuple[int, int, int]:
    """(n, e, length of n in bytes) of an RSA public JWK; refuses short moduli and odd exponents."""
    n_bytes, e_bytes = b64url(str(jwk.get("n", ""))), b64url(str(jwk.get("e", "")))
    n, e = _int(n_bytes), _int(e_bytes)
    k = (n.bit_length() + 7) // 8
    if k < MIN_RSA_BYTES or e < 3 or e % 2 == 0:
        raise Refused("unusable RSA key")
    return n, e, k


def verify_rs256(jwk: dict[str, Any], message: bytes, signature: bytes) -> bool:
    """RSASSA-PKCS1-v1_5 verification with SHA-256 (RFC 8017 section 8.2.2), comparing the whole encoded message."""
    n, e, k = rsa_key(jwk)
    if len(signature) != k:
        return False
    s = _int(signature)
    if s >= n:
        return False
    encoded = pow(s, e, n).to_bytes(k, "big")
    t = SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    expected = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
    return hmac.compare_digest(encoded, expected)


# --- ECDSA P-256 ----------------------------------------------------------------------------------------------

Point = tuple[int, int] | None


def _add(p1: Point, p2: Point) -> Point:
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2:
        if (y1 + y2) % P == 0:
            return None
        slope = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (slope * slope - x1 - x2) % P
    return x3, (slope * (x1 - x3) - y1) % P


def _combine(u1: int, g: Point, u2: int, q: Point) -> Point:
    """u1*g + u2*q by one double-and-add over both scalars (Shamir's trick)."""
    both = _add(g, q)
    result: Point = None
    for bit in range(max(u1.bit_length(), u2.bit_length()) - 1, -1, -1):
        result = _add(result, result)
        pick = ((u1 >> bit) & 1, (u2 >> bit) & 1)
        if pick == (1, 1):
            result = _add(result, both)
        elif pick == (1, 0):
            result = _add(result, g)
        elif pick == (0, 1):
            result = _add(result, q)
    return result


def ec_key(jwk: dict[str, Any]) -> tuple[int, int]:
    """The point of a P-256 public JWK, checked to lie on the curve (the cofactor is 1: that is enough)."""
    if jwk.get("crv") != "P-256":
        raise Refused("unsupported curve")
    x_bytes, y_bytes = b64url(str(jwk.get("x", ""))), b64url(str(jwk.get("y", "")))
    if len(x_bytes) != 32 or len(y_bytes) != 32:
        raise Refused("unusable EC key")
    x, y = _int(x_bytes), _int(y_bytes)
    if x >= P or y >= P or (y * y - (x * x * x + A * x + B)) % P != 0:
        raise Refused("EC key not on P-256")
    return x, y


def verify_es256(jwk: dict[str, Any], message: bytes, signature: bytes) -> bool:
    """ECDSA P-256 with SHA-256 (FIPS 186-4 section 6.4); a JWS signature is R || S, 32 bytes each (RFC 7518 3.4)."""
    q = ec_key(jwk)
    if len(signature) != 64:
        return False
    r, s = _int(signature[:32]), _int(signature[32:])
    if not (1 <= r < N and 1 <= s < N):
        return False
    e = _int(hashlib.sha256(message).digest())
    w = pow(s, -1, N)
    point = _combine(e * w % N, G, r * w % N, q)
    return point is not None and point[0] % N == r


VERIFY = {"RS256": verify_rs256, "ES256": verify_es256}


# --- keys -----------------------------------------------------------------------------------------------------

def usable(jwk: Any) -> bool:
    """A public signing key of a kind drgen verifies (private members are never accepted)."""
    if not isinstance(jwk, dict) or jwk.get("kty") not in ALGORITHMS.values() or "d" in jwk:
        return False
    if jwk.get("use", "sig") != "sig" or ("key_ops" in jwk and "verify" not in (jwk.get("key_ops") or [])):
        return False
    if jwk.get("alg", KEY_ALGORITHM[jwk["kty"]]) != KEY_ALGORITHM[jwk["kty"]]:
        return False  # e.g. an RSA key meant for RS512 or PS256: never used for RS256
    try:
        rsa_key(jwk) if jwk["kty"] == "RSA" else ec_key(jwk)
    except Refused:
        return False
    return True


class _NoInsecureRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        if not newurl.lower().startswith("https://"):
            raise urllib.error.URLError(f"redirect to a URL that is not https: {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_jwks(url: str) -> list[dict[str, Any]]:
    """The usable keys of the JWKS at ``url`` (https only), read up to ``MAX_JWKS_BYTES``."""
    if not url.lower().startswith("https://"):
        raise KeysUnavailable(f"the JWKS URL is not https: {url}")
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ssl.create_default_context()),
                                         _NoInsecureRedirect())
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "drgen-authorizer"})
    try:
        with opener.open(request, timeout=FETCH_TIMEOUT) as response:
            body = response.read(MAX_JWKS_BYTES + 1)
    except (OSError, ValueError) as error:  # URLError, HTTPError, timeouts and TLS errors are OSErrors
        raise KeysUnavailable(f"cannot fetch {url}: {error}") from error
    if len(body) > MAX_JWKS_BYTES:
        raise KeysUnavailable(f"{url} is larger than {MAX_JWKS_BYTES} bytes")
    try:
        keys = _json_object(body).get("keys")
    except Refused as error:
        raise KeysUnavailable(f"{url} is not a JSON object") from error
    if not isinstance(keys, list):
        raise KeysUnavailable(f"{url} has no keys list")
    return [k for k in keys if usable(k)][:MAX_KEYS]


class KeySet:
    """The keys to verify with: the blueprint's, or the issuer's JWKS cached as the module docstring says."""

    def __init__(self, url: str | None, keys: list[dict[str, Any]]) -> None:
        self.url = url
        self.keys = [k for k in keys if usable(k)][:MAX_KEYS]
        self.fetched_at: float | None = None
        self.attempted_at: float | None = None
        self._lock = threading.Lock()

    def _refresh(self, now: float) -> None:
        assert self.url is not None
        self.attempted_at = now
        try:
            keys = fetch_jwks(self.url)
        except KeysUnavailable as error:
            if self.fetched_at is None or now - self.fetched_at >= MAX_STALE:
                self.keys, self.fetched_at = [], None
                raise
            LOG.warning("keeping the cached keys: %s", error)
            return
        self.keys, self.fetched_at = keys, now

    def candidates(self, kid: Any, kty: str, now: float) -> list[dict[str, Any]]:
        """The keys a token with this ``kid`` (or none) and key type may be verified with."""
        def matching() -> list[dict[str, Any]]:
            same = [k for k in self.keys if k["kty"] == kty]
            return [k for k in same if k.get("kid") == kid] if kid is not None else same

        if self.url is None:
            return matching()
        with self._lock:
            may_fetch = self.attempted_at is None or now - self.attempted_at >= REFRESH_INTERVAL
            if self.fetched_at is None or now - self.fetched_at >= JWKS_TTL:
                if may_fetch:
                    self._refresh(now)
                elif self.fetched_at is None:
                    raise KeysUnavailable("the last fetch failed; the next is allowed after REFRESH_INTERVAL")
            found = matching()
            if not found and self.attempted_at is not None and now - self.attempted_at >= REFRESH_INTERVAL:
                LOG.info("key %s not cached: fetching the JWKS again", kid)
                self._refresh(now)
                found = matching()
            return found


# --- tokens ---------------------------------------------------------------------------------------------------

def _number(claims: dict[str, Any], name: str, required: bool) -> float | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused(f"{name} is not a number")
    return float(value)


def check_claims(claims: dict[str, Any], issuer: str, audiences: list[str], now: float) -> str:
    """The principal (``sub``) of claims that hold; raises ``Refused`` otherwise."""
    if claims.get("iss") != issuer:
        raise Refused("wrong issuer")
    aud = claims.get("aud")
    given = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if not any(isinstance(a, str) and a in audiences for a in given):
        raise Refused("wrong audience")
    exp = _number(claims, "exp", required=True)
    assert exp is not None
    if now >= exp + LEEWAY:
        raise Refused("expired")
    nbf = _number(claims, "nbf", required=False)
    if nbf is not None and now + LEEWAY < nbf:
        raise Refused("not valid yet")
    iat = _number(claims, "iat", required=False)
    if iat is not None and now + LEEWAY < iat:
        raise Refused("issued in the future")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise Refused("no subject")
    return sub


def verify(token: str, issuer: str, audiences: list[str], keys: KeySet, now: float) -> dict[str, Any]:
    """The claims of a token that is acceptable; raises ``Refused`` otherwise (``KeysUnavailable`` without keys)."""
    if len(token) > MAX_TOKEN_BYTES:
        raise Refused("token too large")
    parts = token.split(".")
    if len(parts) != 3:
        raise Refused("not a compact JWS")
    header = _json_object(b64url(parts[0]))
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALGORITHMS:
        raise Refused(f"algorithm not accepted: {str(alg)[:16]}")
    if "crit" in header:
        raise Refused("critical header extension not understood")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise Refused("kid is not a string")
    signature = b64url(parts[2])
    message = f"{parts[0]}.{parts[1]}".encode("ascii")
    candidates = [k for k in keys.candidates(kid, ALGORITHMS[alg], now) if k.get("alg", alg) == alg]
    if not candidates:
        raise Refused("no key for this token")
    if kid is None and len(candidates) > 1:
        raise Refused("no kid, and more than one key")
    if not VERIFY[alg](candidates[0], message, signature):
        raise Refused("bad signature")
    claims = _json_object(b64url(parts[1]))
    check_claims(claims, issuer, audiences, now)
    return claims


def route_arn(event: dict[str, Any]) -> str:
    """The ARN of the route called (method and resource template, path parameters as ``*``) in this API's stage."""
    arn = str(event["methodArn"])
    prefix, _, rest = arn.rpartition(":")
    api_id, stage = rest.split("/")[:2]
    resource = re.sub(r"\{[^/}]+\}", "*", str(event.get("resource") or "/"))
    return f"{prefix}:{api_id}/{stage}/{event['httpMethod']}{resource}"


def bearer(event: dict[str, Any]) -> str:
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    value = headers.get("authorization")
    if not isinstance(value, str):
        raise Refused("no Authorization header")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Refused("not a bearer token")
    return token.strip()


_STATE: dict[str, Any] = {}


def _keys(config: dict[str, Any]) -> KeySet:
    """One key set per configuration, kept while the execution environment lives."""
    marker = json.dumps(config, sort_keys=True)
    if _STATE.get("marker") != marker:
        _STATE.update(marker=marker, keys=KeySet(config.get("jwks_url"), list(config.get("keys") or [])))
    keys: KeySet = _STATE["keys"]
    return keys


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    config = json.loads(os.environ["DRGEN_CONFIG"])
    try:
        claims = verify(bearer(event), config["issuer"], list(config["audiences"]), _keys(config), time.time())
    except Refused as reason:
        LOG.info("refused: %s", reason)
        raise Exception("Unauthorized") from None  # API Gateway answers 401 for exactly this message
    except KeysUnavailable as error:
        LOG.error("no keys to verify with: %s", error)
        raise
    context_out = {"sub": claims["sub"], "iss": claims["iss"]}
    if isinstance(claims.get("scope"), str):
        context_out["scope"] = claims["scope"]
    return {
        "principalId": claims["sub"],
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": route_arn(event)}]},
        "context": context_out,
    }
