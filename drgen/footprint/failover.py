"""The layers that fail over: the orchestration layer in every region (the state machine, drgen's readiness,
promoter and canary functions, detection and the rules that start a failover) and the dns stack."""

from __future__ import annotations

import json

from drgen import asl, asl_redrive, configs, gamedays, naming
from drgen.footprint.app import failover_alarms, lambda_function
from drgen.footprint.items import OWN, Footprint, embedded, export, js, lengths
from drgen.model import Blueprint


def orchestration(bp: Blueprint, f: Footprint) -> None:
    config = js(json.dumps(configs.readiness(bp), sort_keys=True, separators=(",", ":")))
    dbs, regions = [db.name for db in bp.databases], len(bp.regions)
    functions = asl.triggered_functions(bp)
    p, here = bp.prefix, "${AWS::Region}"
    tables = [naming.table(p, t.name) for t in bp.tables]
    global_clusters = [naming.global_cluster(p, name) for name in dbs]
    buckets = [naming.bucket(p, b.name, r) for b in bp.buckets for r in (here, *bp.region_names)]
    queues = [naming.queue(p, q.name, q.fifo) for q in bp.queues]
    lambda_function(f, "readiness", OWN, "drgen's readiness function", "readiness",
                    {"tables": len(tables), "tablel": lengths(tables), "dbs": len(dbs), "anydb": int(bool(dbs)),
                     "dbl": lengths(global_clusters) + lengths(naming.db_cluster(p, name, here) for name in dbs),
                     "buckets": len(bp.buckets), "bucketl": lengths(buckets), "anybucket": int(bool(buckets)),
                     "bucketr": len(bp.buckets) * regions,
                     "queues": len(queues), "queuel": lengths(queues), "anyqueue": int(bool(queues)),
                     "anyfn": int(bool(functions))}, {"config": config})
    scaled = [db.name for db in bp.databases if db.primary_instances > db.secondary_instances] \
        if asl.scales_up(bp) else []
    pilot = bp.strategy == "pilot-light" and bool(bp.functions)
    lifted = [naming.function(p, fn.name) for fn in bp.functions] if pilot else []
    lambda_function(f, "promoter", OWN, "drgen's promoter function", "promoter",
                    {"dbs": len(dbs), "anydb": int(bool(dbs)), "dbr": len(dbs) * regions,
                     "dbrl": len(dbs) * lengths(bp.region_names),
                     "dbl": lengths(global_clusters) + lengths(naming.db_cluster(p, name, r) for name in dbs
                                                               for r in bp.region_names),
                     "scaled": len(scaled), "anyscaled": int(bool(scaled)),
                     "scaledl": lengths(naming.db_cluster(p, name, here) for name in scaled),
                     "fns": len(functions), "fnl": lengths(functions), "anyfn": int(bool(functions)),
                     "pilot": int(pilot), "lifted": len(lifted), "liftedl": lengths(lifted),
                     "dim": int(pilot and bool(functions)),
                     # dimming names every triggered function a second time
                     "dimfns": len(functions) if pilot else 0, "dimfnl": lengths(functions) if pilot else 0,
                     **_redrive(bp), "flag": int(bp.failover.orchestrator == "arc-region-switch")}, {})
    f.resource("StateMachineLogs", OWN, "the state machine's log group", "log-group")
    f.resource("StateMachineRole", OWN, "the state machine's role", "state-machine-role", anydb=int(bool(dbs)))
    definition = asl.definition(bp)
    f.resource("StateMachine", OWN, "the state machine", "state-machine", definition=embedded(definition, 4),
               dbs=len(dbs), dbl=lengths(asl.db_key(d) for d in dbs) + lengths(dbs), anydb=int(bool(dbs)))
    schedule = bp.failover.validation_schedule
    f.resource("ValidateReadiness", ("failover", "validation_schedule"), "the readiness schedule", "schedule",
               schedule=js(schedule), age=len(str(max(60, min(configs.schedule_seconds(schedule) or 3600, 86_400)))))
    f.resource("ValidateReadinessInvoke", OWN, "its invoke permission", "readiness-permission", tagged=0)
    _detection(bp, f)
    export(f, "StateMachineArn", OWN, "the state machine export")


