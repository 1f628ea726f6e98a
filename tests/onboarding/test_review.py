"""Reviewing requests: who may, approving (everything made in one transaction), declining."""

import pytest

from performance_platform.accounts.models import AuditEvent, DataSetAccess, Membership, User
from performance_platform.dashboards.models import Dashboard, Module, Organisation
from performance_platform.datastore.models import DataGroup, DataSet, DataType
from performance_platform.kpis.models import Transform
from performance_platform.onboarding import provisioning
from performance_platform.onboarding.models import DashboardRequest

from .conftest import h1_count

pytestmark = pytest.mark.django_db
Role = Membership.Role


def make_request(organisation=None, **fields) -> DashboardRequest:
    values = {
        "contact_name": "Sam Manager",
        "contact_email": "sam.manager@tests.gov.uk",
        "contact_phone": "020 7946 0000",
        "service_name": "Register a test",
        "service_description": "Lets people register a test.",
        "intended_users": "Anyone",
        "organisation": organisation,
        "new_organisation_name": "" if organisation else "Test Agency",
        "start_page_url": "https://www.gov.uk/register-a-test",
        "digital_takeup_source": "spreadsheet",
        "cost_source": "spreadsheet",
        "satisfaction_source": "done_page",
        "completion_source": "api",
        "cadence": "weekly",
        "uploaders": [
            {"name": "Una Uploader", "email": "una@tests.gov.uk"},
            {"name": "Olly Existing", "email": "OLLY@tests.gov.uk"},
        ],
    }
    values.update(fields)
    return DashboardRequest.objects.create(**values)


@pytest.fixture
def pending(organisation):
    return make_request(organisation)


# --- who may review ---------------------------------------------------------------------


def test_anonymous_people_are_sent_to_sign_in(client, pending):
    for path in (
        "/manage/requests",
        f"/manage/requests/{pending.pk}",
        f"/manage/requests/{pending.pk}/approve",
    ):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/manage/sign-in?next="), (
            path
        )
    response = client.post(f"/manage/requests/{pending.pk}/approve", {"reason": ""})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "pending"


