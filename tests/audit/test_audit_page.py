"""The audit trail page, /manage/audit: who may see it, what it shows, its filters and pages."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from performance_platform.accounts import audit
from performance_platform.accounts.models import AuditEvent, Membership
from performance_platform.dashboards.models import Organisation

Role = Membership.Role
URL = "/manage/audit"

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return response.content.decode()


def rows(response) -> list[str]:
    """The table's body rows, as text with tags stripped and spaces squeezed."""
    tbody = re.search(r"<tbody[^>]*>(.*?)</tbody>", body(response), re.S)
    if tbody is None:
        return []
    found = re.findall(r"<tr[^>]*>(.*?)</tr>", tbody.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in found]


def event(action="dashboard.change", at=None, **fields) -> AuditEvent:
    row = audit.record(action, **fields)
    if at is not None:
        AuditEvent.objects.filter(pk=row.pk).update(at=at)
    return row


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/manage/sign-in?next=/manage/audit")


@pytest.mark.parametrize("role", [Role.SERVICE_MANAGER, Role.SIGNER_OFF, Role.DATA_UPLOADER])
def test_anyone_but_a_platform_admin_gets_a_404(client, make_user, org, role):
    client.force_login(make_user(roles=[(role, org)]))
    event(target_repr="secret-dashboard")
    response = client.get(URL)
    assert response.status_code == 404
    assert "secret-dashboard" not in body(response)


def test_a_user_with_no_role_gets_a_404(client, make_user):
    client.force_login(make_user())
    assert client.get(URL).status_code == 404


def test_an_inactive_platform_admin_is_not_let_in(client, make_user):
    user = make_user(roles=[(Role.PLATFORM_ADMIN, None)])
    client.force_login(user)
    user.is_active = False
    user.save()
    response = client.get(URL)
    # Django signs an inactive user out: they are sent to sign in, and see nothing.
    assert response.status_code == 302
    assert response["Location"].startswith("/manage/sign-in")


def test_admins_see_every_event_newest_first_in_words(platform_client, platform_admin, org):
    now = datetime.now(UTC)
    event("sign_in", actor=platform_admin, at=now - timedelta(hours=2))
    event(
        "dashboard.status",
        actor=platform_admin,
        target_type="dashboard",
        target_id=7,
        target_repr="Renew a passport",
        organisation_id=org.pk,
        detail={"from": "unlisted", "to": "in_review"},
        at=now - timedelta(hours=1),
    )
    event("config.import", target_type="configuration", detail={"file": "prod.yaml"}, at=now)

    response = platform_client.get(URL)

    assert response.status_code == 200
    assert response.context["nav"] == "audit"
    assert 'aria-current="page">Audit trail' in body(response).replace("\n", "")
    found = rows(response)
    assert len(found) == 3
    assert "The platform" in found[0] and "Imported a configuration file" in found[0]
    assert "prod.yaml" in found[0]
    assert "admin@example.gov.uk" in found[1]
    assert "Moved a dashboard to a new status" in found[1]
    assert "Dashboard Renew a passport" in found[1]
    assert "HM Revenue &amp; Customs" in found[1]
    assert "unlisted" in found[1] and "in_review" in found[1]
    assert "Signed in" in found[2]


def test_details_are_escaped(platform_client):
    event(target_repr="<script>alert(1)</script>", detail={"note": "<b>bold</b>"})
    text = body(platform_client.get(URL))
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<b>bold</b>" not in text


def test_the_trail_is_paginated_and_pages_keep_the_filters(platform_client):
    for n in range(120):
        event("token.create", target_repr=f"token-{n:03}")
    event("sign_in")

    first = platform_client.get(URL, {"action": "token.create"})
    assert first.status_code == 200
    assert len(rows(first)) == 50
    assert "token-119" in rows(first)[0]
    assert "120 events match these filters" in body(first)
    assert 'class="govuk-pagination"' in body(first)
    assert "?action=token.create&amp;page=2" in body(first)

    third = platform_client.get(URL, {"action": "token.create", "page": "3"})
    assert "token-000" in rows(third)[-1]
    assert len(rows(third)) == 20
    assert 'rel="next"' not in body(third) and 'rel="prev"' in body(third)


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999999999999999", "1e9", "\x00"])
def test_a_bad_page_number_shows_a_page_not_an_error(platform_client, page):
    event("sign_in")
    response = platform_client.get(URL, {"page": page})
    assert response.status_code == 200
    assert len(rows(response)) == 1


