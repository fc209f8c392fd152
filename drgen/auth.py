"""The JWT authoriser's facts that validation and synthesis share: where keys come from by default, what an
issuer or key URL must be, which public keys the authoriser can use, and its configuration (``DRGEN_CONFIG``).

The authoriser itself (``drgen/functions/authorizer``) is standalone and checks the same things again at run
time; here they are checked before anything is deployed, with the blueprint's line and column.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any
from urllib.parse import urlsplit

from drgen.model import Jwt

KEY_MEMBERS = ("kty", "kid", "use", "alg", "n", "e", "crv", "x", "y")
"""The JWK members the authoriser reads; others (``x5c``, ``x5t``...) are not passed to it."""
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
"""Members of a private (or symmetric) key (RFC 7518 sections 6.2.2, 6.3.2, 6.4): never in a blueprint."""
ALGORITHMS = {"RSA": "RS256", "EC": "ES256"}
MIN_RSA_BITS = 2048

# NIST P-256 (FIPS 186-4 D.1.2.3): a key's point must lie on y^2 = x^3 - 3x + b (mod p)
_P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
_B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")


def default_jwks_url(issuer: str) -> str:
    """``<issuer>/.well-known/jwks.json``, where Amazon Cognito, Auth0 and most issuers publish their keys."""
    return issuer.rstrip("/") + "/.well-known/jwks.json"


def url_problem(url: str, issuer: bool) -> str | None:
    """Why ``url`` cannot be an issuer (``issuer``) or a JWKS URL; ``None`` when it can."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as error:
        return f"is not a URL ({error})"
    if parts.scheme.lower() != "https":
        return "is not an https URL: keys and tokens from a plain-text origin can be forged in transit"
    if not parts.hostname:
        return "names no host"
    if parts.username is not None or parts.password is not None:
        return "carries credentials: a URL in a blueprint is readable by everyone who reads the blueprint"
    if parts.fragment or url.endswith("#"):
        return "has a fragment"
    if issuer and (parts.query or url.endswith("?")):
        return "has a query: an issuer identifier is an https URL without query or fragment (OpenID Connect " \
               "Discovery 1.0, section 3)"
    return None


def _integer(text: Any) -> bytes | None:
    if not isinstance(text, str) or not _B64URL.match(text) or len(text) % 4 == 1:
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def key_problem(key: dict[str, Any]) -> str | None:
    """Why the authoriser could not verify with ``key``; ``None`` when it can."""
    private = [m for m in PRIVATE_MEMBERS if m in key]
    if private:
        return (f"holds the private member{'s' if len(private) > 1 else ''} {', '.join(private)}: a blueprint "
                "gives only the issuer's public keys (remove the private key from the blueprint and rotate it)")
    kty = key.get("kty")
    if kty not in ALGORITHMS:
        return f"has kty '{kty}': drgen verifies with RSA (RS256) or EC (ES256, curve P-256) keys"
    if "alg" in key and key["alg"] != ALGORITHMS[kty]:
        return f"has alg '{key['alg']}', not {ALGORITHMS[kty]}, the one algorithm drgen verifies {kty} keys with"
    if key.get("use", "sig") != "sig":
        return f"has use '{key['use']}', not sig: it is not a signing key"
    if kty == "RSA":
        n, e = _integer(key.get("n")), _integer(key.get("e"))
        if n is None or e is None:
            return "has an n or e that is not a base64url integer (without padding)"
        bits, exponent = int.from_bytes(n, "big").bit_length(), int.from_bytes(e, "big")
        if bits < MIN_RSA_BITS:
            return f"has an RSA modulus of {bits} bits: at least {MIN_RSA_BITS}"
        if exponent < 3 or exponent % 2 == 0:
            return f"has an RSA exponent of {exponent}: an odd number of at least 3"
        return None
    if key.get("crv") != "P-256":
        return f"has crv '{key.get('crv')}', not P-256, the curve of ES256"
    x, y = _integer(key.get("x")), _integer(key.get("y"))
    if x is None or y is None or len(x) != 32 or len(y) != 32:
        return "has an x or y that is not a base64url coordinate of 32 bytes"
    px, py = int.from_bytes(x, "big"), int.from_bytes(y, "big")
    if px >= _P or py >= _P or (py * py - (px * px * px - 3 * px + _B)) % _P != 0:
        return "has a point (x, y) that is not on the P-256 curve"
    return None


def config(jwt: Jwt) -> dict[str, Any]:
    """The authoriser's ``DRGEN_CONFIG``: the issuer, the audiences and the key source."""
    keys = [{k: v for k, v in key if k in KEY_MEMBERS} for key in jwt.keys]
    return {"issuer": jwt.issuer, "audiences": list(jwt.audiences), "jwks_url": jwt.jwks_url, "keys": keys}


def config_text(jwt: Jwt) -> str:
    return json.dumps(config(jwt), sort_keys=True, separators=(",", ":"))
