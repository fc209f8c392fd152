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
    Code("E001", "file cannot be read", "The blueprint file does not exist, is not a regular file (a directory, "
         "a device, a pipe), cannot be opened, is larger than 1 MiB (drgen reads no more: a blueprint is a few "
         "KB), or is not UTF-8 text (reported at the line and column of the first byte that is not). "
         "`drgen` exits 2 for it, as for any file it cannot read, not 1 as for an invalid blueprint."),
    Code("E002", "YAML syntax error", "The text is not valid YAML. The position is where the parser gave up."),
    Code("E003", "duplicate key", "A mapping has the same key twice; YAML parsers silently keep the last one, "
         "drgen refuses both."),
    Code("E004", "not a mapping", "The document must be a YAML mapping (key: value lines) at the top level."),
    Code("E005", "YAML feature not allowed", "Anchors, aliases, tags and multiple documents are not allowed "
         "in a blueprint: what you read must be what drgen reads."),
    Code("E007", "character not allowed", "The text holds a character a blueprint cannot carry: a lone "
         "surrogate (half of a character, e.g. from a `\\udc80` escape: not Unicode text, it cannot be written "
         "as UTF-8) or a control character (other than tab and line breaks), usually written as an escape in a "
         "double-quoted string. Write the character meant, or remove it."),
    Code("E008", "number not allowed", "The number cannot be carried into JSON and CloudFormation: infinity or "
         "NaN (`.inf`, `.nan`, or a number too large to be finite such as `1e999`), or an integer beyond 64 "
         "bits. Quote it if you mean the text."),
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
    Code("E109", "nesting too deep", "Lists and mappings nest more than 64 levels deep. The blueprint language "
         "nests a few levels; drgen stops reading the nested value where the limit is crossed, so that no input "
         "can exhaust it."),
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
    Code("E309", "function source outside the blueprint's folder", "A function's `source` must be a folder inside "
         "the blueprint's folder (or inside the source root given with `--source-root`), also once every symbolic "
         "link in its path is resolved: an absolute path, a `..` that climbs out, or a link that leads out would "
         "package files from elsewhere on the machine that builds it (credentials, `/etc`) into the Lambda zip."),
    Code("E310", "function source holds a link or a file drgen cannot package", "drgen packages the regular files "
         "of a source and follows no symbolic link: a link in the source (pointing inside or out), a device, pipe "
         "or socket, or a file or folder it cannot read is refused. Put the file itself in the source instead of "
         "a link to it."),
    Code("E311", "handler function not defined", "The handler `module.function` names a function that its module "
         "does not define at its top level (a `def`, `async def`, assignment or import), or names a class. The "
         "module is parsed, never imported or run."),
    Code("E312", "handler module does not parse", "The handler's module is not valid Python, so Lambda could not "
         "import it. drgen parses it with the Python it runs on: run drgen on a Python at least as new as the "
         "function's runtime to check syntax that only newer versions accept."),
    Code("E313", "tag key reserved by drgen", "A blueprint tag key starts with `drgen:` (in any case), the prefix of "
         "the tags drgen adds itself (`drgen:blueprint`, `drgen:environment`, `drgen:layer`)."),
    Code("W314", "secret-like literal in a function's environment", "An environment variable is named like a "
         "secret (password, secret, token, API key, ...) and holds a literal, or its value looks like a credential "
         "(an AWS access key id, a private key, a URL with a password, a known token format, a long random string). "
         "Environment variables are readable in the template, the render and the Lambda console: keep the secret in "
         "Secrets Manager or SSM Parameter Store and pass its name or ARN. References (ARNs, parameter names such "
         "as `/app/db-password`, `{{resolve:...}}`) and empty values are not flagged.",
         source="AWS Lambda Developer Guide, \"Working with Lambda environment variables\" (the note recommending "
                "Secrets Manager for database credentials, API keys and authorization tokens)"),
    Code("E322", "FIFO headers on a route that is not to a FIFO queue", "`group_id_header` and "
         "`deduplication_id_header` name the request headers that carry a FIFO message's group and deduplication "
         "ids, which SQS requires of a FIFO queue. drgen sends them only to FIFO queues: a route to a function, to "
         "the health check or to a standard queue has no use for them."),
    Code("E323", "one header for the group and the deduplication id", "The group id and the deduplication id "
         "would be the same value, so every message after the first of a group within five minutes would be "
         "taken for a duplicate: SQS accepts it and never delivers it. Name two different headers.",
         source="Amazon SQS Developer Guide, \"Using the message deduplication ID in Amazon SQS\": messages sent "
                "with a deduplication ID already used are accepted successfully but not delivered during the "
                "5-minute deduplication interval"),
    Code("E324", "master user named as the application's user", "Functions connect as `drgen_app`, the "
         "application's own database user with IAM authentication, never as the master. A `master_username` of "
         "`drgen_app` would make every `connect` grant the master's: choose another master user name."),
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
    Code("E405", "tag not allowed by AWS", "A blueprint tag breaks AWS's tag rules: a key of 1 to 128 characters, "
         "a value of at most 256, only letters, digits, spaces and `_ . : / = + - @`, no key starting with `aws:` "
         "(in any case), no two keys that differ only in case (IAM, which drgen tags roles with, treats them as "
         "one), and at most 50 tags per resource - of which drgen adds up to 4 (`drgen:blueprint`, "
         "`drgen:environment`, `drgen:layer`, and `Name` on Route 53 health checks), leaving 46 for the blueprint.",
         source="Tagging AWS Resources and Tag Editor User Guide, \"Tag naming limits and requirements\"; IAM API "
                "Reference, \"Tag\" (pattern [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]); IAM User Guide, \"Tags for AWS "
                "Identity and Access Management resources\" (keys that differ only in case)"),
    Code("E406", "function package too large", "The files of a function's source take more than Lambda's 250 MB "
         "unzipped quota (262,144,000 bytes). drgen uploads packages to S3, so the 50 MB limit on zips uploaded "
         "directly does not apply; drgen adds no layers.",
         source="AWS Lambda Developer Guide, \"Lambda quotas\" (deployment package size: 250 MB unzipped, "
                "including layers)"),
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
         "objective; the message names the component that dominates. A queue is a store too: one whose messages "
         "can wait in a failed region longer than the objective (`region_outage: durable`, its `retention`) is "
         "reported at the queue, with that queue's fix."),
    Code("E702", "RTO objective cannot be met", "The estimated recovery time of a regional outage (the "
         "unplanned path: detection, the approval when required, promotion, traffic) exceeds the objective; "
         "the message names the step that dominates."),
    Code("W703", "objective met with a thin margin", "The estimate is within 10 % of the objective."),
]

REGISTRY: dict[str, Code] = {c.code: c for c in _ALL}
assert len(REGISTRY) == len(_ALL), "a code is defined twice"


def get(code: str) -> Code:
    return REGISTRY[code]
