"""Read YAML into a ``Document``: plain data plus the line and column of every key and value.

The blueprint language reads YAML with the YAML 1.2 core schema's scalars, stricter still: only
``true``/``false`` are booleans, only ``null``/``~``/empty are null, integers have no leading zero,
and everything else - ``yes``, ``no``, ``on``, ``off``, ``2024-01-01``, ``1:30``, ``0755`` - stays the
string that was written, so a schema rule that expects a boolean or a number reports it instead of a
YAML 1.1 parser silently turning it into something else. Anchors, aliases, tags, duplicate keys and
a second document are refused.

Bad input is bounded before it can hurt: a file is read only when it is a regular file, and at most
``MAX_BYTES`` of it; nesting stops at ``MAX_DEPTH`` levels (no part of drgen recurses deeper); text that
is not Unicode (a lone surrogate) or holds control characters, and numbers JSON cannot carry (infinity,
NaN, integers past 64 bits), are refused where they are written.
"""

from __future__ import annotations

import codecs
import math
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceStartEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from drgen.diagnostics import Diagnostic, Path, clip, format_path

_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+\.[0-9]*|[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+|\.[0-9]+[eE][-+]?[0-9]+)$")
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_NON_FINITE = re.compile(r"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")  # YAML 1.2 core's infinity and NaN
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # the line breaks YAML counts

MAX_BYTES = 1024 * 1024
"""The largest blueprint drgen reads: far above any real one (the reference is 4 KB)."""
MAX_DEPTH = 64
"""The deepest nesting of lists and mappings: far above any real blueprint (the language nests 5 deep)."""
MAX_INTEGER = 2**63 - 1
"""The largest integer a blueprint may hold (AWS APIs take 64-bit integers at most)."""
_REFUSED = "tag:drgen,refused"
"""The tag of a node the loader refused and replaced by null: the schema does not report it again."""

Mark = tuple[int, int]


@dataclass
class Document:
    """A loaded blueprint: ``data`` as plain Python values, and where each part of it was written."""

    file: str
    text: str
    data: Any
    values: dict[Path, Mark] = field(default_factory=dict)
    keys: dict[Path, Mark] = field(default_factory=dict)
    refused: set[Path] = field(default_factory=set)
    """Where the loader refused what was written (and reported it): the value there is ``None``."""

    def locate(self, path: Path, *, key: bool = False) -> Mark:
        """The position of ``path`` (its key when ``key``), or of its nearest ancestor that exists."""
        path = tuple(path)
        while True:
            if key and path in self.keys:
                return self.keys[path]
            if path in self.values:
                return self.values[path]
            if not path:
                return (1, 1)
            path = path[:-1]
            key = False

    def diagnostic(self, code: str, message: str, path: Path, *, key: bool = False) -> Diagnostic:
        line, column = self.locate(path, key=key)
        return Diagnostic(self.file, line, column, code, message, format_path(path))


_TOO_DEEP = f"lists and mappings nest more than {MAX_DEPTH} levels deep here; a blueprint nests a few levels: flatten it"


class _TooDeep(yaml.MarkedYAMLError):
    """The scanner met more than ``MAX_DEPTH`` open flow collections or block indentations: it stops there
    (PyYAML's scanner slows down quadratically with either, and its composer recurses once per level)."""


