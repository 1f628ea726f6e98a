"""Running a collector: the lease, the periods, retries, checks, storing, and its state.

One run fetches every period it covers, builds the records, checks them by the data
set's own rules (the write API's), and stores them in one transaction: all of a run or
none of it. Its outcome moves the collector between states:

* a success makes it **working** and schedules the next run one interval on;
* a failure that may pass (a timeout, a 5xx, a 429 after every retry, a bad answer) makes
  it **failing**, and the next run comes sooner than usual, backing off as failures mount;
* a refusal of the credentials (401, 403) makes it **broken**: not run again on schedule
  until someone saves new credentials or runs it by hand, and its owners are told once.
"""

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import get_random_string

from performance_platform.datastore.storage import store_records
from performance_platform.datastore.validation import prepare_records

from . import credentials as secret
from . import periods as periods_
from . import providers
from .errors import AlreadyRunning, AuthFailed, CollectorError, ConfigProblem, Retryable
from .http import check_endpoint
from .models import Collector, CollectorRun
from .records import check_mapping, check_record, realtime_record, to_record
from .signals import collector_broken

logger = logging.getLogger("performance_platform.collectors")

#: The most record problems a failed run's message lists.
MAX_PROBLEMS = 5


@dataclass
class Outcome:
    """What a run did: its history row, and the records it stored (or would have)."""

    run: CollectorRun
    records: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the run succeeded (a dry run that found no problem counts)."""
        return self.run.status in (CollectorRun.Status.SUCCEEDED, CollectorRun.Status.DRY_RUN)


def worker_name() -> str:
    """A name for this process, unique enough to hold a lease by."""
    return f"{socket.gethostname()}:{os.getpid()}:{get_random_string(6)}"


def take_lease(collector: Collector, owner: str, now: datetime) -> bool:
    """Claim ``collector`` for ``owner`` unless someone else holds an unexpired lease.

    One conditional UPDATE: of two workers racing, exactly one changes the row.
    """
    until = now + timedelta(seconds=settings.COLLECTOR_LEASE_SECONDS)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=owner)
    return bool(
        Collector.objects.filter(free, pk=collector.pk).update(lease_owner=owner, lease_until=until)
    )


def release_lease(collector: Collector, owner: str) -> None:
    """Give the lease back (only if ``owner`` still holds it)."""
    Collector.objects.filter(pk=collector.pk, lease_owner=owner).update(
        lease_owner="", lease_until=None
    )


def interval(collector: Collector) -> timedelta:
    """How often the worker runs ``collector``."""
    every = collector.every_seconds or _provider_or_none(collector, "default_every") or 86400
    return timedelta(seconds=every)


def _provider_or_none(collector: Collector, attribute: str):
    try:
        return getattr(providers.get(collector.provider), attribute)
    except ConfigProblem:
        return None


def check_collector(collector: Collector) -> None:
    """Refuse a collector whose configuration cannot work, before any request."""
    provider = providers.get(collector.provider)
    endpoint = collector.endpoint or provider.default_endpoint
    if not endpoint:
        raise ConfigProblem(f"A {provider.title} collector needs an endpoint.")
    check_endpoint(endpoint)
    check_mapping(collector.mapping)
    problems = schema_problems(provider.query_schema, collector.query)
    if problems:
        raise ConfigProblem(f"The query is not right: {problems[0]}")


def schema_problems(schema: dict, value) -> list[str]:
    """What is wrong with ``value`` by ``schema``, in words."""
    from jsonschema import Draft202012Validator

    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or 'the query'}: {error.message}"
        for error in Draft202012Validator(schema).iter_errors(value)
    ]


def run_collector(
    collector: Collector,
    *,
    start: date | None = None,
    end: date | None = None,
    dry_run: bool = False,
    trigger: str | None = None,
    owner: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Run ``collector`` once. Raises :class:`AlreadyRunning` if another holds its lease,
    and :class:`ConfigProblem` for a request that cannot be run (a backfill of a realtime
    collector, a start after the end); every other failure is recorded in the run."""
    provider = providers.get(collector.provider)
    if (start or end) and not provider.backfills:
        raise ConfigProblem(
            f"{provider.title} collectors cannot backfill: they look at what is there now."
        )
    if end and not start:
        raise ConfigProblem("Give --start with --end (a backfill needs where to begin).")
    now = timezone.now()
    if start and not end:
        end = timezone.localdate(now)
    if start and end and start > end:
        raise ConfigProblem(f"The start ({start}) is after the end ({end}).")
    owner = owner or worker_name()
    if not take_lease(collector, owner, now):
        collector.refresh_from_db(fields=["lease_owner", "lease_until"])
        raise AlreadyRunning(
            f"{collector.name} is already running ({collector.lease_owner}, "
            f"until {collector.lease_until:%H:%M:%S} UTC at the latest)."
        )
    if trigger is None:
        trigger = CollectorRun.Trigger.BACKFILL if start else CollectorRun.Trigger.MANUAL
    run = CollectorRun.objects.create(
        collector=collector, trigger=trigger, started_at=now, start_date=start, end_date=end
    )
    outcome = Outcome(run)
    try:
        outcome.records = _collect(collector, provider, run, start, end, owner, progress, sleep)
        if not dry_run:
            _store(collector, outcome.records, run)
        run.records = len(outcome.records)
    except AuthFailed as exc:
        _finish(collector, run, exc, dry_run=dry_run, broken=True)
    except CollectorError as exc:
        _finish(collector, run, exc, dry_run=dry_run)
    except Exception as exc:
        # A bug of ours, or a provider library's: the run fails with the exception's kind
        # (its text might quote a request), the traceback goes to the log.
        logger.exception("collector %s failed", collector.name)
        _finish(
            collector,
            run,
            CollectorError(f"Unexpected error ({type(exc).__name__})."),
            dry_run=dry_run,
        )
    else:
        _finish(collector, run, None, dry_run=dry_run)
    finally:
        release_lease(collector, owner)
    return outcome


