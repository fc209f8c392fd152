"""The emulated world of one drill: moto, built from the rendered templates, with drgen's extensions on top.

``Emulation(rendered)`` (inside ``moto.mock_aws``) resolves every rendered template in each of its regions
and creates in moto what AWS would hold: global tables (a table per replica, replicated), topics, queues,
Aurora global clusters and their members, functions with their real packages and configuration, event
source mappings, state machines (``statemachines/<region>.asl.json`` where rendered, else the template's
definition), alarms, rules and Route 53 health checks. Then it installs the extensions (faults, clock,
in-process Lambda, Aurora, replication) and schedules what AWS runs on its own: alarm evaluation, RDS lag
metrics and Route 53 health checks every minute, rules' schedules. Nothing here depends on today's resource
names: it reads types and properties.
"""

from __future__ import annotations

import json
import math
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any
from unittest import mock

from drgen.emulation.alarms import EVALUATION_SECONDS, Alarms
from drgen.emulation.aurora import METRIC_PERIOD, Aurora
from drgen.emulation.buckets import Replication
from drgen.emulation.clock import Clock, ClockStopped
from drgen.emulation.consumers import POLL_SECONDS, Consumers
from drgen.emulation.faults import Faults, bypassed, install, session, uninstall
from drgen.emulation.lambdas import run_packaged
from drgen.emulation.replication import GlobalTables
from drgen.emulation.route53 import CHECK_SECONDS, HealthChecks
from drgen.emulation.rules import Rules
from drgen.emulation.templates import Deployed, Resource, deployed

ACCOUNT = "123456789012"
PASSWORD = "drill-only-password-1"


