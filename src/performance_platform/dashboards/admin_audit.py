"""Audit rows for dashboards and their modules changed in the Django admin.

Applied to ``DashboardAdmin`` with one line (its base classes), so the admin module itself
stays as it is. Modules are edited inline on their dashboard, so their rows come from
``save_formset``: ``module.add``, ``module.change`` and ``module.remove``.
"""

from performance_platform.accounts import audit
from performance_platform.datastore.admin_audit import AuditedAdmin, changed_fields

from .models import Module


class AuditedDashboardAdmin(AuditedAdmin):
    """``dashboard.create|change|delete`` (and ``dashboard.status`` when the status moves),
    and ``module.add|change|remove`` for the module inline."""

    audit_name = "dashboard"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "status" in form.changed_data:
            audit.record(
                "dashboard.status",
                request=request,
                target=obj,
                organisation_id=obj.organisation_id,
                detail={"from": form.initial.get("status"), "to": obj.status, "via": "admin"},
            )

    def save_formset(self, request, form, formset, change):
        # Deleting a module empties its id, so what the rows need is kept before the save.
        deleted = [(f.instance.pk, str(f.instance)) for f in formset.deleted_forms if f.instance.pk]
        super().save_formset(request, form, formset, change)
        if formset.model is not Module:
            return
        dashboard = form.instance
        where = {"organisation_id": dashboard.organisation_id, "request": request}
        for module in formset.new_objects:
            audit.record("module.add", target=module, detail=_on(dashboard), **where)
        changed = {obj.pk for obj, _ in formset.changed_objects}
        for module_form in formset.forms:
            module = module_form.instance
            if module.pk not in changed or module_form in formset.deleted_forms:
                continue
            fields = changed_fields(module_form)
            if fields:  # a form re-sent as it was is not a change
                detail = {**_on(dashboard), "fields": fields}
                audit.record("module.change", target=module, detail=detail, **where)
        for pk, name in deleted:
            audit.record(
                "module.remove",
                target_type="module",
                target_id=pk,
                target_repr=name,
                detail=_on(dashboard),
                **where,
            )


def _on(dashboard) -> dict:
    return {"dashboard": dashboard.slug}
