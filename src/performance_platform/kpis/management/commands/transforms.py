"""``performance-platform transforms``: list transforms, or re-run them for a date range."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from performance_platform.datastore.models import DataSet
from performance_platform.kpis import dispatch
from performance_platform.kpis.errors import TransformError
from performance_platform.kpis.models import Transform
from performance_platform.kpis.reading import parse_range_value
from performance_platform.kpis.running import run_transform, transforms_for


class Command(BaseCommand):
    help = "List transforms and their last result, or re-run them for a date range."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Every transform, with its last success or error.")
        run = sub.add_parser(
            "run",
            help="Re-run the transforms of one data set (or all) for a date range: queued "
            "for the worker, or run here and now with --now.",
        )
        run.add_argument("--data-set", default=None, help="A data set name (default: every one).")
        run.add_argument("--from", dest="start", required=True, help="ISO 8601 date or time.")
        run.add_argument("--to", dest="end", default=None, help="ISO 8601 (default: now).")
        run.add_argument(
            "--now", action="store_true", help="Run in this process instead of queueing."
        )

    def handle(self, *args, **options):
        if options["action"] == "list":
            for t in Transform.objects.select_related(
                "input_group", "input_type", "output_group", "output_type"
            ):
                state = "disabled" if not t.enabled else "never run"
                if t.last_error:
                    state = f"ERROR at {t.last_error_at:%Y-%m-%d %H:%M}: {t.last_error[:200]}"
                elif t.last_success_at:
                    state = f"ok at {t.last_success_at:%Y-%m-%d %H:%M}"
                self.stdout.write(f"{t.pk:>5}  {t}  [{state}]")
            return
        start = parse_range_value(options["start"])
        if start is None:
            raise CommandError(f"--from is not an ISO 8601 date: {options['start'][:60]!r}")
        end = timezone.now() if options["end"] is None else parse_range_value(options["end"])
        if end is None:
            raise CommandError(f"--to is not an ISO 8601 date: {options['end'][:60]!r}")
        if end < start:
            raise CommandError("--to must not be before --from")
        data_sets = DataSet.objects.select_related("data_group", "data_type")
        if options["data_set"] is not None:
            data_sets = data_sets.filter(name=options["data_set"])
            # Text no column can hold (NUL, lone surrogates) names no data set; PostgreSQL
            # would refuse the query itself.
            if not _storable(options["data_set"]) or not data_sets.exists():
                raise CommandError(f"no data set named {options['data_set'][:100]!r}")
        total = 0
        for data_set in data_sets:
            if not options["now"]:
                total += len(dispatch.queue_for(data_set, start, end))
                continue
            for transform in transforms_for(data_set):
                if transform.input_type_id != data_set.data_type_id:
                    continue  # it runs from its main input
                try:
                    result = run_transform(transform, data_set, start, end)
                except TransformError as exc:  # bad source data: say so, no traceback
                    raise CommandError(f"{transform} on {data_set.name}: {exc}")
                total += 1
                self.stdout.write(
                    f"{transform} on {data_set.name}: read {result.read_rows} rows, "
                    f"wrote {result.written}, deleted {result.deleted}"
                )
        verb = "ran" if options["now"] else "queued"
        self.stdout.write(f"{verb} {total} transform run(s)")


def _storable(text: str) -> bool:
    """False for text a database cannot compare with (a NUL, a lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text
