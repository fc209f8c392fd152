"""The typed, immutable blueprint model. Built only from validated data (see ``drgen.build``).

Every collection is a tuple and every part a frozen dataclass, so a model can be shared, hashed and
compared. Durations are ``Duration`` values; names are the blueprint's own (physical names come from
``drgen.naming``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from drgen.durations import Duration
from drgen.orgs import Deployment

Strategy = Literal["backup-restore", "pilot-light", "warm-standby", "hot-standby"]
Role = Literal["primary", "secondary"]
Mode = Literal["read", "write", "read-write", "send", "consume", "connect"]


@dataclass(frozen=True)
class Region:
    name: str
    role: Role
    cidr: str
    zones: tuple[str, ...]
    """Availability zone names, resolved: ``availability_zones: 3`` becomes the region's first three zones."""

    @property
    def is_primary(self) -> bool:
        return self.role == "primary"


@dataclass(frozen=True)
class Network:
    subnet_bits: int = 8
    nat: Literal["none", "single", "per-az"] = "none"
    endpoints: tuple[str, ...] = ()
    """AWS service names (``s3``, ``dynamodb``, ``sqs``, ...), resolved: the blueprint's list, or derived."""


@dataclass(frozen=True)
class Capacity:
    min: float
    max: float


@dataclass(frozen=True)
class Database:
    name: str
    engine: Literal["aurora-postgresql", "aurora-mysql"]
    engine_version: str
    database_name: str
    master_username: str
    capacity: Capacity | None
    instance_class: str | None
    primary_instances: int
    secondary_instances: int
    backup_retention: Duration
    deletion_protection: bool
    max_replication_lag: Duration
    rpo: Duration | None = None


@dataclass(frozen=True)
class Key:
    name: str
    type: Literal["S", "N", "B"]


@dataclass(frozen=True)
class Billing:
    mode: Literal["on-demand", "provisioned"] = "on-demand"
    read: int | None = None
    write: int | None = None


@dataclass(frozen=True)
class Index:
    """A secondary index. A local index's ``partition_key`` is its table's (resolved)."""

    name: str
    partition_key: Key
    sort_key: Key | None = None
    projection: Literal["all", "keys-only", "include"] = "all"
    non_key_attributes: tuple[str, ...] = ()
    capacity: Billing = Billing()
    """A global index's capacity, resolved: its own ``capacity``, else the table's billing; on-demand for a local one."""

    @property
    def keys(self) -> tuple[Key, ...]:
        return (self.partition_key, *([self.sort_key] if self.sort_key else []))


@dataclass(frozen=True)
class Table:
    name: str
    partition_key: Key
    sort_key: Key | None = None
    ttl_attribute: str | None = None
    point_in_time_recovery: bool = True
    billing: Billing = Billing()
    stream: Literal["new-and-old-images", "new-image", "old-image", "keys-only"] = "new-and-old-images"
    rpo: Duration | None = None
    global_indexes: tuple[Index, ...] = ()
    local_indexes: tuple[Index, ...] = ()
    contributor_insights: bool = False
    deletion_protection: bool = True

    @property
    def keys(self) -> tuple[Key, ...]:
        return (self.partition_key, *([self.sort_key] if self.sort_key else []))

    @property
    def attributes(self) -> tuple[Key, ...]:
        """Every key attribute of the table and its indexes, once each, in order of first use."""
        seen: dict[str, Key] = {}
        for key in (*self.keys, *(k for i in (*self.global_indexes, *self.local_indexes) for k in i.keys)):
            seen.setdefault(key.name, key)
        return tuple(seen.values())


@dataclass(frozen=True)
class ObjectLock:
    mode: Literal["GOVERNANCE", "COMPLIANCE"]
    retention: Duration


@dataclass(frozen=True)
class Bucket:
    name: str
    time_control: bool = False
    replicate_deletes: bool = False
    object_lock: ObjectLock | None = None
    noncurrent_expiration: Duration | None = None
    rpo: Duration | None = None


@dataclass(frozen=True)
class DeadLetter:
    max_receive_count: int
    retention: Duration


