"""Audit rows for changes made in the Django admin: one mixin per ModelAdmin.

The admin's own ``LogEntry`` keeps no copy of what it describes and is not the platform's
audit trail; this mixin writes ``accounts.AuditEvent`` rows (through ``audit.record``)
inside the same transaction as the change, so a change that is rolled back leaves no row.
It is applied with one line per ModelAdmin (``class X(AuditedAdmin, admin.ModelAdmin)``)
so the admins themselves stay as they are.
"""

from django.db import transaction

from performance_platform.accounts import audit


class AuditedAdmin:
    """Records ``<audit_name>.create|change|delete`` for saves and deletes in the admin."""

    #: The first part of the audit action ("data_set" → "data_set.create", ...).
    audit_name: str = ""

    def audit_organisation(self, obj) -> int | None:
        """The organisation the object belongs to, if it has one (for the audit filter)."""
        return getattr(obj, "organisation_id", None)

    def audit_target(self, obj) -> dict:
        """How the audit row names ``obj``: its type, id and a readable name."""
        return {"target": obj}

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            detail = {"fields": changed_fields(form)} if change else {}
            audit.record(
                f"{self.audit_name}.{'change' if change else 'create'}",
                request=request,
                organisation_id=self.audit_organisation(obj),
                detail=detail,
                **self.audit_target(obj),
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._record_delete(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        """The change list's "delete selected": one audit row per object deleted."""
        with transaction.atomic():
            for obj in queryset:
                self._record_delete(request, obj)
            super().delete_queryset(request, queryset)

    def _record_delete(self, request, obj) -> None:
        # Recorded before the delete, while the object still has its id and name.
        audit.record(
            f"{self.audit_name}.delete",
            request=request,
            organisation_id=self.audit_organisation(obj),
            **self.audit_target(obj),
        )


def changed_fields(form) -> list[str]:
    """The fields whose value differs from the one the form started with.

    ``form.changed_data`` counts a JSON field as changed when its text differs, even when
    the value is the same, so the values themselves are compared (models by their key).
    """

    def plain(value):
        return getattr(value, "pk", value)

    return sorted(
        name
        for name in form.changed_data
        if plain(form.initial.get(name)) != plain(form.cleaned_data.get(name))
    )
