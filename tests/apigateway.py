"""A small emulation of what API Gateway (REST API, non-proxy AWS integration) does with the parts of a method
drgen renders for a queue route, so that tests drive the rendered Velocity templates and selection patterns
instead of only reading them. It is deliberately partial and says so: anything a template uses that is not
emulated here raises, so a template cannot pass by rendering a reference literally.

Emulated, as the API Gateway Developer Guide documents it ("Variables for data transformations", "Use a
request validator", "x-amazon-apigateway-integration.responses object", "Override your API's request and
response parameters and status codes"):

- request validation: a method with a validator that validates request parameters refuses a request whose
  required header is absent or blank with 400 ``{"message": "Missing required request parameters: [...]"}``
  before the integration is called. Header names match case-insensitively (HTTP).
- ``$input.body`` (the raw payload), ``$input.path(p)`` (JSONPath ``p`` on the payload, as an object),
  ``$input.json(p)`` (the same, serialised as JSON), ``$input.params(name)`` (the request parameter ``name``,
  searched in the path, the query string, then the headers). JSONPath: ``$``, ``$.a.b`` dotted paths and list
  indices (``$.a[0].b``) only; a path that does not resolve, or a payload that is not JSON, gives null.
- ``$util.urlEncode(s)``: Java's ``URLEncoder.encode(s, "UTF-8")``: letters, digits and ``.-*_`` stay, a space
  becomes ``+``, everything else is percent-encoded UTF-8 (``~`` too). ``$util.escapeJavaScript(s)``: Apache
  Commons ``escapeJavaScript`` (quotes, backslash, ``/`` and control characters escaped, non-ASCII as \\uXXXX).
  ``$util.base64Encode(s)``: the standard base64 of the string's UTF-8 bytes.
- ``$context.requestId``, ``$context.requestTimeEpoch`` (milliseconds), and ``$context.responseOverride.status``
  set in a response template.
- integration response selection for an AWS integration: each ``SelectionPattern`` is a regular expression
  matched against the whole backend HTTP status code; the response without one is the default.
- a template rendered as ``Fn::Sub`` (CloudFormation, before API Gateway sees it): ``${AWS::Region}`` and
  ``${AWS::Partition}`` are replaced; any other ``${...}`` raises.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import airspeed


class NotEmulated(AssertionError):
    """A template used something this emulation does not implement."""


def url_encode(value: str) -> str:
    return urllib.parse.quote_plus(value, safe="*").replace("~", "%7E")


def escape_javascript(value: str) -> str:
    out = []
    for ch in value:
        if ch in "\"'\\/":
            out.append("\\" + ch)
        elif ch in "\b\f\n\r\t":
            out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        elif ord(ch) < 32 or ord(ch) > 127:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def _json_path(payload: str, path: str) -> Any:
    if not re.fullmatch(r"\$(\.[A-Za-z_][A-Za-z0-9_]*(\[\d+\])*)*", path):
        raise NotEmulated(f"JSONPath {path!r}: only $, $.a.b and $.a[0] paths are emulated")
    try:
        node: Any = json.loads(payload)
    except ValueError:
        return None
    for step in re.findall(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]", path):
        name, index = step
        if name:
            if not isinstance(node, dict) or name not in node:
                return None
            node = node[name]
        else:
            if not isinstance(node, list) or int(index) >= len(node):
                return None
            node = node[int(index)]
    return node


def substituted(template: Any, region: str = "us-east-1", partition: str = "aws") -> str:
    """A template as API Gateway receives it: a plain string, or an ``Fn::Sub`` CloudFormation resolved."""
    if isinstance(template, str):
        return template
    text = template["Fn::Sub"]
    if not isinstance(text, str):
        raise NotEmulated("Fn::Sub with a variable map is not emulated")
    text = text.replace("${AWS::Region}", region).replace("${AWS::Partition}", partition)
    if "${" in text:
        raise NotEmulated(f"Fn::Sub variable in {text!r} is not emulated")
    return text


class _Strict:
    """An object whose unknown attributes raise instead of rendering as literal text."""

    def __getattr__(self, name: str) -> Any:
        raise NotEmulated(f"${type(self).__name__.lower().strip('_')}.{name} is not emulated")


class _Input(_Strict):
    def __init__(self, body: str, headers: dict[str, str], query: dict[str, str]) -> None:
        self.body = body
        self._headers = headers
        self._query = query

    def path(self, p: str) -> Any:
        return _json_path(self.body, p)

    def json(self, p: str) -> str:
        return json.dumps(_json_path(self.body, p))

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return {"path": {}, "querystring": dict(self._query), "header": dict(self._headers)}
        if name in self._query:
            return self._query[name]
        return next((v for k, v in self._headers.items() if k.lower() == name.lower()), "")


class _Util(_Strict):
    def urlEncode(self, value: str) -> str:  # API Gateway's name
        return url_encode(value)

    def escapeJavaScript(self, value: str) -> str:  # API Gateway's name
        return escape_javascript(value)

    def base64Encode(self, value: str) -> str:  # API Gateway's name
        return base64.b64encode(value.encode("utf-8")).decode("ascii")


@dataclass
class Request:
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    request_id: str = "c0ffee00-0000-4000-8000-000000000001"
    time_epoch: int = 1_764_547_200_000
    region: str = "us-east-1"


def _render(template: str, request: Request, body: str, context: dict[str, Any]) -> str:
    names = {"input": _Input(body, request.headers, request.query), "util": _Util(), "context": context}
    for reference in re.findall(r"\$!?\{?([A-Za-z_]\w*)", template):
        if reference not in names and not re.search(rf"#set\(\s*\${reference}\b", template):
            raise NotEmulated(f"${reference} is not emulated")
    return str(_compiled(template).merge(names))


@functools.lru_cache(maxsize=64)
def _compiled(template: str) -> airspeed.Template:
    return airspeed.Template(template)


@dataclass
class Response:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


def validate(resources: dict[str, Any], method: dict[str, Any], request: Request) -> Response | None:
    """API Gateway's request validation of ``method`` (a rendered AWS::ApiGateway::Method): a 400, or None."""
    props = method["Properties"]
    validator_id = props.get("RequestValidatorId")
    if validator_id is None:
        return None
    validator = resources[validator_id["Ref"]]["Properties"]
    if not validator.get("ValidateRequestParameters"):
        return None
    missing = []
    for name, required in props.get("RequestParameters", {}).items():
        kind, _, key = name.removeprefix("method.request.").partition(".")
        if not required:
            continue
        source = request.headers if kind == "header" else request.query
        value = next((v for k, v in source.items() if (k.lower() == key.lower() if kind == "header" else k == key)), "")
        if not value.strip():
            missing.append(key)
    if missing:
        return Response(400, json.dumps({"message": f"Missing required request parameters: [{', '.join(missing)}]"}))
    return None


