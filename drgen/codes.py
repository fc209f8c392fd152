"""The registry of diagnostic codes: the one place codes are defined, and the source of docs/errors.md.

A code's first letter is its severity: ``E`` error (the blueprint is invalid), ``W`` warning,
``I`` information. The digits group codes by family.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    explanation: str
    source: str = ""
    """Where AWS states the rule or the guidance (a document and its section), for hard rules and AWS guidance."""

    @property
    def severity(self) -> str:
        return {"E": "error", "W": "warning", "I": "info"}[self.code[0]]

    @property
    def family(self) -> str:
        return FAMILIES[self.code[1]]


FAMILIES = {
    "0": "Reading the file",
    "1": "Structure (JSON Schema)",
    "2": "Regions and network",
    "3": "Names and references",
    "4": "Durations and AWS limits",
    "5": "Physical names",
    "6": "Engines and versions",
    "7": "Objectives",
}

_ALL = [
    # Reading the file
    Code("E001", "file cannot be read", "The blueprint file does not exist, is not a file, or is not UTF-8 text."),
    Code("E002", "YAML syntax error", "The text is not valid YAML. The position is where the parser gave up."),
    Code("E003", "duplicate key", "A mapping has the same key twice; YAML parsers silently keep the last one, "
         "drgen refuses both."),
    Code("E004", "not a mapping", "The document must be a YAML mapping (key: value lines) at the top level."),
    Code("E005", "YAML feature not allowed", "Anchors, aliases, tags and multiple documents are not allowed "
         "in a blueprint: what you read must be what drgen reads."),
    # Structure
    Code("E101", "unknown key", "The key is not part of the blueprint language; it is an error, not ignored. "
         "A did-you-mean names the closest known key."),
    Code("E102", "missing required key", "A key the language requires is absent."),
    Code("E103", "wrong type", "The value is not of the type the key takes (string, integer, boolean, list, "
         "mapping). YAML 1.1 spellings such as `yes`, `no`, `on` and `off` are strings in a blueprint: "
         "write `true` or `false`."),
    Code("E104", "value not allowed", "The value is not one of the values the key allows."),
    Code("E105", "value does not match its pattern", "The value does not have the form the key requires "
         "(a name, a duration, a CIDR, an e-mail address, ...)."),
    Code("E106", "value out of range", "A number is below the minimum or above the maximum the key allows."),
    Code("E107", "wrong number of items", "A list has fewer or more items than the key allows, or repeats one."),
    Code("E108", "conflicting or incomplete keys", "Keys that exclude each other are both present, or a key that "
         "another requires is absent."),
    # Regions and network
    Code("E201", "unknown region", "The region code is not an AWS region drgen knows."),
    Code("E202", "region listed twice", "Each region may appear once."),
    Code("E203", "wrong number of primary regions", "Exactly one region must have `role: primary`."),
    Code("E204", "no secondary region", "At least one region must have `role: secondary`."),
    Code("E205", "invalid CIDR", "The value is not an IPv4 network in CIDR form with its host bits zero, or its "
         "size is outside what a VPC allows (/16 to /28)."),
    Code("E206", "overlapping CIDRs", "Two regions' VPC CIDRs overlap; peering and routing between them "
         "would be impossible."),
    Code("E207", "subnets do not fit", "One public and one private subnet per zone, of `network.subnet_bits` "
         "extra bits each, must fit in the region's CIDR."),
    Code("E208", "zone not in region", "An availability zone named for a region does not belong to it, or the "
         "region has fewer zones than asked."),
    # Names and references
    Code("E301", "name used twice", "Names must be unique within their section."),
    Code("E302", "unresolved reference", "A reference names something that the blueprint does not define."),
    Code("E303", "alarm cannot trigger failover", "Only an alarm on a metric evaluated where the serving region "
         "runs can start a failover; replication metrics tell that the standby is behind, not that the "
         "primary is down."),
    Code("E304", "access mode not allowed", "The access mode does not exist for that kind of resource."),
    Code("E305", "function source missing", "A function's `source` folder does not exist beside the blueprint, "
         "or holds no module for its handler."),
    Code("E306", "reference needs another section", "The blueprint uses something that needs a section it "
         "does not have (e.g. `dns` needs an `api`, a health route needs `dns`)."),
    Code("E307", "metric needs a subject", "The alarm's metric is measured on a function, queue, database, table "
         "or bucket, and the alarm does not name one (or names the wrong kind)."),
    Code("E308", "trigger not allowed", "A function trigger is not allowed by its queue (e.g. FIFO batch "
         "window) or its timeout (the queue's visibility timeout must be at least six times the function's)."),
    Code("E320", "hot standby smaller than its primary", "Under `strategy: hot-standby` every secondary runs at "
         "full capacity, so a failover adds none: `instances_per_region.secondary` must be at least `primary`. A "
         "scaled-down secondary is a warm standby (drgen's state machine scales it up on failover).",
         source="AWS whitepaper 'Disaster Recovery of Workloads on AWS: Recovery in the Cloud', section "
                "'Warm standby' (a hot standby processes production load at full capacity; a warm standby is "
                "scaled down and must scale up before it can)"),
    # Durations and AWS limits
    Code("E401", "invalid duration", "The value is not a duration: an integer and a unit (ms, s, m, h, d)."),
    Code("E402", "duration outside AWS limits", "The duration is outside what the AWS service accepts."),
    Code("E403", "value outside AWS limits", "A number is outside what the AWS service accepts."),
    Code("E404", "invalid schedule", "`validation_schedule` must be an EventBridge `rate(...)` or `cron(...)` "
         "expression."),
    # Physical names
    Code("E501", "physical name too long", "A name drgen derives from `name`, `environment` and a component "
         "name exceeds its AWS limit. Shorten one of them."),
    Code("E502", "physical name invalid", "A name drgen derives does not satisfy the AWS rules for it."),
    # Engines
    Code("E601", "unknown engine version", "The Aurora engine version is not one drgen knows for that engine."),
    Code("E602", "engine version not supported for global databases", "The engine version cannot be used for "
         "an Aurora global database, or is deprecated for new clusters."),
    Code("E603", "instance class not supported", "The instance class is not available for the engine, or not "
         "for global databases."),
    # Objectives
    Code("E701", "RPO objective cannot be met", "The estimated recovery point of the design exceeds the "
         "objective; the message names the component that dominates."),
    Code("E702", "RTO objective cannot be met", "The estimated recovery time of the design exceeds the "
         "objective; the message names the component that dominates."),
    Code("W703", "objective met with a thin margin", "The estimate is within 10 % of the objective."),
]

REGISTRY: dict[str, Code] = {c.code: c for c in _ALL}
assert len(REGISTRY) == len(_ALL), "a code is defined twice"


def get(code: str) -> Code:
    return REGISTRY[code]
