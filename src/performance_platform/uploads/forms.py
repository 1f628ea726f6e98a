"""The upload form: the file, whether it adds to or replaces the data, and its sheet."""

from django import forms

from performance_platform.dashboards.widgets import Radios

from .models import Upload


class UploadForm(forms.Form):
    """Choose a file and what it does to the data already there."""

    file = forms.FileField(
        label="Upload a file",
        help_text="A CSV, Excel (XLSX or XLS) or OpenDocument (ODS) spreadsheet.",
        error_messages={
            "required": "Select a file to upload",
            "empty": "The selected file is empty",
            "invalid": "The selected file could not be read: choose it again",
        },
        allow_empty_file=True,  # an empty file gets the reader's own, clearer message
    )
    mode = forms.ChoiceField(
        label="What should the file do?",
        choices=[
            (Upload.Mode.ADD, "Add it to the data (rows for the same period replace those stored)"),
            (
                Upload.Mode.REPLACE,
                "Replace all the data between the file's first and last dates",
            ),
        ],
        initial=Upload.Mode.ADD,
        widget=Radios,
        error_messages={"required": "Select whether the file adds to or replaces the data"},
    )
    sheet = forms.CharField(
        label="Sheet name (optional)",
        help_text="Leave this empty to read the first sheet.",
        required=False,
        max_length=100,
        error_messages={"max_length": "A sheet name has at most 100 characters"},
    )

    def clean_sheet(self) -> str:
        """The sheet's name, without spaces around it and without control characters."""
        value = self.cleaned_data.get("sheet") or ""
        if any(not ch.isprintable() for ch in value):
            raise forms.ValidationError("Enter the sheet's name as it appears on its tab")
        return value.strip()


class QuarterlyForm(forms.Form):
    """Choose the quarterly collection's file (and its sheet)."""

    file = UploadForm.base_fields["file"]
    sheet = UploadForm.base_fields["sheet"]

    clean_sheet = UploadForm.clean_sheet
