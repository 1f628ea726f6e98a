"""The manager's hub: every change a service manager or uploader makes from ``/manage``.

Plain functions, one per change. Each runs in one transaction with its audit row, so a
change that fails leaves nothing behind, and a change that lands is always in the audit
trail. Permissions are checked by the views (``permissions.dashboard_or_404`` and
``data_set_or_404``) before any of these is called.

The four standard KPI modules are defined in :mod:`.standard`, the one definition that
approving a dashboard request uses too: a module added here, with the period and (for
digital take-up) the channels the manager chooses, is the module approval would have made
for a service sending figures that often, and the data set it makes is the one approval
would have made.
"""

import logging

from django.db import transaction
from django.db.models import Max

from performance_platform.accounts import audit, invitations
from performance_platform.accounts.models import DataSetAccess, Membership, User
from performance_platform.datastore.models import (
    DataGroup,
    DataSet,
    DataType,
    WriteToken,
)
from performance_platform.kpis import standard as kpi_standard

from . import permissions
from .models import Annotation, Dashboard, Module
from .standard import CADENCE_OF_PERIOD, STANDARD, StandardModule, make_module, module_spec

log = logging.getLogger(__name__)


class InvitationNotSent(Exception):
    """The invitation email to a new uploader could not be sent; nothing was stored."""


# ---------------------------------------------------------------------------------------
# Reading


def data_sets_of(dashboard: Dashboard):
    """The data sets ``dashboard`` reads (the rule of ``permissions.read_by``)."""
    reads = permissions.read_by(Dashboard.objects.filter(pk=dashboard.pk))
    return DataSet.objects.filter(reads).select_related("data_group", "data_type").distinct()


def _short(value, limit: int = 200):
    """A value as the audit's detail keeps it: text cut to ``limit`` characters."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "…"
    return value


# ---------------------------------------------------------------------------------------
# Details and annotations

#: The fields the details page edits, in the order the audit names them.
DETAIL_FIELDS = ("title", "description", "costs", "customer_type", "business_model", "links")


def change_details(dashboard: Dashboard, values: dict, *, request) -> dict:
    """Set the details in ``values`` (checked by the form) and audit what changed.

    Returns ``{field: [old, new]}`` for the fields that changed ({} saves nothing).
    """
    changed = {
        name: [getattr(dashboard, name), values[name]]
        for name in DETAIL_FIELDS
        if name in values and getattr(dashboard, name) != values[name]
    }
    if not changed:
        return {}
    with transaction.atomic():
        for name, (_old, new) in changed.items():
            setattr(dashboard, name, new)
        dashboard.full_clean()
        dashboard.save(update_fields=[*changed, "updated_at"])
        audit.record(
            "dashboard.change",
            target=dashboard,
            organisation_id=dashboard.organisation_id,
            detail={
                "changed": {
                    name: [_short(old), _short(new)] for name, (old, new) in changed.items()
                }
            },
            request=request,
        )
    return changed


def add_annotation(dashboard: Dashboard, *, date, text: str, link: str, request) -> Annotation:
    """Add a dated note to ``dashboard`` (marked on its charts), audited."""
    with transaction.atomic():
        annotation = Annotation(dashboard=dashboard, date=date, text=text, link=link)
        annotation.full_clean()
        annotation.save()
        audit.record(
            "annotation.add",
            target=dashboard,
            organisation_id=dashboard.organisation_id,
            detail={"date": date.isoformat(), "text": text, "link": link},
            request=request,
        )
    return annotation


def remove_annotation(annotation: Annotation, *, request) -> None:
    """Remove an annotation from its dashboard, audited."""
    dashboard = annotation.dashboard
    with transaction.atomic():
        detail = {"date": annotation.date.isoformat(), "text": annotation.text}
        annotation.delete()
        audit.record(
            "annotation.remove",
            target=dashboard,
            organisation_id=dashboard.organisation_id,
            detail=detail,
            request=request,
        )


# ---------------------------------------------------------------------------------------
# The standard KPI modules (defined in :mod:`.standard`, as approval makes them)


def missing_standard(dashboard: Dashboard) -> list[StandardModule]:
    """The standard KPI modules ``dashboard`` does not have (by slug)."""
    present = set(dashboard.modules.values_list("slug", flat=True))
    return [m for m in STANDARD.values() if m.slug not in present]


def _data_group(dashboard: Dashboard) -> DataGroup:
    """The group a dashboard's standard modules read: its KPI group, or one named after it."""
    if dashboard.kpi_group_id:
        return dashboard.kpi_group
    group, _ = DataGroup.objects.get_or_create(name=dashboard.slug)
    return group


