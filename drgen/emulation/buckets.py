"""S3 replication, as the buckets' replication configurations say: asynchronous, rule by rule, on the clock.

moto stores a bucket's ``ReplicationConfiguration`` and copies nothing. Here, as AWS documents it (Amazon S3 User
Guide, "Replicating objects within and across Regions"; "Replicating metadata changes with replica modification
sync"; "Meeting compliance requirements with S3 Replication Time Control"):

- an object written in a bucket is copied, ``delay`` seconds later, to the destination bucket of every enabled
  rule of that bucket's configuration whose filter matches its key (none: nothing leaves the bucket);
- a replica is not replicated again (S3 replicates only objects that are not replicas; replica modification
  sync carries metadata changes of a replica back, not the object to a third bucket);
- replication is done by S3 of the source region, reading the source and writing the destination: while
  either region is down the copy waits and is retried every minute, so what a region accepted before an
  outage, and had not replicated yet, replicates once it is back;
- a configuration added later does not copy what was written before it (S3 Batch Replication would).
Deletes are not replicated here (drgen's functions delete nothing).
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Any

from drgen.emulation.clock import Clock
from drgen.emulation.faults import Faults, bypassed

DEFAULT_DELAY_SECONDS = 30.0
RETRY_SECONDS = 60.0
_replicating: contextvars.ContextVar[bool] = contextvars.ContextVar("drgen_s3_replicating", default=False)


@dataclass
class Replication:
    clock: Clock
    faults: Faults
    delay: float = DEFAULT_DELAY_SECONDS
    client: Any = None
    """A client factory of the emulated AWS: ``client(service, region)``."""
    regions: dict[str, str] = field(default_factory=dict)
    """Bucket name -> its region."""
    replicas: set[tuple[str, str]] = field(default_factory=set)
    """(bucket, key) of every object written by replication."""
    copied: list[tuple[float, str, str, str]] = field(default_factory=list)
    """(elapsed, source bucket, destination bucket, key) of every copy made."""

    def declare(self, bucket: str, region: str) -> None:
        self.regions[bucket] = region

    def wrote(self, bucket: str, key: str) -> None:
        """An object was written in ``bucket``: schedule a copy for every rule it matches."""
        if _replicating.get() or bucket not in self.regions:
            return
        self.replicas.discard((bucket, key))  # an application's write: a new object, no longer a replica
        with bypassed():
            try:
                config = self.client("s3", self.regions[bucket]).get_bucket_replication(Bucket=bucket)
            except Exception:  # no configuration: nothing leaves the bucket
                return
        for rule in config["ReplicationConfiguration"]["Rules"]:
            prefix = rule.get("Filter", {}).get("Prefix", rule.get("Prefix", ""))
            if rule.get("Status") != "Enabled" or not key.startswith(prefix or ""):
                continue
            destination = rule["Destination"]["Bucket"].split(":::")[-1]
            if destination in self.regions:
                self._later(bucket, destination, key, self.delay)

    def _later(self, source: str, destination: str, key: str, delay: float) -> None:
        self.clock.after(delay, lambda: self._copy(source, destination, key), f"replicate s3://{source}/{key}")

    def _copy(self, source: str, destination: str, key: str) -> None:
        if not (self.faults.works(self.regions[source]) and self.faults.works(self.regions[destination])):
            self._later(source, destination, key, RETRY_SECONDS)
            return
        token = _replicating.set(True)
        try:
            with bypassed():
                found = self.client("s3", self.regions[source]).get_object(Bucket=source, Key=key)
                self.client("s3", self.regions[destination]).put_object(
                    Bucket=destination, Key=key, Body=found["Body"].read(),
                    ContentType=found.get("ContentType", "binary/octet-stream"))
        finally:
            _replicating.reset(token)
        self.replicas.add((destination, key))
        self.copied.append((self.clock.elapsed(), source, destination, key))

    def patches(self) -> list[tuple[Any, str, Any]]:
        from moto.s3.responses import S3Response

        replication, original = self, S3Response.put_object

        def put_object(self: Any) -> Any:
            result = original(self)
            replication.wrote(self.bucket_name, self.parse_key_name())
            return result

        return [(S3Response, "put_object", put_object)]
