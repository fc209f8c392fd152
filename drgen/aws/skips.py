"""``drgen deploy --skip-region REGION``: deploying while a region is down.

A skipped region is not contacted at all - no upload to its artifact bucket, no StackSet operation on its stack
instances, no read - so a deploy (a re-render after a failover, a backup-restore recovery) runs while it is out.
Its stack instances and once-only stacks are left as they are and reported as ``skipped``; a StackSet updated
meanwhile leaves them ``OUTDATED`` until a deploy without the option. A value a template needs that only the
skipped region can tell (an API's host name, a stack's ID) is the one the StackSet or stack was last deployed with.
The control region cannot be skipped: every StackSet is administered there.
"""

from __future__ import annotations

from collections.abc import Iterable

from drgen.errors import UsageError
from drgen.model import Blueprint
from drgen.schema_check import suggest

REASON = "--skip-region: not contacted, left as it is"


def checked(bp: Blueprint, regions: Iterable[str]) -> frozenset[str]:
    """The regions to skip, each one of ``bp``'s and none its control region; else ``UsageError``."""
    out = frozenset(regions)
    for region in sorted(out):
        if region not in bp.region_names:
            raise UsageError(f"--skip-region {region}: not one of the blueprint's regions "
                             f"({', '.join(bp.region_names)}){suggest(region, bp.region_names)}")
        if region == bp.control_region:
            raise UsageError(f"--skip-region {region}: it is the control region, where every StackSet is "
                             "administered and the artifacts of record live; drgen cannot deploy without it. "
                             "See docs/deploying.md, \"The control region\"")
    return out