def _redrive(bp: Blueprint) -> dict[str, int]:
    """The promoter's redrive statements (``synth.orchestration._redrive_statements``)."""
    if not asl_redrive.applies(bp):
        return {}
    p, regions = bp.prefix, bp.region_names
    queues = [naming.queue(p, q.name, q.fifo) for q in bp.queues]
    dead = [naming.dead_letter_queue(p, q.name, q.fifo) for q in bp.queues if q.dead_letter is not None]
    return {"rd": 1, "rdn": len(dead + queues) * len(regions),
            "rdl": len(regions) * lengths(dead + queues) + len(dead + queues) * lengths(regions),
            "rdd": len(dead), "rddl": lengths(dead), "rdq": len(queues), "rdql": lengths(queues),
            "rdr": len(regions), "rdrl": lengths(regions)}


def _detection(bp: Blueprint, f: Footprint) -> None:
    """The canary, its schedule and alarms, and the rules that start the failover (``synth.detection``)."""
    api = bp.api
    route = next((r for r in api.routes if r.target == "health" and r.method in ("GET", "ANY")), None) if api else None
    urls = 0
    if api is not None and route is not None:
        for region in bp.region_names:
            rid = naming.region_id(region)
            f.add("parameter", f"ApiHost{rid}", ("api", "routes"), f"the API host of {region}", "canary-parameter",
                  region=len(region))
            urls += len(region) + 2 * len(rid) + len(api.stage) + len(route.path)
    interval = bp.failover.detection.probe_interval.whole_seconds
    role = {"regions": len(bp.regions), "regionl": lengths(bp.region_names), "Pr": len(bp.prefix) * len(bp.regions)}
    impaired = int(bp.game_days is not None and bp.game_days.impair_canary)  # FIS's extension (synth.canary_gameday)
    role.update(fis=impaired, fisp=impaired * len(bp.prefix))
    lambda_function(f, "canary", OWN, "drgen's canary", "canary", role,
                    {"urls": urls, "anyurl": int(bool(urls)), "prim": len(bp.primary.name), "fis": impaired,
                     "fisp": impaired * len(bp.prefix)})
    f.resource("ProbeActiveRegion", ("failover", "detection", "probe_interval"), "the canary's schedule", "probe",
               age=len(str(max(60, min(interval, 86_400)))), rate=len(str(interval // 60)))
    f.resource("ProbeActiveRegionInvoke", OWN, "its invoke permission", "probe-permission", tagged=0)
    manual = int(bp.failover.mode == "manual")
    period = min(configs.schedule_seconds(bp.failover.validation_schedule) or 86_400, 604_800)
    f.resource("ActiveRegionDownAlarm", ("failover", "detection"), "the canary's alarm", "down-alarm", tagged=0,
               manual=manual, numbers=len(str(interval)) + 2 * len(str(bp.failover.detection.failures))
               + len(str(bp.failover.detection.probe_interval)))
    f.resource("StandbyNotReadyAlarm", ("failover", "validation_schedule"), "the readiness alarm", "ready-alarm",
               tagged=0, schedule=js(bp.failover.validation_schedule), numbers=len(str(period)))
    f.resource("CanaryFailingAlarm", ("failover", "detection", "probe_interval"), "the canary's own alarm",
               "canary-alarm", tagged=0, numbers=2 * len(str(interval)) + len(str(bp.failover.detection.probe_interval)))
    if impaired:
        owner = ("game_days", "impair_canary")
        f.resource("CanaryExperimentLogGroup", owner, "the canary experiment's log group", "fis-log-group")
        f.resource("CanaryExperimentRole", owner, "the canary experiment's role", "fis-canary-role")
        f.resource(naming.logical_id(gamedays.CANARY_IMPAIRED, "Experiment"), owner,
                   "the canary-impaired experiment template", "fis-canary-experiment")
    if bp.failover.mode != "automatic":
        return
    f.resource("StartFailoverRole", ("failover", "mode"), "the role starting the failover", "start-role")
    f.resource("StartFailoverOnProbes", ("failover", "mode"), "the rule the canary's alarm starts the failover by",
               "start-probes-rule")
    names = failover_alarms(bp)
    if names:
        f.resource("StartFailoverOnAlarm", ("failover", "mode"), "the rule starting the failover", "start-rule",
                   alarms=len(names), alarml=lengths(names))


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
        f.resource(f"LivenessCheck{rid}", ("dns", "health_check"), f"the liveness check of {region}",
                   "liveness-check", region=len(region), path=len(api.stage) + len(dns.health_check.path),
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
