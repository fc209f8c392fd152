"""The ``gamedays`` stack (primary region, opt-in): an ``AWS::FIS::ExperimentTemplate`` per game day.

Each template (``drgen.gamedays`` says which and what they do) names its targets by ARN - the primary's private
subnets and route tables (the network layer's exports), its global tables, buckets and Aurora clusters - stops
when any of the blueprint's stop alarms fires, and logs to an encrypted log group kept a year. The experiment
role may do what the actions need on those ARNs only; what FIS creates while it runs (network ACLs, route
tables and prefix lists it removes again) is named by type in this region and account, and only the reads AWS
authorizes on ``*`` alone (EC2's Describe calls, the tagging API, the log-delivery calls) are granted on ``*``.
"""

from __future__ import annotations

from typing import Any

from awacs.aws import Action, Allow, PolicyDocument, Statement
from troposphere import GetAtt, Ref, Select, Split, Sub, fis, iam

from drgen import gamedays, naming
from drgen.gamedays import GameDay
from drgen.synth import policies
from drgen.synth.base import LayerTemplate, arn

LOG_GROUP = "ExperimentLogGroup"
UNSCOPED_READS = "AWS authorizes these reads and the log-delivery calls on * alone (no resource type)"


def _ec2(resource: str) -> Sub:
    return arn("ec2", resource)


def ec2(*names: str) -> list[Action]:
    return [Action("ec2", n) for n in names]


def resources(t: LayerTemplate) -> dict[str, list[Any]]:
    """What each kind of target is: ARNs in the primary region."""
    bp = t.bp
    primary = bp.primary.name
    out: dict[str, list[Any]] = {
        "tables": [arn("dynamodb", f"table/{naming.table(t.prefix, table.name)}") for table in bp.tables],
        "buckets": [Sub(f"arn:${{AWS::Partition}}:s3:::{naming.bucket(t.prefix, b.name, primary)}") for b in bp.buckets],
        "clusters": [arn("rds", f"cluster:{naming.db_cluster(t.prefix, db.name, primary)}") for db in bp.databases],
    }
    out["tables+control"] = [*out["tables"], arn("dynamodb", f"table/{naming.control_table(t.prefix)}")]
    if bp.needs_vpc:
        zones = range(len(bp.primary.zones))
        subnets = Split(",", t.imported("network", "PrivateSubnetIds"))
        tables = Split(",", t.imported("network", "PrivateRouteTableIds"))
        out["subnets"] = [Sub("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/${Id}",
                              {"Id": Select(i, subnets)}) for i in zones]
        out["route-tables"] = [Sub("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:route-table/${Id}",
                                   {"Id": Select(i, tables)}) for i in zones]
        out["vpc"] = [Sub("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc/${Id}",
                          {"Id": t.imported("network", "VpcId")})]
    return out


def _statements(t: LayerTemplate, days: tuple[GameDay, ...], found: dict[str, list[Any]]) -> list[Statement]:
    used = {a.action_id for day in days for a in day.actions}
    out: list[Statement] = []
    if "aws:network:disrupt-connectivity" in used:
        out += [
            Statement(Sid="CreateNetworkAcls", Effect=Allow, Action=ec2("CreateNetworkAcl"),
                      Resource=[*found["vpc"], _ec2("network-acl/*")]),
            Statement(Sid="SwapNetworkAcls", Effect=Allow, Action=ec2("ReplaceNetworkAclAssociation"),
                      Resource=[*found["subnets"], _ec2("network-acl/*")]),
            Statement(Sid="FisNetworkAcls", Effect=Allow, Action=ec2("CreateNetworkAclEntry", "DeleteNetworkAcl"),
                      Resource=[_ec2("network-acl/*")]),
        ]
    if "aws:network:route-table-disrupt-cross-region-connectivity" in used:
        out += [
            Statement(Sid="CreateRouteTables", Effect=Allow, Action=ec2("CreateRouteTable"),
                      Resource=[*found["vpc"], _ec2("route-table/*")]),
            Statement(Sid="SwapRouteTables", Effect=Allow,
                      Action=ec2("AssociateRouteTable", "DisassociateRouteTable", "ReplaceRouteTableAssociation"),
                      Resource=[*found["subnets"], *found["route-tables"], _ec2("route-table/*")]),
            Statement(Sid="FisRouteTables", Effect=Allow, Action=ec2("CreateRoute", "DeleteRouteTable"),
                      Resource=[_ec2("route-table/*")]),
            Statement(Sid="FisPrefixLists", Effect=Allow,
                      Action=ec2("CreateManagedPrefixList", "ModifyManagedPrefixList", "DeleteManagedPrefixList",
                                 "GetManagedPrefixListEntries"),
                      Resource=[_ec2("prefix-list/*"), arn("ec2", "prefix-list/*", account="aws")]),
            Statement(Sid="FisEndpoints", Effect=Allow, Action=ec2("ModifyVpcEndpoint"),
                      Resource=[_ec2("vpc-endpoint/*"), *found["route-tables"], _ec2("route-table/*")]),
        ]
    if used & {"aws:network:disrupt-connectivity", "aws:network:route-table-disrupt-cross-region-connectivity"}:
        out.append(Statement(Sid="TagWhatFisCreates", Effect=Allow, Action=ec2("CreateTags"),
                             Resource=[_ec2("network-acl/*"), _ec2("route-table/*"), _ec2("prefix-list/*")]))
    if "aws:dynamodb:global-table-pause-replication" in used:
        kind = "tables+control" if any(a.resources == "tables+control" for d in days for a in d.actions) else "tables"
        out.append(Statement(Sid="PauseTables", Effect=Allow,
                             Action=[Action("dynamodb", n) for n in ("DescribeTable", "GetResourcePolicy",
                                                                     "PutResourcePolicy", "DeleteResourcePolicy")],
                             Resource=found[kind]))
    if "aws:s3:bucket-pause-replication" in used:
        out.append(Statement(Sid="PauseBuckets", Effect=Allow,
                             Action=[Action("s3", n) for n in ("GetReplicationConfiguration",
                                                               "PutReplicationConfiguration", "PauseReplication")],
                             Resource=found["buckets"]))
    if "aws:rds:failover-db-cluster" in used:
        out.append(Statement(Sid="FailOverWriters", Effect=Allow,
                             Action=[Action("rds", "DescribeDBClusters"), Action("rds", "FailoverDBCluster")],
                             Resource=found["clusters"]))
    reads = [Action("tag", "GetResources"), Action("logs", "CreateLogDelivery"),
             Action("logs", "PutResourcePolicy"), Action("logs", "DescribeResourcePolicies"),
             Action("logs", "DescribeLogGroups")]
    if any(a.startswith("aws:network:") for a in used):
        reads += ec2("DescribeNetworkAcls", "DescribeManagedPrefixLists", "DescribeRouteTables", "DescribeSubnets",
                     "DescribeVpcs", "DescribeVpcPeeringConnections", "DescribeNetworkInterfaces",
                     "DescribeVpcEndpoints")
    if "aws:s3:bucket-pause-replication" in used:
        reads.append(Action("s3", "ListAllMyBuckets"))
    out.append(Statement(Sid="ReadsOnStarOnly", Effect=Allow, Action=reads, Resource=["*"]))
    return out


