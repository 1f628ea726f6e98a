"""The realtime module in a real browser: without JavaScript it says when its figure was
taken, and with JavaScript it refreshes the figure itself, from the module's JSON twin.

The vehicle tax demo dashboard has a realtime module ("Live users"); the demo's latest
figure is from 3:40pm and the server's clock stands at 3:42:30pm (``FROZEN_NOW``). Pages
ask for figures every second here (``REALTIME_REFRESH_SECONDS``), so the tests need not
wait two minutes. A new figure is written through the real write API, at 3:42pm, and
deleted through it after the test (the demo's data set makes a record's ``_id`` from its
``_timestamp``), so every test starts from the demo's 3:40pm figure. axe-core audits the
pages (WCAG 2.2 AA) at desktop width and on a 375 px screen.
"""

import json
from urllib.parse import quote

import pytest
import requests
from playwright.sync_api import expect

from performance_platform.datastore.validation import auto_id, parse_timestamp

from .conftest import PHONE, VIEWPORT, Visit

pytestmark = pytest.mark.browser

TOKEN = "realtime-browser-test-token-0123456789"
WRITE = "/data/vehicle-tax/realtime"
DASHBOARD = "/performance/vehicle-tax"
TWIN = "/performance/vehicle-tax/live-users.json"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MODULE = "#module-live-users"
DEMO_NOTE = "users online at 3:40pm on 25 November 2026"
NEW_AT = "2026-11-25T15:42:00Z"
NEW_NOTE = "users online at 3:42pm on 25 November 2026"


@pytest.fixture(scope="module")
def server_env() -> dict:
    return {"REALTIME_REFRESH_SECONDS": "1"}


@pytest.fixture(scope="module", autouse=True)
def write_token(site, django_db_blocker) -> str:
    """A write token for the demo's realtime data set (before the browser opens: no
    database work after)."""
    from performance_platform.datastore.models import DataSet, WriteToken

    with django_db_blocker.unblock():
        data_set = DataSet.objects.get(data_group__name="vehicle-tax", data_type__name="realtime")
        WriteToken.issue(data_set, "realtime browser test", token=TOKEN)
    return TOKEN


@pytest.fixture
def write_figure(site):
    """Writes a figure for 3:42pm through the write API, as a collector would send it;
    deletes it after the test, through the API too."""
    written = []

    def write(users: int) -> None:
        record = {"_timestamp": NEW_AT, "for_url": "/vehicle-tax", "unique_visitors": users}
        response = requests.post(site.url + WRITE, json=[record], headers=AUTH, timeout=10)
        assert response.status_code == 200, response.text
        written.append(record)

    yield write
    if written:
        # The demo's data set makes a record's _id from its timestamp (auto_ids).
        record_id = auto_id({"_timestamp": parse_timestamp(NEW_AT)}, ["_timestamp"])
        url = f"{site.url}{WRITE}/{quote(record_id, safe='')}"
        response = requests.delete(url, headers=AUTH, timeout=10)
        assert response.status_code == 200, response.text


def figure(page):
    return page.locator(f"{MODULE} [data-realtime-value]")


def taken(page):
    return page.locator(f"{MODULE} [data-realtime-time]")


def note(page) -> str:
    return page.locator(f"{MODULE} .pp-realtime .pp-kpi__period").inner_text()


def json_asks(visit: Visit) -> list[str]:
    """Every request the page makes for the module's JSON, from now on."""
    asked: list[str] = []
    visit.page.on("request", lambda r: asked.append(r.url) if r.url.endswith(TWIN) else None)
    return asked


def test_the_figure_says_when_it_was_taken(visit, phone, site):
    """With JavaScript or without, the words name the time, on the dashboard and on the
    module's page, and the JSON twin gives the same figure and time."""
    latest = requests.get(site.url + TWIN, timeout=10).json()["latest"]
    assert latest["taken_at_words"] == "3:40pm on 25 November 2026"
    for opened in (visit, phone):
        for path in (DASHBOARD, "/performance/vehicle-tax/live-users"):
            opened.goto(path)
            assert note(opened.page) == DEMO_NOTE
            # The button that stops the updates is the script's: none without it.
            expect(opened.page.locator(f"{MODULE} button")).to_have_count(1 if opened.js else 0)
            expect(figure(opened.page)).to_have_text(latest["display"])
            expect(taken(opened.page)).to_have_attribute("datetime", "2026-11-25T15:40:00Z")
            opened.check(f"realtime-{path.rsplit('/', 1)[-1]}-{opened.viewport['width']}")


def test_without_javascript_the_figure_stays_until_the_page_is_loaded_again(
    browser, site, write_figure
):
    opened = Visit(browser, site.url, js=False)
    try:
        page = opened.page
        opened.goto(DASHBOARD)
        before = figure(page).inner_text()
        assert note(page) == DEMO_NOTE
        write_figure(5102)
        page.wait_for_timeout(3000)  # three refresh intervals: nothing may change
        assert (figure(page).inner_text(), note(page)) == (before, DEMO_NOTE)
        page.reload()
        expect(figure(page)).to_have_text("5,102")
        assert note(page) == NEW_NOTE
        opened.check("realtime-reloaded")
    finally:
        opened.close()


