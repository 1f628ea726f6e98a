"""The upload history: every file uploaded, what became of it, and how to undo it.

An :class:`Upload` is made when a file arrives and moves through its statuses as it is
checked, previewed, stored (or not) and perhaps rolled back. The file itself is kept
(:class:`UploadFile`), so it can be downloaded again, and so are the stored records it
overwrote or deleted (:class:`UploadSnapshot`), so a rollback restores exactly them.
"""

import zlib

import orjson
from django.conf import settings
from django.db import models
from django.utils import timezone


class Upload(models.Model):
    """One file uploaded to one data set (or, for the quarterly collection, to many)."""

    class Status(models.TextChoices):
        CHECKING = "checking", "Checking"
        INVALID = "invalid", "Has errors"
        READY = "ready", "Waiting for confirmation"
        STORING = "storing", "Storing"
        STORED = "stored", "Stored"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        ROLLED_BACK = "rolled_back", "Rolled back"

    class Mode(models.TextChoices):
        ADD = "add", "Add to the data"
        REPLACE = "replace", "Replace the data in the file's date range"

    class Kind(models.TextChoices):
        DATA_SET = "data_set", "One data set"
        QUARTERLY = "quarterly", "Quarterly transactions collection"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DATA_SET)
    data_set = models.ForeignKey(
        "datastore.DataSet",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="uploads",
    )
    # Copies that outlive the data set and the person, as the audit trail's do.
    data_set_name = models.CharField(max_length=201, blank=True, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="uploads",
    )
    uploaded_by_email = models.CharField(max_length=254, blank=True)
    via = models.CharField(max_length=10, default="web")  # "web" or "cli"
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    filename = models.CharField(max_length=255)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    file_format = models.CharField(max_length=10, blank=True)
    sheet = models.CharField(max_length=100, blank=True)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.ADD)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CHECKING)
    background = models.BooleanField(default=False)
    # What the check found. Errors are the first 100, as shown; error_count is all of them.
    row_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    # The preview: new and replaced records, those a replacement deletes, the date range,
    # the first rows and the KPIs' changes (see uploads.preview).
    new_count = models.PositiveIntegerField(default=0)
    replaced_count = models.PositiveIntegerField(default=0)
    deleted_count = models.PositiveIntegerField(default=0)
    range_start = models.DateTimeField(null=True, blank=True)
    range_end = models.DateTimeField(null=True, blank=True)
    preview = models.JSONField(default=dict, blank=True)
    # Progress of a background check or store: rows done of rows expected.
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    stored_at = models.DateTimeField(null=True, blank=True)
    stored_count = models.PositiveIntegerField(default=0)
    # The data set's version just after this upload was stored: it may be rolled back
    # only while nothing else has written to the data set since.
    version_after = models.BigIntegerField(null=True, blank=True)
    stored_ids = models.BinaryField(default=b"", editable=False)
    rolled_back_at = models.DateTimeField(null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} → {self.data_set_name or self.get_kind_display()}"

    @property
    def finished(self) -> bool:
        """True once nothing more will happen to it without someone acting."""
        return self.status not in (self.Status.CHECKING, self.Status.STORING)

    def set_stored_ids(self, ids: list[str]) -> None:
        """Keep the ids this upload stored (compressed: a large upload has many)."""
        self.stored_ids = zlib.compress(orjson.dumps(ids))

    def get_stored_ids(self) -> list[str]:
        """The ids this upload stored."""
        raw = bytes(self.stored_ids or b"")
        return orjson.loads(zlib.decompress(raw)) if raw else []


class UploadFile(models.Model):
    """The file as uploaded, byte for byte, so it can be downloaded again."""

    upload = models.OneToOneField(Upload, on_delete=models.CASCADE, related_name="file")
    content = models.BinaryField()

    def __str__(self) -> str:
        return self.upload.filename


class UploadSnapshot(models.Model):
    """Stored records that an upload overwrote or deleted, as they were (compressed JSON
    of their raw columns, in parts of a few thousand), for a rollback."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="snapshots")
    # For the quarterly collection, which data set the rows came from.
    data_set_name = models.CharField(max_length=201, blank=True)
    part = models.PositiveIntegerField(default=0)
    rows = models.BinaryField()

    class Meta:
        ordering = ["upload", "data_set_name", "part"]

    def __str__(self) -> str:
        return f"{self.upload_id}/{self.data_set_name}/{self.part}"

    @staticmethod
    def pack(rows: list[list]) -> bytes:
        """Compress rows for storage."""
        return zlib.compress(orjson.dumps(rows))

    def unpack(self) -> list[list]:
        """The rows, as :func:`datastore.storage.restore` takes them."""
        return orjson.loads(zlib.decompress(bytes(self.rows)))
