"""Who may do what: the table of role × action × object from issue 12, cell by cell.

The expected table is written out below, by hand, from the issue's rules; it is not
computed from ``dashboards.permissions``. ``Y`` is allowed, ``n`` refused, ``-`` does not
apply (a dashboard action on a data set, say; those raise ``TypeError``, tested below).

Columns: a dashboard of the organisation in each status (draft, unlisted, in review,
published); ``ours``, a data set that one of the organisation's dashboards reads; ``theirs``,
a data set read only by another organisation's dashboard; ``platform``, the actions on the
platform as a whole (no object).

Rows: a platform admin; a service manager of the organisation (``manager``) and of another
(``manager_elsewhere``, who works with ``theirs``); a data uploader of the organisation
given ``ours`` (``uploader_given``) and one given nothing (``uploader_not_given``); a
signer-off of the organisation and of another; someone not signed in; and a platform admin
whose account is inactive.

The rules, from the issue: a platform admin may do everything, publishing included; a
service manager sees and edits their organisation's dashboards, makes them unlisted (and
their preview links), sends them for review, and works with their data sets (uploads,
tokens, giving uploaders access); a data uploader uploads to and manages the tokens of the
data sets they are given, and nothing else; a signer-off sees their organisation's
dashboards and signs off those in review, and may make a preview link for one in review
(to look before signing off). For everyone, admins included: a dashboard in review cannot
be edited; a published one gets no preview links (its links lead to the public page); only
an unlisted one can be sent for review; only one in review can be signed off or withdrawn
(by its managers); "publish" is unpublishing, of a published dashboard only (publishing
itself is by sign-off).
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from performance_platform.accounts.models import Membership
from performance_platform.dashboards import permissions
from performance_platform.dashboards.models import Dashboard, Module, Organisation
from performance_platform.dashboards.permissions import Action
from performance_platform.datastore.models import DataGroup, DataSet, DataType

Role = Membership.Role

TABLE = """
role                 action             draft unlisted in_review published ours theirs platform
platform_admin       dashboard.view     Y     Y        Y         Y         -    -      -
platform_admin       dashboard.edit     Y     Y        n         Y         -    -      -
platform_admin       dashboard.preview  Y     Y        Y         n         -    -      -
platform_admin       dashboard.submit   n     Y        n         n         -    -      -
platform_admin       dashboard.sign_off n     n        Y         n         -    -      -
platform_admin       dashboard.withdraw n     n        Y         n         -    -      -
platform_admin       dashboard.publish  n     n        n         Y         -    -      -
platform_admin       data_set.view      -     -        -         -         Y    Y      -
platform_admin       data_set.upload    -     -        -         -         Y    Y      -
platform_admin       data_set.tokens    -     -        -         -         Y    Y      -
platform_admin       data_set.grant     -     -        -         -         Y    Y      -
platform_admin       requests.review    -     -        -         -         -    -      Y
platform_admin       audit.view         -     -        -         -         -    -      Y
platform_admin       preview_links.all  -     -        -         -         -    -      Y

manager              dashboard.view     Y     Y        Y         Y         -    -      -
manager              dashboard.edit     Y     Y        n         Y         -    -      -
manager              dashboard.preview  Y     Y        Y         n         -    -      -
manager              dashboard.submit   n     Y        n         n         -    -      -
manager              dashboard.sign_off n     n        n         n         -    -      -
manager              dashboard.withdraw n     n        Y         n         -    -      -
manager              dashboard.publish  n     n        n         n         -    -      -
manager              data_set.view      -     -        -         -         Y    n      -
manager              data_set.upload    -     -        -         -         Y    n      -
manager              data_set.tokens    -     -        -         -         Y    n      -
manager              data_set.grant     -     -        -         -         Y    n      -
manager              requests.review    -     -        -         -         -    -      n
manager              audit.view         -     -        -         -         -    -      n
manager              preview_links.all  -     -        -         -         -    -      n

manager_elsewhere    dashboard.view     n     n        n         n         -    -      -
manager_elsewhere    dashboard.edit     n     n        n         n         -    -      -
manager_elsewhere    dashboard.preview  n     n        n         n         -    -      -
manager_elsewhere    dashboard.submit   n     n        n         n         -    -      -
manager_elsewhere    dashboard.sign_off n     n        n         n         -    -      -
manager_elsewhere    dashboard.withdraw n     n        n         n         -    -      -
manager_elsewhere    dashboard.publish  n     n        n         n         -    -      -
manager_elsewhere    data_set.view      -     -        -         -         n    Y      -
manager_elsewhere    data_set.upload    -     -        -         -         n    Y      -
manager_elsewhere    data_set.tokens    -     -        -         -         n    Y      -
manager_elsewhere    data_set.grant     -     -        -         -         n    Y      -
manager_elsewhere    requests.review    -     -        -         -         -    -      n
manager_elsewhere    audit.view         -     -        -         -         -    -      n
manager_elsewhere    preview_links.all  -     -        -         -         -    -      n

