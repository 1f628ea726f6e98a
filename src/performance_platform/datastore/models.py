"""Data sets, their write tokens, the records they hold and the write audit trail."""

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z0-9][a-z0-9-]*\Z",
    "Use lower-case letters, digits and hyphens, starting with a letter or digit.",
)
NAME_VALIDATOR = RegexValidator(
    r"^[a-z][a-z0-9_]+\Z",
    "Use lower-case letters, digits and underscores, starting with a letter "
    "(2 or more characters).",
)
UPLOAD_FORMATS = [("", "none"), ("csv", "CSV"), ("excel", "Excel"), ("ods", "OpenDocument")]


def default_name(data_group: str, data_type: str) -> str:
    """The original platform's default data set name: ``<group>_<type>``, hyphens as underscores."""
    return f"{data_group}_{data_type}".replace("-", "_")


class Freshness(NamedTuple):
    """A data set's freshness: see :meth:`DataSet.freshness`."""

    last_updated: datetime | None
    max_age_expected: int | None
    stale: bool
    # Seconds past the expected age (negative while fresh); None if never written.
    seconds_out_of_date: int | None


class DataGroup(models.Model):
    """A family of data sets, usually one service (``carers-allowance``)."""

    name = models.CharField(max_length=100, unique=True, validators=[SLUG_VALIDATOR])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DataType(models.Model):
    """A kind of data, shared across groups (``transactions-by-channel``)."""

    name = models.CharField(max_length=100, unique=True, validators=[SLUG_VALIDATOR])

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DataSet(models.Model):
    """One group/type pair: the unit that is written to, read from and kept fresh."""

    name = models.CharField(max_length=201, unique=True, validators=[NAME_VALIDATOR])
    data_group = models.ForeignKey(DataGroup, on_delete=models.PROTECT, related_name="data_sets")
    data_type = models.ForeignKey(DataType, on_delete=models.PROTECT, related_name="data_sets")
    raw_queries_allowed = models.BooleanField(default=False)
    published = models.BooleanField(default=True)
    realtime = models.BooleanField(default=False)
    queryable = models.BooleanField(default=True)
    auto_ids = models.JSONField(default=list, blank=True)
    max_age_expected = models.PositiveIntegerField(
        null=True, blank=True, help_text="Seconds after which the data counts as stale."
    )
    schema = models.JSONField(
        null=True, blank=True, help_text="JSON Schema every record must meet."
    )
    upload_format = models.CharField(max_length=10, blank=True, choices=UPLOAD_FORMATS)
    rollup = models.BooleanField(
        default=True, help_text="Keep daily pre-aggregated totals so aggregate reads are fast."
    )
    dimensions = models.JSONField(
        null=True,
        blank=True,
        help_text="Fields to group daily totals by. Unset (null): every field holding text, "
        "true/false or null. An empty list: none (daily totals only).",
    )
    # What kinds of value each field has held: a bit mask per field (see rollups.py).
    field_kinds = models.JSONField(default=dict, blank=True, editable=False)
    # Bumped on every write; the read API derives ETags from it.
    version = models.BigIntegerField(default=0, editable=False)
    last_written_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["data_group", "data_type"], name="uniq_group_type")
        ]

    def __str__(self) -> str:
        return self.name

    # Written by the write path under the data set's lock, never by forms or config.
    WRITE_PATH_FIELDS = frozenset({"version", "last_written_at", "field_kinds"})

    def save(self, *args, **kwargs):
        if not self.name and self.data_group_id and self.data_type_id:
            self.name = default_name(self.data_group.name, self.data_type.name)
        if self.pk is not None and not self._state.adding and kwargs.get("update_fields") is None:
            # A form loaded before a write must not write back the old version (ETags
            # would repeat) or old field kinds (the planner would trust the rollup).
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in self.WRITE_PATH_FIELDS
            ]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from .validation import check_auto_ids, check_field_list, check_schema

        problems = {}
        try:
            check_auto_ids(self.auto_ids)
        except ValueError as exc:
            problems["auto_ids"] = str(exc)
        try:
            check_field_list(self.dimensions, "dimensions")
        except ValueError as exc:
            problems["dimensions"] = str(exc)
        if self.schema is not None:
            try:
                check_schema(self.schema)
            except ValueError as exc:
                problems["schema"] = str(exc)
        if problems:
            raise ValidationError(problems)

    def freshness(self, now=None) -> "Freshness":
        """When this data set was last written, and whether that is longer ago than expected.

        Staleness is judged by the last write, not the latest record's timestamp: a
        weekly upload of last week's figures is fresh, a year-old upload of "future"
        figures is not. A monitored data set that was never written is stale.
        """
        now = now or timezone.now()
        last = self.last_written_at
        if self.max_age_expected is None:
            return Freshness(last, None, False, None)
        if last is None:
            return Freshness(None, self.max_age_expected, True, None)
        over = int((now - last).total_seconds()) - self.max_age_expected
        return Freshness(last, self.max_age_expected, over > 0, over)


def stale_data_sets(now=None) -> list[tuple["DataSet", Freshness]]:
    """Every stale data set with its freshness, in name order, by :meth:`DataSet.freshness`.

    The one list of what is out of date: ``/_status/data-sets``, the stale-data alerts and
    the admin's problems page all show this, and the KPI tiles judge their sources by the
    same method, so "stale" means one thing everywhere.
    """
    now = now or timezone.now()
    found = []
    for data_set in DataSet.objects.exclude(max_age_expected__isnull=True).order_by("name"):
        fresh = data_set.freshness(now)
        if fresh.stale:
            found.append((data_set, fresh))
    return found


