"""``drgen drill``: the rendered failover, run against an in-process emulated AWS (moto).

For each scenario the drill builds the target world in moto - the control table, the data stores, the
Aurora global cluster, the alerts topic, drgen's readiness and promoter functions from their rendered
zips and configuration, and the state machine from ``statemachines/<region>.asl.json`` - then starts an
execution, plays the operator where the scenario needs one, and checks both the execution's end and the
state of the emulated AWS (the active-region flag, the writer, the consumers, the notifications).
``drgen.emulation`` says what moto is extended with and why.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from drgen import awsdata, naming
from drgen.errors import DrillError
from drgen.model import Blueprint

ACCOUNT = "123456789012"
POLL = 0.05
LIMIT_SECONDS = 300.0


@dataclass(frozen=True)
class Step:
    state: str
    outcome: str
    elapsed: float


@dataclass
class ScenarioResult:
    name: str
    summary: str
    expected: str
    status: str = ""
    error: str = ""
    steps: list[Step] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == self.expected and not self.problems


@dataclass
class DrillReport:
    blueprint: str
    region: str
    scenarios: list[ScenarioResult]

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.scenarios)

    def text(self) -> str:
        lines = [f"drill of {self.blueprint}: failover to {self.region} (emulated AWS; Wait states compressed)", ""]
        for s in self.scenarios:
            verdict = "ok" if s.ok else "UNEXPECTED"
            lines.append(f"scenario {s.name}: {s.summary}")
            for step in s.steps:
                lines.append(f"  {step.elapsed:7.3f}s  {step.state:<28} {step.outcome}")
            end = f"{s.status}" + (f" ({s.error})" if s.error else "")
            lines.append(f"  => {end}; expected {s.expected}: {verdict} [{s.seconds:.2f}s]")
            lines.extend(f"  !! {p}" for p in s.problems)
            lines.append("")
        passed = sum(1 for s in self.scenarios if s.ok)
        lines.append(f"{passed} passed, {len(self.scenarios) - passed} failed")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    expected: str
    primary_down: bool = False
    allow_data_loss: bool | None = None
    promotion_completes: bool = True
    lag_ms: float = 100.0
    operator: str | None = None
    """``approve`` or ``deny``: the answer the drill gives to an approval request."""
    error: str = ""
    """The error an execution that must fail ends with."""
    needs_database: bool = True
    broken_target: bool = False
    """The target region fails its own readiness checks (its replica of a data table is gone)."""


SCENARIOS = [
    Scenario("switchover", "the primary answers: switchover, no data loss", "SUCCEEDED"),
    Scenario("approve", "the primary is down, no data loss allowed: an operator approves the failover", "SUCCEEDED",
             primary_down=True, allow_data_loss=False, operator="approve"),
    Scenario("deny", "the primary is down, no data loss allowed: an operator denies; nothing changes", "FAILED",
             primary_down=True, allow_data_loss=False, operator="deny", error="ApprovalDenied"),
    Scenario("lossy", "the primary is down and allow_data_loss is true: failover without asking", "SUCCEEDED",
             primary_down=True, allow_data_loss=True),
    Scenario("timeout", "the primary is down, the approved failover never completes: stop at promotion_timeout, "
             "traffic untouched", "FAILED", primary_down=True, allow_data_loss=False, operator="approve",
             promotion_completes=False, error="PromotionTimedOut"),
    Scenario("not-ready", "the target's own checks fail (a table replica is missing): no promotion, nothing changes",
             "FAILED", broken_target=True, error="NotReady"),
    Scenario("failover", "no database: the flag moves and consumers start", "SUCCEEDED", needs_database=False),
]


def scenarios_for(bp: Blueprint) -> list[Scenario]:
    if bp.databases:
        return [s for s in SCENARIOS if s.needs_database]
    return [s for s in SCENARIOS if not s.needs_database or s.name == "not-ready"]


def _sub(text: str, region: str) -> str:
    return (text.replace("${AWS::Region}", region).replace("${AWS::AccountId}", ACCOUNT)
            .replace("${AWS::Partition}", "aws"))


class _World:
    """The emulated AWS of one scenario (inside mock_aws)."""

    def __init__(self, bp: Blueprint, rendered: Any, region: str, scenario: Scenario) -> None:
        import boto3

        self.bp, self.rendered, self.region, self.scenario = bp, rendered, region, scenario
        self.session = boto3.Session(aws_access_key_id="drill", aws_secret_access_key="drill", region_name=region)
        self.role = self.session.client("iam").create_role(
            RoleName="drgen-drill", AssumeRolePolicyDocument="{}")["Role"]["Arn"]

    def client(self, service: str, region: str | None = None) -> Any:
        return self.session.client(service, region_name=region or self.region)

    def build(self) -> str:
        bp = self.bp
        for r in bp.region_names:
            self._tables(r)
            self._queues(r)
            self._buckets(r)
        self.client("dynamodb", bp.primary.name).put_item(
            TableName=naming.control_table(bp.prefix),
            Item={"pk": {"S": "active-region"}, "region": {"S": bp.primary.name}})
        self._databases()
        self.topic = self.client("sns").create_topic(Name=naming.topic(bp.prefix))["TopicArn"]
        self._functions()
        document = json.loads(self.rendered.files[f"statemachines/{self.region}.asl.json"])
        definition = json.dumps(document).replace("${AWS::AccountId}", ACCOUNT)
        return str(self.client("stepfunctions").create_state_machine(
            name=naming.state_machine(bp.prefix), definition=definition, roleArn=self.role)["stateMachineArn"])

    def _tables(self, region: str) -> None:
        ddb = self.client("dynamodb", region)
        keyed = [(naming.control_table(self.bp.prefix), "pk")] + [
            (naming.table(self.bp.prefix, t.name), t.partition_key.name) for t in self.bp.tables]
        for name, key in keyed:
            ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                             AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": key, "KeyType": "HASH"}])

    def _queues(self, region: str) -> None:
        for q in self.bp.queues:
            self.client("sqs", region).create_queue(QueueName=naming.queue(self.bp.prefix, q.name, q.fifo),
                                                    Attributes={"FifoQueue": "true"} if q.fifo else {})

    def _buckets(self, region: str) -> None:
        s3 = self.client("s3", region)
        for b in self.bp.buckets:
            name = _sub(naming.bucket(self.bp.prefix, b.name, region), region)
            extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
            s3.create_bucket(Bucket=name, **extra)
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        if region == self.bp.primary.name:
            for b in self.bp.buckets:
                source = _sub(naming.bucket(self.bp.prefix, b.name, region), region)
                rules = [{"ID": f"to-{r.name}", "Priority": i, "Status": "Enabled", "Filter": {"Prefix": ""},
                          "DeleteMarkerReplication": {"Status": "Disabled"},
                          "Destination": {"Bucket": "arn:aws:s3:::" + _sub(naming.bucket(self.bp.prefix, b.name, r.name),
                                                                           r.name)}}
                         for i, r in enumerate(self.bp.secondaries)]
                s3.put_bucket_replication(Bucket=source, ReplicationConfiguration={
                    "Role": f"arn:aws:iam::{ACCOUNT}:role/replication", "Rules": rules})

    def _databases(self) -> None:
        bp = self.bp
        for db in bp.databases:
            identifier = naming.global_cluster(bp.prefix, db.name)
            self.client("rds", bp.primary.name).create_global_cluster(
                GlobalClusterIdentifier=identifier, Engine=db.engine, EngineVersion=db.engine_version,
                StorageEncrypted=True)
            for r in bp.regions:
                credentials = {"MasterUsername": db.master_username, "MasterUserPassword": "drill-only-password-1"} \
                    if r.is_primary else {}
                self.client("rds", r.name).create_db_cluster(
                    DBClusterIdentifier=naming.db_cluster(bp.prefix, db.name, r.name), Engine=db.engine,
                    EngineVersion=db.engine_version, GlobalClusterIdentifier=identifier, **credentials)
                if not r.is_primary:
                    self._lag(r.name, naming.db_cluster(bp.prefix, db.name, r.name))

    def _lag(self, region: str, cluster: str) -> None:
        """What RDS publishes for a secondary cluster: its replication lag."""
        for metric in ("AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag"):
            self.client("cloudwatch", region).put_metric_data(Namespace="AWS/RDS", MetricData=[{
                "MetricName": metric, "Value": self.scenario.lag_ms, "Timestamp": datetime.now(timezone.utc),
                "Dimensions": [{"Name": "DBClusterIdentifier", "Value": cluster}]}])

    def _functions(self) -> None:
        template = json.loads(self.rendered.files["templates/orchestration.json"])
        lam = self.client("lambda")
        for name in ("readiness", "promoter", "canary"):
            logical = naming.logical_id(name) + "Function"
            if logical not in template["Resources"]:
                continue
            props = template["Resources"][logical]["Properties"]
            variables = props.get("Environment", {}).get("Variables", {})
            environment = {k: _sub(v["Fn::Sub"] if isinstance(v, dict) else v, self.region) for k, v in variables.items()}
            lam.create_function(FunctionName=naming.function(self.bp.prefix, name), Runtime="python3.12",
                                Role=self.role, Handler=props["Handler"], Timeout=props["Timeout"],
                                Code={"ZipFile": self.rendered.packages[name].data},
                                Environment={"Variables": environment})
        self.mappings = []
        for fn in self.bp.functions:
            if not fn.triggers:
                continue
            lam.create_function(FunctionName=naming.function(self.bp.prefix, fn.name), Runtime=fn.runtime,
                                Role=self.role, Handler=fn.handler, Code={"ZipFile": self.rendered.packages[fn.name].data})
            for trigger in fn.triggers:
                queue = next(q for q in self.bp.queues if q.name == trigger.queue)
                sqs = self.client("sqs")
                url = sqs.get_queue_url(QueueName=naming.queue(self.bp.prefix, queue.name, queue.fifo))["QueueUrl"]
                arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                enabled = self.bp.strategy == "hot-standby"
                self.mappings.append(lam.create_event_source_mapping(
                    EventSourceArn=arn, FunctionName=naming.function(self.bp.prefix, fn.name), Enabled=enabled)["UUID"])

    def break_target(self) -> None:
        ddb = self.client("dynamodb")
        names = [naming.table(self.bp.prefix, t.name) for t in self.bp.tables] or [naming.control_table(self.bp.prefix)]
        ddb.delete_table(TableName=names[0])

    def notifications(self) -> list[str]:
        from moto.sns.models import sns_backends

        topic = sns_backends[ACCOUNT][self.region].topics[self.topic]
        return [message for _, message, *_ in topic.sent_notifications]

    def flag(self) -> str | None:
        item = self.client("dynamodb").get_item(TableName=naming.control_table(self.bp.prefix),
                                               Key={"pk": {"S": "active-region"}}).get("Item")
        return None if item is None else str(item["region"]["S"])


def _answer_approval(world: _World, sfn: Any, execution: str, answer: str) -> bool:
    for message in world.notifications():
        if "send-task-success" in message:
            token = message.split("--task-token ")[1].split(" ")[0]
            if answer == "approve":
                sfn.send_task_success(taskToken=token, output=json.dumps({"approved": True}))
            else:
                sfn.send_task_failure(taskToken=token, error="Denied", cause="the drill's operator denied it")
            return True
    return False


def _timeline(sfn: Any, execution: str, started: float) -> list[Step]:
    events = sfn.get_execution_history(executionArn=execution, maxResults=1000)["events"]
    steps: list[Step] = []
    first = events[0]["timestamp"] if events else None
    for event in events:
        kind = event["type"]
        details = event.get("stateEnteredEventDetails")
        if details and first is not None:
            steps.append(Step(details["name"], "entered", (event["timestamp"] - first).total_seconds()))
        elif kind.endswith("Failed") and "TaskFailed" in kind and steps:
            detail = event.get("taskFailedEventDetails", {})
            steps.append(Step(steps[-1].state, f"failed: {detail.get('error', '')}",
                              (event["timestamp"] - first).total_seconds() if first else 0.0))
    return steps


def _checks(bp: Blueprint, world: _World, scenario: Scenario, result: ScenarioResult, region: str,
            promotions: list[dict[str, str]]) -> None:
    expect = result.problems.append
    if scenario.error and result.error != scenario.error:
        expect(f"the execution ended with {result.error or 'no error'}, expected {scenario.error}")
    flag = world.flag()
    moved = scenario.expected == "SUCCEEDED"
    if moved and flag != region:
        expect(f"the active-region flag names {flag}, not {region}")
    if not moved and flag == region:
        expect("the flag moved although the failover stopped")
    notes = world.notifications()
    if not notes:
        expect("no notification was sent")
    wanted = {"switchover": ["switchover"], "approve": ["failover"], "lossy": ["failover"], "timeout": ["failover"],
              "deny": [], "not-ready": [], "failover": []}[scenario.name]
    done = [p["action"] for p in promotions]
    if done != wanted:
        expect(f"promotions {done}, expected {wanted}")
    if any(p["called_in"] != region for p in promotions):
        expect("a promotion was called outside the target region")
    if moved and world.mappings:
        lam = world.client("lambda")
        states = [lam.get_event_source_mapping(UUID=u)["State"] for u in world.mappings]
        if any(s != "Enabled" for s in states):
            expect(f"consumers not enabled: {states}")


def run_scenario(bp: Blueprint, scenario: Scenario, region: str) -> ScenarioResult:
    from moto import mock_aws

    from drgen.emulation import World, emulated
    from drgen.rendering import render_blueprint

    variant = bp
    if scenario.allow_data_loss is not None and scenario.allow_data_loss != bp.failover.allow_data_loss:
        variant = dataclasses.replace(bp, failover=dataclasses.replace(bp.failover,
                                                                       allow_data_loss=scenario.allow_data_loss))
    rendered = render_blueprint(variant)
    result = ScenarioResult(scenario.name, scenario.summary, scenario.expected)
    started = time.monotonic()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}), \
            emulated(World(promotion_completes=scenario.promotion_completes)) as emulation:
        world = _World(variant, rendered, region, scenario)
        machine = world.build()
        world.client("lambda").invoke(FunctionName=naming.function(variant.prefix, "readiness"),
                                      Payload=json.dumps({"phase": "pre"}))  # its schedule, before the incident
        if scenario.primary_down:
            emulation.down.add(variant.primary.name)
        if scenario.broken_target:
            world.break_target()
        sfn = world.client("stepfunctions")
        execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"trigger": "drill"}))["executionArn"]
        answered = False
        while time.monotonic() - started < LIMIT_SECONDS:
            description = sfn.describe_execution(executionArn=execution)
            if description["status"] != "RUNNING":
                break
            if scenario.operator and not answered:
                answered = _answer_approval(world, sfn, execution, scenario.operator)
            time.sleep(POLL)
        else:
            result.problems.append(f"the execution did not end within {LIMIT_SECONDS:.0f}s")
        result.status = description["status"]
        result.error = description.get("error", "")
        result.steps = _timeline(sfn, execution, started)
        _checks(variant, world, scenario, result, region, emulation.promotions)
    result.seconds = time.monotonic() - started
    return result


def drill(bp: Blueprint, scenarios: list[str] | None = None, region: str | None = None) -> DrillReport:
    """Run the failover scenarios of ``bp`` against an emulated AWS; ``scenarios`` picks some by name."""
    if not bp.runs_compute_in_secondaries:
        raise DrillError("a backup-restore blueprint recovers by its runbook, not a state machine: nothing to drill")
    target = region or bp.secondaries[0].name
    if target not in [r.name for r in bp.secondaries]:
        raise DrillError(f"{target} is not a secondary region of {bp.prefix}")
    available = scenarios_for(bp)
    chosen = available if not scenarios else [s for s in available if s.name in scenarios]
    unknown = sorted(set(scenarios or []) - {s.name for s in available})
    if unknown:
        raise DrillError(f"unknown scenario {', '.join(unknown)}: choose from {', '.join(s.name for s in available)}")
    with _quiet_emulator():
        return DrillReport(bp.prefix, target, [run_scenario(bp, s, target) for s in chosen])


@contextlib.contextmanager
def _quiet_emulator() -> Iterator[None]:
    """moto's interpreter logs and prints its own diagnostics; the report is what the drill says."""
    loggers = [logging.getLogger(name) for name in ("moto", "botocore", "drgen")]
    levels = [logger.level for logger in loggers]
    try:
        for logger in loggers:
            logger.setLevel(logging.CRITICAL)
        with contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)




