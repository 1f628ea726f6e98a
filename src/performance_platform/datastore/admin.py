"""Django admin for platform staff: data sets, write tokens and the write audit trail."""

from django.contrib import admin, messages
from django.db import transaction

from performance_platform.accounts import audit

from . import rollups
from .admin_audit import AuditedAdmin
from .models import DataGroup, DataSet, DataType, WriteAudit, WriteToken, generate_token, hash_token


@admin.register(DataGroup, DataType)
class NameAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class WriteTokenInline(admin.TabularInline):
    model = WriteToken
    extra = 0
    fields = ["label", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["label", "prefix", "created_at", "last_used_at", "revoked_at"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # tokens are created on their own page, where the secret is shown once


@admin.register(DataSet)
class DataSetAdmin(AuditedAdmin, admin.ModelAdmin):
    audit_name = "data_set"
    list_display = [
        "name",
        "data_group",
        "data_type",
        "published",
        "queryable",
        "last_written_at",
        "is_stale",
    ]
    list_filter = ["published", "realtime", "queryable", "raw_queries_allowed"]
    search_fields = ["name", "data_group__name", "data_type__name"]
    readonly_fields = ["version", "last_written_at", "created_at"]

    @admin.display(boolean=True, description="stale")
    def is_stale(self, obj):
        """Older than max_age_expected (None when the data set is not monitored)."""
        return obj.freshness().stale if obj.max_age_expected is not None else None

    autocomplete_fields = ["data_group", "data_type"]
    inlines = [WriteTokenInline]

    def get_deleted_objects(self, objs, request):
        # A data set's tokens go with it. Tokens alone cannot be deleted (only revoked), and
        # without this the admin refused to delete any data set that had one; the write
        # audit keeps their labels and the data set's name either way.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(WriteToken._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"rollup", "dimensions"} & set(form.changed_data):
            rollups.rebuild(obj)


def _detail(token: WriteToken) -> dict:
    """What the audit trail says about a token: its label and prefix, never the secret."""
    return {"data_set": token.data_set.name, "label": token.label, "prefix": token.prefix}


@admin.register(WriteToken)
class WriteTokenAdmin(admin.ModelAdmin):
    list_display = ["data_set", "label", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["data_set__name", "label", "prefix"]
    fields = ["data_set", "label", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    autocomplete_fields = ["data_set"]
    actions = ["revoke_tokens"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "data_set"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            secret = generate_token()
            obj.token_hash = hash_token(secret)
            obj.prefix = secret[:6]
            with transaction.atomic():
                super().save_model(request, obj, form, change)
                audit.record("token.create", request=request, target=obj, detail=_detail(obj))
            messages.warning(
                request,
                f"The new token for {obj.data_set.name} is {secret} — copy it now; "
                "it is stored only as a hash and will not be shown again.",
            )
            return
        super().save_model(request, obj, form, change)
        if "revoked_at" in form.changed_data and obj.revoked_at is not None:
            # Revoked by setting its time (the change view's transaction holds both).
            audit.record("token.revoke", request=request, target=obj, detail=_detail(obj))

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead, so the audit trail keeps its label

    @admin.action(description="Revoke the selected tokens")
    def revoke_tokens(self, request, queryset):
        with transaction.atomic():
            rows = list(queryset.filter(revoked_at__isnull=True).select_related("data_set"))
            for row in rows:
                row.revoke()
                audit.record("token.revoke", request=request, target=row, detail=_detail(row))
        self.message_user(request, f"Revoked {len(rows)} token(s).")


@admin.register(WriteAudit)
class WriteAuditAdmin(admin.ModelAdmin):
    list_display = ["at", "data_set_name", "action", "record_count", "token_label", "source"]
    list_filter = ["action", "source"]
    # The copied name: it still finds the rows of a data set that has been deleted.
    search_fields = ["data_set_name", "token_label"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
