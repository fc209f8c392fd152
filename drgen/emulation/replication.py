"""DynamoDB global tables: one table per region replica, replicated asynchronously, last writer wins.

moto keeps a table per region with no link between them. Here a table declared with replicas
(``AWS::DynamoDB::GlobalTable``) is a set of regional tables, as on AWS (DynamoDB Developer Guide, "Global
tables - multi-Region replication", multi-Region eventual consistency (MREC)):

- a write (PutItem, UpdateItem, DeleteItem) succeeds in the replica it is made in, with its condition
  evaluated against that replica only;
- it reaches every other replica ``delay`` seconds later on the emulated clock; a replica in a region that
  is down receives it when the region is back (it is retried every minute);
- concurrent writes of one item in different regions are reconciled last writer wins: a replicated write
  older than the replica's own last write of that item is dropped, so every replica converges on the
  write with the latest timestamp.
Batch and transactional writes are not replicated here (drgen's functions and machines use none).
"""

from __future__ import annotations

import contextvars
import json
from dataclasses import dataclass, field
from typing import Any

from drgen.emulation.clock import Clock
from drgen.emulation.faults import Faults, bypassed

DEFAULT_DELAY_SECONDS = 1.0
RETRY_SECONDS = 60.0
_replicating: contextvars.ContextVar[bool] = contextvars.ContextVar("drgen_replicating", default=False)


@dataclass
class GlobalTables:
    clock: Clock
    faults: Faults
    delay: float = DEFAULT_DELAY_SECONDS
    client: Any = None
    """A client factory of the emulated AWS: ``client(service, region)``."""
    replicas: dict[str, list[str]] = field(default_factory=dict)
    """Table name -> the regions of its replicas."""
    keys: dict[str, list[str]] = field(default_factory=dict)
    """Table name -> its key attribute names."""
    _last: dict[tuple[str, str, str], tuple[float, str]] = field(default_factory=dict)

    def declare(self, table: str, regions: list[str], keys: list[str]) -> None:
        self.replicas[table] = list(regions)
        self.keys[table] = list(keys)

    def wrote(self, region: str, table: str, key: dict[str, Any]) -> None:
        """A write succeeded in ``region``'s replica: stamp it and send the item to the other replicas."""
        if table not in self.replicas or region not in self.replicas[table] or _replicating.get():
            return
        stamp = (self.clock.now(), region)
        identity = json.dumps(key, sort_keys=True)
        self._last[(region, table, identity)] = stamp
        with bypassed():
            item = self.client("dynamodb", region).get_item(
                TableName=table, Key=key, ConsistentRead=True).get("Item")
        for other in self.replicas[table]:
            if other != region:
                self._send(other, table, key, item, stamp)

    def _send(self, region: str, table: str, key: dict[str, Any], item: dict[str, Any] | None,
              stamp: tuple[float, str], delay: float | None = None) -> None:
        self.clock.after(self.delay if delay is None else delay,
                         lambda: self._apply(region, table, key, item, stamp), f"replicate {table} to {region}")

    def _apply(self, region: str, table: str, key: dict[str, Any], item: dict[str, Any] | None,
               stamp: tuple[float, str]) -> None:
        if not self.faults.works(region):
            self._send(region, table, key, item, stamp, RETRY_SECONDS)
            return
        identity = json.dumps(key, sort_keys=True)
        if self._last.get((region, table, identity), (float("-inf"), "")) > stamp:
            return  # last writer wins: this replica holds a later write of the item
        self._last[(region, table, identity)] = stamp
        token = _replicating.set(True)
        try:
            with bypassed():
                client = self.client("dynamodb", region)
                if item is None:
                    client.delete_item(TableName=table, Key=key)
                else:
                    client.put_item(TableName=table, Item=item)
        finally:
            _replicating.reset(token)

    def patches(self) -> list[tuple[Any, str, Any]]:
        from moto.dynamodb.responses import DynamoHandler

        tables = self

        def replicated(original: Any) -> Any:
            def handler(self: Any) -> Any:
                result = original(self)
                name = self.body["TableName"]
                if name in tables.keys:
                    source = self.body.get("Key") or self.body.get("Item") or {}
                    key = {k: source[k] for k in tables.keys[name] if k in source}
                    tables.wrote(self.region, name, key)
                return result
            return handler

        return [(DynamoHandler, name, replicated(getattr(DynamoHandler, name)))
                for name in ("put_item", "update_item", "delete_item")]
