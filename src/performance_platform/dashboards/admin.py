"""Organisations, dashboards, modules and annotations in Django admin.

Modules are edited inline on their dashboard; each is checked against its type's
option schema when saved, and a bad one is refused with the option named. A module's type
is chosen from the registered module types (``module_types``), and a new module whose
options are left empty starts from its type's template.
"""

from django import forms
from django.contrib import admin

from .admin_audit import AuditedDashboardAdmin
from .models import Annotation, Dashboard, Module, Organisation
from .module_types import CHOICES, default_options


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "abbreviation", "type", "parent"]
    list_filter = ["type"]
    search_fields = ["name", "abbreviation", "slug"]


MODULE_FIELDS = [
    "order",
    "slug",
    "type",
    "title",
    "description",
    "info",
    "parent",
    "data_group",
    "data_type",
    "query",
    "options",
]


class OptionsField(forms.JSONField):
    """Module options as JSON; empty (not ``{}``, which is checked as it is) means "start
    from the type's template"."""

    def prepare_value(self, value):
        return "" if value is None else super().prepare_value(value)


class ModuleForm(forms.ModelForm):
    """A module in the admin: its type from a list, its options from the type's template."""

    type = forms.ChoiceField(
        choices=[("", "---------"), *CHOICES],
        help_text="The module types the site can draw.",
    )
    options = OptionsField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="JSON. Leave empty on a new module to start from its type's template "
        "(the usual field names for the type), then change what the template guesses.",
    )

    class Meta:
        model = Module
        fields = MODULE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and self.initial.get("options") in (None, {}):
            self.initial["options"] = None  # shown empty: the template fills it on save
        # A module saved before types were a list may have a type no longer registered:
        # keep it choosable, so the form shows it (and the schema check names the problem).
        current = self.instance.type if self.instance.pk else None
        if current and current not in dict(CHOICES):
            self.fields["type"].choices = [*self.fields["type"].choices, (current, current)]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("options", "") is None:
            # Empty: a new module takes its type's template (model validation, the schema
            # check, runs after this on the filled options); an existing one has none.
            new = self.instance.pk is None
            cleaned["options"] = default_options(cleaned.get("type", "")) if new else {}
        return cleaned


class ModuleInline(admin.StackedInline):
    model = Module
    form = ModuleForm
    fk_name = "dashboard"
    extra = 0
    fields = MODULE_FIELDS


class AnnotationInline(admin.TabularInline):
    model = Annotation
    extra = 0


@admin.register(Dashboard)
class DashboardAdmin(AuditedDashboardAdmin, admin.ModelAdmin):
    list_display = ["title", "slug", "dashboard_type", "organisation", "status", "updated_at"]
    list_filter = ["status", "dashboard_type"]
    search_fields = ["title", "slug"]
    inlines = [ModuleInline, AnnotationInline]
