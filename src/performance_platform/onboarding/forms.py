"""The request form's questions, one form per page, with GOV.UK-style error messages.

Every text answer has a length limit and refuses control characters (a line break is
allowed only where the answer may run to several lines). Emails, phone numbers and URLs
are checked firmly enough that a typing mistake is caught, loosely enough that real
numbers and addresses in their usual forms pass.
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from performance_platform.dashboards.models import Organisation

from .models import DashboardRequest

R = DashboardRequest
MAX_UPLOADERS = 10
NEW_ORGANISATION = "new"
_MULTILINE_OK = {"\n", "\r", "\t"}


def refuse_control_characters(value: str, *, multiline: bool = False) -> None:
    """Raise ValidationError if ``value`` holds a control character or a lone surrogate."""
    for char in value:
        if multiline and char in _MULTILINE_OK:
            continue
        category = unicodedata.category(char)
        if category in ("Cc", "Cs"):
            raise ValidationError("must not contain control characters", code="control")


# A UK number: 0 or +44 (or 0044) and then 9 or 10 digits, with the usual spaces, hyphens
# and brackets; "+44 (0)20 ..." is read as +44 20 ...; an extension may follow.
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_PHONE = re.compile(r"(?:\+44|0044|0)\d{9,10}")
_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x)\s*\d{1,6}\s*\Z", re.IGNORECASE)


def is_uk_phone(value: str) -> bool:
    """Whether ``value`` reads as a UK phone number (optionally with an extension)."""
    number = _EXTENSION.sub("", value)
    number = number.replace("(0)", "")
    number = _PHONE_SEPARATORS.sub("", number)
    return bool(_PHONE.fullmatch(number))


class Text(forms.CharField):
    """A text answer: trimmed, limited, with no control characters, messages in GOV.UK words.

    ``what`` names the answer in messages ("Enter your full name"; "Your full name must
    be 200 characters or fewer").
    """

    def __init__(self, *, what: str, name: str, max_length: int, multiline=False, **kwargs):
        self.what, self.multiline = what, multiline
        kwargs.setdefault("required", True)
        if multiline:
            kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4}))
        super().__init__(
            max_length=max_length,
            strip=True,
            error_messages={
                "required": f"Enter {what}",
                "max_length": f"{name} must be {max_length} characters or fewer",
                "null_characters_not_allowed": f"{name} must not contain control characters",
            },
            **kwargs,
        )
        self.capitalised = name

    def validate(self, value):
        super().validate(value)
        if value:
            try:
                refuse_control_characters(value, multiline=self.multiline)
            except ValidationError:
                raise ValidationError(f"{self.capitalised} must not contain control characters")


class Radios(forms.RadioSelect):
    """Radios whose field id is the first radio's, as GOV.UK's error summary links to it.

    Django gives a radio group no id of its own (so the error summary's link would go
    nowhere); ``manage/includes/field.html`` gives the first radio the field's id.
    """

    def id_for_label(self, id_, index=None):
        return id_ if index is None else super().id_for_label(id_, index)


class Choice(forms.ChoiceField):
    """A radio question whose message says what to choose."""

    def __init__(self, *, choices, message: str, **kwargs):
        kwargs.setdefault("widget", Radios)
        super().__init__(
            choices=choices,
            error_messages={"required": message, "invalid_choice": message},
            **kwargs,
        )


class Question(forms.Form):
    """A page of the form: its title (the page's h1 unless a field is the heading)."""

    title = ""
    #: The field whose label is the page's heading (one question on the page), if any.
    heading_field: str | None = None

    def answers(self) -> dict:
        """The cleaned answers to keep in the session (JSON-serialisable)."""
        return dict(self.cleaned_data)


class ContactForm(Question):
    title = "Your contact details"
    contact_name = Text(
        label="Full name", what="your full name", name="Your full name", max_length=200
    )
    contact_email = forms.CharField(
        label="Email address",
        help_text="We’ll send a receipt and our decision here.",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your email address",
            "max_length": "Your email address must be 254 characters or fewer",
        },
    )
    contact_phone = Text(
        label="Phone number",
        help_text="A UK phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192",
        what="your phone number",
        name="Your phone number",
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_contact_email(self) -> str:
        return clean_email(self.cleaned_data["contact_email"], whose="your")

    def clean_contact_phone(self) -> str:
        phone = self.cleaned_data["contact_phone"]
        if not is_uk_phone(phone):
            raise ValidationError(
                "Enter a UK phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"
            )
        return phone


def clean_email(value: str, *, whose: str) -> str:
    """An email address, trimmed, with its domain in lower case; GOV.UK messages."""
    value = value.strip()
    try:
        refuse_control_characters(value)
        EmailValidator()(value)
    except ValidationError:
        raise ValidationError(
            f"Enter {whose} email address in the correct format, like name@example.gov.uk"
        )
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


class ServiceForm(Question):
    title = "About your service"
    service_name = Text(
        label="Name of the service",
        help_text="As it appears on GOV.UK, for example ‘Renew a passport’",
        what="the name of the service",
        name="The name of the service",
        max_length=150,
    )
    service_description = Text(
        label="What the service does",
        help_text="A short description, in a sentence or two",
        what="what the service does",
        name="The description",
        max_length=1000,
        multiline=True,
    )
    intended_users = Text(
        label="Who the service is for",
        help_text="For example, ‘UK residents renewing an adult passport’",
        what="who the service is for",
        name="Who the service is for",
        max_length=500,
        multiline=True,
    )


class OrganisationForm(Question):
    title = "Your organisation"
    organisation = forms.ChoiceField(
        label="Organisation that runs the service",
        help_text="Choose it from the list. If it is not there, choose ‘My organisation is not "
        "in the list’ and name it below.",
        error_messages={
            "required": "Choose your organisation, or that it is not in the list",
            "invalid_choice": "Choose your organisation, or that it is not in the list",
        },
    )
    new_organisation_name = Text(
        label="If it is not in the list, its name",
        what="the name of your organisation",
        name="The name of your organisation",
        max_length=200,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = [(str(pk), name) for pk, name in Organisation.objects.values_list("pk", "name")]
        self.fields["organisation"].choices = [
            ("", "Choose an organisation"),
            *orgs,
            (NEW_ORGANISATION, "My organisation is not in the list"),
        ]

    def clean(self):
        data = super().clean()
        chosen = data.get("organisation")
        name = data.get("new_organisation_name", "")
        if chosen == NEW_ORGANISATION:
            if not name and "new_organisation_name" not in self.errors:
                self.add_error("new_organisation_name", "Enter the name of your organisation")
            elif name:
                same = Organisation.objects.filter(name__iexact=name).first()
                if same is not None:
                    self.add_error(
                        "new_organisation_name",
                        f"{same.name} is in the list: choose it there",
                    )
        elif chosen:
            data["new_organisation_name"] = ""
        return data

    def answers(self) -> dict:
        chosen = self.cleaned_data["organisation"]
        return {
            "organisation": None if chosen == NEW_ORGANISATION else int(chosen),
            "new_organisation_name": self.cleaned_data["new_organisation_name"],
        }


class StartPageForm(Question):
    title = "Your service’s start page"
    heading_field = "start_page_url"
    start_page_url = Text(
        label="What is the address of your service’s start page?",
        help_text="The page where people start using it, for example "
        "https://www.gov.uk/renew-adult-passport",
        what="the address of the start page",
        name="The address",
        max_length=500,
        widget=forms.URLInput(attrs={"spellcheck": "false"}),
    )

    def clean_start_page_url(self) -> str:
        url = self.cleaned_data["start_page_url"]
        try:
            URLValidator(schemes=["https", "http"])(url)
        except ValidationError:
            raise ValidationError(
                "Enter the address in the correct format, starting https:// or http://"
            )
        return url


class TakeupForm(Question):
    title = "Digital take-up"
    heading_field = "digital_takeup_source"
    digital_takeup_source = Choice(
        label="How will you send the figures for digital take-up?",
        help_text="The number of completed transactions by channel (online, phone, paper, "
        "in person), from which the platform works out the share made online.",
        choices=R.TakeupSource.choices,
        message="Choose how you will send the figures for digital take-up",
    )


class CostForm(Question):
    title = "Cost per transaction"
    heading_field = "cost_source"
    cost_source = Choice(
        label="Where will the figures for cost per transaction come from?",
        help_text="The total cost of the service each quarter and the number of transactions.",
        choices=R.CostSource.choices,
        message="Choose where the figures for cost per transaction will come from",
    )


class SatisfactionForm(Question):
    title = "User satisfaction"
    satisfaction_source = Choice(
        label="Where will the user satisfaction scores come from?",
        help_text="People rate the service from very dissatisfied to very satisfied when "
        "they finish.",
        choices=R.SatisfactionSource.choices,
        message="Choose where the user satisfaction scores will come from",
    )
    satisfaction_other = Text(
        label="If another source, which one",
        what="which other source the scores come from",
        name="The other source",
        max_length=200,
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("satisfaction_source") == R.SatisfactionSource.OTHER:
            if not data.get("satisfaction_other") and "satisfaction_other" not in self.errors:
                self.add_error(
                    "satisfaction_other", "Enter which other source the scores come from"
                )
        elif data.get("satisfaction_source"):
            data["satisfaction_other"] = ""
        return data


class CompletionForm(Question):
    title = "Completion rate"
    completion_source = Choice(
        label="Where will the figures for completion rate come from?",
        help_text="How many people start the service online, and how many finish.",
        choices=R.CompletionSource.choices,
        message="Choose where the figures for completion rate will come from",
    )
    analytics_provider = Choice(
        label="If from your web analytics, which provider",
        choices=R.AnalyticsProvider.choices,
        message="Choose your analytics provider",
        required=False,
    )
    analytics_provider_other = Text(
        label="If another provider, which one",
        what="the name of your analytics provider",
        name="The provider’s name",
        max_length=100,
        required=False,
    )
    analytics_property_id = Text(
        label="The view or property ID",
        help_text="In Google Analytics 4, the property ID (9 digits); in Matomo, the site ID",
        what="the view or property ID",
        name="The view or property ID",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("completion_source") == R.CompletionSource.ANALYTICS:
            provider = data.get("analytics_provider")
            if not provider and "analytics_provider" not in self.errors:
                self.add_error("analytics_provider", "Choose your analytics provider")
            if provider == R.AnalyticsProvider.OTHER and not data.get("analytics_provider_other"):
                if "analytics_provider_other" not in self.errors:
                    self.add_error(
                        "analytics_provider_other", "Enter the name of your analytics provider"
                    )
            if not data.get("analytics_property_id") and "analytics_property_id" not in self.errors:
                self.add_error("analytics_property_id", "Enter the view or property ID")
            if provider != R.AnalyticsProvider.OTHER:
                data["analytics_provider_other"] = ""
        elif data.get("completion_source"):
            data.update(
                analytics_provider="", analytics_provider_other="", analytics_property_id=""
            )
        return data


class CadenceForm(Question):
    title = "How often"
    heading_field = "cadence"
    cadence = Choice(
        label="How often will you send new figures?",
        help_text="The platform marks the dashboard’s figures as out of date when they are "
        "not sent this often. Cost per transaction is always quarterly.",
        choices=R.Cadence.choices,
        message="Choose how often you will send new figures",
    )


class UploadersForm(Question):
    """Up to :data:`MAX_UPLOADERS` people: a name and an email address per row.

    The page shows the rows given so far and some empty ones; "Add another row" shows
    more (no JavaScript needed). A row is a name and an email, both or neither.
    """

    title = "People who will upload data"

    def __init__(self, *args, rows: int = 3, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = max(1, min(rows, MAX_UPLOADERS))
        for n in range(1, self.rows + 1):
            self.fields[f"name_{n}"] = Text(
                label="Full name",
                what=f"the name of person {n}",
                name=f"The name of person {n}",
                max_length=200,
                required=False,
            )
            self.fields[f"email_{n}"] = forms.CharField(
                label="Email address",
                required=False,
                max_length=254,
                widget=forms.EmailInput(attrs={"spellcheck": "false"}),
                error_messages={
                    "max_length": f"The email address of person {n} must be 254 characters or fewer"
                },
            )

    @classmethod
    def initial_for(cls, uploaders: list[dict]) -> dict:
        """The form's initial values for the uploaders kept in the session."""
        initial = {}
        for n, person in enumerate(uploaders[:MAX_UPLOADERS], start=1):
            initial[f"name_{n}"] = person["name"]
            initial[f"email_{n}"] = person["email"]
        return initial

    def row_fields(self):
        """``[(n, name field, email field)]`` for the template."""
        return [(n, self[f"name_{n}"], self[f"email_{n}"]) for n in range(1, self.rows + 1)]

    def clean(self):
        data = super().clean()
        seen = set()
        for n in range(1, self.rows + 1):
            name, email = data.get(f"name_{n}", ""), data.get(f"email_{n}", "")
            if f"email_{n}" in self.errors or f"name_{n}" in self.errors:
                continue
            if email:
                try:
                    email = data[f"email_{n}"] = clean_email(email, whose=f"person {n}’s")
                except ValidationError as exc:
                    self.add_error(f"email_{n}", exc)
                    continue
            if name and not email:
                self.add_error(f"email_{n}", f"Enter the email address of person {n}")
            elif email and not name:
                self.add_error(f"name_{n}", f"Enter the name of person {n}")
            elif email:
                if email.lower() in seen:
                    self.add_error(f"email_{n}", f"Person {n} is already in the list")
                seen.add(email.lower())
        return data

    def answers(self) -> dict:
        people = []
        for n in range(1, self.rows + 1):
            name, email = self.cleaned_data.get(f"name_{n}"), self.cleaned_data.get(f"email_{n}")
            if name and email:
                people.append({"name": name, "email": email})
        return {"uploaders": people}


class DecisionForm(forms.Form):
    """An admin's reason for approving (optional) or declining (required) a request."""

    reason = Text(
        label="Reason",
        what="a reason",
        name="The reason",
        max_length=2000,
        multiline=True,
        required=False,
    )

    def __init__(self, *args, required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        if required:
            self.fields["reason"].label = "Why are you declining this request?"
            self.fields["reason"].help_text = "The requester is sent this reason by email."
        else:
            self.fields["reason"].label = "Note (optional)"
            self.fields["reason"].help_text = "Kept with the request; the requester is not sent it."
