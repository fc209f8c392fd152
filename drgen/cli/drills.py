"""drgen drill: the scenarios against the emulated AWS, a live failover, or a game day."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drgen.cli.common import existing, out, source_root, with_env, with_source_root
from drgen.errors import UsageError

if TYPE_CHECKING:
    from drgen.model import Blueprint


def cmd_drill(args: argparse.Namespace) -> int:
    import drgen
    from drgen import gamedays
    from drgen.drilling import DrillReport, drill, drill_live

    blueprint = drgen.load(existing(args.blueprint), source_root=source_root(args), env=args.env)
    if args.live and args.scenario and len(args.scenario) == 1 and args.scenario[0] in gamedays.names(blueprint):
        return _game_day(blueprint, args)
    if args.live:
        import boto3

        scenarios = args.scenario or ["switchover"]
        if len(scenarios) != 1:
            raise UsageError("a live drill runs one scenario: --scenario switchover or --scenario fail-back")
        default = blueprint.primary.name if scenarios[0] == "fail-back" else blueprint.secondaries[0].name
        result = drill_live(blueprint, boto3.Session(profile_name=args.profile), args.region or default,
                            confirm=args.yes_really_fail_over, scenario=scenarios[0])
        report = DrillReport(blueprint.prefix, [result])
    else:
        report = drill(blueprint, args.scenario, args.region)
    out(report.json() if args.format == "json" else report.text())
    return 0 if report.ok else 1


def _game_day(blueprint: Blueprint, args: argparse.Namespace) -> int:
    """``drill --live --scenario NAME`` for a game day: its FIS experiment, measured; the report written to -o."""
    import boto3

    from drgen.drilling.gameday import drill_game_day

    report = drill_game_day(blueprint, boto3.Session(profile_name=args.profile), args.scenario[0], args.region,
                            confirm=args.yes_really_fail_over)
    if args.output is not None:
        folder = Path(args.output)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"gameday-{report.game_day}.json").write_text(report.json(), encoding="utf-8")
            (folder / f"gameday-{report.game_day}.md").write_text(report.markdown(), encoding="utf-8")
        except OSError as error:
            raise UsageError(f"cannot write the report to {folder}: {error.strerror}") from error
    out(report.json() if args.format == "json" else report.markdown())
    return 0 if report.ok else 1


def register(sub: Any) -> None:
    """Add the commands of this module to the parser's subcommands."""
    p = sub.add_parser("drill", help="run failover scenarios against an emulated AWS (or one live failover)",
                       description="Run the rendered failover against an in-process emulated AWS and report each "
                                   "scenario's steps and outcome. Exit 1 if any ends unexpectedly.")
    p.add_argument("blueprint", metavar="BLUEPRINT")
    p.add_argument("--scenario", action="append", metavar="NAME",
                   help="run only this scenario (repeatable): switchover, region-outage, probe-blip, "
                        "standby-self-alarm, race, resume, fail-back, approve, deny, timeout, not-ready; "
                        "--live: switchover or fail-back, or a game day of the blueprint's game_days "
                        "(region-outage, replication-paused, writer-failover, canary-impaired: docs/aws-tooling.md)")
    p.add_argument("--region", help="the secondary region to fail over to (default: every secondary; --live: the "
                                    "first, or the primary for fail-back)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--live", action="store_true", help="start and follow a real execution of the deployed state machine")
    p.add_argument("--yes-really-fail-over", action="store_true", help="the confirmation --live requires")
    p.add_argument("--profile", help="AWS profile for --live")
    p.add_argument("-o", "--output", metavar="DIR", help="--live game day: also write the report there "
                                                         "(gameday-NAME.json and the runbook section gameday-NAME.md)")
    with_source_root(p)
    with_env(p)
    p.set_defaults(run=cmd_drill)
