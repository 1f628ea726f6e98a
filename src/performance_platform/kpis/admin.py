"""Transforms in Django admin, with their last success and last error in view."""

from django.contrib import admin

from .models import Transform


@admin.register(Transform)
class TransformAdmin(admin.ModelAdmin):
    list_display = ["__str__", "enabled", "last_success_at", "last_error_at", "short_error"]
    list_filter = ["type", "enabled"]
    readonly_fields = ["last_success_at", "last_error_at", "last_error"]
    fields = [
        "type",
        "input_group",
        "input_type",
        "query",
        "options",
        "output_group",
        "output_type",
        "enabled",
        "last_success_at",
        "last_error_at",
        "last_error",
    ]

    @admin.display(description="last error")
    def short_error(self, obj):
        return obj.last_error[:120]
