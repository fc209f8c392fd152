"""What moto's CloudFormation lacks to create drgen's stacks, filled in for the deploy tests only.

moto creates real emulated resources for most of the types drgen renders (KMS keys, S3 buckets, the VPC and
its subnets, IAM roles, Lambda functions, SQS queues, SNS topics, Step Functions, Route 53...). For the types
in ``PLACEHOLDER_TYPES`` it has no CloudFormation model and fails the whole stack; here each becomes a
placeholder that gives the stack a physical id and the attributes other resources read, and creates
nothing. The deploy tests say so and assert nothing of them. Eleven moto bugs are worked around:

- ``AWS::KMS::Key`` passes CloudFormation's ``Key``/``Value`` tags to the KMS API, which wants
  ``TagKey``/``TagValue`` (KeyError: 'TagKey'), and ``AWS::SSM::Parameter`` its tag map where a list is
  read (TypeError);
- ``AWS::Route53::HostedZone`` has no ``NameServers`` attribute (the stack's outputs all vanish);
- a stack instance gets only its ``ParameterOverrides``, not the StackSet's other parameter values;
- updating a StackSet replaces its instances' parameter overrides with the StackSet's values (AWS keeps
  them: "any parameter values overridden for a stack instance aren't updated");
- a stack instance reports the id of a stack that does not exist, not its own stack's;
- a StackSet update naming some regions leaves the other regions' instances ``CURRENT``, where AWS marks them
  ``OUTDATED`` (not up to date with the StackSet) until an operation updates them;
- ``Fn::If`` choosing ``AWS::NoValue`` inside a list leaves a null item there, where AWS drops it;
- ``AWS::EC2::VPCEndpoint`` and ``AWS::EC2::RouteTable`` cannot be deleted by CloudFormation (a route table
  keeps its subnet associations), so deleting a network stack fails on its VPC ("has dependencies"); here
  they are removed as the EC2 API's ``DeleteVpcEndpoints`` and ``DeleteRouteTable`` would; nor can
  ``AWS::IAM::ManagedPolicy``, so a role it is attached to cannot be deleted ("must detach all policies");
- the map from resource type to model is cached the first time a template is parsed, before the service
  modules of later types are imported: every model used is imported first.

Nothing in drgen depends on this module; ``install()`` is idempotent and also runs in the ``moto_server``
process the tests start (``python -m tests.motocompat PORT``).
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import sys
from collections.abc import Callable
from typing import Any

PLACEHOLDER_TYPES = (
    "AWS::ApiGateway::BasePathMapping",
    "AWS::ApiGateway::DomainName",
    "AWS::ApiGateway::Stage",
    "AWS::CertificateManager::Certificate",
    "AWS::CloudWatch::Alarm",
    "AWS::DynamoDB::GlobalTable",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBClusterParameterGroup",
    "AWS::RDS::GlobalCluster",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::TopicPolicy",
    "AWS::SQS::QueuePolicy",
    "AWS::SecretsManager::Secret",
)
"""Resource types moto 5.2 has no CloudFormation model for (it cannot create a stack holding one)."""

REPLACED_TYPES = (
    "AWS::RDS::DBInstance",  # an Aurora instance joins its cluster, which moto's CloudFormation cannot create
    # moto creates what the outputs name while checking export names, before DependsOn order: the deployment
    # would come before its methods ("The REST API doesn't contain any methods")
    "AWS::ApiGateway::Deployment",
)
"""Types moto has a model for that fails on drgen's resources, replaced by placeholders too."""

SERVICES = ("kms", "s3", "ec2", "rds", "dynamodb", "sqs", "sns", "awslambda", "apigateway", "acm", "cloudwatch",
            "logs", "events", "stepfunctions", "ssm", "backup", "iam", "secretsmanager", "route53")
"""moto's service modules whose CloudFormation models drgen's templates use."""