class _Loader(yaml.SafeLoader):
    """A composer that records the aliases, anchors and tags it meets instead of honouring them, and
    a scanner and a composer that stop at ``MAX_DEPTH`` levels of nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.refused: list[tuple[Mark, str, str]] = []
        self.depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        mark = (event.start_mark.line + 1, event.start_mark.column + 1)
        if isinstance(event, AliasEvent):
            self.refused.append((mark, "E005", f"alias '*{clip(str(event.anchor))}' is not allowed: write the value out"))
            self.get_event()  # type: ignore[no-untyped-call]
            return ScalarNode(_REFUSED, "", event.start_mark, event.end_mark)  # type: ignore[arg-type]
        if isinstance(event, (ScalarEvent, MappingStartEvent, SequenceStartEvent)):
            if event.anchor is not None:
                self.refused.append((mark, "E005", f"anchor '&{clip(event.anchor)}' is not allowed: write the value out"))
                event.anchor = None
            if event.tag not in (None, "!"):
                self.refused.append((mark, "E005", f"tag '{clip(event.tag)}' is not allowed: drgen reads plain YAML only"))
        if not isinstance(event, CollectionStartEvent):
            return super().compose_node(parent, index)
        if self.depth == MAX_DEPTH:
            self.refused.append((mark, "E109", _TOO_DEEP))
            return self._skip(event)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        if len(self.indents) + self.flow_level >= MAX_DEPTH:  # the open block collections and flow ones
            raise _TooDeep(problem=_TOO_DEEP, problem_mark=self.get_mark())
        super().fetch_flow_collection_start(TokenClass)

    def add_indent(self, column: int) -> bool:
        if self.indent < column and len(self.indents) + self.flow_level >= MAX_DEPTH:
            mark = self.get_mark()
            mark.column = column  # where the collection starts: its first key or '-' (on this line)
            raise _TooDeep(problem=_TOO_DEEP, problem_mark=mark)
        return bool(super().add_indent(column))

    def _skip(self, start: Any) -> Node:
        """Read past the collection that starts here without building it (and without recursing)."""
        level = 0
        while True:
            event = self.get_event()  # type: ignore[no-untyped-call]
            if isinstance(event, CollectionStartEvent):
                level += 1
            elif isinstance(event, CollectionEndEvent):
                level -= 1
                if level == 0:
                    return ScalarNode(_REFUSED, "", start.start_mark, event.end_mark)  # type: ignore[arg-type]


class _Refused(Exception):
    """A scalar a blueprint cannot hold, with its code: the builder reports it where the scalar is written."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _scalar(node: ScalarNode) -> Any:
    """The value of a scalar; raises ``_Refused`` for what a blueprint cannot hold."""
    text = node.value
    if node.tag == _REFUSED:
        return None
    bad = _NOT_TEXT.search(text)
    if bad:
        raise _Refused("E007", _not_text(bad.group()))
    if node.style is not None:  # quoted or block scalar: always a string
        return text
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.match(text):
        if len(text.lstrip("+-")) > len(str(MAX_INTEGER)) or abs(int(text)) > MAX_INTEGER:
            raise _Refused("E008", f"{clip(text, 24)} is larger than a blueprint's numbers may be (64 bits); "
                                   "quote it if you mean the text")
        return int(text)
    if _FLOAT.match(text):
        value = float(text)
        if not math.isfinite(value):
            raise _Refused("E008", f"{clip(text, 24)} is too large to be a number (it would be infinity); "
                                   "quote it if you mean the text")
        return value
    if _NON_FINITE.match(text):
        raise _Refused("E008", f"YAML reads {text} as {'NaN' if 'nan' in text.lower() else 'infinity'}, which "
                               "a blueprint cannot hold (JSON and CloudFormation have no such number); "
                               f"quote it if you mean the text: \"{text}\"")
    return text


def _not_text(character: str) -> str:
    point = f"U+{ord(character):04X}"
    if "\ud800" <= character <= "\udfff":
        return (f"the text holds {point}, a lone surrogate: it is not Unicode text and cannot be written as UTF-8 "
                "(a \"\\u\" escape of half a character?)")
    if unicodedata.category(character) == "Cc":
        return f"the text holds the control character {point}: a blueprint's text holds no control characters"
    return f"the character {point} is not allowed in YAML text"


