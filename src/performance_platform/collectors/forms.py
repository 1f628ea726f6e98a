"""The availability checks page's form: the start page's address and how often to check."""

from django import forms
from django.core.exceptions import ValidationError

from performance_platform.dashboards.hub_forms import WebAddress
from performance_platform.dashboards.widgets import Radios

from .checks import EVERY_CHOICES
from .errors import ConfigProblem
from .http import check_endpoint
from .providers.availability import literal_address_problem


class AvailabilityForm(forms.Form):
    """A start page to check: a public http or https address without credentials in it."""

    url = WebAddress(
        required=True,
        max_length=500,
        label="Start page web address",
        help_text="The page people start the service from, for example "
        "https://www.gov.uk/renew-passport. Enter the address it ends up at: a check "
        "does not follow a redirect to another address.",
        error_messages={"required": "Enter the start page's web address"},
    )
    every = forms.TypedChoiceField(
        choices=EVERY_CHOICES,
        coerce=int,
        label="How often to check it",
        widget=Radios,
        error_messages={"required": "Choose how often to check it"},
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            check_endpoint(url)
        except ConfigProblem as exc:
            raise ValidationError(exc.message, code="invalid")
        problem = literal_address_problem(url)
        if problem:
            raise ValidationError(problem, code="private")
        return url
