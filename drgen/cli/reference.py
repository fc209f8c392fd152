"""The commands for starting and looking things up: init, schema, and the listings (versions, metrics, regions)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from drgen.cli.common import out
from drgen.errors import UsageError

STRATEGIES = ("backup-restore", "pilot-light", "warm-standby", "hot-standby")


def cmd_schema(args: argparse.Namespace) -> int:
    from drgen import resources

    out(resources.schema_path().read_text(encoding="utf-8"))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from drgen import catalog

    rows = catalog.LISTINGS[args.command]()
    out(catalog.to_json(rows) if args.format == "json" else catalog.to_text(args.command, rows))
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
    out(f"wrote {target} ({args.strategy}); next: drgen validate {target}")
    return 0


def register(sub: Any) -> None:
    """Add the commands of this module to the parser's subcommands."""
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
