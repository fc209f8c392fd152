"""The commands on a blueprint that need no AWS, in the order a pipeline runs them: validate, render, plan, diff."""

from __future__ import annotations

import argparse
import json
from typing import Any

from drgen.cli.common import err, existing, out, source_root, with_env, with_source_root
from drgen.errors import DrgenError, LintError, UsageError


def cmd_validate(args: argparse.Namespace) -> int:
    from drgen import objectives
    from drgen.errors import exit_status
    from drgen.validation import check_file_each, combine

    status = 0
    everything = []
    assessed: list[dict[str, Any]] = []
    for path in args.blueprints:
        each = check_file_each(existing(path), source_root(args), args.env)
        diagnostics = combine(each).diagnostics if len(each) > 1 else each[0][1].diagnostics
        everything.extend(diagnostics)
        status = max(status, exit_status(diagnostics))
        if args.format == "text":
            for d in diagnostics:
                out(d.text())
        elif args.format == "github":
            for d in diagnostics:
                out(d.github())
        for env, result in each:
            shown = path if env is None else f"{path} (environment {env})"
            if args.format == "text" and result.ok and result.assessment is not None:
                out(f"{shown}: valid")
                for line in objectives.budget_lines(result.assessment):
                    out(f"  {line}")
            elif args.format == "text" and not result.ok:
                count = sum(1 for d in result.diagnostics if d.is_error)
                err(f"{shown}: {count} error{'s' if count != 1 else ''}")
            # the planned and the unplanned RTO (the one the objective is checked against) with their steps
            entry = {"file": path, "valid": result.ok,
                     "objectives": result.assessment.to_dict() if result.assessment is not None else None}
            assessed.append(entry if env is None else {**entry, "environment": env})
    if args.format == "json":
        out(json.dumps({"diagnostics": [d.to_dict() for d in everything], "blueprints": assessed},
                        indent=2, sort_keys=True))
    return status


def _lint_settings(args: argparse.Namespace, blueprint: Any) -> Any:
    """The settings of ``--lint`` (with ``--lint-config`` and ``--lint-regions``, which imply it), or None."""
    from drgen import lint, lint_config

    if not (args.lint or args.lint_config or args.lint_regions is not None):
        return None
    config = lint_config.read(args.lint_config) if args.lint_config else None
    regions = [r.strip() for r in args.lint_regions.split(",") if r.strip()] if args.lint_regions is not None else None
    return lint.settings_for(blueprint, config, regions)


def cmd_render(args: argparse.Namespace) -> int:
    import drgen
    from drgen import lint

    blueprint = drgen.load(existing(args.blueprint), source_root=source_root(args), env=args.env)
    settings = _lint_settings(args, blueprint)
    rendered = drgen.render(blueprint)
    report = lint.lint_rendered(rendered, blueprint, settings) if settings is not None else None
    if report is not None and not report.clean:
        raise LintError([f.text() for f in report.findings], report.summary())
    try:
        target = drgen.write(rendered, args.output, force=args.force)
    except OSError as error:
        raise UsageError(f"cannot write {args.output}: {error.strerror}") from error
    out(f"rendered {len(rendered.files)} files to {target}")
    for line in report.summary() if report is not None else []:
        out(f"  {line}")
    for note in rendered.notes:
        out(f"  note: {note}")
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    import drgen

    plan = drgen.plan(drgen.load(existing(args.blueprint), source_root=source_root(args), env=args.env))
    out(json.dumps(plan.to_dict(), indent=2, sort_keys=True) if args.format == "json" else plan.text())
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    import drgen
    from drgen.diff import diff_files, read_render

    if args.deployed:
        from drgen.cli.aws import diff_deployed

        return diff_deployed(args)
    if args.profile is not None or args.endpoint_url is not None or args.no_drift:
        raise UsageError("--profile, --endpoint-url and --no-drift go with --deployed")
    try:
        if args.against is not None:
            old = read_render(args.against)
            new = drgen.render(drgen.load(existing(args.old), source_root=source_root(args), env=args.env)).files
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
    out(shown)
    return 0 if result.same else 1


def register(sub: Any) -> None:
    """Add the commands of this module to the parser's subcommands."""
    p = sub.add_parser("validate", help="check blueprints and assess their objectives",
                       description="Check blueprints against the language and assess RTO/RPO. Exit 0 valid, "
                                   "1 invalid, 2 usage or unreadable file.")
    p.add_argument("blueprints", nargs="+", metavar="BLUEPRINT")
    p.add_argument("--format", choices=("text", "json", "github"), default="text")
    with_source_root(p)
    with_env(p)
    p.set_defaults(run=cmd_validate)

    p = sub.add_parser("render", help="write templates, StackSets, state machines, packages and runbook",
                       description="Render a blueprint to a directory (atomically: all or nothing).")
    p.add_argument("blueprint", metavar="BLUEPRINT")
    p.add_argument("-o", "--output", "--out", required=True, metavar="DIR",
                   help="the directory to write: new, empty, or a previous render (replaced whole)")
    p.add_argument("--force", action="store_true",
                   help="also replace a previous render whose files were changed or added to since")
    p.add_argument("--lint", action="store_true",
                   help="run cfn-lint on every template, in every region, first; any finding that the blueprint's "
                        "lint.ignore does not cover fails (nothing is written)")
    p.add_argument("--lint-config", metavar="FILE",
                   help="a cfn-lint configuration file (.cfnlintrc: ignore_checks, mandatory_checks, regions, "
                        "configure_rules, include_experimental) to lint with; implies --lint")
    p.add_argument("--lint-regions", metavar="R1,R2",
                   help="lint only in these regions of the blueprint (default: lint.regions, else every one); "
                        "implies --lint")
    with_source_root(p)
    with_env(p)
    p.set_defaults(run=cmd_render)

    p = sub.add_parser("plan", help="print the ordered deployment steps",
                       description="Print the deployment plan: (layer, region) steps and why each waits.")
    p.add_argument("blueprint", metavar="BLUEPRINT")
    p.add_argument("--format", choices=("text", "json"), default="text")
    with_source_root(p)
    with_env(p)
    p.set_defaults(run=cmd_plan)

    p = sub.add_parser("diff", help="resource-level difference of two renders (for pull requests)",
                       description="Compare two render directories, a blueprint's render with one (--against), or "
                                   "with what is deployed (--deployed: what a deploy would change, and drift). "
                                   "Exit 0 when identical, 1 when different, 2 on any error (a render "
                                   "file that is not what drgen writes, an invalid blueprint).")
    p.add_argument("old", metavar="OLD_DIR|BLUEPRINT")
    p.add_argument("new", nargs="?", metavar="NEW_DIR")
    p.add_argument("--against", metavar="DIR", help="compare the render of the blueprint OLD with DIR")
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                   help="markdown: a pull-request comment, one collapsible section per template")
    p.add_argument("--deployed", action="store_true",
                   help="compare the blueprint's render with what is deployed: a change set per stack (never "
                        "executed) and drift detection; needs AWS credentials")
    p.add_argument("--no-drift", action="store_true", help="with --deployed: skip drift detection")
    p.add_argument("--profile", help="with --deployed: the AWS profile to use (default: boto3's usual chain)")
    p.add_argument("--endpoint-url", metavar="URL",
                   help="with --deployed: an AWS-compatible endpoint for every service (e.g. moto)")
    with_source_root(p)
    with_env(p)
    p.set_defaults(run=cmd_diff)
