"""Codes of physical names (x5xx), engines (x6xx), objectives (x7xx), orchestrators (x8xx) and AWS resilience tooling (x9xx)."""

from __future__ import annotations

from drgen.codes.entry import Code

CODES: list[Code] = [
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
