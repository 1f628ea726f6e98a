"""``performance-platform import-config FILE``: create or update the configuration from a file."""

from django.core.management.base import BaseCommand, CommandError

from performance_platform.configuration.checks import ConfigError, load_file
from performance_platform.configuration.importer import import_config

COLLECTOR_COUNTS = ("collectors created", "collectors updated", "credentials saved")
USER_COUNTS = (
    "users created",
    "users updated",
    "roles added",
    "roles removed",
    "access granted",
    "access removed",
)


class Command(BaseCommand):
    help = "Create or update data sets, dashboards and users from a JSON or YAML file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a JSON or YAML file, or - for standard input.")

    def handle(self, *args, file, **options):
        try:
            counts = import_config(load_file(file), source=file)
        except ConfigError as exc:
            raise CommandError(f"Nothing was imported.\n{exc}")
        self.stdout.write(
            "Data sets: {created} created, {updated} updated, {unchanged} unchanged; "
            "{tokens} token(s) added.".format(**counts)
        )
        if any(v for k, v in counts.items() if k.startswith("transforms ")):
            self.stdout.write(
                "Transforms: {} created, {} updated, {} unchanged.".format(
                    counts["transforms created"],
                    counts["transforms updated"],
                    counts["transforms unchanged"],
                )
            )
        if counts.get("organisations") or counts.get("dashboards"):
            self.stdout.write(
                f"Organisations: {counts['organisations']} imported; "
                f"dashboards: {counts['dashboards']} imported."
            )
        if any(counts[key] for key in USER_COUNTS):
            self.stdout.write(
                "Users: {} created, {} updated; roles: {} added, {} removed; "
                "data set access: {} given, {} taken away.".format(
                    *(counts[key] for key in USER_COUNTS)
                )
            )
        if any(counts[key] for key in COLLECTOR_COUNTS):
            self.stdout.write(
                "Collectors: {} created, {} updated; credentials saved for {}.".format(
                    *(counts[key] for key in COLLECTOR_COUNTS)
                )
            )
