"""The blueprint checked against its JSON Schema by ``jsonschema`` (Draft 2020-12), told in drgen's words.

``jsonschema`` decides what is wrong (every keyword of the standard, formats included); this module says
it the way drgen's other diagnostics do: a code, a located path, one message for one mistake (a wrong type
is the mistake, not also the enum it then misses; a ``oneOf``/``anyOf`` gives its best match), the unknown
keys one by one with a did-you-mean, and the hints YAML 1.1 habits need.

One departure from the standard's data model, made on purpose: an ``integer`` is an integer as YAML wrote
it (``2``), not a float that happens to be whole (``2.0``), as YAML itself tells the two apart and
CloudFormation would render them differently.

``jsonschema`` is imported on first use, by validation only, and the validator is built once per schema:
importing it is about a third of a whole ``drgen validate`` process (benchmarks/run.py shows it), checking
the reference blueprint a few milliseconds.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from typing import Any

from drgen.diagnostics import clip
from drgen.loader import Document

Schema = dict[str, Any]
Finding = tuple[str, str, tuple[str | int, ...], bool]
"""``(code, message, path, at_key)``: ``at_key`` when the finding is best shown at the key of ``path``."""

_YAML11_BOOLEANS = {"yes", "no", "on", "off", "y", "n", "Yes", "No", "On", "Off", "YES", "NO", "ON", "OFF"}
_WHAT = {  # $defs names -> how a message calls them
    "name": "name",
    "duration": "duration (an integer and a unit: ms, s, m, h, d; e.g. 90s)",
}
_CODES = {  # keyword -> code, for the keywords whose message is jsonschema's own (clipped)
    "not": "E104", "false": "E104", "multipleOf": "E106", "exclusiveMaximum": "E106", "contains": "E107",
    "minContains": "E107", "maxContains": "E107", "prefixItems": "E107", "items": "E107",
    "unevaluatedItems": "E107", "dependentRequired": "E102",
}
_validators: dict[int, tuple[Schema, Any]] = {}


def suggest(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or nothing."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def validator(schema: Schema) -> Any:
    """The ``jsonschema`` Draft 2020-12 validator of ``schema``, with format checks, built once."""
    cached = _validators.get(id(schema))
    if cached is None or cached[0] is not schema:
        from jsonschema import Draft202012Validator
        from jsonschema.validators import extend

        types = Draft202012Validator.TYPE_CHECKER.redefine(
            "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool))
        kind = extend(Draft202012Validator, type_checker=types)
        cached = _validators[id(schema)] = (schema, kind(schema, format_checker=Draft202012Validator.FORMAT_CHECKER))
    return cached[1]


def check(schema: Schema, document: Document) -> list[Finding]:
    """Every schema error in ``document``, each mistake once, in the order jsonschema met them."""
    found: dict[Finding, None] = {}
    typed: set[tuple[str | int, ...]] = set()
    for error in validator(schema).iter_errors(document.data):
        for finding in _findings(error, schema):
            found.setdefault(finding)
            if error.validator == "type":
                typed.add(finding[2])
    # a value of the wrong type is one mistake: not also the enum or const it then cannot be
    return [f for f in found if f[0] == "E103" or f[2] not in typed]


def _path(error: Any) -> tuple[str | int, ...]:
    return tuple(error.absolute_path)


def _what(error: Any, root: Schema) -> str | None:
    """The ``$defs`` name of the schema the error was found in, if it is one."""
    for name, definition in root.get("$defs", {}).items():
        if error.schema is definition or error.schema == definition:
            return str(name)
    return None


def _findings(error: Any, root: Schema) -> Iterator[Finding]:
    keyword, value, path, schema = str(error.validator), error.instance, _path(error), error.schema
    if keyword == "type":
        expected = error.validator_value
        yield "E103", _type_message([expected] if isinstance(expected, str) else list(expected), value,
                                    _what(error, root)), path, False
    elif keyword == "const":
        yield "E104", f"must be {error.validator_value!r}, got {clip(repr(value))}", path, False
    elif keyword == "enum":
        options = [str(o) for o in error.validator_value]
        hint = suggest(value, options) if isinstance(value, str) else ""
        yield "E104", f"{clip(repr(value))} is not one of: {', '.join(options)}{hint}", path, False
    elif keyword in ("pattern", "minLength", "maxLength", "format"):
        yield _string(keyword, error.validator_value, value, path, _what(error, root))
    elif keyword in ("minimum", "maximum", "exclusiveMinimum"):
        limit = error.validator_value
        said = {"minimum": f"is below the minimum {limit}", "maximum": f"is above the maximum {limit}",
                "exclusiveMinimum": f"must be greater than {limit}"}[keyword]
        yield "E106", f"{value} {said}", path, False
    elif keyword in ("minItems", "maxItems"):
        least = keyword == "minItems"
        yield "E107", (f"needs at least {error.validator_value} item(s), has {len(value)}" if least else
                       f"allows at most {error.validator_value} item(s), has {len(value)}"), path, False
    elif keyword == "uniqueItems":
        seen: list[Any] = []
        for index, item in enumerate(value):
            if item in seen:
                yield "E107", f"{clip(repr(item))} is listed twice", (*path, index), False
            else:
                seen.append(item)
    elif keyword == "required":
        for key in error.validator_value:
            if key not in value:
                yield "E102", f"missing required key '{key}'", path, True
    elif keyword in ("additionalProperties", "unevaluatedProperties"):
        known = list(schema.get("properties", {}))
        patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
        for key in value:
            if key not in known and not any(p.search(key) for p in patterns):
                yield "E101", f"unknown key '{clip(key)}'{suggest(key, known)}", (*path, key), True
    elif keyword in ("minProperties", "maxProperties"):
        yield "E108", _properties_message(schema, value), path, True
    elif keyword in ("oneOf", "anyOf"):
        yield from _alternatives(error, root)
    else:
        code = _CODES.get(keyword, "E104")
        yield code, clip(error.message, 200), path, code in ("E102", "E108")


def _alternatives(error: Any, root: Schema) -> Iterator[Finding]:
    """A ``oneOf``/``anyOf``: "give one of" when its alternatives are sets of keys, else the best match."""
    alternatives: list[Schema] = error.validator_value
    path = _path(error)
    if all(set(alt) == {"required"} for alt in alternatives) and isinstance(error.instance, dict):
        keys = " or ".join("+".join(alt["required"]) for alt in alternatives)
        matching = [alt for alt in alternatives if all(k in error.instance for k in alt["required"])]
        yield "E108", f"give {'only ' if matching else ''}one of {keys}", path, True
        return
    if not error.context:  # a oneOf that more than one alternative matches
        yield "E108", f"matches more than one of the {len(alternatives)} alternatives; it must match only one", path, True
        return
    from jsonschema.exceptions import best_match

    best = best_match([error])  # descends into the alternatives while one of them is the clear best
    if best is error:
        yield "E104", f"{clip(repr(error.instance))} matches none of the {len(alternatives)} alternatives", path, False
    else:
        yield from _findings(best, root)


def _string(keyword: str, limit: Any, value: str, path: tuple[str | int, ...], what: str | None) -> Finding:
    if keyword == "pattern":
        if what == "duration":
            return "E401", f"'{clip(value)}' is not a {_WHAT['duration']}", path, False
        kind = _WHAT.get(what or "", what or "value")
        return "E105", f"'{clip(value)}' is not a valid {kind} (expected to match {limit})", path, False
    if keyword == "minLength":
        return "E105", f"'{clip(value)}' is shorter than {limit} characters", path, False
    if keyword == "maxLength":
        return "E105", f"'{clip(value)}' is longer than {limit} characters", path, False
    kind = "an e-mail address" if limit in ("email", "idn-email") else f"a valid {limit}"
    return "E105", f"'{clip(value)}' is not {kind}", path, False


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "mapping"


_SAY = {"array": "a list", "object": "a mapping", "integer": "an integer", "number": "a number",
        "boolean": "a boolean", "string": "a string", "null": "null"}


def _type_message(expected: list[str], value: Any, what: str | None = None) -> str:
    wanted = " or ".join(_SAY[k] for k in expected)
    if what == "duration":
        wanted = "a duration"
    shown = f" {clip(repr(value))}" if not isinstance(value, (dict, list)) and value is not None else ""
    message = f"expected {wanted}, got {_type_name(value)}{shown}"
    if what == "duration" and isinstance(value, (int, float)) and not isinstance(value, bool):
        message += f": a duration needs a unit, e.g. {value}s"
    elif "boolean" in expected and isinstance(value, str) and value in _YAML11_BOOLEANS:
        meant = "true" if value.lower() in {"yes", "on", "y"} else "false"
        message += f": YAML 1.1 would read '{value}' as {meant}; drgen reads it as text. Write {meant}"
    elif ("integer" in expected or "number" in expected) and isinstance(value, str):
        if re.fullmatch(r"0[0-9]+", value):
            message += f": a leading zero means octal in YAML 1.1; write {int(value, 10)}"
        elif re.fullmatch(r"[0-9]+(:[0-5][0-9])+", value):
            message += ": YAML 1.1 reads this as a base-60 number; write the number itself"
    elif "integer" in expected and isinstance(value, float) and value.is_integer():
        message += f": write {int(value)}"
    elif "string" in expected and isinstance(value, (int, float)) and not isinstance(value, bool):
        message += f": quote it to keep it as written, e.g. \"{value}\""
    elif "string" in expected and isinstance(value, bool):
        message += f": quote it if you mean the text, e.g. \"{str(value).lower()}\""
    return message


def _properties_message(schema: Schema, value: dict[str, Any]) -> str:
    names = [k for k in schema.get("properties", {}) if k not in schema.get("required", [])]
    if schema.get("minProperties") == schema.get("maxProperties") or schema.get("maxProperties"):
        have = [k for k in value if k in names]
        present = f" (has {', '.join(have)})" if have else ""
        return f"give exactly one of {', '.join(names)}{present}"
    return f"give at least {schema['minProperties']} of {', '.join(names)}"
