"""Organisations, dashboards, modules and annotations: what the public site shows.

A dashboard belongs to an organisation (a department or an agency under one), holds an
ordered list of modules (each a view of one data set through a read-API query, drawn
according to its type's options), and may carry dated annotations that are marked on
the charts covering their date.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from performance_platform.datastore.models import DataGroup, DataType

from .module_types import CONTAINERS

SLUG = RegexValidator(r"^[a-z0-9][a-z0-9-]*\Z", "Use lower-case letters, digits and hyphens.")

#: Slugs a dashboard may not take: the site's own pages under /performance/ have them.
RESERVED_SLUGS = frozenset(
    {"services", "other", "web-traffic", "accessibility", "get-a-dashboard", "preview"}
)

ORGANISATION_TYPES = [("department", "Ministerial department"), ("agency", "Agency or public body")]
DASHBOARD_TYPES = [
    ("transaction", "Transaction"),
    ("high-volume-transaction", "High-volume transaction"),
    ("service-group", "Service group"),
    ("agency", "Agency"),
    ("department", "Department"),
    ("content", "Content"),
    ("other", "Other"),
]
# Dashboards of these types are services: they appear in the services index.
SERVICE_TYPES = ("transaction", "high-volume-transaction", "service-group")
STRAPLINES = [
    ("Dashboard", "Dashboard"),
    ("Service dashboard", "Service dashboard"),
    ("Content dashboard", "Content dashboard"),
    ("Performance", "Performance"),
    ("Policy dashboard", "Policy dashboard"),
]
CUSTOMER_TYPES = [
    ("", "—"),
    ("Business", "Business"),
    ("Individuals", "Individuals"),
    ("Business and individuals", "Business and individuals"),
    ("Charity", "Charity"),
]
BUSINESS_MODELS = [
    ("", "—"),
    ("Department budget", "Department budget"),
    ("Fees and charges", "Fees and charges"),
    ("Taxpayers", "Taxpayers"),
    ("Fees and charges, and taxpayers", "Fees and charges, and taxpayers"),
]


class Organisation(models.Model):
    """A department, or an agency or public body (usually under a department)."""

    slug = models.CharField(max_length=150, unique=True, validators=[SLUG])
    name = models.CharField(max_length=256)
    abbreviation = models.CharField(max_length=50, blank=True)
    type = models.CharField(max_length=20, choices=ORGANISATION_TYPES)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Pages that name organisations are cached until any of them changes.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        seen = {self.pk}
        node = self.parent
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"parent": "An organisation cannot be its own ancestor."})
            seen.add(node.pk)
            node = node.parent

    @property
    def short_name(self) -> str:
        """The abbreviation, or the name when there is none (as the original did)."""
        return self.abbreviation or self.name

    def department(self) -> "Organisation | None":
        """The department this organisation is or sits under."""
        node, hops = self, 0
        while node is not None and hops < 20:
            if node.type == "department":
                return node
            node, hops = node.parent, hops + 1
        return None

    def agency(self) -> "Organisation | None":
        """The agency this organisation is or sits under, if any."""
        node, hops = self, 0
        while node is not None and hops < 20:
            if node.type == "agency":
                return node
            node, hops = node.parent, hops + 1
        return None


#: Module slugs a dashboard's own pages take: ``/performance/<slug>/done`` is its
#: done-page survey (the survey app), so a module there could never be reached.
RESERVED_MODULE_SLUGS = frozenset({"done"})


class DashboardQuerySet(models.QuerySet):
    """Dashboards, with the one filter the public pages use."""

    def published(self) -> "DashboardQuerySet":
        """Dashboards the public may see (drafts, previews and those in review are not)."""
        return self.filter(status=Dashboard.Status.PUBLISHED)


class Dashboard(models.Model):
    """One public dashboard: a service (usually), an agency, a department or a topic."""

    class Status(models.TextChoices):
        """Where a dashboard is on its way to the public."""

        DRAFT = "draft", "Draft"
        UNLISTED = "unlisted", "Unlisted (preview link)"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"

    slug = models.CharField(max_length=200, unique=True, validators=[SLUG])
    title = models.CharField(max_length=256)
    dashboard_type = models.CharField(max_length=30, choices=DASHBOARD_TYPES, default="transaction")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="dashboards"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    strapline = models.CharField(max_length=40, choices=STRAPLINES, default="Dashboard")
    tagline = models.CharField(max_length=400, blank=True)
    description = models.TextField(max_length=1000, blank=True)
    costs = models.TextField(max_length=1500, blank=True, help_text="Notes on costs.")
    other_notes = models.TextField(max_length=1000, blank=True)
    customer_type = models.CharField(max_length=40, choices=CUSTOMER_TYPES, blank=True)
    business_model = models.CharField(max_length=40, choices=BUSINESS_MODELS, blank=True)
    # [{"title": ..., "url": ..., "type": "transaction" | "other"}]: at most one
    # "transaction" link, the service's start page ("Visit this service").
    links = models.JSONField(default=list, blank=True)
    # The data group whose KPI summaries feed this dashboard's tiles and index row.
    kpi_group = models.ForeignKey(
        DataGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # When it was last published, and last unpublished: an unpublished dashboard's public
    # URL answers 410 Gone rather than 404, because it was once there.
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    unpublished_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The signer-off's comments when they last returned it from review (cleared on publish).
    review_comments = models.TextField(max_length=2000, blank=True)

    objects = DashboardQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from .schemas import check_links

        if self.slug in RESERVED_SLUGS:
            raise ValidationError(
                {"slug": f"{self.slug!r} is the address of one of the site's own pages."}
            )
        try:
            check_links(self.links)
        except ValueError as exc:
            raise ValidationError({"links": str(exc)})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_service(self) -> bool:
        return self.dashboard_type in SERVICE_TYPES

    def transaction_link(self) -> dict | None:
        return next((link for link in self.links if link.get("type") == "transaction"), None)

    def other_links(self) -> list[dict]:
        return [link for link in self.links if link.get("type") != "transaction"]


class Module(models.Model):
    """One block on a dashboard: a KPI, a chart, a table, a section or a set of tabs."""

    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="modules")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    order = models.PositiveIntegerField(default=0)
    slug = models.CharField(max_length=60, validators=[SLUG])
    type = models.CharField(max_length=40)
    title = models.CharField(max_length=100)
    description = models.CharField(max_length=400, blank=True)
    info = models.JSONField(default=list, blank=True, help_text="Notes: a list of text lines.")
    data_group = models.ForeignKey(
        DataGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    data_type = models.ForeignKey(
        DataType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    query = models.JSONField(default=dict, blank=True, help_text="Read API parameters.")
    options = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["dashboard", "slug"], name="uniq_module_slug")
        ]

    def __str__(self) -> str:
        return f"{self.dashboard.slug}/{self.slug}"

    def clean(self) -> None:
        from .schemas import ModuleError, check_module

        if self.slug in RESERVED_MODULE_SLUGS:
            raise ValidationError(
                {"slug": f"{self.slug!r} is the address of the dashboard's done-page survey."}
            )
        try:
            check_module(
                self.type,
                self.options,
                self.query,
                has_data_source=bool(self.data_group_id and self.data_type_id),
            )
        except ModuleError as exc:
            # The error must go on a form field ("options.format" and "data_source" are
            # not fields: naming them made the admin fail); the message names the option.
            field = exc.field.split(".")[0]
            field = {"data_source": "data_group"}.get(field, field)
            raise ValidationError({field: f"{exc.field}: {exc.message}"})
        if self.parent_id is not None:
            parent = self.parent
            if self.pk is not None and parent.pk == self.pk:
                raise ValidationError({"parent": "A module cannot be its own parent."})
            if parent.dashboard_id != self.dashboard_id:
                raise ValidationError({"parent": "The parent must be on the same dashboard."})
            if parent.type not in CONTAINERS or parent.parent_id is not None:
                raise ValidationError(
                    {"parent": "The parent must be a section or a tab at the top level."}
                )
            if self.type in CONTAINERS:
                raise ValidationError(
                    {"parent": f"A {self.type} cannot sit inside another module."}
                )


class Annotation(models.Model):
    """A dated note on a dashboard ("new online form launched"), marked on its charts."""

    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="annotations")
    date = models.DateField()
    text = models.CharField(max_length=200)
    link = models.URLField(blank=True)

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self) -> str:
        return f"{self.date}: {self.text}"


class PreviewLinkQuerySet(models.QuerySet):
    """Preview links, with the filter that says which still work."""

    def live(self, now=None) -> "PreviewLinkQuerySet":
        """Links that have not been revoked and have not expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class PreviewLink(models.Model):
    """An unlisted link to a dashboard that is not yet published.

    The link carries a random token of 256 bits; only its SHA-256 is stored, so the links
    cannot be read back from the database. A link can be revoked, and can expire.
    """

    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="preview_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Preview of {self.dashboard.slug} made {self.created_at:%Y-%m-%d %H:%M}"

    def is_live(self, now=None) -> bool:
        """Whether the link still works (not revoked, not expired)."""
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
