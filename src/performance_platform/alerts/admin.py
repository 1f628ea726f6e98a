"""The Django admin's read-only view of what was sent: alerts and weekly summaries."""

from django.contrib import admin

from .models import Alert, EmailOptOut, SummarySent, SummaryWeek


class ReadOnly(admin.ModelAdmin):
    """A record of what happened: looked at, never changed by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnly):
    list_display = ["data_set", "kind", "sent_at", "recipients", "seconds_out_of_date"]
    list_filter = ["kind"]
    search_fields = ["data_set__name"]
    date_hierarchy = "sent_at"


@admin.register(SummaryWeek)
class SummaryWeekAdmin(ReadOnly):
    list_display = ["week", "started_at", "finished_at"]


@admin.register(SummarySent)
class SummarySentAdmin(ReadOnly):
    list_display = ["week", "user", "sent_at", "dashboards"]
    search_fields = ["user__email"]


@admin.register(EmailOptOut)
class EmailOptOutAdmin(ReadOnly):
    list_display = ["user", "kind", "at"]
    list_filter = ["kind"]
    search_fields = ["user__email"]
