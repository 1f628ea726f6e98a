"""The done-page survey, whole, in a real browser, with JavaScript and without.

Someone finishing "Tax your vehicle" opens its done page, sends it with no answer (the
error summary says what to do), answers with a comment that holds a phone number and
some script, and is thanked; a second person answers too. The worker runs; the public
dashboard's user-satisfaction tile shows the score that the month's counts (the demo's
and these answers) give. The demo manager finds the done-page link and snippet in the
hub, and reads the comment (phone number removed, script shown as text). axe-core
audits every page (WCAG 2.2 AA) at desktop width and on a 375 px screen.
"""

import pytest
import requests

from performance_platform.kpis.change import display

from .conftest import PHONE, Visit
from .test_upload import PASSWORD, people, press, run_the_worker, worker_env  # noqa: F401

pytestmark = pytest.mark.browser

SLUG = "vehicle-tax"
DONE = f"/performance/{SLUG}/done"
MANAGER = "manager@demo.example"
# The month FROZEN_NOW (25 November 2026) falls in: where today's answers are counted.
MONTH = {"start_at": "2026-11-01T00:00:00Z", "end_at": "2026-12-01T00:00:00Z"}
LABELS = {
    5: "Very satisfied",
    4: "Satisfied",
    3: "Neither satisfied or dissatisfied",
    2: "Dissatisfied",
    1: "Very dissatisfied",
}


def month_counts(base_url: str) -> dict[int, int]:
    """The month's rating counts, through the public read API (as the transform reads)."""
    params = {
        "period": "month",
        **MONTH,
        "collect": [f"rating_{k}:sum" for k in range(1, 6)],
        "flatten": "true",
    }
    response = requests.get(f"{base_url}/data/{SLUG}/customer-satisfaction", params, timeout=30)
    assert response.status_code == 200, response.text
    rows = [row for row in response.json()["data"] if row.get("_count")]
    return {k: sum(int(row.get(f"rating_{k}:sum") or 0) for row in rows) for k in range(1, 6)}


def answer(visit: Visit, rating: int, comment: str = ""):
    page = visit.page
    page.get_by_label(LABELS[rating], exact=True).check()
    if comment:
        page.get_by_label("How could we improve this service? (optional)").fill(comment)
    press(page, "Send feedback")


def test_a_rating_reaches_the_dashboard_and_its_comment_the_manager(
    browser,
    site,
    js,
    worker_env,  # noqa: F811
):
    before = month_counts(site.url)
    mine = [5, 2] if js else [1, 4]
    comment = (
        f"<script>alert('{'js' if js else 'nojs'}')</script> The payment page froze; "
        "call me on 07700 900123"
    )
    visit = Visit(browser, site.url, js)
    page = visit.page
    try:
        visit.goto(DONE)
        assert page.locator("h1").inner_text() == (
            "Overall, how did you feel about the service you received today?"
        )
        # The character count: GOV.UK Frontend's live count with JavaScript, the static
        # message without.
        message = page.locator(".govuk-character-count__message, .govuk-character-count__status")
        assert "1200 characters" in " ".join(message.all_inner_texts())
        visit.check("survey-done")

        press(page, "Send feedback")
        summary = page.locator(".govuk-error-summary")
        assert summary.is_visible()
        assert "Select how you feel about the service you received today" in summary.inner_text()
        assert page.title().startswith("Error:")
        visit.check("survey-error")
        if js:
            assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")

        answer(visit, mine[0], comment)
        assert page.url.endswith(f"{DONE}/thank-you")
        assert page.locator("h1").inner_text() == "Thank you for your feedback"
        assert "%" not in page.locator("main").inner_text()
        visit.check("survey-thanks")

        visit.goto(DONE)
        answer(visit, mine[1])
        assert page.url.endswith(f"{DONE}/thank-you")

        after = month_counts(site.url)
        expected = dict(before)
        for rating in mine:
            expected[rating] += 1
        assert after == expected

        run_the_worker(worker_env)
        visit.goto(f"/performance/{SLUG}")
        responses = sum(after.values())
        score = (sum(k * n for k, n in after.items()) / responses - 1) / 4
        tile = page.locator("#kpi-user_satisfaction .pp-kpi__value").inner_text()
        assert tile == display(score, "percent")

        visit.goto("/manage/sign-in")
        page.get_by_label("Email address").fill(MANAGER)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        press(page, "Sign in")
        visit.goto(f"/manage/dashboards/{SLUG}")
        snippet = page.locator("#done-page-snippet").input_value()
        assert f'/performance/{SLUG}/done">What did you think of this service?</a>' in snippet
        visit.check("survey-hub")
        page.get_by_role("link", name="Read the comments", exact=False).click()
        page.wait_for_load_state()
        table = page.locator("#comments").inner_text()
        assert f"<script>alert('{'js' if js else 'nojs'}')</script>" in table
        assert "call me on [phone number removed]" in table
        assert "07700" not in table
        assert page.locator("#comments script").count() == 0  # text, never markup
        visit.check("survey-comments")
    finally:
        visit.close()


def test_the_survey_pages_fit_a_phone(browser, site, js):
    visit = Visit(browser, site.url, js, viewport=PHONE)
    page = visit.page
    try:
        visit.goto(DONE)
        visit.check("survey-done-phone")
        press(page, "Send feedback")
        assert page.locator(".govuk-error-summary").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        visit.check("survey-error-phone")
        answer(visit, 3, "Fine on my phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        visit.check("survey-thanks-phone")
        visit.goto("/manage/sign-in")
        page.get_by_label("Email address").fill(MANAGER)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        press(page, "Sign in")
        visit.goto(f"/manage/dashboards/{SLUG}/comments")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        visit.check("survey-comments-phone")
    finally:
        visit.close()
