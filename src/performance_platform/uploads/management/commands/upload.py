"""``performance-platform upload GROUP TYPE FILE [--replace] [--dry-run]``: upload a
spreadsheet from the command line, with the same checks, preview and history as the
upload pages."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from performance_platform.accounts.models import User
from performance_platform.datastore.write_api import find_data_set
from performance_platform.lib.tables import format_size
from performance_platform.uploads import processing
from performance_platform.uploads.models import Upload


class Progress:
    """Rows checked so far: a bar redrawn in place on a terminal, a plain line every
    so often when the output is piped or logged."""

    def __init__(self, stream, total: int | None, *, tty: bool):
        self.stream, self.total, self.tty = stream, total, tty
        self.last_line = 0

    def __call__(self, done: int) -> None:
        if self.tty:
            if self.total:
                share = min(done / self.total, 1)
                filled = int(share * 30)
                bar = "#" * filled + "-" * (30 - filled)
                self.stream.write(f"\rChecking [{bar}] {done:,} rows")
            else:
                self.stream.write(f"\rChecking: {done:,} rows")
            self.stream.flush()
        elif done - self.last_line >= 10_000:
            self.stream.write(f"Checked {done:,} rows\n")
            self.last_line = done

    def end(self) -> None:
        """Finish the line the bar was drawn on."""
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = (
        "Upload a spreadsheet (CSV, XLSX, XLS or ODS) to the data set GROUP/TYPE. Every row "
        "is checked first; a file with any error stores nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("group", help="The data set's data group, e.g. vehicle-tax")
        parser.add_argument("type", help="The data set's data type, e.g. transactions-by-channel")
        parser.add_argument("file", help="The file to upload")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace every stored record between the file's first and last dates "
            "(otherwise the rows are added, replacing only records with the same id)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and say what would change, but store nothing",
        )
        parser.add_argument("--sheet", default="", help="Read this sheet, not the first")
        parser.add_argument(
            "--as",
            dest="email",
            default="",
            help="The email address of the person uploading, for the upload history",
        )

    def handle(self, *args, **options):
        data_set = find_data_set(options["group"], options["type"])
        if data_set is None:
            raise CommandError(
                f"There is no data set {options['group']}/{options['type']}: check the data "
                "group and data type (`performance-platform export-config` lists them)"
            )
        user = None
        if options["email"]:
            user = User.objects.filter(email__iexact=options["email"]).first()
            if user is None:
                raise CommandError(f"No one has the email address {options['email']!r}")
        content = self._read(options["file"])
        upload = processing.receive(
            data_set,
            content,
            os.path.basename(options["file"]),
            user=user,
            mode=Upload.Mode.REPLACE if options["replace"] else Upload.Mode.ADD,
            sheet=options["sheet"],
            via="cli",
        )
        stream = self.stdout._out
        progress = Progress(stream, None, tty=getattr(stream, "isatty", lambda: False)())
        upload = processing.check(upload, progress=progress)
        progress.end()
        for warning in upload.warnings:
            self.stdout.write(f"Warning: {warning}")
        if upload.status == Upload.Status.INVALID:
            for error in upload.errors:
                self.stderr.write(error["text"])
            more = upload.error_count - len(upload.errors)
            if more > 0:
                self.stderr.write(f"... and {more} more errors")
            raise CommandError(
                f"{upload.filename} has {upload.error_count} error"
                f"{'' if upload.error_count == 1 else 's'}: nothing was stored"
            )
        self._preview(upload)
        if options["dry_run"]:
            processing.cancel(upload)
            self.stdout.write("Dry run: nothing was stored.")
            return
        upload = processing.store(upload, user=user)
        if upload.status != Upload.Status.STORED:
            raise CommandError(f"{upload.filename} could not be stored: nothing was stored")
        self.stdout.write(
            self.style.SUCCESS(
                f"Stored {upload.stored_count:,} records in {data_set.name} (upload {upload.pk})"
            )
        )

    def _read(self, path: str) -> bytes:
        limit = settings.UPLOAD_MAX_BYTES
        try:
            size = os.stat(path).st_size
            if size > limit:
                raise CommandError(
                    f"{path} is {format_size(size)}: a file can be at most {format_size(limit)}"
                )
            with open(path, "rb") as handle:
                content = handle.read(limit + 1)
        except FileNotFoundError:
            raise CommandError(f"There is no file {path}")
        except IsADirectoryError:
            raise CommandError(f"{path} is a folder, not a file")
        except PermissionError:
            raise CommandError(f"{path} cannot be read: permission denied")
        except (OSError, ValueError) as exc:
            raise CommandError(f"{path} cannot be read: {exc}")
        if len(content) > limit:  # it grew while we looked
            raise CommandError(f"{path} is larger than {format_size(limit)}")
        return content

    def _preview(self, upload: Upload) -> None:
        self.stdout.write(
            f"{upload.row_count:,} rows: {upload.new_count:,} new records, "
            f"{upload.replaced_count:,} replacing stored ones"
            + (
                f", {upload.deleted_count:,} stored records removed"
                if upload.mode == Upload.Mode.REPLACE
                else ""
            )
        )
        for change in upload.preview.get("kpis", []):
            self.stdout.write(f"  {change['sentence']}")
