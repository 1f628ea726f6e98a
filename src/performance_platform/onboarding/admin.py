"""Dashboard requests in the Django admin: to look at, not to decide.

Approving or declining makes the dashboard and emails people, so it is done only at
``/manage/requests`` (:mod:`.provisioning`); here every field is read-only.
"""

from django.contrib import admin

from .models import DashboardRequest


@admin.register(DashboardRequest)
class DashboardRequestAdmin(admin.ModelAdmin):
    list_display = ("reference", "service_name", "contact_email", "status", "created_at")
    list_filter = ("status", "cadence")
    search_fields = ("reference", "service_name", "contact_email", "contact_name")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
