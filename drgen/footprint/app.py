"""The app layer: the alerts topic, queues, functions and their triggers, the API, alarms, the events
dead-letter queue, the forwarding of failover alarms, the dashboard."""

from __future__ import annotations

import json

from drgen import auth, configs, metrics, naming
from drgen.diagnostics import Path
from drgen.footprint.items import OWN, PART, Footprint, export, js, lengths
from drgen.layers import own_functions
from drgen.model import Blueprint, Function
from drgen.splitting import alarm_group, exported_queues, function_group, queue_exports


def lambda_function(f: Footprint, name: str, owner: Path, what: str, shape: str, role: dict[str, int],
                    function: dict[str, int]) -> None:
    """A function as ``synth.lambdas.function`` makes it: its log group, its role and the function."""
    base = naming.logical_id(name)
    f.resource(f"{base}LogGroup", owner, f"the log group of {what}", "log-group", N=len(name))
    f.resource(f"{base}Role", owner, f"the role of {what}", f"{shape}-role", N=len(name), **role)
    f.resource(naming.function_id(name), owner, what, f"{shape}-function", N=len(name), **function)


def _grants(bp: Blueprint, fn: Function) -> tuple[dict[str, int], dict[str, int]]:
    """What a function's grants add to its role's statements, and to its environment (``synth.iam``); every
    function also reads the active-region flag (``iam.flag_statements``, ``iam.flag_environment``), the same
    statements and variables whatever it holds, so in its shape's base."""
    role: dict[str, int] = {}
    p = len(bp.prefix)

    def add(out: dict[str, int], **values: int) -> None:
        for key, value in values.items():
            out[key] = out.get(key, 0) + value

    for grant in configs.grants(fn):
        kind = grant.kind
        add(role, **{f"g_{kind}_{grant.mode}": 1, f"gl_{kind}": len(grant.target),
                     f"gi_{kind}": len(naming.logical_id(grant.target)), f"gp_{kind}": p})
    env: dict[str, int] = {}
    for kind, target in dict.fromkeys((g.kind, g.target) for g in fn.access):
        add(env, **{f"e_{kind}": 1, f"el_{kind}": len(target), f"ei_{kind}": len(naming.logical_id(target)),
                    f"ep_{kind}": p})
        if kind == "database":  # the database's name, beside its host and the application's user
            add(env, en_database=len(next(d for d in bp.databases if d.name == target).database_name))
    return role, env


def _imports(bp: Blueprint, f: Footprint, outputs: list[str]) -> dict[str, int]:
    """What reading ``outputs`` of the app part through its exports adds, in a later part of a split app layer."""
    if f.layer.holds(""):
        return {}
    return {"imports": len(outputs), "importl": lengths(naming.export(bp.prefix, "app", o) for o in outputs)}


