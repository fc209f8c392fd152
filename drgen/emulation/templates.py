"""The rendered templates, resolved per region as CloudFormation would deploy them.

``deployed(rendered, account)`` reads ``manifest.json`` (which stack goes to which regions, with which
parameter values) and resolves every ``templates/<layer>.json`` in each of its regions: parameters and
pseudo parameters, conditions, ``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``Fn::ImportValue`` (the exports of the
same region), ``Fn::If``/``Equals``/``Not``/``And``/``Or``, ``Fn::Join``/``Split``/``Select``. A parameter the
manifest leaves to the deployment (the DNS stack's ``<Output><RegionId>``) takes that region's export, as
``drgen deploy`` passes it. Physical names follow the resources' own name properties, so the emulated
world holds what AWS would: names, ARNs, schedules, alarm definitions, rule patterns and targets.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from drgen import awsdata

NO_VALUE = object()

_NAME = {
    "AWS::Lambda::Function": "FunctionName", "AWS::SNS::Topic": "TopicName", "AWS::SQS::Queue": "QueueName",
    "AWS::StepFunctions::StateMachine": "StateMachineName", "AWS::Events::Rule": "Name",
    "AWS::CloudWatch::Alarm": "AlarmName", "AWS::DynamoDB::GlobalTable": "TableName",
    "AWS::DynamoDB::Table": "TableName", "AWS::IAM::Role": "RoleName", "AWS::RDS::DBCluster": "DBClusterIdentifier",
    "AWS::RDS::GlobalCluster": "GlobalClusterIdentifier", "AWS::ApiGateway::RestApi": "Name",
    "AWS::S3::Bucket": "BucketName", "AWS::KMS::Alias": "AliasName", "AWS::Logs::LogGroup": "LogGroupName",
}
_ARN = {
    "AWS::Lambda::Function": "arn:{p}:lambda:{r}:{a}:function:{n}", "AWS::SNS::Topic": "arn:{p}:sns:{r}:{a}:{n}",
    "AWS::SQS::Queue": "arn:{p}:sqs:{r}:{a}:{n}", "AWS::StepFunctions::StateMachine": "arn:{p}:states:{r}:{a}:stateMachine:{n}",
    "AWS::Events::Rule": "arn:{p}:events:{r}:{a}:rule/{n}", "AWS::CloudWatch::Alarm": "arn:{p}:cloudwatch:{r}:{a}:alarm:{n}",
    "AWS::IAM::Role": "arn:{p}:iam::{a}:role/{n}", "AWS::RDS::DBCluster": "arn:{p}:rds:{r}:{a}:cluster:{n}",
    "AWS::DynamoDB::GlobalTable": "arn:{p}:dynamodb:{r}:{a}:table/{n}", "AWS::S3::Bucket": "arn:{p}:s3:::{n}",
    "AWS::Logs::LogGroup": "arn:{p}:logs:{r}:{a}:log-group:{n}", "AWS::KMS::Key": "arn:{p}:kms:{r}:{a}:key/{n}",
}
_ARN.update({"AWS::ResilienceHub::ResiliencyPolicy": "arn:{p}:resiliencehub:{r}:{a}:resiliency-policy/{n}",
             "AWS::ResilienceHub::App": "arn:{p}:resiliencehub:{r}:{a}:app/{n}"})
_REF_IS_ARN = {"AWS::SNS::Topic", "AWS::StepFunctions::StateMachine", "AWS::ResilienceHub::ResiliencyPolicy",
               "AWS::ResilienceHub::App"}


@dataclass
class Resource:
    layer: str
    region: str
    logical: str
    type: str
    properties: dict[str, Any]
    name: str
    arn: str


@dataclass
class Stack:
    layer: str
    region: str
    template: dict[str, Any]
    parameters: dict[str, str]
    account: str
    world: Deployed
    conditions: dict[str, bool] = field(default_factory=dict)

    def pseudo(self, name: str) -> Any:
        return {"AWS::Region": self.region, "AWS::AccountId": self.account, "AWS::Partition": awsdata.partition(self.region),
                "AWS::URLSuffix": awsdata.url_suffix(self.region), "AWS::StackName": f"{self.layer}-{self.region}",
                "AWS::NoValue": NO_VALUE}.get(name)

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            self.conditions[name] = bool(self.resolve(self.template.get("Conditions", {})[name]))
        return self.conditions[name]

    def name_of(self, logical: str) -> str:
        spec = self.template["Resources"][logical]
        key = _NAME.get(spec["Type"])
        value = self.resolve(spec.get("Properties", {}).get(key)) if key else None
        return str(value) if isinstance(value, str) else f"{logical}-{self.region}".lower()

    def arn_of(self, logical: str) -> str:
        kind = self.template["Resources"][logical]["Type"]
        pattern = _ARN.get(kind, "arn:{p}:" + kind.split("::")[1].lower() + ":{r}:{a}:{n}")
        return str(pattern.format(p=awsdata.partition(self.region), r=self.region, a=self.account,
                                  n=self.name_of(logical)))

    def ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.template.get("Parameters", {}):
            if name in self.parameters:
                return self.parameters[name]
            return self.world.parameter(self.region, name)
        kind = self.template["Resources"][name]["Type"]
        if kind in _REF_IS_ARN:
            return self.arn_of(name)
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.{awsdata.url_suffix(self.region)}/{self.account}/{self.name_of(name)}"
        return self.name_of(name)

    def get_att(self, logical: str, attribute: str) -> Any:
        if attribute in ("Arn", "DBClusterArn", "StateMachineArn"):
            return self.arn_of(logical)
        if attribute == "QueueName" or attribute == "Name":
            return self.name_of(logical)
        return f"{self.name_of(logical)}.{attribute.lower()}.{self.region}.drill"

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(v) for v in value]
            return [v for v in items if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                logical, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(logical, attribute)
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::ImportValue":
                return self.world.export(self.region, str(self.resolve(arg)))
            if key == "Fn::If":
                return self.resolve(arg[1] if self.condition(arg[0]) else arg[2])
            if key == "Fn::Equals":
                return self.resolve(arg[0]) == self.resolve(arg[1])
            if key == "Fn::Not":
                return not self._truth(arg[0])
            if key == "Fn::And":
                return all(self._truth(a) for a in arg)
            if key == "Fn::Or":
                return any(self._truth(a) for a in arg)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::Join":
                return str(arg[0]).join(str(v) for v in self.resolve(arg[1]))
            if key == "Fn::Split":
                return str(self.resolve(arg[1])).split(arg[0])
            if key == "Fn::Select":
                return self.resolve(arg[1])[int(self.resolve(arg[0]))]
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def _truth(self, value: Any) -> bool:
        return self.condition(value["Condition"]) if isinstance(value, dict) and "Condition" in value \
            else bool(self.resolve(value))

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                return str(self.get_att(*name.split(".", 1)))
            return str(self.ref(name))

        return re.sub(r"\$\{([^!}][^}]*)\}", one, text)

    def resources(self) -> list[Resource]:
        found = []
        for logical, spec in sorted(self.template["Resources"].items()):
            if "Condition" in spec and not self.condition(spec["Condition"]):
                continue
            found.append(Resource(self.layer, self.region, logical, spec["Type"],
                                  self.resolve(spec.get("Properties", {})), self.name_of(logical),
                                  self.arn_of(logical)))
        return found

    def outputs(self) -> dict[str, Any]:
        found = {}
        for name, spec in self.template.get("Outputs", {}).items():
            if "Condition" in spec and not self.condition(spec["Condition"]):
                continue
            found[name] = spec
        return found


@dataclass
class Deployed:
    """Every stack of a render, per region, resolved."""

    stacks: list[Stack]
    _all: list[Resource] | None = None

    def parameter(self, region: str, name: str) -> Any:
        for stack in self.stacks:
            for output in stack.outputs():
                if name.startswith(output) and _region_id(stack.region) == name.removeprefix(output):
                    return stack.resolve(stack.template["Outputs"][output]["Value"])
        return f"{name}-{region}".lower()

    def export(self, region: str, name: str) -> Any:
        for stack in self.stacks:
            if stack.region != region:
                continue
            for spec in stack.outputs().values():
                if stack.resolve(spec.get("Export", {}).get("Name")) == name:
                    return stack.resolve(spec["Value"])
        return f"{name}-{region}".lower()

    def resources(self, kind: str | None = None) -> list[Resource]:
        if self._all is None:
            self._all = [r for stack in self.stacks for r in stack.resources()]
        return [r for r in self._all if kind is None or r.type == kind]


def _region_id(region: str) -> str:
    return "".join(part.capitalize() for part in region.split("-"))


def deployed(files: dict[str, bytes], account: str, parameters: dict[str, str] | None = None) -> Deployed:
    """``parameters``: deploy-time parameter values for every region (they win over the manifest's)."""
    manifest = json.loads(files["manifest.json"])
    world = Deployed([])
    for layer, stack in sorted(manifest["stacks"].items()):
        path = f"templates/{layer}.json"
        if path not in files:
            continue
        template = json.loads(files[path])
        for region in stack["regions"]:
            values = {**stack["parameters"].get(region, {}),
                      **{k: v for k, v in (parameters or {}).items() if k in template.get("Parameters", {})}}
            world.stacks.append(Stack(layer, region, template, values, account, world))
    return world
