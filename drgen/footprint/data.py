"""The layers that hold the data and the network: bootstrap, network, zone, database, storage, tables."""

from __future__ import annotations

from drgen import configs, naming
from drgen.footprint.items import OWN, Footprint, export, js, lengths
from drgen.model import Blueprint, Table
from drgen.splitting import table_group


def bootstrap(bp: Blueprint, f: Footprint) -> None:
    f.resource("Key", OWN, "the regional KMS key", "key")
    f.resource("KeyAlias", OWN, "the key's alias", "key-alias", tagged=0)
    f.resource("AccessLogBucket", OWN, "the access-log bucket", "log-bucket")
    f.resource("AccessLogBucketPolicy", OWN, "the access-log bucket's policy", "log-bucket-policy", tagged=0)
    f.resource("ArtifactBucket", OWN, "the artifact bucket", "artifact-bucket")
    f.resource("ArtifactBucketPolicy", OWN, "the artifact bucket's policy", "bucket-policy", tagged=0)
    export(f, "KeyArn", OWN, "the key's ARN")
    export(f, "ArtifactBucket", OWN, "the artifact bucket's name")


def network(bp: Blueprint, f: Footprint) -> None:
    for name in ("VpcCidr", "ZoneCount", "Zones", "PublicSubnetCidrs", "PrivateSubnetCidrs"):
        f.add("parameter", name, ("regions",), "a per-region network value", f"network-parameter-{name}")
    f.resource("Vpc", OWN, "the VPC", "vpc")
    f.resource("FlowLogGroup", OWN, "the flow log group", "log-group")
    f.resource("FlowLogRole", OWN, "the flow log role", "flow-log-role")
    f.resource("FlowLog", OWN, "the flow log", "flow-log")
    nat, owner = bp.network.nat, ("network", "nat")
    if nat != "none":
        f.resource("InternetGateway", owner, "the internet gateway", "internet-gateway")
        f.resource("InternetGatewayAttachment", owner, "its attachment", "attachment", tagged=0)
        f.resource("PublicRouteTable", owner, "the public route table", "route-table")
        f.resource("PublicDefaultRoute", owner, "the public default route", "route", tagged=0)
    for i in range(1, max(len(r.zones) for r in bp.regions) + 1):
        zone = {"cond": int(i > 2)}  # zones past the second exist only where the region has them
        for stem in ("PublicSubnet", "PrivateSubnet"):
            f.resource(f"{stem}{i}", ("regions",), f"subnet {i}", "subnet", **zone)
        f.resource(f"PrivateRouteTable{i}", ("regions",), f"route table {i}", "route-table", **zone)
        f.resource(f"PrivateSubnet{i}Routes", ("regions",), f"route association {i}", "association", tagged=0, **zone)
        if nat != "none":
            f.resource(f"PublicSubnet{i}Routes", owner, f"route association {i}", "association", tagged=0, **zone)
        if nat == "per-az" or (nat == "single" and i == 1):
            f.resource(f"NatAddress{i}", owner, f"NAT address {i}", "eip", **zone)
            f.resource(f"NatGateway{i}", owner, f"NAT gateway {i}", "nat-gateway", **zone)
        if nat != "none":
            f.resource(f"PrivateDefaultRoute{i}", owner, f"default route {i}", "route", tagged=0, **zone)
    f.resource("FunctionSecurityGroup", OWN, "the functions' security group", "function-security-group")
    f.resource("DatabaseSecurityGroup", OWN, "the databases' security group", "database-security-group")
    for port in sorted({5432 if db.engine == "aurora-postgresql" else 3306 for db in bp.databases}):
        f.resource(f"DatabaseIngress{port}", ("databases",), f"database ingress on {port}", "security-rule", tagged=0)
        f.resource(f"FunctionEgress{port}", ("databases",), f"function egress to {port}", "security-rule", tagged=0)
    interface = [s for s in bp.network.endpoints if s not in ("s3", "dynamodb")]
    if interface:
        f.resource("EndpointSecurityGroup", ("network", "endpoints"), "the endpoints' security group",
                   "endpoint-security-group")
    for service in bp.network.endpoints:
        zones = max(len(r.zones) for r in bp.regions)
        f.resource(naming.logical_id(service.replace(".", "-"), "Endpoint"), ("network", "endpoints"),
                   f"the {service} endpoint", "endpoint", service=len(service), interface=int(service in interface),
                   izones=zones * (service in interface), gzones=zones * (service not in interface))
    zones = max(len(r.zones) for r in bp.regions)
    for name in ("VpcId", "PrivateSubnetIds", "PrivateRouteTableIds", "FunctionSecurityGroupId",
                 "DatabaseSecurityGroupId"):
        export(f, name, OWN, f"the {name} export", zones=zones * (name in ("PrivateSubnetIds", "PrivateRouteTableIds")))