MOTO_TYPES: set[str] = set()
"""The resource types moto itself models (filled by ``install``, before any placeholder is added)."""

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    _installed = True
    for service in SERVICES:
        importlib.import_module(f"moto.{service}.models")
    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel

    MOTO_TYPES.update(model.cloudformation_type() for model in CloudFormationModel.__subclasses__())
    for resource_type in PLACEHOLDER_TYPES + REPLACED_TYPES:
        name = "Placeholder" + resource_type.replace("AWS::", "").replace("::", "")
        type(name, (_Placeholder, CloudFormationModel), {"resource_type": resource_type})
    from moto.kms.models import Key
    from moto.ssm.models import Parameter

    _fix_tags(Key, lambda tags: [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in tags])
    _fix_tags(Parameter, lambda tags: [{"Key": k, "Value": v} for k, v in tags.items()])
    _fix_hosted_zone_name_servers()
    _fix_instance_parameters()
    _fix_no_value_in_lists()
    _fix_delete()
    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()


class _Placeholder:
    """A resource of a type moto cannot create: an id and the attributes others read, nothing more."""

    resource_type = ""

    def __init__(self, physical_id: str, region: str, properties: dict[str, Any]) -> None:
        self.physical_resource_id = physical_id
        self.region = region
        self.properties = properties

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.resource_type

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any, account_id: str,
                                        region_name: str, **kwargs: Any) -> _Placeholder:
        properties = cloudformation_json.get("Properties", {})
        digest = hashlib.sha256(f"{kwargs.get('StackId')}/{kwargs.get('LogicalId')}".encode()).hexdigest()[:12]
        return cls(f"{kwargs.get('LogicalId', 'placeholder')}-{digest}", region_name, properties)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: Any, account_id: str, region_name: str) -> Any:
        original_resource.properties = cloudformation_json.get("Properties", {})
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any, account_id: str,
                                        region_name: str) -> None:
        return None

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "RegionalDomainName":
            return f"d-{self.physical_resource_id.lower()[-10:]}.execute-api.{self.region}.amazonaws.com"
        if attribute_name == "RegionalHostedZoneId":
            return "Z1UJRXOUMOOFQ8"
        if attribute_name.endswith("Arn"):
            return f"arn:aws:placeholder:{self.region}:123456789012:{self.physical_resource_id}"
        return f"{self.physical_resource_id}-{attribute_name}"

    def is_created(self) -> bool:
        return True


def _fix_tags(model: Any, convert: Callable[[Any], Any]) -> None:
    """Give ``model``'s CloudFormation constructor its ``Tags`` in the form its API code reads."""
    original = model.create_from_cloudformation_json.__func__

    def create(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str,
               **kwargs: Any) -> Any:
        properties = dict(cloudformation_json["Properties"])
        if "Tags" in properties:
            properties["Tags"] = convert(properties["Tags"])
        return original(cls, resource_name, {**cloudformation_json, "Properties": properties}, account_id,
                        region_name, **kwargs)

    model.create_from_cloudformation_json = classmethod(create)


def _fix_hosted_zone_name_servers() -> None:
    from moto.route53 import models

    default = models.DelegationSet("drgen", None, "drgen").name_servers

    def get_cfn_attribute(self: Any, attribute_name: str) -> Any:
        if attribute_name == "NameServers":
            return list(self.delegation_set.name_servers if self.delegation_set else default)
        if attribute_name == "Id":
            return self.id
        raise NotImplementedError(attribute_name)

    models.FakeZone.get_cfn_attribute = get_cfn_attribute  # type: ignore[attr-defined]
    models.FakeZone.has_cfn_attr = classmethod(lambda cls, attr: attr in ("NameServers", "Id"))  # type: ignore[attr-defined]


