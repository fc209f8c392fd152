"""DynamoDB tables: their secondary indexes against DynamoDB's rules, and the keys they share.

The schema checks each index's form (name, keys, projection, at most 20 non-key attributes); this module checks
what spans a table: how many indexes (E410), the keys of a local index (E411), one type per key attribute (E412),
two attributes in each key schema (E414),
a projection and its attributes (E413), index names unique in the table (E301), and index capacity only where the
table is provisioned (E108).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from drgen import awsdata
from drgen.checks import Context
from drgen.diagnostics import Diagnostic, Path, clip

SECTIONS = (("global_indexes", awsdata.DYNAMODB_GSI_MAX, "global"), ("local_indexes", awsdata.DYNAMODB_LSI_MAX, "local"))


def _where(path: Path) -> str:
    """A path inside a table, as its YAML reads: ``global_indexes[0].partition_key``."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[2:]).lstrip(".")


def _indexes(ctx: Context, base: Path, table: dict[str, Any], section: str) -> Iterator[tuple[Path, dict[str, Any]]]:
    """The well-formed indexes of one section of a table, with their path."""
    value = table.get(section)
    if not isinstance(value, list):
        return
    for j, index in enumerate(value):
        path = (*base, section, j)
        if isinstance(index, dict) and not ctx.broken(path):
            yield path, index


def check_indexes(ctx: Context) -> Iterator[Diagnostic]:
    for i, table in ctx.items("tables"):
        base: Path = ("tables", i)
        yield from _counts(ctx, base, table)
        yield from _names(ctx, base, table)
        yield from _local_keys(ctx, base, table)
        yield from _key_types(ctx, base, table)
        yield from _projections(ctx, base, table)
        yield from _capacity(ctx, base, table)


def _counts(ctx: Context, base: Path, table: dict[str, Any]) -> Iterator[Diagnostic]:
    for section, most, kind in SECTIONS:
        value = table.get(section)
        if isinstance(value, list) and len(value) > most:
            yield ctx.error("E410", f"table '{clip(str(table.get('name')))}' has {len(value)} {kind} secondary indexes; "
                                    f"DynamoDB allows at most {most} per table", (*base, section, most))


def _names(ctx: Context, base: Path, table: dict[str, Any]) -> Iterator[Diagnostic]:
    first: dict[str, Path] = {}
    for section, _, _ in SECTIONS:
        for path, index in _indexes(ctx, base, table, section):
            name = index.get("name")
            if not isinstance(name, str):
                continue
            if name in first:
                where = _where(first[name])
                yield ctx.error("E301", f"index '{clip(name)}' is defined twice in the table (first as {where}): an "
                                        "index name is unique among a table's global and local indexes",
                                (*path, "name"))
            first.setdefault(name, path)


def _local_keys(ctx: Context, base: Path, table: dict[str, Any]) -> Iterator[Diagnostic]:
    local = list(_indexes(ctx, base, table, "local_indexes"))
    if not local:
        return
    if "sort_key" not in table:
        yield ctx.error("E411", "a local secondary index needs a table with a sort key (a composite primary key); "
                                "give the table a sort_key, or make the index global", (*base, "local_indexes"),
                        key=True)
    own = table.get("partition_key")
    for path, index in local:
        written = index.get("partition_key")
        if isinstance(written, dict) and isinstance(own, dict) and written != own:
            yield ctx.error("E411", f"a local index has the table's partition key ({clip(str(own.get('name')))} "
                                    f"{clip(str(own.get('type')))}), not {clip(str(written.get('name')))} "
                                    f"{clip(str(written.get('type')))}: remove partition_key, or make the index global",
                            (*path, "partition_key"))


def _key_types(ctx: Context, base: Path, table: dict[str, Any]) -> Iterator[Diagnostic]:
    """An attribute is defined once (AttributeDefinitions), so every key that names it must give it one type."""
    seen: dict[str, tuple[str, Path]] = {}
    places: list[tuple[Path, Any]] = [((*base, k), table.get(k)) for k in ("partition_key", "sort_key")]
    for section, _, _ in SECTIONS:
        for path, index in _indexes(ctx, base, table, section):
            places += [((*path, k), index.get(k)) for k in ("partition_key", "sort_key")]
    for path, key in places:
        if not isinstance(key, dict) or ctx.broken(path):
            continue
        name, kind = key.get("name"), key.get("type")
        if not isinstance(name, str) or not isinstance(kind, str):
            continue
        if path[-1] == "sort_key" and name == _name_at(places, path[:-1]):
            yield ctx.error("E414", f"the sort key '{clip(name)}' is also the partition key: a key schema's two "
                                    "elements are two attributes", (*path, "name"))
        if name in seen and seen[name][0] != kind:
            earlier = _where(seen[name][1])
            yield ctx.error("E412", f"attribute '{clip(name)}' is a key of type {kind} here but of type {seen[name][0]} "
                                    f"at {earlier}: an attribute has one type in a table", (*path, "type"))
        seen.setdefault(name, (kind, path))


def _name_at(places: list[tuple[Path, Any]], owner: Path) -> Any:
    """The name of the partition key beside a sort key (of the table or of the index at ``owner``)."""
    for path, key in places:
        if path == (*owner, "partition_key") and isinstance(key, dict):
            return key.get("name")
    if len(owner) > 2 and owner[2] == "local_indexes":  # a local index sorts within the table's partition key
        return _name_at(places, owner[:2])
    return None


def _projections(ctx: Context, base: Path, table: dict[str, Any]) -> Iterator[Diagnostic]:
    total = 0
    for section, _, _ in SECTIONS:
        for path, index in _indexes(ctx, base, table, section):
            projection = index.get("projection", "all")
            attributes = index.get("non_key_attributes")
            if projection == "include" and attributes is None:
                yield ctx.error("E413", "projection include needs non_key_attributes: the attributes the index holds "
                                        "besides the keys", (*path, "projection"))
            elif projection != "include" and attributes is not None:
                yield ctx.error("E413", f"non_key_attributes are only for projection include; this index projects "
                                        f"{clip(str(projection))}", (*path, "non_key_attributes"), key=True)
            if projection == "include" and isinstance(attributes, list):
                for j in range(len(attributes)):
                    total += 1
                    if total == awsdata.DYNAMODB_PROJECTED_ATTRIBUTES_MAX + 1:
                        yield ctx.error("E410", f"the table's indexes project more than "
                                                f"{awsdata.DYNAMODB_PROJECTED_ATTRIBUTES_MAX} non-key attributes in all "
                                                "(an attribute in two indexes counts twice); DynamoDB allows at most "
                                                f"{awsdata.DYNAMODB_PROJECTED_ATTRIBUTES_MAX}: project all, or fewer",
                                        (*path, "non_key_attributes", j))


def _capacity(ctx: Context, base: Path, table: dict[str, Any]) -> Iterator[Diagnostic]:
    if isinstance(table.get("billing", "on-demand"), dict):
        return
    for path, index in _indexes(ctx, base, table, "global_indexes"):
        if "capacity" in index:
            yield ctx.error("E108", "an index's capacity is for a table with provisioned billing; this table is "
                                    "on-demand: remove capacity, or give the table billing {read, write}",
                            (*path, "capacity"), key=True)


CHECKS = [check_indexes]
