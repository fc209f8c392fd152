"""Literals in a function's ``environment`` that look like secrets: a warning pointing to Secrets Manager or
SSM Parameter Store (AWS's guidance for Lambda environment variables).

A value is suspect when its variable is named like a secret (``*PASSWORD*``, ``*SECRET*``, ``*TOKEN*``,
``*API_KEY*``, ...) and the value is a literal rather than a reference, or when the value itself looks like one
whatever its name: an AWS access key id, a private key block, a well-known token format, or a long random-looking
string. References are never suspect: ARNs, SSM parameter names (``/app/db-password``), dynamic references
(``{{resolve:...}}``), empty values, and variables whose name says they hold a reference (``*_ARN``, ``*_NAME``,
``*_PARAMETER``, ``*_ID``, ...).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterator

from drgen.checks import Context
from drgen.diagnostics import Diagnostic

_SECRET_NAME = re.compile(r"(?:^|_)(?:PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|"
                          r"SECRET_?KEY|CLIENT_?SECRET|CREDENTIALS?|AUTH_?KEY|SIGNING_?KEY|ENCRYPTION_?KEY)(?:_|$)")
_REFERENCE_SUFFIX = re.compile(r"_(?:ARN|NAME|ID|PATH|PARAM|PARAMETER|PARAMETER_NAME|SECRET_ID|KEY_ID|URL|URI|"
                               r"FILE|ENDPOINT|REGION|HEADER|TTL|TIMEOUT|SECONDS|MINUTES|HOURS|DAYS|EXPIRY|LENGTH|"
                               r"SIZE|TYPE|FIELD|ENABLED|DISABLED|POLICY|MODE|LEVEL|FORMAT|PATTERN|ALGORITHM|COUNT|"
                               r"LIMIT|MAX|MIN|VERSION|PREFIX|ISSUER|AUDIENCE|SCOPE|SCOPES|ROTATION|CACHE)$")
"""Names that say the variable holds a reference or a setting about the secret, not the secret itself."""
_REFERENCE_VALUE = re.compile(r"^(?:arn:aws[a-z-]*:|\{\{resolve:|\$\{)")
_PARAMETER_PATH = re.compile(r"^(?:/[A-Za-z0-9_.\-]+)+/?$")
_NOT_A_SECRET = re.compile(r"^(?:true|false|yes|no|on|off|none|null|\d{1,7}|"
                           r"[a-z][a-z0-9+.-]*://[^/@:\s]+(?::\d+)?(?:/\S*)?)$", re.IGNORECASE)
"""Booleans, small numbers, URLs without a password: settings, not secrets, whatever the variable's name."""
_LOOKS_SECRET = [
    (re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE), "a URL with a password in it"),
    (re.compile(r"(?:^|[^A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?:$|[^A-Z0-9])"), "an AWS access key id"),
    (re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----"), "a private key"),
    (re.compile(r"(?:^|[^A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"), "a GitHub token"),
    (re.compile(r"(?:^|[^A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (re.compile(r"(?:^|[^A-Za-z0-9])[sr]k_live_[A-Za-z0-9]{16,}"), "a Stripe key"),
    (re.compile(r"^eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}$"), "a JSON web token"),
]
_TOKEN = re.compile(r"^[A-Za-z0-9+/=_\-]+$")
TOKEN_MIN_LENGTH = 24
TOKEN_MIN_BITS_PER_CHAR = 3.6
TOKEN_MIN_SWITCHES = 0.4
"""How often a random token switches between upper case, lower case and digits from one character to the next
(about 0.6 for base62); names, even CamelCase with numbers, switch at word boundaries only (0.2 to 0.35)."""


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values()) if text else 0.0


def switches(text: str) -> float:
    """The share of neighbouring letters and digits (other characters left out) of different kinds."""
    kinds = ["u" if c.isupper() else "l" if c.islower() else "d" for c in text if c.isalnum()]
    return sum(a != b for a, b in itertools.pairwise(kinds)) / max(len(kinds) - 1, 1)


def looks_random(value: str) -> bool:
    """A long token mixing upper and lower case letters and digits like random data (an API key, a secret access
    key): hex digests, UUIDs, lower-case names and paths, and CamelCase names never qualify. A heuristic: about two
    random 24-to-40-character tokens in a hundred are missed (tests/test_secrets.py measures it)."""
    return len(value) >= TOKEN_MIN_LENGTH and bool(_TOKEN.match(value)) and any(c.isdigit() for c in value) \
        and any(c.isupper() for c in value) and any(c.islower() for c in value) \
        and entropy(value) >= TOKEN_MIN_BITS_PER_CHAR and switches(value) >= TOKEN_MIN_SWITCHES


def secret_reason(name: str, value: str) -> str | None:
    """Why the variable ``name=value`` looks like a secret written into the blueprint, or ``None``."""
    if not value.strip() or _REFERENCE_VALUE.match(value) or _PARAMETER_PATH.match(value):
        return None
    for pattern, what in _LOOKS_SECRET:
        if pattern.search(value):
            return f"its value looks like {what}"
    if looks_random(value):
        return "its value looks like a random token"
    upper = name.upper()
    if _SECRET_NAME.search(upper) and not _REFERENCE_SUFFIX.search(upper) and not _NOT_A_SECRET.match(value):
        return "it is named like a secret and holds a literal"
    return None


def check_environment_secrets(ctx: Context) -> Iterator[Diagnostic]:
    for i, function in ctx.items("functions"):
        env = function.get("environment")
        if not isinstance(env, dict) or ctx.broken(("functions", i, "environment")):
            continue
        for name, value in env.items():
            if not isinstance(name, str) or not isinstance(value, str):
                continue
            reason = secret_reason(name, value)
            if reason:
                yield ctx.error("W314", f"{name} looks like a secret written into the blueprint ({reason}): it would "
                                        "be readable in the template, the render and the Lambda console; keep it in "
                                        "Secrets Manager or SSM Parameter Store and pass its name instead (e.g. "
                                        f"{name}_PARAMETER: /{ctx.data.get('name', 'app')}/"
                                        f"{name.lower().replace('_', '-')})",
                                ("functions", i, "environment", name))


CHECKS = [check_environment_secrets]
