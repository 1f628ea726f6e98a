"""Who may do what to which object: every permission check of the signed-in pages.

Permissions are named actions (:class:`Action`), checked in one place (:func:`can`) against
the user's memberships (``accounts.Membership``): a role held in an organisation. Views ask
:func:`dashboard_or_404` and :func:`data_set_or_404` for the object, so a person who may
not see an object gets the same 404 as for one that does not exist, and one who may see it
but not act on it gets 403.

The rules, one line each (``docs/guide.md`` has them as a table):

* a **platform admin** may do everything;
* a **service manager** sees and edits their organisation's dashboards, makes preview links
  for them, sends them for review and withdraws them from review; they see those
  dashboards' data sets, upload to them, manage their tokens and give uploaders access to
  them;
* a **data uploader** sees, uploads to and manages the tokens of the data sets they are
  given (``accounts.DataSetAccess``), and nothing else;
* a **signer-off** sees their organisation's dashboards and approves or returns those that
  are in review (and may make preview links for those, to look before signing off).

State rules apply to everyone, admins included: a dashboard in review cannot be edited
(return it first); only an unlisted dashboard can be sent for review; only one in review
can be signed off or withdrawn; preview links are for dashboards not yet published; only a
published dashboard can be unpublished (publishing itself is by sign-off).
"""

from enum import StrEnum

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet, Subquery
from django.http import Http404

from performance_platform.accounts.models import DataSetAccess, Membership
from performance_platform.datastore.models import DataSet

from .models import Dashboard, Module

Role = Membership.Role
Status = Dashboard.Status


class Action(StrEnum):
    """Everything the signed-in pages let someone do, by name."""

    VIEW_DASHBOARD = "dashboard.view"
    EDIT_DASHBOARD = "dashboard.edit"
    PREVIEW_DASHBOARD = "dashboard.preview"  # make it unlisted; make or revoke preview links
    # (a signer-off may too, for a dashboard in review: to look at it before signing off)
    SUBMIT_DASHBOARD = "dashboard.submit"  # send an unlisted dashboard for review
    WITHDRAW_DASHBOARD = "dashboard.withdraw"  # take a dashboard back from review
    SIGN_OFF_DASHBOARD = "dashboard.sign_off"  # approve (publish) or return from review
    PUBLISH_DASHBOARD = "dashboard.publish"  # publish directly, or unpublish
    VIEW_DATA_SET = "data_set.view"
    UPLOAD_DATA_SET = "data_set.upload"
    MANAGE_TOKENS = "data_set.tokens"
    GRANT_ACCESS = "data_set.grant"  # give an uploader access to a data set
    REVIEW_REQUESTS = "requests.review"  # see, approve and decline dashboard requests
    VIEW_AUDIT = "audit.view"
    MANAGE_ALL_PREVIEW_LINKS = "preview_links.all"


#: Actions on the platform as a whole (no object): platform admins only.
PLATFORM_ACTIONS = frozenset(
    {Action.REVIEW_REQUESTS, Action.VIEW_AUDIT, Action.MANAGE_ALL_PREVIEW_LINKS}
)
DASHBOARD_ACTIONS = frozenset(a for a in Action if a.value.startswith("dashboard."))
DATA_SET_ACTIONS = frozenset(a for a in Action if a.value.startswith("data_set."))


def _roles(user) -> dict[int | None, set[str]]:
    """The user's roles by organisation id (None: a platform admin's, everywhere).

    Read once per request: the result is kept on the user object.
    """
    cached = getattr(user, "_pp_roles", None)
    if cached is not None:
        return cached
    roles: dict[int | None, set[str]] = {}
    if user is not None and user.is_authenticated and user.is_active:
        for org_id, role in Membership.objects.filter(user=user).values_list(
            "organisation_id", "role"
        ):
            roles.setdefault(org_id, set()).add(role)
    user._pp_roles = roles
    return roles


def forget(user) -> None:
    """Drop the roles kept on ``user`` (after its memberships change)."""
    if hasattr(user, "_pp_roles"):
        del user._pp_roles


def is_platform_admin(user) -> bool:
    """Whether ``user`` is an active platform admin (a superuser counts as one)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser) or Role.PLATFORM_ADMIN in _roles(user).get(None, set())


def organisation_ids(user, *roles: str) -> set[int]:
    """Ids of the organisations where ``user`` holds any of ``roles``."""
    return {
        org_id
        for org_id, held in _roles(user).items()
        if org_id is not None and held.intersection(roles)
    }


def dashboards_for(user) -> QuerySet[Dashboard]:
    """Every dashboard ``user`` may see in the signed-in pages."""
    if is_platform_admin(user):
        return Dashboard.objects.all()
    orgs = organisation_ids(user, Role.SERVICE_MANAGER, Role.SIGNER_OFF)
    return Dashboard.objects.filter(organisation_id__in=orgs)


def read_by(dashboards: QuerySet[Dashboard]) -> Q:
    """A filter for the data sets ``dashboards`` read: those in their KPI group or in one of
    their modules' groups (the hub lists them; a manager may work with them)."""
    kpi = dashboards.exclude(kpi_group__isnull=True).values("kpi_group_id")
    modules = Module.objects.filter(dashboard__in=dashboards, data_group__isnull=False)
    return Q(data_group_id__in=Subquery(kpi)) | Q(
        data_group_id__in=Subquery(modules.values("data_group_id"))
    )


