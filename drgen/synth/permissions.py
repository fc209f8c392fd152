"""What CloudFormation calls to create, update and delete each resource type drgen renders, and on what.

``ACTIONS`` maps every resource type drgen can put in a template to the IAM actions CloudFormation's
handlers call for it (create, read, update and delete). They are the resource provider schemas'
``handlers`` permissions (cfn-lint ships the schemas; tests/test_roles.py holds the table to them), less
``NOT_NEEDED`` (actions for features drgen never sets, or names that are not IAM actions), plus a few
actions the schemas leave out that the service documents (marked below). Every action is an awacs
constant, so a misspelt one fails at import.

``scopes`` gives, for one blueprint, the ARNs each service's actions may touch: named with the blueprint's
prefix wherever drgen names the resource (``drgen.naming``), the account's resources of that kind where
AWS or CloudFormation picks the name. ``UNSCOPED`` lists the actions AWS authorizes on ``*`` only.
"""

from __future__ import annotations

import importlib
import re

from awacs.aws import Action

from drgen import naming
from drgen.model import Blueprint

ACCOUNT = "${AWS::AccountId}"
FIS_LAYER = "aws-fis-extension-x86_64"
"""The name of AWS FIS's Lambda extension layer (``drgen.awsdata.FIS_LAMBDA_EXTENSION_PARAMETER`` resolves its ARN)."""
ARN = "arn:${AWS::Partition}"

