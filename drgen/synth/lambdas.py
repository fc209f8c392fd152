"""One way to make a Lambda function: its log group, its role, the function reading its package from the
region's artifact bucket. Used for the blueprint's functions and drgen's own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from awacs import logs, xray
from awacs.aws import Allow, PolicyDocument, Statement
from troposphere import GetAtt, Join, Ref, Sub, iam
from troposphere import awslambda as lambdar

from drgen import naming
from drgen.synth import policies, suppressions
from drgen.synth.base import LayerTemplate
from drgen.synth.suppressions import Suppression


def log_group_name(t: LayerTemplate, name: str) -> str:
    return f"/aws/lambda/{naming.function(t.prefix, name)}"


def function(t: LayerTemplate, name: str, *, handler: str, runtime: str, memory: int, timeout: int,
             statements: list[Statement], environment: dict[str, Any], vpc: bool = False,
             suppress: Sequence[Suppression] = (), **extra: Any) -> lambdar.Function:
    """A function named ``naming.function(prefix, name)`` whose code is ``t.packages[name]``."""
    base = naming.logical_id(name)
    group = t.log_group(f"{base}LogGroup", log_group_name(t, name))
    own = [
        Statement(Sid="WriteOwnLogs", Effect=Allow, Action=[logs.CreateLogStream, logs.PutLogEvents],
                  Resource=[Join("", [GetAtt(group, "Arn"), ":log-stream:*"])]),
        # X-Ray has no resource-level permissions: PutTraceSegments applies to "*" only.
        Statement(Sid="Tracing", Effect=Allow, Action=[xray.PutTraceSegments, xray.PutTelemetryRecords], Resource=["*"]),
    ]
    managed = []
    if vpc:
        managed.append(Sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"))
    role = t.add(iam.Role(
        f"{base}Role", RoleName=Sub(naming.role(t.prefix, name, "${AWS::Region}")),
        Description=f"Runs the {name} function", AssumeRolePolicyDocument=policies.trust("lambda.amazonaws.com"),
        ManagedPolicyArns=managed,
        Policies=[iam.Policy(PolicyName="least-privilege",
                             PolicyDocument=PolicyDocument(Version=policies.VERSION, Statement=own + statements))],
    ))
    package = t.packages[name]
    props: dict[str, Any] = dict(
        FunctionName=naming.function(t.prefix, name), Description=f"{t.prefix} {name}",
        Code=lambdar.Code(S3Bucket=t.artifact_bucket(), S3Key=package.key),
        Handler=handler, Runtime=runtime, MemorySize=memory, Timeout=timeout, Role=GetAtt(role, "Arn"),
        KmsKeyArn=t.key_arn(), TracingConfig=lambdar.TracingConfig(Mode="Active"),
        LoggingConfig=lambdar.LoggingConfig(LogGroup=Ref(group)),
        **extra,
    )
    if environment:
        props["Environment"] = lambdar.Environment(Variables=environment)
    if vpc:
        from troposphere import ImportValue, Split

        props["VpcConfig"] = lambdar.VPCConfig(
            SubnetIds=Split(",", ImportValue(naming.export(t.prefix, "network", "PrivateSubnetIds"))),
            SecurityGroupIds=[ImportValue(naming.export(t.prefix, "network", "FunctionSecurityGroupId"))])
    resource = t.add(lambdar.Function(base + "Function", **props))
    t.suppress(resource, suppressions.ENVIRONMENT_NAMES_ONLY, *suppress,
               *([suppressions.VPC_IMPORTED] if vpc else []))
    return resource
