"""drgen's benchmarks. Run: ``.venv/bin/python benchmarks/run.py [validate|render|scale|deploy|many|fleet]``
(default: all).

Prints figures (wall and CPU time, peak RSS, and what the process spends importing, heavy packages named);
asserts nothing. Targets on the 2-core reference machine: ``drgen validate`` of the reference blueprint
<= 0.3 s per process (of which importing jsonschema, the schema validator, is about 0.1 s); ``drgen render``
<= 0.4 s wall (median) and <= 120 MB peak RSS per process; a 16-region blueprint with 20 of each component
<= 3 s, with time linear in resources; an unchanged redeploy makes only read calls (``deploy``, against moto in-process);
100 blueprints rendered and planned side by side, and their StackSets against the administrator account's quota
(``many``); one blueprint over 16 regions x 200 accounts, its StackSet operations, instances and estimated deploy time
(``fleet``, docs/scale.md).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "blueprints" / "trading-platform.yaml"
REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1",
    "eu-north-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-northeast-2", "ap-south-1",
    "ca-central-1", "sa-east-1",
]


# An installed package has its bytecode cached; measure that, even where PYTHONDONTWRITEBYTECODE is set.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _process(argv: list[str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user and system: steadier than wall on a busy machine) and peak RSS (KiB) of one
    child process."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {child.stderr.read().decode() if child.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def _runs(argv: list[str], count: int) -> None:
    _process(argv)  # warm the file cache
    results = [_process(argv) for _ in range(count)]
    walls = [w for w, _, _ in results]
    print(f"  runs {count}: median {statistics.median(walls):.3f} s, min {min(walls):.3f} s, "
          f"max {max(walls):.3f} s, CPU median {statistics.median(c for _, c, _ in results):.3f} s, "
          f"peak RSS {max(r for _, _, r in results) / 1024:.0f} MB")
    _imports(argv)


HEAVY = ("jsonschema", "yaml", "jinja2", "troposphere", "awacs", "boto3", "botocore", "cfnlint")
"""The third-party packages whose import cost is worth seeing: each is imported only by the stages that need it."""


def _imports(argv: list[str]) -> None:
    """What the process spends importing, in total and for each heavy package it loads (``-X importtime``)."""
    done = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], capture_output=True, text=True, env=ENV,
                          check=True)
    total, first = 0, {}  # microseconds: of the outermost imports, and of each package where it was first loaded
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name, cumulative = parts[2].strip(), int(parts[1])
        if len(parts[2]) - len(parts[2].lstrip()) == 3:  # "| " and two spaces; nested imports are indented further
            total += cumulative
        first.setdefault(name, cumulative)
    heavy = ", ".join(f"{n} {first[n] / 1e6:.3f} s" for n in HEAVY if n in first)
    print(f"  imports {total / 1e6:.3f} s in all ({heavy or 'no heavy package'})")


def bench_validate() -> None:
    print("drgen validate (reference blueprint, whole process; target <= 0.3 s)")
    _runs([sys.executable, "-m", "drgen", "validate", str(REFERENCE)], 15)


def bench_render() -> None:
    print("drgen render (reference blueprint, whole process; target median <= 0.4 s, RSS <= 120 MB)")
    with tempfile.TemporaryDirectory() as scratch:
        _runs([sys.executable, "-m", "drgen", "render", str(REFERENCE), "-o", str(Path(scratch) / "out")], 11)


def generated(folder: Path, regions: int, each: int) -> Path:
    """A valid blueprint with ``regions`` regions and ``each`` of every component."""
    source = folder / "functions" / "worker"
    source.mkdir(parents=True, exist_ok=True)
    (source / "handler.py").write_text("def handler(event, context):\n    return {'ok': True}\n")
    names = [f"c{i:02d}" for i in range(each)]
    blueprint = {
        "version": 1, "name": "scale", "environment": "bench", "strategy": "warm-standby",
        "objectives": {"rpo": "15m", "rto": "1h"},  # manual mode, an approval: about 40 min unplanned
        "regions": [{"name": r, "role": "primary" if i == 0 else "secondary", "cidr": f"10.{i}.0.0/16",
                     "availability_zones": 2} for i, r in enumerate(REGIONS[:regions])],
        "databases": [{"name": f"db-{n}", "engine": "aurora-postgresql", "engine_version": "16.9",
                       "database_name": "app", "master_username": "app", "capacity": {"min": 0.5, "max": 2}}
                      for n in names[:max(1, each // 10)]] if regions <= 11 else [],  # Aurora: 10 secondaries
        "tables": [{"name": f"tb-{n}", "partition_key": {"name": "pk", "type": "S"}} for n in names],
        "buckets": [{"name": f"bk-{n}", "replication": {"time_control": True}, "rpo": "15m"} for n in names],
        "queues": [{"name": f"q-{n}", "visibility_timeout": "180s", "region_outage": "wait"} for n in names],
        "functions": [{"name": f"fn-{n}", "source": "functions/worker", "handler": "handler.handler",
                       "timeout": "30s", "triggers": [{"queue": f"q-{n}"}],
                       "access": [{"table": f"tb-{n}", "mode": "read-write"}, {"bucket": f"bk-{n}", "mode": "write"}]}
                      for n in names],
        "api": {"name": "api", "stage": "prod", "routes": [{"method": "GET", "path": "/health",
                                                            "target": {"health": True}}]},
        "dns": {"zone": "scale.example.com", "record": "api", "health_check": {"interval": "10s"}},
        "alarms": [{"name": f"al-{n}", "metric": "function.errors", "function": f"fn-{n}", "threshold": 1}
                   for n in names],
        "failover": {"mode": "manual"},
    }
    path = folder / "scale.yaml"
    path.write_text(json.dumps(blueprint, indent=1))  # JSON is YAML
    return path


def bench_scale() -> None:
    import drgen
    from drgen.rendering import render_blueprint

    print("scaling (in-process render of generated blueprints; target 16 regions x 20 each <= 3 s)")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for regions, each in ((2, 5), (4, 10), (8, 10), (16, 10), (16, 20)):
            folder = Path(scratch) / f"{regions}-{each}"
            bp = drgen.load(generated(folder, regions, each))
            render_blueprint(bp)  # warm imports
            times = []
            for _ in range(3):
                start = time.perf_counter()
                rendered = render_blueprint(bp)
                times.append(time.perf_counter() - start)
            # deployed resources: each layer template's resources times the regions it is deployed to
            resources = sum(len(t.template.resources) * len(t.layer.regions) for t in rendered.layer_templates.values())
            best = min(times)
            rows.append((regions, each, resources, best))
            print(f"  {regions:>2} regions x {each:>2} each: {resources:>5} deployed resources, {best:.3f} s, "
                  f"{best / resources * 1e3:.3f} ms per resource")
    per = [t / r for _, _, r, t in rows]
    print(f"  per-resource cost spread: {min(per) * 1e3:.2f}..{max(per) * 1e3:.2f} ms "
          f"(linear growth keeps this roughly flat)")


def bench_deploy() -> None:
    """The reference blueprint deployed to moto in-process: what drgen's own work costs, and how many calls."""
    import warnings

    import boto3
    from moto import mock_aws

    import drgen
    from drgen.aws.deploy import DeployOptions

    sys.path.insert(0, str(ROOT))
    from tests import motocompat

    warnings.simplefilter("ignore")
    motocompat.install()
    print("drgen deploy (reference blueprint, moto in-process: the time is drgen's and moto's, not AWS's)")
    rendered = drgen.render(drgen.load(REFERENCE))
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        motocompat.create_stackset_roles(session, rendered)
        calls: list[str] = []
        session.events.register("before-call", lambda model, **_: calls.append(model.name))
        for label, dry_run in (("dry run, nothing deployed", True), ("first deploy", False),
                               ("unchanged redeploy", False)):
            calls.clear()
            start = time.perf_counter()
            result = drgen.deploy(rendered, session, options=DeployOptions(poll_seconds=0, dry_run=dry_run))
            wall = time.perf_counter() - start
            writes = [c for c in calls if not c.startswith(("Describe", "Get", "List", "Head"))]
            print(f"  {label:<26} {wall:.3f} s, {len(calls):>3} API calls ({len(writes)} writes), "
                  f"{len(result.operations)} operations")


