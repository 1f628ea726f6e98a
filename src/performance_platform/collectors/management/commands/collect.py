"""``performance-platform collect NAME [--start DATE --end DATE] [--dry-run]``: run one
collector by hand, now; with dates, backfill them; with ``--dry-run``, print the records
instead of storing them. ``collect --list`` lists the collectors and their state."""

import json
import sys
from datetime import date

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from performance_platform.collectors import credentials
from performance_platform.collectors.errors import CollectorError
from performance_platform.collectors.models import Collector
from performance_platform.collectors.running import run_collector


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-01-31")


class Command(BaseCommand):
    help = (
        "Run the collector NAME now. With --start (and --end, default today) it backfills "
        "those dates; with --dry-run it prints the records and stores nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="The collector's name (see --list)")
        parser.add_argument("--start", type=str, help="Backfill from this date (YYYY-MM-DD)")
        parser.add_argument("--end", type=str, help="Backfill to this date (default: today)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Fetch and check, print the records as JSON lines, store nothing",
        )
        parser.add_argument("--list", action="store_true", help="List the collectors")
        parser.add_argument(
            "--rotate-keys",
            action="store_true",
            help="Encrypt every saved credential again under the first of "
            "COLLECTOR_CREDENTIALS_KEYS (after adding a new key)",
        )

    def handle(self, *args, **options):
        if options["list"]:
            return self._list()
        if options["rotate_keys"]:
            return self._rotate()
        if not options["name"]:
            raise CommandError("Name the collector to run (performance-platform collect --list).")
        start = _date(options["start"]) if options["start"] else None
        end = _date(options["end"]) if options["end"] else None
        collector = (
            Collector.objects.filter(name=options["name"])
            .select_related("data_set__data_type", "data_set__data_group")
            .first()
        )
        if collector is None:
            raise CommandError(
                f"There is no collector {options['name']!r} (performance-platform collect --list)."
            )
        bar = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None and total > 1:
                bar = tqdm(total=total, unit="period", desc=collector.name, file=sys.stderr)
            if bar is not None:
                bar.update(done - bar.n)

        try:
            outcome = run_collector(
                collector, start=start, end=end, dry_run=options["dry_run"], progress=progress
            )
        except CollectorError as exc:
            raise CommandError(exc.message)
        finally:
            if bar is not None:
                bar.close()
        run = outcome.run
        if not outcome.ok:
            raise CommandError(f"{collector.name} failed: {run.message}")
        if options["dry_run"]:
            for record in outcome.records:
                self.stdout.write(json.dumps(record, sort_keys=True, default=str))
            self.stderr.write(
                f"Dry run: {len(outcome.records):,} records from {run.periods:,} "
                f"period(s) for {collector.data_set.name}; nothing was stored."
            )
            return
        retried = f", after {run.retries} retries" if run.retries else ""
        self.stdout.write(
            f"{collector.name}: stored {run.records:,} records from {run.periods:,} "
            f"period(s) in {collector.data_set.name}{retried}."
        )

    def _rotate(self):
        done = 0
        with transaction.atomic():
            for collector in Collector.objects.exclude(credentials="").select_for_update():
                try:
                    collector.credentials = credentials.rotate(collector.credentials)
                except InvalidToken:
                    raise CommandError(
                        f"The credentials of {collector.name} open with none of "
                        "COLLECTOR_CREDENTIALS_KEYS: nothing was changed."
                    )
                collector.save(update_fields=["credentials"])
                done += 1
        self.stdout.write(f"Encrypted the credentials of {done} collector(s) under the first key.")

    def _list(self):
        collectors = Collector.objects.select_related("data_set").order_by("name")
        if not collectors:
            self.stdout.write("There are no collectors.")
        for c in collectors:
            last = f"{c.last_run_at:%Y-%m-%d %H:%M}" if c.last_run_at else "never"
            upcoming = f"{c.next_run_at:%Y-%m-%d %H:%M}" if c.next_run_at else "-"
            self.stdout.write(
                f"{c.name}\t{c.provider}\t{c.data_set.name}\t{c.get_state_display()}"
                f"\tlast run {last}\tnext run {upcoming}"
            )