_SPEC: dict[str, str] = {
    "AWS::ARCRegionSwitch::Plan": "arc-region-switch: CreatePlan DeletePlan GetPlan ListRoute53HealthChecks "
                                  "ListTagsForResource TagResource UntagResource UpdatePlan; iam: PassRole",
    "AWS::ApiGateway::Authorizer": "apigateway: DELETE GET PATCH POST; iam: PassRole",
    "AWS::ApiGateway::BasePathMapping": "apigateway: DELETE GET PATCH POST",
    "AWS::ApiGateway::Deployment": "apigateway: DELETE GET PATCH POST PUT",
    # DomainName: API Gateway creates its service-linked role with an account's first custom domain name.
    "AWS::ApiGateway::DomainName": "apigateway: DELETE GET PATCH POST PUT; iam: CreateServiceLinkedRole",
    "AWS::ApiGateway::Method": "apigateway: DELETE GET PUT; iam: PassRole",
    "AWS::ApiGateway::RequestValidator": "apigateway: DELETE GET PATCH POST",
    "AWS::ApiGateway::Resource": "apigateway: DELETE GET PATCH POST",
    "AWS::ApiGateway::RestApi": "apigateway: DELETE GET PATCH POST PUT UpdateRestApiPolicy; iam: PassRole; s3: GetObject",
    "AWS::ApiGateway::Stage": "apigateway: DELETE GET PATCH POST PUT",
    "AWS::Backup::BackupPlan": "backup: CreateBackupPlan DeleteBackupPlan GetBackupPlan ListTags TagResource UntagResource "
                               "UpdateBackupPlan; iam: PassRole",
    "AWS::Backup::BackupSelection": "backup: CreateBackupSelection DeleteBackupSelection GetBackupSelection; "
                                    "iam: CreateServiceLinkedRole GetRole PassRole",
    "AWS::Backup::BackupVault": "backup: CreateBackupVault DeleteBackupVault DeleteBackupVaultAccessPolicy "
                                "DeleteBackupVaultLockConfiguration DeleteBackupVaultNotifications DescribeBackupVault "
                                "GetBackupVaultAccessPolicy GetBackupVaultNotifications ListTags PutBackupVaultAccessPolicy "
                                "PutBackupVaultLockConfiguration PutBackupVaultNotifications TagResource UntagResource; "
                                "backup-storage: MountCapsule; kms: CreateGrant Decrypt DescribeKey GenerateDataKey RetireGrant",
    "AWS::CertificateManager::Certificate": "acm: AddTagsToCertificate DeleteCertificate DescribeCertificate "
                                            "ListTagsForCertificate RemoveTagsFromCertificate RequestCertificate "
                                            "UpdateCertificateOptions; route53: ChangeResourceRecordSets",
    "AWS::CloudWatch::Alarm": "cloudwatch: DeleteAlarms DescribeAlarms ListTagsForResource PutMetricAlarm TagResource "
                              "UntagResource",
    "AWS::CloudWatch::Dashboard": "cloudwatch: DeleteDashboards GetDashboard ListTagsForResource PutDashboard TagResource "
                                  "UntagResource",
    "AWS::DynamoDB::GlobalTable": "application-autoscaling: DeleteScalingPolicy DeleteScheduledAction "
                                  "DeregisterScalableTarget Describe* PutScalingPolicy PutScheduledAction "
                                  "RegisterScalableTarget; cloudwatch: PutMetricData; dynamodb: BatchWriteItem CreateTable "
                                  "CreateTableReplica DeleteItem DeleteResourcePolicy DeleteTable DeleteTableReplica "
                                  "Describe* GetItem GetResourcePolicy ListTagsOfResource PutItem PutResourcePolicy Query "
                                  "Scan TagResource UntagResource UpdateContinuousBackups UpdateContributorInsights "
                                  "UpdateItem UpdateTable UpdateTableReplicaAutoScaling UpdateTimeToLive; "
                                  "iam: CreateServiceLinkedRole; kms: CreateGrant Decrypt DescribeKey ListAliases RevokeGrant",
    "AWS::EC2::EIP": "ec2: AcceptAddressTransfer AllocateAddress AssociateAddress CreateTags DeleteTags DescribeAddresses "
                     "DisassociateAddress ReleaseAddress",
    "AWS::EC2::FlowLog": "ec2: CreateFlowLogs CreateTags DeleteFlowLogs DeleteTags DescribeFlowLogs DescribeTags; "
                         "iam: PassRole; logs: CreateLogDelivery DeleteLogDelivery",
    "AWS::EC2::InternetGateway": "ec2: CreateInternetGateway CreateTags DeleteInternetGateway DeleteTags "
                                 "DescribeInternetGateways",
    "AWS::EC2::NatGateway": "ec2: AssignPrivateNatGatewayAddress AssociateNatGatewayAddress CreateNatGateway CreateTags "
                            "DeleteNatGateway DeleteTags DescribeNatGateways DisassociateNatGatewayAddress "
                            "UnassignPrivateNatGatewayAddress",
    "AWS::EC2::Route": "ec2: CreateRoute DeleteRoute DescribeNetworkInterfaces DescribeRouteTables ReplaceRoute",
    "AWS::EC2::RouteTable": "ec2: CreateRouteTable CreateTags DeleteRouteTable DeleteTags DescribeRouteTables",
    "AWS::EC2::SecurityGroup": "ec2: AuthorizeSecurityGroupEgress AuthorizeSecurityGroupIngress CreateSecurityGroup "
                               "CreateTags DeleteSecurityGroup DeleteTags DescribeInstances DescribeSecurityGroups "
                               "RevokeSecurityGroupEgress RevokeSecurityGroupIngress "
                               "UpdateSecurityGroupRuleDescriptionsEgress UpdateSecurityGroupRuleDescriptionsIngress",
    "AWS::EC2::SecurityGroupEgress": "ec2: AuthorizeSecurityGroupEgress DescribeSecurityGroupRules "
                                     "RevokeSecurityGroupEgress UpdateSecurityGroupRuleDescriptionsEgress",
    "AWS::EC2::SecurityGroupIngress": "ec2: AuthorizeSecurityGroupIngress DescribeSecurityGroupRules DescribeSecurityGroups "
                                      "RevokeSecurityGroupIngress UpdateSecurityGroupRuleDescriptionsIngress",
    "AWS::EC2::Subnet": "ec2: AssociateSubnetCidrBlock CreateSubnet CreateTags DeleteSubnet DeleteTags "
                        "DescribeNetworkAcls DescribeSubnets DisassociateSubnetCidrBlock ModifySubnetAttribute",
    "AWS::EC2::SubnetRouteTableAssociation": "ec2: AssociateRouteTable DescribeRouteTables DescribeSubnets "
                                             "DisassociateRouteTable ReplaceRouteTableAssociation",
    "AWS::EC2::VPC": "ec2: CreateTags CreateVpc CreateVpcEncryptionControl DeleteTags DeleteVpc DescribeNetworkAcls "
                     "DescribeSecurityGroups DescribeVpcAttribute DescribeVpcEncryptionControls DescribeVpcs "
                     "ModifyVpcAttribute ModifyVpcTenancy",
    "AWS::EC2::VPCEndpoint": "ec2: CreateTags CreateVpcEndpoint DeleteTags DeleteVpcEndpoints DescribeSecurityGroups "
                             "DescribeSubnets DescribeVpcEndpoints DescribeVpcs ModifyVpcEndpoint",
    "AWS::EC2::VPCGatewayAttachment": "ec2: AttachInternetGateway AttachVpnGateway DescribeInternetGateways "
                                      "DescribeVpnGateways DetachInternetGateway DetachVpnGateway",
    "AWS::Events::Rule": "events: DeleteRule DescribeRule ListTagsForResource ListTargetsByRule PutRule PutTargets "
                         "RemoveTargets TagResource UntagResource; iam: PassRole",
    "AWS::FIS::ExperimentTemplate": "fis: CreateExperimentTemplate DeleteExperimentTemplate GetExperimentTemplate "
                                    "ListTagsForResource TagResource UntagResource UpdateExperimentTemplate; "
                                    "iam: PassRole",
    "AWS::IAM::Policy": "iam: DeleteRolePolicy GetRolePolicy PutRolePolicy",
    "AWS::IAM::Role": "iam: AttachRolePolicy CreateRole DeleteRole DeleteRolePermissionsBoundary DeleteRolePolicy "
                      "DetachRolePolicy GetRole GetRolePolicy ListAttachedRolePolicies ListRolePolicies "
                      "PutRolePermissionsBoundary PutRolePolicy TagRole UntagRole UpdateAssumeRolePolicy UpdateRole "
                      "UpdateRoleDescription",
    "AWS::KMS::Alias": "kms: CreateAlias DeleteAlias ListAliases UpdateAlias",
    "AWS::KMS::Key": "kms: CreateKey DescribeKey DisableKey DisableKeyRotation EnableKey EnableKeyRotation GetKeyPolicy "
                     "GetKeyRotationStatus ListResourceTags PutKeyPolicy ScheduleKeyDeletion TagResource UntagResource "
                     "UpdateKeyDescription",
    "AWS::Lambda::EventSourceMapping": "kms: Decrypt DescribeKey GenerateDataKey; lambda: CreateEventSourceMapping "
                                       "DeleteEventSourceMapping GetEventSourceMapping ListTags TagResource UntagResource "
                                       "UpdateEventSourceMapping",
    "AWS::Lambda::Function": "ec2: DescribeNetworkInterfaces DescribeSecurityGroups DescribeSubnets DescribeVpcs; "
                             "iam: PassRole; kms: CreateGrant Decrypt DescribeKey Encrypt GenerateDataKey; "
                             "lambda: CreateFunction DeleteFunction DeleteFunctionCodeSigningConfig "
                             "DeleteFunctionConcurrency GetCodeSigningConfig GetFunction GetFunctionCodeSigningConfig "
                             "GetFunctionRecursionConfig GetFunctionScalingConfig GetLayerVersion "
                             "GetRuntimeManagementConfig PublishVersion PutFunctionCodeSigningConfig "
                             "PutFunctionConcurrency PutFunctionRecursionConfig PutFunctionScalingConfig "
                             "PutRuntimeManagementConfig TagResource UntagResource UpdateFunctionCode "
                             "UpdateFunctionConfiguration; s3: GetObject GetObjectVersion",
    "AWS::Lambda::Permission": "lambda: AddPermission GetPolicy RemovePermission",
    "AWS::Logs::LogGroup": "logs: AssociateKmsKey CreateLogDelivery CreateLogGroup DeleteDataProtectionPolicy "
                           "DeleteIndexPolicy DeleteLogGroup DeleteRetentionPolicy DescribeIndexPolicies "
                           "DescribeLogGroups DescribeResourcePolicies DisassociateKmsKey GetDataProtectionPolicy "
                           "ListTagsForResource PutBearerTokenAuthentication PutDataProtectionPolicy PutIndexPolicy "
                           "PutLogGroupDeletionProtection PutRetentionPolicy TagResource UntagResource",
    # DBCluster: the KMS actions are the ones its instances' handler lists (the cluster holds the key), and
    # kms:Decrypt reads the master password's {{resolve:secretsmanager}} reference.
    "AWS::RDS::DBCluster": "ec2: DescribeSecurityGroups; iam: CreateServiceLinkedRole PassRole; "
                           "kms: CreateGrant Decrypt DescribeKey; rds: AddRoleToDBCluster AddTagsToResource "
                           "CreateDBCluster CreateDBClusterSnapshot CreateDBInstance DeleteDBCluster DeleteDBInstance "
                           "DescribeDBClusterAutomatedBackups DescribeDBClusterSnapshots DescribeDBClusters "
                           "DescribeDBSnapshots DescribeDBSubnetGroups DescribeEvents DescribeGlobalClusters "
                           "DisableHttpEndpoint EnableHttpEndpoint ModifyDBCluster ModifyDBInstance "
                           "RemoveFromGlobalCluster RemoveRoleFromDBCluster RemoveTagsFromResource "
                           "RestoreDBClusterFromSnapshot RestoreDBClusterToPointInTime; "
                           "secretsmanager: GetSecretValue",
    "AWS::RDS::DBClusterParameterGroup": "iam: CreateServiceLinkedRole; rds: AddTagsToResource "
                                         "CreateDBClusterParameterGroup DeleteDBClusterParameterGroup "
                                         "DescribeDBClusterParameterGroups DescribeDBClusterParameters DescribeDBClusters "
                                         "DescribeEngineDefaultClusterParameters ListTagsForResource "
                                         "ModifyDBClusterParameterGroup RemoveTagsFromResource "
                                         "ResetDBClusterParameterGroup",
    "AWS::RDS::DBInstance": "ec2: DescribeAccountAttributes DescribeAvailabilityZones DescribeInternetGateways "
                            "DescribeSecurityGroups DescribeSubnets DescribeVpcAttribute DescribeVpcs; "
                            "iam: CreateServiceLinkedRole GetRole ListRoles PassRole; kms: CreateGrant DescribeKey; "
                            "rds: AddRoleToDBInstance AddTagsToResource CreateDBInstance CreateDBInstanceReadReplica "
                            "CreateDBSnapshot DeleteDBInstance DescribeDBClusterSnapshots DescribeDBClusters "
                            "DescribeDBEngineVersions DescribeDBInstanceAutomatedBackups DescribeDBInstances "
                            "DescribeDBParameterGroups DescribeDBSnapshots DescribeEvents ModifyDBInstance "
                            "PromoteReadReplica RebootDBInstance RemoveRoleFromDBInstance RemoveTagsFromResource "
                            "RestoreDBInstanceFromDBSnapshot RestoreDBInstanceToPointInTime "
                            "StartDBInstanceAutomatedBackupsReplication StopDBInstanceAutomatedBackupsReplication",
    "AWS::RDS::DBSubnetGroup": "iam: CreateServiceLinkedRole; rds: AddTagsToResource CreateDBSubnetGroup "
                               "DeleteDBSubnetGroup DescribeDBSubnetGroups ListTagsForResource ModifyDBSubnetGroup "
                               "RemoveTagsFromResource",
    "AWS::RDS::GlobalCluster": "rds: AddTagsToResource CreateGlobalCluster DeleteGlobalCluster DescribeDBClusters "
                               "DescribeGlobalClusters ListTagsForResource ModifyGlobalCluster RemoveFromGlobalCluster "
                               "RemoveTagsFromResource",
    "AWS::Route53::HealthCheck": "cloudwatch: DescribeAlarms; route53: ChangeTagsForResource CreateHealthCheck "
                                 "DeleteHealthCheck GetHealthCheck ListTagsForResource UpdateHealthCheck",
    "AWS::Route53::HostedZone": "ec2: DescribeVpcs; route53: AssociateVPCWithHostedZone ChangeTagsForResource "
                                "CreateHostedZone CreateQueryLoggingConfig DeleteHostedZone DeleteQueryLoggingConfig "
                                "DisassociateVPCFromHostedZone GetChange GetHostedZone ListQueryLoggingConfigs "
                                "ListTagsForResource UpdateHostedZoneComment UpdateHostedZoneFeatures",
    "AWS::Route53::RecordSet": "route53: ChangeResourceRecordSets GetChange GetHostedZone ListHostedZones "
                               "ListResourceRecordSets",
    "AWS::S3::Bucket": "iam: PassRole; s3: CreateBucket DeleteBucket DeleteObject GetAccelerateConfiguration "
                       "GetAnalyticsConfiguration GetBucketAbac GetBucketAcl GetBucketCORS GetBucketLogging "
                       "GetBucketMetadataTableConfiguration GetBucketNotification GetBucketObjectLockConfiguration "
                       "GetBucketOwnershipControls GetBucketPublicAccessBlock GetBucketTagging GetBucketVersioning "
                       "GetBucketWebsite GetEncryptionConfiguration GetIntelligentTieringConfiguration "
                       "GetInventoryConfiguration GetLifecycleConfiguration GetMetricsConfiguration "
                       "GetReplicationConfiguration ListBucket ListTagsForResource PutAccelerateConfiguration "
                       "PutAnalyticsConfiguration PutBucketAbac PutBucketAcl PutBucketCORS PutBucketLogging "
                       "PutBucketNotification PutBucketObjectLockConfiguration PutBucketOwnershipControls "
                       "PutBucketPublicAccessBlock PutBucketTagging PutBucketVersioning PutBucketWebsite "
                       "PutEncryptionConfiguration PutIntelligentTieringConfiguration PutInventoryConfiguration "
                       "PutLifecycleConfiguration PutMetricsConfiguration PutObjectAcl PutReplicationConfiguration "
                       "TagResource UntagResource",
    "AWS::S3::BucketPolicy": "s3: DeleteBucketPolicy GetBucketPolicy PutBucketPolicy",
    # Secret: Secrets Manager encrypts the value, and its replicas, with the caller's KMS permissions.
    "AWS::SecretsManager::Secret": "kms: Decrypt Encrypt GenerateDataKey; secretsmanager: CreateSecret DeleteSecret "
                                   "DescribeSecret GetRandomPassword GetSecretValue RemoveRegionsFromReplication "
                                   "ReplicateSecretToRegions TagResource UntagResource UpdateSecret",
    "AWS::SNS::Topic": "iam: GetRole PassRole; sns: CreateTopic DeleteTopic GetDataProtectionPolicy GetTopicAttributes "
                       "ListSubscriptionsByTopic ListTagsForResource PutDataProtectionPolicy SetTopicAttributes Subscribe "
                       "TagResource Unsubscribe UntagResource",
    "AWS::SNS::TopicPolicy": "sns: SetTopicAttributes",
    "AWS::SQS::Queue": "sqs: CreateQueue DeleteQueue GetQueueAttributes GetQueueUrl ListQueueTags SetQueueAttributes "
                       "TagQueue UntagQueue",
    "AWS::SQS::QueuePolicy": "sqs: SetQueueAttributes",
    "AWS::SSM::Parameter": "ssm: AddTagsToResource DeleteParameter GetParameters ListTagsForResource PutParameter "
                           "RemoveTagsFromResource",
    "AWS::StepFunctions::StateMachine": "iam: PassRole; kms: Decrypt DescribeKey GenerateDataKey; s3: GetObject "
                                        "GetObjectVersion; states: CreateStateMachine DeleteStateMachine "
                                        "DescribeStateMachine ListTagsForResource TagResource UntagResource "
                                        "UpdateStateMachine",
}

