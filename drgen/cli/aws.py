"""The commands that act on AWS: deploy, bootstrap, destroy, redrive."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from drgen.cli.common import (
    Progress,
    aws_arguments,
    aws_run,
    aws_session,
    err,
    existing,
    out,
    session_arguments,
    show_run,
    source_root,
    with_env,
    with_source_root,
)
from drgen.errors import UsageError


def cmd_deploy(args: argparse.Namespace) -> int:
    import drgen
    from drgen.aws.deploy import DeployOptions

    skipped = tuple(args.skip_region)
    options = DeployOptions(dry_run=args.dry_run, endpoint_url=args.endpoint_url,  # a bad URL stops here, first
                            skip_regions=skipped)
    blueprint = drgen.load(existing(args.blueprint), source_root=source_root(args), env=args.env)
    rendered = drgen.render(blueprint)
    if args.output is not None:
        try:  # before any AWS call: a refused -o stops the deploy before it starts
            drgen.write(rendered, args.output, force=args.force)
        except OSError as error:
            raise UsageError(f"cannot write {args.output}: {error.strerror}") from error
    session = aws_session(args.profile)
    if not args.dry_run and not args.yes:
        preview = drgen.deploy(rendered, session, options=DeployOptions(dry_run=True, endpoint_url=args.endpoint_url,
                                                                        skip_regions=skipped))
        out(preview.text())
        if not preview.changed:
            return 0
        if not sys.stdin.isatty():
            raise UsageError("drgen deploy asks before it changes anything; pass --yes to deploy without asking "
                             "(pipelines), or --dry-run to only see what would change")
        if input("deploy these changes? [y/N] ").strip().lower() not in ("y", "yes"):
            err("drgen: nothing deployed")
            return 1
    live = sys.stderr.isatty() and not args.quiet
    progress = None if args.format == "json" or args.dry_run else Progress(sys.stderr, live=live)
    result = drgen.deploy(rendered, session, options=options, on_event=progress)
    if progress is not None:
        progress.finish()
    out(json.dumps(result.to_dict(), indent=2, sort_keys=True) if args.format == "json" else result.text())
    return 0


def cmd_bootstrap(args: argparse.Namespace) -> int:
    from drgen.aws.bootstrap import bootstrap_rendered

    options, rendered, session = aws_run(args)
    return show_run(args, lambda progress: bootstrap_rendered(rendered, session, options, progress))


def cmd_destroy(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from drgen.aws.destroy import destroy_rendered

    options, rendered, session = aws_run(args)
    prefix = rendered.blueprint.prefix
    if not args.dry_run and not args.yes:
        preview = destroy_rendered(rendered, session, replace(options, dry_run=True))
        out(preview.text())
        if not preview.changed:
            return 0
        if not sys.stdin.isatty():
            raise UsageError("drgen destroy asks for the blueprint's prefix before it deletes anything; pass --yes "
                             "to destroy without asking, or --dry-run to only see what would be deleted")
        if input(f"type {prefix} to delete these: ").strip() != prefix:
            err("drgen: nothing deleted")
            return 1
    return show_run(args, lambda progress: destroy_rendered(rendered, session, options, progress))


def cmd_redrive(args: argparse.Namespace) -> int:
    import drgen
    from drgen.aws.clients import Clients
    from drgen.aws.deploy import DeployOptions
    from drgen.aws.redrive import redrive

    blueprint = drgen.load(existing(args.blueprint), source_root=source_root(args), env=args.env)
    clients = Clients(aws_session(args.profile), DeployOptions(endpoint_url=args.endpoint_url))
    with clients.translating(lambda: f"redrive from {args.source} into {args.target}"):
        moved = redrive(clients, blueprint, args.source, args.target)
    for m in moved:
        refused = f", {m.failed} refused by the target (still in the source)" if m.failed else ""
        out(f"{m.queue} ({args.source}) -> {m.target} ({args.target}): {m.moved} moved{refused}")
    return 1 if any(m.failed for m in moved) else 0


def diff_deployed(args: argparse.Namespace) -> int:
    """``drgen diff BLUEPRINT --deployed``: exit 0 nothing would change and nothing drifted, 1 otherwise, 2 errors."""
    import drgen
    from drgen.aws.deploy import DeployOptions
    from drgen.aws.preview import preview_rendered
    from drgen.errors import DrgenError

    try:
        if args.new is not None or args.against is not None:
            raise UsageError("--deployed compares one blueprint with what is deployed: give neither NEW_DIR nor "
                             "--against")
        options = DeployOptions(endpoint_url=args.endpoint_url)
        rendered = drgen.render(drgen.load(existing(args.old), source_root=source_root(args), env=args.env))
        live = sys.stderr.isatty()
        progress = Progress(sys.stderr, live=True) if live and args.format != "json" else None
        preview = preview_rendered(rendered, aws_session(args.profile), options, drift=not args.no_drift,
                                   on_event=progress)
        if progress is not None:
            progress.finish()
    except DrgenError as error:
        error.exit_code = max(error.exit_code, 2)  # 1 means "would change" here
        raise
    out({"json": preview.json, "markdown": preview.markdown}.get(args.format, preview.text)())
    return 0 if preview.same else 1


def register(sub: Any) -> None:
    """Add the commands of this module to the parser's subcommands."""
    p = sub.add_parser("deploy", help="deploy the blueprint's plan with StackSets (uploads its artifacts first)",
                       description="Render the blueprint and deploy it with boto3: the bootstrap StackSet, the "
                                   "artifacts, then every StackSet and stack in the plan's order. Unchanged parts "
                                   "are left alone; a rerun continues after a failure. Asks before changing "
                                   "anything unless --yes. Exit 0 deployed (or nothing to do), 1 failed.")
    aws_arguments(p, "say what would be created, updated or left; read-only")
    p.add_argument("-o", "--output", "--out", metavar="DIR",
                   help="also write the render that is deployed to DIR (new, empty, or a previous render)")
    p.add_argument("--force", action="store_true", help="with -o: also replace a render changed since")
    p.add_argument("--yes", action="store_true", help="do not ask before deploying (for pipelines)")
    p.add_argument("--skip-region", action="append", default=[], metavar="REGION",
                   help="during an outage: call nothing in REGION and leave its stacks as they are (repeatable; "
                        "never the control region, see docs/deploying.md)")
    p.set_defaults(run=cmd_deploy)

    p = sub.add_parser("bootstrap", help="deploy the StackSet roles and artifact buckets a blueprint needs",
                       description="Deploy (or update) what drgen deploy needs in the account: the blueprint's "
                                   "StackSet roles (the stack <prefix>-stackset-roles) and the bootstrap StackSet "
                                   "(each region's key and artifact bucket). A second run changes nothing. "
                                   "Exit 0 done (or nothing to do), 1 failed.")
    aws_arguments(p, "say what would be created or updated; read-only")
    p.set_defaults(run=cmd_bootstrap)

    p = sub.add_parser("destroy", help="delete what drgen deployed of a blueprint, in the reverse of the plan",
                       description="Delete the blueprint's stack instances, StackSets and stacks, last layer first, "
                                   "then its StackSet roles; data stores stay as their DeletionPolicy says and are "
                                   "listed. Only what drgen's names and tags mark as this blueprint's. Asks for the "
                                   "blueprint's prefix unless --yes. Exit 0 done (or nothing to do), 1 failed.")
    aws_arguments(p, "say what would be deleted and kept; read-only")
    p.add_argument("--yes", action="store_true", help="do not ask for the prefix before deleting (for pipelines)")
    p.set_defaults(run=cmd_destroy)

    p = sub.add_parser("redrive", help="move a region's waiting messages into the active region's queues",
                       description="Move every message of the queues and dead-letter queues of a region that is not "
                                   "active into the same queues of the active region (checked against the flag). "
                                   "Exit 0 all moved, 1 some refused.")
    p.add_argument("blueprint", metavar="BLUEPRINT")
    p.add_argument("--from", dest="source", required=True, metavar="REGION", help="the region to empty")
    p.add_argument("--to", dest="target", required=True, metavar="REGION", help="the active region")
    session_arguments(p)
    with_source_root(p)
    with_env(p)
    p.set_defaults(run=cmd_redrive)
