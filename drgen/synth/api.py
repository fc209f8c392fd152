"""The regional REST API (app layer): routes to functions, to queues (API Gateway sends to SQS itself, with a
role scoped to the queue), and to drgen's health function; a stage with access logs, tracing and
throttling; with ``dns``, a regional custom domain whose certificate is validated in the hosted zone.

A queue route answers what SQS did, never more: for an AWS integration API Gateway matches each integration
response's ``SelectionPattern`` against the backend's HTTP status code, and the response without one is the
default (API Gateway Developer Guide, "x-amazon-apigateway-integration.responses object"; API reference,
IntegrationResponse ``selectionPattern``: "For all other HTTP and AWS back ends, the HTTP status code is
matched"). So 2xx -> 202 with SQS's ``MessageId``; 4xx -> 400 with SQS's reason when the request itself is
wrong (``CLIENT_ERRORS``), any other 4xx (throttling, KMS, access) -> 503 through ``$context.responseOverride``
(API Gateway Developer Guide, "Override your API's request and response parameters and status codes for REST
APIs": set once, at the end of the template); anything else, the default -> 503: the client retries, after a
failover in the region that is then active.
SQS is asked for JSON (``Accept: application/json``) so that the templates read it with ``$input.path``.

A route to a FIFO queue carries the message group id and deduplication id in request headers the blueprint
names; a request validator makes them required request parameters, so API Gateway itself answers 400
("Missing required request parameters") when one is absent or blank, before SQS is called (API Gateway
Developer Guide, "Request validation for REST APIs": "required request parameters in the URI, query string,
and headers of an incoming request are included and not blank").
"""

from __future__ import annotations

from typing import Any

from awacs import kms, sqs
from awacs.aws import Allow, PolicyDocument, Statement
from troposphere import GetAtt, Parameter, Ref, Sub, apigateway, certificatemanager, iam
from troposphere import awslambda as lambdar

from drgen import naming
from drgen.errors import RenderError
from drgen.model import Route
from drgen.synth import authorizer as jwt_authorizer
from drgen.synth import intake, policies, suppressions
from drgen.synth.base import LayerTemplate
from drgen.synth.functions import HEALTH, function_id
from drgen.synth.queues import queue_id

API = "RestApi"
ACCESS_LOG_FORMAT = ('{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","method":"$context.httpMethod",'
                     '"path":"$context.path","status":"$context.status","latency":"$context.responseLatency",'
                     '"integrationError":"$context.integrationErrorMessage"}')
AUTHORIZATION = {"iam": "AWS_IAM", "jwt": "CUSTOM", "none": "NONE"}
"""A route's ``auth`` -> the method's AuthorizationType (``CUSTOM``: drgen's JWT authoriser, ``synth.authorizer``)."""


def _resources(t: LayerTemplate, api: apigateway.RestApi, routes: tuple[Route, ...]) -> dict[str, Any]:
    """An API Gateway resource for every path prefix the routes use; path -> its id."""
    ids: dict[str, Any] = {"": GetAtt(api, "RootResourceId")}
    for route in routes:
        parts = [p for p in route.path.split("/") if p]
        for depth in range(1, len(parts) + 1):
            path = "/".join(parts[:depth])
            if path not in ids:
                resource = t.add(apigateway.Resource(naming.logical_id("path", *parts[:depth]), RestApiId=Ref(api),
                                                     ParentId=ids["/".join(parts[: depth - 1])], PathPart=parts[depth - 1]))
                ids[path] = Ref(resource)
    return ids


def _queue_role(t: LayerTemplate) -> iam.Role:
    """API Gateway's role: SQS for the routes that send to a queue, the outbox for the durable intake's routes."""
    routes = t.bp.api.routes if t.bp.api else ()
    queues = sorted({r.name for r in routes if r.target == "queue" and r.name and not intake.is_intake(t, r)})
    statements = []
    if queues:
        statements += [Statement(Sid="Send", Effect=Allow, Action=[sqs.SendMessage],
                                 Resource=[GetAtt(queue_id(q), "Arn") for q in queues]),
                       Statement(Sid="EncryptMessages", Effect=Allow, Action=[kms.GenerateDataKey, kms.Decrypt],
                                 Resource=[t.key_arn()])]
    return t.add(iam.Role(
        "ApiQueueRole", RoleName=Sub(naming.role(t.prefix, "api-sqs", "${AWS::Region}")),
        Description="API Gateway sends the API's queue routes to SQS or to the durable intake's outbox",
        AssumeRolePolicyDocument=policies.trust("apigateway.amazonaws.com"),
        Policies=[iam.Policy(PolicyName="send", PolicyDocument=PolicyDocument(
            Version=policies.VERSION, Statement=statements + intake.api_statements(t)))],
    ))


