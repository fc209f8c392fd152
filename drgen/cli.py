"""The command line. The only module that prints or exits: everything else returns values or raises."""

from __future__ import annotations

import signal
import sys


def _interrupted_while_starting(signum: int, frame: object) -> None:
    sys.stderr.write("drgen: interrupted\n")
    raise SystemExit(130)


if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    # until main() runs, an interrupt ends the process quietly (no traceback out of an import); first thing, so
    # before the imports below (contextlib.suppress would be one more import to wait for)
    try:  # noqa: SIM105
        signal.signal(signal.SIGINT, _interrupted_while_starting)
    except ValueError:  # imported outside the main thread
        pass

import argparse  # noqa: E402
import json  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Any, TextIO  # noqa: E402

from drgen import __version__  # noqa: E402
from drgen.errors import DrgenError, InvalidBlueprint, LintError, UsageError  # noqa: E402

if TYPE_CHECKING:
    from drgen.model import Blueprint

STRATEGIES = ("backup-restore", "pilot-light", "warm-standby", "hot-standby")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message}\nrun '{self.prog} --help' for usage")


def _out(text: str, stream: TextIO | None = None) -> None:
    """Write a line; what the stream's encoding cannot hold (a lone surrogate, any non-ASCII character on an
    ASCII terminal) is written as a backslash escape instead of failing."""
    stream = stream or sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    line = text if text.endswith("\n") else text + "\n"
    stream.write(line.encode(encoding, "backslashreplace").decode(encoding, "replace"))


def _err(text: str) -> None:
    _out(text, sys.stderr)


# ---- validate --------------------------------------------------------------------------------------

def cmd_validate(args: argparse.Namespace) -> int:
    from drgen import objectives
    from drgen.errors import exit_status
    from drgen.validation import check_file

    status = 0
    everything = []
    assessed: list[dict[str, Any]] = []
    for path in args.blueprints:
        result = check_file(_existing(path), _source_root(args))
        everything.extend(result.diagnostics)
        status = max(status, exit_status(result.diagnostics))
        if args.format == "text":
            for d in result.diagnostics:
                _out(d.text())
            if result.ok and result.assessment is not None:
                _out(f"{path}: valid")
                for line in objectives.budget_lines(result.assessment):
                    _out(f"  {line}")
            elif not result.ok:
                count = sum(1 for d in result.diagnostics if d.is_error)
                _err(f"{path}: {count} error{'s' if count != 1 else ''}")
        elif args.format == "github":
            for d in result.diagnostics:
                _out(d.github())
        # the planned and the unplanned RTO (the one the objective is checked against) with their steps
        assessed.append({"file": path, "valid": result.ok,
                         "objectives": result.assessment.to_dict() if result.assessment is not None else None})
    if args.format == "json":
        _out(json.dumps({"diagnostics": [d.to_dict() for d in everything], "blueprints": assessed},
                        indent=2, sort_keys=True))
    return status


# ---- schema / init -----------------------------------------------------------------------------------

def cmd_schema(args: argparse.Namespace) -> int:
    from drgen import resources

    _out(resources.schema_path().read_text(encoding="utf-8"))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from drgen import catalog

    rows = catalog.LISTINGS[args.command]()
    _out(catalog.to_json(rows) if args.format == "json" else catalog.to_text(args.command, rows))
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from drgen.diagnostics import clip
    from drgen.starter import starter_blueprint

    text = starter_blueprint(args.strategy, name=args.name)
    target = Path(args.path)
    try:
        if target.exists() and not args.force:
            raise UsageError(f"{target} exists; pass --force to overwrite it")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {clip(str(target), 200)}: {error.strerror or error}") from error
    _out(f"wrote {target} ({args.strategy}); next: drgen validate {target}")
    return 0


# ---- render / plan -----------------------------------------------------------------------------------

