"""Policy documents drgen uses in several places: TLS-only bucket policies, queue policies, trust policies."""

from __future__ import annotations

from typing import Any

from awacs import s3, sqs, sts
from awacs.aws import Bool, Condition, Deny, PolicyDocument, Principal, Statement, StringEquals
from troposphere import GetAtt, Join

VERSION = "2012-10-17"


def tls_only_bucket(bucket_arn: Any) -> PolicyDocument:
    """Deny every request to the bucket and its objects that does not use TLS."""
    return PolicyDocument(Version=VERSION, Statement=[Statement(
        Sid="DenyInsecureTransport", Effect=Deny, Principal=Principal("*"), Action=[s3.Action("*")],
        Resource=[bucket_arn, Join("", [bucket_arn, "/*"])],
        Condition=Condition(Bool("aws:SecureTransport", "false")),
    )])


def tls_only_queue(queue_logical_id: str) -> PolicyDocument:
    return PolicyDocument(Version=VERSION, Statement=[Statement(
        Sid="DenyInsecureTransport", Effect=Deny, Principal=Principal("*"), Action=[sqs.Action("*")],
        Resource=[GetAtt(queue_logical_id, "Arn")], Condition=Condition(Bool("aws:SecureTransport", "false")),
    )])


def trust(service: str) -> PolicyDocument:
    """A role trust policy for an AWS service, limited to this account's resources."""
    return PolicyDocument(Version=VERSION, Statement=[Statement(
        Effect="Allow", Principal=Principal("Service", [service]), Action=[sts.AssumeRole],
        Condition=Condition(StringEquals("aws:SourceAccount", {"Ref": "AWS::AccountId"})),
    )])
