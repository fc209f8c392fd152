"""Codes of regions, partitions, the control region and the network (x2xx)."""

from __future__ import annotations

from drgen.codes.entry import Code

CODES: list[Code] = [
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
]
