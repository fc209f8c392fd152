"""The blueprint's ``tags``: AWS's tag rules (lengths, characters, the reserved ``aws:`` prefix, the count per
resource once drgen's own tags are added, keys that differ only in case) and drgen's own ``drgen:`` prefix."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from drgen import awsdata, naming
from drgen.checks import Context
from drgen.diagnostics import Diagnostic

ALLOWED = "letters, digits, spaces and " + " ".join(awsdata.TAG_SYMBOLS)


def bad_characters(text: str) -> list[str]:
    """The characters of ``text`` outside AWS's tag pattern ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]``, each once."""
    bad = [ch for ch in text if unicodedata.category(ch)[0] not in "LZN" and ch not in awsdata.TAG_SYMBOLS]
    return list(dict.fromkeys(bad))


def _shown(chars: list[str]) -> str:
    return ", ".join(repr(ch) if ch.isprintable() else f"U+{ord(ch):04X}" for ch in chars)


def check_tags(ctx: Context) -> Iterator[Diagnostic]:
    tags = ctx.data.get("tags")
    if not isinstance(tags, dict) or ctx.broken(("tags",)):
        return
    most = awsdata.TAGS_PER_RESOURCE_MAX - naming.OWN_TAGS_PER_RESOURCE
    if len(tags) > most:
        yield ctx.error("E405", f"{len(tags)} tags: AWS allows {awsdata.TAGS_PER_RESOURCE_MAX} per resource and drgen "
                                f"adds up to {naming.OWN_TAGS_PER_RESOURCE} of its own, so a blueprint may have {most}",
                        ("tags",), key=True)
    seen: dict[str, str] = {}
    for raw_key, raw_value in tags.items():
        key, value = str(raw_key), raw_value
        path = ("tags", raw_key)
        if not 1 <= len(key) <= awsdata.TAG_KEY_MAX_CHARS:
            yield ctx.error("E405", f"tag key '{key[:40]}' has {len(key)} characters; AWS allows 1 to "
                                    f"{awsdata.TAG_KEY_MAX_CHARS}", path, key=True)
        if key.lower().startswith(awsdata.TAG_RESERVED_PREFIX):
            yield ctx.error("E405", f"tag key '{key}' starts with '{key[:4]}': the aws: prefix (in any case) is "
                                    "reserved for AWS", path, key=True)
        elif key.lower().startswith(naming.OWN_TAG_PREFIX):
            yield ctx.error("E313", f"tag key '{key}' starts with '{key[:len(naming.OWN_TAG_PREFIX)]}', drgen's own "
                                    "prefix (drgen:blueprint, drgen:environment, drgen:layer): choose another key",
                            path, key=True)
        bad = bad_characters(key)
        if bad:
            yield ctx.error("E405", f"tag key '{key}' has {_shown(bad)}, which AWS does not allow in tags: use "
                                    f"{ALLOWED}", path, key=True)
        if key.lower() in seen:
            yield ctx.error("E405", f"tag key '{key}' differs from '{seen[key.lower()]}' only in case: IAM, which "
                                    "drgen tags roles with, treats them as the same key", path, key=True)
        seen.setdefault(key.lower(), key)
        if not isinstance(value, str) or ctx.broken(path):
            continue
        if len(value) > awsdata.TAG_VALUE_MAX_CHARS:
            yield ctx.error("E405", f"the value of tag '{key}' has {len(value)} characters; AWS allows "
                                    f"{awsdata.TAG_VALUE_MAX_CHARS}", path)
        bad = bad_characters(value)
        if bad:
            yield ctx.error("E405", f"the value of tag '{key}' has {_shown(bad)}, which AWS does not allow in tags: "
                                    f"use {ALLOWED}", path)


CHECKS = [check_tags]