def data_sets_for(user) -> QuerySet[DataSet]:
    """Every data set ``user`` may see: an admin's all; a manager's, those their
    organisation's dashboards read; an uploader's, those they were given."""
    if is_platform_admin(user):
        return DataSet.objects.all()
    if user is None or not user.is_authenticated or not user.is_active:
        return DataSet.objects.none()
    managed = Dashboard.objects.filter(
        organisation_id__in=organisation_ids(user, Role.SERVICE_MANAGER)
    )
    given = Q(pk__in=DataSetAccess.objects.filter(user=user).values("data_set_id"))
    return DataSet.objects.filter(read_by(managed) | given).distinct()


def organisations_of(data_set: DataSet) -> set[int]:
    """Ids of the organisations whose dashboards read ``data_set``."""
    kpi = Dashboard.objects.filter(kpi_group_id=data_set.data_group_id)
    modules = Module.objects.filter(data_group_id=data_set.data_group_id)
    ids = set(kpi.exclude(organisation__isnull=True).values_list("organisation_id", flat=True))
    ids |= set(
        modules.exclude(dashboard__organisation__isnull=True).values_list(
            "dashboard__organisation_id", flat=True
        )
    )
    return ids


def owners_of(data_set: DataSet) -> list:
    """The active people told about ``data_set`` (a broken collector, stale data): the
    service managers of the organisations whose dashboards read it, and the uploaders
    given it. Sorted by email, each once."""
    managers = Membership.objects.filter(
        role=Role.SERVICE_MANAGER, organisation_id__in=organisations_of(data_set)
    ).values("user_id")
    uploaders = DataSetAccess.objects.filter(data_set=data_set).values("user_id")
    people = get_user_model().objects.filter(
        Q(pk__in=Subquery(managers)) | Q(pk__in=Subquery(uploaders)), is_active=True
    )
    return sorted(people.exclude(email=""), key=lambda user: user.email.lower())


def _can_dashboard(user, action: Action, dashboard: Dashboard) -> bool:
    # State rules first: they bind admins too.
    if action == Action.EDIT_DASHBOARD and dashboard.status == Status.IN_REVIEW:
        return False
    if action == Action.PREVIEW_DASHBOARD and dashboard.status == Status.PUBLISHED:
        return False  # a published dashboard needs no preview: its links lead to it
    if action == Action.SUBMIT_DASHBOARD and dashboard.status != Status.UNLISTED:
        return False
    if action in (Action.SIGN_OFF_DASHBOARD, Action.WITHDRAW_DASHBOARD) and (
        dashboard.status != Status.IN_REVIEW
    ):
        return False
    if action == Action.PUBLISH_DASHBOARD and dashboard.status != Status.PUBLISHED:
        return False  # publishing goes through sign-off; this is unpublishing
    if is_platform_admin(user):
        return True
    org = dashboard.organisation_id
    held = _roles(user).get(org, set()) if org else set()
    if Role.SERVICE_MANAGER in held and action in (
        Action.VIEW_DASHBOARD,
        Action.EDIT_DASHBOARD,
        Action.PREVIEW_DASHBOARD,
        Action.SUBMIT_DASHBOARD,
        Action.WITHDRAW_DASHBOARD,
    ):
        return True
    if Role.SIGNER_OFF in held and action in (Action.VIEW_DASHBOARD, Action.SIGN_OFF_DASHBOARD):
        return True
    if (
        Role.SIGNER_OFF in held
        and action == Action.PREVIEW_DASHBOARD
        and dashboard.status == Status.IN_REVIEW
    ):
        return True
    return False


def _can_data_set(user, action: Action, data_set: DataSet) -> bool:
    if is_platform_admin(user):
        return True
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    managed = organisation_ids(user, Role.SERVICE_MANAGER)
    if managed and managed & organisations_of(data_set):
        return True  # a manager may do every data-set action on their dashboards' data
    if action == Action.GRANT_ACCESS:
        return False
    return DataSetAccess.objects.filter(user=user, data_set=data_set).exists()


def can(user, action: Action | str, obj=None) -> bool:
    """Whether ``user`` may do ``action`` (to ``obj``, a dashboard or a data set)."""
    action = Action(action)
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if action in PLATFORM_ACTIONS:
        return is_platform_admin(user)
    if action in DASHBOARD_ACTIONS:
        if not isinstance(obj, Dashboard):
            raise TypeError(f"{action} needs a dashboard")
        return _can_dashboard(user, action, obj)
    if not isinstance(obj, DataSet):
        raise TypeError(f"{action} needs a data set")
    return _can_data_set(user, action, obj)


def require(user, action: Action | str, obj=None) -> None:
    """Raise ``PermissionDenied`` (403) unless ``user`` may do ``action`` to ``obj``."""
    if not can(user, action, obj):
        raise PermissionDenied(f"You cannot do that ({action}).")


def dashboard_or_404(user, slug: str, action: Action | str = Action.VIEW_DASHBOARD) -> Dashboard:
    """The dashboard ``slug`` if ``user`` may see it (else 404) and do ``action`` (else 403)."""
    dashboard = Dashboard.objects.filter(slug=slug).select_related("organisation").first()
    if dashboard is None or not can(user, Action.VIEW_DASHBOARD, dashboard):
        raise Http404("No such dashboard")
    require(user, action, dashboard)
    return dashboard


def data_set_or_404(user, name: str, action: Action | str = Action.VIEW_DATA_SET) -> DataSet:
    """The data set ``name`` if ``user`` may see it (else 404) and do ``action`` (else 403)."""
    data_set = DataSet.objects.filter(name=name).select_related("data_group", "data_type").first()
    if data_set is None or not can(user, Action.VIEW_DATA_SET, data_set):
        raise Http404("No such data set")
    require(user, action, data_set)
    return data_set
