"""Hostile input on the request form: long values, control characters, markup, wrong
types, forged and missing CSRF tokens, and too many requests from one address."""

import pytest
from django.core.cache import cache
from django.test import Client

from performance_platform.onboarding import flow
from performance_platform.onboarding.models import DashboardRequest

from .conftest import BASE, error_summary

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    "slug,field,limit,message",
    [
        ("contact", "contact_name", 200, "Your full name must be 200 characters or fewer"),
        ("contact", "contact_phone", 30, "Your phone number must be 30 characters or fewer"),
        ("contact", "contact_email", 254, "Your email address must be 254 characters or fewer"),
        ("service", "service_name", 150, "The name of the service must be 150 characters or fewer"),
        (
            "service",
            "service_description",
            1000,
            "The description must be 1000 characters or fewer",
        ),
        (
            "service",
            "intended_users",
            500,
            "Who the service is for must be 500 characters or fewer",
        ),
        ("start-page", "start_page_url", 500, "The address must be 500 characters or fewer"),
        (
            "completion-rate",
            "analytics_property_id",
            100,
            "The view or property ID must be 100 characters or fewer",
        ),
        ("uploaders", "name_1", 200, "The name of person 1 must be 200 characters or fewer"),
    ],
)
def test_every_field_has_a_length_limit(client, slug, field, limit, message):
    response = client.post(f"{BASE}/{slug}", {field: "a" * (limit + 1)})
    assert response.status_code == 200
    assert (f"#id_{field}", message) in error_summary(response.content.decode())
    assert field not in flow.answers(client.session)


@pytest.mark.parametrize(
    "bad", ["Sam\x00Manager", "Sam\x07", "Sam\x1b[31m", "Sam\u0085x", "Sam\nManager"]
)
def test_control_characters_are_refused(client, bad):
    response = client.post(
        f"{BASE}/contact",
        {
            "contact_name": bad,
            "contact_email": "sam@tests.gov.uk",
            "contact_phone": "020 7946 0000",
        },
    )
    assert response.status_code == 200
    assert error_summary(response.content.decode()) == [
        ("#id_contact_name", "Your full name must not contain control characters")
    ]
    assert flow.answers(client.session) == {}


def test_line_breaks_are_allowed_only_in_long_answers(client):
    good = {"service_name": "Register", "intended_users": "Everyone\r\nwho registers"}
    response = client.post(f"{BASE}/service", {**good, "service_description": "One.\r\nTwo."})
    assert response.status_code == 302
    response = client.post(f"{BASE}/service", {**good, "service_description": "One.\x0bTwo."})
    assert ("#id_service_description", "The description must not contain control characters") in (
        error_summary(response.content.decode())
    )


def test_markup_is_shown_as_text_everywhere(
    client, pages, answer, platform_admin, django_capture_on_commit_callbacks, mailoutbox
):
    script = '<script>alert("x")</script>'
    answer(
        pages,
        {
            "service": {
                "service_name": f"Register {script}",
                "service_description": f"<b>bold</b> {script}",
                "intended_users": "<img src=x onerror=alert(1)>",
            },
            "uploaders": {"name_1": f"Una {script}", "email_1": "una@tests.gov.uk"},
        },
    )
    html = client.get(f"{BASE}/check-your-answers").content.decode()
    assert script not in html and "<img src=x" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{BASE}/check-your-answers")
    req = DashboardRequest.objects.get()
    assert req.service_name == f"Register {script}"  # kept as given, shown escaped
    client.force_login(platform_admin)
    for path in (
        "/manage/requests",
        f"/manage/requests/{req.pk}",
        f"/manage/requests/{req.pk}/approve",
    ):
        page = client.get(path).content.decode()
        assert script not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;" in page, path


@pytest.mark.parametrize(
    "slug,data,field",
    [
        ("organisation", {"organisation": "999999"}, "organisation"),
        ("organisation", {"organisation": "1 OR 1=1"}, "organisation"),
        ("organisation", {"organisation": ["1", "2"]}, "organisation"),
        ("digital-take-up", {"digital_takeup_source": "ftp"}, "digital_takeup_source"),
        ("digital-take-up", {"digital_takeup_source": ["api", "spreadsheet"]}, None),
        ("how-often", {"cadence": "{}"}, "cadence"),
        ("cost-per-transaction", {"cost_source": ""}, "cost_source"),
    ],
)
def test_wrong_types_are_refused_without_an_error(client, organisation, slug, data, field):
    response = client.post(f"{BASE}/{slug}", data)
    if field is None:
        # A repeated field counts as its last value, which is a valid choice.
        assert response.status_code == 302
        return
    assert response.status_code == 200
    assert [href for href, _ in error_summary(response.content.decode())] == [f"#id_{field}"]