NOT_NEEDED: dict[str, str] = {
    # "service:Action" (or "service:*") is left out wherever a schema lists it; "AWS::X::Y service:Action" from
    # that type only.
    "acm-pca:GetCertificate": "drgen's certificates are public and validated by DNS: no private CA issues them",
    "acm-pca:IssueCertificate": "drgen's certificates are public and validated by DNS: no private CA issues them",
    "autoscaling:DescribeTags": "there is no Auto Scaling group in drgen's templates",
    "backup-storage:Mount": "not an action of the service authorization reference (MountCapsule is)",
    "iam:DeleteGroupPolicy": "drgen's policies attach to roles only, never to groups",
    "iam:DeleteUserPolicy": "drgen's policies attach to roles only, never to users",
    "iam:GetGroupPolicy": "drgen's policies attach to roles only, never to groups",
    "iam:GetUserPolicy": "drgen's policies attach to roles only, never to users",
    "iam:PutGroupPolicy": "drgen's policies attach to roles only, never to groups",
    "iam:PutUserPolicy": "drgen's policies attach to roles only, never to users",
    "dynamodb:DisableKinesisStreamingDestination": "drgen's tables stream to no Kinesis stream",
    "dynamodb:DisassociateTableReplica": "not an action of the service authorization reference",
    "dynamodb:EnableKinesisStreamingDestination": "drgen's tables stream to no Kinesis stream",
    "dynamodb:UpdateKinesisStreamingDestination": "drgen's tables stream to no Kinesis stream",
    "elasticfilesystem:DescribeMountTargets": "drgen's functions mount no EFS file system",
    "firehose:TagDeliveryStream": "drgen's log groups deliver to no Firehose stream",
    "kinesis:DescribeStream": "drgen's tables stream to no Kinesis stream",
    "kinesis:ListStreams": "drgen's tables stream to no Kinesis stream",
    "kinesis:PutRecords": "drgen's tables stream to no Kinesis stream",
    "lambda:AssociateRuntimeAlias": "not an action of the service authorization reference",
    "lambda:PassCapacityProvider": "drgen's functions run on Lambda's own capacity, not on a capacity provider",
    "logs:DeleteResourcePolicy": "drgen's log groups carry no resource policy (ResourcePolicyDocument)",
    "logs:PutResourcePolicy": "drgen's log groups carry no resource policy (ResourcePolicyDocument)",
    "route53-recovery-control-config:DescribeRoutingControl": "drgen's health checks call endpoints; no routing control",
    "s3:CreateBucketMetadataTableConfiguration": "drgen's buckets have no S3 Metadata tables",
    "s3:DeleteBucketAnalyticsConfiguration": "not an IAM action: s3:PutAnalyticsConfiguration authorizes it",
    "s3:DeleteBucketCors": "not an IAM action: s3:PutBucketCORS authorizes it",
    "s3:DeleteBucketEncryption": "not an IAM action: s3:PutEncryptionConfiguration authorizes it",
    "s3:DeleteBucketLifecycle": "not an IAM action: s3:PutLifecycleConfiguration authorizes it",
    "s3:DeleteBucketMetadataTableConfiguration": "drgen's buckets have no S3 Metadata tables",
    "s3:DeleteBucketMetricsConfiguration": "not an IAM action: s3:PutMetricsConfiguration authorizes it",
    "s3:DeleteBucketReplication": "not an IAM action: s3:PutReplicationConfiguration authorizes it",
    "s3:DeleteBucketWebsite": "drgen's buckets host no website",
    "s3:PutBucketReplication": "not an IAM action: s3:PutReplicationConfiguration authorizes it",
    "s3:PutObjectLockConfiguration": "not an IAM action: it is s3:PutBucketObjectLockConfiguration",
    "s3:REST.PUT.OBJECT": "not an IAM action: the name of an S3 REST operation",
    "s3:UpdateBucketMetadataAnnotationTableConfiguration": "drgen's buckets have no S3 Metadata tables",
    "s3:UpdateBucketMetadataInventoryTableConfiguration": "drgen's buckets have no S3 Metadata tables",
    "s3:UpdateBucketMetadataJournalTableConfiguration": "drgen's buckets have no S3 Metadata tables",
    "s3files:ListMountTargets": "drgen's functions mount no S3 file system",
    "s3tables:*": "drgen's buckets have no S3 Metadata tables, which live in S3 table buckets",
    "vpc-lattice:CreateServiceNetworkVpcEndpointAssociation": "drgen's VPC endpoints are service endpoints, not "
                                                              "service-network endpoints",
    "vpc-lattice:DescribeServiceNetworkVpcEndpointAssociation": "drgen's VPC endpoints are service endpoints, not "
                                                                "service-network endpoints",
    "vpce:AllowMultiRegion": "drgen's VPC endpoints reach services of their own region only",
    "AWS::EC2::FlowLog iam:CreateServiceLinkedRole": "flow logs to CloudWatch Logs are delivered with the role drgen "
                                                     "passes (DeliverLogsPermissionArn), not a service-linked role",
    "AWS::EC2::FlowLog s3:GetBucketPolicy": "drgen's flow logs go to CloudWatch Logs, not to a bucket",
    "AWS::EC2::FlowLog s3:PutBucketPolicy": "drgen's flow logs go to CloudWatch Logs, not to a bucket",
    "AWS::RDS::DBCluster secretsmanager:CreateSecret": "drgen generates the master password in its own secret: RDS "
                                                       "does not manage it (no ManageMasterUserPassword)",
    "AWS::RDS::DBCluster secretsmanager:TagResource": "drgen generates the master password in its own secret: RDS "
                                                      "does not manage it (no ManageMasterUserPassword)",
    "AWS::RDS::DBInstance secretsmanager:CreateSecret": "drgen's instances belong to a cluster, whose password drgen "
                                                        "generates in its own secret",
    "AWS::RDS::DBInstance secretsmanager:TagResource": "drgen's instances belong to a cluster, whose password drgen "
                                                       "generates in its own secret",
}



