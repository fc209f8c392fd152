"""The ``canary-impaired`` game day (``game_days.impair_canary``, opt-in): in every region's orchestration stack.

AWS FIS impairs a Lambda function only through its Lambda extension (AWS FIS User Guide, "Use the AWS FIS
aws:lambda:function actions"), and only in the experiment's own region. So, when the blueprint asks for it:

- the canary carries the extension: its layer (the ARN AWS publishes per region as a public Systems Manager
  parameter, ``drgen.awsdata``, resolved by CloudFormation in each region), ``AWS_LAMBDA_EXEC_WRAPPER`` and
  ``AWS_FIS_CONFIGURATION_LOCATION`` - a folder of the region's artifact bucket - and its role may list that folder,
  read in it and decrypt with the region's key through S3;
- an experiment template makes every invocation of the canary fail (``aws:lambda:invocation-error``, the function
  not run) for ``game_days.duration``; it stops if the region's ``active-region-down`` alarm enters ALARM, the false
  positive the game day must show does not happen; it logs to its own log group; its role may write the fault
  configuration in that folder (encrypting with the region's key through S3) and read the canary, nothing else.
Without ``impair_canary`` nothing here is rendered and the canary carries nothing of FIS.
"""

from __future__ import annotations

from typing import Any

from awacs import kms, s3
from awacs.aws import Action, Allow, Condition, ForAnyValueStringEquals, PolicyDocument, Statement, StringEquals, StringLike
from troposphere import GetAtt, Sub, fis, iam
from troposphere import awslambda as lambdar
from troposphere import cloudwatch as cloudwatchr

from drgen import awsdata, gamedays, naming
from drgen.gamedays import GameDay
from drgen.model import Blueprint
from drgen.synth import policies
from drgen.synth.base import LayerTemplate, arn

LOG_GROUP = "CanaryExperimentLogGroup"


def day(bp: Blueprint) -> GameDay | None:
    """The ``canary-impaired`` game day, when the blueprint plays it."""
    return gamedays.by_name(bp, gamedays.CANARY_IMPAIRED)


def _bucket(t: LayerTemplate) -> str:
    return f"arn:${{AWS::Partition}}:s3:::{naming.artifact_bucket(t.prefix, '${AWS::Region}')}"


def _key(t: LayerTemplate, sid: str, actions: list[Action]) -> Statement:
    """The region's drgen key, through S3 only (the artifact bucket is SSE-KMS with it)."""
    return Statement(Sid=sid, Effect=Allow, Action=actions, Resource=[arn("kms", "key/*")],
                     Condition=Condition([ForAnyValueStringEquals("kms:ResourceAliases", naming.kms_alias(t.prefix)),
                                          StringEquals("kms:ViaService", Sub("s3.${AWS::Region}.${AWS::URLSuffix}"))]))


def extension(t: LayerTemplate) -> tuple[dict[str, Any], dict[str, Any], list[Statement]]:
    """What the canary gets for FIS's extension: environment variables, function properties, role statements
    (nothing when the blueprint does not play the game day)."""
    if day(t.bp) is None:
        return {}, {}, []
    folder = gamedays.FIS_CONFIG_FOLDER
    environment = {"AWS_FIS_CONFIGURATION_LOCATION": Sub(f"{_bucket(t)}/{folder}"),
                   "AWS_LAMBDA_EXEC_WRAPPER": awsdata.FIS_LAMBDA_EXEC_WRAPPER}
    props = {"Layers": [f"{{{{resolve:ssm:{awsdata.FIS_LAMBDA_EXTENSION_PARAMETER}}}}}"]}
    statements = [
        Statement(Sid="ListFisConfig", Effect=Allow, Action=[s3.ListBucket], Resource=[Sub(_bucket(t))],
                  Condition=Condition(StringLike("s3:prefix", [f"{folder}*"]))),
        Statement(Sid="ReadFisConfig", Effect=Allow, Action=[s3.GetObject], Resource=[Sub(f"{_bucket(t)}/{folder}*")]),
        _key(t, "FisConfigKey", [kms.Decrypt]),
    ]
    return environment, props, statements


def contribute(t: LayerTemplate, canary: lambdar.Function, down: cloudwatchr.Alarm) -> None:
    """The experiment template impairing this region's canary, its role and its log group."""
    game = day(t.bp)
    if game is None:
        return
    assert t.bp.game_days is not None
    folder = gamedays.FIS_CONFIG_FOLDER
    group = t.log_group(LOG_GROUP, f"/drgen/{t.prefix}/fis-canary-experiments")
    function_arn = arn("lambda", f"function:{naming.function(t.prefix, 'canary')}")
    role = t.add(iam.Role(
        "CanaryExperimentRole", RoleName=Sub(naming.role(t.prefix, "fis-canary", "${AWS::Region}")),
        Description="AWS FIS impairs this region's canary with it, through the canary's FIS extension only",
        AssumeRolePolicyDocument=policies.trust("fis.amazonaws.com"),
        Policies=[iam.Policy(PolicyName="canary-game-day", PolicyDocument=PolicyDocument(
            Version=policies.VERSION, Statement=[
                Statement(Sid="WriteFaultConfig", Effect=Allow, Action=[s3.PutObject, s3.DeleteObject],
                          Resource=[Sub(f"{_bucket(t)}/{folder}*")]),
                _key(t, "FaultConfigKey", [kms.GenerateDataKey, kms.Decrypt]),
                Statement(Sid="ReadCanary", Effect=Allow, Action=[Action("lambda", "GetFunction")],
                          Resource=[function_arn]),
                Statement(Sid="ReadsOnStarOnly", Effect=Allow, Resource=["*"], Action=[
                    Action("tag", "GetResources"), Action("logs", "CreateLogDelivery"),
                    Action("logs", "PutResourcePolicy"), Action("logs", "DescribeResourcePolicies"),
                    Action("logs", "DescribeLogGroups")]),
            ]))]))
    (action,) = game.actions
    t.add(fis.ExperimentTemplate(
        naming.logical_id(game.name, "Experiment"),
        Description=naming.cut(f"drgen {t.prefix} game day {game.name}: {game.summary}. Expected: {game.expected}",
                               512),
        RoleArn=GetAtt(role, "Arn"),
        StopConditions=[fis.ExperimentTemplateStopCondition(Source="aws:cloudwatch:alarm", Value=GetAtt(down, "Arn"))],
        Targets={"Canary": fis.ExperimentTemplateTarget(ResourceType=action.resource_type, SelectionMode="ALL",
                                                        ResourceArns=[GetAtt(canary, "Arn")])},
        Actions={action.key: fis.ExperimentTemplateAction(
            ActionId=action.action_id, Description=f"{game.name}: {action.action_id}", Targets={"Functions": "Canary"},
            Parameters={"duration": gamedays.iso_duration(t.bp.game_days.duration.whole_seconds),
                        **dict(action.parameters)})},
        LogConfiguration=fis.ExperimentTemplateLogConfiguration(
            CloudWatchLogsConfiguration=fis.CloudWatchLogsConfiguration(LogGroupArn=GetAtt(group, "Arn")),
            LogSchemaVersion=2),
        ExperimentOptions=fis.ExperimentTemplateExperimentOptions(AccountTargeting="single-account",
                                                                  EmptyTargetResolutionMode="fail"),
        Tags=t.tag_map(**{"drgen:gameday": game.name})))
