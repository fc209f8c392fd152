"""Every physical name and every logical ID drgen derives, in one place.

Physical names are built from the blueprint's ``name`` and ``environment`` (the prefix) and the
component's own name. Names of regional resources in a global namespace (IAM roles, S3 buckets) carry
the region; S3 buckets also the account, written as ``${AWS::AccountId}`` for ``Fn::Sub``.
``LIMITS`` gives each kind's AWS length limit; ``rendered_length`` counts the account as 12 digits.
"""

from __future__ import annotations

import hashlib
import re

ACCOUNT = "${AWS::AccountId}"

OWN_TAG_PREFIX = "drgen:"
"""drgen's own tags (``drgen:blueprint``, ``drgen:environment``, ``drgen:layer``): a blueprint's tags may not use it."""
OWN_TAGS_PER_RESOURCE = 4
"""The most tags drgen adds to one resource: its three ``drgen:`` tags, and ``Name`` on a Route 53 health check."""

LIMITS: dict[str, int] = {
    "bucket": 63,
    "function": 64,
    "queue": 80,
    "role": 64,
    "table": 255,
    "db_cluster": 63,
    "global_cluster": 63,
    "db_instance": 63,
    "state_machine": 80,
    "topic": 256,
    "api": 1024,
    "stack": 128,
    "secret": 512,
    "log_group": 512,
    "rule": 64,
    "alarm": 255,
    "health_check": 64,
    "export": 255,
    "parameter": 1011,
}


def cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, never inside a character (CloudFormation counts bytes)."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def rendered_length(name: str) -> int:
    return len(name.replace(ACCOUNT, "0" * 12))


def prefix(name: str, environment: str) -> str:
    return f"{name}-{environment}"


# ---- physical names -------------------------------------------------------------------------------

def stack(p: str, layer: str) -> str:
    """A StackSet's or once-only stack's name."""
    return f"{p}-{layer}"


def export(p: str, layer: str, output: str) -> str:
    return f"{p}-{layer}-{output}"


def kms_alias(p: str) -> str:
    return f"alias/{p}"


def artifact_bucket(p: str, region: str) -> str:
    return f"{p}-artifacts-{region}-{ACCOUNT}"


def bucket(p: str, name: str, region: str) -> str:
    return f"{p}-{name}-{region}-{ACCOUNT}"


def access_log_bucket(p: str, region: str) -> str:
    return f"{p}-logs-{region}-{ACCOUNT}"


def function(p: str, name: str) -> str:
    return f"{p}-{name}"


def role(p: str, name: str, region: str) -> str:
    return f"{p}-{name}-{region}"


def stackset_administration_role(p: str) -> str:
    """The role CloudFormation assumes to run the blueprint's StackSets (``stackset_roles: blueprint``).

    Not ``<prefix>-...``: the execution policy lets a blueprint's stacks manage the roles ``role/<prefix>-*``, which
    must not take in the StackSet roles themselves (nor another blueprint's): no prefix has a dot.
    """
    return f"drgen.{p}.stackset-administration"


def stackset_execution_role(p: str) -> str:
    """The role in each target account that runs the blueprint's stack instances (``stackset_roles: blueprint``)."""
    return f"drgen.{p}.stackset-execution"


def queue(p: str, name: str, fifo: bool = False) -> str:
    return f"{p}-{name}" + (".fifo" if fifo else "")


def dead_letter_queue(p: str, name: str, fifo: bool = False) -> str:
    return f"{p}-{name}-dlq" + (".fifo" if fifo else "")


def table(p: str, name: str) -> str:
    return f"{p}-{name}"


def region_switch_plan(p: str) -> str:
    """The ARC Region switch plan (``failover.orchestrator: arc-region-switch``): at most 32 characters."""
    return p


def control_table(p: str) -> str:
    """drgen's own global table: the replicated active-region flag."""
    return f"{p}-drgen-control"


def outbox_table(p: str) -> str:
    """drgen's own global table: the durable intake's outbox (orders accepted by the API, not yet consumed)."""
    return f"{p}-drgen-outbox"


def global_cluster(p: str, name: str) -> str:
    return f"{p}-{name}"


def db_cluster(p: str, name: str, region: str) -> str:
    return f"{p}-{name}-{region}"


def db_instance(p: str, name: str, region: str, index: int) -> str:
    return f"{p}-{name}-{region}-{index + 1}"


def db_secret(p: str, name: str) -> str:
    return f"{p}/{name}/master"


DB_APP_USER = "drgen_app"
"""The database user every function of the blueprint logs in as, with IAM authentication (never the master).
A valid unquoted identifier in PostgreSQL and MySQL alike, within MySQL's 32 characters."""


def backup_vault(p: str) -> str:
    """The AWS Backup vault of a ``backup-restore`` blueprint's databases: the same name in every region."""
    return f"{p}-backups"


def backup_plan(p: str, name: str) -> str:
    return f"{p}-{name}"


def flow_log_group(p: str) -> str:
    return f"/drgen/{p}/vpc-flow-logs"


def state_machine(p: str) -> str:
    return f"{p}-failover"


def topic(p: str) -> str:
    return f"{p}-alerts"


def api(p: str, name: str) -> str:
    return f"{p}-{name}"


def alarm(p: str, name: str) -> str:
    return f"{p}-{name}"


def parameter(name: str, environment: str, *parts: str) -> str:
    return "/" + "/".join((name, environment, *parts))


# ---- logical IDs ---------------------------------------------------------------------------------

_SPLIT = re.compile(r"[^A-Za-z0-9]+")


def _pascal(part: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in _SPLIT.split(part) if word)


def logical_id(*parts: str) -> str:
    """A readable, stable CloudFormation logical ID: the parts in PascalCase.

    Names are ``[a-z0-9-]``, so turning ``-x`` into ``X`` loses nothing unless a hyphen stands before a
    digit or another hyphen (``a-1`` and ``a1`` would meet); then a short hash of the exact parts is
    appended so that two different names can never share an ID.
    """
    readable = "".join(_pascal(p) for p in parts)
    if not readable[:1].isalpha():
        readable = "R" + readable
    if any(re.search(r"[^A-Za-z0-9][0-9]|[^A-Za-z0-9]{2}|[^A-Za-z0-9-]|^-|-$", p) for p in parts):
        digest = hashlib.sha256("/".join(parts).encode()).hexdigest()[:8].upper()
        readable += digest
    return readable


def queue_id(name: str) -> str:
    return logical_id(name, "Queue")


def dead_letter_id(name: str) -> str:
    return logical_id(name, "DeadLetterQueue")


def function_id(name: str) -> str:
    """The logical ID of a function (the blueprint's or drgen's own); its log group and role share the stem."""
    return logical_id(name) + "Function"


def trigger_id(function: str, queue: str) -> str:
    """The event source mapping that feeds ``queue`` to ``function``."""
    return logical_id(function, "from", queue)


def region_id(region: str) -> str:
    """``us-east-1`` -> ``UsEast1``: a region in logical IDs."""
    return "".join(part.capitalize() for part in region.split("-"))
