"""What every command shares: writing lines, the argument parser that raises instead of exiting, the checks of
a path argument, the arguments of the AWS commands, and deploy progress."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from drgen.errors import UsageError


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message}\nrun '{self.prog} --help' for usage")


def out(text: str, stream: TextIO | None = None) -> None:
    """Write a line; what the stream's encoding cannot hold (a lone surrogate, any non-ASCII character on an
    ASCII terminal) is written as a backslash escape instead of failing."""
    stream = stream or sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    line = text if text.endswith("\n") else text + "\n"
    stream.write(line.encode(encoding, "backslashreplace").decode(encoding, "replace"))


def err(text: str) -> None:
    out(text, sys.stderr)


def existing(path: str) -> str:
    """``path`` when it names a regular file, else a ``UsageError`` (exit 2) saying what it is."""
    from drgen.diagnostics import clip

    try:
        if Path(path).is_file():
            return path
        problem = "not a regular file" if Path(path).exists() else "no such file"
    except OSError as error:  # a name too long for the file system, a loop of links
        problem = f"cannot be read: {error.strerror or error}"
    raise UsageError(f"{clip(path, 200)}: {problem}")


def source_root(args: argparse.Namespace) -> str | None:
    root: str | None = args.source_root
    if root is not None and not Path(root).is_dir():
        raise UsageError(f"--source-root {root}: no such folder")
    return root


def with_source_root(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source-root", metavar="DIR",
                   help="the folder every function source must lie in (default: the blueprint's folder); for "
                        "repositories that keep function code beside the blueprint's folder rather than in it")


def with_env(p: argparse.ArgumentParser) -> None:
    p.add_argument("--env", metavar="NAME",
                   help="the environment of a blueprint that declares environments (staging, prod, ...): its "
                        "overrides are merged into the blueprint, and its name is part of every physical name")


def session_arguments(p: argparse.ArgumentParser) -> None:
    """``--profile`` and ``--endpoint-url``: the AWS session a command calls."""
    p.add_argument("--profile", help="the AWS profile to use (default: boto3's usual credential chain)")
    p.add_argument("--endpoint-url", metavar="URL", help="an AWS-compatible endpoint for every service (e.g. moto)")


def aws_arguments(p: argparse.ArgumentParser, dry_run: str) -> None:
    """The arguments every command that changes AWS takes: the blueprint, the session, ``--dry-run``, the form of
    its progress and summary, the source root and the environment."""
    p.add_argument("blueprint", metavar="BLUEPRINT")
    session_arguments(p)
    p.add_argument("--dry-run", action="store_true", help=dry_run)
    p.add_argument("--quiet", action="store_true",
                   help="plain progress lines, one per status change, even on a terminal")
    p.add_argument("--format", choices=("text", "json"), default="text", help="the summary's form")
    with_source_root(p)
    with_env(p)


def aws_session(profile: str | None) -> Any:
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.Session(profile_name=profile)
    except ProfileNotFound as error:
        raise UsageError(f"{error}; see 'aws configure list-profiles'") from error


def aws_run(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """The options (a bad --endpoint-url stops here, first), the render and the session of an AWS command."""
    import drgen
    from drgen.aws.deploy import DeployOptions

    options = DeployOptions(dry_run=args.dry_run, endpoint_url=args.endpoint_url)
    rendered = drgen.render(drgen.load(existing(args.blueprint), source_root=source_root(args), env=args.env))
    return options, rendered, aws_session(args.profile)


def show_run(args: argparse.Namespace, run: Any) -> int:
    """Run ``run(on_event)`` with progress on standard error (none for a dry run or JSON), then its summary."""
    progress = None if args.format == "json" or args.dry_run else Progress(sys.stderr, live=sys.stderr.isatty()
                                                                               and not args.quiet)
    result = run(progress)
    if progress is not None:
        progress.finish()
    out(json.dumps(result.to_dict(), indent=2, sort_keys=True) if args.format == "json" else result.text())
    return 0


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
