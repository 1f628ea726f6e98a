"""A request for a dashboard: what a service manager asked for, and what was decided.

The answers are copied from the request form as they were given, so a request still says
what was asked after the dashboard it led to has changed or gone. Everything the original
platform's request email asked for has a field here.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

# The reference's alphabet: capitals and digits without the look-alikes (0/O, 1/I/L).
_REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    """A short reference people can read out on the phone, e.g. ``GAD-7KQ4-M2XP``."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"GAD-{chars[:4]}-{chars[4:]}"


class DashboardRequest(models.Model):
    """One request for a dashboard, from the form at /performance/get-a-dashboard/request."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    class TakeupSource(models.TextChoices):
        SPREADSHEET = "spreadsheet", "A spreadsheet we upload"
        API = "api", "Sent automatically through the data API"

    class CostSource(models.TextChoices):
        COLLECTION = "collection", "The quarterly collection of transaction costs"
        SPREADSHEET = "spreadsheet", "A spreadsheet we upload"

    class SatisfactionSource(models.TextChoices):
        DONE_PAGE = "done_page", "The feedback survey on our service's done page"
        SURVEY = "survey", "The Performance Platform's own satisfaction survey"
        OTHER = "other", "Another source"

    class CompletionSource(models.TextChoices):
        ANALYTICS = "analytics", "Our web analytics"
        API = "api", "Events we send through the data API"

    class AnalyticsProvider(models.TextChoices):
        GA4 = "ga4", "Google Analytics 4"
        MATOMO = "matomo", "Matomo"
        OTHER = "other", "Another provider"

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", "Every week"
        MONTHLY = "monthly", "Every month"
        QUARTERLY = "quarterly", "Every quarter"

    reference = models.CharField(max_length=20, unique=True, default=new_reference, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    # Your contact details.
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField(max_length=254)
    contact_phone = models.CharField(max_length=30)

    # The service.
    service_name = models.CharField(max_length=150)
    service_description = models.TextField(max_length=1000)
    intended_users = models.TextField(max_length=500)
    organisation = models.ForeignKey(
        "dashboards.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Chosen from the list; empty when the requester named a new one.",
    )
    new_organisation_name = models.CharField(max_length=200, blank=True)
    start_page_url = models.URLField(max_length=500)

    # How each KPI's data will come.
    digital_takeup_source = models.CharField(max_length=20, choices=TakeupSource.choices)
    cost_source = models.CharField(max_length=20, choices=CostSource.choices)
    satisfaction_source = models.CharField(max_length=20, choices=SatisfactionSource.choices)
    satisfaction_other = models.CharField(max_length=200, blank=True)
    completion_source = models.CharField(max_length=20, choices=CompletionSource.choices)
    analytics_provider = models.CharField(
        max_length=20, choices=AnalyticsProvider.choices, blank=True
    )
    analytics_provider_other = models.CharField(max_length=100, blank=True)
    analytics_property_id = models.CharField(max_length=100, blank=True)
    cadence = models.CharField(max_length=10, choices=Cadence.choices)
    # The people who will upload data: [{"name": ..., "email": ...}], at most 10.
    uploaders = models.JSONField(default=list, blank=True)

    # The decision.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(max_length=2000, blank=True)
    dashboard = models.ForeignKey(
        "dashboards.Dashboard",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The dashboard approval made.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="onboarding_status_created")]

    def __str__(self) -> str:
        return f"{self.reference}: {self.service_name}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def organisation_name(self) -> str:
        """The organisation as the requester gave it: from the list, or named new."""
        if self.organisation_id:
            return self.organisation.name
        return self.new_organisation_name

    def analytics_provider_name(self) -> str:
        """The analytics provider in words ("Matomo", or the one named)."""
        if self.analytics_provider == self.AnalyticsProvider.OTHER:
            return self.analytics_provider_other
        return self.get_analytics_provider_display() if self.analytics_provider else ""
