"""Facts about AWS that drgen validates against and synthesises from. Plain constants, no I/O.

Every table names its source. Checked 2026-11-25.
"""

from __future__ import annotations

# ---- regions and availability zones ---------------------------------------------------------------
# Source: the availability zone names of each region as shipped by cfn-lint 1.58.0 (cfnlint.helpers,
# generated from the EC2 DescribeAvailabilityZones of each region); partitions from the AWS General Reference.
REGIONS: dict[str, tuple[str, ...]] = {
    "af-south-1": ("af-south-1a", "af-south-1b", "af-south-1c"),
    "ap-east-1": ("ap-east-1a", "ap-east-1b", "ap-east-1c"),
    "ap-east-2": ("ap-east-2a", "ap-east-2b", "ap-east-2c"),
    "ap-northeast-1": ("ap-northeast-1a", "ap-northeast-1b", "ap-northeast-1c", "ap-northeast-1d"),
    "ap-northeast-2": ("ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c", "ap-northeast-2d"),
    "ap-northeast-3": ("ap-northeast-3a", "ap-northeast-3b", "ap-northeast-3c"),
    "ap-south-1": ("ap-south-1a", "ap-south-1b", "ap-south-1c"),
    "ap-south-2": ("ap-south-2a", "ap-south-2b", "ap-south-2c"),
    "ap-southeast-1": ("ap-southeast-1a", "ap-southeast-1b", "ap-southeast-1c"),
    "ap-southeast-2": ("ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"),
    "ap-southeast-3": ("ap-southeast-3a", "ap-southeast-3b", "ap-southeast-3c"),
    "ap-southeast-4": ("ap-southeast-4a", "ap-southeast-4b", "ap-southeast-4c"),
    "ap-southeast-5": ("ap-southeast-5a", "ap-southeast-5b", "ap-southeast-5c"),
    "ap-southeast-6": ("ap-southeast-6a", "ap-southeast-6b", "ap-southeast-6c"),
    "ap-southeast-7": ("ap-southeast-7a", "ap-southeast-7b", "ap-southeast-7c"),
    "ca-central-1": ("ca-central-1a", "ca-central-1b", "ca-central-1c", "ca-central-1d"),
    "ca-west-1": ("ca-west-1a", "ca-west-1b", "ca-west-1c"),
    "cn-north-1": ("cn-north-1a", "cn-north-1b", "cn-north-1c"),
    "cn-northwest-1": ("cn-northwest-1a", "cn-northwest-1b", "cn-northwest-1c"),
    "eu-central-1": ("eu-central-1a", "eu-central-1b", "eu-central-1c"),
    "eu-central-2": ("eu-central-2a", "eu-central-2b", "eu-central-2c"),
    "eu-north-1": ("eu-north-1a", "eu-north-1b", "eu-north-1c"),
    "eu-south-1": ("eu-south-1a", "eu-south-1b", "eu-south-1c"),
    "eu-south-2": ("eu-south-2a", "eu-south-2b", "eu-south-2c"),
    "eu-west-1": ("eu-west-1a", "eu-west-1b", "eu-west-1c"),
    "eu-west-2": ("eu-west-2a", "eu-west-2b", "eu-west-2c"),
    "eu-west-3": ("eu-west-3a", "eu-west-3b", "eu-west-3c"),
    "il-central-1": ("il-central-1a", "il-central-1b", "il-central-1c"),
    "me-central-1": ("me-central-1a", "me-central-1b", "me-central-1c"),
    "me-south-1": ("me-south-1a", "me-south-1b", "me-south-1c"),
    "mx-central-1": ("mx-central-1a", "mx-central-1b", "mx-central-1c"),
    "sa-east-1": ("sa-east-1a", "sa-east-1b", "sa-east-1c"),
    "us-east-1": ("us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"),
    "us-east-2": ("us-east-2a", "us-east-2b", "us-east-2c"),
    "us-gov-east-1": ("us-gov-east-1a", "us-gov-east-1b", "us-gov-east-1c"),
    "us-gov-west-1": ("us-gov-west-1a", "us-gov-west-1b", "us-gov-west-1c"),
    "us-west-1": ("us-west-1a", "us-west-1c"),
    "us-west-2": ("us-west-2a", "us-west-2b", "us-west-2c", "us-west-2d"),
}

def partition(region: str) -> str:
    """The AWS partition of ``region`` (``aws``, ``aws-cn`` or ``aws-us-gov``)."""
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"


PARTITIONS: dict[str, str] = {region: partition(region) for region in REGIONS}