@pytest.mark.parametrize("viewport", [VIEWPORT, PHONE], ids=["desktop", "phone"])
def test_with_javascript_the_figure_refreshes_itself(browser, site, write_figure, viewport):
    opened = Visit(browser, site.url, js=True, viewport=viewport)
    try:
        page = opened.page
        asked = json_asks(opened)
        opened.goto(DASHBOARD)
        assert note(page) == DEMO_NOTE
        # The live region is the figure and its words, not the module.
        region = page.locator(f"{MODULE} [aria-live]")
        expect(region).to_have_count(1)
        expect(region).to_have_attribute("aria-live", "polite")
        expect(region).to_have_class("pp-realtime__figure")

        users = 6200 + viewport["width"]
        write_figure(users)
        # No reload: the script asks the JSON twin and changes the figure and its time.
        expect(figure(page)).to_have_text(f"{users:,}")
        expect(taken(page)).to_have_text("3:42pm on 25 November 2026")
        expect(taken(page)).to_have_attribute("datetime", NEW_AT)
        assert note(page) == NEW_NOTE
        assert asked, "the page never asked for the module's JSON"
        opened.check(f"realtime-refreshed-{viewport['width']}")
    finally:
        opened.close()


def test_the_refresh_fails_quietly_and_skips_answers_without_a_figure(browser, site, write_figure):
    opened = Visit(browser, site.url, js=True)
    try:
        page = opened.page
        asked = json_asks(opened)
        opened.goto(DASHBOARD)
        before = figure(page).inner_text()

        # The network fails: the figure and its time stay as they were.
        page.route(f"**{TWIN}", lambda route: route.abort("internetdisconnected"))
        write_figure(7301)
        _wait_for_asks(page, asked, len(asked) + 2)
        assert (figure(page).inner_text(), note(page)) == (before, DEMO_NOTE)
        page.unroute(f"**{TWIN}")

        # An answer without the figure, one with a figure that is not a number, and one
        # older than the page's: nothing changes either.
        older = {
            "value": 1,
            "display": "1",
            "taken_at": "2026-11-25T15:30:00Z",
            "taken_at_words": "3:30pm on 25 November 2026",
            "old": True,
        }
        for body in (
            "{}",
            '{"latest": {"value": "many", "display": "many"}}',
            json.dumps({"latest": older}),
        ):
            page.route(f"**{TWIN}", answer_with(body))
            _wait_for_asks(page, asked, len(asked) + 2)
            assert (figure(page).inner_text(), note(page)) == (before, DEMO_NOTE)
            page.unroute(f"**{TWIN}")

        # The network is back: the next ask brings the new figure.
        expect(figure(page)).to_have_text("7,301")
        assert note(page) == NEW_NOTE
        assert not opened.errors, opened.errors
    finally:
        opened.close()


def test_the_refresh_stops_while_the_page_is_hidden(browser, site, write_figure):
    opened = Visit(browser, site.url, js=True)
    try:
        page = opened.page
        asked = json_asks(opened)
        opened.goto(DASHBOARD)
        _wait_for_asks(page, asked, 1)  # it is running
        set_visibility(page, "hidden")
        page.wait_for_timeout(500)  # an ask already under way may finish
        hidden_at = len(asked)
        write_figure(8402)
        page.wait_for_timeout(3000)  # three intervals
        assert len(asked) == hidden_at, "the page asked for the figure while hidden"
        assert note(page) == DEMO_NOTE
        set_visibility(page, "visible")
        # Seen again: it asks at once (an ask is overdue), and shows the new figure.
        expect(figure(page)).to_have_text("8,402", timeout=2000)
        assert note(page) == NEW_NOTE
    finally:
        opened.close()


def test_the_updates_can_be_stopped_and_started_again(browser, site, write_figure):
    """WCAG 2.2.2: a figure that changes by itself can be stopped. The button is the
    script's own: without JavaScript there is nothing to stop, and no button."""
    opened = Visit(browser, site.url, js=True)
    try:
        page = opened.page
        asked = json_asks(opened)
        opened.goto(DASHBOARD)
        stop = page.get_by_role("button", name="Stop updating this figure", exact=True)
        expect(stop).to_be_visible()
        stop.focus()
        page.keyboard.press("Enter")
        page.wait_for_timeout(500)  # an ask already under way may finish
        stopped_at = len(asked)
        write_figure(9503)
        page.wait_for_timeout(3000)  # three intervals
        assert len(asked) == stopped_at, "the page asked for the figure after it was stopped"
        assert note(page) == DEMO_NOTE
        start = page.get_by_role("button", name="Start updating this figure", exact=True)
        expect(start).to_be_focused()
        opened.check("realtime-stopped")
        start.click()
        expect(figure(page)).to_have_text("9,503", timeout=2000)
        expect(stop).to_be_visible()
    finally:
        opened.close()


def answer_with(body: str):
    """A route handler answering the module's JSON with ``body``."""

    def handle(route):
        route.fulfill(status=200, content_type="application/json", body=body)

    return handle


def _wait_for_asks(page, asked: list[str], count: int, timeout_ms: int = 10_000) -> None:
    waited = 0
    while len(asked) < count:
        assert waited < timeout_ms, f"the page asked {len(asked)} times, not {count}"
        page.wait_for_timeout(100)
        waited += 100


def set_visibility(page, state: str) -> None:
    """Hide or show the page as a browser does for a background tab (headless Chromium
    never hides a page): ``document.visibilityState`` and the ``visibilitychange`` event."""
    page.evaluate(
        """(state) => {
          const hidden = state === "hidden";
          Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
          Object.defineProperty(document, "hidden", {value: hidden, configurable: true});
          document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )
