"""Codes of names and references (x3xx)."""

from __future__ import annotations

from drgen.codes.entry import Code

CODES: list[Code] = [
    # Names and references
    Code("E301", "name used twice", "Names must be unique within their section."),
    Code("E302", "unresolved reference", "A reference names something that the blueprint does not define."),
    Code("E303", "alarm cannot trigger failover", "Only an alarm on a metric evaluated where the serving region "
         "runs can start a failover; replication metrics tell that the standby is behind, not that the "
         "primary is down."),
    Code("E304", "access mode not allowed", "The access mode does not exist for that kind of resource."),
    Code("E305", "function source missing", "A function's `source` folder does not exist beside the blueprint, "
         "or holds no module for its handler."),
    Code("E306", "reference needs another section", "The blueprint uses something that needs a section it "
         "does not have (e.g. `dns` needs an `api`, a health route needs `dns`)."),
    Code("E307", "metric needs a subject", "The alarm's metric is measured on a function, queue, database, table "
         "or bucket, and the alarm does not name one (or names the wrong kind)."),
    Code("E308", "trigger not allowed", "Lambda refuses the queue's event source mapping: a FIFO queue's batch above "
         "10 or with a batching window, a batch above 10 without a batching window of at least 1s, or a visibility "
         "timeout below the function's timeout.",
         source="AWS Lambda Developer Guide, \"Creating and configuring an Amazon SQS event source mapping\" (the "
                "function timeout must be less than or equal to the queue's visibility timeout) and \"Lambda "
                "parameters for Amazon SQS event source mappings\" (BatchSize at most 10 for FIFO queues; no batching "
                "window for FIFO queues); AWS Lambda API Reference, CreateEventSourceMapping (a BatchSize above 10 "
                "needs MaximumBatchingWindowInSeconds of at least 1)"),
    Code("W308", "queue visibility timeout below AWS's recommendation", "The queue's visibility timeout is at least "
         "the function's timeout, which Lambda accepts, but less than six times it: a batch retried after a "
         "throttle can become visible again and be processed twice.",
         source="AWS Lambda Developer Guide, \"Creating and configuring an Amazon SQS event source mapping\" (set "
                "the source queue's visibility timeout to at least six times the timeout of the function); Amazon "
                "SQS Developer Guide, \"Configuring an Amazon SQS queue to trigger an AWS Lambda function\""),
    Code("E309", "function source outside the blueprint's folder", "A function's `source` must be a folder inside "
         "the blueprint's folder (or inside the source root given with `--source-root`), also once every symbolic "
         "link in its path is resolved: an absolute path, a `..` that climbs out, or a link that leads out would "
         "package files from elsewhere on the machine that builds it (credentials, `/etc`) into the Lambda zip."),
    Code("E310", "function source holds a link or a file drgen cannot package", "drgen packages the regular files "
         "of a source and follows no symbolic link: a link in the source (pointing inside or out), a device, pipe "
         "or socket, or a file or folder it cannot read is refused. Put the file itself in the source instead of "
         "a link to it."),
    Code("E311", "handler function not defined", "The handler `module.function` names a function that its module "
         "does not define at its top level (a `def`, `async def`, assignment or import), or names a class. The "
         "module is parsed, never imported or run.",
         source="AWS Lambda Developer Guide, \"Define Lambda function handler in Python\" (the handler setting "
                "names the file and the function Lambda calls; a missing one fails every invocation with "
                "Runtime.HandlerNotFound)"),
    Code("E312", "handler module does not parse", "The handler's module is not valid Python, so Lambda could not "
         "import it. drgen parses it with the Python it runs on: run drgen on a Python at least as new as the "
         "function's runtime to check syntax that only newer versions accept.",
         source="AWS Lambda Developer Guide, \"Define Lambda function handler in Python\" (Lambda imports the "
                "handler's module; one that does not import fails every invocation with Runtime.ImportModuleError "
                "or Runtime.UserCodeSyntaxError)"),
    Code("E313", "tag key reserved by drgen", "A blueprint tag key starts with `drgen:` (in any case), the prefix of "
         "the tags drgen adds itself (`drgen:blueprint`, `drgen:environment`, `drgen:layer`)."),
    Code("W314", "secret-like literal in a function's environment", "An environment variable is named like a "
         "secret (password, secret, token, API key, ...) and holds a literal, or its value looks like a credential "
         "(an AWS access key id, a private key, a URL with a password, a known token format, a long random string). "
         "Environment variables are readable in the template, the render and the Lambda console: keep the secret in "
         "Secrets Manager or SSM Parameter Store and pass its name or ARN. References (ARNs, parameter names such "
         "as `/app/db-password`, `{{resolve:...}}`) and empty values are not flagged.",
         source="AWS Lambda Developer Guide, \"Working with Lambda environment variables\" (the note recommending "
                "Secrets Manager for database credentials, API keys and authorization tokens)"),
    Code("W329", "JWT authoriser that no route uses", "`api.jwt` configures drgen's authoriser, but every route "
         "is authorised with `iam` (or is the health route), so no authoriser is deployed. Set `api.auth: jwt`, or "
         "`auth: jwt` on the routes meant for it, or remove `api.jwt`."),
    Code("E322", "FIFO headers on a route that is not to a FIFO queue", "`group_id_header` and "
         "`deduplication_id_header` name the request headers that carry a FIFO message's group and deduplication "
         "ids, which SQS requires of a FIFO queue. drgen sends them only to FIFO queues: a route to a function, to "
         "the health check or to a standard queue has no use for them."),
    Code("E323", "one header for the group and the deduplication id", "The group id and the deduplication id "
         "would be the same value, so every message after the first of a group within five minutes would be "
         "taken for a duplicate: SQS accepts it and never delivers it. Name two different headers.",
         source="Amazon SQS Developer Guide, \"Using the message deduplication ID in Amazon SQS\": messages sent "
                "with a deduplication ID already used are accepted successfully but not delivered during the "
                "5-minute deduplication interval"),
    Code("E324", "master user named as the application's user", "Functions connect as `drgen_app`, the "
         "application's own database user with IAM authentication, never as the master. A `master_username` of "
         "`drgen_app` would make every `connect` grant the master's: choose another master user name."),
    Code("E325", "route authorised by a JWT authoriser the API does not define", "A route (or `api.auth`) says "
         "`auth: jwt`, but the API has no `jwt` section saying which issuer, audiences and keys the authoriser "
         "accepts. Add `api.jwt: {issuer, audience}` (and `jwks_url` or `keys`), or authorise the route with `iam`."),
    Code("E326", "JWT issuer or JWKS URL not usable", "`api.jwt.issuer` and `api.jwt.jwks_url` must be https URLs "
         "with a host and no credentials or fragment (an issuer also without a query): keys fetched over plain "
         "HTTP, or from an origin that is not authenticated, could be replaced in transit, and then any token "
         "would verify. The issuer is compared exactly with each token's `iss` claim (RFC 7519 section 4.1.1)."),
    Code("E327", "JWT key not usable", "A key in `api.jwt.keys` is not a public key drgen's authoriser verifies "
         "with: an RSA key (RS256) of 2048 bits or more with an odd exponent, or an EC key (ES256) on P-256 whose "
         "point lies on the curve, members in base64url (RFC 7517, RFC 7518 section 6). A key with private members "
         "(`d`...) is refused: the blueprint would publish the issuer's signing key. Two keys with one `kid`, or "
         "`keys` beside `jwks_url` (two key sources), are refused too."),
    Code("E328", "authorisation on the health route", "The health route is always open: Route 53 health checkers "
         "cannot sign requests or carry a token, so an authorised health route would make every region look "
         "unhealthy. Remove `auth` from it."),
    Code("E320", "hot standby smaller than its primary", "Under `strategy: hot-standby` every secondary runs at "
         "full capacity, so a failover adds none: `instances_per_region.secondary` must be at least `primary`. A "
         "scaled-down secondary is a warm standby (drgen's state machine scales it up on failover).",
         source="AWS whitepaper 'Disaster Recovery of Workloads on AWS: Recovery in the Cloud', section "
                "'Warm standby' (a hot standby processes production load at full capacity; a warm standby is "
                "scaled down and must scale up before it can)"),
    Code("E330", "cfn-lint rule unknown", "A `lint.ignore` entry names a rule the installed cfn-lint does not have "
         "(`cfn-lint --list-rules` lists them), or an informational rule (`I...`), whose findings `drgen render "
         "--lint` never reports, so ignoring it would suppress nothing. Rules are named whole (`W3005`, not a prefix "
         "such as `W3`), so each suppression carries its own reason; a did-you-mean names the closest rule."),
]