def zone(bp: Blueprint, f: Footprint) -> None:
    zone = len(bp.dns.zone) if bp.dns else 0
    f.resource("HostedZone", ("dns",), "the hosted zone", "hosted-zone", zone=zone)
    f.add("output", "HostedZoneId", ("dns",), "the zone's id", "output")
    f.add("output", "NameServers", ("dns",), "the zone's name servers", "output")


def database(bp: Blueprint, f: Footprint) -> None:
    f.add("parameter", "Role", ("regions",), "the region's role", "role-parameter")
    global_db = bp.strategy != "backup-restore"
    secondaries = [r.name for r in bp.secondaries]
    for i, db in enumerate(bp.databases):
        d, owner, what, n = naming.logical_id(db.name), ("databases", i), f"database '{db.name}'", db.name
        mysql = int(db.engine == "aurora-mysql")
        f.resource(f"{d}Secret", owner, f"the secret of {what}", "db-secret", N=len(n), user=len(db.master_username),
                   sec=len(secondaries), secl=lengths(secondaries), secp=len(secondaries) * len(bp.prefix))
        if global_db:
            f.resource(f"{d}GlobalCluster", owner, f"the global cluster of {what}", "global-cluster", N=len(n),
                       version=len(db.engine_version), mysql=mysql)
        f.resource(f"{d}SubnetGroup", owner, f"the subnet group of {what}", "subnet-group", N=len(n),
                   condition=int(not global_db))
        f.resource(f"{d}ClusterParameters", owner, f"the parameters of {what}", "cluster-parameters", N=len(n),
                   mysql=mysql, condition=int(not global_db))
        f.resource(f"{d}Cluster", owner, f"the cluster of {what}", "db-cluster", N=len(n), mysql=mysql,
                   version=len(db.engine_version), dbname=len(db.database_name), user=len(db.master_username),
                   capacity=js(db.capacity.min) + js(db.capacity.max) if db.capacity else 0,
                   serverless=int(db.capacity is not None), backup=1 - global_db)
        if i == 0:
            f.resource("MonitoringRole", OWN, "the monitoring role", "monitoring-role", condition=int(not global_db))
        secondary = db.secondary_instances if global_db else 0
        for index in range(1, max(db.primary_instances, secondary) + 1):
            both = index <= db.primary_instances and index <= secondary
            f.resource(f"{d}Instance{index}", owner, f"instance {index} of {what}", "db-instance", N=len(n),
                       mysql=mysql, condition=int(not both), klass=len(db.instance_class or "db.serverless"),
                       digits=len(str(index)))
        for name in ("ClusterArn", "ClusterResourceId", "Endpoint", "SecretArn"):
            f.add("output", f"{d}{name}", owner, f"the {name} export of {what}", "db-export", N=len(n),
                  condition=int(name == "SecretArn" or not global_db))
        if not global_db:
            if i == 0:
                f.resource("BackupVault", OWN, "the backup vault", "backup-vault")
                f.resource("BackupRole", OWN, "the backup role", "backup-role")
            f.resource(f"{d}BackupPlan", owner, f"the backup plan of {what}", "backup-plan", N=len(n),
                       sec=len(secondaries), secl=lengths(secondaries), secp=len(secondaries) * len(bp.prefix),
                       days=len(str(db.backup_retention.whole_days)),
                       secdays=len(secondaries) * len(str(db.backup_retention.whole_days)))
            f.resource(f"{d}BackupSelection", owner, f"the backup selection of {what}", "backup-selection",
                       tagged=0, N=len(n))


def storage(bp: Blueprint, f: Footprint) -> None:
    """``synth.storage``: every region's buckets replicate to every other region's, each rule and each
    destination under the condition naming its region; the deploy-time ``PeerBuckets`` holds the secondaries'
    rules back until every region's buckets exist."""
    f.add("parameter", "Role", ("regions",), "the region's role", "role-parameter")
    f.add("parameter", "PeerBuckets", ("buckets",), "whether every region's buckets exist", "peer-buckets-parameter")
    regions = bp.region_names
    f.conditions["PeerBucketsPending"] = {"Fn::Equals": [{"Ref": "PeerBuckets"}, "pending"]}
    f.conditions["Replicates"] = {"Fn::Or": [{"Condition": "IsPrimary"},
                                             {"Fn::Not": [{"Condition": "PeerBucketsPending"}]}]}
    for region in regions:
        f.conditions[f"Is{naming.region_id(region)}"] = {"Fn::Equals": [{"Ref": "AWS::Region"}, region]}
    names = [b.name for b in bp.buckets]
    p, nb, nr = len(bp.prefix), len(names), len(regions)
    regl, regid = lengths(regions), lengths(naming.region_id(r) for r in regions)
    f.resource("ReplicationRole", ("buckets",), "the replication role", "replication-role", buckets=nb,
               bucketl=lengths(names), bucketp=nb * p, reg=nr, regl=regl, regp=nr * p, regid=regid, pairs=nb * nr,
               pairl=nb * regl + nr * lengths(names), pairp=nb * nr * p, pairid=nb * regid)
    for i, bucket in enumerate(bp.buckets):
        b, what = naming.logical_id(bucket.name, "Bucket"), f"bucket '{bucket.name}'"
        lock = bucket.object_lock
        f.resource(b, ("buckets", i), what, "bucket", N=len(bucket.name), reg=nr, regl=regl, regid=regid,
                   regn=nr * len(bucket.name), regp=nr * p, rtc=nr * bucket.time_control,
                   keep=nr * (not bucket.replicate_deletes), lock=int(lock is not None),
                   lockdays=len(str(lock.retention.whole_days)) + len(lock.mode) if lock else 0,
                   expire=len(str(bucket.noncurrent_expiration.whole_days)) if bucket.noncurrent_expiration else 0,
                   expires=int(bucket.noncurrent_expiration is not None),
                   digits=sum(len(str(n)) for n in range(nr)))
        f.resource(f"{b}Policy", ("buckets", i), f"the policy of {what}", "bucket-policy", tagged=0, N=len(bucket.name))
        f.add("output", f"{b}Name", ("buckets", i), f"the name of {what}", "bucket-output", N=len(bucket.name))