def not_needed(kind: str, name: str) -> str | None:
    """Why ``name``, which CloudFormation's handler for ``kind`` lists, is not in ``ACTIONS[kind]`` (None: it is)."""
    for key in (f"{kind} {name}", name, name.split(":")[0] + ":*"):
        if key in NOT_NEEDED:
            return NOT_NEEDED[key]
    return None


SERVICE_LINKED: dict[str, str] = {
    # API Gateway creates its service-linked role with an account's first custom domain name.
    "AWS::ApiGateway::DomainName": "ops.apigateway.amazonaws.com",
    "AWS::Backup::BackupSelection": "backup.amazonaws.com",
    "AWS::DynamoDB::GlobalTable": "replication.dynamodb.amazonaws.com",
    "AWS::RDS::DBCluster": "rds.amazonaws.com",
    "AWS::RDS::DBClusterParameterGroup": "rds.amazonaws.com",
    "AWS::RDS::DBInstance": "rds.amazonaws.com",
    "AWS::RDS::DBSubnetGroup": "rds.amazonaws.com",
}
"""The service-linked role a type's ``iam:CreateServiceLinkedRole`` creates (its ``iam:AWSServiceName``)."""

UNSCOPED: frozenset[str] = frozenset({
    "acm:AddTagsToCertificate",  # tags given to RequestCertificate, possibly checked before the certificate exists
    "acm:RequestCertificate",
    "backup-storage:MountCapsule",
    "cloudwatch:PutMetricData",
    "kms:CreateKey",
    "kms:TagResource",  # "to add tags while creating a KMS key, ... an IAM policy that isn't restricted to particular keys"
    "lambda:CreateEventSourceMapping",  # no resource type; limited by lambda:FunctionArn instead
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "secretsmanager:GetRandomPassword",
    # Unsubscribe names a subscription, which the service authorization reference gives no resource type (its
    # Amazon SNS table lists none for the action); a grant on the topic's ARN would not apply to it.
    "sns:Unsubscribe",
})
"""Actions AWS authorizes on ``*`` only (no resource type in the service authorization reference)."""

