"""The request form's pages in order, and the answers kept in the session between them.

Each step is one page (one topic): its URL slug, its form, and the answers it keeps. The
answers live in the session under :data:`SESSION_KEY` until the request is sent; the
check-your-answers page lists them with a link back to each page.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import format_html, format_html_join

from performance_platform.dashboards.models import Organisation

from . import forms
from .models import DashboardRequest

SESSION_KEY = "onboarding_answers"
REFERENCE_KEY = "onboarding_reference"
R = DashboardRequest


@dataclass(frozen=True)
class Step:
    slug: str
    form: type[forms.Question]
    #: The answers (session keys) this page gives.
    keys: tuple[str, ...]

    @property
    def title(self) -> str:
        return self.form.title

    def url(self, change: bool = False) -> str:
        path = reverse("onboarding:question", kwargs={"step": self.slug})
        return f"{path}?change=1" if change else path


STEPS: tuple[Step, ...] = (
    Step("contact", forms.ContactForm, ("contact_name", "contact_email", "contact_phone")),
    Step("service", forms.ServiceForm, ("service_name", "service_description", "intended_users")),
    Step("organisation", forms.OrganisationForm, ("organisation", "new_organisation_name")),
    Step("start-page", forms.StartPageForm, ("start_page_url",)),
    Step("digital-take-up", forms.TakeupForm, ("digital_takeup_source",)),
    Step("cost-per-transaction", forms.CostForm, ("cost_source",)),
    Step(
        "user-satisfaction", forms.SatisfactionForm, ("satisfaction_source", "satisfaction_other")
    ),
    Step(
        "completion-rate",
        forms.CompletionForm,
        (
            "completion_source",
            "analytics_provider",
            "analytics_provider_other",
            "analytics_property_id",
        ),
    ),
    Step("how-often", forms.CadenceForm, ("cadence",)),
    Step("uploaders", forms.UploadersForm, ("uploaders",)),
)
BY_SLUG = {step.slug: step for step in STEPS}


def answers(session) -> dict:
    """The answers given so far."""
    value = session.get(SESSION_KEY)
    return value if isinstance(value, dict) else {}


def save(session, new: dict) -> None:
    """Keep ``new`` answers beside the others."""
    session[SESSION_KEY] = {**answers(session), **new}


def clear(session) -> None:
    session.pop(SESSION_KEY, None)


def is_answered(step: Step, given: dict) -> bool:
    return all(key in given for key in step.keys)


def first_unanswered(given: dict) -> Step | None:
    """The first page whose answers are missing (None: every page answered)."""
    return next((step for step in STEPS if not is_answered(step, given)), None)


def next_step(step: Step) -> Step | None:
    index = STEPS.index(step)
    return STEPS[index + 1] if index + 1 < len(STEPS) else None


def previous_step(step: Step) -> Step | None:
    index = STEPS.index(step)
    return STEPS[index - 1] if index > 0 else None


def _label(choices, value) -> str:
    return dict(choices).get(value, value or "")


def _lines(*parts) -> str:
    """Several short answers on separate lines (each escaped)."""
    return format_html_join("", "{}<br>", ((p,) for p in parts[:-1] if p)) + format_html(
        "{}", parts[-1]
    )


def summary(given: dict, *, change_links: bool) -> list[dict]:
    """The answers as summary-list rows: ``[{"key", "value", "actions"}]`` (escaped)."""
    org_name = given.get("new_organisation_name") or ""
    if given.get("organisation"):
        org = Organisation.objects.filter(pk=given["organisation"]).first()
        org_name = org.name if org else "(no longer in the list)"
    elif org_name:
        org_name = f"{org_name} (new)"
    satisfaction = _label(R.SatisfactionSource.choices, given.get("satisfaction_source"))
    if given.get("satisfaction_other"):
        satisfaction = _lines(satisfaction, given["satisfaction_other"])
    completion = _label(R.CompletionSource.choices, given.get("completion_source"))
    if given.get("completion_source") == R.CompletionSource.ANALYTICS:
        provider = given.get("analytics_provider_other") or _label(
            R.AnalyticsProvider.choices, given.get("analytics_provider")
        )
        completion = _lines(
            completion, provider, f"View or property ID: {given.get('analytics_property_id')}"
        )
    people = given.get("uploaders") or []
    if people:
        items = format_html_join("", "<li>{} ({})</li>", ((p["name"], p["email"]) for p in people))
        uploaders = format_html('<ul class="govuk-list">{}</ul>', items)
    else:
        uploaders = "None named: you will upload the data yourself"
    rows = [
        ("contact", "Full name", given.get("contact_name")),
        ("contact", "Email address", given.get("contact_email")),
        ("contact", "Phone number", given.get("contact_phone")),
        ("service", "Name of the service", given.get("service_name")),
        ("service", "What the service does", given.get("service_description")),
        ("service", "Who the service is for", given.get("intended_users")),
        ("organisation", "Organisation", org_name),
        ("start-page", "Start page", given.get("start_page_url")),
        (
            "digital-take-up",
            "Digital take-up",
            _label(R.TakeupSource.choices, given.get("digital_takeup_source")),
        ),
        (
            "cost-per-transaction",
            "Cost per transaction",
            _label(R.CostSource.choices, given.get("cost_source")),
        ),
        ("user-satisfaction", "User satisfaction", satisfaction),
        ("completion-rate", "Completion rate", completion),
        ("how-often", "How often", _label(R.Cadence.choices, given.get("cadence"))),
        ("uploaders", "People who will upload data", uploaders),
    ]
    out = []
    for slug, key, value in rows:
        row = {"key": key, "value": value if value is not None else ""}
        if change_links:
            row["actions"] = [
                {"href": BY_SLUG[slug].url(change=True), "text": "Change", "hidden": key.lower()}
            ]
        out.append(row)
    return out


def request_answers(request_obj: DashboardRequest) -> dict:
    """A stored request's answers in the session's shape (for :func:`summary`)."""
    given = {}
    for step in STEPS:
        for key in step.keys:
            given[key] = (
                request_obj.organisation_id if key == "organisation" else getattr(request_obj, key)
            )
    return given
