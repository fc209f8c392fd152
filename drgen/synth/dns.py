"""The dns stack (us-east-1): HTTPS health checks on every region's API and the failover records.

Each region's health check calls its API's own host name on the health route, which answers 200 only
in the active region; Route 53 moves the record when the active region changes. Records are never
edited during a failover. With several secondaries, the SECONDARY record points at a weighted set of
them. The health checks' status alarms live here, where Route 53 publishes its metrics.
"""

from __future__ import annotations

from typing import Any

from awacs import events, kms
from awacs.aws import Allow, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import GetAtt, Parameter, Ref, Sub, cloudwatch, iam, route53
from troposphere import events as eventsr
from troposphere import kms as kmsr
from troposphere import sns as snsr

from drgen import naming
from drgen.synth import policies
from drgen.synth.base import LayerTemplate

region_id = naming.region_id


def health_alarm_name(prefix: str, region: str) -> str:
    return naming.alarm(prefix, f"health-{region}")


def _zone(t: LayerTemplate) -> Any:
    dns = t.bp.dns
    assert dns is not None
    if dns.zone_id:
        return dns.zone_id
    t.template.add_parameter(Parameter("HostedZoneId", Type="AWS::Route53::HostedZone::Id",
                                       Description="The zone stack's HostedZoneId output"))
    t.deploy_parameters.append("HostedZoneId")
    return Ref("HostedZoneId")