uploader_given       dashboard.view     n     n        n         n         -    -      -
uploader_given       dashboard.edit     n     n        n         n         -    -      -
uploader_given       dashboard.preview  n     n        n         n         -    -      -
uploader_given       dashboard.submit   n     n        n         n         -    -      -
uploader_given       dashboard.sign_off n     n        n         n         -    -      -
uploader_given       dashboard.withdraw n     n        n         n         -    -      -
uploader_given       dashboard.publish  n     n        n         n         -    -      -
uploader_given       data_set.view      -     -        -         -         Y    n      -
uploader_given       data_set.upload    -     -        -         -         Y    n      -
uploader_given       data_set.tokens    -     -        -         -         Y    n      -
uploader_given       data_set.grant     -     -        -         -         n    n      -
uploader_given       requests.review    -     -        -         -         -    -      n
uploader_given       audit.view         -     -        -         -         -    -      n
uploader_given       preview_links.all  -     -        -         -         -    -      n

uploader_not_given   dashboard.view     n     n        n         n         -    -      -
uploader_not_given   dashboard.edit     n     n        n         n         -    -      -
uploader_not_given   dashboard.preview  n     n        n         n         -    -      -
uploader_not_given   dashboard.submit   n     n        n         n         -    -      -
uploader_not_given   dashboard.sign_off n     n        n         n         -    -      -
uploader_not_given   dashboard.withdraw n     n        n         n         -    -      -
uploader_not_given   dashboard.publish  n     n        n         n         -    -      -
uploader_not_given   data_set.view      -     -        -         -         n    n      -
uploader_not_given   data_set.upload    -     -        -         -         n    n      -
uploader_not_given   data_set.tokens    -     -        -         -         n    n      -
uploader_not_given   data_set.grant     -     -        -         -         n    n      -
uploader_not_given   requests.review    -     -        -         -         -    -      n
uploader_not_given   audit.view         -     -        -         -         -    -      n
uploader_not_given   preview_links.all  -     -        -         -         -    -      n

signer_off           dashboard.view     Y     Y        Y         Y         -    -      -
signer_off           dashboard.edit     n     n        n         n         -    -      -
signer_off           dashboard.preview  n     n        Y         n         -    -      -
signer_off           dashboard.submit   n     n        n         n         -    -      -
signer_off           dashboard.sign_off n     n        Y         n         -    -      -
signer_off           dashboard.withdraw n     n        n         n         -    -      -
signer_off           dashboard.publish  n     n        n         n         -    -      -
signer_off           data_set.view      -     -        -         -         n    n      -
signer_off           data_set.upload    -     -        -         -         n    n      -
signer_off           data_set.tokens    -     -        -         -         n    n      -
signer_off           data_set.grant     -     -        -         -         n    n      -
signer_off           requests.review    -     -        -         -         -    -      n
signer_off           audit.view         -     -        -         -         -    -      n
signer_off           preview_links.all  -     -        -         -         -    -      n

signer_off_elsewhere dashboard.view     n     n        n         n         -    -      -
signer_off_elsewhere dashboard.edit     n     n        n         n         -    -      -
signer_off_elsewhere dashboard.preview  n     n        n         n         -    -      -
signer_off_elsewhere dashboard.submit   n     n        n         n         -    -      -
signer_off_elsewhere dashboard.sign_off n     n        n         n         -    -      -
signer_off_elsewhere dashboard.withdraw n     n        n         n         -    -      -
signer_off_elsewhere dashboard.publish  n     n        n         n         -    -      -
signer_off_elsewhere data_set.view      -     -        -         -         n    n      -
signer_off_elsewhere data_set.upload    -     -        -         -         n    n      -
signer_off_elsewhere data_set.tokens    -     -        -         -         n    n      -
signer_off_elsewhere data_set.grant     -     -        -         -         n    n      -
signer_off_elsewhere requests.review    -     -        -         -         -    -      n
signer_off_elsewhere audit.view         -     -        -         -         -    -      n
signer_off_elsewhere preview_links.all  -     -        -         -         -    -      n

anonymous            dashboard.view     n     n        n         n         -    -      -
anonymous            dashboard.edit     n     n        n         n         -    -      -
anonymous            dashboard.preview  n     n        n         n         -    -      -
anonymous            dashboard.submit   n     n        n         n         -    -      -
anonymous            dashboard.sign_off n     n        n         n         -    -      -
anonymous            dashboard.withdraw n     n        n         n         -    -      -
anonymous            dashboard.publish  n     n        n         n         -    -      -
anonymous            data_set.view      -     -        -         -         n    n      -
anonymous            data_set.upload    -     -        -         -         n    n      -
anonymous            data_set.tokens    -     -        -         -         n    n      -
anonymous            data_set.grant     -     -        -         -         n    n      -
anonymous            requests.review    -     -        -         -         -    -      n
anonymous            audit.view         -     -        -         -         -    -      n
anonymous            preview_links.all  -     -        -         -         -    -      n

