"""The layers that fail over: the orchestration layer in every secondary and the dns stack."""

from __future__ import annotations

import json

from drgen import asl, configs, naming
from drgen.footprint.app import failover_alarms, lambda_function
from drgen.footprint.items import OWN, Footprint, embedded, export, js, lengths
from drgen.model import Blueprint


def orchestration(bp: Blueprint, f: Footprint) -> None:
    config = js(json.dumps(configs.readiness(bp), sort_keys=True, separators=(",", ":")))
    dbs, regions = [db.name for db in bp.databases], len(bp.regions)
    functions = asl.triggered_functions(bp)
    p, primary = bp.prefix, bp.primary.name
    tables = [naming.table(p, t.name) for t in bp.tables]
    global_clusters = [naming.global_cluster(p, name) for name in dbs]
    buckets = [naming.bucket(p, b.name, r) for b in bp.buckets for r in ("${AWS::Region}", primary)]
    queues = [naming.queue(p, q.name, q.fifo) for q in bp.queues]
    lambda_function(f, "readiness", OWN, "drgen's readiness function", "readiness",
              {"tables": len(tables), "tablel": lengths(tables), "dbs": len(dbs), "anydb": int(bool(dbs)),
               "dbl": lengths(global_clusters) + lengths(naming.db_cluster(p, name, r) for name in dbs
                                                         for r in ("${AWS::Region}", primary)),
               "prim": len(primary), "dbprim": len(dbs) * len(primary),
               "buckets": len(bp.buckets), "bucketl": lengths(buckets), "anybucket": int(bool(buckets)),
               "queues": len(queues), "queuel": lengths(queues), "anyqueue": int(bool(queues))}, {"config": config})
    lambda_function(f, "promoter", OWN, "drgen's promoter function", "promoter",
              {"dbs": len(dbs), "anydb": int(bool(dbs)), "dbr": len(dbs) * regions,
               "dbrl": len(dbs) * lengths(bp.region_names),
               "dbl": lengths(global_clusters) + lengths(naming.db_cluster(p, name, r) for name in dbs
                                                         for r in bp.region_names),
               "fns": len(functions), "fnl": lengths(functions), "anyfn": int(bool(functions))}, {})
    f.resource("StateMachineLogs", OWN, "the state machine's log group", "log-group")
    f.resource("StateMachineRole", OWN, "the state machine's role", "state-machine-role")
    definition = asl.definition(bp)
    f.resource("StateMachine", OWN, "the state machine", "state-machine", definition=embedded(definition, 4),
               dbs=len(dbs), dbl=lengths(asl.db_key(d) for d in dbs) + lengths(dbs))
    f.resource("ValidateReadiness", ("failover", "validation_schedule"), "the readiness schedule", "schedule",
               schedule=js(bp.failover.validation_schedule))
    f.resource("ValidateReadinessInvoke", OWN, "its invoke permission", "readiness-permission", tagged=0)
    names = failover_alarms(bp)
    if bp.dns is not None:
        names.append(naming.alarm(bp.prefix, f"health-{bp.primary.name}"))
    if bp.failover.mode == "automatic" and names:
        f.resource("StartFailoverRole", ("failover", "mode"), "the role starting the failover", "start-role")
        f.resource("StartFailoverOnAlarm", ("failover", "mode"), "the rule starting the failover", "start-rule",
                   alarms=len(names), alarml=lengths(names))
    export(f, "StateMachineArn", OWN, "the state machine export")


def dns(bp: Blueprint, f: Footprint) -> None:
    dns, api = bp.dns, bp.api
    assert dns is not None and api is not None
    if dns.zone_id is None:
        f.add("parameter", "HostedZoneId", ("dns",), "the hosted zone", "dns-zone-parameter")
    emails = bp.failover.emails
    f.resource("AlertsKey", ("dns",), "the DNS alerts key", "dns-key")
    f.resource("DnsAlertsTopic", ("dns",), "the DNS alerts topic", "dns-topic", emails=len(emails),
               emaill=lengths(emails), param=int(dns.zone_id is None))
    serving = bp.region_names if bp.runs_compute_in_secondaries else (bp.primary.name,)
    zone = {"zone": len(dns.zone_id or ""), "param": int(dns.zone_id is None), "fqdn": len(dns.fqdn)}
    for region in serving:
        rid = naming.region_id(region)
        for stem in ("ApiHost", "ApiDomainTarget"):
            f.add("parameter", f"{stem}{rid}", ("regions",), f"the {stem} of {region}", "dns-parameter",
                  region=len(region))
        f.resource(f"HealthCheck{rid}", ("dns", "health_check"), f"the health check of {region}", "health-check",
                   region=len(region), path=len(api.stage) + len(dns.health_check.path),
                   numbers=len(str(dns.health_check.interval.whole_seconds)) + len(str(dns.health_check.failure_threshold)))
        f.resource(f"HealthAlarm{rid}", ("dns", "health_check"), f"the health alarm of {region}", "health-alarm",
                   tagged=0, region=len(region))
    ttl = {"ttl": len(str(dns.ttl.whole_seconds))}
    primary = bp.primary.name
    f.resource("PrimaryRecord", ("dns",), "the primary record", "record", tagged=0, region=len(primary), **zone, **ttl)
    secondaries = [r.name for r in bp.secondaries if r.name in serving]
    if len(secondaries) > 1:
        for region in secondaries:
            f.resource(f"Standby{naming.region_id(region)}Record", ("dns",), f"the standby record of {region}",
                       "standby-record", tagged=0, region=len(region), **zone, **ttl)
    if secondaries:
        f.resource("SecondaryRecord", ("dns",), "the secondary record", "secondary-record", tagged=0,
                   region=len(secondaries[0]) if len(secondaries) == 1 else 0, pool=int(len(secondaries) > 1),
                   **zone, **ttl)
    if bp.failover.mode == "automatic" and secondaries:
        regions = {"sec": len(secondaries), "secl": lengths(secondaries)}
        f.resource("ForwardHealthAlarmRole", ("dns",), "the role forwarding the health alarm", "dns-forward-role",
                   **regions)
        f.resource("ForwardHealthAlarm", ("dns",), "the rule forwarding the health alarm", "dns-forward-rule",
                   alarms=1, alarml=len(naming.alarm(bp.prefix, f"health-{primary}")), **regions)
