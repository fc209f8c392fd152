"""The dns stack (us-east-1): HTTPS health checks on every region's API and the failover records.

Each region has two health checks on its API's own host name and health route. The routing check
(HTTPS_STR_MATCH on ``"status":"active"``) is healthy only in the active region, so Route 53 moves the
record when the active region changes; records are never edited during a failover. The liveness check
(HTTPS: any 2xx or 3xx) is healthy in the active region and in a ready standby, and fails in a broken
region: its alarm pages, so "standby" and "broken" are told apart. With several secondaries, the
SECONDARY record points at a weighted set of them. The alarms live here, where Route 53 publishes its
metrics; none starts a failover (this is us-east-1, which may be the failed region): the canaries do.
"""

from __future__ import annotations

from typing import Any

from awacs import kms
from awacs.aws import Allow, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import Parameter, Ref, Sub, cloudwatch, route53
from troposphere import kms as kmsr
from troposphere import sns as snsr

from drgen import naming
from drgen.synth import policies, suppressions
from drgen.synth.base import LayerTemplate

ACTIVE_STRING = '"status":"active"'
"""What the routing health check searches for in the first 5,120 bytes of the health route's 2xx body."""

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
                                       Condition=Condition(StringEquals("aws:SourceAccount", {"Ref": "AWS::AccountId"})))]),
                         DeletionPolicy="Retain", UpdateReplacePolicy="Retain"))
    t.suppress(key, suppressions.DEFAULT_KEY_POLICY)
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
        config = dict(FullyQualifiedDomainName=Ref(f"ApiHost{rid}"), Port=443,
                      ResourcePath=f"/{api.stage}{dns.health_check.path}",
                      RequestInterval=dns.health_check.interval.whole_seconds,
                      FailureThreshold=dns.health_check.failure_threshold, EnableSNI=True)
        # routing: healthy only in the active region (a 2xx whose body says so); a standby's 200 does not match
        checks[region] = t.add(route53.HealthCheck(
            f"HealthCheck{rid}", HealthCheckConfig=route53.HealthCheckConfig(
                Type="HTTPS_STR_MATCH", SearchString=ACTIVE_STRING, **config),
            HealthCheckTags=t.tags(Name=f"{t.prefix}-{region}")))
        # liveness: a 2xx (active, or a ready standby) - what an operator is paged on; a broken region answers 503
        live = t.add(route53.HealthCheck(
            f"LivenessCheck{rid}", HealthCheckConfig=route53.HealthCheckConfig(Type="HTTPS", **config),
            HealthCheckTags=t.tags(Name=f"{t.prefix}-{region}-live")))
        t.template.add_resource(cloudwatch.Alarm(
            f"HealthAlarm{rid}", AlarmName=health_alarm_name(t.prefix, region),
            AlarmDescription=f"The API of {region} is broken: its health route answers 503 or nothing to Route 53's "
                             "checkers (an active region and a ready standby both answer 200). It pages; it starts "
                             "no failover - the other regions' canaries decide that from outside",
            Namespace="AWS/Route53", MetricName="HealthCheckStatus", Statistic="Minimum", Period=60, EvaluationPeriods=1,
            Threshold=1, ComparisonOperator="LessThanThreshold", TreatMissingData="breaching",
            Dimensions=[cloudwatch.MetricDimension(Name="HealthCheckId", Value=Ref(live))],
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