inactive_admin       dashboard.view     n     n        n         n         -    -      -
inactive_admin       dashboard.edit     n     n        n         n         -    -      -
inactive_admin       dashboard.preview  n     n        n         n         -    -      -
inactive_admin       dashboard.submit   n     n        n         n         -    -      -
inactive_admin       dashboard.sign_off n     n        n         n         -    -      -
inactive_admin       dashboard.withdraw n     n        n         n         -    -      -
inactive_admin       dashboard.publish  n     n        n         n         -    -      -
inactive_admin       data_set.view      -     -        -         -         n    n      -
inactive_admin       data_set.upload    -     -        -         -         n    n      -
inactive_admin       data_set.tokens    -     -        -         -         n    n      -
inactive_admin       data_set.grant     -     -        -         -         n    n      -
inactive_admin       requests.review    -     -        -         -         -    -      n
inactive_admin       audit.view         -     -        -         -         -    -      n
inactive_admin       preview_links.all  -     -        -         -         -    -      n
"""

COLUMNS = ["draft", "unlisted", "in_review", "published", "ours", "theirs", "platform"]
STATUSES = COLUMNS[:4]


def _cells() -> list[tuple[str, str, str, bool]]:
    cells = []
    lines = [line.split() for line in TABLE.strip().splitlines() if line.strip()]
    header, rows = lines[0], lines[1:]
    assert header == ["role", "action", *COLUMNS]
    for role, action, *marks in rows:
        assert len(marks) == len(COLUMNS), (role, action)
        for column, mark in zip(COLUMNS, marks, strict=True):
            assert mark in ("Y", "n", "-"), (role, action, column)
            if mark != "-":
                cells.append((role, action, column, mark == "Y"))
    return cells


CELLS = _cells()
ROLES = list(dict.fromkeys(role for role, *_ in CELLS))


def test_the_table_covers_every_role_action_and_object():
    assert ROLES == [
        "platform_admin",
        "manager",
        "manager_elsewhere",
        "uploader_given",
        "uploader_not_given",
        "signer_off",
        "signer_off_elsewhere",
        "anonymous",
        "inactive_admin",
    ]
    for role in ROLES:
        actions = {action for r, action, _, _ in CELLS if r == role}
        assert actions == {a.value for a in Action}, role
    # Every dashboard action has a cell for every status; every data-set action, both sets.
    for role, action in {(r, a) for r, a, _, _ in CELLS}:
        columns = {c for r, a, c, _ in CELLS if (r, a) == (role, action)}
        if action.startswith("dashboard."):
            assert columns == set(STATUSES)
        elif action.startswith("data_set."):
            assert columns == {"ours", "theirs"}
        else:
            assert columns == {"platform"}


class World:
    """An organisation with a dashboard in each status, another organisation with its
    own, their data sets, and a person in each role."""

    def __init__(self, make_user):
        org = Organisation.objects.create(slug="home-office", name="Home Office", type="department")
        elsewhere = Organisation.objects.create(slug="dwp", name="DWP", type="department")
        dtype = DataType.objects.create(name="transactions")
        ours_group = DataGroup.objects.create(name="renew-passport")
        theirs_group = DataGroup.objects.create(name="carers-allowance")
        self.objects = {
            "ours": DataSet.objects.create(name="ours", data_group=ours_group, data_type=dtype),
            "theirs": DataSet.objects.create(
                name="theirs", data_group=theirs_group, data_type=dtype
            ),
            "platform": None,
        }
        for status in STATUSES:
            self.objects[status] = Dashboard.objects.create(
                slug=f"ours-{status.replace('_', '-')}",
                title=f"Ours {status}",
                organisation=org,
                status=status,
                # The draft reads "ours" as its KPI group; the published one through a module.
                kpi_group=ours_group if status == "draft" else None,
            )
        Module.objects.create(
            dashboard=self.objects["published"],
            slug="volumes",
            type="kpi",
            title="Volumes",
            data_group=ours_group,
            data_type=dtype,
        )
        Dashboard.objects.create(
            slug="theirs",
            title="Theirs",
            organisation=elsewhere,
            status="published",
            kpi_group=theirs_group,
        )

        def person(name, roles=(), **fields):
            # No password: hashing one for every cell would only slow the table down.
            return make_user(email=f"{name}@example.gov.uk", password=None, roles=roles, **fields)

        inactive = person("inactive_admin", roles=[(Role.PLATFORM_ADMIN, None)])
        inactive.is_active = False
        inactive.save()
        self.people = {
            "platform_admin": person("platform_admin", roles=[(Role.PLATFORM_ADMIN, None)]),
            "manager": person("manager", roles=[(Role.SERVICE_MANAGER, org)]),
            "manager_elsewhere": person(
                "manager_elsewhere", roles=[(Role.SERVICE_MANAGER, elsewhere)]
            ),
            "uploader_given": person(
                "uploader_given",
                roles=[(Role.DATA_UPLOADER, org)],
                data_sets=[self.objects["ours"]],
            ),
            "uploader_not_given": person("uploader_not_given", roles=[(Role.DATA_UPLOADER, org)]),
            "signer_off": person("signer_off", roles=[(Role.SIGNER_OFF, org)]),
            "signer_off_elsewhere": person(
                "signer_off_elsewhere", roles=[(Role.SIGNER_OFF, elsewhere)]
            ),
            "anonymous": AnonymousUser(),
            "inactive_admin": inactive,
        }


@pytest.fixture
def world(make_user):
    return World(make_user)


@pytest.mark.parametrize(
    ("role", "action", "column", "allowed"),
    CELLS,
    ids=[f"{r}-{a}-{c}" for r, a, c, _ in CELLS],
)
def test_cell(world, role, action, column, allowed):
    assert permissions.can(world.people[role], action, world.objects[column]) is allowed


def _expected(role: str, action: str, column: str) -> bool:
    return next(ok for r, a, c, ok in CELLS if (r, a, c) == (role, action, column))


@pytest.mark.parametrize("role", ROLES)
def test_a_dashboard_is_404_to_whoever_may_not_see_it_and_403_to_whoever_may_not_act(world, role):
    user = world.people[role]
    for status in STATUSES:
        slug = world.objects[status].slug
        for action in permissions.DASHBOARD_ACTIONS:
            if not _expected(role, "dashboard.view", status):
                with pytest.raises(Http404):
                    permissions.dashboard_or_404(user, slug, action)
            elif not _expected(role, action.value, status):
                with pytest.raises(PermissionDenied):
                    permissions.dashboard_or_404(user, slug, action)
            else:
                assert permissions.dashboard_or_404(user, slug, action) == world.objects[status]


@pytest.mark.parametrize("role", ROLES)
def test_a_data_set_is_404_to_whoever_may_not_see_it_and_403_to_whoever_may_not_act(world, role):
    user = world.people[role]
    for column in ("ours", "theirs"):
        for action in permissions.DATA_SET_ACTIONS:
            if not _expected(role, "data_set.view", column):
                with pytest.raises(Http404):
                    permissions.data_set_or_404(user, column, action)
            elif not _expected(role, action.value, column):
                with pytest.raises(PermissionDenied):
                    permissions.data_set_or_404(user, column, action)
            else:
                assert permissions.data_set_or_404(user, column, action) == world.objects[column]


@pytest.mark.parametrize("role", ROLES)
def test_the_lists_hold_what_the_table_lets_each_person_see(world, role):
    user = world.people[role]
    dashboards = set(permissions.dashboards_for(user).filter(slug__startswith="ours-"))
    assert dashboards == {
        world.objects[s] for s in STATUSES if _expected(role, "dashboard.view", s)
    }
    data_sets = set(permissions.data_sets_for(user))
    assert data_sets == {
        world.objects[c] for c in ("ours", "theirs") if _expected(role, "data_set.view", c)
    }


def test_a_missing_dashboard_or_data_set_is_the_same_404(world):
    admin = world.people["platform_admin"]
    with pytest.raises(Http404):
        permissions.dashboard_or_404(admin, "no-such-dashboard")
    with pytest.raises(Http404):
        permissions.data_set_or_404(admin, "no_such_data_set")


def test_an_action_on_the_wrong_kind_of_object_is_a_programming_error(world):
    admin = world.people["platform_admin"]
    with pytest.raises(TypeError):
        permissions.can(admin, Action.EDIT_DASHBOARD, world.objects["ours"])
    with pytest.raises(TypeError):
        permissions.can(admin, Action.UPLOAD_DATA_SET, world.objects["draft"])
    with pytest.raises(ValueError):
        permissions.can(admin, "dashboard.explode", world.objects["draft"])


def test_losing_a_role_takes_its_permissions_away(world):
    manager = world.people["manager"]
    draft = world.objects["draft"]
    assert permissions.can(manager, Action.EDIT_DASHBOARD, draft)
    Membership.objects.filter(user=manager).delete()
    permissions.forget(manager)
    assert not permissions.can(manager, Action.EDIT_DASHBOARD, draft)
    assert not permissions.can(manager, Action.VIEW_DATA_SET, world.objects["ours"])
