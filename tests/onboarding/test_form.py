"""The guidance page and the request form: pages, answers, errors, checking and sending."""

import re

import pytest

from performance_platform.accounts.models import AuditEvent
from performance_platform.kpis import catalogue
from performance_platform.onboarding import flow
from performance_platform.onboarding.forms import is_uk_phone
from performance_platform.onboarding.models import DashboardRequest

from .conftest import BASE, error_summary, h1_count

pytestmark = pytest.mark.django_db


def test_guidance_page_explains_the_kpis_the_data_and_what_happens_next(client):
    response = client.get("/performance/get-a-dashboard")
    assert response.status_code == 200
    html = response.content.decode()
    assert h1_count(html) == 1
    for kpi in catalogue.FOUR:
        assert kpi.title in html
        assert kpi.description.replace("'", "&#x27;") in html
    for words in ("spreadsheet", "data API", "analytics", "done", "preview link", "sign-off"):
        assert words in html
    assert "Keeping your dashboard up to date" in html
    assert f'href="{BASE}"' in html and "govuk-button--start" in html


def test_homepage_links_to_the_guidance_instead_of_the_openapi_document(client):
    html = client.get("/performance").content.decode()
    section = html[html.index("Are you responsible for a service?") :]
    section = section[: section.index("</div>")]
    assert 'href="/performance/get-a-dashboard"' in section
    assert "openapi" not in section.lower()


def test_start_goes_to_the_first_question_then_to_the_first_unanswered(client, pages):
    assert client.get(BASE).url == f"{BASE}/contact"
    client.post(f"{BASE}/contact", pages[0][1])
    assert client.get(BASE).url == f"{BASE}/service"


def test_every_question_page_renders_with_one_h1_and_no_index(client, pages):
    for step in flow.STEPS:
        response = client.get(step.url())
        assert response.status_code == 200, step.slug
        html = response.content.decode()
        assert h1_count(html) == 1, step.slug
        assert 'name="robots" content="noindex"' in html
        assert "csrfmiddlewaretoken" in html
        assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_an_unknown_question_is_not_found(client):
    assert client.get(f"{BASE}/favourite-colour").status_code == 404