def _template(t: LayerTemplate, day: GameDay, role: iam.Role, found: dict[str, list[Any]],
              stops: list[fis.ExperimentTemplateStopCondition]) -> fis.ExperimentTemplate:
    assert t.bp.game_days is not None
    duration = gamedays.iso_duration(t.bp.game_days.duration.whole_seconds)
    targets: dict[str, fis.ExperimentTemplateTarget] = {}
    actions: dict[str, fis.ExperimentTemplateAction] = {}
    for action in day.actions:
        arns = found[action.resources]
        chunks = [arns[i:i + gamedays.MAX_ARNS_PER_TARGET] for i in range(0, len(arns), gamedays.MAX_ARNS_PER_TARGET)]
        for index, chunk in enumerate(chunks):
            key = action.key + (str(index + 1) if len(chunks) > 1 else "")
            targets[key] = fis.ExperimentTemplateTarget(ResourceType=action.resource_type, SelectionMode="ALL",
                                                        ResourceArns=chunk)
            parameters = dict(action.parameters)
            if action.timed:
                parameters["duration"] = duration
            kind = {"subnets": "Subnets", "route-tables": "RouteTables", "buckets": "Buckets",
                    "clusters": "Clusters"}.get(action.resources, "Tables")
            actions[key] = fis.ExperimentTemplateAction(
                ActionId=action.action_id, Description=f"{day.name}: {action.action_id}",
                Targets={kind: key}, **({"Parameters": parameters} if parameters else {}))
    return fis.ExperimentTemplate(
        naming.logical_id(day.name, "Experiment"),
        Description=naming.cut(f"drgen {t.prefix} game day {day.name}: {day.summary}. Expected: {day.expected}", 512),
        RoleArn=GetAtt(role, "Arn"), StopConditions=stops, Targets=targets, Actions=actions,
        LogConfiguration=fis.ExperimentTemplateLogConfiguration(
            CloudWatchLogsConfiguration=fis.CloudWatchLogsConfiguration(LogGroupArn=GetAtt(LOG_GROUP, "Arn")),
            LogSchemaVersion=2),
        ExperimentOptions=fis.ExperimentTemplateExperimentOptions(AccountTargeting="single-account",
                                                                  EmptyTargetResolutionMode="fail"),
        Tags=t.tag_map(**{"drgen:gameday": day.name}))


def contribute(t: LayerTemplate) -> None:
    days = gamedays.in_primary(t.bp)
    found = resources(t)
    t.log_group(LOG_GROUP, f"/drgen/{t.prefix}/fis-experiments")
    role = t.add(iam.Role(
        "ExperimentRole", RoleName=Sub(naming.role(t.prefix, "fis", "${AWS::Region}")),
        Description="AWS FIS runs the blueprint's game days with it, on the blueprint's resources only",
        AssumeRolePolicyDocument=policies.trust("fis.amazonaws.com"),
        Policies=[iam.Policy(PolicyName="game-days", PolicyDocument=PolicyDocument(
            Version=policies.VERSION, Statement=_statements(t, days, found)))]))
    stops = [fis.ExperimentTemplateStopCondition(Source="aws:cloudwatch:alarm", Value=arn("cloudwatch", f"alarm:{name}"))
             for name in gamedays.stop_alarms(t.bp)]
    for day in days:
        template = t.add(_template(t, day, role, found, stops))
        t.output(naming.logical_id(day.name, "TemplateId"), Ref(template),
                 f"The FIS experiment template of the {day.name} game day")
