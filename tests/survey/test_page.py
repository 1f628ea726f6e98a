"""The done page: the question, its errors, the thank-you page, and which dashboards have one."""

import pytest
from django.test import Client

from performance_platform.dashboards.models import Dashboard
from performance_platform.survey.models import SurveyResponse

from .conftest import DONE, SLUG, THANKS, answer, make_service

pytestmark = pytest.mark.django_db


def test_the_page_asks_the_question_with_five_answers_and_a_comment_box(client, service):
    page = client.get(DONE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Overall, how did you feel about the service you received today?" in html
    for label in (
        "Very satisfied",
        "Satisfied",
        "Neither satisfied or dissatisfied",
        "Dissatisfied",
        "Very dissatisfied",
    ):
        assert f">{label}</label>" in html
    assert html.count('type="radio"') == 5
    assert "How could we improve this service?" in html
    # The character count works without JavaScript: its message is in the page.
    assert 'data-module="govuk-character-count"' in html
    assert 'data-maxlength="1200"' in html
    assert "You can enter up to 1200 characters" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "csrfmiddlewaretoken" in html
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]


def test_an_answer_redirects_to_a_thank_you_page_that_shows_no_figures(client, service):
    response = answer(client, "4", "Quicker please")
    assert response.status_code == 302
    assert response["Location"] == THANKS
    thanks = client.get(THANKS)
    assert thanks.status_code == 200
    html = thanks.content.decode()
    assert "Thank you for your feedback" in html
    # Nothing aggregated: no percentage, no count of answers.
    assert "%" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    assert "Satisfied" not in html
    assert SurveyResponse.objects.get().comment == "Quicker please"


def test_no_answer_shows_the_error_summary_and_keeps_the_comment(client, service):
    response = answer(client, "", "My comment stays")
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_rating"' in html
    assert "Select how you feel about the service you received today" in html
    assert html.startswith("<!DOCTYPE html>")
    assert "<title>Error: " in html
    assert "My comment stays</textarea>" in html
    assert not SurveyResponse.objects.exists()


def test_a_draft_dashboard_has_a_done_page_before_it_is_published(client, org):
    make_service("draft-service", org, status=Dashboard.Status.DRAFT)
    assert client.get("/performance/draft-service/done").status_code == 200


def test_an_unpublished_dashboard_has_none(client, org):
    dashboard, _ = make_service("gone-service", org, status=Dashboard.Status.DRAFT)
    Dashboard.objects.filter(pk=dashboard.pk).update(unpublished_at="2026-01-01T00:00:00Z")
    assert client.get("/performance/gone-service/done").status_code == 404
    assert client.get("/performance/gone-service/done/thank-you").status_code == 404


def test_a_dashboard_without_a_ratings_data_set_has_none(client, org):
    make_service("no-ratings", org, ratings=False)
    assert client.get("/performance/no-ratings/done").status_code == 404
    assert client.post("/performance/no-ratings/done", {"rating": "5"}).status_code in (403, 404)


def test_an_unknown_dashboard_has_none(client, db):
    assert client.get("/performance/no-such-thing/done").status_code == 404
    assert client.get("/performance/no-such-thing/done/thank-you").status_code == 404


def test_other_methods_are_refused(client, service):
    assert client.put(DONE).status_code == 405
    assert client.post(THANKS).status_code in (403, 405)


def test_csrf_is_enforced(service):
    browser = Client(enforce_csrf_checks=True)
    refused = browser.post(DONE, {"rating": "5", "comment": "no token"})
    assert refused.status_code == 403
    assert not SurveyResponse.objects.exists()
    accepted = answer(browser, "5", "with a token")
    assert accepted.status_code == 302
    assert SurveyResponse.objects.get().comment == "with a token"


def test_the_done_page_does_not_hide_the_dashboard(client, service):
    """The route sits before the public site's; the dashboard page itself still answers."""
    assert client.get(f"/performance/{SLUG}").status_code == 200


def test_a_module_cannot_take_the_done_pages_address(dashboard):
    from django.core.exceptions import ValidationError

    from performance_platform.dashboards.models import Module

    module = Module(dashboard=dashboard, slug="done", type="section", title="Done", order=9)
    with pytest.raises(ValidationError) as refused:
        module.full_clean()
    assert "done-page survey" in str(refused.value)
