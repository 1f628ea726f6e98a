"""A collector (what to fetch, from where, how often) and the history of its runs."""

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from . import credentials as secret
from .providers import PROVIDERS

#: A collector's name: what `performance-platform collect NAME` and the config file use.
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,99}$"


class Collector(models.Model):
    """Where a data set's records come from, when nobody sends them.

    ``credentials`` holds the provider's secrets encrypted (``credentials.encrypt``):
    nothing shows or exports them; they can only be replaced.
    """

    class State(models.TextChoices):
        NEW = "new", "Not run yet"
        WORKING = "working", "Working"
        FAILING = "failing", "Failing"
        BROKEN = "broken", "Broken"

    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    name = models.CharField(
        max_length=100,
        unique=True,
        validators=[RegexValidator(NAME_PATTERN, "Use lower-case letters, digits and hyphens.")],
    )
    data_set = models.ForeignKey(
        "datastore.DataSet", on_delete=models.CASCADE, related_name="collectors"
    )
    provider = models.CharField(max_length=40)
    # The provider's address; blank means the provider's own (GA4's Google endpoint).
    endpoint = models.URLField(max_length=500, blank=True)
    credentials = models.TextField(blank=True, editable=False)
    query = models.JSONField(default=dict, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    # The length of the periods a run fetches (realtime collectors ignore it).
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.DAILY)
    # How often the worker runs it; 0 means the provider's default.
    every_seconds = models.PositiveIntegerField(default=0, validators=[MinValueValidator(0)])
    enabled = models.BooleanField(default=True)

    state = models.CharField(max_length=10, choices=State.choices, default=State.NEW)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True)
    # Failed runs in a row; the next run waits longer after each (running.next_run).
    failures = models.PositiveIntegerField(default=0)
    broken_since = models.DateTimeField(null=True, blank=True)
    # Who is running it, until when: taken by a conditional UPDATE (running.take_lease),
    # so two workers never run one collector at once.
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_credentials(self) -> bool:
        """Whether credentials are saved (their value is never shown)."""
        return bool(self.credentials)

    def replace_credentials(self, values: dict, now) -> None:
        """Keep ``values`` (encrypted) as the credentials, unsaved. New credentials are the
        fix a broken collector waits for, so a broken one is due again ``now``."""
        self.credentials = secret.encrypt(values)
        if self.state == self.State.BROKEN:
            self.state = self.State.NEW
            self.next_run_at = now
            self.failures = 0
            self.broken_since = None

    @property
    def provider_title(self) -> str:
        """The provider's name for people ("Matomo"), from the registry alone: the
        provider's module (and its optional packages) is not imported to show it."""
        entry = PROVIDERS.get(self.provider)
        return entry[0] if entry else self.provider


class CollectorRun(models.Model):
    """One run of a collector: when, why, what it stored or why it failed."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        DRY_RUN = "dry-run", "Dry run"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "By hand"
        BACKFILL = "backfill", "Backfill"

    collector = models.ForeignKey(Collector, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # The dates asked for (a backfill's range, or the default window).
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    periods = models.PositiveIntegerField(default=0)
    records = models.PositiveIntegerField(default=0)
    # Attempts beyond the first, over all its requests (retries after 429, 5xx, timeouts).
    retries = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["collector", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.collector} at {self.started_at:%Y-%m-%d %H:%M}: {self.status}"