def test_filters_narrow_the_trail(platform_client, make_user, org):
    other = Organisation.objects.create(slug="dwp", name="DWP", type="department")
    jo = make_user(email="jo@example.gov.uk")
    now = datetime.now(UTC)
    event(
        "dashboard.change",
        actor=jo,
        target_type="dashboard",
        target_repr="A",
        organisation_id=org.pk,
        at=datetime(2026, 3, 1, 23, 59, tzinfo=UTC),
    )
    event(
        "dashboard.change",
        target_type="dashboard",
        target_repr="B",
        organisation_id=other.pk,
        at=datetime(2026, 3, 2, 0, 0, tzinfo=UTC),
    )
    event("token.create", actor=jo, target_type="writetoken", target_repr="C", at=now)

    def targets(**filters):
        response = platform_client.get(URL, filters)
        assert response.status_code == 200, body(response)
        return sorted(
            re.search(r"(?:Dashboard|Write token) (\w)", r).group(1) for r in rows(response)
        )

    assert targets() == ["A", "B", "C"]
    assert targets(action="dashboard.change") == ["A", "B"]
    assert targets(email="jo@example") == ["A", "C"]
    assert targets(email="JO@EXAMPLE.GOV.UK") == ["A", "C"]
    assert targets(target_type="writetoken") == ["C"]
    assert targets(organisation="dwp") == ["B"]
    assert targets(date_from="2026-03-02", date_to="2026-03-02") == ["B"]
    assert targets(date_to="2026-03-01") == ["A"]
    assert targets(date_from="02/03/2026", date_to="31/12/2999") == ["B", "C"]
    assert targets(action="dashboard.change", organisation="hmrc", email="jo") == ["A"]
    assert targets(action="sign_in") == []


def test_the_filter_form_offers_the_actions_in_words_and_keeps_the_values(platform_client):
    event("sign_in", target_type="user")
    response = platform_client.get(URL, {"action": "sign_in", "email": "x@y"})
    text = body(response)
    assert '<option value="sign_in" selected>Signed in</option>' in text
    assert '<option value="upload">Uploaded a spreadsheet</option>' in text
    assert 'value="x@y"' in text
    assert '<option value="user">User</option>' in text
    assert (
        'method="get"' in text
        and "csrfmiddlewaretoken" not in text.split('method="get"')[1].split("</form>")[0]
    )


@pytest.mark.parametrize(
    ("filters", "field", "message"),
    [
        ({"date_from": "2026-02-30"}, "date_from", "Enter a real date"),
        ({"date_from": "yesterday"}, "date_from", "Enter a real date"),
        ({"date_to": "9999-12-31"}, "date_to", "between the years 2000 and 2999"),
        ({"date_from": "0001-01-01"}, "date_from", "between the years 2000 and 2999"),
        ({"date_from": "2" * 100_000}, "date_from", "Enter a real date"),
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_to", "after the ‘from’ date"),
        ({"action": "dashboard.explode"}, "action", "Choose an action from the list"),
        ({"action": "x" * 10_000}, "action", "Choose an action from the list"),
        ({"target_type": "spaceship"}, "target_type", "Choose a kind of thing"),
        ({"organisation": "no-such-org"}, "organisation", "Choose an organisation"),
        ({"email": "a" * 100_000}, "email", "at most 254 characters"),
        ({"email": "jo\x00@example.gov.uk"}, "email", "Null characters are not allowed"),
    ],
)
def test_bad_filters_get_a_clear_message_not_an_error(platform_client, filters, field, message):
    event("sign_in", target_repr="should-not-show")
    response = platform_client.get(URL, filters)
    assert response.status_code == 400
    text = body(response)
    assert "There is a problem" in text
    assert message in text
    assert f'href="#id_{field}"' in text
    assert f'id="id_{field}-error"' in text or f'id="{field}-error"' in text
    assert "Correct the filters above" in text
    assert "should-not-show" not in text
    assert text.count("<title>") == 1 and "<title>Error: Audit trail" in text


def test_an_empty_trail_says_so(platform_client):
    response = platform_client.get(URL)
    assert response.status_code == 200
    assert "Nothing has been recorded yet." in body(response)
    response = platform_client.get(URL, {"action": "upload"})
    assert "No events match these filters." in body(response)