def _alerts(t: LayerTemplate) -> snsr.Topic:
    key = t.add(kmsr.Key("AlertsKey", Description=f"drgen {t.prefix}: encrypts the DNS alerts topic",
                         EnableKeyRotation=True, KeyPolicy=PolicyDocument(Version=policies.VERSION, Statement=[
                             Statement(Sid="AccountAdministersThroughIam", Effect=Allow,
                                       Principal=Principal("AWS", [Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")]),
                                       Action=[kms.Action("*")], Resource=["*"]),
                             Statement(Sid="AlarmsPublish", Effect=Allow,
                                       Principal=Principal("Service", ["cloudwatch.amazonaws.com"]),
                                       Action=[kms.GenerateDataKey, kms.Decrypt], Resource=["*"],
                                       Condition=Condition(StringEquals("aws:SourceAccount", {"Ref": "AWS::AccountId"})))])))
    return t.add(snsr.Topic("DnsAlertsTopic", TopicName=f"{naming.topic(t.prefix)}-dns", KmsMasterKeyId=Ref(key),
                            Subscription=[snsr.Subscription(Protocol="email", Endpoint=e) for e in t.bp.failover.emails]))


def contribute(t: LayerTemplate) -> None:
    bp = t.bp
    dns, api = bp.dns, bp.api
    assert dns is not None and api is not None
    zone = _zone(t)
    topic = _alerts(t)
    serving = bp.region_names if bp.runs_compute_in_secondaries else (bp.primary.name,)
    checks: dict[str, route53.HealthCheck] = {}
    for region in serving:
        rid = region_id(region)
        for name, description in ((f"ApiHost{rid}", "app output ApiHost"),
                                   (f"ApiDomainTarget{rid}", "app output ApiDomainTarget")):
            t.template.add_parameter(Parameter(name, Type="String", Description=f"{region}: the {description}"))
            t.deploy_parameters.append(name)
        checks[region] = t.add(route53.HealthCheck(
            f"HealthCheck{rid}",
            HealthCheckConfig=route53.HealthCheckConfig(
                Type="HTTPS", FullyQualifiedDomainName=Ref(f"ApiHost{rid}"), Port=443,
                ResourcePath=f"/{api.stage}{dns.health_check.path}", RequestInterval=dns.health_check.interval.whole_seconds,
                FailureThreshold=dns.health_check.failure_threshold, EnableSNI=True),
            HealthCheckTags=t.tags(Name=f"{t.prefix}-{region}")))
        t.template.add_resource(cloudwatch.Alarm(
            f"HealthAlarm{rid}", AlarmName=health_alarm_name(t.prefix, region),
            AlarmDescription=f"The health check of {region} fails (Route 53 checkers cannot reach an active, healthy API)",
            Namespace="AWS/Route53", MetricName="HealthCheckStatus", Statistic="Minimum", Period=60, EvaluationPeriods=1,
            Threshold=1, ComparisonOperator="LessThanThreshold", TreatMissingData="breaching",
            Dimensions=[cloudwatch.MetricDimension(Name="HealthCheckId", Value=Ref(checks[region]))],
            AlarmActions=[Ref(topic)], OKActions=[Ref(topic)]))
    ttl = str(dns.ttl.whole_seconds)
    primary = bp.primary.name
    t.add(route53.RecordSetType(
        "PrimaryRecord", HostedZoneId=zone, Name=dns.fqdn + ".", Type="CNAME", TTL=ttl, SetIdentifier=primary,
        Failover="PRIMARY", HealthCheckId=Ref(checks[primary]), ResourceRecords=[Ref(f"ApiDomainTarget{region_id(primary)}")]))
    secondaries = [r.name for r in bp.secondaries if r.name in checks]
    if len(secondaries) == 1:
        region = secondaries[0]
        t.add(route53.RecordSetType(
            "SecondaryRecord", HostedZoneId=zone, Name=dns.fqdn + ".", Type="CNAME", TTL=ttl, SetIdentifier=region,
            Failover="SECONDARY", HealthCheckId=Ref(checks[region]),
            ResourceRecords=[Ref(f"ApiDomainTarget{region_id(region)}")]))
    elif secondaries:
        pool = f"secondaries.{dns.fqdn}."
        for region in secondaries:
            t.add(route53.RecordSetType(
                f"Standby{region_id(region)}Record", HostedZoneId=zone, Name=pool, Type="CNAME", TTL=ttl,
                SetIdentifier=region, Weight=1, HealthCheckId=Ref(checks[region]),
                ResourceRecords=[Ref(f"ApiDomainTarget{region_id(region)}")]))
        t.add(route53.RecordSetType(
            "SecondaryRecord", HostedZoneId=zone, Name=dns.fqdn + ".", Type="CNAME", TTL=ttl, SetIdentifier="standbys",
            Failover="SECONDARY", ResourceRecords=[pool]))
    if bp.failover.mode == "automatic" and secondaries:
        _forward(t, primary, secondaries)


def _forward(t: LayerTemplate, primary: str, secondaries: list[str]) -> None:
    """The primary's health alarm is a failover alarm: forward it to the secondaries, where the decision is taken."""
    buses = [Sub(f"arn:${{AWS::Partition}}:events:{r}:${{AWS::AccountId}}:event-bus/default") for r in secondaries]
    role = t.add(iam.Role(
        "ForwardHealthAlarmRole", RoleName=Sub(naming.role(t.prefix, "forward-health", "${AWS::Region}")),
        AssumeRolePolicyDocument=policies.trust("events.amazonaws.com"),
        Policies=[iam.Policy(PolicyName="put-events", PolicyDocument=PolicyDocument(Version=policies.VERSION, Statement=[
            Statement(Effect=Allow, Action=[events.PutEvents], Resource=buses)]))]))
    t.add(eventsr.Rule(
        "ForwardHealthAlarm", Name=f"{t.prefix}-forward-health-alarm",
        Description="The primary's failing health check starts the failover in the secondaries",
        EventPattern={"source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"],
                      "detail": {"alarmName": [health_alarm_name(t.prefix, primary)], "state": {"value": ["ALARM"]}}},
        Targets=[eventsr.Target(Id=f"to-{r}", Arn=bus, RoleArn=GetAtt(role, "Arn"))
                 for r, bus in zip(secondaries, buses, strict=True)]))