# Source: the AWS SDKs' endpoint data (botocore/data/endpoints.json, "partitions": each partition's dnsSuffix;
# "route53": its one global endpoint per partition and the region that endpoint signs in, its credentialScope);
# "Endpoints and ARNs for Amazon Web Services in China" (the endpoint domain of the China Regions is
# amazonaws.com.cn). AWS GovCloud (US) keeps amazonaws.com.
URL_SUFFIXES: dict[str, str] = {"aws": "amazonaws.com", "aws-cn": "amazonaws.com.cn", "aws-us-gov": "amazonaws.com"}
ROUTE53_REGIONS: dict[str, str] = {"aws": "us-east-1", "aws-cn": "cn-northwest-1", "aws-us-gov": "us-gov-west-1"}
"""Route 53 is global within a partition, its control plane in one region: us-east-1 (aws), cn-northwest-1
(aws-cn), us-gov-west-1 (aws-us-gov). Its health checks' CloudWatch metrics (namespace AWS/Route53) are published
in that same region (Amazon Route 53 Developer Guide, "Monitoring health check status and getting notifications":
in US East (N. Virginia) for the aws partition), so the stacks holding the zone, the health checks and the alarms
on them are deployed there."""


# Service principals. A global one (lambda.amazonaws.com, events.amazonaws.com, monitoring.rds.amazonaws.com...) is
# the same in every partition: IAM in the China Regions refuses "monitoring.rds.amazonaws.com.cn" as an invalid
# principal and accepts "monitoring.rds.amazonaws.com" (terraform-aws-modules/terraform-aws-rds-aurora#437,
# terraform-aws-modules/terraform-aws-ecs#124). A regional one, CloudWatch Logs' logs.REGION.amazonaws.com, is named
# after the region's endpoint and so ends in the partition's URL suffix (logs.cn-north-1.amazonaws.com.cn; the AWS
# CDK's region facts build it the same way): templates write it with ${AWS::URLSuffix}.


def url_suffix(region: str) -> str:
    """The domain of ``region``'s endpoints (what ``AWS::URLSuffix`` resolves to there)."""
    return URL_SUFFIXES[partition(region)]


def route53_region(region: str) -> str:
    """The region of Route 53's control plane and health-check metrics in ``region``'s partition."""
    return ROUTE53_REGIONS[partition(region)]

# ---- Aurora ---------------------------------------------------------------------------------------
# Engine versions and what each supports: drgen.engines (cfn-lint's data and AWS's per-major facts).

# Source: "Aurora global databases: supported instance classes" - memory-optimised classes only; burstable
# (db.t*) classes are not supported for global databases.
AURORA_GLOBAL_INSTANCE_CLASSES: frozenset[str] = frozenset(
    f"db.{family}.{size}"
    for family in ("r5", "r6g", "r6i", "r6gd", "r7g", "r7i", "r8g", "x2g")
    for size in ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge")
)

# Source: "Aurora Serverless v2 capacity": 0 to 256 ACUs in steps of 0.5.
SERVERLESS_V2_CAPACITY = (0.0, 256.0)
SERVERLESS_V2_STEP = 0.5

# Source: "Amazon Aurora global databases - limitations": up to 10 secondary regions.
AURORA_MAX_SECONDARY_REGIONS = 10


def parameter_group_family(engine: str, version: str) -> str:
    """``aurora-postgresql16`` for 16.9; ``aurora-mysql8.0`` for 8.0.mysql_aurora.3.08.0."""
    if engine == "aurora-postgresql":
        return f"aurora-postgresql{version.split('.')[0]}"
    return "aurora-mysql8.0" if version.startswith("8.0") else "aurora-mysql5.7"


def database_port(engine: str) -> int:
    return 5432 if engine == "aurora-postgresql" else 3306


# ---- service limits ---------------------------------------------------------------------------------
# Source: Amazon SQS Developer Guide, "Amazon SQS message quotas".
SQS_VISIBILITY_TIMEOUT_MAX_S = 43_200
SQS_RETENTION_MIN_S = 60
SQS_RETENTION_MAX_S = 1_209_600
SQS_MAX_RECEIVE_COUNT_MAX = 1_000
DYNAMODB_GSI_MAX = 20
"""Global secondary indexes per table: Amazon DynamoDB Developer Guide, "Quotas in Amazon DynamoDB", "Secondary
indexes" (a default quota of 20); DynamoDB API Reference, CreateTable (GlobalSecondaryIndexes, the maximum is 20)."""
DYNAMODB_LSI_MAX = 5
"""Local secondary indexes per table: the same sections (the maximum is 5)."""
DYNAMODB_PROJECTED_ATTRIBUTES_MAX = 100
"""Non-key attributes projected into a table's secondary indexes, summed across them (an attribute in two indexes
counts twice): DynamoDB API Reference, Projection (NonKeyAttributes); Developer Guide, "Projected secondary index
attributes"."""

