"""Collectors in the Django admin, for platform staff.

Credentials are write-only here: the form's credentials box is always empty when shown
(even after a form error, so a mistyped secret is not sent back to the browser), a blank
box keeps the saved ones, and what is typed is checked against the provider's
``credentials_schema`` and saved encrypted. The change page says only *whether*
credentials are saved.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone

from performance_platform.accounts import audit
from performance_platform.datastore.admin_audit import AuditedAdmin

from . import providers
from .errors import ConfigProblem
from .http import check_endpoint
from .models import Collector, CollectorRun
from .records import check_mapping
from .running import schema_problems
from .tasks import run_collector_task


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that never shows a value: what was typed is not sent back, ever."""

    def format_value(self, value):
        return None


def load_provider(key: str) -> tuple[providers.Provider | None, str]:
    """The provider for ``key``, or ``None`` and why it cannot be loaded here (an unknown
    key, or a provider whose optional packages are not installed)."""
    try:
        return providers.get(key), ""
    except ConfigProblem as exc:
        return None, exc.message
    except ImportError as exc:
        return None, f"The {key} provider cannot be loaded on this server ({exc})."


class CollectorForm(forms.ModelForm):
    """The collector's settings, with its credentials as a write-only JSON box."""

    provider = forms.ChoiceField(choices=providers.CHOICES)
    new_credentials = forms.CharField(
        label="Credentials",
        required=False,
        strip=True,
        widget=WriteOnlyTextarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
        help_text=(
            "A JSON object, as the provider needs (for Matomo: "
            '{"token_auth": "..."}). Leave blank to keep the saved credentials. '
            "Saved credentials are encrypted and never shown again."
        ),
    )

    class Meta:
        model = Collector
        fields = [
            "name",
            "data_set",
            "provider",
            "endpoint",
            "frequency",
            "every_seconds",
            "enabled",
            "query",
            "mapping",
        ]
        help_texts = {
            "endpoint": "The provider's address. Blank means the provider's own, if it has one.",
            "every_seconds": "How often the worker runs it. 0 means the provider's default.",
            "query": "A JSON object: what to ask the provider for.",
            "mapping": (
                'A JSON object: "fields" renames fields, "add" adds constants, '
                '"id_fields" chooses the fields a record\'s id is made from.'
            ),
        }

    #: Why the provider's schemas could not be checked, when they could not.
    provider_warning = ""

    def clean_query(self):
        query = self.cleaned_data.get("query")
        if not isinstance(query, dict):
            raise forms.ValidationError("The query must be a JSON object ({...}).")
        return query

    def clean_endpoint(self):
        endpoint = self.cleaned_data.get("endpoint")
        if endpoint:
            try:
                check_endpoint(endpoint)
            except ConfigProblem as exc:
                raise forms.ValidationError(exc.message)
        return endpoint

    def clean_mapping(self):
        mapping = self.cleaned_data.get("mapping")
        try:
            check_mapping(mapping)
        except ConfigProblem as exc:
            raise forms.ValidationError(exc.message)
        return mapping

    def clean_new_credentials(self):
        text = self.cleaned_data.get("new_credentials", "")
        if not text:
            return None
        try:
            value = json.loads(text)
        except ValueError:
            # The message never quotes what was typed: it may be a secret.
            raise forms.ValidationError("The credentials are not valid JSON.")
        if not isinstance(value, dict) or not value:
            raise forms.ValidationError("The credentials must be a JSON object ({...}).")
        return value

    def clean(self):
        cleaned = super().clean()
        key = cleaned.get("provider")
        if not key:
            return cleaned
        provider, why = load_provider(key)
        if provider is None:
            self.provider_warning = f"{why} Its query and credentials were not checked."
            return cleaned
        if "query" in cleaned:
            problems = schema_problems(provider.query_schema, cleaned["query"])
            if problems:
                self.add_error(
                    "query", f"The query is not right for {provider.title}: {problems[0]}"
                )
        new = cleaned.get("new_credentials")
        if new is None and self.instance.pk and self.instance.has_credentials:
            return cleaned  # the saved ones stay; they were checked when they were saved
        problems = schema_problems(provider.credentials_schema, new or {})
        if problems and "new_credentials" not in self.errors:
            # Only the path and the rule, never the value: the schema's message quotes it.
            self.add_error(
                "new_credentials",
                f"The credentials are not right for {provider.title}: "
                + _credential_problem(provider.credentials_schema, new or {}),
            )
        return cleaned


