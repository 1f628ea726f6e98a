"""Deciding a dashboard request: approval makes everything the service needs, at once.

:func:`approve` runs in ONE transaction: the organisation (if new), the dashboard (a
draft), a data set per KPI with its ``auto_ids``, schema and freshness for the chosen
cadence, the KPI transforms, the standard KPI modules, and the accounts (the requester
as service manager, the uploaders as data uploaders with access to the data sets they
send). Either all of it is stored, with its audit rows, or none of it is, and the admin
is told why. Emails (the invitations, the outcome) go only after the commit.

The data sets and transforms are the standard ones (:mod:`performance_platform.kpis.standard`,
which the demo uses too); the modules are the four KPIs' standard modules and the
transactions by channel (:mod:`performance_platform.dashboards.standard`). The manager's
hub adds a missing standard module from the same definitions, so a module (and the data
set it makes) is the same whether approval or the hub made it.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from performance_platform.accounts import audit, invitations, mail
from performance_platform.accounts.models import DataSetAccess, Membership, User
from performance_platform.dashboards import standard as dashboard_standard
from performance_platform.dashboards.models import (
    RESERVED_SLUGS,
    Dashboard,
    Module,
    Organisation,
)
from performance_platform.datastore.models import DataGroup, DataSet, default_name
from performance_platform.kpis import standard
from performance_platform.kpis.models import Transform

from .models import DashboardRequest

R = DashboardRequest
Role = Membership.Role
_SLUG_LENGTH = 80


class ProvisioningError(Exception):
    """Approval could not make what it needed; nothing was stored. The message says why."""


class AlreadyDecided(ProvisioningError):
    """The request was approved or declined before."""


@dataclass
class Outcome:
    """What approval made (for the admin's message and the requester's email)."""

    dashboard: Dashboard
    organisation: Organisation
    organisation_created: bool
    data_sets: list[DataSet] = field(default_factory=list)
    transforms: list[Transform] = field(default_factory=list)
    modules: list[Module] = field(default_factory=list)
    new_users: list[User] = field(default_factory=list)
    existing_users: list[User] = field(default_factory=list)


# --- what a request needs -------------------------------------------------------------


def data_types_for(req: DashboardRequest) -> dict[str, bool]:
    """The raw data types the service's dashboard reads, each with whether the service's
    own people send it (so its uploaders need access to it)."""
    return {
        "transactions-by-channel": True,  # a spreadsheet or the API: sent by the service
        "cost-per-transaction": req.cost_source == R.CostSource.SPREADSHEET,
        "customer-satisfaction": req.satisfaction_source == R.SatisfactionSource.OTHER,
        "journey": req.completion_source == R.CompletionSource.API,
    }


def _free_slug(text: str, taken) -> str:
    """A slug from ``text`` that ``taken(slug)`` says is free (``-2``, ``-3``... added)."""
    base = slugify(text)[:_SLUG_LENGTH].strip("-") or "service"
    if not base[0].isalpha():
        base = f"service-{base}"[:_SLUG_LENGTH].strip("-")
    slug, n = base, 1
    while taken(slug):
        n += 1
        slug = f"{base[: _SLUG_LENGTH - len(str(n)) - 1].rstrip('-')}-{n}"
    return slug


def _dashboard_slug_taken(slug: str) -> bool:
    """Whether a dashboard, a site page or someone's data group has the slug already."""
    return (
        slug in RESERVED_SLUGS
        or Dashboard.objects.filter(slug=slug).exists()
        or DataSet.objects.filter(data_group__name=slug).exists()
        or Dashboard.objects.filter(kpi_group__name=slug).exists()
    )


def proposed_slug(req: DashboardRequest) -> str:
    """The dashboard's slug if the request were approved now (shown before approval)."""
    return _free_slug(req.service_name, _dashboard_slug_taken)


def hub_path(dashboard: Dashboard) -> str:
    """The dashboard's page in the manager's hub (built by the ``manage`` app)."""
    return f"/manage/dashboards/{dashboard.slug}"


# --- approval ---------------------------------------------------------------------------


