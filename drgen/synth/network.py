"""The network layer (every region, when anything runs in a VPC).

The VPC, one public and one private subnet per zone (CIDRs computed here and passed per region),
private route tables per zone, NAT per ``network.nat`` (with ``none``, which is the default, there is no
internet gateway at all: private subnets reach AWS services only through VPC endpoints, and the public
subnets are still carved - so that turning NAT on later adds routes, not subnets - but have no route out
of the VPC), encrypted flow logs, VPC endpoints, and security groups without open ingress. Regions may
use different numbers of zones: subnets are declared for the largest count and guarded by ``HasZone<n>``
conditions on the per-region ``ZoneCount``.

The VPC's default security group keeps its default rules: CloudFormation cannot change them without a
custom resource (checkov's CKV2_AWS_12), and nothing drgen creates uses that group.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from awacs import logs
from awacs.aws import Allow, PolicyDocument, Statement
from troposphere import Equals, GetAtt, If, Join, Not, NoValue, Or, Ref, Select, Sub, ec2, iam

from drgen import awsdata, naming
from drgen.synth import policies
from drgen.synth.base import LayerTemplate

ALWAYS = 2  # every region has at least two zones


def subnet_cidrs(cidr: str, bits: int, zones: int) -> tuple[list[str], list[str]]:
    """Public then private subnets of prefix ``cidr + bits``, one of each per zone."""
    subnets = ipaddress.IPv4Network(cidr).subnets(prefixlen_diff=bits)
    carved = [str(next(subnets)) for _ in range(2 * zones)]
    return carved[:zones], carved[zones:]


def _zone_condition(t: LayerTemplate, index: int) -> str | None:
    """The condition that zone ``index`` (0-based) exists in a region, or None when it always does."""
    if index < ALWAYS:
        return None
    name = f"HasZone{index + 1}"
    if name not in t.template.conditions:
        fewer = [Equals(Ref("ZoneCount"), str(n)) for n in range(ALWAYS, index + 1)]
        t.template.add_condition(name, Not(fewer[0]) if len(fewer) == 1 else Not(Or(*fewer)))
    return name


def _maybe(condition: str | None, value: Any) -> Any:
    return If(condition, value, NoValue) if condition else value


def contribute(t: LayerTemplate) -> None:
    bp = t.bp
    regions = [r for r in bp.regions if r.name in t.layer.regions]
    most = max(len(r.zones) for r in regions)
    carved = {r.name: subnet_cidrs(r.cidr, bp.network.subnet_bits, len(r.zones)) for r in regions}
    t.per_region("VpcCidr", {r.name: r.cidr for r in regions}, "The region's VPC CIDR")
    t.per_region("ZoneCount", {r.name: str(len(r.zones)) for r in regions}, "How many zones the region uses",
                 allowed=[str(n) for n in range(ALWAYS, 7)])
    t.per_region("Zones", {r.name: ",".join(r.zones) for r in regions}, "The region's zones",
                 kind="CommaDelimitedList")
    t.per_region("PublicSubnetCidrs", {n: ",".join(c[0]) for n, c in carved.items()}, "One per zone",
                 kind="CommaDelimitedList")
    t.per_region("PrivateSubnetCidrs", {n: ",".join(c[1]) for n, c in carved.items()}, "One per zone",
                 kind="CommaDelimitedList")
    vpc = t.add(ec2.VPC("Vpc", CidrBlock=Ref("VpcCidr"), EnableDnsHostnames=True, EnableDnsSupport=True))
    _flow_logs(t, vpc)
    nat = bp.network.nat
    public_routes = None
    if nat != "none":
        gateway = t.add(ec2.InternetGateway("InternetGateway"))
        t.add(ec2.VPCGatewayAttachment("InternetGatewayAttachment", VpcId=Ref(vpc), InternetGatewayId=Ref(gateway)))
        public_routes = t.add(ec2.RouteTable("PublicRouteTable", VpcId=Ref(vpc)))
        t.add(ec2.Route("PublicDefaultRoute", RouteTableId=Ref(public_routes), DestinationCidrBlock="0.0.0.0/0",
                        GatewayId=Ref(gateway), DependsOn="InternetGatewayAttachment"))
    private_subnets, private_tables = [], []
    for i in range(most):
        cond = _zone_condition(t, i)
        zone = Select(i, Ref("Zones"))
        public = ec2.Subnet(f"PublicSubnet{i + 1}", VpcId=Ref(vpc), AvailabilityZone=zone,
                            CidrBlock=Select(i, Ref("PublicSubnetCidrs")), MapPublicIpOnLaunch=False)
        private = ec2.Subnet(f"PrivateSubnet{i + 1}", VpcId=Ref(vpc), AvailabilityZone=zone,
                             CidrBlock=Select(i, Ref("PrivateSubnetCidrs")), MapPublicIpOnLaunch=False)
        table = ec2.RouteTable(f"PrivateRouteTable{i + 1}", VpcId=Ref(vpc))
        for resource in (public, private, table):
            if cond:
                resource.Condition = cond
            t.add(resource)
        association = ec2.SubnetRouteTableAssociation(f"PrivateSubnet{i + 1}Routes", SubnetId=Ref(private),
                                                      RouteTableId=Ref(table))
        if cond:
            association.Condition = cond
        t.add(association)
        if public_routes is not None:
            public_association = ec2.SubnetRouteTableAssociation(
                f"PublicSubnet{i + 1}Routes", SubnetId=Ref(public), RouteTableId=Ref(public_routes))
            if cond:
                public_association.Condition = cond
            t.add(public_association)
        private_subnets.append(_maybe(cond, Ref(private)))
        private_tables.append(_maybe(cond, Ref(table)))
        if nat == "per-az" or (nat == "single" and i == 0):
            eip = ec2.EIP(f"NatAddress{i + 1}", Domain="vpc")
            gateway_nat = ec2.NatGateway(f"NatGateway{i + 1}", SubnetId=Ref(public), AllocationId=GetAtt(eip, "AllocationId"))
            for resource in (eip, gateway_nat):
                if cond:
                    resource.Condition = cond
                t.add(resource)
        if nat != "none":
            target = f"NatGateway{i + 1}" if nat == "per-az" else "NatGateway1"
            route = ec2.Route(f"PrivateDefaultRoute{i + 1}", RouteTableId=Ref(table), DestinationCidrBlock="0.0.0.0/0",
                              NatGatewayId=Ref(target))
            if cond:
                route.Condition = cond
            t.add(route)
    function_sg, database_sg = _security_groups(t, vpc)
    _endpoints(t, vpc, private_subnets, private_tables)
    t.export("VpcId", Ref(vpc), "The region's VPC")
    t.export("PrivateSubnetIds", Join(",", private_subnets), "The private subnets, comma-joined")
    t.export("PrivateRouteTableIds", Join(",", private_tables), "The private subnets' route tables, comma-joined")
    t.export("FunctionSecurityGroupId", Ref(function_sg), "Security group of functions in the VPC")
    t.export("DatabaseSecurityGroupId", Ref(database_sg), "Security group of the Aurora clusters")


def _flow_logs(t: LayerTemplate, vpc: ec2.VPC) -> None:
    group = t.log_group("FlowLogGroup", naming.flow_log_group(t.prefix))
    role = t.add(iam.Role(
        "FlowLogRole", RoleName=Sub(naming.role(t.prefix, "flow-logs", "${AWS::Region}")),
        AssumeRolePolicyDocument=policies.trust("vpc-flow-logs.amazonaws.com"),
        Policies=[iam.Policy(PolicyName="deliver", PolicyDocument=PolicyDocument(Version=policies.VERSION, Statement=[
            Statement(Effect=Allow, Action=[logs.CreateLogStream, logs.PutLogEvents, logs.DescribeLogStreams],
                      Resource=[GetAtt(group, "Arn"), Sub("${FlowLogGroup.Arn}:log-stream:*")])]))],
    ))
    t.add(ec2.FlowLog("FlowLog", ResourceId=Ref(vpc), ResourceType="VPC", TrafficType="ALL",
                      LogDestinationType="cloud-watch-logs", LogGroupName=Ref(group),
                      DeliverLogsPermissionArn=GetAtt(role, "Arn")))


def _security_groups(t: LayerTemplate, vpc: ec2.VPC) -> tuple[ec2.SecurityGroup, ec2.SecurityGroup]:
    ports = sorted({awsdata.database_port(db.engine) for db in t.bp.databases})
    function_sg = t.add(ec2.SecurityGroup(
        "FunctionSecurityGroup", GroupDescription="drgen functions: HTTPS to AWS services and database ports",
        VpcId=Ref(vpc),
        # 443 to anywhere, not to the VPC CIDR only: the S3 and DynamoDB gateway endpoints are reached at the
        # services' public addresses (their AWS-managed prefix lists, whose IDs CloudFormation cannot look up).
        # Without a NAT there is no route out of the VPC, so this reaches the gateway endpoints and nothing more.
        SecurityGroupEgress=[ec2.SecurityGroupRule(
            IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp="0.0.0.0/0",
            Description="HTTPS to AWS APIs (VPC endpoints; the internet only where a NAT exists)")],
    ))
    database_sg = t.add(ec2.SecurityGroup(
        "DatabaseSecurityGroup", GroupDescription="drgen Aurora clusters: reachable from drgen functions only",
        VpcId=Ref(vpc),
        SecurityGroupEgress=[ec2.SecurityGroupRule(IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp=Ref("VpcCidr"),
                                                   Description="no egress but HTTPS inside the VPC")],
    ))
    for port in ports:
        t.add(ec2.SecurityGroupIngress(
            f"DatabaseIngress{port}", GroupId=Ref(database_sg), IpProtocol="tcp", FromPort=port, ToPort=port,
            SourceSecurityGroupId=Ref(function_sg), Description="database connections from drgen functions"))
        t.add(ec2.SecurityGroupEgress(
            f"FunctionEgress{port}", GroupId=Ref(function_sg), IpProtocol="tcp", FromPort=port, ToPort=port,
            DestinationSecurityGroupId=Ref(database_sg), Description="database connections"))
    return function_sg, database_sg


def _endpoints(t: LayerTemplate, vpc: ec2.VPC, subnets: list[Any], tables: list[Any]) -> None:
    interface = [s for s in t.bp.network.endpoints if awsdata.VPC_ENDPOINT_TYPES[s] == "Interface"]
    endpoint_sg = None
    if interface:
        endpoint_sg = t.add(ec2.SecurityGroup(
            "EndpointSecurityGroup", GroupDescription="drgen interface endpoints: HTTPS from inside the VPC",
            VpcId=Ref(vpc),
            SecurityGroupIngress=[ec2.SecurityGroupRule(IpProtocol="tcp", FromPort=443, ToPort=443,
                                                        CidrIp=Ref("VpcCidr"), Description="HTTPS from the VPC")],
            SecurityGroupEgress=[ec2.SecurityGroupRule(IpProtocol="tcp", FromPort=443, ToPort=443,
                                                       CidrIp=Ref("VpcCidr"), Description="no egress but the VPC")],
        ))
    for service in t.bp.network.endpoints:
        logical_id = naming.logical_id(service.replace(".", "-"), "Endpoint")  # ecr.api -> EcrApiEndpoint
        name = Sub(f"com.amazonaws.${{AWS::Region}}.{service}")
        if awsdata.VPC_ENDPOINT_TYPES[service] == "Gateway":
            t.add(ec2.VPCEndpoint(logical_id, VpcId=Ref(vpc), ServiceName=name, VpcEndpointType="Gateway",
                                  RouteTableIds=tables))
        else:
            t.add(ec2.VPCEndpoint(logical_id, VpcId=Ref(vpc), ServiceName=name, VpcEndpointType="Interface",
                                  PrivateDnsEnabled=True, SubnetIds=subnets, SecurityGroupIds=[Ref(endpoint_sg)]))