def _collect(collector, provider, run, start, end, owner, progress, sleep) -> list[dict]:
    check_collector(collector)
    now = run.started_at
    source = providers.Source(
        endpoint=(collector.endpoint or provider.default_endpoint).rstrip("/"),
        credentials=secret.decrypt(collector.credentials),
        query=collector.query,
        timeout=settings.COLLECTOR_TIMEOUT,
        max_bytes=settings.COLLECTOR_MAX_BYTES,
        now=now,
        interval=interval(collector).total_seconds(),
    )
    shape = provider.record_shape or ("realtime" if provider.realtime else "period")
    data_type = collector.data_set.data_type.name
    if not provider.periodic:
        windows: list = [None]
    elif start:
        windows = periods_.periods_between(start, end, collector.frequency)
    else:
        windows = periods_.default_window(timezone.localdate(now), collector.frequency)
    if windows[0] is not None:
        run.start_date, run.end_date = windows[0].start, windows[-1].end
    records: list[dict] = []
    for done, period in enumerate(windows, start=1):
        rows = _with_retries(lambda p=period: provider.fetch(source, p), run, sleep)
        for row in rows:
            if shape == "check":
                records.append(check_record(row, mapping=collector.mapping))
            elif shape == "realtime":
                records.append(realtime_record(row, mapping=collector.mapping))
            else:
                time_span = period.time_span if period else None
                records.append(
                    to_record(
                        row, data_type=data_type, time_span=time_span, mapping=collector.mapping
                    )
                )
        run.periods = done
        if progress:
            progress(done, len(windows))
        # A long backfill keeps its lease.
        take_lease(collector, owner, timezone.now())
    if not provider.periodic and start:
        records = [r for r in records if _within(r, start, end)]
    return records


def _within(record: dict, start: date, end: date) -> bool:
    day = str(record.get("_timestamp", ""))[:10]
    return start.isoformat() <= day <= end.isoformat()


def _with_retries(fetch, run: CollectorRun, sleep):
    attempts = max(1, settings.COLLECTOR_ATTEMPTS)
    for attempt in range(1, attempts + 1):
        try:
            return fetch()
        except Retryable as exc:
            if attempt == attempts:
                raise
            delay = settings.COLLECTOR_RETRY_DELAY * 2 ** (attempt - 1)
            if exc.retry_after is not None:
                if exc.retry_after > settings.COLLECTOR_RETRY_MAX_DELAY:
                    # Asked to wait longer than a run should: stop, and come back then.
                    exc.message += f" (asked to wait {exc.retry_after:g} seconds)"
                    raise
                delay = exc.retry_after
            delay = min(delay, settings.COLLECTOR_RETRY_MAX_DELAY)
            logger.info("%s; retrying in %.1f s", exc.message, delay)
            run.retries += 1
            sleep(delay)
    raise AssertionError("unreachable: the loop returns or raises")


def _store(collector: Collector, records: list[dict], run: CollectorRun) -> None:
    data_set = collector.data_set
    prepared, errors = prepare_records(
        records, schema=data_set.schema, auto_ids=data_set.auto_ids, now=run.started_at
    )
    if errors:
        shown = "; ".join(errors[:MAX_PROBLEMS])
        more = f" (and {len(errors) - MAX_PROBLEMS} more)" if len(errors) > MAX_PROBLEMS else ""
        raise CollectorError(
            f"The records do not meet {data_set.name}'s rules, so none were stored: {shown}{more}"
        )
    if prepared:
        # The audit's source holds 20 characters (PostgreSQL refuses more): the kind of
        # writer, not its name; the run's history says which collector it was.
        store_records(data_set, prepared, now=timezone.now(), source="collector")


def _finish(collector, run, error: CollectorError | None, *, dry_run: bool, broken=False) -> None:
    now = timezone.now()
    run.finished_at = now
    if error is None:
        run.status = CollectorRun.Status.DRY_RUN if dry_run else CollectorRun.Status.SUCCEEDED
    else:
        run.status = CollectorRun.Status.FAILED
        run.message = error.message
    run.save()
    if dry_run:
        return  # a dry run looks; it changes neither the schedule nor the state
    was_broken = collector.state == Collector.State.BROKEN
    changes: dict = {"last_run_at": now}
    if error is None:
        changes |= {
            "state": Collector.State.WORKING,
            "last_success_at": now,
            "last_error": "",
            "failures": 0,
            "broken_since": None,
            "next_run_at": now + interval(collector),
        }
    elif broken:
        changes |= {
            "state": Collector.State.BROKEN,
            "last_error": error.message,
            "failures": collector.failures + 1,
            "broken_since": collector.broken_since or now,
            "next_run_at": None,
        }
    else:
        failures = collector.failures + 1
        wait = min(interval(collector), timedelta(minutes=2**failures))
        retry_after = getattr(error, "retry_after", None)
        if retry_after:
            wait = max(wait, timedelta(seconds=retry_after))
        changes |= {
            "state": Collector.State.FAILING,
            "last_error": error.message,
            "failures": failures,
            "next_run_at": now + wait,
        }
    Collector.objects.filter(pk=collector.pk).update(**changes)
    for key, value in changes.items():
        setattr(collector, key, value)
    if error is None:
        logger.info("collector %s stored %s records", collector.name, run.records)
    else:
        logger.warning("collector %s failed: %s", collector.name, error.message)
    if broken and not was_broken:
        # The alerts app emails the owners (honouring who turned such emails off).
        collector_broken.send(sender=Collector, collector=collector)