class _Builder:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.problems: list[Diagnostic] = []

    def build(self, node: Node, path: Path) -> Any:
        mark = (node.start_mark.line + 1, node.start_mark.column + 1)
        self.document.values[path] = mark
        if isinstance(node, MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key_mark = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                try:
                    key = _scalar(key_node) if isinstance(key_node, ScalarNode) else None
                except _Refused as refused:
                    self.problems.append(self._at(key_mark, refused.code, refused.message, path))
                    continue
                if not isinstance(key, str):
                    self.problems.append(self._at(key_mark, "E103", "a key must be a string", path))
                    continue
                child = (*path, key)
                if key in out:
                    first = self.document.keys[child]
                    self.problems.append(self._at(
                        key_mark, "E003", f"duplicate key '{key}' (first at line {first[0]})", child))
                    continue
                self.document.keys[child] = key_mark
                out[key] = self.build(value_node, child)
            return out
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        if node.tag == _REFUSED:
            self.document.refused.add(path)
        try:
            return _scalar(node)
        except _Refused as refused:
            self.problems.append(self._at(mark, refused.code, refused.message, path))
            self.document.refused.add(path)
            return None

    def _at(self, mark: Mark, code: str, message: str, path: Path) -> Diagnostic:
        return Diagnostic(self.document.file, mark[0], mark[1], code, message, format_path(path))


def position(text: str, index: int) -> Mark:
    """The line and column of character ``index`` of ``text``, counted as YAML counts them."""
    before = text[:index]
    breaks = list(_BREAKS.finditer(before))
    line_start = breaks[-1].end() if breaks else 0
    column = index - line_start - before.count("\ufeff", line_start)
    return (len(breaks) + 1, column + 1)


def load_text(text: str, file: str = "<string>") -> tuple[Document | None, list[Diagnostic]]:
    """Load ``text``; return the document (``None`` when it cannot be read at all) and the problems."""
    if len(text) > MAX_BYTES:
        return None, [Diagnostic(file, *position(text, MAX_BYTES), "E001", _too_large("text"))]
    document = Document(file=file, text=text, data=None)
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if isinstance(error, _TooDeep):  # what the composer refused first, or here
            assert loader is not None
            problems = [Diagnostic(file, m[0], m[1], code, message) for m, code, message in loader.refused]
            if not any(d.code == "E109" for d in problems):
                problems.append(Diagnostic(file, line, column, "E109", _TOO_DEEP))
            return None, problems
        if error.problem == "but found another document":
            return None, [Diagnostic(file, line, column, "E005", "a second YAML document is not allowed: "
                                                                 "a blueprint is one document")]
        problem = " ".join(str(part) for part in (error.context, error.problem) if part)
        return None, [Diagnostic(file, line, column, "E002", clip(problem or "invalid YAML", 200))]
    except yaml.reader.ReaderError as error:  # a character YAML does not allow in its text
        return None, [Diagnostic(file, *position(text, error.position), "E007", _not_text(chr(error.character)))]
    except yaml.YAMLError as error:  # pragma: no cover - PyYAML raises only the two kinds above on text
        return None, [Diagnostic(file, 1, 1, "E002", clip(str(error).splitlines()[0], 200))]
    finally:
        if loader is not None:
            loader.dispose()
    problems = [Diagnostic(file, m[0], m[1], code, message) for m, code, message in loader.refused]
    if node is None:
        return None, [*problems, Diagnostic(file, 1, 1, "E004", "the document is empty: a blueprint is a mapping")]
    builder = _Builder(document)
    document.data = builder.build(node, ())
    problems.extend(builder.problems)
    if not isinstance(document.data, dict):
        problems.append(document.diagnostic("E004", "the document must be a mapping of keys to values", ()))
        return None, problems
    return document, problems


def _too_large(what: str) -> str:
    return f"the {what} is larger than {MAX_BYTES // 1024 // 1024} MiB, the most a blueprint may be: drgen reads no further"


def read_file(path: str | os.PathLike[str]) -> bytes:
    """At most ``MAX_BYTES + 1`` bytes of ``path``, which must be a regular file (never a FIFO or a device,
    which could block or never end). Raises ``OSError`` (or ``ValueError`` for a path the system cannot name)."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(descriptor, "rb") as file:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
            raise OSError(f"it is {kind}")
        return file.read(MAX_BYTES + 1)


def load_file(path: str | os.PathLike[str]) -> tuple[Document | None, list[Diagnostic]]:
    """Load a file; an unreadable file is an E001 diagnostic, not an exception."""
    name = str(path)
    try:
        raw = read_file(path)
    except OSError as error:
        reason = error.strerror or str(error)
        return None, [Diagnostic(name, 1, 1, "E001", f"cannot read the file: {reason}")]
    except ValueError as error:  # a NUL in the path, a surrogate the file system cannot encode
        return None, [Diagnostic(name, 1, 1, "E001", f"cannot read the file: the path is not valid ({error})")]
    bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    if len(raw) > MAX_BYTES:
        read = raw[bom:MAX_BYTES].decode("utf-8", errors="replace")
        return None, [Diagnostic(name, *position(read, len(read)), "E001", _too_large("file"))]
    try:
        text = raw[bom:].decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[bom:bom + error.start].decode("utf-8")
        return None, [Diagnostic(name, *position(before, len(before)), "E001",
                                 f"the file is not UTF-8 text: byte 0x{raw[bom + error.start]:02X} (at byte offset "
                                 f"{bom + error.start}) is not UTF-8")]
    return load_text(text, name)


__all__ = ["MAX_BYTES", "MAX_DEPTH", "Document", "format_path", "load_file", "load_text", "read_file"]