def drill_live(bp: Blueprint, session: Any, region: str, *, confirm: bool, poll_seconds: float = 5.0,
               limit_seconds: float = 3600.0) -> ScenarioResult:
    """Start the deployed state machine in ``region`` and follow it to its end. This really fails over."""
    if not confirm:
        raise DrillError("a live drill moves production traffic: pass the explicit confirmation to run it")
    if region not in [r.name for r in bp.secondaries]:
        raise DrillError(f"{region} is not a secondary region of {bp.prefix}")
    sfn = session.client("stepfunctions", region_name=region)
    account = session.client("sts", region_name=region).get_caller_identity()["Account"]
    machine = f"arn:{awsdata.partition(region)}:states:{region}:{account}:stateMachine:{naming.state_machine(bp.prefix)}"
    result = ScenarioResult("live", f"a real failover of {bp.prefix} to {region}", "SUCCEEDED")
    started = time.monotonic()
    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"trigger": "drgen drill --live"}))
    arn = execution["executionArn"]
    while time.monotonic() - started < limit_seconds:
        description = sfn.describe_execution(executionArn=arn)
        if description["status"] != "RUNNING":
            break
        time.sleep(poll_seconds)
    else:
        result.problems.append("still running when the drill stopped following it")
    result.status, result.error = description["status"], description.get("error", "")
    result.steps = _timeline(sfn, arn, started)
    result.seconds = time.monotonic() - started
    return result
