"""Environments: one blueprint, several environments (staging, prod), each a set of overrides of the base.

A blueprint declares its environments in an ``environments:`` section, a mapping of environment name to the
overrides of that environment; ``--env NAME`` (``drgen.load(path, env=NAME)``) picks one. The environment's
name becomes the blueprint's ``environment``, so it is part of every physical name (the prefix
``<name>-<environment>``): staging and prod live side by side in one account.

Overrides are a JSON Merge Patch (RFC 7386) of the base, limited to the keys an environment may change:
mappings merge key by key, ``null`` removes a key, any other value (a list included) replaces the base's
value whole. Lists of named items (databases, tables, buckets, queues, functions, alarms) merge by ``name``:
each override item names an item of the base and changes only some of its keys; an environment changes the
size of a system, not its shape, so it neither adds nor removes resources (a staging drill then rehearses
what prod runs). ``regions`` is replaced whole: staging may run in other regions.

The merged blueprint is a ``Document`` like any other: every merged value keeps the line and column where it
was written - in the base, or in the environment's section - so a problem in the merged result (a schema
error, a name too long for the environment) is reported where the value that causes it was set.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from drgen.diagnostics import Diagnostic
from drgen.diagnostics import Path as Node
from drgen.loader import Document
from drgen.schema_check import _type_name, suggest

SECTION = "environments"


@dataclass(frozen=True)
class Named:
    """A list of named items merged by ``name``: each override item may change only ``keys``."""

    keys: frozenset[str]


Spec = bool | Named | dict[str, "Spec"]
"""What an environment may override: ``True`` any value (merged as a merge patch), a ``dict`` of the keys of a
mapping that may be overridden, a ``Named`` list."""

OVERRIDABLE: dict[str, Spec] = {
    "description": True,
    "tags": True,
    "accounts": True,
    "objectives": True,
    "regions": True,
    "deployment": True,
    "network": True,
    "databases": Named(frozenset({"capacity", "instance_class", "instances_per_region", "backup_retention",
                                  "deletion_protection", "max_replication_lag", "rpo"})),
    "tables": Named(frozenset({"billing", "point_in_time_recovery", "rpo"})),
    "buckets": Named(frozenset({"lifecycle", "rpo"})),
    "queues": Named(frozenset({"retention", "visibility_timeout"})),
    "functions": Named(frozenset({"memory", "timeout", "environment"})),
    "alarms": Named(frozenset({"threshold", "periods", "triggers_failover"})),
    "api": {"stage": True, "throttle": True},
    "dns": {"zone": True, "zone_id": True, "record": True, "ttl": True},
    "failover": {"mode": True, "approval_time": True, "promotion_timeout": True, "validation_schedule": True,
                 "notify": True},
}
"""The keys an environment may override: capacity, regions, objectives, who is told, alarm thresholds and
the names that must differ between environments (DNS, API stage); never what would change the system's shape."""


def names(document: Document) -> list[str]:
    """The environments ``document`` declares, in the order written (none when it has no usable section)."""
    section = document.data.get(SECTION) if isinstance(document.data, dict) else None
    if not isinstance(section, dict):
        return []
    return [name for name, overrides in section.items() if overrides is None or isinstance(overrides, dict)]


def declares(document: Document) -> bool:
    """Whether ``document`` has an ``environments`` section (whatever it holds)."""
    return isinstance(document.data, dict) and SECTION in document.data


def section_problems(document: Document) -> list[Diagnostic]:
    """What is wrong with the section itself, whichever environment is chosen."""
    section = document.data.get(SECTION)
    at = (SECTION,)
    if not isinstance(section, dict):
        return [document.diagnostic("E103", f"expected a mapping of environment names to their overrides, got "
                                            f"{_kind(section)}", at)]
    found = []
    if not section:
        found.append(document.diagnostic("E112", "declares no environment: give at least one (e.g. staging: {}), "
                                                 "or remove environments and give environment", at, key=True))
    if "environment" in document.data:
        found.append(document.diagnostic(
            "E112", "environment and environments exclude each other: with environments, the environment is the "
                    "one chosen (--env NAME); remove environment", ("environment",), key=True))
    for name, overrides in section.items():
        if not isinstance(overrides, dict) and overrides is not None:
            found.append(document.diagnostic("E103", f"expected a mapping of overrides, got {_kind(overrides)}",
                                             (*at, name)))
    return found


def select(document: Document, env: str) -> tuple[Document, list[Diagnostic]]:
    """The blueprint of environment ``env`` (which ``document`` declares): the base with its overrides merged
    in, located where each value was written; and what is wrong with the overrides."""
    merged = Document(document.file, document.text, copy.deepcopy(document.data), dict(document.values),
                      dict(document.keys), set(document.refused))
    _drop(merged, (SECTION,))
    del merged.data[SECTION]
    source: Node = (SECTION, env)
    merged.data["environment"] = env
    merged.values[("environment",)] = merged.keys[("environment",)] = document.locate(source, key=True)
    overrides = document.data[SECTION][env]
    merger = _Merger(document, merged)
    if isinstance(overrides, dict):
        merger.mapping(overrides, source, (), OVERRIDABLE)
    return merged, merger.problems


