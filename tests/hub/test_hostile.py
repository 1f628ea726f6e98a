"""Hostile input on every hub form: long values, control characters, HTML and script,
wrong types, and forged or missing CSRF tokens. Each gives a form error or a 4xx, never a
500, and changes nothing."""

import pytest
from django.test import Client

from performance_platform.dashboards.models import Annotation, Module

from .conftest import state

pytestmark = pytest.mark.django_db

HUB = "/manage/dashboards/renew-passport"
DATA_SET = "/manage/data-sets/renew_passport_transactions_by_channel"
SCRIPT = '<script>alert("x")</script>'

FORMS = {
    f"{HUB}/details": {"title": "A title"},
    f"{HUB}/annotations/add": {"date": "2026-01-05", "text": "Launch"},
    f"{HUB}/modules/add/digital-takeup": {"period": "week", "channels": ["digital"]},
    f"{DATA_SET}/tokens/new": {"label": "Script"},
    f"{DATA_SET}/access/new": {"email": "jo@example.gov.uk"},
}

BAD = [
    # (url, body, the message expected on the page)
    (f"{HUB}/details", {"title": "x" * 257}, "Ensure this value has at most 256"),
    (f"{HUB}/details", {"title": ""}, "Enter a title"),
    (f"{HUB}/details", {"title": "Bell\x07"}, "Remove the control characters"),
    (f"{HUB}/details", {"title": "Nul\x00"}, "Null characters are not allowed"),
    (f"{HUB}/details", {"title": "T", "description": "d" * 1001}, "at most 1000"),
    (f"{HUB}/details", {"title": "T", "costs": "\x1b[31m"}, "Remove the control characters"),
    (
        f"{HUB}/details",
        {"title": "T", "start_title": "S", "start_url": "javascript:alert(1)"},
        "Enter a web address",
    ),
    (
        f"{HUB}/details",
        {"title": "T", "start_title": "S", "start_url": "https://" + "a" * 300},
        "at most 200",
    ),
    (f"{HUB}/details", {"title": "T", "customer_type": "Martians"}, "Select a valid choice"),
    (f"{HUB}/details", {"title": "T", "business_model": ["x", "y"]}, "Select a valid choice"),
    (f"{HUB}/annotations/add", {"date": "2026-02-30", "text": "x"}, "Enter a real date"),
    (f"{HUB}/annotations/add", {"date": "0001-01-01", "text": "x"}, "between 1900 and 2200"),
    (f"{HUB}/annotations/add", {"date": "2026-01-05", "text": "x" * 201}, "at most 200"),
    (
        f"{HUB}/annotations/add",
        {"date": "2026-01-05", "text": "a\nb"},
        "Remove the control characters",
    ),
    (
        f"{HUB}/annotations/add",
        {"date": "2026-01-05", "text": "x", "link": "data:text/html,x"},
        "Enter a web address",
    ),
    (
        f"{HUB}/modules/add/digital-takeup",
        {"period": "year", "channels": ["digital"]},
        'href="#id_period_0">Choose one of the periods listed',
    ),
    (
        f"{HUB}/modules/add/digital-takeup",
        {"period": "week", "channels": ["'; DROP"]},
        'href="#id_channels_0">Choose channels from the list',
    ),
    (f"{HUB}/modules/add/user-satisfaction", {"period": "week"}, "Choose one of the periods"),
    (f"{HUB}/modules/add/completion-rate", {}, 'href="#id_period_0">Choose how often'),
    (f"{DATA_SET}/tokens/new", {"label": "x" * 101}, "at most 100"),
    (f"{DATA_SET}/tokens/new", {"label": "   "}, "Enter a name for the token"),
    (f"{DATA_SET}/tokens/new", {"label": "tab\there"}, "Remove the control characters"),
    (f"{DATA_SET}/access/new", {"email": "not-an-email"}, "Enter an email address in the"),
    (f"{DATA_SET}/access/new", {"email": "a" * 250 + "@example.gov.uk"}, "at most 254"),
    (f"{DATA_SET}/access/new", {"email": SCRIPT + "@x.gov.uk"}, "Enter an email address in"),
    (
        f"{DATA_SET}/access/new",
        {"email": "jo@example.gov.uk", "name": "\x00"},
        "Null characters are not allowed",
    ),
]


@pytest.fixture
def signed_in(client, manager, dashboard, data_set):
    client.force_login(manager)
    return client