def test_a_get_with_odd_parameters_is_harmless(client):
    assert client.get(f"{BASE}/uploaders?rows=abc").status_code == 200
    assert client.get(f"{BASE}/uploaders?rows=-5").status_code == 200
    assert client.get(f"{BASE}/contact?change=%00").status_code == 200


def test_session_answers_of_the_wrong_shape_start_again(client):
    session = client.session
    session[flow.SESSION_KEY] = ["not", "a", "dict"]
    session.save()
    assert client.get(BASE).url == f"{BASE}/contact"


def test_posts_without_a_csrf_token_or_with_a_forged_one_are_refused(pages, answer):
    csrf_client = Client(enforce_csrf_checks=True)
    answer(pages, client=Client())  # (another client: the checked one has no answers)
    assert csrf_client.post(f"{BASE}/contact", pages[0][1]).status_code == 403
    csrf_client.get(f"{BASE}/contact")
    forged = {**pages[0][1], "csrfmiddlewaretoken": "x" * 64}
    assert csrf_client.post(f"{BASE}/contact", forged).status_code == 403
    assert flow.answers(csrf_client.session) == {}
    # With the page's own token it works.
    html = csrf_client.get(f"{BASE}/contact").content.decode()
    token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    ok = {**pages[0][1], "csrfmiddlewaretoken": token}
    assert csrf_client.post(f"{BASE}/contact", ok).status_code == 302


def test_sending_without_csrf_stores_nothing(pages, organisation):
    csrf_client = Client(enforce_csrf_checks=True)
    for slug, data in pages:
        html = csrf_client.get(f"{BASE}/{slug}").content.decode()
        token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        assert (
            csrf_client.post(f"{BASE}/{slug}", {**data, "csrfmiddlewaretoken": token}).status_code
            == 302
        )
    assert csrf_client.post(f"{BASE}/check-your-answers").status_code == 403
    assert not DashboardRequest.objects.exists()


def test_sending_is_rate_limited_per_address(pages, answer, settings):
    settings.DASHBOARD_REQUEST_RATE = "2/h"
    for _ in range(2):
        client = Client(REMOTE_ADDR="203.0.113.9")
        answer(pages, client=client)
        assert client.post(f"{BASE}/check-your-answers").status_code == 302
    client = Client(REMOTE_ADDR="203.0.113.9")
    answer(pages, client=client)
    response = client.post(f"{BASE}/check-your-answers")
    assert response.status_code == 429
    html = response.content.decode()
    assert "too many requests" in html and html.count("<h1") == 1
    assert DashboardRequest.objects.count() == 2
    # The answers are kept for later; another address is not held back.
    assert flow.answers(client.session)["service_name"] == "Register a test"
    other = Client(REMOTE_ADDR="198.51.100.7")
    answer(pages, client=other)
    assert other.post(f"{BASE}/check-your-answers").status_code == 302
    assert DashboardRequest.objects.count() == 3


def test_behind_a_trusted_proxy_the_limit_is_per_client_not_per_proxy(pages, answer, settings):
    """With TRUST_X_FORWARDED_FOR, the address the proxy appends is the client's, as for
    lock-out and the audit trail: two clients behind one proxy have a limit each."""
    settings.DASHBOARD_REQUEST_RATE = "1/h"
    settings.TRUST_X_FORWARDED_FOR = True
    proxy = "10.0.0.2"
    first = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    answer(pages, client=first)
    assert first.post(f"{BASE}/check-your-answers").status_code == 302
    second = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    answer(pages, client=second)
    assert second.post(f"{BASE}/check-your-answers").status_code == 302
    again = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="made-up, 203.0.113.9")
    answer(pages, client=again)
    assert again.post(f"{BASE}/check-your-answers").status_code == 429
    assert DashboardRequest.objects.count() == 2