class Emulation:
    """The emulated AWS of one scenario. Use as a context manager inside ``moto.mock_aws``."""

    def __init__(self, rendered: Any, *, seed: int = 0, lag_ms: float = 100.0, promotion_completes: bool = True,
                 replication_delay: float = 1.0, parameters: dict[str, str] | None = None) -> None:
        """``parameters``: values of the templates' deploy-time parameters (``PeerBuckets``...) in every region;
        a parameter not named takes its deployed value."""
        self.rendered = rendered
        self.clock = Clock(math.floor(time.time() / 60) * 60.0)
        self.faults = Faults(self.clock, seed)
        self.aurora = Aurora(self.clock, self.faults, ACCOUNT, lag_ms, promotion_completes)
        self.tables = GlobalTables(self.clock, self.faults, replication_delay)
        self.buckets = Replication(self.clock, self.faults)
        self.consumers = Consumers(self.clock, self.faults, regions=list(rendered.blueprint.region_names))
        self.rules = Rules(self.clock, self.faults, ACCOUNT)
        self.alarms = Alarms(self.clock, self.faults, ACCOUNT, publish=self.rules.publish, notify=self._notify)
        self.deployed: Deployed = deployed(rendered.files, ACCOUNT, parameters or {})
        self.health = HealthChecks(self.clock, self.faults, self.deployed)
        self.notifications: list[tuple[float, str, str, str]] = []
        """(elapsed, topic ARN, subject, message) of every message published to a topic."""
        self._stack = ExitStack()
        self._clients: dict[tuple[str, str], Any] = {}
        for part in (self.aurora, self.tables, self.rules, self.health, self.buckets, self.consumers):
            part.client = self.client

    # --- set-up -------------------------------------------------------------------------------------------
    def __enter__(self) -> Emulation:
        self._install()
        with bypassed():
            self._build()
        self._every(METRIC_PERIOD, self.aurora.publish_lag, "RDS lag metrics", 0.0)
        self._every(CHECK_SECONDS, self.health.run, "Route 53 health checks", 0.0)
        self._every(POLL_SECONDS, self.consumers.poll, "Lambda polls its queues", POLL_SECONDS)
        # CloudWatch evaluates a period once it has ended: here one second after each minute's datapoints
        self._every(EVALUATION_SECONDS, self.alarms.evaluate, "alarm evaluation", EVALUATION_SECONDS + 1)
        return self

    def __exit__(self, *exc: object) -> None:
        self.clock.stop()
        self._stack.close()

    @staticmethod
    def _quiet_stopped_threads() -> None:
        """A thread of the world stopped with it (``ClockStopped``) ends silently; other errors still show."""
        import threading

        current = threading.excepthook
        if getattr(current, "drgen", False):
            return

        def hook(args: Any) -> None:
            if not isinstance(args.exc_value, ClockStopped):
                current(args)

        hook.drgen = True  # type: ignore[attr-defined]
        threading.excepthook = hook

    def _install(self) -> None:
        self._quiet_stopped_threads()
        import botocore.endpoint
        from moto.awslambda.models import LambdaFunction
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
        from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction

        clock, faults, stack = self.clock, self.faults, self._stack
        install(faults)
        stack.callback(uninstall, faults)
        stack.enter_context(mock.patch.object(LambdaFunction, "_invoke_lambda",
                                              lambda fn, event=None: run_packaged(fn, event, clock, faults)))
        stack.enter_context(mock.patch.object(WaitFunction, "_wait_interval",
                                              lambda _, env, wait_seconds: clock.sleep(wait_seconds)))
        stack.enter_context(mock.patch.object(retrier_decl, "time", SimpleNamespace(sleep=clock.sleep, time=clock.now)))
        stack.enter_context(mock.patch.object(botocore.endpoint, "time", SimpleNamespace(
            sleep=clock.sleep, time=time.time, monotonic=time.monotonic)))
        # a datapoint put without a Timestamp is stamped when CloudWatch receives it: on the emulated clock
        import moto.cloudwatch.models

        stack.enter_context(mock.patch.object(moto.cloudwatch.models, "utcnow", lambda: datetime.fromtimestamp(
            clock.now(), timezone.utc).replace(tzinfo=None)))
        # botocore's retry jitter without its randomness (the mean): the same drill waits the same emulated time
        import botocore.retries.standard
        import botocore.retryhandler

        backoff = botocore.retries.standard.ExponentialBackoff
        original_init = backoff.__init__

        def init(self: Any, *args: Any, **kwargs: Any) -> None:
            original_init(self, *args, **kwargs)
            self._random = lambda: 0.5

        stack.enter_context(mock.patch.object(backoff, "__init__", init))
        stack.enter_context(mock.patch.object(botocore.retryhandler, "random", SimpleNamespace(random=lambda: 0.5)))
        patches = self.aurora.patches() + self.tables.patches() + self.buckets.patches() + self.consumers.patches()
        for owner, name, replacement in self._threads_on_the_clock() + patches:
            stack.enter_context(mock.patch.object(owner, name, replacement, create=True))

    def _threads_on_the_clock(self) -> list[tuple[Any, str, Any]]:
        """Step Functions' threads, events and joins, counted and timed by the clock (see drgen.emulation.clock)."""
        import threading

        from moto.stepfunctions.parser.asl.component.program import program
        from moto.stepfunctions.parser.asl.component.state.exec import execute_state
        from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
            inline_iteration_component,
            job,
        )
        from moto.stepfunctions.parser.asl.component.state.exec.state_parallel import branch_worker, branches_decl
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_callback
        from moto.stepfunctions.parser.asl.eval.callback import callback
        from moto.stepfunctions.parser.backend import execution_worker

        thread, event = self.clock.thread_class(), self.clock.event
        names = SimpleNamespace(Thread=thread, Event=event, Lock=threading.Lock, RLock=threading.RLock)
        return [(execution_worker, "Thread", thread), (execute_state, "Thread", thread), (callback, "Event", event)] + [
            (module, "threading", names) for module in (program, execute_state, branch_worker, branches_decl,
                                                         state_task_service_callback, inline_iteration_component, job)]

    def _every(self, period: float, action: Any, label: str, first: float) -> None:
        def tick(when: float) -> None:
            self.clock.at(when + period, lambda: tick(when + period), label)
            action()
        start = self.clock.now() + first
        self.clock.at(start, lambda: tick(start), label)

    def client(self, service: str, region: str) -> Any:
        """A client of the emulated AWS (one per service and region; callers say whether faults apply)."""
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = session().client(service, region_name=region)
        return self._clients[key]

    def _build(self) -> None:
        self.role = self.client("iam", self.rendered.blueprint.primary.name).create_role(
            RoleName="drgen-drill", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        builders = [("AWS::DynamoDB::GlobalTable", self._table), ("AWS::SNS::Topic", self._topic),
                    ("AWS::SQS::Queue", self._queue), ("AWS::SQS::Queue", self._dead_letters),
                    ("AWS::S3::Bucket", self._bucket), ("AWS::S3::Bucket", self._replication),
                    ("AWS::RDS::GlobalCluster", self._global_cluster),
                    ("AWS::RDS::DBCluster", self._cluster), ("AWS::Lambda::Function", self._function),
                    ("AWS::Lambda::EventSourceMapping", self._mapping),
                    ("AWS::StepFunctions::StateMachine", self._state_machine),
                    ("AWS::CloudWatch::Alarm", self.alarms.add), ("AWS::Events::Rule", self.rules.add),
                    ("AWS::Route53::HealthCheck", self.health.add)]
        resources = self.deployed.resources()
        for kind, build in builders:
            for resource in resources:
                if resource.type == kind:
                    build(resource)

    def _table(self, r: Resource) -> None:
        props = r.properties
        keys = [k["AttributeName"] for k in props["KeySchema"]]
        regions = [replica["Region"] for replica in props.get("Replicas", [])] or [r.region]
        indexes: dict[str, Any] = {}  # the keys and projections only: capacity is not emulated
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if props.get(kind):
                indexes[kind] = [{k: index[k] for k in ("IndexName", "KeySchema", "Projection")} for index in props[kind]]
        for region in regions:
            self.client("dynamodb", region).create_table(
                TableName=r.name, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=props["AttributeDefinitions"],
                KeySchema=props["KeySchema"], **indexes)
        self.tables.declare(r.name, regions, keys)

    def _topic(self, r: Resource) -> None:
        self.client("sns", r.region).create_topic(Name=r.name)

    def _queue(self, r: Resource) -> None:
        fifo = str(r.properties.get("FifoQueue", "")).lower() == "true"
        attributes: dict[str, str] = {k: str(r.properties[k]) for k in ("VisibilityTimeout", "MessageRetentionPeriod")
                                       if k in r.properties}
        if fifo:
            attributes["FifoQueue"] = "true"
        self.client("sqs", r.region).create_queue(QueueName=r.name, Attributes=attributes)

    def _dead_letters(self, r: Resource) -> None:
        """After every queue exists: each queue's redrive policy (its dead-letter queue must exist)."""
        policy = r.properties.get("RedrivePolicy")
        if policy:
            sqs = self.client("sqs", r.region)
            sqs.set_queue_attributes(QueueUrl=sqs.get_queue_url(QueueName=r.name)["QueueUrl"],
                                     Attributes={"RedrivePolicy": json.dumps(policy)})

    def _bucket(self, r: Resource) -> None:
        s3 = self.client("s3", r.region)
        where = {} if r.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": r.region}}
        s3.create_bucket(Bucket=r.name, **where)
        self.buckets.declare(r.name, r.region)
        if "VersioningConfiguration" in r.properties:
            s3.put_bucket_versioning(Bucket=r.name, VersioningConfiguration=r.properties["VersioningConfiguration"])

    def _replication(self, r: Resource) -> None:
        """After every bucket exists: the replication configurations (their destinations must exist)."""
        config = r.properties.get("ReplicationConfiguration")
        if config:
            rules = [{k: v for k, v in rule.items() if k in ("ID", "Priority", "Status", "Filter", "Destination",
                                                             "DeleteMarkerReplication")} for rule in config["Rules"]]
            self.client("s3", r.region).put_bucket_replication(Bucket=r.name, ReplicationConfiguration={
                "Role": config["Role"], "Rules": rules})

    def _global_cluster(self, r: Resource) -> None:
        props = r.properties
        self.client("rds", r.region).create_global_cluster(
            GlobalClusterIdentifier=r.name, Engine=props.get("Engine", "aurora-postgresql"),
            EngineVersion=str(props.get("EngineVersion", "")), StorageEncrypted=True)

    def _cluster(self, r: Resource) -> None:
        props = r.properties
        extra = {"MasterUsername": props["MasterUsername"], "MasterUserPassword": PASSWORD} \
            if "MasterUsername" in props else {}
        if "GlobalClusterIdentifier" in props:
            extra["GlobalClusterIdentifier"] = props["GlobalClusterIdentifier"]
        self.client("rds", r.region).create_db_cluster(DBClusterIdentifier=r.name, Engine=props["Engine"],
                                                       EngineVersion=str(props.get("EngineVersion", "")), **extra)

    def _function(self, r: Resource) -> None:
        props = r.properties
        package = str(props["Code"].get("S3Key", "")).split("/")[1] if "S3Key" in props.get("Code", {}) else None
        if package is None or package not in self.rendered.packages:
            return
        environment = {k: str(v) for k, v in props.get("Environment", {}).get("Variables", {}).items()}
        self.client("lambda", r.region).create_function(
            FunctionName=r.name, Runtime=props.get("Runtime", "python3.12"), Role=self.role, Handler=props["Handler"],
            Timeout=int(props.get("Timeout", 30)), Code={"ZipFile": self.rendered.packages[package].data},
            Environment={"Variables": environment})

    def _mapping(self, r: Resource) -> None:
        props = r.properties
        self.client("lambda", r.region).create_event_source_mapping(
            EventSourceArn=props["EventSourceArn"], FunctionName=props["FunctionName"],
            Enabled=bool(props.get("Enabled", True)), BatchSize=int(props.get("BatchSize", 10)))

    def _state_machine(self, r: Resource) -> None:
        path = f"statemachines/{r.region}.asl.json"
        if path in self.rendered.files:
            definition = self.rendered.files[path].decode().replace("${AWS::AccountId}", ACCOUNT)
        else:
            text = json.dumps(r.properties["Definition"])
            for name, value in r.properties.get("DefinitionSubstitutions", {}).items():
                text = text.replace("${%s}" % name, str(value))
            definition = text
        self.client("stepfunctions", r.region).create_state_machine(name=r.name, definition=definition,
                                                                     roleArn=self.role)

    def _notify(self, topic: str, subject: str, message: str) -> None:
        region = topic.split(":")[3]
        if self.faults.works(region):
            with bypassed():
                self.client("sns", region).publish(TopicArn=topic, Subject=subject[:100], Message=message)

    # --- reading the world (never subject to faults) --------------------------------------------------------
    def messages(self) -> list[tuple[str, str, str]]:
        """(region, subject, message) of every message published to any topic, in order."""
        from moto.sns.models import sns_backends

        found = []
        for region, backend in sns_backends[ACCOUNT].items():
            for topic in backend.topics.values():
                for _, message, subject, *_ in topic.sent_notifications:
                    found.append((region, str(subject or ""), str(message)))
        return found

    def item(self, table: str, region: str, key: dict[str, Any]) -> dict[str, Any] | None:
        with bypassed():
            found = self.client("dynamodb", region).get_item(TableName=table, Key=key, ConsistentRead=True)
        item: dict[str, Any] | None = found.get("Item")
        return item

    def mappings(self, region: str) -> list[dict[str, Any]]:
        with bypassed():
            found: list[dict[str, Any]] = self.client("lambda", region).list_event_source_mappings()["EventSourceMappings"]
        return found

    def executions(self, skip: set[str] | None = None) -> list[tuple[str, dict[str, Any]]]:
        """(region, execution) of every execution of every state machine (but those in ``skip``)."""
        found = []
        if not hasattr(self, "_machines"):
            self._machines = self.deployed.resources("AWS::StepFunctions::StateMachine")
        with bypassed():
            for machine in self._machines:
                sfn = self.client("stepfunctions", machine.region)
                for e in sfn.list_executions(stateMachineArn=machine.arn)["executions"]:
                    if not skip or e["executionArn"] not in skip:
                        found.append((machine.region, e))
        return found