def approve(req: DashboardRequest, *, actor: User, reason: str = "", request=None) -> Outcome:
    """Approve ``req`` and make its dashboard and everything with it (see the module).

    Raises :class:`AlreadyDecided` if it was decided before, :class:`ProvisioningError`
    if something cannot be made (a name clash): then nothing at all is stored.
    """
    try:
        with transaction.atomic():
            locked = DashboardRequest.objects.select_for_update().get(pk=req.pk)
            if not locked.is_pending:
                raise AlreadyDecided(
                    f"This request was already {locked.get_status_display().lower()}."
                )
            outcome = _provision(locked, actor=actor, request=request)
            locked.status = R.Status.APPROVED
            locked.decided_by = actor
            locked.decided_at = timezone.now()
            locked.decision_reason = reason
            locked.dashboard = outcome.dashboard
            locked.save()
            audit.record(
                "request.approve",
                actor=actor,
                target=locked,
                organisation_id=outcome.organisation.pk,
                detail={
                    "dashboard": outcome.dashboard.slug,
                    "organisation": outcome.organisation.slug,
                    "organisation_created": outcome.organisation_created,
                    "new_accounts": [u.email for u in outcome.new_users],
                    "reason": reason[:500],
                },
                request=request,
            )
            transaction.on_commit(lambda: _after_approval(locked, outcome, actor, request))
    except (ValidationError, IntegrityError) as exc:
        raise ProvisioningError(_describe(exc)) from exc
    req.refresh_from_db()
    return outcome


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "message_dict"):
            parts = [f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()]
        else:
            parts = exc.messages
        return "Something the request asks for is not valid: " + "; ".join(parts)[:500]
    return f"The database refused the change: {str(exc)[:300]}"


def _provision(req: DashboardRequest, *, actor: User, request) -> Outcome:
    organisation, created = _organisation(req, actor=actor, request=request)
    slug = _free_slug(req.service_name, _dashboard_slug_taken)
    group, _ = DataGroup.objects.get_or_create(name=slug)
    dashboard = Dashboard(
        slug=slug,
        title=req.service_name,
        dashboard_type="transaction",
        organisation=organisation,
        status=Dashboard.Status.DRAFT,
        strapline="Service dashboard",
        description=req.service_description,
        links=[{"title": req.service_name, "url": req.start_page_url, "type": "transaction"}],
        kpi_group=group,
    )
    dashboard.full_clean()
    dashboard.save()
    audit.record(
        "dashboard.create",
        actor=actor,
        target=dashboard,
        organisation_id=organisation.pk,
        detail={"request": req.reference, "status": dashboard.status},
        request=request,
    )
    outcome = Outcome(dashboard=dashboard, organisation=organisation, organisation_created=created)
    sent_by_service = []
    for data_type, sent in data_types_for(req).items():
        data_set = _data_set(group, data_type, req.cadence, actor=actor, request=request)
        outcome.data_sets.append(data_set)
        if sent:
            sent_by_service.append(data_set)
    for entry in standard.transforms_for_group(
        group.name, set(data_types_for(req)), cadence=req.cadence
    ):
        outcome.transforms.append(standard.make_transform(entry))
    outcome.modules = _modules(dashboard, group, req.cadence)
    _accounts(req, organisation, sent_by_service, outcome, actor=actor, request=request)
    return outcome


def _organisation(req: DashboardRequest, *, actor, request) -> tuple[Organisation, bool]:
    if req.organisation_id:
        return req.organisation, False
    name = req.new_organisation_name.strip()
    if not name:
        raise ProvisioningError(
            "The request names no organisation (the one chosen may have been deleted)."
        )
    same = Organisation.objects.filter(name__iexact=name).first()
    if same is not None:
        return same, False  # added since the request was made
    slug = _free_slug(name, lambda s: Organisation.objects.filter(slug=s).exists())
    organisation = Organisation(slug=slug, name=name[:256], type="agency")
    organisation.full_clean()
    organisation.save()
    return organisation, True