_READ = re.compile(r"^[a-z0-9-]+:(Describe|List)")


def is_unscoped(action: str) -> bool:
    """Whether ``action`` is granted on ``*``: no resource-level permission, or a metadata read (Describe*, List*)."""
    if action in UNSCOPED:
        return True
    return bool(_READ.match(action)) and not action.startswith("s3:ListBucket")  # ListBucket lists objects: data


_MODULES = {"lambda": "awslambda", "backup-storage": "backup_storage", "application-autoscaling": "application_autoscaling"}


def action(name: str) -> Action:
    """The awacs constant for ``service:Verb`` (a ``Verb*`` wildcard is built); an unknown action raises."""
    service, verb = name.split(":")
    module = importlib.import_module("awacs." + _MODULES.get(service, service.replace("-", "_")))
    if "*" in verb:
        return Action(service, verb)
    constant = getattr(module, verb, None)
    if not isinstance(constant, Action) or constant.prefix != service:
        raise ValueError(f"{name} is not an IAM action awacs knows")
    return constant


def _parse(spec: str) -> tuple[str, ...]:
    names = []
    for part in spec.split(";"):
        service, verbs = part.split(":")
        names += [f"{service.strip()}:{verb}" for verb in verbs.split()]
    return tuple(sorted(set(names)))


