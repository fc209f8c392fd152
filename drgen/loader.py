"""Read YAML into a ``Document``: plain data plus the line and column of every key and value.

The blueprint language reads YAML with the YAML 1.2 core schema's scalars, stricter still: only
``true``/``false`` are booleans, only ``null``/``~``/empty are null, integers have no leading zero,
and everything else - ``yes``, ``no``, ``on``, ``off``, ``2024-01-01``, ``1:30``, ``0755`` - stays the
string that was written, so a schema rule that expects a boolean or a number reports it instead of a
YAML 1.1 parser silently turning it into something else. Anchors, aliases, tags and duplicate keys
are refused.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import yaml
from yaml.events import AliasEvent, MappingStartEvent, ScalarEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from drgen.diagnostics import Diagnostic, Path, format_path

_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+\.[0-9]*|[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+|\.[0-9]+[eE][-+]?[0-9]+)$")
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}

Mark = tuple[int, int]


@dataclass
class Document:
    """A loaded blueprint: ``data`` as plain Python values, and where each part of it was written."""

    file: str
    text: str
    data: Any
    values: dict[Path, Mark] = field(default_factory=dict)
    keys: dict[Path, Mark] = field(default_factory=dict)

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


class _Loader(yaml.SafeLoader):
    """A composer that records the aliases, anchors and tags it meets instead of honouring them."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.refused: list[tuple[Mark, str]] = []

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event: Any = self.peek_event()  # type: ignore[no-untyped-call]
        mark = (event.start_mark.line + 1, event.start_mark.column + 1)
        if isinstance(event, AliasEvent):
            self.refused.append((mark, f"alias '*{event.anchor}' is not allowed: write the value out"))
            self.get_event()  # type: ignore[no-untyped-call]
            return ScalarNode("tag:yaml.org,2002:null", "", event.start_mark, event.end_mark)  # type: ignore[arg-type]
        if isinstance(event, (ScalarEvent, MappingStartEvent, SequenceStartEvent)):
            if event.anchor is not None:
                self.refused.append((mark, f"anchor '&{event.anchor}' is not allowed: write the value out"))
                event.anchor = None
            if event.tag not in (None, "!"):
                self.refused.append((mark, f"tag '{event.tag}' is not allowed: drgen reads plain YAML only"))
        return super().compose_node(parent, index)


def _scalar(node: ScalarNode) -> Any:
    text = node.value
    if node.style is not None:  # quoted or block scalar: always a string
        return text
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


class _Builder:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.problems: list[Diagnostic] = []

    def build(self, node: Node, path: Path) -> Any:
        self.document.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = _scalar(key_node) if isinstance(key_node, ScalarNode) else None
                key_mark = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
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
        return _scalar(node)

    def _at(self, mark: Mark, code: str, message: str, path: Path) -> Diagnostic:
        return Diagnostic(self.document.file, mark[0], mark[1], code, message, format_path(path))


def _reader_position(text: str, error: yaml.YAMLError) -> tuple[int, int]:
    position = getattr(error, "position", None)
    if not isinstance(position, int):
        return (1, 1)
    before = text[:position]
    return (before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1)


def load_text(text: str, file: str = "<string>") -> tuple[Document | None, list[Diagnostic]]:
    """Load ``text``; return the document (``None`` when it cannot be read at all) and the problems."""
    document = Document(file=file, text=text, data=None)
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = " ".join(str(part) for part in (error.context, error.problem) if part)
        return None, [Diagnostic(file, line, column, "E002", problem or "invalid YAML")]
    except yaml.YAMLError as error:  # a reader error: a character YAML does not allow
        return None, [Diagnostic(file, *_reader_position(text, error), "E002", str(error).splitlines()[0])]
    finally:
        if loader is not None:
            loader.dispose()
    problems = [Diagnostic(file, m[0], m[1], "E005", message) for m, message in loader.refused]
    if node is None:
        return None, [*problems, Diagnostic(file, 1, 1, "E004", "the document is empty: a blueprint is a mapping")]
    builder = _Builder(document)
    document.data = builder.build(node, ())
    problems.extend(builder.problems)
    if not isinstance(document.data, dict):
        problems.append(document.diagnostic("E004", "the document must be a mapping of keys to values", ()))
        return None, problems
    return document, problems


def load_file(path: str | os.PathLike[str]) -> tuple[Document | None, list[Diagnostic]]:
    """Load a file; an unreadable file is an E001 diagnostic, not an exception."""
    name = str(path)
    try:
        raw = FsPath(path).read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        return None, [Diagnostic(name, 1, 1, "E001", f"cannot read the file: {reason}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, [Diagnostic(name, 1, 1, "E001", f"the file is not UTF-8 text (byte {error.start})")]
    return load_text(text, name)


__all__ = ["Document", "format_path", "load_file", "load_text"]
