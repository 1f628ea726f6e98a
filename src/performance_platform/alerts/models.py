"""What the alerts app keeps: every alert sent, every weekly summary sent, and who has
turned which kind of email off."""

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    """The kinds of email a person can turn off, each on its own."""

    STALE = "stale", "Out-of-date data"
    SUMMARY = "summary", "Weekly summary"
    COLLECTOR = "collector", "Collectors that stop"


class Alert(models.Model):
    """One stale-data email (or all-clear) about one data set, as sent to its owners.

    The newest stale alert of a data set is what the throttle counts from; the newest row
    of either kind says whether an all-clear is owed.
    """

    class Type(models.TextChoices):
        STALE = "stale", "Out of date"
        ALL_CLEAR = "all_clear", "Up to date again"

    data_set = models.ForeignKey(
        "datastore.DataSet", on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(max_length=10, choices=Type.choices)
    sent_at = models.DateTimeField(db_index=True)
    # How many people were emailed (0 when no owner wants these emails).
    recipients = models.PositiveIntegerField(default=0)
    # As DataSet.freshness says at sending: null for a data set never written, and for
    # an all-clear the (negative) seconds left before it is due again.
    seconds_out_of_date = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["data_set", "-sent_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.data_set_id} at {self.sent_at:%Y-%m-%d %H:%M}"


class SummaryWeek(models.Model):
    """A week's run of summaries (``week``: the Monday, local time). Once ``finished_at``
    is set the week is done, so later checks that week send nothing."""

    week = models.DateField(unique=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-week"]

    def __str__(self) -> str:
        return f"Summaries for the week of {self.week}"


class SummarySent(models.Model):
    """One person's weekly summary. Claimed (committed) before the email goes, so a
    restart resumes the week without sending anyone theirs twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="summaries_sent"
    )
    week = models.DateField()
    sent_at = models.DateTimeField()
    dashboards = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-week", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "week"], name="alerts_one_summary_a_week")
        ]

    def __str__(self) -> str:
        return f"Summary for {self.user_id}, week of {self.week}"


class EmailOptOut(models.Model):
    """A person does not want one kind of email (no row: they get it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_opt_outs"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="alerts_one_opt_out_a_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} turned off {self.kind}"