def app(bp: Blueprint, f: Footprint) -> None:
    # a per-region role decides something (LayerTemplate.condition): only alarms placed by the region's role
    if any(metrics.METRICS[a.metric].placement in ("primary", "secondaries") for a in bp.alarms
           if f.layer.holds(alarm_group(bp, a))):
        f.group = PART
        f.add("parameter", "Role", ("regions",), "the region's role", "role-parameter")
        f.group = ""
    emails = bp.failover.emails
    f.resource("AlertsTopic", ("failover", "notify"), "the alerts topic", "topic", emails=len(emails),
               emaill=lengths(emails))
    f.resource("AlertsTopicPolicy", OWN, "the alerts topic's policy", "topic-policy", tagged=0)
    export(f, "TopicArn", OWN, "the alerts topic export")
    shared = exported_queues(bp, f.layer)
    for i, queue in enumerate(bp.queues):
        what, n = f"queue '{queue.name}'", queue.name
        digits = {"fifo": int(queue.fifo), "retention": len(str(queue.retention.whole_seconds))}
        if queue.dead_letter is not None:
            dl = queue.dead_letter
            f.resource(naming.dead_letter_id(n), ("queues", i), f"the dead-letter queue of {what}", "dead-letter-queue",
                       N=len(n), fifo=int(queue.fifo), retention=len(str(dl.retention.whole_seconds)))
            f.resource(naming.dead_letter_id(n) + "Policy", ("queues", i), f"the dead-letter queue policy of {what}",
                       "queue-policy", tagged=0, N=len(n))
        f.resource(naming.queue_id(n), ("queues", i), what, "queue", N=len(n), visibility=len(
            str(queue.visibility_timeout.whole_seconds)), redrive=int(queue.dead_letter is not None),
            receive=len(str(queue.dead_letter.max_receive_count)) if queue.dead_letter else 0, **digits)
        f.resource(naming.queue_id(n) + "Policy", ("queues", i), f"the policy of {what}", "queue-policy", tagged=0,
                   N=len(n))
        if n in shared:
            for output in queue_exports(n):
                export(f, output, ("queues", i), f"the export of {what}", shape="export-queue", N=len(n))
    pilot = bp.strategy == "pilot-light"
    for i, fn in enumerate(bp.functions):
        f.group = function_group(bp, fn)
        role, function = _grants(bp, fn)
        outbox = int(fn.name in configs.outbox_consumers(bp))  # synth.intake: DeleteItem and DRGEN_OUTBOX_TABLE
        function.update(vars=len(fn.environment), varl=sum(js(k) + js(v) for k, v in fn.environment), outbox=outbox,
                        vpc=int(fn.in_vpc), pilot=int(pilot), handler=len(fn.handler),
                        numbers=len(str(fn.memory)) + len(str(fn.timeout.whole_seconds)))
        role.update(_imports(bp, f, [queue_exports(g.target)[0] for g in configs.grants(fn) if g.kind == "queue"]))
        function.update(_imports(bp, f, [queue_exports(t)[1] for k, t in dict.fromkeys(
            (g.kind, g.target) for g in fn.access) if k == "queue"]))
        lambda_function(f, fn.name, ("functions", i), f"function '{fn.name}'", "blueprint",
                        dict(role, vpc=int(fn.in_vpc), outbox=outbox), function)
        for j, trigger in enumerate(fn.triggers):
            window = trigger.max_batching_window
            f.resource(naming.trigger_id(fn.name, trigger.queue), ("functions", i, "triggers", j),
                       f"the trigger of function '{fn.name}' from queue '{trigger.queue}'", "trigger", N=len(fn.name),
                       queue=len(trigger.queue), batch=len(str(trigger.batch_size)), switch=int(
                           bp.strategy != "hot-standby"), window=len(str(window.whole_seconds)) if window else 0,
                       windows=int(window is not None), **_imports(bp, f, [queue_exports(trigger.queue)[0]]))
        f.group = ""
    if "health" in own_functions(bp):
        config = js(json.dumps(configs.health(bp), sort_keys=True, separators=(",", ":")))
        queues = [naming.queue_id(q.name) for q in bp.queues]
        lambda_function(f, "health", ("api", "routes"), "drgen's health function", "health",
                  {"tables": len(bp.tables), "tablel": lengths(naming.table(bp.prefix, t.name) for t in bp.tables),
                   "queues": len(queues), "queuel": lengths(queues), "anyqueue": int(bool(queues))}, {"config": config})
        export(f, "HealthFunctionArn", ("api", "routes"), "the health function export")
    _drainer(bp, f)
    if bp.api is not None:
        _api(bp, f)
    _alarms(bp, f)
    _delivery(bp, f)
    _forward(bp, f)
    for i, queue in enumerate(bp.queues):
        f.resource(naming.logical_id(queue.name, "QueueUrlParameter"), ("queues", i),
                   f"the URL parameter of queue '{queue.name}'", "queue-parameter", N=len(queue.name))
    for i, fn in enumerate(bp.functions):
        f.group = function_group(bp, fn)
        f.resource(naming.logical_id(fn.name, "FunctionArnParameter"), ("functions", i),
                   f"the ARN parameter of function '{fn.name}'", "function-parameter", N=len(fn.name))
        f.group = ""
    if bp.api is not None:
        f.resource("ApiHostParameter", ("api",), "the API host parameter", "api-parameter")
    widgets = configs.dashboard_widgets(bp)
    if widgets:
        body = json.dumps({"widgets": widgets}, sort_keys=True, separators=(",", ":"))
        f.resource("Dashboard", ("alarms",), "the dashboard", "dashboard", body=js(body))


def _drainer(bp: Blueprint, f: Footprint) -> None:
    """drgen's outbox drainer, its schedule and the schedule's permission (``synth.intake``)."""
    queues = [naming.queue_id(q.name) for q in configs.intake_queues(bp)]
    if not queues:
        return
    config = js(json.dumps(configs.drainer(bp), sort_keys=True, separators=(",", ":")))
    lambda_function(f, "outbox-drainer", ("queues",), "drgen's outbox drainer", "drainer",
                    {"queues": len(queues), "queuel": lengths(queues)}, {"config": config})
    f.resource("OutboxDrainerSchedule", ("queues",), "the outbox drainer's schedule", "drainer-schedule",
               dlq=int(bp.runs_compute_in_secondaries))
    f.resource("OutboxDrainerScheduleInvoke", ("queues",), "the outbox drainer's invoke permission",
               "drainer-permission", tagged=0)


