"""The opt-in AWS resilience tooling: ``resilience_hub`` and ``game_days`` (docs/aws-tooling.md).

Both live in the primary region, which must offer their resource types; game days need a failover machine to
provoke, a duration FIS accepts, and stop conditions: the blueprint's alarms measured in the primary that do
not trigger the failover (``drgen.gamedays.can_stop`` says the same of a model), one to five CloudWatch alarms.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from drgen import gamedays, metrics
from drgen.checks import Context
from drgen.diagnostics import Diagnostic
from drgen.durations import parse
from drgen.schema_check import suggest

TYPES = {"resilience_hub": ("AWS::ResilienceHub::ResiliencyPolicy", "AWS::ResilienceHub::App"),
         "game_days": ("AWS::FIS::ExperimentTemplate",)}
SERVICES = {"resilience_hub": "AWS Resilience Hub", "game_days": "AWS FIS"}


@cache
def offered(region: str) -> frozenset[str]:
    """The resource types CloudFormation offers in ``region``, as the pinned cfn-lint's provider schemas list them."""
    import cfnlint.data.schemas as schemas

    path = Path(schemas.__file__).parent / "providers" / f"{region}.json"
    if not path.is_file():
        return frozenset()
    return frozenset(json.loads(path.read_text(encoding="utf-8")))


def _enabled(ctx: Context, key: str) -> bool:
    section = ctx.data.get(key)
    return isinstance(section, dict) and section.get("enabled") is True and not ctx.broken((key,))


def _primary(ctx: Context) -> str | None:
    regions = ctx.data.get("regions")
    found = [r.get("name") for r in regions if isinstance(r, dict) and r.get("role") == "primary"] \
        if isinstance(regions, list) else []
    return found[0] if len(found) == 1 and isinstance(found[0], str) else None


def check_regions(ctx: Context) -> Iterator[Diagnostic]:
    primary = _primary(ctx)
    if primary is None:
        return
    for key, types in TYPES.items():
        missing = [t for t in types if t not in offered(primary)] if _enabled(ctx, key) else []
        if missing:
            yield ctx.error("E901", f"{SERVICES[key]} is not offered in {primary}, the primary region: CloudFormation "
                                    f"there has no {' or '.join(missing)}", (key, "enabled"))
    section = ctx.data.get("game_days")
    if _enabled(ctx, "game_days") and isinstance(section, dict) and section.get("impair_canary") is True:
        regions = [r.get("name") for r in ctx.data.get("regions", []) if isinstance(r, dict)] \
            if isinstance(ctx.data.get("regions"), list) else []
        lacking = [r for r in regions if isinstance(r, str) and TYPES["game_days"][0] not in offered(r)]
        if lacking:
            yield ctx.error("E907", f"impair_canary puts the canary-impaired experiment and AWS FIS's Lambda extension "
                                    f"in every region, but AWS FIS is not offered in {', '.join(lacking)}: "
                                    f"CloudFormation there has no {TYPES['game_days'][0]}",
                            ("game_days", "impair_canary"))


def _alarm_count(ctx: Context, alarm: dict[str, Any]) -> int:
    """How many CloudWatch alarms one blueprint alarm is (``configs.dimension_sets``)."""
    subject = metrics.METRICS[alarm["metric"]].subject
    regions = [r for r in ctx.data.get("regions", []) if isinstance(r, dict)]
    if subject == "table":
        return len(regions)
    if subject == "bucket":
        return len([r for r in regions if r.get("role") == "secondary"])
    return 1


def _unfit(alarm: dict[str, Any]) -> str | None:
    if alarm.get("triggers_failover") is True:
        return "triggers the failover, which the game days provoke: it would stop them as they start working"
    if metrics.METRICS[alarm["metric"]].placement == "secondaries":
        return "is measured in the secondaries only, and FIS reads stop conditions in the experiment's region, the primary"
    return None


def check_game_days(ctx: Context) -> Iterator[Diagnostic]:
    if not _enabled(ctx, "game_days"):
        return
    section = ctx.data["game_days"]
    if ctx.data.get("strategy") == "backup-restore":
        yield ctx.error("E902", "game days need a failover machine to provoke, and a backup-restore blueprint "
                                "deploys none (it recovers by its runbook)", ("game_days", "enabled"))
    low, high = gamedays.DURATION_BOUNDS_SECONDS
    duration = parse(section.get("duration", "10m")).seconds
    if not low <= duration <= high:
        yield ctx.error("E906", f"duration {section.get('duration')}: a FIS action lasts 1m to 12h",
                        ("game_days", "duration"))
    alarms = {a["name"]: a for _, a in ctx.items("alarms") if isinstance(a.get("name"), str)
              and a.get("metric") in metrics.METRICS}
    named = section.get("stop_alarms")
    chosen: list[dict[str, Any]] = []
    if isinstance(named, list) and not ctx.broken(("game_days", "stop_alarms")):
        for index, name in enumerate(named):
            path = ("game_days", "stop_alarms", index)
            alarm = alarms.get(name)
            why = "is not an alarm of the blueprint" + suggest(str(name), alarms) if alarm is None else _unfit(alarm)
            if why:
                yield ctx.error("E903", f"alarm {name} cannot stop a game day: it {why}", path)
            elif alarm is not None:
                chosen.append(alarm)
        if len(chosen) < len(named):
            return
    else:
        chosen = [a for a in alarms.values() if _unfit(a) is None]
        if not chosen:
            yield ctx.error("E904", "no alarm can stop the game days: declare an alarm measured in the primary that "
                                    "does not trigger the failover, or name one in stop_alarms",
                            ("game_days", "enabled"))
            return
    count = sum(_alarm_count(ctx, a) for a in chosen)
    if count > gamedays.MAX_STOP_CONDITIONS:
        where = ("game_days", "stop_alarms") if isinstance(named, list) else ("game_days", "enabled")
        yield ctx.error("E905", f"the stop alarms ({', '.join(a['name'] for a in chosen)}) are {count} CloudWatch "
                                f"alarms; FIS takes at most {gamedays.MAX_STOP_CONDITIONS} stop conditions: name fewer "
                                "in stop_alarms", where, key=where[-1] == "stop_alarms")


CHECKS = [check_regions, check_game_days]