def integration_request(method: dict[str, Any], request: Request) -> str:
    """The body API Gateway sends to the backend: the request template for application/json, evaluated."""
    integration = method["Properties"]["Integration"]
    return _render(substituted(integration["RequestTemplates"]["application/json"], request.region), request,
                   request.body, {"requestId": request.request_id, "requestTimeEpoch": request.time_epoch})


def integration_response(method: dict[str, Any], request: Request, status: int, backend_body: str) -> Response:
    """What the client gets when the backend answered ``status`` with ``backend_body``."""
    responses = method["Properties"]["Integration"]["IntegrationResponses"]
    defaults = [r for r in responses if "SelectionPattern" not in r]
    assert len(defaults) <= 1, "API Gateway allows one default integration response"
    matching = [r for r in responses if "SelectionPattern" in r and re.fullmatch(r["SelectionPattern"], str(status))]
    assert len(matching) <= 1, f"status {status} matches more than one selection pattern"
    chosen = matching[0] if matching else (defaults[0] if defaults else None)
    assert chosen is not None, f"status {status} matches nothing and there is no default"
    override: dict[str, Any] = {}
    body = _render(chosen["ResponseTemplates"]["application/json"], request, backend_body,
                   {"requestId": request.request_id, "responseOverride": override})
    answer = int(override.get("status", chosen["StatusCode"]))
    declared = {int(r["StatusCode"]) for r in method["Properties"].get("MethodResponses", [])}
    assert answer in declared, f"{answer} is not a method response of the route"
    return Response(answer, body)


def call(resources: dict[str, Any], method: dict[str, Any], request: Request,
         backend: Any) -> tuple[Response, str | None]:
    """A whole call: validation, the request template, ``backend(form_body) -> (status, body)``, the response.
    Returns the client's response and the body sent to the backend (None when validation refused it)."""
    refused = validate(resources, method, request)
    if refused is not None:
        return refused, None
    sent = integration_request(method, request)
    status, body = backend(sent)
    return integration_response(method, request, status, body), sent