def _index_features(table: Table, regions: int) -> dict[str, int]:
    """What a table's secondary indexes, contributor insights and deletion protection add (``synth.tables``)."""
    gsis, lsis = table.global_indexes, table.local_indexes
    indexes = (*gsis, *lsis)
    extra = table.attributes[len(table.keys):]
    provisioned = table.billing.mode == "provisioned"
    insights = table.contributor_insights
    replica_gsis = len(gsis) if provisioned or insights else 0
    return {
        "attrs": len(extra), "attrl": lengths(k.name for k in extra), "gsis": len(gsis), "lsis": len(lsis),
        "anygsi": int(bool(gsis)), "anylsi": int(bool(lsis)), "rany": regions * (replica_gsis > 0),
        "idxl": lengths(i.name for i in indexes), "ikeys": sum(len(i.keys) for i in indexes),
        "ikeyl": lengths(k.name for i in indexes for k in i.keys), "projl": sum(len(i.projection) for i in indexes),
        "includes": sum(i.projection == "include" for i in indexes),
        "nka": sum(len(i.non_key_attributes) for i in indexes),
        "nkal": lengths(a for i in indexes for a in i.non_key_attributes),
        "ci": regions * insights, "dp": regions * (not table.deletion_protection),
        "rgsi": regions * replica_gsis, "rgsil": regions * lengths(i.name for i in gsis) * (replica_gsis > 0),
        "rgsici": regions * len(gsis) * insights, "rgsiprov": regions * len(gsis) * provisioned,
        "gsiprov": len(gsis) * provisioned,
        "iread": regions * lengths(str(i.capacity.read or "") for i in gsis) * provisioned,
        "iwrite": 2 * lengths(str(i.capacity.write or 1) for i in gsis) * provisioned,
    }


def tables(bp: Blueprint, f: Footprint) -> None:
    from drgen.model import Key

    regions = bp.region_names
    control = Table(name="drgen-control", partition_key=Key("pk", "S"))
    outbox = (Table(name="drgen-outbox", partition_key=Key("id", "S"), ttl_attribute="expiresAt"),) \
        if configs.intake_queues(bp) else ()
    for i, table in enumerate((*bp.tables, control, *outbox)):
        own = i >= len(bp.tables)
        f.group = "" if own else table_group(table.name)
        logical_id = ("ControlTable" if i == len(bp.tables) else "OutboxTable") if own \
            else naming.logical_id(table.name, "Table")
        keys = table.keys
        provisioned = table.billing.mode == "provisioned"
        what = f"drgen's {table.name.removeprefix('drgen-')} table" if own else f"table '{table.name}'"
        f.resource(logical_id, OWN if own else ("tables", i), what,
                   "table", tagged=len(regions), N=len(table.name), reg=len(regions), regl=lengths(regions),
                   regp=len(regions) * len(bp.prefix),
                   keys=len(keys), keyl=lengths(k.name for k in keys), ttl=len(table.ttl_attribute or ""),
                   ttls=int(bool(table.ttl_attribute)), pitr=len(regions) * (not table.point_in_time_recovery),
                   stream=len(table.stream), prov=int(provisioned), provreg=len(regions) * provisioned,
                   read=len(regions) * len(str(table.billing.read or "")), write=2 * len(str(table.billing.write or 1))
                   * provisioned, **_index_features(table, len(regions)))
        if not own:
            f.add("output", f"{logical_id}Name", ("tables", i), f"the name of table '{table.name}'", "table-output",
                  N=len(table.name))
    f.group = ""