# Source: AWS Lambda Developer Guide, "Lambda quotas" and "Using Lambda with Amazon SQS".
LAMBDA_TIMEOUT_MAX_S = 900
LAMBDA_MEMORY_MIN_MB = 128
LAMBDA_MEMORY_MAX_MB = 10_240
LAMBDA_ENV_MAX_BYTES = 4_096
LAMBDA_SQS_BATCH_MAX = 10_000
LAMBDA_SQS_FIFO_BATCH_MAX = 10
LAMBDA_BATCH_WINDOW_MAX_S = 300
LAMBDA_SQS_VISIBILITY_FACTOR = 6
"""AWS guidance: a queue's visibility timeout at least six times the timeout of the function it triggers (the hard
rule: at least the function's timeout)."""
# Source: AWS Lambda Developer Guide, "Lambda quotas", deployment package size: 50 MB zipped for direct upload,
# 250 MB unzipped including layers. drgen uploads packages to S3 (the function's S3Key), so only the unzipped
# quota binds; Lambda states it in bytes when it refuses a package: "Unzipped size must be smaller than 262144000
# bytes", i.e. 250 MiB. drgen adds no layers, so a function's files alone must fit.
LAMBDA_UNZIPPED_MAX_BYTES = 250 * 1024 * 1024
# Source: AWS Lambda Developer Guide, "Defined runtime environment variables" (reserved keys).
LAMBDA_RESERVED_ENV_VARS: frozenset[str] = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
# Source: Tagging AWS Resources and Tag Editor User Guide, "Tag naming limits and requirements"; the character set
# as IAM's Tag pattern states it, [\p{L}\p{Z}\p{N}_.:/=+\-@] (IAM API Reference, "Tag").
TAGS_PER_RESOURCE_MAX = 50
TAG_KEY_MAX_CHARS = 128
TAG_VALUE_MAX_CHARS = 256
TAG_SYMBOLS = "_.:/=+-@"
TAG_RESERVED_PREFIX = "aws:"
# Source: Amazon Route 53 Developer Guide, "Values that you specify when you create or update health checks".
ROUTE53_INTERVALS_S = (10, 30)
ROUTE53_FAILURE_THRESHOLD = (1, 10)
# Source: Amazon Route 53 API Reference, ResourceRecordSet: TTL 0 to 2147483647; "If you're associating this resource
# record set with a health check ... we recommend that you specify a TTL of 60 seconds or less" (guidance).
DNS_TTL_MAX_S = 2_147_483_647
ROUTE53_HEALTH_CHECKED_TTL_S = 60
# Source: Amazon S3 User Guide, "Meeting compliance requirements with S3 Replication Time Control".
S3_RTC_MINUTES = 15
# Source: Amazon S3 API Reference, DefaultRetention (a positive number of days or years); the S3 console and
# S3-compatible stores take 1 to 36,500 days (100 years), which drgen keeps as the bound.
S3_OBJECT_LOCK_MAX_DAYS = 36_500
# Source: Amazon Aurora User Guide, "Backup retention period".
AURORA_BACKUP_RETENTION_DAYS = (1, 35)
# Source: AWS CloudFormation User Guide, "CloudFormation quotas".
CFN_MAX_RESOURCES = 500
CFN_MAX_PARAMETERS = 200
CFN_MAX_OUTPUTS = 200
CFN_MAX_LOGICAL_ID = 255
CFN_TEMPLATE_BODY_MAX_BYTES = 51_200
CFN_TEMPLATE_URL_MAX_BYTES = 1_000_000
# Source: Amazon EventBridge User Guide, "Schedule expressions for rules": rate at least 1 minute.
EVENTBRIDGE_RATE_MIN_MINUTES = 1

# ---- VPC endpoints ------------------------------------------------------------------------------------
# Source: AWS PrivateLink Guide, "AWS services that integrate with AWS PrivateLink" and "Gateway endpoints".
VPC_ENDPOINT_TYPES: dict[str, str] = {
    name: ("Gateway" if name in ("s3", "dynamodb") else "Interface")
    for name in ("s3", "dynamodb", "sqs", "sns", "kms", "secretsmanager", "logs", "monitoring", "states", "lambda",
                 "ssm", "sts", "events", "rds", "execute-api", "xray", "ecr.api", "ecr.dkr")
}

# ---- AWS FIS's Lambda extension -----------------------------------------------------------------------
# Source: AWS FIS User Guide, "Available versions of the AWS FIS extension for Lambda": the layer's ARN differs per
# region (its publishing account and its version both do) and AWS publishes it not as a table but as a public
# Systems Manager parameter in each region where FIS offers it, one per architecture; "Use the AWS FIS
# aws:lambda:function actions": the function needs the layer, AWS_FIS_CONFIGURATION_LOCATION (the S3 ARN of the
# folder FIS writes the fault configuration to, in the bucket of the experiment's region) and
# AWS_LAMBDA_EXEC_WRAPPER=/opt/aws-fis/bootstrap, and its role s3:ListBucket on that folder and s3:GetObject in it.
FIS_LAMBDA_EXTENSION_PARAMETER = "/aws/service/fis/lambda-extension/AWS-FIS-extension-x86_64/1.x.x"
FIS_LAMBDA_EXEC_WRAPPER = "/opt/aws-fis/bootstrap"
