"""A small JSON Schema validator for the blueprint schema, made for people rather than machines.

It understands the subset of Draft 2020-12 that ``schemas/blueprint.schema.json`` uses (the schema's own
test keeps the two in step, and a property test checks it agrees with the ``jsonschema`` package), and
reports every error with a code, a located path, and a did-you-mean where one helps. It exists because
``jsonschema`` costs more to import than ``drgen validate`` may spend in total.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from drgen.diagnostics import clip
from drgen.loader import Document

Schema = dict[str, Any]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_YAML11_BOOLEANS = {"yes", "no", "on", "off", "y", "n", "Yes", "No", "On", "Off", "YES", "NO", "ON", "OFF"}
_WHAT = {  # $defs names -> how a message calls them
    "name": "name",
    "duration": "duration (an integer and a unit: ms, s, m, h, d; e.g. 90s)",
}


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def suggest(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or nothing."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


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


def _is(value: Any, kind: str) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return value is None


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
    elif "string" in expected and isinstance(value, (int, float)) and not isinstance(value, bool):
        message += f": quote it to keep it as written, e.g. \"{value}\""
    elif "string" in expected and isinstance(value, bool):
        message += f": quote it if you mean the text, e.g. \"{str(value).lower()}\""
    return message


class _Checker:
    def __init__(self, root: Schema, document: Document) -> None:
        self.root = root
        self.document = document

    def resolve(self, schema: Schema) -> tuple[Schema, str | None]:
        ref = schema.get("$ref")
        if ref is None:
            return schema, None
        name = ref.rsplit("/", 1)[-1]
        target: Schema = self.root["$defs"][name]
        merged = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        inner, inner_name = self.resolve(merged) if "$ref" in target else (merged, None)
        return inner, inner_name or name

    def check(self, schema: Schema, value: Any, path: tuple[str | int, ...], what: str | None = None) -> Iterator[
            tuple[str, str, tuple[str | int, ...], bool]]:
        """Yield ``(code, message, path, at_key)`` for every error under ``value``."""
        schema, ref_name = self.resolve(schema)
        what = ref_name or what
        expected = schema.get("type")
        if expected is not None:
            kinds = [expected] if isinstance(expected, str) else list(expected)
            if not any(_is(value, k) for k in kinds):
                yield "E103", _type_message(kinds, value, what), path, False
                return
        if "const" in schema and value != schema["const"]:
            yield "E104", f"must be {schema['const']!r}, got {clip(repr(value))}", path, False
        if "enum" in schema and value not in schema["enum"]:
            options = [str(o) for o in schema["enum"]]
            hint = suggest(str(value), options) if isinstance(value, str) else ""
            yield "E104", f"{clip(repr(value))} is not one of: {', '.join(options)}{hint}", path, False
        if isinstance(value, str):
            yield from self._string(schema, value, path, what)
        elif _is(value, "number"):
            yield from self._number(schema, value, path)
        elif isinstance(value, list):
            yield from self._array(schema, value, path, what)
        elif isinstance(value, dict):
            yield from self._object(schema, value, path)

    def _string(self, schema: Schema, value: str, path: tuple[str | int, ...], what: str | None) -> Iterator[
            tuple[str, str, tuple[str | int, ...], bool]]:
        if "pattern" in schema and not _compiled(schema["pattern"]).search(value):
            if what == "duration":
                yield "E401", f"'{clip(value)}' is not a {_WHAT['duration']}", path, False
            else:
                kind = _WHAT.get(what or "", what or "value")
                yield "E105", f"'{clip(value)}' is not a valid {kind} (expected to match {schema['pattern']})", path, False
        if "minLength" in schema and len(value) < schema["minLength"]:
            yield "E105", f"'{clip(value)}' is shorter than {schema['minLength']} characters", path, False
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            yield "E105", f"'{clip(value)}' is longer than {schema['maxLength']} characters", path, False
        if schema.get("format") == "email" and not _EMAIL.match(value):
            yield "E105", f"'{clip(value)}' is not an e-mail address", path, False

    def _number(self, schema: Schema, value: float, path: tuple[str | int, ...]) -> Iterator[
            tuple[str, str, tuple[str | int, ...], bool]]:
        if "minimum" in schema and value < schema["minimum"]:
            yield "E106", f"{value} is below the minimum {schema['minimum']}", path, False
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            yield "E106", f"{value} must be greater than {schema['exclusiveMinimum']}", path, False
        if "maximum" in schema and value > schema["maximum"]:
            yield "E106", f"{value} is above the maximum {schema['maximum']}", path, False

    def _array(self, schema: Schema, value: list[Any], path: tuple[str | int, ...], what: str | None) -> Iterator[
            tuple[str, str, tuple[str | int, ...], bool]]:
        if "minItems" in schema and len(value) < schema["minItems"]:
            yield "E107", f"needs at least {schema['minItems']} item(s), has {len(value)}", path, False
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            yield "E107", f"allows at most {schema['maxItems']} item(s), has {len(value)}", path, False
        if schema.get("uniqueItems"):
            seen: list[Any] = []
            for index, item in enumerate(value):
                if item in seen:
                    yield "E107", f"{clip(repr(item))} is listed twice", (*path, index), False
                else:
                    seen.append(item)
        if "items" in schema:
            for index, item in enumerate(value):
                yield from self.check(schema["items"], item, (*path, index))

    def _object(self, schema: Schema, value: dict[str, Any], path: tuple[str | int, ...]) -> Iterator[
            tuple[str, str, tuple[str | int, ...], bool]]:
        properties: dict[str, Schema] = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                yield "E102", f"missing required key '{key}'", path, True
        alternatives = [alt["required"] for alt in schema.get("oneOf", [])]
        if alternatives:
            matching = [alt for alt in alternatives if all(k in value for k in alt)]
            keys = " or ".join("+".join(alt) for alt in alternatives)
            if not matching:
                yield "E108", f"give one of {keys}", path, True
            elif len(matching) > 1:
                yield "E108", f"give only one of {keys}", path, True
        count = len(value)
        too_few = "minProperties" in schema and count < schema["minProperties"]
        too_many = "maxProperties" in schema and count > schema["maxProperties"]
        if too_few or too_many:
            yield "E108", self._properties_message(schema, value), path, True
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                yield from self.check(properties[key], item, (*path, key))
            elif extra is False:
                yield "E101", f"unknown key '{clip(key)}'{suggest(key, list(properties))}", (*path, key), True
            elif isinstance(extra, dict):
                yield from self.check(extra, item, (*path, key))

    @staticmethod
    def _properties_message(schema: Schema, value: dict[str, Any]) -> str:
        names = [k for k in schema.get("properties", {}) if k not in schema.get("required", [])]
        if schema.get("minProperties") == schema.get("maxProperties") or schema.get("maxProperties"):
            have = [k for k in value if k in names]
            present = f" (has {', '.join(have)})" if have else ""
            return f"give exactly one of {', '.join(names)}{present}"
        return f"give at least {schema['minProperties']} of {', '.join(names)}"


def check(schema: Schema, document: Document) -> list[tuple[str, str, tuple[str | int, ...], bool]]:
    """Every schema error in ``document`` as ``(code, message, path, at_key)``."""
    return list(_Checker(schema, document).check(schema, document.data, ()))
