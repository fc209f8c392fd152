"""Which resource changes CloudFormation carries out by replacing the resource, and which of those lose data.

CloudFormation replaces a resource when an update changes one of its type's create-only properties (the
resource schema's ``createOnlyProperties``, read from the schemas the pinned cfn-lint ships) or its type. A
replacement creates the new resource and deletes the old one: for a resource that holds data (a table, a cluster, a
bucket, a key, a queue, a secret) that is data loss unless its ``UpdateReplacePolicy`` retains the old one, and
even then the stack then points at a new, empty resource.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from drgen import cfnlint_data

DATA_BEARING = {
    "AWS::DynamoDB::GlobalTable": "the table's items",
    "AWS::DynamoDB::Table": "the table's items",
    "AWS::RDS::GlobalCluster": "the global database",
    "AWS::RDS::DBCluster": "the cluster's data",
    "AWS::S3::Bucket": "the bucket's objects",
    "AWS::KMS::Key": "every store encrypted with the key",
    "AWS::SQS::Queue": "the queue's messages",
    "AWS::SecretsManager::Secret": "the secret's value",
}
"""Resource types whose replacement or deletion loses what they hold, with what that is."""

KEPT = ("Retain", "RetainExceptOnCreate", "Snapshot")


@cache
def create_only(type_name: str) -> tuple[tuple[str, ...], ...]:
    """The create-only property paths of ``type_name`` (``("Properties", "TableName")``...); none if unknown."""
    schema = cfnlint_data.resource_schema(type_name)
    if schema is None:
        return ()
    return tuple(("Properties", *pointer.removeprefix("/properties/").split("/"))
                 for pointer in schema.get("createOnlyProperties", ()) if pointer.startswith("/properties/"))


def replacing_property(type_name: str, path: Sequence[str]) -> str | None:
    """The create-only property a change at ``path`` (``Properties.X.Y`` split) touches, if any."""
    for prop in create_only(type_name):
        common = min(len(prop), len(path))
        if tuple(path[:common]) == prop[:common] and common >= 2:
            return ".".join(prop[1:])
    return None


def data_loss(type_name: str, action: str, policy: str, maybe: bool = False) -> tuple[str, str]:
    """(danger, kept) of ``action`` (``replace`` or ``delete``) on a resource of ``type_name`` whose
    ``UpdateReplacePolicy`` (replace) or ``DeletionPolicy`` (delete) is ``policy``: the danger names what is
    lost, ``kept`` the policy that keeps it; both empty for a type that holds no data. ``maybe``: CloudFormation
    says the replacement is conditional."""
    lost = DATA_BEARING.get(type_name)
    if lost is None:
        return "", ""
    if action == "delete":
        return ("", f"DeletionPolicy {policy}") if policy in KEPT else (f"deleted: {lost} are lost", "")
    verb = "may be replaced" if maybe else "replaced"
    if policy in KEPT:
        return f"{verb}: the stack then uses a new, empty resource ({lost} stay in the retained old one)", ""
    return f"{verb}: {lost} are lost", ""