def _api(bp: Blueprint, f: Footprint) -> None:
    api = bp.api
    assert api is not None
    f.resource("RestApi", ("api",), "the REST API", "rest-api", N=len(api.name))
    jwt = api.jwt if "authorizer" in own_functions(bp) else None
    if jwt is not None:  # synth.authorizer
        lambda_function(f, "authorizer", ("api", "jwt"), "drgen's JWT authoriser", "authorizer", {},
                        {"config": js(auth.config_text(jwt))})
        f.resource("ApiJwtAuthorizer", ("api", "jwt"), "the API's JWT authoriser", "api-authorizer", tagged=0,
                   ttl=len(str(jwt.cache.whole_seconds)))
        f.resource("ApiJwtAuthorizerInvoke", ("api", "jwt"), "the invoke permission of the JWT authoriser",
                   "authorizer-permission", tagged=0)
    intake = {q.name for q in configs.intake_queues(bp)}
    routed = {r.name for r in api.routes if r.target == "queue" and r.name}
    queues = sorted(routed - intake)
    if routed:
        f.resource("ApiQueueRole", ("api", "routes"), "the API's queue role", "api-queue-role", queues=len(queues),
                   queuel=lengths(naming.queue_id(q) for q in queues), sqs=int(bool(queues)),
                   intake=int(bool(routed & intake)))
    if any(r.group_id_header is not None and r.deduplication_id_header is not None for r in api.routes):
        f.resource("ApiRequiredHeaders", ("api", "routes"), "the API's request validator", "api-validator", tagged=0)
    seen: dict[str, str] = {}
    for i, route in enumerate(api.routes):
        parts = [p for p in route.path.split("/") if p]
        for depth in range(1, len(parts) + 1):
            path = "/".join(parts[:depth])
            if path not in seen:
                seen[path] = naming.logical_id("path", *parts[:depth])
                parent = seen.get("/".join(parts[:depth - 1]), "")
                f.resource(seen[path], ("api", "routes", i, "path"), f"the API resource /{path}", "api-resource",
                           tagged=0, part=js(parts[depth - 1]), parent=len(parent), root=int(depth == 1))
    methods = []
    for i, route in enumerate(api.routes):
        parts = [p for p in route.path.split("/") if p]
        owner, what = ("api", "routes", i, "path"), f"route {route.method} {route.path}"
        method = naming.logical_id(route.method.lower(), "path", *(parts or ["root"]))
        methods.append(method)
        queue = next((q for q in bp.queues if q.name == route.name), None) if route.target == "queue" else None
        headers = [h for h in (route.group_id_header, route.deduplication_id_header) if h is not None]
        if queue is not None and queue.name in intake:  # synth.intake: the outbox transaction
            f.resource(method, owner, what, "api-intake-method", tagged=0, method=len(route.method),
                       fifo=int(len(headers) == 2), headerl=lengths(headers) if len(headers) == 2 else 0,
                       resource=len(seen.get("/".join(parts), "")), root=int(not parts), queue=len(queue.name),
                       fifoqueue=len(queue.name) * int(len(headers) == 2),
                       jwt=int(jwt is not None and route.auth == "jwt"))
            continue
        f.resource(method, owner, what, "api-method", tagged=0, method=len(route.method),
                   fifo=int(len(headers) == 2), headerl=lengths(headers) if len(headers) == 2 else 0,
                   resource=len(seen.get("/".join(parts), "")), root=int(not parts),
                   queue=len(naming.queue(bp.prefix, queue.name, queue.fifo)) if queue else 0, queues=int(bool(queue)),
                   health=int(route.target == "health"), function=len(naming.function_id(route.name or "health")),
                   jwt=int(jwt is not None and route.auth == "jwt" and route.target != "health"))
        if route.target != "queue":
            f.resource(naming.logical_id(route.method.lower(), "path", *(parts or ["root"]), "invoke"), owner,
                       f"the invoke permission of {what}", "permission", tagged=0, path=js("/".join(parts)),
                       function=len(naming.function_id(route.name or "health")), method=len(route.method),
                       anymethod=int(route.method == "ANY"))
    f.resource("ApiDeployment", ("api",), "the API deployment", "deployment", tagged=0, methods=len(methods),
               methodl=lengths(methods), N=len(api.name))
    f.resource("ApiAccessLogs", ("api",), "the API access log group", "log-group")
    f.resource("ApiStage", ("api",), "the API stage", "stage", stage=len(api.stage),
               throttle=js(api.throttle.rate) + js(api.throttle.burst) if api.throttle else 0,
               throttles=int(api.throttle is not None))
    export(f, "ApiId", ("api",), "the API export")
    export(f, "ApiHost", ("api",), "the API host export")
    if bp.dns is not None:
        fqdn = len(bp.dns.fqdn)
        zone = {"zone": len(bp.dns.zone_id or ""), "param": int(bp.dns.zone_id is None)}
        if bp.dns.zone_id is None:
            f.add("parameter", "HostedZoneId", ("dns",), "the hosted zone", "zone-parameter")
        f.resource("ApiCertificate", ("dns",), "the API certificate", "certificate", fqdn=fqdn, **zone)
        f.resource("ApiDomain", ("dns",), "the API domain", "domain", fqdn=fqdn)
        f.resource("ApiBasePath", ("dns",), "the API base path", "base-path", tagged=0)
        export(f, "ApiDomainTarget", ("dns",), "the API domain export")
        export(f, "ApiDomainZoneId", ("dns",), "the API domain zone export")