@pytest.mark.parametrize("role", [Role.SERVICE_MANAGER, Role.SIGNER_OFF, Role.DATA_UPLOADER])
def test_other_roles_get_not_found_and_change_nothing(
    client, make_user, organisation, pending, role
):
    client.force_login(make_user(email="other@tests.gov.uk", roles=[(role, organisation)]))
    for path in (
        "/manage/requests",
        f"/manage/requests/{pending.pk}",
        f"/manage/requests/{pending.pk}/approve",
        f"/manage/requests/{pending.pk}/decline",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/manage/requests/{pending.pk}/approve").status_code == 404
    assert (
        client.post(f"/manage/requests/{pending.pk}/decline", {"reason": "no"}).status_code == 404
    )
    pending.refresh_from_db()
    assert pending.status == "pending" and not Dashboard.objects.exists()


def test_the_list_shows_pending_first_then_decided(client, platform_admin, organisation):
    older = make_request(organisation, service_name="Older pending")
    decided = make_request(organisation, service_name="Already declined")
    provisioning.decline(decided, actor=platform_admin, reason="Duplicate")
    newer = make_request(organisation, service_name="Newer pending")
    client.force_login(platform_admin)
    response = client.get("/manage/requests")
    html = response.content.decode()
    assert response.status_code == 200 and h1_count(html) == 1
    assert (
        html.index("Older pending") < html.index("Newer pending") < html.index("Already declined")
    )
    assert "Waiting for a decision (2)" in html
    assert f"/manage/requests/{older.pk}" in html and f"/manage/requests/{newer.pk}" in html


def test_the_request_page_shows_every_answer(client, platform_admin, pending):
    client.force_login(platform_admin)
    response = client.get(f"/manage/requests/{pending.pk}")
    html = response.content.decode()
    assert response.status_code == 200 and h1_count(html) == 1
    for text in (
        pending.reference,
        "Sam Manager",
        "sam.manager@tests.gov.uk",
        "020 7946 0000",
        "Lets people register a test.",
        "Department for Tests",
        "https://www.gov.uk/register-a-test",
        "Events we send through the data API",
        "Una Uploader (una@tests.gov.uk)",
        "Every week",
    ):
        assert text in html, text
    assert f'href="/manage/requests/{pending.pk}/approve"' in html
    assert f'href="/manage/requests/{pending.pk}/decline"' in html
    assert client.get("/manage/requests/999999").status_code == 404
    assert client.get("/manage/requests/" + "9" * 30).status_code == 404
    assert client.get(f"/manage/requests/{pending.pk}/publish").status_code == 404
    assert client.get("/manage/requests/-1").status_code == 404


def test_the_approve_page_asks_to_confirm_and_changes_nothing(client, platform_admin, pending):
    client.force_login(platform_admin)
    html = client.get(f"/manage/requests/{pending.pk}/approve").content.decode()
    assert "Approve this request?" in html and h1_count(html) == 1
    assert "/performance/register-a-test" in html
    assert not Dashboard.objects.exists()


# --- approving --------------------------------------------------------------------------


def test_approval_makes_everything_in_one_go(
    client,
    platform_admin,
    make_user,
    pending,
    organisation,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    olly = make_user(email="olly@tests.gov.uk", name="Olly")  # an existing account: reused
    client.force_login(platform_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/manage/requests/{pending.pk}/approve", {"reason": "Looks good"})
    assert response.status_code == 302 and response.url == f"/manage/requests/{pending.pk}"
    pending.refresh_from_db()
    assert pending.status == "approved" and pending.decided_by == platform_admin
    assert pending.decided_at is not None and pending.decision_reason == "Looks good"

    dashboard = Dashboard.objects.get()
    assert pending.dashboard == dashboard
    assert (dashboard.slug, dashboard.title, dashboard.status) == (
        "register-a-test",
        "Register a test",
        "draft",
    )
    assert dashboard.organisation == organisation and dashboard.dashboard_type == "transaction"
    assert dashboard.transaction_link() == {
        "title": "Register a test",
        "url": "https://www.gov.uk/register-a-test",
        "type": "transaction",
    }
    assert dashboard.kpi_group.name == "register-a-test"

    data_sets = {
        d.data_type.name: d for d in DataSet.objects.filter(data_group__name="register-a-test")
    }
    assert set(data_sets) == {
        # what the service sends
        "transactions-by-channel",
        "cost-per-transaction",
        "customer-satisfaction",
        "journey",
        # what the KPI transforms compute from it: there from the start, empty
        "digital-takeup",
        "cost-per-transaction-by-quarter",
        "user-satisfaction-score",
        "completion-rate",
    }
    assert not data_sets["digital-takeup"].max_age_expected  # its freshness is its source's
    takeup = data_sets["transactions-by-channel"]
    assert takeup.name == "register_a_test_transactions_by_channel"
    assert takeup.auto_ids == ["_timestamp", "channel", "period"]
    assert takeup.max_age_expected == 1_300_000  # weekly
    assert takeup.schema["required"] == ["_timestamp", "period", "channel", "count"]
    assert data_sets["journey"].auto_ids == ["_timestamp", "stage"]
    assert data_sets["journey"].max_age_expected == 1_300_000
    assert data_sets["customer-satisfaction"].max_age_expected == 5_200_000  # at least monthly
    assert data_sets["cost-per-transaction"].max_age_expected == 15_600_000  # always quarterly
    assert data_sets["cost-per-transaction"].auto_ids == [
        "_timestamp",
        "end_at",
        "period",
        "channel",
    ]

    transforms = {
        (t.type, t.input_type.name, t.options.get("kpi")): t
        for t in Transform.objects.filter(input_group__name="register-a-test")
    }
    assert set(transforms) == {
        ("digital_takeup", "transactions-by-channel", None),
        ("completion_rate", "journey", None),
        ("user_satisfaction", "customer-satisfaction", None),
        ("cost_per_transaction", "cost-per-transaction", None),
        ("kpi_summary", "transactions-by-channel", "transactions_per_year"),
        ("kpi_summary", "digital-takeup", "digital_takeup"),
        ("kpi_summary", "completion-rate", "completion_rate"),
        ("kpi_summary", "user-satisfaction-score", "user_satisfaction"),
        ("kpi_summary", "cost-per-transaction-by-quarter", "cost_per_transaction"),
    }
    assert transforms[("digital_takeup", "transactions-by-channel", None)].query == {
        "period": "week"
    }
    summary = transforms[("kpi_summary", "digital-takeup", "digital_takeup")]
    assert (summary.output_group.name, summary.output_type.name) == (
        "performance-platform",
        "kpi-summaries",
    )

    modules = list(Module.objects.filter(dashboard=dashboard).order_by("order"))
    assert [(m.slug, m.type) for m in modules] == [
        ("cost-per-transaction", "bar_chart_with_number"),
        ("user-satisfaction", "user_satisfaction_graph"),
        ("completion-rate", "completion_rate"),
        ("digital-takeup", "grouped_timeseries"),
        ("transactions-by-channel", "grouped_timeseries"),
    ]
    assert all(m.data_group == dashboard.kpi_group for m in modules)
    assert modules[2].query["period"] == "week" and modules[2].data_type.name == "journey"

    sam = User.objects.get(email="sam.manager@tests.gov.uk")
    una = User.objects.get(email="una@tests.gov.uk")
    assert User.objects.filter(email__iexact="olly@tests.gov.uk").count() == 1
    assert not sam.has_usable_password() and sam.name == "Sam Manager"
    assert Membership.objects.filter(
        user=sam, organisation=organisation, role=Role.SERVICE_MANAGER
    ).exists()
    for uploader in (una, olly):
        assert Membership.objects.filter(
            user=uploader, organisation=organisation, role=Role.DATA_UPLOADER
        ).exists()
        # The data sets the service sends itself (satisfaction comes from the done page).
        assert set(
            DataSetAccess.objects.filter(user=uploader).values_list(
                "data_set__data_type__name", flat=True
            )
        ) == {"transactions-by-channel", "cost-per-transaction", "journey"}

    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("request.approve") == 1 and actions.count("dashboard.create") == 1
    assert actions.count("data_set.create") == 4 and actions.count("access.grant") == 6
    assert actions.count("user.invite") == 2
    approval = AuditEvent.objects.get(action="request.approve")
    assert approval.detail["organisation_created"] is False
    new_accounts = sorted(approval.detail["new_accounts"])
    assert new_accounts == ["sam.manager@tests.gov.uk", "una@tests.gov.uk"]

    by_recipient = {}
    for message in mailoutbox:
        by_recipient.setdefault(message.to[0], []).append(message)
    assert set(by_recipient) == {"sam.manager@tests.gov.uk", "una@tests.gov.uk"}  # not Olly
    sam_mail = {m.subject: m for m in by_recipient["sam.manager@tests.gov.uk"]}
    outcome = sam_mail[f"Your dashboard request {pending.reference} is approved"]
    assert "/manage/dashboards/register-a-test" in outcome.body
    assert "register_a_test_journey" in outcome.body and "Looks good" in outcome.body
    assert "You have been invited to the Performance Platform" in sam_mail
    assert (
        "to manage the Register a test dashboard"
        in sam_mail["You have been invited to the Performance Platform"].body
    )
    assert "/manage/set-password/" in by_recipient["una@tests.gov.uk"][0].body

    html = client.get(f"/manage/requests/{pending.pk}").content.decode()
    assert "Approved" in html and 'href="/manage/dashboards/register-a-test"' in html


def test_approval_makes_a_new_organisation_and_a_free_slug(platform_admin, make_data_set):
    Organisation.objects.create(slug="test-agency", name="Another Test Agency", type="agency")
    make_data_set(group="register-a-test", data_type="something-else", token=None)
    req = make_request(None, cadence="quarterly", uploaders=[])
    outcome = provisioning.approve(req, actor=platform_admin)
    assert outcome.organisation_created
    assert (outcome.organisation.name, outcome.organisation.slug) == (
        "Test Agency",
        "test-agency-2",
    )
    # The data group "register-a-test" is someone else's: the dashboard takes the next slug.
    assert outcome.dashboard.slug == "register-a-test-2"
    assert {d.max_age_expected for d in outcome.data_sets} == {15_600_000}
    assert Membership.objects.get(user__email="sam.manager@tests.gov.uk").organisation == (
        outcome.organisation
    )


def test_a_failed_approval_stores_nothing_and_says_why(
    client, platform_admin, pending, mailoutbox, django_capture_on_commit_callbacks
):
    # A data set already has the name the new dashboard's journey data set needs.
    group = DataGroup.objects.create(name="elsewhere")
    DataSet.objects.create(
        name="register_a_test_journey",
        data_group=group,
        data_type=DataType.objects.create(name="x"),
    )
    client.force_login(platform_admin)  # audited itself: before the count
    before = {
        model: model.objects.count()
        for model in (
            Dashboard,
            DataSet,
            DataGroup,
            Transform,
            Module,
            User,
            Membership,
            AuditEvent,
        )
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/manage/requests/{pending.pk}/approve", {"reason": ""})
    assert response.status_code == 409
    html = response.content.decode()
    assert "The request could not be approved" in html
    assert "A data set named register_a_test_journey already exists (elsewhere/x)" in html
    assert "Nothing was made or changed." in html
    assert {model: model.objects.count() for model in before} == before
    pending.refresh_from_db()
    assert pending.status == "pending" and pending.dashboard is None
    assert mailoutbox == []


def test_a_request_is_decided_once(
    client, platform_admin, pending, django_capture_on_commit_callbacks
):
    provisioning.approve(pending, actor=platform_admin)
    with pytest.raises(provisioning.AlreadyDecided):
        provisioning.approve(pending, actor=platform_admin)
    with pytest.raises(provisioning.AlreadyDecided):
        provisioning.decline(pending, actor=platform_admin, reason="Too late")
    assert Dashboard.objects.count() == 1
    client.force_login(platform_admin)
    response = client.post(
        f"/manage/requests/{pending.pk}/decline", {"reason": "Too late"}, follow=True
    )
    assert "This request was already approved." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "approved" and pending.decision_reason == ""


# --- declining --------------------------------------------------------------------------


def test_declining_needs_a_reason_and_emails_it(
    client, platform_admin, pending, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(platform_admin)
    response = client.post(f"/manage/requests/{pending.pk}/decline", {"reason": "  "})
    assert response.status_code == 200
    assert "Enter a reason" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/manage/requests/{pending.pk}/decline",
            {"reason": "This service already has a dashboard: <a>carers</a>"},
        )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "declined" and pending.decided_by == platform_admin
    assert (
        not Dashboard.objects.exists() and not User.objects.filter(email__startswith="sam").exists()
    )
    assert [m.to for m in mailoutbox] == [["sam.manager@tests.gov.uk"]]
    assert "This service already has a dashboard: <a>carers</a>" in mailoutbox[0].body
    assert pending.reference in mailoutbox[0].subject
    event = AuditEvent.objects.get(action="request.decline")
    assert event.actor == platform_admin and event.target_id == str(pending.pk)
    html = client.get(f"/manage/requests/{pending.pk}").content.decode()
    assert "&lt;a&gt;carers&lt;/a&gt;" in html


def test_the_django_admin_shows_requests_but_cannot_decide_them(client, pending, settings):
    # The admin's pages are rendered without collectstatic having run: no manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    staff = User.objects.create_superuser("staff@platform.gov.uk", "x" * 20)
    client.force_login(staff)
    assert client.get("/admin/onboarding/dashboardrequest/").status_code == 200
    page = client.get(f"/admin/onboarding/dashboardrequest/{pending.pk}/change/")
    assert page.status_code == 200 and pending.reference in page.content.decode()
    assert client.get("/admin/onboarding/dashboardrequest/add/").status_code == 403
    client.post(
        f"/admin/onboarding/dashboardrequest/{pending.pk}/change/",
        {"status": "approved", "service_name": "Changed"},
    )
    pending.refresh_from_db()
    assert (pending.status, pending.service_name) == ("pending", "Register a test")


def test_deciding_needs_the_csrf_token(platform_admin, pending):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(platform_admin)
    assert client.post(f"/manage/requests/{pending.pk}/approve", {"reason": ""}).status_code == 403
    forged = {"reason": "No", "csrfmiddlewaretoken": "f" * 64}
    assert client.post(f"/manage/requests/{pending.pk}/decline", forged).status_code == 403
    pending.refresh_from_db()
    assert pending.status == "pending" and not Dashboard.objects.exists()
    html = client.get(f"/manage/requests/{pending.pk}/decline").content.decode()
    token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    ok = {"reason": "No", "csrfmiddlewaretoken": token}
    assert client.post(f"/manage/requests/{pending.pk}/decline", ok).status_code == 302
    pending.refresh_from_db()
    assert pending.status == "declined"


def test_the_demo_has_one_pending_request_however_often_it_is_loaded(organisation):
    from performance_platform.demo.requests import load_demo_request

    first = load_demo_request()
    assert load_demo_request() == first
    assert DashboardRequest.objects.get().status == "pending"
    first.full_clean()  # a request the form could have made
