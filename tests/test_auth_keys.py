"""drgen.auth: what validation accepts as an issuer, a JWKS URL and a key is what the shipped authoriser can use."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from drgen import auth
from tests.functions.conftest import load_handler

ROOT = Path(__file__).resolve().parents[1]
authorizer = load_handler(ROOT / "drgen" / "functions" / "authorizer", "drgen_authorizer_keys")


def b64(value: int, size: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes(size, "big")).rstrip(b"=").decode()


EC_POINT = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
EC_KEY = {"kty": "EC", "kid": "e", "crv": "P-256", "x": b64(EC_POINT.x, 32), "y": b64(EC_POINT.y, 32)}
RSA_NUMBERS = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_numbers()
RSA_KEY = {"kty": "RSA", "kid": "r", "n": b64(RSA_NUMBERS.n, 256), "e": b64(RSA_NUMBERS.e, 3)}
SHORT = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key().public_numbers()


@pytest.mark.parametrize("url", ["https://login.example.com/", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Ab",
                                 "https://login.example.com:8443/tenant"])
def test_https_issuers_are_accepted(url: str) -> None:
    assert auth.url_problem(url, issuer=True) is None


@pytest.mark.parametrize(("url", "issuer", "problem"), [
    ("http://login.example.com/", True, "not an https URL"),
    ("login.example.com", True, "not an https URL"),
    ("https:///path", True, "names no host"),
    ("https://user:pw@login.example.com/", False, "carries credentials"),
    ("https://login.example.com/#frag", True, "has a fragment"),
    ("https://login.example.com/?tenant=1", True, "has a query"),
    ("https://login.example.com:port/", True, "is not a URL"),
])
def test_other_urls_are_refused_with_the_reason(url: str, issuer: bool, problem: str) -> None:
    assert problem in (auth.url_problem(url, issuer) or "")


def test_a_jwks_url_may_have_a_query() -> None:
    assert auth.url_problem("https://keys.example.com/jwks?tenant=1", issuer=False) is None


def _both(key: dict[str, Any]) -> tuple[bool, bool]:
    """(drgen accepts it, the authoriser can use it)."""
    return auth.key_problem(key) is None, authorizer.usable(key)


@pytest.mark.parametrize(("key", "accepted"), [
    (EC_KEY, True),
    (RSA_KEY, True),
    ({**RSA_KEY, "alg": "RS256", "use": "sig"}, True),
    ({**EC_KEY, "d": "AQAB"}, False),
    ({**RSA_KEY, "n": b64(SHORT.n, 128)}, False),
    ({**RSA_KEY, "e": b64(4, 1)}, False),
    ({**RSA_KEY, "alg": "RS512"}, False),
    ({**RSA_KEY, "use": "enc"}, False),
    ({**EC_KEY, "crv": "P-384"}, False),
    ({**EC_KEY, "y": b64((EC_POINT.y + 1) % 2**256, 32)}, False),
    ({**EC_KEY, "x": EC_KEY["x"] + "="}, False),
    ({"kty": "oct", "k": "c2VjcmV0"}, False),
], ids=["ec", "rsa", "rsa-alg", "private", "rsa-1024", "even-e", "alg", "use", "curve", "off-curve", "padding", "hmac"])
def test_drgen_and_the_authoriser_agree_on_keys(key: dict[str, Any], accepted: bool) -> None:
    assert _both(key) == (accepted, accepted)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 2**256 - 1), st.integers(1, 2**256 - 1))
def test_random_points_are_refused_by_both_unless_on_the_curve(x: int, y: int) -> None:
    key = {**EC_KEY, "x": b64(x, 32), "y": b64(y, 32)}
    drgen_ok, handler_ok = _both(key)
    assert drgen_ok == handler_ok
    assert not drgen_ok  # a random pair lies on P-256 with probability about 2^-256


def test_the_configuration_passes_only_the_members_the_authoriser_reads() -> None:
    from drgen.model import Jwt

    key = tuple(sorted({**RSA_KEY, "x5t": "thumbprint", "x5c": "chain"}.items()))
    config = auth.config(Jwt("https://i.example/", ("a",), None, (key,)))
    assert config["keys"] == [RSA_KEY] and config["jwks_url"] is None