def _data_set(group: DataGroup, data_type: str, cadence: str, *, actor, request) -> DataSet:
    name = default_name(group.name, data_type)
    clash = DataSet.objects.filter(name=name).select_related("data_group", "data_type").first()
    if clash is not None:
        raise ProvisioningError(
            f"A data set named {name} already exists ({clash.data_group.name}/"
            f"{clash.data_type.name}), so this dashboard's data sets cannot be made. "
            "Rename or remove that data set, then approve again."
        )
    data_set = standard.new_data_set(group, data_type, cadence, name=name)
    audit.record(
        "data_set.create",
        actor=actor,
        target=data_set,
        detail={"for": group.name, "max_age_expected": data_set.max_age_expected},
        request=request,
    )
    return data_set


def _modules(dashboard: Dashboard, group: DataGroup, cadence: str) -> list[Module]:
    return [
        dashboard_standard.make_module(dashboard, group, spec, order=order)
        for order, spec in enumerate(dashboard_standard.module_specs(cadence))
    ]


def _account(email: str, name: str, outcome: Outcome) -> User:
    """The user with ``email`` (any case), or a new one with no usable password."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, name=name[:200])
        outcome.new_users.append(user)
    elif user not in outcome.existing_users and user not in outcome.new_users:
        outcome.existing_users.append(user)
    return user


def _accounts(req, organisation, sent_by_service, outcome, *, actor, request) -> None:
    def member(user: User, role: str) -> None:
        _, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, role=role
        )
        if created:
            audit.record(
                "membership.add",
                actor=actor,
                target=user,
                organisation_id=organisation.pk,
                detail={"role": role, "request": req.reference},
                request=request,
            )

    manager = _account(req.contact_email, req.contact_name, outcome)
    member(manager, Role.SERVICE_MANAGER)
    for person in req.uploaders:
        user = _account(person["email"], person["name"], outcome)
        member(user, Role.DATA_UPLOADER)
        for data_set in sent_by_service:
            _, created = DataSetAccess.objects.get_or_create(
                user=user, data_set=data_set, defaults={"granted_by": actor}
            )
            if created:
                audit.record(
                    "access.grant",
                    actor=actor,
                    target=data_set,
                    organisation_id=organisation.pk,
                    detail={"user": user.email, "request": req.reference},
                    request=request,
                )


def _after_approval(req: DashboardRequest, outcome: Outcome, actor: User, request) -> None:
    """After the commit: invite the new accounts and tell the requester."""
    title = outcome.dashboard.title
    for user in outcome.new_users:
        is_manager = user.email.lower() == req.contact_email.lower()
        why = (
            f"to manage the {title} dashboard"
            if is_manager
            else f"to upload data for the {title} dashboard"
        )
        invitations.invite(user, invited_by=actor, why=why, request=request)
    mail.send(
        [req.contact_email],
        f"Your dashboard request {req.reference} is approved",
        "onboarding/email/approved.txt",
        {
            "req": req,
            "outcome": outcome,
            "hub_link": mail.absolute_url(hub_path(outcome.dashboard)),
            "new_account": any(
                u.email.lower() == req.contact_email.lower() for u in outcome.new_users
            ),
        },
    )


# --- declining --------------------------------------------------------------------------


def decline(req: DashboardRequest, *, actor: User, reason: str, request=None) -> None:
    """Decline ``req`` with ``reason`` (sent to the requester after the commit)."""
    if not reason.strip():
        raise ValueError("A reason is needed to decline a request")
    with transaction.atomic():
        locked = DashboardRequest.objects.select_for_update().get(pk=req.pk)
        if not locked.is_pending:
            raise AlreadyDecided(f"This request was already {locked.get_status_display().lower()}.")
        locked.status = R.Status.DECLINED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_reason = reason
        locked.save()
        audit.record(
            "request.decline",
            actor=actor,
            target=locked,
            organisation_id=locked.organisation_id,
            detail={"reason": reason[:500]},
            request=request,
        )
        transaction.on_commit(
            lambda: mail.send(
                [locked.contact_email],
                f"Your dashboard request {locked.reference} was declined",
                "onboarding/email/declined.txt",
                {"req": locked},
            )
        )
    req.refresh_from_db()
