"""drgen's JWT authoriser (app layer): a Lambda REQUEST authoriser of the regional API, in every region.

A route authorised by IAM is bound to the region its client signs for (SigV4's credential scope); a route with
``auth: jwt`` is checked by this authoriser against the blueprint's issuer, audiences and keys, which name no
region, so a token is accepted by whichever region serves after a failover.

- REQUEST, not TOKEN: the identity sources are the ``Authorization`` header, the method and the resource path,
  so API Gateway caches an answer per token and route (API Gateway Developer Guide, "Use API Gateway Lambda
  authorizers": for a REQUEST authorizer the identity sources make the caching key), and the policy the
  authoriser returns can allow exactly that route - a cached answer is never applied to another route. A
  request without the header is answered 401 by API Gateway without invoking the function.
- The function's role only writes its own logs (and X-Ray segments, as every drgen function); it reads the keys
  from its configuration or fetches the issuer's JWKS over https, which needs no AWS permission. It runs outside
  the VPC: the issuer is on the internet.
- API Gateway may invoke it only as this API's authoriser (``SourceArn`` .../authorizers/<id>).
"""

from __future__ import annotations

from troposphere import GetAtt, Ref, Sub, apigateway
from troposphere import awslambda as lambdar

from drgen import auth
from drgen.synth import suppressions
from drgen.synth.base import LayerTemplate
from drgen.synth.lambdas import function

AUTHORIZER = "authorizer"
"""drgen's own function name for the authoriser (``layers.own_functions``)."""
IDENTITY_SOURCE = "method.request.header.Authorization,context.httpMethod,context.resourcePath"


def contribute(t: LayerTemplate, api: apigateway.RestApi) -> apigateway.Authorizer | None:
    """The API's JWT authoriser when a route uses it, else ``None``."""
    spec = t.bp.api
    if spec is None or spec.jwt is None or not any(r.auth == "jwt" for r in spec.routes):
        return None
    fn = function(t, AUTHORIZER, handler="handler.handler", runtime="python3.12", memory=256, timeout=10,
                  statements=[], environment={"DRGEN_CONFIG": auth.config_text(spec.jwt)},
                  suppress=[suppressions.CONCURRENCY, suppressions.AUTHORIZER_SYNC,
                            suppressions.AUTHORIZER_OUTSIDE_VPC])
    authorizer = t.add(apigateway.Authorizer(
        "ApiJwtAuthorizer", RestApiId=Ref(api), Name="jwt", Type="REQUEST", IdentitySource=IDENTITY_SOURCE,
        AuthorizerResultTtlInSeconds=spec.jwt.cache.whole_seconds,
        AuthorizerUri=Sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                          "${Function}/invocations", {"Function": GetAtt(fn, "Arn")})))
    t.add(lambdar.Permission(
        "ApiJwtAuthorizerInvoke", Action="lambda:InvokeFunction", FunctionName=Ref(fn),
        Principal="apigateway.amazonaws.com",
        SourceArn=Sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/authorizers/"
                      "${Authorizer}", {"Api": Ref(api), "Authorizer": Ref(authorizer)})))
    return authorizer