CLIENT_ERRORS = ("MissingParameter", "InvalidParameterValue", "InvalidMessageContents")
"""SQS error codes that mean the request is wrong (no or empty body, a body over the size limit, characters SQS
refuses, a malformed group or deduplication id): 400, do not retry. Every other 4xx is SQS's or drgen's side."""

ACCEPTED = '{"messageId": $input.json(\'$.SendMessageResponse.SendMessageResult.MessageId\'), "requestId": "$context.requestId"}'
REFUSED = "\n".join([
    # SQS's JSON error is {"Error": {"Code", "Message", "Type"}, "RequestId"}; the XML form wraps it in
    # ErrorResponse, so that shape is read too. An unreadable body leaves $code unset: 503.
    "#set($code = $input.path('$.Error.Code'))",
    "#set($reason = $input.json('$.Error.Message'))",
    '#if("$!code" == "")',
    "#set($code = $input.path('$.ErrorResponse.Error.Code'))",
    "#set($reason = $input.json('$.ErrorResponse.Error.Message'))",
    "#end",
    "#if(" + " || ".join(f'$code == "{c}"' for c in CLIENT_ERRORS) + ")",
    '{"message": $reason, "code": "$code", "requestId": "$context.requestId"}',
    "#else",
    "#set($context.responseOverride.status = 503)",
    '{"message": "the queue cannot take the request now: retry", "requestId": "$context.requestId"}',
    "#end",
])
UNAVAILABLE = '{"message": "the queue cannot take the request now: retry", "requestId": "$context.requestId"}'


def fifo_headers(route: Route) -> dict[str, str]:
    """SQS parameter -> the request header carrying it, for a route to a FIFO queue (empty otherwise)."""
    if route.group_id_header is None or route.deduplication_id_header is None:
        return {}
    return {"MessageGroupId": route.group_id_header, "MessageDeduplicationId": route.deduplication_id_header}


def send_message_template(route: Route) -> str:
    """The request mapping template: a form-encoded SQS SendMessage of the request body (and FIFO ids)."""
    fields = ["Action=SendMessage", "MessageBody=$util.urlEncode($input.body)"]
    fields += [f"{param}=$util.urlEncode($input.params('{header}'))" for param, header in fifo_headers(route).items()]
    return "&".join(fields)


def _integration(t: LayerTemplate, route: Route) -> apigateway.Integration:
    if intake.is_intake(t, route):
        return intake.integration(t, route)
    if route.target == "queue":
        queue = next(q for q in t.bp.queues if q.name == route.name)
        return apigateway.Integration(
            Type="AWS", IntegrationHttpMethod="POST", Credentials=GetAtt("ApiQueueRole", "Arn"),
            Uri=Sub(f"arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:sqs:path/${{AWS::AccountId}}/"
                    f"{naming.queue(t.prefix, queue.name, queue.fifo)}"),
            RequestParameters={"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'",
                               "integration.request.header.Accept": "'application/json'"},
            RequestTemplates={"application/json": send_message_template(route)},
            PassthroughBehavior="NEVER",
            IntegrationResponses=[
                apigateway.IntegrationResponse(StatusCode="202", SelectionPattern=r"2\d{2}",
                                               ResponseTemplates={"application/json": ACCEPTED}),
                apigateway.IntegrationResponse(StatusCode="400", SelectionPattern=r"4\d{2}",
                                               ResponseTemplates={"application/json": REFUSED}),
                # no SelectionPattern: the default, for 5xx and anything else
                apigateway.IntegrationResponse(StatusCode="503", ResponseTemplates={"application/json": UNAVAILABLE}),
            ],
        )
    target = HEALTH if route.target == "health" else str(route.name)
    return apigateway.Integration(
        Type="AWS_PROXY", IntegrationHttpMethod="POST",
        Uri=Sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                "${Function}/invocations", {"Function": GetAtt(function_id(target), "Arn")}))


