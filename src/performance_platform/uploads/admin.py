"""Uploads in the Django admin: to look at, not to change.

Storing, cancelling and rolling back check permissions, keep snapshots and audit what
they do, so they are done only on the upload pages (:mod:`.processing`); here every
field is read-only, and the file and snapshots are not shown (download the file from
the upload's page).
"""

from django.contrib import admin

from .models import Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = (
        "filename",
        "data_set_name",
        "uploaded_by_email",
        "status",
        "row_count",
        "stored_count",
        "created_at",
    )
    list_filter = ("status", "kind", "mode", "via", "file_format")
    search_fields = ("filename", "data_set_name", "uploaded_by_email")
    date_hierarchy = "created_at"
    exclude = ("stored_ids",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "stored_ids"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting an upload would lose what a rollback needs, and the history.
        return False
