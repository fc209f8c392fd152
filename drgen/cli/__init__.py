"""The command line: the only package that prints or exits; everything else returns values or raises. One module
per family of commands (``blueprints``, ``aws``, ``drills``, ``reference``), each registering its parsers; what
they share is in ``common``."""

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
from collections.abc import Sequence  # noqa: E402

from drgen import __version__  # noqa: E402
from drgen.cli import aws, blueprints, drills, reference  # noqa: E402
from drgen.cli.common import Parser, Progress, err, out  # noqa: E402
from drgen.errors import DrgenError, InvalidBlueprint, LintError  # noqa: E402

__all__ = ["Progress", "main", "parser"]

def parser() -> argparse.ArgumentParser:
    top = Parser(prog="drgen", description="Multi-region disaster recovery for AWS from one declarative blueprint.")
    top.add_argument("--version", action="version", version=f"drgen {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for family in (blueprints, aws, drills, reference):
        family.register(sub)
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
            out(d.text())
        err(f"drgen: {error}")
        return error.exit_code
    except LintError as error:
        for finding in error.findings:
            out(finding)
        for line in error.summary:
            out(f"  {line}")
        err(f"drgen: {error}; nothing was written")
        return error.exit_code
    except DrgenError as error:
        err(f"drgen: {error}")
        return error.exit_code
    except KeyboardInterrupt:
        err("drgen: interrupted")
        return 130
    except BrokenPipeError:
        return 0