@pytest.mark.parametrize(("url", "body", "message"), BAD)
def test_bad_input_is_a_form_error_and_changes_nothing(signed_in, url, body, message):
    before = state()
    response = signed_in.post(url, body)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "govuk-error-summary" in page
    assert message in page
    assert state() == before


def test_html_and_script_are_stored_as_text_and_shown_escaped(signed_in, dashboard):
    response = signed_in.post(f"{HUB}/details", {"title": SCRIPT, "description": SCRIPT})
    assert response.status_code == 302
    dashboard.refresh_from_db()
    assert dashboard.title == SCRIPT
    signed_in.post(f"{HUB}/annotations/add", {"date": "2026-01-05", "text": SCRIPT})
    assert Annotation.objects.get().text == SCRIPT
    signed_in.post(f"{DATA_SET}/tokens/new", {"label": SCRIPT})
    for url in ("/manage", HUB, DATA_SET):
        page = signed_in.get(url).content.decode()
        assert SCRIPT not in page, url
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in signed_in.get(HUB).content.decode()
    )


def test_wrong_types_and_odd_paths_are_4xx(signed_in, dashboard):
    module = Module.objects.get(slug="volumes")
    before = state()
    assert (
        signed_in.post(f"{HUB}/modules/{module.pk}/move", {"direction": "sideways"}).status_code
        == 400
    )
    assert signed_in.post(f"{HUB}/modules/{module.pk}/move", {}).status_code == 400
    assert signed_in.post(f"{HUB}/modules/abc/move", {"direction": "up"}).status_code == 404
    assert (
        signed_in.post(f"{HUB}/modules/99999999999999999999/move", {"direction": "up"}).status_code
        == 404
    )
    assert signed_in.get("/manage/dashboards/renew%00passport").status_code == 404
    assert signed_in.get("/manage/data-sets/a%00b").status_code == 404
    assert signed_in.get("/manage/dashboards/" + "a" * 5000).status_code == 404
    assert signed_in.put(f"{HUB}/details", {"title": "x"}).status_code == 405
    assert signed_in.post(HUB, {"title": "x"}).status_code == 405
    # JSON instead of a form: no fields, so the form says what is missing.
    response = signed_in.post(f"{HUB}/details", '{"title": 1}', content_type="application/json")
    assert response.status_code == 400
    assert state() == before


@pytest.mark.parametrize("url", sorted(FORMS))
def test_csrf_is_required_on_every_form(manager, dashboard, data_set, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    before = state()
    # Missing, then forged.
    assert client.post(url, FORMS[url]).status_code == 403
    forged = {**FORMS[url], "csrfmiddlewaretoken": "x" * 64}
    assert client.post(url, forged).status_code == 403
    assert state() == before
    # With the page's own token it works (so the 403s above were CSRF's).
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post(url, {**FORMS[url], "csrfmiddlewaretoken": token})
    assert response.status_code == 302, url


def test_csrf_is_required_on_confirmations_and_moves(manager, dashboard, data_set, uploader):
    from performance_platform.accounts.models import DataSetAccess
    from performance_platform.datastore.models import WriteToken

    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    annotation = Annotation.objects.create(dashboard=dashboard, date="2026-01-05", text="x")
    module = Module.objects.get(slug="volumes")
    token = WriteToken.objects.get(data_set=data_set)
    access = DataSetAccess.objects.get(user=uploader)
    before = state()
    for url in (
        f"{HUB}/annotations/{annotation.pk}/remove",
        f"{HUB}/modules/{module.pk}/move",
        f"{DATA_SET}/tokens/{token.pk}/revoke",
        f"{DATA_SET}/access/{access.pk}/remove",
    ):
        assert client.post(url, {"direction": "down"}).status_code == 403, url
    assert state() == before


def test_a_csrf_token_replayed_from_another_session_is_refused(manager, dashboard, data_set):
    first = Client(enforce_csrf_checks=True)
    first.force_login(manager)
    page = first.get(f"{DATA_SET}/tokens/new").content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    second = Client(enforce_csrf_checks=True)
    second.force_login(manager)
    second.get(f"{DATA_SET}/tokens/new")  # its own CSRF cookie
    before = state()
    response = second.post(
        f"{DATA_SET}/tokens/new", {"label": "Replayed", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 403
    assert state() == before


def test_anonymous_changes_go_to_sign_in_and_change_nothing(client, dashboard, data_set):
    before = state()
    for url, body in FORMS.items():
        response = client.post(url, body)
        assert response.status_code == 302 and response["Location"].startswith(
            "/manage/sign-in?next="
        ), url
    assert state() == before
