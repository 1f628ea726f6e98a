"""The Django admin for accounts: roles and data sets on the user page, and the audit
trail, which can be read and filtered but never added to, changed or deleted."""

import pytest

from performance_platform.accounts import audit
from performance_platform.accounts.models import AuditEvent, Membership
from performance_platform.dashboards.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, make_user):
    admin = make_user(email="admin@example.gov.uk", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_the_user_page_shows_roles_and_data_sets(staff, make_user, make_data_set):
    org = Organisation.objects.create(
        slug="dwp", name="Department for Work and Pensions", type="department"
    )
    data_set, _ = make_data_set(group="carers", data_type="applications")
    person = make_user(
        email="uploader@example.gov.uk",
        roles=[(Membership.Role.DATA_UPLOADER, org)],
        data_sets=[data_set],
    )
    page = staff.get(f"/admin/accounts/user/{person.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="memberships-TOTAL_FORMS"' in html
    assert 'name="data_set_access-TOTAL_FORMS"' in html
    assert "Department for Work and Pensions" in html
    assert 'value="data_uploader" selected' in html


def test_a_role_is_given_on_the_user_page(staff, make_user):
    org = Organisation.objects.create(slug="hmrc", name="HM Revenue & Customs", type="department")
    person = make_user(email="manager@example.gov.uk")
    response = staff.post(
        f"/admin/accounts/user/{person.pk}/change/",
        {
            "email": person.email,
            "name": "",
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-role": "service_manager",
            "memberships-0-organisation": str(org.pk),
            "data_set_access-TOTAL_FORMS": "0",
            "data_set_access-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(person.memberships.values_list("role", "organisation__slug")) == [
        ("service_manager", "hmrc")
    ]


def test_the_audit_trail_is_read_only_and_filterable(staff, make_user):
    person = make_user(email="someone@example.gov.uk")
    event = audit.record("token.create", actor=person, target_type="writetoken", target_repr="t")
    other = make_user(email="other@example.gov.uk")
    audit.record("sign_in.failed", actor=other)
    listing = staff.get("/admin/accounts/auditevent/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "someone@example.gov.uk" in html
    assert "other@example.gov.uk" in html
    assert "By action" in html
    filtered = staff.get("/admin/accounts/auditevent/", {"action__exact": "sign_in.failed"})
    assert "other@example.gov.uk" in filtered.content.decode()
    assert "someone@example.gov.uk" not in filtered.content.decode()
    assert staff.get("/admin/accounts/auditevent/add/").status_code == 403
    # The change page shows the row but offers no save; a POST changes nothing.
    view = staff.get(f"/admin/accounts/auditevent/{event.pk}/change/")
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    staff.post(f"/admin/accounts/auditevent/{event.pk}/change/", {"action": "sign_in"})
    assert (
        staff.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    event.refresh_from_db()
    assert event.action == "token.create"
    assert AuditEvent.objects.filter(pk=event.pk).exists()