def _credential_problem(schema: dict, value: dict) -> str:
    from jsonschema import Draft202012Validator

    error = next(iter(Draft202012Validator(schema).iter_errors(value)))
    where = "/".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in value]
        return f"{', '.join(missing)} is needed."
    return f"{where or 'the credentials'} does not meet the rule {error.validator!r}."


class CollectorRunInline(admin.TabularInline):
    """The collector's recent runs, newest first (read-only: runs are history)."""

    model = CollectorRun
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    fields = ["started_at", "trigger", "status", "periods", "records", "retries", "message"]
    readonly_fields = fields
    ordering = ["-started_at", "-pk"]

    #: How many runs the change page shows; the run list has the rest.
    recent = 20

    def get_formset(self, request, obj=None, **kwargs):
        # The admin asks for the formset before its queryset, with the collector: kept
        # on the request so the queryset can be the latest runs of this one collector.
        request._collector_for_runs = obj
        return super().get_formset(request, obj, **kwargs)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        obj = getattr(request, "_collector_for_runs", None)
        if obj is None or obj.pk is None:
            return qs.none()
        latest = qs.filter(collector=obj).order_by("-started_at", "-pk")[: self.recent]
        return qs.filter(pk__in=list(latest.values_list("pk", flat=True)))

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Collector)
class CollectorAdmin(AuditedAdmin, admin.ModelAdmin):
    """Collectors: their settings, write-only credentials, state and recent runs."""

    audit_name = "collector"
    form = CollectorForm
    list_display = [
        "name",
        "data_set",
        "provider_title",
        "state",
        "last_run_at",
        "next_run_at",
        "enabled",
    ]
    list_filter = ["state", "provider", "enabled", "frequency"]
    search_fields = ["name", "data_set__data_group__name", "data_set__data_type__name"]
    autocomplete_fields = ["data_set"]
    readonly_fields = [
        "credentials_saved",
        "state",
        "last_run_at",
        "last_success_at",
        "next_run_at",
        "last_error",
        "failures",
        "broken_since",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "data_set", "provider", "endpoint", "enabled"]}),
        ("Credentials", {"fields": ["credentials_saved", "new_credentials"]}),
        ("What to fetch", {"fields": ["query", "mapping", "frequency", "every_seconds"]}),
        (
            "State",
            {
                "fields": [
                    "state",
                    "last_run_at",
                    "last_success_at",
                    "next_run_at",
                    "last_error",
                    "failures",
                    "broken_since",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]
    inlines = [CollectorRunInline]
    actions = ["run_now", "mark_working"]

    @admin.display(description="provider", ordering="provider")
    def provider_title(self, obj):
        return obj.provider_title

    @admin.display(description="credentials saved")
    def credentials_saved(self, obj):
        """Whether credentials are saved; their value is never shown."""
        if obj is None or not obj.pk:
            return "No"
        return "Yes (encrypted; not shown)" if obj.has_credentials else "No"

    def save_model(self, request, obj, form, change):
        new = form.cleaned_data.get("new_credentials")
        if new is not None:
            obj.replace_credentials(new, timezone.now())
        super().save_model(request, obj, form, change)
        if form.provider_warning:
            messages.warning(request, form.provider_warning)

    @admin.action(description="Run now")
    def run_now(self, request, queryset):
        """Queue a run of each selected collector for the worker."""
        names = []
        for collector in queryset:
            run_collector_task.enqueue(collector.pk)
            audit.record("collector.run", request=request, target=collector)
            names.append(collector.name)
        self.message_user(
            request, f"Queued a run of {len(names)} collector(s): {', '.join(names)}."
        )

    @admin.action(description="Mark as working again")
    def mark_working(self, request, queryset):
        """Clear a broken or failing state so the schedule runs it again now."""
        now = timezone.now()
        with transaction.atomic():
            changed = queryset.exclude(state__in=[Collector.State.NEW, Collector.State.WORKING])
            count = 0
            for collector in changed:
                collector.state = (
                    Collector.State.WORKING if collector.last_success_at else Collector.State.NEW
                )
                collector.failures = 0
                collector.broken_since = None
                collector.next_run_at = now
                collector.save(
                    update_fields=["state", "failures", "broken_since", "next_run_at", "updated_at"]
                )
                audit.record("collector.reset", request=request, target=collector)
                count += 1
        self.message_user(request, f"{count} collector(s) will run again on their schedule.")


@admin.register(CollectorRun)
class CollectorRunAdmin(admin.ModelAdmin):
    """The history of collector runs (read-only)."""

    list_display = ["collector", "started_at", "trigger", "status", "records", "retries"]
    list_filter = ["status", "trigger"]
    search_fields = ["collector__name", "message"]
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