def bench_many() -> None:
    """Many blueprints side by side: 100 generated blueprints (distinct names, so distinct prefixes), each rendered
    and planned in-process, and what they add up to against the administrator account's StackSet quotas."""
    import drgen
    from drgen import scale
    from drgen.planning import build_plan
    from drgen.rendering import render_blueprint

    print("many blueprints (100 generated, 2 regions x 2 each, rendered and planned in-process)")
    stacksets = operations = 0
    times = []
    prefixes = set()
    with tempfile.TemporaryDirectory() as scratch:
        for index in range(100):
            folder = Path(scratch) / f"bp{index:03d}"
            path = generated(folder, 2, 2)
            path.write_text(path.read_text().replace('"name": "scale"', f'"name": "svc{index:03d}"'))
            start = time.perf_counter()
            bp = drgen.load(path)
            render_blueprint(bp)
            plan = build_plan(bp)
            times.append(time.perf_counter() - start)
            report = scale.estimate(plan)
            prefixes.add(bp.prefix)
            stacksets += report.stacksets
            operations += report.operations
    print(f"  {len(prefixes)} distinct prefixes, {sum(times):.2f} s in all, median {statistics.median(times):.3f} s, "
          f"max {max(times):.3f} s per blueprint")
    print(f"  {stacksets} StackSets in one administrator account (quota {scale.STACKSETS_PER_ADMIN_ACCOUNT:,}: "
          f"{stacksets / scale.STACKSETS_PER_ADMIN_ACCOUNT:.0%}), {operations} StackSet operations for their first "
          f"deploys")


def bench_fleet() -> None:
    """One blueprint over 16 regions and 200 target accounts: its StackSet operations, instances and estimated deploy
    time against the quotas (drgen.scale; plan only, nothing deployed)."""
    import drgen
    from drgen import scale
    from drgen.planning import build_plan

    print("one blueprint over 16 regions x 200 accounts (planned; deploy time estimated by drgen.scale)")
    with tempfile.TemporaryDirectory() as scratch:
        path = generated(Path(scratch), 16, 2)
        text = path.read_text().replace('"version": 1,', '"version": 1, "accounts": [%s],' % ", ".join(
            f'"{100000000000 + i:012d}"' for i in range(200)), 1)
        path.write_text(text)
        bp = drgen.load(path)
        start = time.perf_counter()
        plan = build_plan(bp)
        report = scale.estimate(plan, accounts=len(bp.accounts))
        wall = time.perf_counter() - start
    print(f"  planned and estimated in {wall:.3f} s")
    for line in report.text().splitlines():
        print(f"  {line}")


def main(argv: list[str]) -> None:
    chosen = argv or ["validate", "render", "scale", "deploy", "many", "fleet"]
    for name in chosen:
        {"validate": bench_validate, "render": bench_render, "scale": bench_scale, "deploy": bench_deploy,
         "many": bench_many, "fleet": bench_fleet}[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
