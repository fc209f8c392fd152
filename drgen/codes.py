"""The registry of diagnostic codes: the one place codes are defined, and the source of docs/errors.md.

A code's first letter is its severity: ``E`` error (the blueprint is invalid), ``W`` warning,
``I`` information. The digits group codes by family.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    title: str
    explanation: str
    source: str = ""
    """Where AWS states the rule or the guidance (a document and its section), for hard rules and AWS guidance."""

    @property
    def severity(self) -> str:
        return {"E": "error", "W": "warning", "I": "info"}[self.code[0]]

    @property
    def family(self) -> str:
        return FAMILIES[self.code[1]]


FAMILIES = {
    "0": "Reading the file",
    "1": "Structure (JSON Schema)",
    "2": "Regions and network",
    "3": "Names and references",
    "4": "Durations and AWS limits",
    "5": "Physical names",
    "6": "Engines and versions",
    "7": "Objectives",
    "8": "Orchestrators",
    "9": "AWS resilience tooling (Resilience Hub, FIS)",
}

_ALL = [
    # Reading the file
    Code("E001", "file cannot be read", "The blueprint file does not exist, is not a regular file (a directory, "
         "a device, a pipe), cannot be opened, is larger than 1 MiB (drgen reads no more: a blueprint is a few "
         "KB), or is not UTF-8 text (reported at the line and column of the first byte that is not). "
         "`drgen` exits 2 for it, as for any file it cannot read, not 1 as for an invalid blueprint."),
    Code("E002", "YAML syntax error", "The text is not valid YAML. The position is where the parser gave up."),
    Code("E003", "duplicate key", "A mapping has the same key twice; YAML parsers silently keep the last one, "
         "drgen refuses both."),
    Code("E004", "not a mapping", "The document must be a YAML mapping (key: value lines) at the top level."),
    Code("E005", "YAML feature not allowed", "Anchors, aliases, tags and multiple documents are not allowed "
         "in a blueprint: what you read must be what drgen reads."),
    Code("E007", "character not allowed", "The text holds a character a blueprint cannot carry: a lone "
         "surrogate (half of a character, e.g. from a `\\udc80` escape: not Unicode text, it cannot be written "
         "as UTF-8) or a control character (other than tab and line breaks), usually written as an escape in a "
         "double-quoted string. Write the character meant, or remove it."),
    Code("E008", "number not allowed", "The number cannot be carried into JSON and CloudFormation: infinity or "
         "NaN (`.inf`, `.nan`, or a number too large to be finite such as `1e999`), or an integer beyond 64 "
         "bits. Quote it if you mean the text."),
    # Structure
    Code("E101", "unknown key", "The key is not part of the blueprint language; it is an error, not ignored. "
         "A did-you-mean names the closest known key."),
    Code("E102", "missing required key", "A key the language requires is absent."),
    Code("E103", "wrong type", "The value is not of the type the key takes (string, integer, boolean, list, "
         "mapping). YAML 1.1 spellings such as `yes`, `no`, `on` and `off` are strings in a blueprint: "
         "write `true` or `false`."),
    Code("E104", "value not allowed", "The value is not one of the values the key allows."),
    Code("E105", "value does not match its pattern", "The value does not have the form the key requires "
         "(a name, a duration, a CIDR, an e-mail address, ...)."),
    Code("E106", "value out of range", "A number is below the minimum or above the maximum the key allows.",
         source="Where the bound is AWS's, the key's description in docs/reference.md names the AWS document "
                "(Lambda memory, SQS event source batch size, Aurora capacity and instances, SQS maxReceiveCount, "
                "Route 53 failure threshold, CloudWatch evaluation periods); the others are drgen's"),
    Code("E107", "wrong number of items", "A list has fewer or more items than the key allows, or repeats one."),
    Code("E108", "conflicting or incomplete keys", "Keys that exclude each other are both present, or a key that "
         "another requires is absent."),
    Code("E109", "nesting too deep", "Lists and mappings nest more than 64 levels deep. The blueprint language "
         "nests a few levels; drgen stops reading the nested value where the limit is crossed, so that no input "
         "can exhaust it."),
    Code("E110", "key not overridable by an environment", "An environment (under `environments`) overrides a key "
         "an environment may not change: environments differ in size, regions, objectives and who is told, not "
         "in the system's shape, so that a drill in staging rehearses what prod runs. The message lists the keys "
         "that may be overridden there (docs/environments.md)."),
    Code("E111", "override names no item of the base", "An environment's override of a named list (databases, "
         "tables, buckets, queues, functions, alarms) names the item it changes with `name`, and that name must "
         "be an item of the base blueprint: an environment changes the base's items, it neither adds nor "
         "removes one."),
    Code("E112", "environment and environments conflict", "A blueprint names its one environment (`environment`) "
         "or declares several (`environments`, one chosen with `--env`), not both; and an `environments` "
         "section declares at least one environment."),
    # Regions and network
    Code("E201", "unknown region", "The region code is not an AWS region drgen knows."),
    Code("E202", "region listed twice", "Each region may appear once."),
    Code("E203", "wrong number of primary regions", "Exactly one region must have `role: primary`."),
    Code("E204", "no secondary region", "At least one region must have `role: secondary`."),
    Code("E205", "invalid CIDR", "The value is not an IPv4 network in CIDR form with its host bits zero, or its "
         "size is outside what a VPC allows (/16 to /28).",
         source="Amazon EC2 API Reference, CreateVpc (the smallest VPC uses a /28 netmask, the largest a /16); Amazon "
                "VPC User Guide, \"VPC CIDR blocks\""),
    Code("E206", "overlapping CIDRs", "Two regions' VPC CIDRs overlap; peering and routing between them "
         "would be impossible. AWS creates overlapping VPCs; the blueprint language refuses them (blueprint v1) "
         "because the regions of one system must be able to reach each other.",
         source="Amazon VPC Peering Guide, \"VPC peering limitations\" (no peering connection between VPCs with "
                "matching or overlapping IPv4 CIDR blocks)"),
    Code("E207", "subnets do not fit", "One public and one private subnet per zone, of `network.subnet_bits` "
         "extra bits each, must fit in the region's CIDR.",
         source="Amazon VPC User Guide, \"Subnet CIDR blocks\" (a subnet's CIDR block is a subset of its VPC's, "
                "the subnets of a VPC cannot overlap, and the smallest subnet is a /28)"),
    Code("E208", "zone not in region", "An availability zone named for a region does not belong to it, or the "
         "region has fewer zones than asked.",
         source="Amazon EC2 User Guide, \"Regions and Zones\" (each Availability Zone is in one Region; a subnet "
                "resides entirely within one zone of its VPC's Region)"),
    Code("E209", "control region not in the blueprint", "`deployment.control_region` administers every StackSet "
         "and its artifact bucket holds the templates StackSets read by `TemplateURL`; drgen deploys an artifact "
         "bucket (the bootstrap StackSet) only in the blueprint's regions, so the control region must be one of them.",
         source="AWS CloudFormation API Reference, CreateStackSet and UpdateStackSet (`TemplateURL` must point to a "
                "template located in an Amazon S3 bucket the administrator can read); AWS CloudFormation User Guide, "
                "\"StackSets concepts\" (a StackSet is created and managed in the administrator account's Region)"),
    Code("W210", "control region is the primary", "`deployment.control_region` names the primary region: when the "
         "primary fails, its StackSets can be neither updated nor redeployed and its artifact bucket cannot be read, "
         "so the recovery cannot change, scale or redeploy anything. Choose a secondary (the default).",
         source="AWS whitepaper \"AWS Fault Isolation Boundaries\", \"Global services\" and \"Appendix A\" (do "
                "not depend on a control plane in the impaired Region in your recovery path); Amazon Application "
                "Recovery Controller Developer Guide, \"Data and control planes for Region switch\" (make the "
                "mechanisms failover depends on available in a disaster)"),
    Code("E211", "regions span partitions", "Every region of a blueprint must be in one AWS partition (`aws`, "
         "`aws-cn` for China, `aws-us-gov` for GovCloud (US)). A partition is isolated: its accounts, credentials and "
         "IAM principals do not work in another, so a StackSet deploys only to regions of its administrator's "
         "partition, and a DynamoDB global table's replicas, an Aurora global database's clusters and S3 replication's "
         "buckets all stay within one. A service in China and one elsewhere are two blueprints.",
         source="AWS General Reference and IAM User Guide, \"Partitions\" (each AWS account is scoped to one "
                "partition; IAM roles and resource-based policies delegate access within a single partition); "
                "Getting Started with Amazon Web Services in China, \"General Information About Amazon Web Services "
                "China\" (accounts and credentials of other Regions do not work in the China Regions, which are not "
                "connected by the AWS backbone to the others)"),
    Code("E212", "ARC Region switch not offered in the partition", "`failover.orchestrator: arc-region-switch` "
         "needs an ARC Region switch plan, which CloudFormation does not offer in every region: not in the China "
         "Regions (aws-cn). Use orchestrator `drgen`, whose state machine runs in every partition. (AWS Resilience "
         "Hub and AWS FIS, also absent from China, are E901.)",
         source="AWS CloudFormation resource type availability by Region, as cfn-lint 1.58.0 ships it "
                "(cfnlint/data/schemas/providers/<region>.json: AWS::ARCRegionSwitch::Plan in us-east-1 and "
                "us-gov-west-1, not in cn-north-1 or cn-northwest-1); Getting Started with Amazon Web Services in "
                "China (the services available in the China Regions)"),
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
    # Durations and AWS limits
    Code("E401", "invalid duration", "The value is not a duration: an integer and a unit (ms, s, m, h, d)."),
    Code("E402", "duration outside AWS limits", "The duration is outside what the AWS service accepts (or, for "
         "max_replication_lag, promotion_timeout, approval_time and the longest probe_interval, what drgen's "
         "failover can use); a probe_interval is whole minutes, as an EventBridge rate() takes them.",
         source="Amazon SQS Developer Guide, \"Amazon SQS message quotas\" (visibility timeout 0 to 12 hours, "
                "retention 1 minute to 14 days); AWS Lambda Developer Guide, \"Lambda quotas\" (timeout up to 900 "
                "seconds) and \"Lambda parameters for Amazon SQS event source mappings\" (batching window up to 300 "
                "seconds); Amazon Aurora User Guide, \"Backup retention period\" (1 to 35 days); Amazon S3 API "
                "Reference, DefaultRetention and NoncurrentVersionExpiration (at least a day); Amazon Route 53 API "
                "Reference, ResourceRecordSet (TTL 0 to 2147483647 seconds); Amazon EventBridge User Guide, \"Schedule "
                "expressions for rules\" (a rate() in whole minutes, one at least); Amazon API Gateway API Reference, "
                "Authorizer (authorizerResultTtlInSeconds at most 3600)"),
    Code("E403", "value outside AWS limits", "A number or a name is outside what the AWS service accepts.",
         source="AWS Lambda API Reference, Environment (variable names [a-zA-Z]([a-zA-Z0-9_])+, 4 KB in all); AWS "
                "Lambda Developer Guide, \"Defined runtime environment variables\" (reserved names); Amazon Aurora "
                "User Guide, \"Aurora Serverless v2 capacity\" (steps of 0.5 ACU) and \"Limitations of Amazon "
                "Aurora global databases\" (up to 10 secondary Regions)"),
    Code("E404", "invalid schedule", "`validation_schedule` must be an EventBridge `rate(...)` or `cron(...)` "
         "expression.", source="Amazon EventBridge User Guide, \"Schedule expressions for rules\" (a rate of 1 "
                                "takes a singular unit, a larger one a plural; a cron expression has six fields)"),
    Code("E405", "tag not allowed by AWS", "A blueprint tag breaks AWS's tag rules: a key of 1 to 128 characters, "
         "a value of at most 256, only letters, digits, spaces and `_ . : / = + - @`, no key starting with `aws:` "
         "(in any case), no two keys that differ only in case (IAM, which drgen tags roles with, treats them as "
         "one), and at most 50 tags per resource - of which drgen adds up to 4 (`drgen:blueprint`, "
         "`drgen:environment`, `drgen:layer`, and `Name` on Route 53 health checks), leaving 46 for the blueprint.",
         source="Tagging AWS Resources and Tag Editor User Guide, \"Tag naming limits and requirements\"; IAM API "
                "Reference, \"Tag\" (pattern [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]); IAM User Guide, \"Tags for AWS "
                "Identity and Access Management resources\" (keys that differ only in case)"),
    Code("E406", "function package too large", "The files of a function's source take more than Lambda's 250 MB "
         "unzipped quota (262,144,000 bytes). drgen uploads packages to S3, so the 50 MB limit on zips uploaded "
         "directly does not apply; drgen adds no layers.",
         source="AWS Lambda Developer Guide, \"Lambda quotas\" (deployment package size: 250 MB unzipped, "
                "including layers)"),
    Code("E407", "template over a CloudFormation quota", "A template would hold more resources, parameters or "
         "outputs, or more bytes, than CloudFormation accepts in one template, even after drgen split its layer, or "
         "a logical ID longer than it accepts (a long API path). drgen estimates each template when it validates "
         "(the size is an upper bound) and first splits what AWS lets live in separate templates: the app layer "
         "by function (each function no API route calls, with its triggers and alarms, may go to a part app-2, "
         "app-3...) and the tables layer by global table. What is left is refused, located at the section that "
         "takes most of it: the app layer's base group (the queues, the API with the functions its routes call, "
         "the other alarms) past a quota by itself, one group past it alone, or a layer drgen does not split "
         "(storage, database). Use fewer components there, or split the blueprint into smaller systems, one "
         "blueprint per workload group.",
         source="AWS CloudFormation User Guide, \"CloudFormation quotas\": 500 resources, 200 parameters and 200 "
                "outputs per template, logical IDs of at most 255 characters; a template body of at most 1 MB read "
                "from Amazon S3"),
    Code("E408", "two parts would get the same name", "Two parts of the blueprint, or a part and one of drgen's own "
         "resources, would get the same CloudFormation logical ID in one template (render cannot write both) or "
         "the same name in one AWS namespace (deploy would fail on the second): the same queue listed twice as a "
         "trigger, API paths that differ only by case or by '/' against '-', a queue named like another's "
         "dead-letter queue, a table named drgen-control. The message names both; rename one.",
         source="AWS CloudFormation User Guide, \"Resources\" (a logical ID is unique within the template); each "
                "service's naming rules (a queue, function, role, table, bucket or alarm name is unique in its "
                "account and Region)"),
    Code("W409", "value against AWS guidance", "AWS accepts the value but recommends otherwise: a dead-letter "
         "queue that keeps messages no longer than its standard queue (a message keeps its age when it moves, so it "
         "can expire on arrival), or a DNS TTL above 60 seconds on records that fail over by health check.",
         source="Amazon SQS Developer Guide, \"Configuring dead-letter queue retention\" (set the retention period "
                "of a dead-letter queue to be longer than the retention period of the original queue); Amazon Route "
                "53 API Reference, ResourceRecordSet TTL (with a health check, a TTL of 60 seconds or less)"),
    Code("E410", "secondary indexes beyond DynamoDB's limits", "A table has more than 20 global or 5 local "
         "secondary indexes, or its indexes project more than 100 non-key attributes in all (`non_key_attributes` "
         "summed across the table's indexes; an attribute projected into two indexes counts twice). Project `all` "
         "instead of listing many attributes: it has no such limit.",
         source="Amazon DynamoDB Developer Guide, \"Quotas in Amazon DynamoDB\", sections \"Secondary indexes\" and "
                "\"Projected secondary index attributes\"; Amazon DynamoDB API Reference, CreateTable "
                "(GlobalSecondaryIndexes: the maximum is 20; LocalSecondaryIndexes: the maximum is 5) and Projection "
                "(NonKeyAttributes: summed across all of the secondary indexes, must not exceed 100)"),
    Code("E411", "local index keys not allowed", "A local secondary index keeps the table's partition key and "
         "sorts its items by another attribute: the table must have a sort key (a composite primary key), and an "
         "index that gives a `partition_key` must give the table's. For another partition key, use a global index.",
         source="Amazon DynamoDB API Reference, CreateTable (LocalSecondaryIndexes: \"The key schema must begin with "
                "the same partition key as the table\"); DynamoDB refuses a local index on a table without a sort key with "
                "ValidationException \"Table KeySchema does not have a range key, which is required when specifying "
                "a LocalSecondaryIndex\""),
    Code("E412", "key attribute with two types", "An attribute used as a key in two places (the table and an index, "
         "or two indexes) is given two types. A table defines each key attribute once, with one type: give the same "
         "type everywhere, or use another attribute.",
         source="Amazon DynamoDB API Reference, AttributeDefinition (an attribute's name and its one type, S, N or "
                "B); AWS CloudFormation, AWS::DynamoDB::GlobalTable AttributeDefinitions (each AttributeName once)"),
    Code("E413", "projection and its attributes disagree", "`projection: include` lists the attributes the index "
         "holds besides the keys in `non_key_attributes`, which it needs; `all` and `keys-only` take none.",
         source="Amazon DynamoDB API Reference, Projection (NonKeyAttributes: the attributes projected with "
                "ProjectionType INCLUDE)"),
    Code("E414", "partition and sort key are one attribute", "A table's or an index's `sort_key` names the same "
         "attribute as its `partition_key`: a key schema's two elements are two attributes. Sort by another "
         "attribute, or remove the sort key.",
         source="AWS CloudFormation resource schema of AWS::DynamoDB::GlobalTable, as cfn-lint ships it (KeySchema: "
                "uniqueKeys AttributeName, for the table and each index); Amazon DynamoDB API Reference, "
                "KeySchemaElement (a HASH and a RANGE element)"),
    Code("E430", "organization and self-managed settings together", "`deployment.organization` deploys every "
         "StackSet with service-managed permissions to the accounts of organizational units; `accounts` (a list of "
         "target accounts) and `stackset_roles` (the administration and execution roles) belong to self-managed "
         "permissions. A StackSet has one permission model: remove one or the other.",
         source="AWS CloudFormation API Reference, CreateStackSet (AdministrationRoleARN and ExecutionRoleName: valid "
                "only if the permissions model is SELF_MANAGED) and DeploymentTargets (Accounts: for self-managed "
                "StackSets; OrganizationalUnitIds: for service-managed StackSets)"),
    Code("E431", "parallel regions where the plan orders them", "`region_concurrency: parallel` is given for a "
         "layer whose regions depend on one another: the database layer (the primary cluster creates the global "
         "cluster each secondary joins) and the storage layer (the secondaries' buckets must exist before the "
         "primary's replication names them). Leave the setting out for that layer: the plan deploys it in order.",
         source="drgen's plan (docs/architecture.md, \"Deployment layers\"); AWS CloudFormation API Reference, "
                "StackSetOperationPreferences (RegionConcurrencyType SEQUENTIAL deploys one Region at a time, in "
                "RegionOrder)"),
    Code("E432", "concurrency for a layer that is not a StackSet", "`deployment.concurrency.layers` names a layer "
         "the blueprint does not have, or one that is a single stack (zone, tables, dns, gamedays, regionswitch, "
         "resilience; with `deployment.organization`, tables, gamedays and regionswitch are StackSets): operation "
         "preferences apply only to StackSet operations.",
         source="AWS CloudFormation API Reference, StackSetOperationPreferences (preferences of a StackSet "
                "operation); drgen's plan (docs/architecture.md, \"Deployment layers\")"),
    Code("E433", "dns with an organization", "With `deployment.organization` every account of the OUs runs its own "
         "regional APIs, but `dns` puts one domain name in front of one API per region: one set of failover records "
         "in one hosted zone. That zone is in one account, and a member account's stacks cannot write to it: the app "
         "layer's certificate is validated by ACM adding its CNAME record to the zone named by HostedZoneId, and a "
         "record set is created in a hosted zone of the stack's own account. A copy of the zone per account cannot "
         "serve the name either: the parent domain delegates a name to one hosted zone's name servers. Remove `dns` "
         "(each account's APIs keep their regional endpoints), or deploy the blueprint per account with self-managed "
         "StackSets and its own domain name.",
         source="AWS CloudFormation, AWS::CertificateManager::Certificate DomainValidationOption (HostedZoneId causes "
                "ACM to add the CNAME to the domain record); Amazon Route 53 Developer Guide, \"Routing traffic for "
                "subdomains\" (NS records in the parent zone name the name servers of one hosted zone) and \"Failover "
                "routing\""),
    Code("E434", "resilience_hub with an organization", "With `deployment.organization` the resilience layer would "
         "be a StackSet instance in every account, and its Resilience Hub application maps each of the account's "
         "stacks by its stack ID (CfnStack mappings). Stack IDs differ in every account, but a service-managed "
         "StackSet gives the accounts of its target OUs one set of parameter values per region (overrides given for "
         "OUs apply only to the accounts there at the time, never to accounts that join). Remove `resilience_hub`, or "
         "deploy the blueprint per account with self-managed StackSets.",
         source="AWS CloudFormation API Reference, UpdateStackInstances (DeploymentTargets: if the update targets "
                "OUs, the overridden parameter values apply only to the accounts currently in them; accounts added "
                "later won't use them); AWS Resilience Hub API Reference, ResourceMapping and PhysicalResourceId "
                "(a CfnStack mapping names the stack by its ARN)"),
    Code("W435", "automatic deployment off", "`auto_deployment: false`: an account that joins the target OUs gets "
         "no stack instances until `drgen deploy` runs again, and one that leaves keeps its stacks. With it on, "
         "StackSets deploys to new accounts by itself (note that StackSets does not follow RegionOrder for "
         "automatic deployments).",
         source="AWS CloudFormation User Guide, \"Enable or disable automatic deployments for StackSets in AWS "
                "Organizations\"; AWS CloudFormation API Reference, StackSetOperationPreferences (RegionOrder isn't "
                "followed if AutoDeployment is enabled)"),
    Code("W436", "concurrency above what failure tolerance lets run", "`max_concurrent` is more than "
         "`failure_tolerance` + 1. drgen leaves ConcurrencyMode at CloudFormation's default, "
         "STRICT_FAILURE_TOLERANCE, which starts at the lower of MaxConcurrentCount and FailureToleranceCount + 1 "
         "accounts at once: the extra concurrency is never used. Raise failure_tolerance or lower max_concurrent.",
         source="AWS CloudFormation API Reference, StackSetOperationPreferences (ConcurrencyMode "
                "STRICT_FAILURE_TOLERANCE; MaxConcurrentCount is at most one more than the FailureToleranceCount "
                "if you're using STRICT_FAILURE_TOLERANCE)"),
    Code("W415", "over a StackSet quota", "Every StackSet drgen deploys has a stack instance per region and target "
         "account; the bootstrap StackSet spans every region, so `regions` x `accounts` instances. Over AWS's quota of "
         "stack instances per StackSet the operations fail until the quota is raised: it is adjustable (a Service "
         "Quotas request), hence a warning. Request the increase before deploying, or split the accounts over several "
         "blueprints. docs/scale.md sets a blueprint against every StackSet quota (`drgen.scale`).",
         source="AWS CloudFormation User Guide, \"Understand CloudFormation quotas\" (Stack instances: 100,000 per "
                "stack set; StackSets: 1,000 per administrator account; StackSets instance operations: 10,000 per "
                "Region per administrator account at a time; each raised on request)"),
    # Physical names
    Code("E501", "physical name too long", "A name drgen derives from `name`, `environment` and a component "
         "name exceeds its AWS limit. Shorten one of them.",
         source="each service's naming rule, as its API reference states it: Amazon S3 bucket names 63 characters; "
                "Lambda function, IAM role and EventBridge rule names 64; SQS queue and Step Functions state "
                "machine names 80; Aurora cluster and instance identifiers 63; DynamoDB table and CloudWatch alarm "
                "names 255; CloudFormation stack names 128 and export names 255 (drgen.naming.LIMITS)"),
    Code("E502", "physical name invalid", "A name drgen derives does not satisfy the AWS rules for it.",
         source="each service's naming rule, as its API reference states it (e.g. Amazon S3 User Guide, \"General "
                "purpose bucket naming rules\": lowercase letters, digits, dots and hyphens; Amazon Aurora "
                "DBClusterIdentifier: a letter first, no two hyphens in a row, no hyphen last)"),
    # Engines
    Code("E601", "unknown engine version", "The Aurora engine version is not one AWS has for that engine (drgen reads "
         "the list from cfn-lint's data, as `drgen render --lint` does), or names a major version alone. A "
         "did-you-mean offers only versions AWS still creates.",
         source="Amazon Aurora PostgreSQL and Aurora MySQL release notes, as shipped in cfn-lint's "
                "aws_rds_dbcluster/engine_version.json; Amazon Aurora User Guide, \"Upgrading an Aurora global "
                "database\" (every cluster of a global database runs the same engine version)"),
    Code("E602", "engine version lacks a feature the blueprint uses", "The engine version does not support "
         "Aurora global databases (every strategy but backup-restore makes one), Aurora Serverless v2 (capacity), "
         "or scaling to 0 ACUs; an Aurora global database's primary cluster cannot scale to 0 ACUs at all.",
         source="Amazon Aurora User Guide, \"Supported Regions and DB engines for Aurora global databases\", "
                "\"Supported Regions and DB engines for Aurora Serverless v2\" and \"Scaling to Zero ACUs with "
                "automatic pause and resume for Aurora Serverless v2\" (versions, and no automatic pause for a "
                "global database's primary cluster)"),
    Code("E603", "instance class not supported", "The instance class is not available for the engine, or not "
         "for global databases.",
         source="Amazon Aurora User Guide, \"Supported DB engines for DB instance classes\" and \"Limitations of "
                "Amazon Aurora global databases\" (the instance classes a global database's clusters can use)"),
    Code("E604", "engine version deprecated", "AWS no longer creates clusters of this engine version; the message "
         "offers the newest version of the same major that it creates.",
         source="cfn-lint's aws_rds_dbcluster/engine_version_deprecated.json (rule W3690: \"deprecated and cannot be "
                "used to create new RDS DB clusters\"), from the Aurora release calendars"),
    Code("E606", "headless secondary cannot be promoted", "A secondary cluster with no DB instance "
         "(`instances_per_region.secondary: 0`) cannot become the writer, and drgen's failover machine promotes it "
         "before it adds capacity: give every secondary cluster at least one instance.",
         source="Amazon Aurora User Guide, \"Using switchover or failover in an Amazon Aurora global database\" "
                "(\"Before you can perform a switchover or failover to a headless secondary Aurora DB cluster, you "
                "must add a DB instance to it\")"),
    Code("W605", "engine version past standard support", "AWS still creates clusters of this major version, but past "
         "its end of standard support it runs them under RDS Extended Support, which it charges for.",
         source="Amazon Aurora User Guide, \"Release calendars for Aurora PostgreSQL\" and \"Aurora MySQL long-term "
                "support and end of standard support\"; Amazon RDS User Guide, \"Using Amazon RDS Extended "
                "Support\""),
    # Objectives
    Code("E701", "RPO objective cannot be met", "A data store's estimated recovery point exceeds `objectives.rpo` "
         "(the finding is at the store) or the store's own `rpo` (at that `rpo`); the message says what would "
         "change the store's figure. A queue is a store too: one whose messages can wait in a failed region longer "
         "than the objective (`region_outage: durable`, its `retention`) is reported at its `region_outage`."),
    Code("E702", "RTO objective cannot be met", "The estimated recovery time of a regional outage (the "
         "unplanned path: detection, the approval when required, promotion, traffic) exceeds the objective; "
         "the message names the step that dominates."),
    Code("W703", "objective met with a thin margin", "The estimate is within 10 % of the objective."),
    # Orchestrators
    Code("E801", "Region switch plan needs two regions", "`failover.orchestrator: arc-region-switch` renders one "
         "ARC Region switch plan, and a plan has exactly two Regions, a primary and a standby. drgen's own "
         "orchestrator (`drgen`) runs in any number of regions.",
         source="AWS CloudFormation Template Reference, \"AWS::ARCRegionSwitch::Plan\", property Regions (minimum "
                "2, maximum 2 items); Amazon Application Recovery Controller Developer Guide, \"Create a Region "
                "switch plan\" (an active/passive plan deploys two application replicas into two Regions)"),
    Code("E802", "Region switch plan name invalid", "The plan is named after the blueprint (`<name>-<environment>`), "
         "and a plan name is 1 to 32 letters, digits and hyphens, neither first nor last a hyphen.",
         source="AWS CloudFormation Template Reference, \"AWS::ARCRegionSwitch::Plan\", property Name (length 1 to "
                "32, pattern ^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$)"),
    Code("E803", "no standby to switch to", "`arc-region-switch` with strategy backup-restore: nothing runs in "
         "the standby until the runbook restores it, so there is nothing for either orchestrator to switch to."),
    Code("E804", "automatic failover under Region switch", "`arc-region-switch` with `failover.mode: automatic`: "
         "drgen renders no Region switch triggers (a trigger would start the plan from an alarm without drgen's "
         "checks of who is active), so an operator executes the plan; the standby's detection alarm pages. Use "
         "mode manual, or orchestrator drgen."),
    Code("W805", "lossy failover without the lag check", "`arc-region-switch` with `allow_data_loss: true`: a "
         "Region switch plan cannot make its approval depend on the last known-good lag, so drgen renders no "
         "approval step and an ungraceful execution fails the global databases over whatever they may lose. "
         "drgen's machine skips the question only when that lag was within `max_replication_lag`."),
    # AWS resilience tooling
    Code("E901", "service not offered in the primary region", "`resilience_hub` or `game_days` is enabled, but "
         "CloudFormation does not offer its resource types (`AWS::ResilienceHub::ResiliencyPolicy` and "
         "`AWS::ResilienceHub::App`, or `AWS::FIS::ExperimentTemplate`) in the primary region, where drgen puts "
         "them. Choose a primary region that offers the service, or leave it disabled.",
         source="AWS CloudFormation resource type support by region, as the per-region resource provider schemas "
                "of cfn-lint 1.58.0 list it (cfnlint/data/schemas/providers/<region>.json); AWS General Reference, "
                "\"AWS Resilience Hub endpoints and quotas\" and \"AWS Fault Injection Service endpoints and quotas\""),
    Code("E902", "game days need a failover machine", "`game_days` is enabled on a `backup-restore` blueprint, "
         "which recovers by its runbook and deploys no failover machine: a game day would provoke an outage "
         "nothing follows or recovers from. drgen's rule."),
    Code("E903", "alarm cannot stop a game day", "A `game_days.stop_alarms` entry names no alarm of the "
         "blueprint, or an alarm that triggers the failover (the game days provoke it: it would stop them as they "
         "start working), or one measured only in the secondaries (FIS reads a stop condition in the experiment's "
         "region, the primary).",
         source="AWS FIS User Guide, \"Stop conditions for AWS FIS\" (a stop condition is a CloudWatch alarm ARN of "
                "the experiment's account and Region)"),
    Code("E904", "no stop condition for the game days", "`game_days` is enabled but no alarm can stop an "
         "experiment: declare an alarm measured in the primary that does not trigger the failover (an error rate, "
         "a queue's age), or name one in `stop_alarms`. FIS accepts a template without one; drgen does not "
         "render an experiment that cannot stop itself. drgen's rule."),
    Code("E905", "too many stop conditions", "The stop alarms come to more than 5 CloudWatch alarms (a table "
         "alarm is one per region, a bucket alarm one per secondary): name fewer in `game_days.stop_alarms`.",
         source="AWS FIS User Guide, \"Quotas and limitations\" (stop conditions per experiment template: 5)"),
    Code("E906", "game day duration out of range", "`game_days.duration` is below 1 minute or above 12 hours.",
         source="AWS FIS User Guide, \"AWS FIS Actions reference\" (an action's duration is from one minute to "
                "12 hours)"),
    Code("E907", "canary game day where FIS is not offered", "`game_days.impair_canary` gives drgen's canary AWS "
         "FIS's Lambda extension and every region's orchestration stack the `canary-impaired` experiment (FIS "
         "impairs a function only in the experiment's own region), but a region of the blueprint does not offer AWS "
         "FIS: CloudFormation there has no `AWS::FIS::ExperimentTemplate`, and AWS publishes the extension's layer "
         "only where FIS runs. Leave `impair_canary` off, or choose regions that offer FIS.",
         source="AWS FIS User Guide, \"Use the AWS FIS aws:lambda:function actions\" (the extension's layer, an S3 "
                "bucket in the region the experiment starts from) and \"Available versions of the AWS FIS extension "
                "for Lambda\" (the layer's ARN per region, published as the public parameter "
                "/aws/service/fis/lambda-extension/AWS-FIS-extension-x86_64/1.x.x); CloudFormation resource type "
                "support by region, as cfn-lint 1.58.0's provider schemas list it"),
]

REGISTRY: dict[str, Code] = {c.code: c for c in _ALL}
assert len(REGISTRY) == len(_ALL), "a code is defined twice"


def get(code: str) -> Code:
    return REGISTRY[code]