ACTIONS: dict[str, tuple[str, ...]] = {kind: _parse(spec) for kind, spec in _SPEC.items()}
"""Resource type -> the IAM actions CloudFormation needs to create, read, update and delete it."""

for _name in sorted({name for names in ACTIONS.values() for name in names}):
    action(_name)  # every action is one awacs knows: a misspelling fails here, at import


def scopes(bp: Blueprint) -> dict[str, tuple[str, ...]]:
    """Service -> the ARNs (``Fn::Sub`` strings) its actions may touch for ``bp``, in any region of the account."""
    p = bp.prefix
    regional = f"*:{ACCOUNT}"
    zone = bp.dns.zone_id if bp.dns is not None and bp.dns.zone_id else "*"
    return {
        "acm": (f"{ARN}:acm:{regional}:certificate/*",),  # the certificate's id is AWS's
        "apigateway": (f"{ARN}:apigateway:*::/*",),  # API Gateway ARNs hold no account: this account's APIs
        # a plan's ARN ends in an id Region switch picks: plan/<name>:<id>
        "arc-region-switch": (f"{ARN}:arc-region-switch::{ACCOUNT}:plan/{naming.region_switch_plan(p)}:*",),
        "backup": (f"{ARN}:backup:{regional}:backup-vault:{naming.backup_vault(p)}",
                   f"{ARN}:backup:{regional}:backup-plan:*"),  # a plan's ARN holds AWS's id, not its name
        "cloudwatch": (f"{ARN}:cloudwatch:{regional}:alarm:{naming.alarm(p, '*')}",
                       f"{ARN}:cloudwatch::{ACCOUNT}:dashboard/{p}-*"),
        "ec2": (f"{ARN}:ec2:{regional}:*",),  # VPC pieces get AWS's ids: this account's
        "events": (f"{ARN}:events:{regional}:rule/{p}-*",),
        # an experiment template's id is AWS's; creating one is authorized on the FIS actions it names too
        "fis": (f"{ARN}:fis:{regional}:experiment-template/*", f"{ARN}:fis:{regional}:action/*"),
        "iam": (f"{ARN}:iam::{ACCOUNT}:role/{p}-*",),
        "kms": (f"{ARN}:kms:{regional}:key/*",  # a key's id is AWS's; its alias is drgen's
                f"{ARN}:kms:{regional}:{naming.kms_alias(p)}"),
        "lambda": (f"{ARN}:lambda:{regional}:function:{naming.function(p, '*')}",
                   f"{ARN}:lambda:{regional}:event-source-mapping:*",
                   # AWS FIS's extension, a layer AWS publishes from its own account in each region (impair_canary)
                   *((f"{ARN}:lambda:*:*:layer:{FIS_LAYER}:*",)
                     if bp.game_days is not None and bp.game_days.impair_canary else ())),
        "logs": (f"{ARN}:logs:{regional}:log-group:/aws/lambda/{naming.function(p, '*')}",
                 f"{ARN}:logs:{regional}:log-group:/drgen/{p}/*",
                 f"{ARN}:logs:{regional}:log-group:/aws/vendedlogs/states/{naming.state_machine(p)}*"),
        "rds": (f"{ARN}:rds:{regional}:cluster:{p}-*",
                f"{ARN}:rds:{regional}:db:{p}-*",
                f"{ARN}:rds::{ACCOUNT}:global-cluster:{naming.global_cluster(p, '*')}",
                # named by CloudFormation (subnet and parameter groups, final snapshots) or RDS (defaults)
                f"{ARN}:rds:{regional}:subgrp:*", f"{ARN}:rds:{regional}:cluster-pg:*",
                f"{ARN}:rds:{regional}:pg:*", f"{ARN}:rds:{regional}:og:*",
                f"{ARN}:rds:{regional}:cluster-snapshot:*", f"{ARN}:rds:{regional}:snapshot:*"),
        "route53": (f"{ARN}:route53:::hostedzone/{zone}",),
        "s3": (f"{ARN}:s3:::{p}-*", f"{ARN}:s3:::{p}-*/*"),
        "secretsmanager": (f"{ARN}:secretsmanager:{regional}:secret:{naming.db_secret(p, '*')}-*",),
        "sns": (f"{ARN}:sns:{regional}:{naming.topic(p)}*",),
        "sqs": (f"{ARN}:sqs:{regional}:{naming.queue(p, '*')}",),
        "ssm": (f"{ARN}:ssm:{regional}:parameter{naming.parameter(bp.name, bp.environment, '*')}",),
        "states": (f"{ARN}:states:{regional}:stateMachine:{naming.state_machine(p)}*",),
    }
