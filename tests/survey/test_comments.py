"""The managers' comments page: who may read it, search, pages, the CSV; the retention
task; the hub's done-page panel."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine

from performance_platform.survey import tasks
from performance_platform.survey.counting import record_answer
from performance_platform.survey.models import SurveyResponse
from tests.conftest import FROZEN_NOW

from .conftest import COMMENTS, SLUG, answer, stored

pytestmark = pytest.mark.django_db


def test_managers_and_platform_admins_read_the_comments(client, service, manager, platform_admin):
    answer(client, "2", "The form timed out")
    answer(client, "5", "")  # no comment: not listed
    for person in (manager, platform_admin):
        client.force_login(person)
        page = client.get(COMMENTS)
        assert page.status_code == 200
        html = page.content.decode()
        assert "The form timed out" in html
        assert "Dissatisfied" in html
        assert "1 comment." in html
        assert 'content="noindex, nofollow"' in html


@pytest.mark.parametrize("who", ["signer_off", "outsider", "anonymous"])
def test_anyone_else_gets_nothing(client, service, who, request):
    answer(client, "2", "private words")
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
        assert client.get(COMMENTS).status_code == 404
        assert client.get(COMMENTS + ".csv").status_code == 404
    else:
        page = client.get(COMMENTS)
        assert page.status_code == 302
        assert "/manage/sign-in" in page["Location"]
        assert client.get(COMMENTS + ".csv").status_code == 302


def test_an_unknown_dashboard_is_a_404(client, service, platform_admin):
    client.force_login(platform_admin)
    assert client.get("/manage/dashboards/no-such/comments").status_code == 404


def test_search_and_the_answer_filter(client, dashboard, ratings, manager):
    record_answer(dashboard, ratings, 1, "The payment page crashed")
    record_answer(dashboard, ratings, 4, "Payment was fine, the letter was slow")
    record_answer(dashboard, ratings, 5, "Lovely")
    client.force_login(manager)
    html = client.get(COMMENTS, {"q": "payment"}).content.decode()
    assert "crashed" in html and "letter was slow" in html and "Lovely" not in html
    assert "2 comments match this search" in html
    html = client.get(COMMENTS, {"q": "payment slow"}).content.decode()
    assert "letter was slow" in html and "crashed" not in html
    html = client.get(COMMENTS, {"rating": "1"}).content.decode()
    assert "crashed" in html and "Lovely" not in html
    # Nonsense filters are ignored, not errors.
    for params in ({"rating": "9"}, {"q": "x" * 5000}, {"q": "a\x00b"}, {"page": "-3"}):
        assert client.get(COMMENTS, params).status_code == 200
    assert "No comments match this search" in client.get(COMMENTS, {"q": "zebra"}).content.decode()


def test_pages_of_fifty(client, dashboard, ratings, manager):
    for n in range(120):
        SurveyResponse.objects.create(
            dashboard=dashboard,
            rating=3,
            comment=f"comment number {n:03d}",
            created_at=FROZEN_NOW - timedelta(minutes=n),
        )
    client.force_login(manager)
    first = client.get(COMMENTS).content.decode()
    assert "comment number 000" in first and "comment number 050" not in first
    assert "Showing 1 to 50" in first
    third = client.get(COMMENTS, {"page": "3"}).content.decode()
    assert "comment number 119" in third and "Showing 101 to 120" in third
    assert 'aria-label="Pages of comments"' in first


def test_the_csv_export_is_safe_and_follows_the_search(client, dashboard, ratings, manager):
    record_answer(dashboard, ratings, 1, '=HYPERLINK("http://evil.example")')
    record_answer(dashboard, ratings, 5, "Great, call 07700 900123")
    client.force_login(manager)
    response = client.get(COMMENTS + ".csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["created_at", "rating", "answer", "comment"]
    comments = {row[3] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil.example")' in comments
    assert "Great, call [phone number removed]" in comments
    only = client.get(COMMENTS + ".csv", {"rating": "5"}).content.decode("utf-8-sig")
    assert "HYPERLINK" not in only and "Great" in only


def test_old_answers_are_deleted_after_the_retention_period(dashboard, ratings, settings):
    settings.SURVEY_COMMENT_RETENTION_DAYS = 30
    with time_machine.travel(FROZEN_NOW - timedelta(days=31), tick=False):
        record_answer(dashboard, ratings, 2, "old")
    with time_machine.travel(FROZEN_NOW - timedelta(days=29), tick=False):
        record_answer(dashboard, ratings, 4, "recent")
    counts_before = stored(ratings)
    assert tasks.delete_expired() == 1
    assert list(SurveyResponse.objects.values_list("comment", flat=True)) == ["recent"]
    # The day's counts stay: they hold no comment.
    assert stored(ratings) == counts_before
    assert tasks.delete_expired() == 0


def test_the_retention_task_is_scheduled(settings):
    entry = settings.WORKER_SCHEDULE["survey-retention"]
    assert entry["task"] == "performance_platform.survey.tasks.delete_expired_comments"
    assert entry["every"] > 0
    result = tasks.delete_expired_comments.call()
    assert result == {"deleted": 0}


def test_the_hub_shows_the_link_the_snippet_and_the_comments(client, service, manager, settings):
    settings.SITE_URL = "https://performance.example"
    client.force_login(manager)
    html = client.get(f"/manage/dashboards/{SLUG}").content.decode()
    url = f"https://performance.example/performance/{SLUG}/done"
    assert f'href="{url}"' in html
    # The snippet, escaped as text in a textarea, ready to copy.
    assert f"&lt;a class=&quot;govuk-link&quot; href=&quot;{url}&quot;&gt;" in html
    assert f"/manage/dashboards/{SLUG}/comments" in html


def test_a_signer_off_sees_the_link_but_not_the_comments(client, service, signer_off):
    client.force_login(signer_off)
    html = client.get(f"/manage/dashboards/{SLUG}").content.decode()
    assert f"/performance/{SLUG}/done" in html
    assert f"/manage/dashboards/{SLUG}/comments" not in html


def test_the_hub_says_how_to_get_a_done_page_without_the_module(client, org, platform_admin):
    from .conftest import make_service

    make_service("no-ratings", org, ratings=False)
    client.force_login(platform_admin)
    html = client.get("/manage/dashboards/no-ratings").content.decode()
    assert "Add the user satisfaction module to give this dashboard a done page" in html
    assert "/performance/no-ratings/done" not in html


def test_a_department_dashboard_has_no_panel(client, org, platform_admin):
    from performance_platform.dashboards.models import Dashboard

    Dashboard.objects.create(
        slug="home-office", title="Home Office", dashboard_type="department", organisation=org
    )
    client.force_login(platform_admin)
    html = client.get("/manage/dashboards/home-office").content.decode()
    assert "Done page survey" not in html