def hash_token(token: str) -> str:
    """SHA-256 of a write token. Tokens are long random strings, so a fast hash is enough."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def generate_token() -> str:
    """A new random write token (256 bits, URL-safe).

    It never starts with ``-``: its first characters are the prefix that ``tokens list``
    shows and ``tokens revoke --prefix`` takes, and a leading dash would read as an option.
    """
    while True:
        token = secrets.token_urlsafe(32)
        if not token.startswith("-"):
            return token


class WriteTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class WriteToken(models.Model):
    """A bearer token that may write to one data set. Only its hash is stored."""

    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="tokens")
    label = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters, so people can tell tokens apart without the secret.
    prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = WriteTokenQuerySet.as_manager()

    class Meta:
        ordering = ["data_set__name", "created_at"]

    def __str__(self) -> str:
        state = " (revoked)" if self.revoked_at else ""
        return f"{self.data_set.name}: {self.label} [{self.prefix}…]{state}"

    @classmethod
    def issue(
        cls, data_set: DataSet, label: str, token: str | None = None
    ) -> tuple["WriteToken", str]:
        """Create a token for ``data_set``; returns the row and the secret (shown once)."""
        secret = token or generate_token()
        row = cls.objects.create(
            data_set=data_set, label=label, token_hash=hash_token(secret), prefix=secret[:6]
        )
        return row, secret

    def matches(self, token: str) -> bool:
        """Constant-time comparison of a presented token with this one."""
        return hmac.compare_digest(self.token_hash, hash_token(token))

    def revoke(self) -> None:
        """Stop the token working from now on."""
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class Record(models.Model):
    """One stored record of a data set.

    ``data`` holds the record exactly as the raw read API returns it (with ``_id``,
    ``_updated_at`` and the period keys). ``timestamp`` and the period starts are
    copies in real columns so the database can filter and bucket without parsing JSON.
    """

    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="+")
    record_id = models.CharField(max_length=512)
    timestamp = models.DateTimeField()
    hour_start = models.DateTimeField()
    day_start = models.DateTimeField()
    week_start = models.DateTimeField()
    month_start = models.DateTimeField()
    quarter_start = models.DateTimeField()
    year_start = models.DateTimeField()
    updated_at = models.DateTimeField()
    data = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["data_set", "record_id"], name="uniq_record_id")
        ]
        indexes = [
            # With ``id`` last, the index gives the read API's raw sort on ``_timestamp``
            # (``ORDER BY timestamp, id``) entirely, so ``sort_by=_timestamp&limit=n`` stops
            # after n matches; without it PostgreSQL sorted, often in parallel workers.
            models.Index(fields=["data_set", "timestamp", "id"], name="record_ds_ts_id")
        ]

    def __str__(self) -> str:
        return f"{self.data_set_id}:{self.record_id}"


class RollupDay(models.Model):
    """Daily totals of a data set per combination of its dimension values.

    Maintained in the same transaction as the records (see ``rollups.py``), so
    aggregate reads can sum a few thousand of these rows instead of millions of records.
    ``measures`` maps each numeric field to ``[sum, numbers, floats, non-numbers]``.
    """

    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="+")
    day = models.DateTimeField()
    week_start = models.DateTimeField()
    month_start = models.DateTimeField()
    quarter_start = models.DateTimeField()
    year_start = models.DateTimeField()
    dims_hash = models.CharField(max_length=40)
    dims = models.JSONField()
    count = models.BigIntegerField()
    measures = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["data_set", "day", "dims_hash"], name="uniq_rollup_day_dims"
            )
        ]

    def __str__(self) -> str:
        return f"{self.data_set_id}:{self.day:%Y-%m-%d}:{self.dims_hash[:8]}"


class RollupPeriod(models.Model):
    """Weekly and monthly totals: the daily rollup summed over a Monday week or a month.

    Kept in the same transaction as the daily rows (see ``rollups.py``). A two-year
    monthly query reads 24 rows per dimension combination here instead of 730 daily
    ones. ``level`` is ``week`` or ``month``; month rows also carry the quarter and
    year they fall in, so quarterly and yearly queries use them too.
    """

    LEVELS = ("week", "month")

    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=5)
    start = models.DateTimeField()
    quarter_start = models.DateTimeField(null=True)
    year_start = models.DateTimeField(null=True)
    dims_hash = models.CharField(max_length=40)
    dims = models.JSONField()
    count = models.BigIntegerField()
    measures = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["data_set", "level", "start", "dims_hash"],
                name="uniq_rollup_period_dims",
            )
        ]

    def __str__(self) -> str:
        return f"{self.data_set_id}:{self.level}:{self.start:%Y-%m-%d}:{self.dims_hash[:8]}"


class WriteAudit(models.Model):
    """Who wrote what to which data set, and when: one row per successful write request.

    Rows outlive their data set: deleting it empties ``data_set`` and keeps the row, with
    the data set's name copied into ``data_set_name`` at write time.
    """

    ACTIONS = [
        ("append", "append"),
        ("empty", "empty"),
        ("patch", "patch"),
        ("delete", "delete"),
        # A spreadsheet upload that replaced a date range, and an upload rolled back.
        ("replace", "replace"),
        ("rollback", "rollback"),
    ]
    data_set = models.ForeignKey(
        DataSet, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit"
    )
    # A copy of the data set's name, so the row still says which one after it is deleted.
    data_set_name = models.CharField(max_length=201, blank=True, db_index=True)
    token_label = models.CharField(max_length=100, blank=True)
    token = models.ForeignKey(WriteToken, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=10, choices=ACTIONS)
    record_count = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=20, default="api")
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        which = self.data_set_name or self.data_set_id
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.record_count} → {which}"
