"""The audit trail page, ``/manage/audit``: every AuditEvent, newest first, for platform admins.

Filtered by a GET form (so it works without JavaScript and a filtered view can be
bookmarked or shared), and paginated. A filter the form refuses (a date that is not one,
an action not in the list, a very long value) is shown as a GOV.UK error, never a 500.
"""

from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import render

from performance_platform.accounts.audit import ACTIONS
from performance_platform.accounts.models import AuditEvent

from . import permissions
from .models import Organisation

PER_PAGE = 50
# The fields of the filter form; a request with none of them shows the whole trail.
FILTERS = ("action", "email", "target_type", "organisation", "date_from", "date_to")
# What the page calls each kind of target (the model names audit.record copies).
TARGET_TYPES = {
    "configuration": "Configuration file",
    "dashboard": "Dashboard",
    "dataset": "Data set",
    "module": "Module",
    "organisation": "Organisation",
    "previewlink": "Preview link",
    "user": "User",
    "writetoken": "Write token",
}
# Dates before or after these are typing mistakes, not audit events (and date.max + 1 day,
# the end of a "to" filter, would overflow).
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d-%m-%Y"]


class AuditDateField(forms.DateField):
    """A day, typed as 2026-12-03 or 3/12/2026, within years a real event can have."""

    def __init__(self, **kwargs):
        super().__init__(
            required=False,
            input_formats=DATE_FORMATS,
            error_messages={"invalid": "Enter a real date, like 2026-12-03"},
            **kwargs,
        )

    def to_python(self, value):
        if isinstance(value, str) and len(value) > 40:
            raise forms.ValidationError("Enter a real date, like 2026-12-03")
        day = super().to_python(value)
        if day is not None and not EARLIEST <= day <= LATEST:
            raise forms.ValidationError("Enter a date between the years 2000 and 2999")
        return day


class AuditFilterForm(forms.Form):
    """The audit page's filters; every field optional."""

    action = forms.ChoiceField(
        label="What was done",
        required=False,
        error_messages={"invalid_choice": "Choose an action from the list"},
    )
    email = forms.CharField(
        label="Who did it (email address, or part of one)",
        required=False,
        max_length=254,
        error_messages={"max_length": "An email address is at most 254 characters"},
    )
    target_type = forms.ChoiceField(
        label="What it was done to",
        required=False,
        error_messages={"invalid_choice": "Choose a kind of thing from the list"},
    )
    organisation = forms.ChoiceField(
        label="Organisation",
        required=False,
        error_messages={"invalid_choice": "Choose an organisation from the list"},
    )
    date_from = AuditDateField(label="From (date)", help_text="For example, 2026-12-03")
    date_to = AuditDateField(label="To (date, inclusive)", help_text="For example, 2026-12-31")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action")] + sorted(
            ACTIONS.items(), key=lambda item: item[1]
        )
        kinds = set(
            AuditEvent.objects.exclude(target_type="")
            .values_list("target_type", flat=True)
            .distinct()
        )
        self.fields["target_type"].choices = [("", "Anything")] + sorted(
            ((k, TARGET_TYPES.get(k, k)) for k in kinds), key=lambda item: item[1]
        )
        self.fields["organisation"].choices = [("", "Any organisation")] + list(
            Organisation.objects.order_by("name").values_list("slug", "name")
        )
        self.fields["email"].widget.attrs.update(spellcheck="false", autocomplete="off")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The ‘to’ date must be the same as or after the ‘from’ date")
        return data


def filter_events(events: QuerySet[AuditEvent], filters: dict) -> QuerySet[AuditEvent]:
    """``events`` narrowed by the cleaned filters of :class:`AuditFilterForm`."""
    if filters.get("action"):
        events = events.filter(action=filters["action"])
    if filters.get("email"):
        events = events.filter(actor_email__icontains=filters["email"].strip())
    if filters.get("target_type"):
        events = events.filter(target_type=filters["target_type"])
    if filters.get("organisation"):
        org = Organisation.objects.filter(slug=filters["organisation"]).first()
        events = events.filter(organisation_id=org.pk if org else -1)
    if filters.get("date_from"):
        events = events.filter(at__gte=datetime.combine(filters["date_from"], time.min, UTC))
    if filters.get("date_to"):
        end = datetime.combine(filters["date_to"] + timedelta(days=1), time.min, UTC)
        events = events.filter(at__lt=end)
    return events


def describe(event: AuditEvent, organisations: dict[int, str]) -> dict:
    """One row of the table: the words the page shows for ``event``."""
    target = " ".join(
        part
        for part in (TARGET_TYPES.get(event.target_type, event.target_type), event.target_repr)
        if part
    )
    details = []
    if event.organisation_id is not None:
        details.append(
            (
                "Organisation",
                organisations.get(event.organisation_id, f"#{event.organisation_id} (deleted)"),
            )
        )
    for key, value in (event.detail or {}).items() if isinstance(event.detail, dict) else []:
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        if isinstance(value, dict):
            text = ", ".join(f"{k}: {v}" for k, v in value.items())
        details.append((key.replace("_", " ").capitalize(), text[:300]))
    if event.ip_address:
        details.append(("From address", event.ip_address))
    return {
        "event": event,
        "who": event.actor_email or "The platform",
        "what": ACTIONS.get(event.action, event.action),
        "target": target,
        "details": details,
    }


@login_required
def audit_trail(request):
    """The audit trail: platform admins only (anyone else gets the 404 of a missing page)."""
    if not permissions.can(request.user, permissions.Action.VIEW_AUDIT):
        raise Http404("No such page")
    filtering = any(request.GET.get(name) for name in FILTERS)
    form = AuditFilterForm(request.GET if filtering else None)
    events = AuditEvent.objects.order_by("-at", "-pk")
    page = None
    if not filtering or form.is_valid():
        if filtering:
            events = filter_events(events, form.cleaned_data)
        page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    if page is not None:
        org_ids = {e.organisation_id for e in page.object_list if e.organisation_id is not None}
        names = dict(Organisation.objects.filter(pk__in=org_ids).values_list("pk", "name"))
        rows = [describe(event, names) for event in page.object_list]
    context = {
        "nav": "audit",
        "form": form,
        "filtering": filtering,
        "page": page,
        "rows": rows,
        "page_range": (
            page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
            if page is not None
            else []
        ),
        "ellipsis": Paginator.ELLIPSIS,
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "manage/audit/trail.html", context, status=status)
