"""How the API's routes are authorised: IAM, or drgen's region-independent JWT authoriser (``api.jwt``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from drgen import auth, awsdata
from drgen.checks import Context
from drgen.checks.limits import within
from drgen.diagnostics import Diagnostic, clip
from drgen.model import Jwt

AUTHORIZER_TTL_MAX_S = 3600
"""API Gateway API Reference, CreateAuthorizer: authorizerResultTtlInSeconds, at most 3600."""


def check_authorisation(ctx: Context) -> Iterator[Diagnostic]:
    api = ctx.data.get("api")
    if not isinstance(api, dict) or ctx.broken(("api", "auth")):
        return
    written = ctx.document.data["api"]  # what the author wrote, before the defaults
    routes: list[Any] = api["routes"] if isinstance(api.get("routes"), list) else []
    jwt = api.get("jwt")
    uses_jwt = False
    inherited = []
    for i, route in enumerate(routes):
        if not isinstance(route, dict) or ctx.broken(("api", "routes", i)):
            continue
        health = isinstance(route.get("target"), dict) and route["target"].get("health") is True
        if health:
            if "auth" in route:
                yield ctx.error("E328", "the health route is always open: Route 53 health checkers cannot sign "
                                        "requests or carry a token; remove auth", ("api", "routes", i, "auth"), key=True)
            continue
        if route.get("auth", api.get("auth", "iam")) != "jwt":
            continue
        uses_jwt = True
        if jwt is None and "auth" in route:
            yield ctx.error("E325", f"route {clip(str(route.get('method')))} {clip(str(route.get('path')))} is "
                                    "authorised by JWT, but the API has no jwt section: add api.jwt with the issuer and "
                                    "audience (and jwks_url or keys), or authorise it with iam", ("api", "routes", i, "auth"))
        elif jwt is None:
            inherited.append(f"{route.get('method')} {route.get('path')}")
    if inherited:
        yield ctx.error("E325", f"api.auth is jwt (for {clip(', '.join(inherited))}), but the API has no jwt section: add "
                                "api.jwt with the issuer and audience (and jwks_url or keys), or use iam", ("api", "auth"))
    if isinstance(jwt, dict) and not ctx.broken(("api", "jwt")):
        yield from _jwt(ctx, jwt, written.get("jwt", {}))
        if not uses_jwt:
            yield ctx.error("W329", "api.jwt is set but every route is authorised with iam: no authoriser is deployed; "
                                    "set api.auth: jwt (or auth: jwt on a route), or remove api.jwt",
                            ("api", "jwt"), key=True)


def _jwt(ctx: Context, jwt: dict[str, Any], written: dict[str, Any]) -> Iterator[Diagnostic]:
    yield from within(ctx, jwt.get("cache", "300s"), ("api", "jwt", "cache"), 0, AUTHORIZER_TTL_MAX_S * 1000,
                      "an authoriser cache of")
    for key, is_issuer in (("issuer", True), ("jwks_url", False)):
        value = jwt.get(key)
        if isinstance(value, str):
            problem = auth.url_problem(value, is_issuer)
            if problem:
                yield ctx.error("E326", f"{key} '{clip(value)}' {problem}", ("api", "jwt", key))
    keys = jwt.get("keys")
    if not isinstance(keys, list):
        return
    if "jwks_url" in written:
        yield ctx.error("E327", "keys and jwks_url are two sources of keys: give keys (nothing is fetched) or "
                                "jwks_url (the issuer's keys, fetched and cached), not both", ("api", "jwt", "keys"),
                        key=True)
    seen: dict[str, int] = {}
    for j, key in enumerate(keys):
        problem = auth.key_problem(key)
        if problem:
            yield ctx.error("E327", f"key {j + 1} {problem}", ("api", "jwt", "keys", j))
        kid = key.get("kid")
        if isinstance(kid, str):
            if kid in seen:
                yield ctx.error("E327", f"kid '{clip(kid)}' is also the kid of key {seen[kid] + 1}: a token names its "
                                        "key by kid, so each key needs its own", ("api", "jwt", "keys", j, "kid"))
            seen.setdefault(kid, j)
        elif len(keys) > 1:
            yield ctx.error("E327", f"key {j + 1} has no kid: with more than one key, tokens name theirs by kid",
                            ("api", "jwt", "keys", j))
    issuer, audience = jwt.get("issuer"), jwt.get("audience")
    if isinstance(issuer, str) and isinstance(audience, list):
        model = Jwt(issuer, tuple(map(str, audience)), None,
                    tuple(tuple(sorted((str(k), str(v)) for k, v in key.items())) for key in keys))
        size = len("DRGEN_CONFIG") + len(auth.config_text(model).encode())
        if size > awsdata.LAMBDA_ENV_MAX_BYTES:
            yield ctx.error("E403", f"the keys take the authoriser's environment to {size} bytes, above Lambda's "
                                    f"{awsdata.LAMBDA_ENV_MAX_BYTES}: give fewer keys, or jwks_url",
                            ("api", "jwt", "keys"), key=True)


CHECKS = [check_authorisation]
