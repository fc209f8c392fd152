"""Durations and numbers against AWS limits, trigger rules, schedules, environment variables."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from drgen import awsdata, durations
from drgen.checks import Context
from drgen.diagnostics import Diagnostic, Path

S = 1000
DAY = 86_400 * S
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]+$")  # Lambda API reference, Environment: [a-zA-Z]([a-zA-Z0-9_])+


def _duration(ctx: Context, value: Any, path: Path) -> durations.Duration | None:
    if not isinstance(value, str) or ctx.broken(path):
        return None
    try:
        return durations.parse(value)
    except ValueError:
        return None


def within(ctx: Context, value: Any, path: Path, low: int, high: int | None, what: str,
            whose: str = "AWS accepts") -> Iterator[Diagnostic]:
    d = _duration(ctx, value, path)
    if d is None:
        return
    if d.millis < low or (high is not None and d.millis > high):
        bound = f"{durations.format_millis(low)} to {durations.format_millis(high)}" if high is not None \
            else f"at least {durations.format_millis(low)}"
        yield ctx.error("E402", f"{what} {d} is outside what {whose} ({bound})", path)


def check_queues(ctx: Context) -> Iterator[Diagnostic]:
    for i, q in ctx.items("queues"):
        base = ("queues", i)
        yield from within(ctx, q.get("visibility_timeout", "30s"), (*base, "visibility_timeout"), 0,
                           awsdata.SQS_VISIBILITY_TIMEOUT_MAX_S * S, "an SQS visibility timeout of")
        yield from within(ctx, q.get("retention", "4d"), (*base, "retention"), awsdata.SQS_RETENTION_MIN_S * S,
                           awsdata.SQS_RETENTION_MAX_S * S, "an SQS retention of")
        dl = q.get("dead_letter")
        if isinstance(dl, dict) and not ctx.broken((*base, "dead_letter")):
            path = (*base, "dead_letter", "retention")
            yield from within(ctx, dl.get("retention", "14d"), path, awsdata.SQS_RETENTION_MIN_S * S,
                               awsdata.SQS_RETENTION_MAX_S * S, "an SQS retention of")
            own, dlq = _duration(ctx, q.get("retention", "4d"), (*base, "retention")), _duration(
                ctx, dl.get("retention", "14d"), path)
            # a standard queue's message keeps its enqueue time when it moves; a FIFO queue's starts again
            longest = awsdata.SQS_RETENTION_MAX_S * S
            if own and dlq and q.get("fifo") is not True and (dlq < own or dlq.millis == own.millis < longest) \
                    and dlq.millis <= longest and own.millis <= longest:
                yield ctx.error("W409", f"the dead-letter queue keeps messages {dlq}, not longer than the queue's {own}: "
                                        "a message keeps its age when it moves, so it can expire soon after it arrives; "
                                        "AWS recommends a longer dead-letter retention", path)


def check_functions(ctx: Context) -> Iterator[Diagnostic]:
    queues = {q["name"]: (i, q) for i, q in ctx.items("queues") if isinstance(q.get("name"), str)}
    for i, f in ctx.items("functions"):
        base = ("functions", i)
        yield from within(ctx, f.get("timeout", "3s"), (*base, "timeout"), 1 * S,
                           awsdata.LAMBDA_TIMEOUT_MAX_S * S, "a Lambda timeout of")
        timeout = _duration(ctx, f.get("timeout", "3s"), (*base, "timeout"))
        for j, trigger in enumerate(f.get("triggers") or []):
            if not isinstance(trigger, dict) or ctx.broken((*base, "triggers", j)):
                continue
            path = (*base, "triggers", j)
            window = _duration(ctx, trigger.get("max_batching_window"), (*path, "max_batching_window"))
            if window is not None and window.millis > awsdata.LAMBDA_BATCH_WINDOW_MAX_S * S:
                yield ctx.error("E402", f"max_batching_window {window} is above the {awsdata.LAMBDA_BATCH_WINDOW_MAX_S}s "
                                        "Lambda allows", (*path, "max_batching_window"))
            batch = trigger.get("batch_size", 10)
            found = queues.get(trigger.get("queue"))
            if found is None:
                continue
            _, queue = found
            if queue.get("fifo") is True:
                if isinstance(batch, int) and batch > awsdata.LAMBDA_SQS_FIFO_BATCH_MAX:
                    yield ctx.error("E308", f"a FIFO queue delivers at most {awsdata.LAMBDA_SQS_FIFO_BATCH_MAX} messages "
                                            f"a batch, not {batch}", (*path, "batch_size"))
                if window is not None:
                    yield ctx.error("E308", "a FIFO queue trigger takes no max_batching_window",
                                    (*path, "max_batching_window"))
            elif isinstance(batch, int) and batch > 10 and (window is None or window.millis < S):
                yield ctx.error("E308", f"a batch_size of {batch} (above 10) needs max_batching_window of at least 1s",
                                (*path, "batch_size"))
            visibility = _duration(ctx, queue.get("visibility_timeout", "30s"), ("queues", found[0], "visibility_timeout"))
            yield from _visibility(ctx, str(queue["name"]), visibility, timeout, (*path, "queue"))
        env = f.get("environment")
        if isinstance(env, dict) and not ctx.broken((*base, "environment")):
            size = 0
            for key, value in env.items():
                size += len(str(key)) + len(str(value))
                if not _ENV_NAME.match(str(key)):
                    yield ctx.error("E403", f"environment variable name '{key}' must be letters, digits and "
                                            "underscores, starting with a letter", (*base, "environment", key), key=True)
                elif str(key) in awsdata.LAMBDA_RESERVED_ENV_VARS:
                    yield ctx.error("E403", f"environment variable '{key}' is reserved by Lambda",
                                    (*base, "environment", key), key=True)
            if size > awsdata.LAMBDA_ENV_MAX_BYTES:
                yield ctx.error("E403", f"environment variables take {size} bytes; Lambda allows "
                                        f"{awsdata.LAMBDA_ENV_MAX_BYTES}", (*base, "environment"), key=True)


def _visibility(ctx: Context, queue: str, visibility: durations.Duration | None, timeout: durations.Duration | None,
                path: Path) -> Iterator[Diagnostic]:
    """Lambda refuses to map a queue whose visibility timeout is below the function's timeout (E308); AWS
    recommends six times the timeout (W308)."""
    if timeout is None or visibility is None or timeout.millis > awsdata.LAMBDA_TIMEOUT_MAX_S * S:
        return  # a timeout Lambda refuses is reported as such
    factor = awsdata.LAMBDA_SQS_VISIBILITY_FACTOR
    advised = durations.format_millis(factor * timeout.millis)
    if visibility.millis < timeout.millis:
        yield ctx.error("E308", f"queue '{queue}' has a visibility timeout of {visibility}, below this function's "
                                f"timeout {timeout}: Lambda refuses to map it; raise visibility_timeout to at least "
                                f"{timeout} (AWS recommends {advised})", path)
    elif visibility.millis < factor * timeout.millis:
        yield ctx.error("W308", f"queue '{queue}' has a visibility timeout of {visibility}, less than the {factor} x "
                                f"this function's timeout {timeout} AWS recommends: a batch retried after a throttle "
                                f"can be processed twice; raise it to {advised} or more", path)


def check_data_stores(ctx: Context) -> Iterator[Diagnostic]:
    low, high = awsdata.AURORA_BACKUP_RETENTION_DAYS
    for i, db in ctx.items("databases"):
        yield from within(ctx, db.get("backup_retention", "7d"), ("databases", i, "backup_retention"), low * DAY,
                           high * DAY, "an Aurora backup retention of")
        yield from within(ctx, db.get("max_replication_lag", "1s"), ("databases", i, "max_replication_lag"), 1, None,
                           "a max_replication_lag of", "drgen's readiness check can hold a region to")
    for i, b in ctx.items("buckets"):
        lock = b.get("object_lock")
        if isinstance(lock, dict):
            yield from within(ctx, lock.get("retention"), ("buckets", i, "object_lock", "retention"), DAY,
                               awsdata.S3_OBJECT_LOCK_MAX_DAYS * DAY, "an object lock retention of")
        lifecycle = b.get("lifecycle")
        if isinstance(lifecycle, dict):
            yield from within(ctx, lifecycle.get("noncurrent_expiration"), ("buckets", i, "lifecycle",
                               "noncurrent_expiration"), DAY, None, "a noncurrent expiration of")


def check_dns_and_failover(ctx: Context) -> Iterator[Diagnostic]:
    dns = ctx.data.get("dns")
    if isinstance(dns, dict):
        yield from within(ctx, dns.get("ttl", "60s"), ("dns", "ttl"), 0, awsdata.DNS_TTL_MAX_S * S, "a DNS TTL of")
        ttl = _duration(ctx, dns.get("ttl", "60s"), ("dns", "ttl"))
        advised = awsdata.ROUTE53_HEALTH_CHECKED_TTL_S * S
        if ttl is not None and advised < ttl.millis <= awsdata.DNS_TTL_MAX_S * S:
            yield ctx.error("W409", f"a TTL of {ttl} keeps resolvers on the failed region that long after the failover: "
                                    f"AWS recommends {durations.format_millis(advised)} or less for records with a "
                                    "health check", ("dns", "ttl"))
    failover = ctx.data.get("failover")
    if not isinstance(failover, dict):
        return
    yield from within(ctx, failover.get("promotion_timeout", "10m"), ("failover", "promotion_timeout"), 60 * S,
                       3600 * S, "a promotion_timeout of", "drgen's failover waits for a promotion")
    approval = _duration(ctx, failover.get("approval_time", "15m"), ("failover", "approval_time"))
    if approval is not None and not 60 * S <= approval.millis <= 3600 * S:
        yield ctx.error("E402", f"an approval_time of {approval} is outside 1m to 1h: the approval request waits an "
                                "hour, then the failover stops", ("failover", "approval_time"))
    detection = failover.get("detection")
    if isinstance(detection, dict):
        # EventBridge schedules run at most once a minute (rate expressions take whole minutes)
        path = ("failover", "detection", "probe_interval")
        # at least a minute (EventBridge); at most an hour, drgen's bound: a slower canary detects nothing in time
        yield from within(ctx, detection.get("probe_interval", "1m"), path, 60 * S, 3600 * S, "a probe_interval of",
                           "drgen's canary takes")
        interval = _duration(ctx, detection.get("probe_interval", "1m"), path)
        if interval is not None and interval.millis % (60 * S):
            yield ctx.error("E402", f"a probe_interval of {interval} is not whole minutes: an EventBridge rate() "
                                    "schedule takes whole minutes", path)
    schedule = failover.get("validation_schedule", "rate(1 hour)")
    if isinstance(schedule, str) and not ctx.broken(("failover", "validation_schedule")):
        problem = _schedule_problem(schedule)
        if problem:
            yield ctx.error("E404", problem, ("failover", "validation_schedule"))


def _schedule_problem(schedule: str) -> str | None:
    rate = _RATE.match(schedule)
    if rate:
        count, unit = int(rate.group(1)), rate.group(2)
        if count < 1:
            return f"'{schedule}': the rate must be at least 1"
        if (count == 1) != (not unit.endswith("s")):
            right = unit.rstrip("s") if count == 1 else unit + ("" if unit.endswith("s") else "s")
            return f"'{schedule}': write rate({count} {right}) (singular only with 1)"
        return None
    cron = _CRON.match(schedule)
    if cron:
        fields = cron.group(1).split()
        if len(fields) != 6:
            return f"'{schedule}': an EventBridge cron has 6 fields (minutes hours day-of-month month day-of-week year)"
        return None
    return f"'{schedule}' is not an EventBridge schedule: write rate(1 hour) or cron(0 * * * ? *)"


CHECKS = [check_queues, check_functions, check_data_stores, check_dns_and_failover]