def _fix_instance_parameters() -> None:
    from moto.cloudformation import models

    original = models.StackSet.create_stack_instances

    def create_stack_instances(self: Any, accounts: list[str], regions: list[str],
                               deployment_targets: dict[str, Any] | None, parameters: list[dict[str, Any]]) -> str:
        merged = {**self.parameters, **{p["ParameterKey"]: p["ParameterValue"] for p in parameters or []}}
        as_list = [{"ParameterKey": k, "ParameterValue": v} for k, v in merged.items()]
        operation_id: str = original(self, accounts, regions, deployment_targets, as_list)
        for instance in self.instances.stack_instances:  # what the instance reports: its overrides only
            if instance.region_name in regions:
                instance.parameters = parameters
        return operation_id

    models.StackSet.create_stack_instances = create_stack_instances  # type: ignore[method-assign]
    original_to_dict = models.StackInstance.to_dict

    def to_dict(self: Any) -> dict[str, Any]:
        status = "OUTDATED" if getattr(self, "outdated", False) else "CURRENT"
        return {**original_to_dict(self), "StackId": self.stack.stack_id, "Status": status}

    models.StackInstance.to_dict = to_dict  # type: ignore[method-assign]
    original_update = models.StackSet.update

    def update(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        kept = {id(i): i.parameters for i in self.instances.stack_instances}
        regions = inspect.signature(original_update).bind(self, *args, **kwargs).arguments.get("regions") or []
        result: dict[str, Any] = original_update(self, *args, **kwargs)
        for instance in self.instances.stack_instances:
            instance.parameters = kept.get(id(instance), instance.parameters)
            instance.outdated = bool(regions) and instance.region_name not in regions  # none named: all updated
        return result

    models.StackSet.update = update  # type: ignore[method-assign]
    original_update_instances = models.StackSet.update_instances

    def update_instances(self: Any, accounts: list[str], regions: list[str], parameters: Any) -> dict[str, Any]:
        result: dict[str, Any] = original_update_instances(self, accounts, regions, parameters)
        for instance in self.instances.stack_instances:
            if instance.region_name in regions:
                instance.outdated = False
        return result

    models.StackSet.update_instances = update_instances  # type: ignore[method-assign]


def _fix_no_value_in_lists() -> None:
    from moto.cloudformation import parsing

    original = parsing.clean_json

    def clean_json(resource_json: Any, resources_map: Any) -> Any:
        cleaned = original(resource_json, resources_map)
        if isinstance(resource_json, list) and isinstance(cleaned, list):
            return [item for item in cleaned if item is not None]
        return cleaned

    parsing.clean_json = clean_json


def _fix_delete() -> None:
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.route_tables import RouteTable
    from moto.ec2.models.vpcs import VPCEndPoint

    def delete_endpoint(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        self.route_table_ids = [r for r in self.route_table_ids or [] if r in backend.route_tables]
        backend.delete_vpc_endpoints([self.id])
        backend.vpc_end_points.pop(self.id, None)

    def delete_route_table(self: Any, account_id: str, region_name: str) -> None:
        self._associations.clear()  # the stack's SubnetRouteTableAssociations, which moto cannot delete
        ec2_backends[account_id][region_name].route_tables.pop(self.id, None)

    VPCEndPoint.delete = delete_endpoint  # type: ignore[attr-defined]
    from moto.iam.models import ManagedPolicy

    def delete_policy(self: Any, account_id: str, region_name: str) -> None:
        for role in self.backend.roles.values():
            if self.arn in role.managed_policies:
                self.detach_from(role)
        self.backend.managed_policies.pop(self.arn, None)

    ManagedPolicy.delete = delete_policy  # type: ignore[attr-defined]
    RouteTable.delete = delete_route_table  # type: ignore[attr-defined]


def create_stackset_roles(session: Any, rendered: Any, endpoint_url: str | None = None) -> None:
    """Deploy the render's StackSet roles template alone (what ``drgen bootstrap`` deploys first), tagged as it
    tags it, so that ``drgen deploy``'s own bootstrap layer is still to do."""
    from drgen.aws.bootstrap import roles_tags
    from drgen.rendering import ROLES_FILE

    control = rendered.blueprint.control_region  # where drgen bootstrap deploys the roles stack
    cf = session.client("cloudformation", region_name=control, endpoint_url=endpoint_url)
    cf.create_stack(StackName=f"{rendered.blueprint.prefix}-stackset-roles",
                    TemplateBody=rendered.files[ROLES_FILE].decode("utf-8"), Capabilities=["CAPABILITY_NAMED_IAM"],
                    Tags=roles_tags(rendered))


def main(argv: list[str]) -> None:
    """Run a moto_server on 127.0.0.1:PORT with these additions."""
    install()
    from moto.server import main as server_main

    server_main(["-H", "127.0.0.1", "-p", argv[0]])


if __name__ == "__main__":
    main(sys.argv[1:])
