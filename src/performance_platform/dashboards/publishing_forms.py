"""Forms of the publishing pages: a preview link's lifetime, and a signer-off's decision."""

from django import forms
from django.core.exceptions import ValidationError

from . import publishing
from .widgets import Radios


class PreviewLinkForm(forms.Form):
    """How long a new preview link lasts (blank: until it is revoked)."""

    days = forms.IntegerField(
        label="Days until the link stops working (optional)",
        help_text=f"From 1 to {publishing.MAX_PREVIEW_DAYS}. Leave it blank for a link that "
        "works until it is revoked or the dashboard is published.",
        required=False,
        min_value=1,
        max_value=publishing.MAX_PREVIEW_DAYS,
        error_messages={
            "invalid": "Enter the number of days as a whole number, like 30",
            "min_value": "The link must last at least 1 day",
            "max_value": f"The link can last at most {publishing.MAX_PREVIEW_DAYS} days",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )


class SignOffForm(forms.Form):
    """A signer-off's decision: approve (publish), or return with comments."""

    decision = forms.ChoiceField(
        label="Do you approve this dashboard for publication?",
        choices=[
            ("approve", "Yes, approve and publish it"),
            ("return", "No, return it for changes"),
        ],
        widget=Radios,
        error_messages={"required": "Choose whether to approve the dashboard or return it"},
    )
    comments = forms.CharField(
        label="What needs to change",
        help_text="Needed if you return it. The service managers see this on the dashboard's "
        "page and in their email.",
        required=False,
        # The form's own limit is generous, so that clean_comments can say what is wrong
        # (a browser's maxlength would cut the text silently).
        max_length=publishing.MAX_COMMENTS * 2,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "max_length": f"Comments must be {publishing.MAX_COMMENTS} characters or fewer"
        },
    )

    def clean_comments(self) -> str:
        try:
            return publishing.clean_comments(self.cleaned_data.get("comments", ""))
        except ValidationError as exc:
            raise ValidationError(exc.messages[0])

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not data.get("comments"):
            if "comments" not in self.errors:
                self.add_error("comments", "Say what needs to change")
        return data
