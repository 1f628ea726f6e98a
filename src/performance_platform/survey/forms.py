"""The done page's form: a rating, an optional comment, and a honeypot."""

from django import forms
from django.conf import settings

from .models import RATINGS

QUESTION = "Overall, how did you feel about the service you received today?"
COMMENT_LABEL = "How could we improve this service?"


class SurveyForm(forms.Form):
    """The one question, and the comment box. Errors are written for the person answering."""

    rating = forms.TypedChoiceField(
        label=QUESTION,
        choices=[(str(value), label) for value, label in RATINGS],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how you feel about the service you received today",
            "invalid_choice": "Select one of the answers about the service you received today",
        },
    )
    comment = forms.CharField(
        label=COMMENT_LABEL,
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Do not include personal or financial information, for example your "
        "National Insurance number or credit card details.",
    )
    # The honeypot: hidden from people (and from screen readers), but a form-filling bot
    # fills every box. A form with it filled is thanked and dropped.
    website = forms.CharField(required=False, label="Leave this box empty")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_comment = settings.SURVEY_COMMENT_MAX_CHARS

    def clean_comment(self) -> str:
        comment = self.cleaned_data.get("comment") or ""
        # Line breaks arrive as \r\n; count them as the character count shows them (one).
        comment = comment.replace("\r\n", "\n")
        if "\x00" in comment:
            raise forms.ValidationError("Your comment has a character we cannot store: remove it")
        if len(comment) > self.max_comment:
            raise forms.ValidationError(
                f"Your comment must be {self.max_comment:,} characters or fewer"
            )
        return comment

    def is_bot(self) -> bool:
        """Whether the honeypot was filled (call after ``is_valid``)."""
        return bool(self.data.get("website", "").strip())
