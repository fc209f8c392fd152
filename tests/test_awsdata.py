"""Sanity properties of drgen's AWS facts: what would be wrong if a table were mistyped."""

from __future__ import annotations

from drgen import awsdata


def test_every_region_has_at_least_two_zones_of_its_own() -> None:
    for region, zones in awsdata.REGIONS.items():
        assert len(zones) >= 2, region
        assert len(set(zones)) == len(zones), region
        for zone in zones:
            assert zone[:-1] == region and zone[-1].isalpha(), zone


def test_partitions_follow_the_region_codes() -> None:
    assert awsdata.PARTITIONS["us-east-1"] == "aws"
    assert awsdata.PARTITIONS["cn-north-1"] == "aws-cn"
    assert awsdata.PARTITIONS["us-gov-west-1"] == "aws-us-gov"
    assert set(awsdata.PARTITIONS) == set(awsdata.REGIONS)


def test_no_burstable_class_for_global_databases() -> None:
    assert "db.r6g.large" in awsdata.AURORA_GLOBAL_INSTANCE_CLASSES
    assert not any(c.startswith("db.t") for c in awsdata.AURORA_GLOBAL_INSTANCE_CLASSES)


def test_parameter_group_families() -> None:
    assert awsdata.parameter_group_family("aurora-postgresql", "16.9") == "aurora-postgresql16"
    assert awsdata.parameter_group_family("aurora-mysql", "8.0.mysql_aurora.3.08.0") == "aurora-mysql8.0"


def test_limits_are_ordered() -> None:
    assert awsdata.SQS_RETENTION_MIN_S < awsdata.SQS_RETENTION_MAX_S
    assert awsdata.LAMBDA_MEMORY_MIN_MB < awsdata.LAMBDA_MEMORY_MAX_MB
    assert awsdata.AURORA_BACKUP_RETENTION_DAYS[0] < awsdata.AURORA_BACKUP_RETENTION_DAYS[1]
    assert awsdata.CFN_TEMPLATE_BODY_MAX_BYTES < awsdata.CFN_TEMPLATE_URL_MAX_BYTES
    assert awsdata.VPC_ENDPOINT_TYPES["s3"] == "Gateway" and awsdata.VPC_ENDPOINT_TYPES["sqs"] == "Interface"