@dataclass(frozen=True)
class Queue:
    name: str
    visibility_timeout: Duration
    retention: Duration
    fifo: bool = False
    dead_letter: DeadLetter | None = None
    region_outage: Literal["wait", "durable"] = "durable"
    """``wait``: messages may wait in a failed region until it returns (redriven then); ``durable``: they must
    survive the loss of their region: the API's routes to it write to the outbox global table first
    (``synth.intake``), and what can still wait in a region - sent by a function, or with no route - counts
    against the RPO up to ``retention``."""


@dataclass(frozen=True)
class Trigger:
    queue: str
    batch_size: int = 10
    max_batching_window: Duration | None = None


@dataclass(frozen=True)
class Grant:
    kind: Literal["table", "bucket", "queue", "database", "function"]
    target: str
    mode: Mode


@dataclass(frozen=True)
class Function:
    name: str
    source: str
    """The folder as written in the blueprint, relative to the blueprint file."""
    handler: str
    runtime: str
    memory: int
    timeout: Duration
    in_vpc: bool = False
    triggers: tuple[Trigger, ...] = ()
    access: tuple[Grant, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    target: Literal["function", "queue", "health"]
    name: str | None = None
    """The function or queue the route sends to; ``None`` for a health route."""
    group_id_header: str | None = None
    """For a route to a FIFO queue, the request header that carries the MessageGroupId; ``None`` otherwise."""
    deduplication_id_header: str | None = None
    """For a route to a FIFO queue, the request header that carries the MessageDeduplicationId; ``None`` otherwise."""
    auth: Literal["iam", "jwt", "none"] = "iam"
    """How the route is authorised, resolved: its own ``auth``, else the API's; ``none`` for a health route."""


@dataclass(frozen=True)
class Throttle:
    rate: float
    burst: int


@dataclass(frozen=True)
class Jwt:
    """drgen's region-independent authoriser: bearer tokens of ``issuer`` for one of ``audiences``."""

    issuer: str
    audiences: tuple[str, ...]
    jwks_url: str | None = None
    """Where the keys are fetched from; ``None`` when ``keys`` are given (resolved: the default is filled in)."""
    keys: tuple[tuple[tuple[str, str], ...], ...] = ()
    """Public JWKs given in the blueprint, each as its sorted (member, value) pairs."""
    cache: Duration = Duration(300_000, "300s")


@dataclass(frozen=True)
class Api:
    name: str
    stage: str
    routes: tuple[Route, ...]
    throttle: Throttle | None = None
    jwt: Jwt | None = None


@dataclass(frozen=True)
class HealthCheck:
    path: str = "/health"
    interval: Duration = Duration(30_000, "30s")
    failure_threshold: int = 3


@dataclass(frozen=True)
class Dns:
    zone: str
    record: str
    zone_id: str | None = None
    ttl: Duration = Duration(60_000, "60s")
    health_check: HealthCheck = HealthCheck()

    @property
    def fqdn(self) -> str:
        return f"{self.record}.{self.zone}"


@dataclass(frozen=True)
class Alarm:
    name: str
    metric: str
    threshold: float
    """In the CloudWatch unit of the metric (see ``drgen.metrics``): a duration becomes that unit."""
    periods: int
    triggers_failover: bool = False
    subject: str | None = None
    """The function, queue, database, table or bucket the metric is measured on, when it needs one."""


@dataclass(frozen=True)
class Objectives:
    rpo: Duration
    rto: Duration


@dataclass(frozen=True)
class Detection:
    """How a standby watches the active region: a probe every ``probe_interval``, ``failures`` in a row alarm."""

    probe_interval: Duration
    failures: int


@dataclass(frozen=True)
class Failover:
    mode: Literal["automatic", "manual"]
    allow_data_loss: bool
    promotion_timeout: Duration
    validation_schedule: str
    detection: Detection
    approval_time: Duration
    emails: tuple[str, ...] = ()
    orchestrator: Literal["drgen", "arc-region-switch"] = "drgen"
    """What runs a failover: drgen's state machine, or an ARC Region switch plan calling drgen's functions."""


@dataclass(frozen=True)
class ResilienceHub:
    """The opt-in Resilience Hub policy and application (``drgen.resiliencehub``)."""

    assessment_schedule: Literal["daily", "disabled"] = "daily"
    tier: Literal["MissionCritical", "Critical", "Important", "CoreServices", "NonCritical"] | None = None
    """The policy's tier as the blueprint names it; ``None``: it follows the strategy."""
    data_location: Literal["AnyLocation", "SameContinent", "SameCountry"] = "AnyLocation"


@dataclass(frozen=True)
class GameDays:
    """The opt-in FIS experiment templates (``drgen.gamedays``)."""

    duration: Duration
    """How long each disruption lasts."""
    stop_alarms: tuple[str, ...] | None = None
    """The blueprint's alarms that stop every experiment, as named; ``None``: every alarm that can."""
    impair_canary: bool = False
    """Whether the canary carries AWS FIS's Lambda extension and every region gets the ``canary-impaired`` game day."""


@dataclass(frozen=True)
class LintIgnore:
    """A cfn-lint rule whose findings do not fail ``drgen render --lint``, and why."""

    rule: str
    reason: str


@dataclass(frozen=True)
class Lint:
    """What ``drgen render --lint`` leaves out (``drgen.lint``)."""

    ignore: tuple[LintIgnore, ...] = ()
    regions: tuple[str, ...] | None = None
    """The regions to lint in; ``None``: every region the templates are linted in (``drgen.lint.regions_for``)."""


@dataclass(frozen=True)
class Blueprint:
    version: int
    name: str
    environment: str
    strategy: Strategy
    objectives: Objectives
    regions: tuple[Region, ...]
    failover: Failover
    description: str = ""
    tags: tuple[tuple[str, str], ...] = ()
    accounts: tuple[str, ...] = ()
    stackset_roles: Literal["blueprint", "aws-default"] = "blueprint"
    """Whose names the StackSet roles carry: the blueprint's (``drgen.<prefix>.stackset-...``) or AWS's default ones."""
    deployment: Deployment = Deployment()
    """How StackSets are deployed: from which control region, to an organization's OUs (service-managed) or
    ``accounts``, and with what concurrency."""
    network: Network = Network()
    databases: tuple[Database, ...] = ()
    tables: tuple[Table, ...] = ()
    buckets: tuple[Bucket, ...] = ()
    queues: tuple[Queue, ...] = ()
    functions: tuple[Function, ...] = ()
    api: Api | None = None
    dns: Dns | None = None
    alarms: tuple[Alarm, ...] = ()
    resilience_hub: ResilienceHub | None = None
    """``None`` unless the blueprint enables it."""
    game_days: GameDays | None = None
    """``None`` unless the blueprint enables them."""
    lint: Lint = Lint()
    base_dir: str = "."
    """The folder of the blueprint file: function sources are relative to it."""
    source_root: str | None = None
    """The folder function sources must lie in, when the caller names one; else ``base_dir``."""

    @property
    def prefix(self) -> str:
        """The prefix of every physical name: ``<name>-<environment>``."""
        return f"{self.name}-{self.environment}"

    @property
    def primary(self) -> Region:
        return next(r for r in self.regions if r.is_primary)

    @property
    def control_region(self) -> str:
        """The region that administers every StackSet and whose artifact bucket holds the artifacts of record: the
        blueprint's ``deployment.control_region``, else the first secondary region (not the primary, so that a
        failed primary does not take the means of recovery with it)."""
        return self.deployment.control_region or self.secondaries[0].name

    @property
    def secondaries(self) -> tuple[Region, ...]:
        return tuple(r for r in self.regions if not r.is_primary)

    @property
    def region_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.regions)

    def region(self, name: str) -> Region:
        return next(r for r in self.regions if r.name == name)

    @property
    def needs_vpc(self) -> bool:
        return bool(self.databases) or any(f.in_vpc for f in self.functions)

    @property
    def runs_compute_in_secondaries(self) -> bool:
        """Whether functions and APIs are deployed to secondary regions before a disaster."""
        return self.strategy != "backup-restore"