def contribute(t: LayerTemplate) -> None:
    spec = t.bp.api
    if spec is None or not t.layer.holds(""):
        return
    api = t.add(apigateway.RestApi(API, Name=naming.api(t.prefix, spec.name), Description=f"{t.prefix} {spec.name}",
                                   EndpointConfiguration=apigateway.EndpointConfiguration(Types=["REGIONAL"])))
    if any(r.target == "queue" for r in spec.routes):
        _queue_role(t)
    ids = _resources(t, api, spec.routes)
    authorizer = jwt_authorizer.contribute(t, api)
    validator = None
    if any(fifo_headers(r) for r in spec.routes):
        validator = t.add(apigateway.RequestValidator(
            "ApiRequiredHeaders", RestApiId=Ref(api), Name="required-headers", ValidateRequestParameters=True,
            ValidateRequestBody=False))
    methods = []
    for route in spec.routes:
        path = "/".join(p for p in route.path.split("/") if p)
        open_route = route.target == "health"
        required: dict[str, Any] = {}
        if fifo_headers(route):
            required = {"RequestParameters": {f"method.request.header.{h}": True for h in fifo_headers(route).values()},
                        "RequestValidatorId": Ref(validator)}
        how = "none" if open_route else route.auth
        if how == "jwt":
            if authorizer is None:
                raise RenderError(f"route {route.method} {route.path} is authorised by JWT, but the API has no jwt "
                                  "section (E325)")
            required["AuthorizerId"] = Ref(authorizer)
        method = t.add(apigateway.Method(
            naming.logical_id(route.method.lower(), "path", *(path.split("/") if path else ["root"])),
            RestApiId=Ref(api), ResourceId=ids[path], HttpMethod=route.method,
            AuthorizationType=AUTHORIZATION[how], Integration=_integration(t, route),
            MethodResponses=[apigateway.MethodResponse(StatusCode=code) for code in ("202", "400", "503")]
            if route.target == "queue" else [],
            **required,
        ))
        if open_route:
            t.suppress(method, suppressions.OPEN_HEALTH)
        methods.append(method.title)
        if route.target != "queue":
            target = HEALTH if open_route else str(route.name)
            permission = t.add(lambdar.Permission(
                naming.logical_id(route.method.lower(), "path", *(path.split("/") if path else ["root"]), "invoke"),
                Action="lambda:InvokeFunction", FunctionName=Ref(function_id(target)), Principal="apigateway.amazonaws.com",
                SourceArn=Sub(f"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{{API}}}/*/"
                              f"{route.method if route.method != 'ANY' else '*'}/{path}")))
            t.suppress(permission, suppressions.INVOKED_BY_OWN_API)
    deployment = t.add(apigateway.Deployment("ApiDeployment", RestApiId=Ref(api), DependsOn=methods,
                                             Description=f"{t.prefix} {spec.name}"))
    access_logs = t.log_group("ApiAccessLogs", f"/drgen/{t.prefix}/api-access")
    throttle = {}
    if spec.throttle is not None:
        throttle = {"ThrottlingRateLimit": spec.throttle.rate, "ThrottlingBurstLimit": spec.throttle.burst}
    stage = t.add(apigateway.Stage(
        "ApiStage", RestApiId=Ref(api), DeploymentId=Ref(deployment), StageName=spec.stage, TracingEnabled=True,
        AccessLogSetting=apigateway.AccessLogSetting(DestinationArn=GetAtt(access_logs, "Arn"), Format=ACCESS_LOG_FORMAT),
        MethodSettings=[apigateway.MethodSetting(ResourcePath="/*", HttpMethod="*", MetricsEnabled=True, **throttle)],
    ))
    t.suppress(stage, suppressions.NO_CACHE, suppressions.NO_EXECUTION_LOGGING)
    t.export("ApiId", Ref(api), "The region's REST API")
    t.export("ApiHost", Sub(f"${{{API}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"),
             "The API's regional host name (Route 53 health checks call it)")
    if t.bp.dns is not None:
        _custom_domain(t, api, stage)


def _custom_domain(t: LayerTemplate, api: apigateway.RestApi, stage: apigateway.Stage) -> None:
    dns = t.bp.dns
    assert dns is not None
    zone: Any = dns.zone_id
    if zone is None:
        t.template.add_parameter(Parameter("HostedZoneId", Type="String",
                                           Description="The hosted zone drgen created (the zone stack's output)"))
        t.deploy_parameters.append("HostedZoneId")
        zone = Ref("HostedZoneId")
    certificate = t.add(certificatemanager.Certificate(
        "ApiCertificate", DomainName=dns.fqdn, ValidationMethod="DNS",
        DomainValidationOptions=[certificatemanager.DomainValidationOption(DomainName=dns.fqdn, HostedZoneId=zone)]))
    domain = t.add(apigateway.DomainName(
        "ApiDomain", DomainName=dns.fqdn, RegionalCertificateArn=Ref(certificate), SecurityPolicy="TLS_1_2",
        EndpointConfiguration=apigateway.EndpointConfiguration(Types=["REGIONAL"])))
    t.add(apigateway.BasePathMapping("ApiBasePath", DomainName=Ref(domain), RestApiId=Ref(api), Stage=Ref(stage)))
    t.export("ApiDomainTarget", GetAtt(domain, "RegionalDomainName"), "Where the failover record points")
    t.export("ApiDomainZoneId", GetAtt(domain, "RegionalHostedZoneId"), "The hosted zone of that target")