class _Merger:
    def __init__(self, base: Document, merged: Document) -> None:
        self.base = base
        self.merged = merged
        self.problems: list[Diagnostic] = []

    def mapping(self, overrides: dict[str, Any], source: Node, target: Node, spec: dict[str, Spec]) -> None:
        """Merge ``overrides`` (at ``source`` of the base) into the mapping at ``target`` of the merged blueprint,
        each key as ``spec`` allows."""
        for key, value in overrides.items():
            rule = spec.get(key)
            if rule is None:
                self._not_overridable(key, (*source, key), target, spec)
            elif rule is True:
                self.patch(value, (*source, key), (*target, key))
            elif isinstance(rule, Named):
                self.named(value, (*source, key), (*target, key), rule)
            elif not isinstance(value, dict):
                self.problems.append(self.base.diagnostic("E103", f"expected a mapping, got {_kind(value)}",
                                                          (*source, key)))
            elif isinstance(rule, dict):
                if not isinstance(_get(self.merged.data, (*target, key)), dict):
                    self.patch({}, (*source, key), (*target, key))
                self.mapping(value, (*source, key), (*target, key), rule)

    def patch(self, value: Any, source: Node, target: Node) -> None:
        """RFC 7386 at ``target``: a mapping merges into a mapping, ``null`` removes, anything else replaces."""
        parent, key = _get(self.merged.data, target[:-1]), target[-1]
        if value is None:
            if isinstance(parent, dict) and key in parent:
                del parent[key]
                _drop(self.merged, target)
            return
        current = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(value, dict) and isinstance(current, dict):
            self.merged.keys[target] = self.base.keys[source]
            for child, child_value in value.items():
                self.patch(child_value, (*source, child), (*target, child))
            return
        parent[key] = copy.deepcopy(value)
        _drop(self.merged, target)
        self.merged.keys[target] = self.base.keys[source]
        _copy(self.base, source, self.merged, target)

    def named(self, items: Any, source: Node, target: Node, spec: Named) -> None:
        """Merge override items into the base's list at ``target``, each into the base item of the same name."""
        if not isinstance(items, list):
            self.problems.append(self.base.diagnostic(
                "E103", f"expected a list of items, each naming an item of the base, got {_kind(items)}", source))
            return
        base = _get(self.merged.data, target)
        known = {item["name"]: i for i, item in enumerate(base) if isinstance(item, dict)
                 and isinstance(item.get("name"), str)} if isinstance(base, list) else {}
        what = target[-1]
        for index, item in enumerate(items):
            at = (*source, index)
            if not isinstance(item, dict):
                self.problems.append(self.base.diagnostic("E103", f"expected a mapping, got {_kind(item)}", at))
                continue
            name = item.get("name")
            if not isinstance(name, str):
                self.problems.append(self.base.diagnostic(
                    "E111", f"an override of {what} names the item it changes: give name", at, key=True))
                continue
            if name not in known:
                listed = ", ".join(known) or "none"
                self.problems.append(self.base.diagnostic(
                    "E111", f"no item of {what} is named '{name}'{suggest(name, known)}; an environment changes "
                            f"the base's {what} ({listed}), it does not add any", (*at, "name")))
                continue
            rest = {k: v for k, v in item.items() if k != "name"}
            self.mapping(rest, at, (*target, known[name]), {key: True for key in spec.keys})

    def _not_overridable(self, key: str, at: Node, target: Node, spec: dict[str, Spec]) -> None:
        where = ".".join(str(p) for p in target if isinstance(p, str)) or "the blueprint"
        allowed = ", ".join(sorted(spec))
        self.problems.append(self.base.diagnostic(
            "E110", f"'{key}' cannot be overridden by an environment{suggest(key, spec)}; of {where} an "
                    f"environment may override: {allowed}", at, key=True))


def _get(data: Any, path: Node) -> Any:
    for part in path:
        data = data[part]
    return data


def _under(path: Node, prefix: Node) -> bool:
    return path[:len(prefix)] == prefix


def _drop(document: Document, prefix: Node) -> None:
    """Forget where anything at or under ``prefix`` was written (its value is gone or replaced)."""
    for table in (document.values, document.keys):
        for path in [p for p in table if _under(p, prefix)]:
            del table[path]
    document.refused -= {p for p in document.refused if _under(p, prefix)}


def _copy(source_document: Document, source: Node, document: Document, target: Node) -> None:
    """Where everything under ``source`` of one document was written becomes where it is under ``target``."""
    size = len(source)
    for path, mark in source_document.values.items():
        if _under(path, source):
            document.values[target + path[size:]] = mark
    for path, mark in source_document.keys.items():
        if _under(path, source) and path != source:
            document.keys[target + path[size:]] = mark
    document.refused |= {(*target, *p[size:]) for p in source_document.refused if _under(p, source)}


def _kind(value: Any) -> str:
    return _type_name(value)