@pytest.mark.parametrize(
    "slug,data,expected",
    [
        (
            "contact",
            {"contact_name": "", "contact_email": "", "contact_phone": ""},
            [
                ("#id_contact_name", "Enter your full name"),
                ("#id_contact_email", "Enter your email address"),
                ("#id_contact_phone", "Enter your phone number"),
            ],
        ),
        (
            "contact",
            {"contact_name": "Sam", "contact_email": "sam@", "contact_phone": "12345"},
            [
                (
                    "#id_contact_email",
                    "Enter your email address in the correct format, like name@example.gov.uk",
                ),
                (
                    "#id_contact_phone",
                    "Enter a UK phone number, like 01632 960 001, 07700 900 982 or "
                    "+44 808 157 0192",
                ),
            ],
        ),
        (
            "organisation",
            {"organisation": "", "new_organisation_name": ""},
            [("#id_organisation", "Choose your organisation, or that it is not in the list")],
        ),
        (
            "organisation",
            {"organisation": "new", "new_organisation_name": ""},
            [("#id_new_organisation_name", "Enter the name of your organisation")],
        ),
        (
            "organisation",
            {"organisation": "new", "new_organisation_name": "department for TESTS"},
            [("#id_new_organisation_name", "Department for Tests is in the list: choose it there")],
        ),
        (
            "start-page",
            {"start_page_url": "ftp://example.gov.uk/start"},
            [
                (
                    "#id_start_page_url",
                    "Enter the address in the correct format, starting https:// or http://",
                )
            ],
        ),
        (
            "start-page",
            {"start_page_url": "javascript:alert(1)"},
            [
                (
                    "#id_start_page_url",
                    "Enter the address in the correct format, starting https:// or http://",
                )
            ],
        ),
        (
            "digital-take-up",
            {},
            [
                (
                    "#id_digital_takeup_source",
                    "Choose how you will send the figures for digital take-up",
                )
            ],
        ),
        (
            "user-satisfaction",
            {"satisfaction_source": "other", "satisfaction_other": ""},
            [("#id_satisfaction_other", "Enter which other source the scores come from")],
        ),
        (
            "completion-rate",
            {"completion_source": "analytics", "analytics_provider": "other"},
            [
                ("#id_analytics_provider_other", "Enter the name of your analytics provider"),
                ("#id_analytics_property_id", "Enter the view or property ID"),
            ],
        ),
        (
            "completion-rate",
            {"completion_source": "analytics"},
            [
                ("#id_analytics_provider", "Choose your analytics provider"),
                ("#id_analytics_property_id", "Enter the view or property ID"),
            ],
        ),
        (
            "how-often",
            {"cadence": "daily"},
            [("#id_cadence", "Choose how often you will send new figures")],
        ),
        (
            "uploaders",
            {"name_1": "Una", "email_1": "", "name_2": "", "email_2": "ola@tests.gov.uk"},
            [
                ("#id_email_1", "Enter the email address of person 1"),
                ("#id_name_2", "Enter the name of person 2"),
            ],
        ),
        (
            "uploaders",
            {"name_1": "Una", "email_1": "una@x.gov.uk", "name_2": "U", "email_2": "UNA@x.gov.uk"},
            [("#id_email_2", "Person 2 is already in the list")],
        ),
    ],
)
def test_bad_answers_show_an_error_summary_linking_to_each_field(
    client, organisation, slug, data, expected
):
    response = client.post(f"{BASE}/{slug}", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert error_summary(html) == expected
    assert "<title>Error: " in html
    assert h1_count(html) == 1
    # Each linked field exists, marked as in error.
    for href, _ in expected:
        assert f'id="{href[1:]}"' in html
    assert flow.SESSION_KEY not in client.session or not any(
        key in client.session[flow.SESSION_KEY] for key in data
    )


@pytest.mark.parametrize(
    "number,ok",
    [
        ("020 7946 0000", True),
        ("07700 900982", True),
        ("+44 (0)20 7946 0000", True),
        ("+44 7700 900 982", True),
        ("(01632) 960-001", True),
        ("01632 960001 ext 123", True),
        ("0044 20 7946 0000", True),
        ("12345", False),
        ("020 7946 00", False),
        ("+1 202 555 0100", False),
        ("0800 CALL NOW", False),
        ("020 7946 0000 0000", False),
    ],
)
def test_phone_numbers_are_checked_loosely_but_firmly(number, ok):
    assert is_uk_phone(number) is ok


def test_answers_are_kept_and_shown_again(client, pages):
    client.post(f"{BASE}/contact", pages[0][1])
    html = client.get(f"{BASE}/contact").content.decode()
    assert 'value="Sam Manager"' in html
    # The domain is kept in lower case, the rest as typed.
    assert client.session[flow.SESSION_KEY]["contact_email"] == "sam.manager@tests.gov.uk"


def test_a_new_organisation_can_be_named(client, pages, answer):
    answer(pages, {"organisation": {"organisation": "new", "new_organisation_name": "Test Agency"}})
    given = client.session[flow.SESSION_KEY]
    assert given["organisation"] is None and given["new_organisation_name"] == "Test Agency"
    html = client.get(f"{BASE}/check-your-answers").content.decode()
    assert "Test Agency (new)" in html


def test_the_uploaders_page_adds_rows_up_to_ten(client):
    response = client.post(
        f"{BASE}/uploaders",
        {
            "name_1": "Una",
            "email_1": "una@tests.gov.uk",
            "name_2": "",
            "email_2": "",
            "name_3": "",
            "email_3": "",
            "add_row": "1",
        },
    )
    assert response.status_code == 302 and response.url == f"{BASE}/uploaders?rows=4"
    html = client.get(response.url).content.decode()
    assert 'name="name_4"' in html and 'name="name_5"' not in html
    assert 'value="una@tests.gov.uk"' in html
    html = client.get(f"{BASE}/uploaders?rows=50").content.decode()
    assert 'name="name_10"' in html and 'name="name_11"' not in html
    assert "Add another person" not in html
    # Rows beyond ten are never read.
    data = {f"name_{n}": f"P{n}" for n in range(1, 13)}
    data.update({f"email_{n}": f"p{n}@tests.gov.uk" for n in range(1, 13)})
    client.post(f"{BASE}/uploaders?rows=10", data)
    assert len(client.session[flow.SESSION_KEY]["uploaders"]) == 10


def test_check_answers_lists_everything_with_change_links(client, pages, answer):
    answer(pages)
    response = client.get(f"{BASE}/check-your-answers")
    assert response.status_code == 200
    html = response.content.decode()
    assert h1_count(html) == 1
    for text in (
        "Sam Manager",
        "sam.manager@tests.gov.uk",
        "020 7946 0000",
        "Register a test",
        "Department for Tests",
        "https://www.gov.uk/register-a-test",
        "Sent automatically through the data API",
        "A spreadsheet we upload",
        "The feedback survey on our service",
        "Google Analytics 4",
        "View or property ID: 123456789",
        "Every month",
        "Una Uploader (una@tests.gov.uk)",
    ):
        assert text in html, text
    for step in flow.STEPS:
        assert f'href="{step.url()}?change=1"' in html


def test_a_change_link_returns_to_check_answers(client, pages, answer):
    answer(pages)
    response = client.post(f"{BASE}/how-often?change=1", {"cadence": "weekly"})
    assert response.url == f"{BASE}/check-your-answers"
    assert "Every week" in client.get(response.url).content.decode()


def test_check_answers_sends_to_the_first_unanswered_question(client, pages, answer):
    answer(pages[:3])
    assert client.get(f"{BASE}/check-your-answers").url == f"{BASE}/start-page"
    assert client.post(f"{BASE}/check-your-answers").url == f"{BASE}/start-page"
    assert not DashboardRequest.objects.exists()


def test_sending_stores_one_request_audits_it_and_emails(
    client,
    pages,
    answer,
    organisation,
    platform_admin,
    make_user,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    make_user(email="someone@tests.gov.uk")  # not an admin: not told
    answer(pages)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{BASE}/check-your-answers")
    assert response.status_code == 302 and response.url == f"{BASE}/confirmation"
    req = DashboardRequest.objects.get()
    assert req.status == "pending"
    assert (req.contact_name, req.contact_email, req.contact_phone) == (
        "Sam Manager",
        "sam.manager@tests.gov.uk",
        "020 7946 0000",
    )
    assert req.organisation == organisation and req.new_organisation_name == ""
    assert req.service_description == "Lets people register a test.\nOnline."
    assert (req.digital_takeup_source, req.cost_source, req.satisfaction_source) == (
        "api",
        "spreadsheet",
        "done_page",
    )
    assert (req.completion_source, req.analytics_provider, req.analytics_property_id) == (
        "analytics",
        "ga4",
        "123456789",
    )
    assert req.cadence == "monthly"
    assert req.uploaders == [
        {"name": "Una Uploader", "email": "una@tests.gov.uk"},
        {"name": "Ola Other", "email": "ola@tests.gov.uk"},
    ]
    assert re.fullmatch(r"GAD-[A-Z2-9]{4}-[A-Z2-9]{4}", req.reference)
    event = AuditEvent.objects.get(action="request.create")
    assert event.target_id == str(req.pk) and event.organisation_id == organisation.pk
    assert sorted(m.to[0] for m in mailoutbox) == [
        "admin@platform.gov.uk",
        "sam.manager@tests.gov.uk",
    ]
    receipt = next(m for m in mailoutbox if m.to == ["sam.manager@tests.gov.uk"])
    assert req.reference in receipt.subject and req.reference in receipt.body
    notice = next(m for m in mailoutbox if m.to == ["admin@platform.gov.uk"])
    assert f"/manage/requests/{req.pk}" in notice.body
    # The confirmation shows the reference; the answers are gone from the session.
    html = client.get(response.url).content.decode()
    assert req.reference in html and h1_count(html) == 1
    assert flow.SESSION_KEY not in client.session
    # Sending again (a double click) starts the form again: no second request.
    assert client.post(f"{BASE}/check-your-answers").status_code == 302
    assert DashboardRequest.objects.count() == 1


def test_an_organisation_deleted_meanwhile_is_asked_again(client, pages, answer, organisation):
    answer(pages)
    organisation.delete()
    response = client.post(f"{BASE}/check-your-answers")
    assert response.url == f"{BASE}/organisation"
    assert not DashboardRequest.objects.exists()


def test_confirmation_without_a_request_goes_to_the_start(client):
    assert client.get(f"{BASE}/confirmation").url == BASE