def cmd_render(args: argparse.Namespace) -> int:
    import drgen
    from drgen import lint

    blueprint = drgen.load(_existing(args.blueprint), source_root=_source_root(args))
    rendered = drgen.render(blueprint)
    if args.lint:
        findings = lint.lint_rendered(rendered, blueprint)
        if findings:
            raise LintError(findings)
    try:
        target = drgen.write(rendered, args.output, force=args.force)
    except OSError as error:
        raise UsageError(f"cannot write {args.output}: {error.strerror}") from error
    _out(f"rendered {len(rendered.files)} files to {target}" + (" (cfn-lint: clean)" if args.lint else ""))
    for note in rendered.notes:
        _out(f"  note: {note}")
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    import drgen

    plan = drgen.plan(drgen.load(_existing(args.blueprint), source_root=_source_root(args)))
    _out(json.dumps(plan.to_dict(), indent=2, sort_keys=True) if args.format == "json" else plan.text())
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    import drgen
    from drgen.diff import diff_files, read_render

    try:
        if args.against is not None:
            old = read_render(args.against)
            new = drgen.render(drgen.load(_existing(args.old), source_root=_source_root(args))).files
        else:
            if args.new is None:
                raise UsageError("give two render directories, or a blueprint and --against DIR")
            old, new = read_render(args.old), read_render(args.new)
    except DrgenError as error:
        error.exit_code = max(error.exit_code, 2)  # 1 means "different" here: an invalid blueprint must not read so
        raise
    result = diff_files(old, new)
    shown = {"json": lambda: json.dumps(result.to_dict(), indent=2, sort_keys=True),
             "markdown": result.markdown}.get(args.format, result.text)()
    _out(shown)
    return 0 if result.same else 1


def cmd_drill(args: argparse.Namespace) -> int:
    import drgen
    from drgen import gamedays
    from drgen.drilling import DrillReport, drill, drill_live

    blueprint = drgen.load(_existing(args.blueprint), source_root=_source_root(args))
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
    _out(report.json() if args.format == "json" else report.text())
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
    _out(report.json() if args.format == "json" else report.markdown())
    return 0 if report.ok else 1


def cmd_deploy(args: argparse.Namespace) -> int:
    import drgen
    from drgen.aws.deploy import DeployOptions

    options = DeployOptions(dry_run=args.dry_run, endpoint_url=args.endpoint_url)  # a bad URL stops here, first
    blueprint = drgen.load(_existing(args.blueprint), source_root=_source_root(args))
    rendered = drgen.render(blueprint)
    if args.output is not None:
        try:  # before any AWS call: a refused -o stops the deploy before it starts
            drgen.write(rendered, args.output, force=args.force)
        except OSError as error:
            raise UsageError(f"cannot write {args.output}: {error.strerror}") from error
    session = _session(args.profile)
    if not args.dry_run and not args.yes:
        preview = drgen.deploy(rendered, session, options=DeployOptions(dry_run=True, endpoint_url=args.endpoint_url))
        _out(preview.text())
        if not preview.changed:
            return 0
        if not sys.stdin.isatty():
            raise UsageError("drgen deploy asks before it changes anything; pass --yes to deploy without asking "
                             "(pipelines), or --dry-run to only see what would change")
        if input("deploy these changes? [y/N] ").strip().lower() not in ("y", "yes"):
            _err("drgen: nothing deployed")
            return 1
    live = sys.stderr.isatty() and not args.quiet
    progress = None if args.format == "json" or args.dry_run else Progress(sys.stderr, live=live)
    result = drgen.deploy(rendered, session, options=options, on_event=progress)
    if progress is not None:
        progress.finish()
    _out(json.dumps(result.to_dict(), indent=2, sort_keys=True) if args.format == "json" else result.text())
    return 0


def cmd_bootstrap(args: argparse.Namespace) -> int:
    from drgen.aws.bootstrap import bootstrap_rendered

    options, rendered, session = _aws_run(args)
    return _show_run(args, lambda progress: bootstrap_rendered(rendered, session, options, progress))