def top_level_modules(dashboard: Dashboard):
    """The dashboard's top-level modules, in the order the public page shows them."""
    return Module.objects.filter(dashboard=dashboard, parent__isnull=True).order_by("order", "pk")


def add_standard_module(
    dashboard: Dashboard, standard: StandardModule, *, period: str, channels=(), request
) -> Module:
    """Add a standard KPI module at the end of ``dashboard``, checked against its type's
    schema: the module approval makes for figures sent each ``period``. Makes the raw data
    set the service sends for it if the dashboard's group has none yet (so tokens can be
    made for it), with the settings approval gives it, and the group's KPI transforms for
    that data if it lacks them. Audited as ``module.add`` (and ``data_set.create``)."""
    if period not in standard.periods:
        raise ValueError(f"{standard.title} cannot be shown by {period}")
    cadence = CADENCE_OF_PERIOD[period]
    spec = module_spec(standard, cadence, channels=channels)
    with transaction.atomic():
        group = _data_group(dashboard)
        _input_data_set(dashboard, group, standard, cadence, request=request)
        # The KPI transforms approval would have made for this data, if the group lacks
        # them: without them a chart of a KPI's computed data would stay empty.
        transforms = [
            kpi_standard.make_transform(entry)
            for entry in kpi_standard.missing_transforms(
                group.name, standard.input_type, cadence=cadence
            )
        ]
        last = top_level_modules(dashboard).aggregate(last=Max("order"))["last"]
        module = make_module(dashboard, group, spec, order=0 if last is None else last + 1)
        audit.record(
            "module.add",
            target=module,
            organisation_id=dashboard.organisation_id,
            detail={
                "type": module.type,
                "period": period,
                "channels": list(channels),
                "transforms": [f"{t.type} → {t.output_type.name}" for t in transforms],
            },
            request=request,
        )
    return module


def _input_data_set(
    dashboard: Dashboard, group: DataGroup, standard: StandardModule, cadence: str, *, request
) -> DataSet:
    """The group's data set of the module's raw data, made (as approval makes it) if missing."""
    data_type, _ = DataType.objects.get_or_create(name=standard.input_type)
    data_set = DataSet.objects.filter(data_group=group, data_type=data_type).first()
    if data_set is not None:
        return data_set
    data_set = kpi_standard.new_data_set(group, data_type.name, cadence)
    audit.record(
        "data_set.create",
        target=data_set,
        organisation_id=dashboard.organisation_id,
        detail={
            "for": f"{dashboard.slug}/{standard.slug}",
            "max_age_expected": data_set.max_age_expected,
        },
        request=request,
    )
    return data_set


def remove_module(module: Module, *, request) -> None:
    """Remove a module (and anything inside it) from its dashboard, audited."""
    dashboard = module.dashboard
    with transaction.atomic():
        detail = {"slug": module.slug, "type": module.type, "title": module.title}
        name = str(module)
        module.delete()
        audit.record(
            "module.remove",
            target_type="module",
            target_id=detail["slug"],
            target_repr=name,
            organisation_id=dashboard.organisation_id,
            detail=detail,
            request=request,
        )


