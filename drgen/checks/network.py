"""Regions and network: region codes, roles, CIDRs, subnets, zones."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from drgen import awsdata
from drgen.checks import Context
from drgen.diagnostics import Diagnostic
from drgen.schema_check import suggest


def _regions(ctx: Context) -> list[tuple[int, dict[str, object]]]:
    return list(ctx.items("regions"))


def check_region_codes(ctx: Context) -> Iterator[Diagnostic]:
    seen: dict[str, int] = {}
    for i, region in _regions(ctx):
        name = region.get("name")
        if not isinstance(name, str):
            continue
        if name not in awsdata.REGIONS:
            yield ctx.error("E201", f"'{name}' is not an AWS region drgen knows{suggest(name, awsdata.REGIONS)}",
                            ("regions", i, "name"))
        if name in seen:
            yield ctx.error("E202", f"region '{name}' is listed twice (first as regions[{seen[name]}])",
                            ("regions", i, "name"))
        seen.setdefault(name, i)
    named = [(i, str(r["name"])) for i, r in _regions(ctx) if r.get("name") in awsdata.REGIONS]
    if named:
        first = awsdata.partition(named[0][1])
        for i, name in named:
            if awsdata.partition(name) != first:
                yield ctx.error("E211", f"region '{name}' is in the {awsdata.partition(name)} partition, "
                                        f"{named[0][1]} in {first}: a blueprint's regions must share one partition "
                                        "(a StackSet, a global table, an Aurora global database and S3 replication "
                                        "never cross one)", ("regions", i, "name"))


def check_roles(ctx: Context) -> Iterator[Diagnostic]:
    raw = ctx.data.get("regions")
    if not isinstance(raw, list) or (ctx.broken(("regions",)) and not _regions(ctx)):
        return
    regions = [(i, r) for i, r in enumerate(raw) if isinstance(r, dict) and r.get("role") in ("primary", "secondary")]
    primaries = [i for i, r in regions if r.get("role") == "primary"]
    if not primaries:
        yield ctx.error("E203", "no region has role: primary; exactly one must", ("regions",), key=True)
    for i in primaries[1:]:
        yield ctx.error("E203", f"a second primary region (the first is regions[{primaries[0]}]); exactly one "
                                "region is primary", ("regions", i, "role"))
    secondaries = [i for i, r in regions if r.get("role") == "secondary"]
    if regions and not secondaries:
        yield ctx.error("E204", "no region has role: secondary; add at least one to fail over to", ("regions",),
                        key=True)
    if ctx.data.get("databases") and len(secondaries) > awsdata.AURORA_MAX_SECONDARY_REGIONS:
        yield ctx.error("E403", f"an Aurora global database has at most {awsdata.AURORA_MAX_SECONDARY_REGIONS} "
                                f"secondary regions; this blueprint has {len(secondaries)}", ("regions",), key=True)



def check_cidrs(ctx: Context) -> Iterator[Diagnostic]:
    networks: list[tuple[int, str, ipaddress.IPv4Network]] = []
    subnet_bits = ctx.data.get("network", {}).get("subnet_bits", 8) if isinstance(ctx.data.get("network"), dict) \
        else 8
    for i, region in _regions(ctx):
        cidr = region.get("cidr")
        if not isinstance(cidr, str) or ctx.broken(("regions", i, "cidr")):
            continue
        try:
            network = ipaddress.IPv4Network(cidr, strict=True)
        except ValueError as error:
            reason = "its host bits are not zero" if "host bits" in str(error) else str(error)
            yield ctx.error("E205", f"'{cidr}' is not a valid VPC CIDR: {reason}", ("regions", i, "cidr"))
            continue
        if not 16 <= network.prefixlen <= 28:
            yield ctx.error("E205", f"'{cidr}' is a /{network.prefixlen}; a VPC CIDR is /16 to /28",
                            ("regions", i, "cidr"))
            continue
        for j, other_name, other in networks:
            if network.overlaps(other):
                yield ctx.error("E206", f"'{cidr}' overlaps {other} of region {other_name} (regions[{j}])",
                                ("regions", i, "cidr"))
        networks.append((i, str(region.get("name")), network))
        if not isinstance(subnet_bits, int) or ctx.broken(("network", "subnet_bits")):
            continue
        zones = _zone_count(region)
        prefix = network.prefixlen + subnet_bits
        if prefix > 28:
            yield ctx.error("E207", f"subnets of /{prefix} ({cidr} + network.subnet_bits {subnet_bits}) are smaller "
                                    "than the /28 AWS allows; lower subnet_bits", ("regions", i, "cidr"))
        elif zones is not None and 2 * zones > 2 ** subnet_bits:
            yield ctx.error("E207", f"{2 * zones} subnets (a public and a private per zone) of /{prefix} do not fit "
                                    f"in {cidr}: it holds {2 ** subnet_bits}; raise subnet_bits or use fewer zones",
                            ("regions", i, "cidr"))


def _zone_count(region: dict[str, object]) -> int | None:
    zones = region.get("availability_zones", 2)
    if isinstance(zones, bool):
        return None
    if isinstance(zones, int):
        return zones
    if isinstance(zones, list):
        return len(zones)
    return None


def check_zones(ctx: Context) -> Iterator[Diagnostic]:
    for i, region in _regions(ctx):
        name = region.get("name")
        known = awsdata.REGIONS.get(name) if isinstance(name, str) else None
        zones = region.get("availability_zones", 2)
        if known is None or ctx.broken(("regions", i, "availability_zones")):
            continue
        if isinstance(zones, int) and not isinstance(zones, bool) and zones > len(known):
            yield ctx.error("E208", f"region {name} has {len(known)} availability zones, not {zones}",
                            ("regions", i, "availability_zones"))
        elif isinstance(zones, list):
            for j, zone in enumerate(zones):
                if isinstance(zone, str) and zone not in known:
                    yield ctx.error("E208", f"zone '{zone}' is not in region {name}{suggest(zone, known)}",
                                    ("regions", i, "availability_zones", j))


CHECKS = [check_region_codes, check_roles, check_cidrs, check_zones]
