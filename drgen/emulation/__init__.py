"""The emulated AWS the drill runs the rendered design in: moto, extended where it lacks what the design uses.

- ``world.Emulation``: the world of one scenario, built from the rendered templates;
- ``faults``: regions down, impaired, partitioned, applied to every call (a botocore hook);
- ``clock``: the drill's time; waits, schedules, evaluations and recovery time run on it;
- ``alarms``, ``rules``, ``route53``: CloudWatch alarms, EventBridge rules and schedules, health checks;
- ``replication``: DynamoDB global tables; ``aurora``: Aurora global databases;
- ``lambdas``: functions' real code, in-process, in their region;
- ``templates``: the rendered templates resolved per region.
Everything here is drill machinery; nothing in the rendered artifacts depends on it.
"""

from drgen.emulation.clock import Clock
from drgen.emulation.faults import Faults, Impairment
from drgen.emulation.world import ACCOUNT, Emulation

__all__ = ["ACCOUNT", "Clock", "Emulation", "Faults", "Impairment"]
