"""Hostile input to the done page: floods, long comments, script, wrong types, bots.
Every refusal is a clear message (or a 429 page), never a 500, and stores nothing."""

import pytest
from django.test import Client

from performance_platform.survey.models import SurveyResponse

from .conftest import COMMENTS, DONE, THANKS, answer, stored

pytestmark = pytest.mark.django_db


def test_a_flood_is_stopped_by_the_rate_limit(client, service, settings):
    settings.SURVEY_RATE = "3/h"
    _, ratings = service
    codes = [answer(client, "5").status_code for _ in range(6)]
    assert codes == [302, 302, 302, 429, 429, 429]
    refused = answer(client, "5")
    assert "too many answers from your connection" in refused.content.decode()
    assert SurveyResponse.objects.count() == 3
    assert stored(ratings)[0]["rating_5"] == 3


def test_the_rate_limit_is_per_client_address(service, settings):
    settings.SURVEY_RATE = "1/h"
    first = Client(REMOTE_ADDR="192.0.2.1")
    second = Client(REMOTE_ADDR="192.0.2.2")
    assert answer(first, "5").status_code == 302
    assert answer(first, "5").status_code == 429
    assert answer(second, "5").status_code == 302
    assert SurveyResponse.objects.count() == 2


def test_a_comment_over_the_limit_is_refused_with_a_message(client, service):
    response = answer(client, "3", "x" * 1201)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Your comment must be 1,200 characters or fewer" in html
    assert 'href="#id_comment"' in html
    assert not SurveyResponse.objects.exists()
    assert answer(client, "3", "x" * 1200).status_code == 302
    assert len(SurveyResponse.objects.get().comment) == 1200


def test_a_huge_comment_is_refused_not_a_500(client, service):
    response = answer(client, "3", "y" * 500_000)
    assert response.status_code == 400
    assert not SurveyResponse.objects.exists()


def test_line_breaks_count_once(client, service):
    assert answer(client, "3", "a\r\n" * 600).status_code == 302
    assert SurveyResponse.objects.get().comment == ("a\n" * 600).strip()


@pytest.mark.parametrize(
    "rating",
    [
        "0",
        "6",
        "-1",
        "5.0",
        "five",
        "Very satisfied",
        " ",
        "1e0",
        "\x00",
        "5\x00",
        "٥",
        "99999999999999999999",
    ],
)
def test_unknown_ratings_are_a_form_error(client, service, rating):
    response = answer(client, rating)
    assert response.status_code == 400
    assert "Select one of the answers" in response.content.decode() or (
        "Select how you feel" in response.content.decode()
    )
    assert not SurveyResponse.objects.exists()


def test_a_rating_sent_twice_or_as_a_list_is_handled(client, service):
    page = client.get(DONE)
    token = page.cookies["csrftoken"].value
    response = client.post(DONE, {"rating": ["5", "1"], "csrfmiddlewaretoken": token})
    # The last value wins, as for any form field: a real answer, not a crash.
    assert response.status_code == 302
    assert SurveyResponse.objects.get().rating == 1


def test_missing_fields_and_other_bodies_never_500(client, service):
    assert client.post(DONE, {}).status_code == 400
    assert client.post(DONE, {"comment": "only a comment"}).status_code == 400
    json_body = client.post(DONE, data='{"rating": 5}', content_type="application/json")
    assert json_body.status_code == 400
    raw = client.post(DONE, data=b"\xff\xfe\x00", content_type="application/x-www-form-urlencoded")
    assert raw.status_code == 400
    assert not SurveyResponse.objects.exists()


def test_a_nul_character_in_a_comment_is_a_form_error(client, service):
    response = answer(client, "4", "bad\x00byte")
    assert response.status_code == 400
    assert "Null characters are not allowed" in response.content.decode()


def test_a_filled_honeypot_is_thanked_and_dropped(client, service):
    _, ratings = service
    response = answer(client, "1", "buy pills", website="http://spam.example")
    assert response.status_code == 302
    assert response["Location"] == THANKS
    assert not SurveyResponse.objects.exists()
    assert stored(ratings) == []
    # Even when the rest of the form is nonsense: a bot learns nothing from an error.
    again = answer(client, "not-a-rating", website="x")
    assert again.status_code == 302
    assert not SurveyResponse.objects.exists()


def test_script_is_stored_as_text_and_escaped_for_the_manager(client, service, manager):
    answer(client, "2", '<script>alert("x")</script><img src=x onerror=alert(1)>')
    assert SurveyResponse.objects.get().comment.startswith("<script>")
    client.force_login(manager)
    page = client.get(COMMENTS).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_personal_data_is_removed_before_storing(client, service):
    answer(
        client,
        "2",
        "Ring me on 07700 900123 or write to jo.bloggs@example.com; NI QQ 12 34 56 C.",
    )
    comment = SurveyResponse.objects.get().comment
    assert comment == (
        "Ring me on [phone number removed] or write to [email removed]; "
        "NI [National Insurance number removed]."
    )


def test_the_page_with_a_query_string_or_odd_slug_is_not_a_500(client, service):
    assert client.get(DONE + "?rating=5&comment=<script>").status_code == 200
    assert client.get("/performance/UPPER/done").status_code == 404
    assert client.get("/performance/a%00b/done").status_code == 404
    assert not SurveyResponse.objects.exists()