def cmd_destroy(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from drgen.aws.destroy import destroy_rendered

    options, rendered, session = _aws_run(args)
    prefix = rendered.blueprint.prefix
    if not args.dry_run and not args.yes:
        preview = destroy_rendered(rendered, session, replace(options, dry_run=True))
        _out(preview.text())
        if not preview.changed:
            return 0
        if not sys.stdin.isatty():
            raise UsageError("drgen destroy asks for the blueprint's prefix before it deletes anything; pass --yes "
                             "to destroy without asking, or --dry-run to only see what would be deleted")
        if input(f"type {prefix} to delete these: ").strip() != prefix:
            _err("drgen: nothing deleted")
            return 1
    return _show_run(args, lambda progress: destroy_rendered(rendered, session, options, progress))


def _aws_run(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """The options (a bad --endpoint-url stops here, first), the render and the session of an AWS command."""
    import drgen
    from drgen.aws.deploy import DeployOptions

    options = DeployOptions(dry_run=args.dry_run, endpoint_url=args.endpoint_url)
    rendered = drgen.render(drgen.load(_existing(args.blueprint), source_root=_source_root(args)))
    return options, rendered, _session(args.profile)


def _show_run(args: argparse.Namespace, run: Any) -> int:
    """Run ``run(on_event)`` with progress on standard error (none for a dry run or JSON), then its summary."""
    progress = None if args.format == "json" or args.dry_run else Progress(sys.stderr, live=sys.stderr.isatty()
                                                                               and not args.quiet)
    result = run(progress)
    if progress is not None:
        progress.finish()
    _out(json.dumps(result.to_dict(), indent=2, sort_keys=True) if args.format == "json" else result.text())
    return 0


def cmd_redrive(args: argparse.Namespace) -> int:
    import drgen
    from drgen.aws.clients import Clients
    from drgen.aws.deploy import DeployOptions
    from drgen.aws.redrive import redrive

    blueprint = drgen.load(_existing(args.blueprint), source_root=_source_root(args))
    clients = Clients(_session(args.profile), DeployOptions(endpoint_url=args.endpoint_url))
    with clients.translating(lambda: f"redrive from {args.source} into {args.target}"):
        moved = redrive(clients, blueprint, args.source, args.target)
    for m in moved:
        refused = f", {m.failed} refused by the target (still in the source)" if m.failed else ""
        _out(f"{m.queue} ({args.source}) -> {m.target} ({args.target}): {m.moved} moved{refused}")
    return 1 if any(m.failed for m in moved) else 0


class Progress:
    """Deploy events on a stream: one line rewritten in place when ``live`` (a terminal), else a line per change."""

    def __init__(self, stream: TextIO, live: bool) -> None:
        self.stream = stream
        self.tty = live
        self.last: tuple[str, str, str, str] | None = None
        self.open_line = False

    def __call__(self, event: Any) -> None:
        from drgen.aws.operations import pending

        key = (event.layer, event.region, event.action, event.status)
        if self.tty:
            self.stream.write("\r\x1b[K" + event.line())
            self.open_line = True
            if not pending(event.status):
                self.stream.write("\n")
                self.open_line = False
        elif key != self.last:  # a poll that changes nothing prints nothing
            self.stream.write(event.line() + "\n")
        self.last = key
        self.stream.flush()

    def finish(self) -> None:
        if self.open_line:
            self.stream.write("\n")
            self.open_line = False


def _session(profile: str | None) -> Any:
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.Session(profile_name=profile)
    except ProfileNotFound as error:
        raise UsageError(f"{error}; see 'aws configure list-profiles'") from error


def _existing(path: str) -> str:
    """``path`` when it names a regular file, else a ``UsageError`` (exit 2) saying what it is."""
    from drgen.diagnostics import clip

    try:
        if Path(path).is_file():
            return path
        problem = "not a regular file" if Path(path).exists() else "no such file"
    except OSError as error:  # a name too long for the file system, a loop of links
        problem = f"cannot be read: {error.strerror or error}"
    raise UsageError(f"{clip(path, 200)}: {problem}")


def _source_root(args: argparse.Namespace) -> str | None:
    root: str | None = args.source_root
    if root is not None and not Path(root).is_dir():
        raise UsageError(f"--source-root {root}: no such folder")
    return root


def _aws_arguments(p: argparse.ArgumentParser, dry_run: str) -> None:
    p.add_argument("blueprint", metavar="BLUEPRINT")
    p.add_argument("--profile", help="the AWS profile to use (default: boto3's usual credential chain)")
    p.add_argument("--endpoint-url", metavar="URL", help="an AWS-compatible endpoint for every service (e.g. moto)")
    p.add_argument("--dry-run", action="store_true", help=dry_run)
    p.add_argument("--quiet", action="store_true",
                   help="plain progress lines, one per status change, even on a terminal")
    p.add_argument("--format", choices=("text", "json"), default="text", help="the summary's form")
    _with_source_root(p)


def _with_source_root(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source-root", metavar="DIR",
                   help="the folder every function source must lie in (default: the blueprint's folder); for "
                        "repositories that keep function code beside the blueprint's folder rather than in it")


# ---- the parser --------------------------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="drgen", description="Multi-region disaster recovery for AWS from one declarative blueprint.")
    top.add_argument("--version", action="version", version=f"drgen {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("validate", help="check blueprints and assess their objectives",
                       description="Check blueprints against the language and assess RTO/RPO. Exit 0 valid, "
                                   "1 invalid, 2 usage or unreadable file.")
    p.add_argument("blueprints", nargs="+", metavar="BLUEPRINT")
    p.add_argument("--format", choices=("text", "json", "github"), default="text")
    _with_source_root(p)
    p.set_defaults(run=cmd_validate)

    p = sub.add_parser("render", help="write templates, StackSets, state machines, packages and runbook",
                       description="Render a blueprint to a directory (atomically: all or nothing).")
    p.add_argument("blueprint", metavar="BLUEPRINT")
    p.add_argument("-o", "--output", "--out", required=True, metavar="DIR",
                   help="the directory to write: new, empty, or a previous render (replaced whole)")
    p.add_argument("--force", action="store_true",
                   help="also replace a previous render whose files were changed or added to since")
    p.add_argument("--lint", action="store_true", help="run cfn-lint on every template, in every region")
    _with_source_root(p)
    p.set_defaults(run=cmd_render)

    p = sub.add_parser("plan", help="print the ordered deployment steps",
                       description="Print the deployment plan: (layer, region) steps and why each waits.")
    p.add_argument("blueprint", metavar="BLUEPRINT")
    p.add_argument("--format", choices=("text", "json"), default="text")
    _with_source_root(p)
    p.set_defaults(run=cmd_plan)

    p = sub.add_parser("diff", help="resource-level difference of two renders (for pull requests)",
                       description="Compare two render directories, or a blueprint's render with one (--against). "
                                   "Exit 0 when identical, 1 when different, 2 on any error (a render "
                                   "file that is not what drgen writes, an invalid blueprint).")
    p.add_argument("old", metavar="OLD_DIR|BLUEPRINT")
    p.add_argument("new", nargs="?", metavar="NEW_DIR")
    p.add_argument("--against", metavar="DIR", help="compare the render of the blueprint OLD with DIR")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                   help="markdown: a pull-request comment, one collapsible section per template")
    _with_source_root(p)
    p.set_defaults(run=cmd_diff)

    p = sub.add_parser("deploy", help="deploy the blueprint's plan with StackSets (uploads its artifacts first)",
                       description="Render the blueprint and deploy it with boto3: the bootstrap StackSet, the "
                                   "artifacts, then every StackSet and stack in the plan's order. Unchanged parts "
                                   "are left alone; a rerun continues after a failure. Asks before changing "
                                   "anything unless --yes. Exit 0 deployed (or nothing to do), 1 failed.")
    p.add_argument("blueprint", metavar="BLUEPRINT")
    p.add_argument("-o", "--output", "--out", metavar="DIR",
                   help="also write the render that is deployed to DIR (new, empty, or a previous render)")
    p.add_argument("--force", action="store_true", help="with -o: also replace a render changed since")
    p.add_argument("--profile", help="the AWS profile to use (default: boto3's usual credential chain)")
    p.add_argument("--endpoint-url", metavar="URL", help="an AWS-compatible endpoint for every service (e.g. moto)")
    p.add_argument("--dry-run", action="store_true", help="say what would be created, updated or left; read-only")
    p.add_argument("--yes", action="store_true", help="do not ask before deploying (for pipelines)")
    p.add_argument("--quiet", action="store_true",
                   help="plain progress lines, one per status change, even on a terminal")
    p.add_argument("--format", choices=("text", "json"), default="text", help="the summary's form")
    _with_source_root(p)
    p.set_defaults(run=cmd_deploy)

    p = sub.add_parser("bootstrap", help="deploy the StackSet roles and artifact buckets a blueprint needs",
                       description="Deploy (or update) what drgen deploy needs in the account: the blueprint's "
                                   "StackSet roles (the stack <prefix>-stackset-roles) and the bootstrap StackSet "
                                   "(each region's key and artifact bucket). A second run changes nothing. "
                                   "Exit 0 done (or nothing to do), 1 failed.")
    _aws_arguments(p, "say what would be created or updated; read-only")
    p.set_defaults(run=cmd_bootstrap)

    p = sub.add_parser("destroy", help="delete what drgen deployed of a blueprint, in the reverse of the plan",
                       description="Delete the blueprint's stack instances, StackSets and stacks, last layer first, "
                                   "then its StackSet roles; data stores stay as their DeletionPolicy says and are "
                                   "listed. Only what drgen's names and tags mark as this blueprint's. Asks for the "
                                   "blueprint's prefix unless --yes. Exit 0 done (or nothing to do), 1 failed.")
    _aws_arguments(p, "say what would be deleted and kept; read-only")
    p.add_argument("--yes", action="store_true", help="do not ask for the prefix before deleting (for pipelines)")
    p.set_defaults(run=cmd_destroy)

    p = sub.add_parser("redrive", help="move a region's waiting messages into the active region's queues",
                       description="Move every message of the queues and dead-letter queues of a region that is not "
                                   "active into the same queues of the active region (checked against the flag). "
                                   "Exit 0 all moved, 1 some refused.")
    p.add_argument("blueprint", metavar="BLUEPRINT")
    p.add_argument("--from", dest="source", required=True, metavar="REGION", help="the region to empty")
    p.add_argument("--to", dest="target", required=True, metavar="REGION", help="the active region")
    p.add_argument("--profile", help="the AWS profile to use (default: boto3's usual credential chain)")
    p.add_argument("--endpoint-url", metavar="URL", help="an AWS-compatible endpoint for every service (e.g. moto)")
    _with_source_root(p)
    p.set_defaults(run=cmd_redrive)

    p = sub.add_parser("drill", help="run failover scenarios against an emulated AWS (or one live failover)",
                       description="Run the rendered failover against an in-process emulated AWS and report each "
                                   "scenario's steps and outcome. Exit 1 if any ends unexpectedly.")
    p.add_argument("blueprint", metavar="BLUEPRINT")
    p.add_argument("--scenario", action="append", metavar="NAME",
                   help="run only this scenario (repeatable): switchover, region-outage, probe-blip, "
                        "standby-self-alarm, race, resume, fail-back, approve, deny, timeout, not-ready; "
                        "--live: switchover or fail-back, or a game day of the blueprint's game_days "
                        "(region-outage, replication-paused, writer-failover: docs/aws-tooling.md)")
    p.add_argument("--region", help="the secondary region to fail over to (default: every secondary; --live: the "
                                    "first, or the primary for fail-back)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--live", action="store_true", help="start and follow a real execution of the deployed state machine")
    p.add_argument("--yes-really-fail-over", action="store_true", help="the confirmation --live requires")
    p.add_argument("--profile", help="AWS profile for --live")
    p.add_argument("-o", "--output", metavar="DIR", help="--live game day: also write the report there "
                                                         "(gameday-NAME.json and the runbook section gameday-NAME.md)")
    _with_source_root(p)
    p.set_defaults(run=cmd_drill)

    p = sub.add_parser("init", help="write a starter blueprint that validates",
                       description="Write a commented starter blueprint.")
    p.add_argument("path", nargs="?", default="blueprint.yaml", metavar="PATH")
    p.add_argument("--strategy", choices=STRATEGIES, default="warm-standby")
    p.add_argument("--name", default="my-service", help="the system's name (default: my-service)")
    p.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    p.set_defaults(run=cmd_init)

    p = sub.add_parser("schema", help="print the blueprint JSON Schema",
                       description="Print the blueprint JSON Schema (for editors and other tools).")
    p.set_defaults(run=cmd_schema)

    for name, says in (("versions", "the Aurora engine versions drgen accepts, deprecated ones marked"),
                       ("metrics", "the metrics an alarm may name and the CloudWatch metric each maps to"),
                       ("regions", "the regions a blueprint may name, with their partitions and zones")):
        p = sub.add_parser(name, help=f"list {says}", description=f"List {says}.")
        p.add_argument("--format", choices=("text", "json"), default="text")
        p.set_defaults(run=cmd_list)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    if signal.getsignal(signal.SIGINT) is _interrupted_while_starting:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        args = parser().parse_args(argv)
        if not getattr(args, "run", None):
            parser().print_help(sys.stderr)
            return 2
        return int(args.run(args))
    except InvalidBlueprint as error:
        for d in error.diagnostics:
            _out(d.text())
        _err(f"drgen: {error}")
        return error.exit_code
    except LintError as error:
        for finding in error.findings:
            _out(finding)
        _err(f"drgen: {error}; nothing was written")
        return error.exit_code
    except DrgenError as error:
        _err(f"drgen: {error}")
        return error.exit_code
    except KeyboardInterrupt:
        _err("drgen: interrupted")
        return 130
    except BrokenPipeError:
        return 0
