"""Who may use which hub page: a manager of another organisation gets 404 everywhere, a
signer-off and an uploader get 403 where they may see but not act, and a dashboard in
review cannot be edited by anyone. A refused request changes nothing."""

import pytest

from performance_platform.accounts.models import DataSetAccess
from performance_platform.dashboards.models import Annotation, Dashboard, Module
from performance_platform.datastore.models import WriteToken

from .conftest import state

pytestmark = pytest.mark.django_db

HUB = "/manage/dashboards/renew-passport"
DATA_SET = "/manage/data-sets/renew_passport_transactions_by_channel"


@pytest.fixture
def objects(dashboard, data_set, uploader):
    """An annotation, a standard module, a token and an access to act on."""
    annotation = Annotation.objects.create(dashboard=dashboard, date="2026-01-05", text="Launch")
    module = Module.objects.create(
        dashboard=dashboard,
        slug="completion-rate",
        type="completion_rate",
        title="Completion rate",
        order=1,
        data_group=data_set.data_group,
        data_type=data_set.data_type,
        query={"period": "week", "group_by": "stage", "collect": ["count:sum"]},
        options={
            "value-attribute": "count:sum",
            "matching-attribute": "stage",
            "numerator-matcher": "^done$",
            "denominator-matcher": "^start$",
        },
    )
    token = WriteToken.objects.get(data_set=data_set)
    access = DataSetAccess.objects.get(user=uploader)
    return {
        "annotation": annotation.pk,
        "module": module.pk,
        "token": token.pk,
        "access": access.pk,
    }


def dashboard_urls(o):
    """Every dashboard hub URL, with a POST body that would change something."""
    return [
        (HUB, None),
        (f"{HUB}/details", {"title": "Hijacked"}),
        (f"{HUB}/annotations/add", {"date": "2026-02-02", "text": "Hijacked"}),
        (f"{HUB}/annotations/{o['annotation']}/remove", {}),
        (f"{HUB}/modules/add/user-satisfaction", {"period": "month"}),
        (f"{HUB}/modules/{o['module']}/move", {"direction": "up"}),
        (f"{HUB}/modules/{o['module']}/remove", {}),
    ]


def data_set_urls(o):
    return [
        (DATA_SET, None),
        (f"{DATA_SET}/tokens/new", {"label": "Hijacked"}),
        (f"{DATA_SET}/tokens/{o['token']}/created", None),
        (f"{DATA_SET}/tokens/{o['token']}/revoke", {}),
        (f"{DATA_SET}/access/new", {"email": "evil@example.com"}),
        (f"{DATA_SET}/access/{o['access']}/remove", {}),
    ]


def test_a_manager_of_another_organisation_gets_404_everywhere_and_changes_nothing(
    client, outsider, objects
):
    client.force_login(outsider)
    before = state()
    for url, body in dashboard_urls(objects) + data_set_urls(objects):
        if not url.endswith("/move"):
            assert client.get(url).status_code == 404, url
        if body is not None:
            assert client.post(url, body).status_code == 404, url
    assert state() == before
    # Their own dashboard still works for them.
    assert client.get("/manage/dashboards/other-service").status_code == 200


def test_a_signer_off_may_look_but_not_edit(client, signer_off, objects):
    client.force_login(signer_off)
    before = state()
    assert client.get(HUB).status_code == 200
    for url, body in dashboard_urls(objects)[1:]:
        assert client.post(url, body).status_code == 403, url
    for url, body in data_set_urls(objects):
        if body is not None:
            assert client.post(url, body).status_code == 404, url
    assert state() == before


def test_an_uploader_may_not_edit_dashboards_or_give_access(client, uploader, objects):
    client.force_login(uploader)
    before = state()
    for url, body in dashboard_urls(objects):
        if body is None:
            assert client.get(url).status_code == 404, url
        else:
            assert client.post(url, body).status_code == 404, url
    assert client.post(f"{DATA_SET}/access/new", {"email": "x@example.com"}).status_code == 403
    assert client.post(f"{DATA_SET}/access/{objects['access']}/remove").status_code == 403
    assert state() == before


@pytest.mark.parametrize("role", ["manager", "platform_admin"])
def test_editing_in_review_is_refused_for_everyone(client, request, dashboard, objects, role):
    dashboard.status = Dashboard.Status.IN_REVIEW
    dashboard.save()
    client.force_login(request.getfixturevalue(role))
    before = state()
    assert client.get(HUB).status_code == 200
    for url, body in dashboard_urls(objects)[1:]:
        response = client.post(url, body)
        assert response.status_code == 403, url
        assert "You cannot do that" in response.content.decode()
    assert state() == before
    # Data sets are not locked: tokens can still be made (uploads go on during review).
    assert client.post(f"{DATA_SET}/tokens/new", {"label": "During review"}).status_code == 302


def test_objects_of_another_dashboard_are_404(client, manager, outsider, other_dashboard, objects):
    """A manager cannot reach another dashboard's annotation or module through their own."""
    foreign = Annotation.objects.create(dashboard=other_dashboard, date="2026-01-01", text="x")
    foreign_token = WriteToken.objects.get(data_set__name="other_service_journey")
    client.force_login(manager)
    before = state()
    assert client.post(f"{HUB}/annotations/{foreign.pk}/remove").status_code == 404
    assert client.post(f"{DATA_SET}/tokens/{foreign_token.pk}/revoke").status_code == 404
    assert state() == before


def test_a_signed_in_page_not_found_is_never_cached_by_others(client, make_user):
    """Whether a /manage page is "not found" depends on who asks: no shared cache keeps it."""
    client.force_login(make_user(email="nobody@example.gov.uk"))
    response = client.get("/manage/dashboards/no-such-dashboard")
    assert response.status_code == 404
    assert response["Cache-Control"] == "private, no-store"
    public = client.get("/performance/no-such-dashboard")
    assert public.status_code == 404 and "public" in public["Cache-Control"]