failover_alarms = configs.failover_alarm_names


def _alarms(bp: Blueprint, f: Footprint) -> None:
    for i, alarm in enumerate(bp.alarms):
        f.group = alarm_group(bp, alarm)
        metric = metrics.METRICS[alarm.metric]
        sets = configs.dimension_sets(bp, alarm)
        stem = naming.logical_id(alarm.name, "Alarm")
        for n, dimensions in enumerate(sets, 1):
            text = js(f"{metric.summary} ({alarm.metric}) over {alarm.threshold:g} for {alarm.periods} minute(s)"
                      + ("; starts the failover" if alarm.triggers_failover else ""))
            text += js(metric.namespace) + js(metric.metric) + js(metric.statistic) + js(alarm.threshold)
            text += js(alarm.periods) + sum(js(k) + js(v) for k, v in dimensions)
            f.resource(stem + (str(n) if len(sets) > 1 else ""), ("alarms", i), f"alarm '{alarm.name}'", "alarm",
                       tagged=0, N=len(alarm.name), text=text, suffix=len(str(n)) + 1 if len(sets) > 1 else 0,
                       subs=sum("${" in v for _, v in dimensions), dims=len(dimensions),
                       extended=int(metric.is_extended_statistic), placed=int(metric.placement != "serving"),
                       **_imports(bp, f, ["TopicArn", "TopicArn"]))
        f.group = ""


def _delivery(bp: Blueprint, f: Footprint) -> None:
    """The region's dead-letter queue for EventBridge targets and its depth alarm (``synth.delivery``)."""
    if not bp.runs_compute_in_secondaries:
        return
    f.resource("EventsDeadLetterQueue", OWN, "the dead-letter queue of drgen's EventBridge targets", "events-dlq")
    f.resource("EventsDeadLetterQueuePolicy", OWN, "its policy", "events-dlq-policy", tagged=0)
    f.resource("EventsUndeliveredAlarm", OWN, "its depth alarm", "events-dlq-alarm", tagged=0)
    export(f, "EventsDeadLetterQueueArn", OWN, "the events dead-letter queue export")


MAX_TARGETS = 5
"""EventBridge's targets per rule (``synth.alarms.MAX_TARGETS``)."""


def _forward(bp: Blueprint, f: Footprint) -> None:
    """Every region's failover alarms go to every other region's bus (``synth.alarms``), five targets a rule,
    each target under a condition naming its region."""
    names = failover_alarms(bp)
    if not (names and bp.failover.mode == "automatic" and bp.runs_compute_in_secondaries and bp.secondaries
            and f.layer.holds("")):
        return
    others = [r for r in bp.region_names if r in f.layer.regions]
    for region in others:
        f.conditions[f"IsNot{naming.region_id(region)}"] = {
            "Fn::Not": [{"Fn::Equals": [{"Ref": "AWS::Region"}, region]}]}
    regions = {"sec": len(others), "secl": lengths(others), "secid": lengths(naming.region_id(r) for r in others)}
    f.resource("ForwardFailoverAlarmsRole", ("alarms",), "the role forwarding failover alarms", "forward-role",
               **regions)
    for index in range(0, len(others), MAX_TARGETS):
        chunk, part = others[index:index + MAX_TARGETS], index // MAX_TARGETS + 1
        suffix = str(part) if index else ""
        f.resource("ForwardFailoverAlarms" + suffix, ("alarms",), "a rule forwarding failover alarms", "forward-rule",
                   alarms=len(names), alarml=lengths(names), suffix=len(suffix), sec=len(chunk), secl=lengths(chunk),
                   secid=lengths(naming.region_id(r) for r in chunk))
