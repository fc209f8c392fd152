"""Codes of durations and AWS's limits, tables, Organizations and scale (x4xx)."""

from __future__ import annotations

from drgen.codes.entry import Code

CODES: list[Code] = [
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
]