def move_module(module: Module, direction: str, *, request) -> bool:
    """Swap a top-level module with its neighbour above (``up``) or below (``down``).

    The dashboard's top-level modules are numbered 0, 1, 2… first, so equal ``order``
    values (common in imported dashboards) still move. Returns False at either end.
    """
    if direction not in ("up", "down"):
        raise ValueError("direction must be up or down")
    dashboard = module.dashboard
    with transaction.atomic():
        modules = list(top_level_modules(dashboard).select_for_update())
        ids = [m.pk for m in modules]
        if module.pk not in ids:
            return False
        at = ids.index(module.pk)
        to = at - 1 if direction == "up" else at + 1
        if not 0 <= to < len(modules):
            return False
        modules[at], modules[to] = modules[to], modules[at]
        for index, each in enumerate(modules):
            if each.order != index:
                each.order = index
                each.save(update_fields=["order"])
        audit.record(
            "module.change",
            target=module,
            organisation_id=dashboard.organisation_id,
            detail={"moved": direction, "position": [at + 1, to + 1]},
            request=request,
        )
    return True


# ---------------------------------------------------------------------------------------
# Tokens and uploaders' access


def _organisation_id(data_set: DataSet, user) -> int | None:
    """The organisation a data-set change is audited under: one the actor manages, or the
    first of those whose dashboards read it."""
    orgs = permissions.organisations_of(data_set)
    mine = orgs & permissions.organisation_ids(user, permissions.Role.SERVICE_MANAGER)
    return min(mine or orgs) if (mine or orgs) else None


def create_token(data_set: DataSet, label: str, *, request) -> tuple[WriteToken, str]:
    """Issue a write token for ``data_set``; returns the row and the secret (shown once)."""
    with transaction.atomic():
        token, secret = WriteToken.issue(data_set, label)
        audit.record(
            "token.create",
            target=data_set,
            organisation_id=_organisation_id(data_set, request.user),
            detail={"label": label, "prefix": token.prefix, "token_id": token.pk},
            request=request,
        )
    return token, secret


def revoke_token(token: WriteToken, *, request) -> bool:
    """Stop ``token`` working; False if it was revoked already (nothing is recorded)."""
    if token.revoked_at is not None:
        return False
    with transaction.atomic():
        token.revoke()
        audit.record(
            "token.revoke",
            target=token.data_set,
            organisation_id=_organisation_id(token.data_set, request.user),
            detail={"label": token.label, "prefix": token.prefix, "token_id": token.pk},
            request=request,
        )
    return True


def grant_access(data_set: DataSet, email: str, *, name: str = "", request) -> DataSetAccess:
    """Give the person with ``email`` uploader access to ``data_set``.

    Someone without an account gets one (no usable password), a data-uploader role in the
    organisation whose dashboard reads the data set, and an invitation to set a password.
    Returns the access (an existing one unchanged). Raises :class:`InvitationNotSent`
    (having stored nothing) when the invitation cannot be sent.
    """
    actor = request.user
    org_id = _organisation_id(data_set, actor)
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        created = user is None
        if created:
            user = User.objects.create_user(email=email, password=None, name=name)
            if org_id is not None:
                Membership.objects.get_or_create(
                    user=user, organisation_id=org_id, role=Membership.Role.DATA_UPLOADER
                )
                audit.record(
                    "membership.add",
                    target=user,
                    organisation_id=org_id,
                    detail={"role": Membership.Role.DATA_UPLOADER},
                    request=request,
                )
        access, new = DataSetAccess.objects.get_or_create(
            user=user, data_set=data_set, defaults={"granted_by": actor}
        )
        if new:
            audit.record(
                "access.grant",
                target=data_set,
                organisation_id=org_id,
                detail={"user": user.email, "new_account": created},
                request=request,
            )
        if created:
            # Inside the transaction: if the email cannot be sent, no account is left
            # behind that its owner could never activate.
            try:
                invitations.invite(
                    user,
                    invited_by=actor,
                    why=f"to send data to the {data_set.name} data set",
                    request=request,
                )
            except Exception as exc:  # any mail backend's failure (SMTP, Notify, files)
                log.exception("the invitation to %s could not be sent", email)
                raise InvitationNotSent(str(exc)) from exc
    return access


def revoke_access(access: DataSetAccess, *, request) -> None:
    """Take an uploader's access to a data set away (their account stays), audited."""
    data_set = access.data_set
    with transaction.atomic():
        email = access.user.email
        access.delete()
        audit.record(
            "access.revoke",
            target=data_set,
            organisation_id=_organisation_id(data_set, request.user),
            detail={"user": email},
            request=request,
        )
