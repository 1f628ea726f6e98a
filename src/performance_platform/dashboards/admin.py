"""Organisations, dashboards, modules and annotations in Django admin.

Modules are edited inline on their dashboard; each is checked against its type's
option schema when saved, and a bad one is refused with the option named.
"""

from django.contrib import admin

from .admin_audit import AuditedDashboardAdmin
from .models import Annotation, Dashboard, Module, Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "abbreviation", "type", "parent"]
    list_filter = ["type"]
    search_fields = ["name", "abbreviation", "slug"]


class ModuleInline(admin.StackedInline):
    model = Module
    fk_name = "dashboard"
    extra = 0
    fields = [
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


class AnnotationInline(admin.TabularInline):
    model = Annotation
    extra = 0


@admin.register(Dashboard)
class DashboardAdmin(AuditedDashboardAdmin, admin.ModelAdmin):
    list_display = ["title", "slug", "dashboard_type", "organisation", "status", "updated_at"]
    list_filter = ["status", "dashboard_type"]
    search_fields = ["title", "slug"]
    inlines = [ModuleInline, AnnotationInline]
