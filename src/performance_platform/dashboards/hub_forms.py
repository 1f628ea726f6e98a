"""The manager's hub's forms: every field has a length limit, and no text may hold control
characters (they cannot be typed, only forged, and would reach pages and CSV downloads)."""

import re

from django import forms
from django.core.exceptions import ValidationError

from .models import BUSINESS_MODELS, CUSTOMER_TYPES, Dashboard
from .schemas import check_links
from .widgets import Checkboxes, Radios

# Control characters but tab, line feed and carriage return (text areas hold lines).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: How many "other links" pairs the details page offers at least, and at most.
MIN_OTHER_LINKS = 3
MAX_OTHER_LINKS = 10


def no_control_characters(value: str) -> None:
    """Refuse text with control characters (a text area's line breaks and tabs are fine)."""
    if isinstance(value, str) and _CONTROL.search(value):
        raise ValidationError("Remove the control characters", code="control")


def no_line_control_characters(value: str) -> None:
    """Refuse a one-line value with any control character (line breaks included)."""
    if isinstance(value, str) and _CONTROL_LINE.search(value):
        raise ValidationError("Remove the control characters", code="control")


class Text(forms.CharField):
    """A one-line text field: stripped, limited, no control characters."""

    def __init__(self, *, max_length: int, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(max_length=max_length, **kwargs)
        self.validators.append(no_line_control_characters)


class LongText(forms.CharField):
    """A text area: limited, no control characters but line breaks and tabs."""

    def __init__(self, *, max_length: int, rows: int = 5, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(
            max_length=max_length, widget=forms.Textarea(attrs={"rows": rows}), **kwargs
        )
        self.validators.append(no_control_characters)


class WebAddress(forms.URLField):
    """A web address: http or https only (no javascript: or data: links)."""

    default_error_messages = {"invalid": "Enter a web address, like https://www.gov.uk/…"}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)
        self.validators.append(no_line_control_characters)

    def clean(self, value):
        value = super().clean(value)
        if value and not value.startswith(("https://", "http://")):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return value


class DetailsForm(forms.Form):
    """A dashboard's details: title, description, links, costs, customer type, business
    model. Links are fields in pairs (title, web address), so the page needs no script."""

    title = Text(max_length=256, required=True, error_messages={"required": "Enter a title"})
    description = LongText(
        max_length=1000, help_text="What the service does, in a sentence or two."
    )
    start_title = Text(
        max_length=200,
        label="Start page link text",
        help_text="The service's name, as the link to its start page reads.",
    )
    start_url = WebAddress(
        label="Start page web address", help_text="For example, https://www.gov.uk/renew-passport"
    )
    costs = LongText(max_length=1500, help_text="Notes on what the costs include.")
    customer_type = forms.ChoiceField(choices=CUSTOMER_TYPES, required=False)
    business_model = forms.ChoiceField(
        choices=BUSINESS_MODELS, required=False, label="How the service is paid for"
    )

    def __init__(self, *args, dashboard: Dashboard, **kwargs):
        others = dashboard.other_links()
        self.other_count = min(MAX_OTHER_LINKS, max(MIN_OTHER_LINKS, len(others) + 1))
        start = dashboard.transaction_link() or {}
        initial = {
            "title": dashboard.title,
            "description": dashboard.description,
            "costs": dashboard.costs,
            "customer_type": dashboard.customer_type,
            "business_model": dashboard.business_model,
            "start_title": start.get("title", ""),
            "start_url": start.get("url", ""),
        }
        for index, link in enumerate(others[: self.other_count], start=1):
            initial[f"link_{index}_title"] = link.get("title", "")
            initial[f"link_{index}_url"] = link.get("url", "")
        super().__init__(*args, initial=initial, **kwargs)
        for index in range(1, self.other_count + 1):
            self.fields[f"link_{index}_title"] = Text(
                max_length=200, label=f"Other link {index}: link text"
            )
            self.fields[f"link_{index}_url"] = WebAddress(label=f"Other link {index}: web address")

    def other_link_fields(self):
        """The other links' bound fields in (text, web address) pairs, for the template."""
        return [
            (self[f"link_{index}_title"], self[f"link_{index}_url"])
            for index in range(1, self.other_count + 1)
        ]

    def _pair(self, title_name: str, url_name: str, kind: str) -> dict | None:
        title = self.cleaned_data.get(title_name, "")
        url = self.cleaned_data.get(url_name, "")
        if title_name in self.errors or url_name in self.errors:
            return None
        if title and not url:
            self.add_error(url_name, "Enter the web address the link goes to")
        elif url and not title:
            self.add_error(title_name, "Enter the link's text")
        elif title and url:
            return {"title": title, "url": url, "type": kind}
        return None

    def clean(self):
        cleaned = super().clean()
        links = []
        start = self._pair("start_title", "start_url", "transaction")
        if start:
            links.append(start)
        for index in range(1, self.other_count + 1):
            link = self._pair(f"link_{index}_title", f"link_{index}_url", "other")
            if link:
                links.append(link)
        try:
            check_links(links)
        except ValueError as exc:
            raise ValidationError(str(exc))
        cleaned["links"] = links
        return cleaned

    def values(self) -> dict:
        """The dashboard fields to set (see ``hub.change_details``)."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "costs": data["costs"],
            "customer_type": data["customer_type"],
            "business_model": data["business_model"],
            "links": data["links"],
        }


class AnnotationForm(forms.Form):
    """A dated note on a dashboard's charts."""

    date = forms.DateField(
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y"],
        help_text="For example, 27/3/2026",
        error_messages={
            "required": "Enter the date",
            "invalid": "Enter a real date, like 27/3/2026",
        },
    )
    text = Text(
        max_length=200,
        required=True,
        help_text="What happened, in a few words. For example, “New online form launched”.",
        error_messages={"required": "Enter what happened"},
    )
    link = WebAddress(label="Link (optional)", help_text="A page that says more about it.")

    def clean_date(self):
        date = self.cleaned_data["date"]
        if not 1900 <= date.year <= 2200:
            raise ValidationError("Enter a date between 1900 and 2200")
        return date


class StandardModuleForm(forms.Form):
    """How a standard KPI module is shown: its period, and for digital take-up, its
    channels."""

    period = forms.ChoiceField(
        widget=Radios,
        label="How often is the data sent?",
        help_text="The chart shows one point per period.",
        error_messages={
            "required": "Choose how often the data is sent",
            "invalid_choice": "Choose one of the periods listed",
        },
    )

    def __init__(self, *args, standard, periods: dict, channels: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(p, periods[p]) for p in standard.periods]
        self.fields["period"].initial = standard.periods[0]
        #: The one period there is (cost is always by quarter): then nothing is asked.
        self.only_period = standard.periods[0] if len(standard.periods) == 1 else None
        if self.only_period:
            del self.fields["period"]
        if standard.has_channels:
            self.fields["channels"] = forms.MultipleChoiceField(
                choices=list(channels.items()),
                widget=Checkboxes,
                label="Which channels does the service have?",
                help_text="Select all that apply. The chart shows each as a share of all.",
                initial=["digital"],
                error_messages={
                    "required": "Select at least one channel",
                    "invalid_choice": "Choose channels from the list",
                },
            )

    def clean(self):
        cleaned = super().clean()
        if self.only_period:
            cleaned["period"] = self.only_period
        return cleaned


class TokenForm(forms.Form):
    """A new write token's label."""

    label = Text(
        max_length=100,
        required=True,
        label="Name the token",
        help_text="Say where it will be used, so you can tell tokens apart. "
        "For example, “Weekly upload script”.",
        error_messages={"required": "Enter a name for the token"},
    )


class AccessForm(forms.Form):
    """Who to give uploader access to a data set."""

    email = forms.EmailField(
        max_length=254,
        label="Email address",
        help_text="If they do not have an account yet, they get an email inviting them "
        "to set a password.",
        error_messages={
            "required": "Enter an email address",
            "invalid": "Enter an email address in the correct format, like name@example.gov.uk",
        },
    )
    name = Text(max_length=200, label="Full name (optional)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
