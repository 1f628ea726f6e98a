"""The public site in a real browser (Debian's chromium), with JavaScript and without.

Each test runs twice (``js`` and ``nojs``), checks what a visitor does on the page, has
axe-core audit it for WCAG 2.2 AA (no violations allowed) and keeps a full-page screenshot
in ``test-artifacts/screenshots/<name>-<js|nojs>.png``. See ``conftest.py`` for how axe runs
on a page that had no JavaScript.
"""

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import PHONE, describe, run_axe

pytestmark = pytest.mark.browser

KPI_TITLES = [
    "Transactions per year",
    "Cost per transaction",
    "User satisfaction",
    "Completion rate",
    "Digital take-up",
]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def submit(page, button_name: str, url_pattern: str):
    """Press a form's button and wait for the page it leads to."""
    page.get_by_role("button", name=button_name).click()
    page.wait_for_url(re.compile(url_pattern))
    page.wait_for_load_state()


def service_names(page) -> list[str]:
    return page.locator("#services-table tbody th[scope=row]").all_inner_texts()


def test_the_servers_clock_stands_still(site):
    """The server answers at FROZEN_NOW, however long the tests take (its HTTP Date)."""
    import requests

    from tests.conftest import FROZEN_NOW

    for _ in range(2):
        date = requests.get(site.url + "/performance", timeout=10).headers["Date"]
        assert date == FROZEN_NOW.strftime("%a, %d %b %Y %H:%M:%S GMT")


def test_home(visit):
    visit.goto("/performance")
    page = visit.page
    stylesheet = page.locator("link[rel=stylesheet]").get_attribute("href")
    assert stylesheet and "/static/site/app." in stylesheet, stylesheet
    css = page.request.get(visit.base_url + stylesheet)
    assert css.status == 200 and css.headers["content-type"].startswith("text/css")
    # The stylesheet applies: GOV.UK's black header and its own typeface.
    header = page.locator(".govuk-header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 12, 12)"
    heading = page.locator("h1")
    assert "GDS Transport" in heading.evaluate("e => getComputedStyle(e).fontFamily")
    assert page.locator("#service-dashboards .pp-count-tile__number").inner_text() == "12"
    visit.check("home")


def test_skip_link_is_first_and_moves_focus_to_main(visit):
    visit.goto("/performance/services")
    page = visit.page
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "[document.activeElement.className, document.activeElement.textContent.trim()]"
    )
    assert focused == ["govuk-skip-link", "Skip to main content"]
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("#main-content$"))
    if visit.js:
        # GOV.UK Frontend's skip link script focuses <main> itself.
        assert page.evaluate("document.activeElement.id") == "main-content"
    # With or without JavaScript, the next Tab goes on from <main>, past the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main')?.id") == "main-content"
    assert page.evaluate("document.activeElement.id") == "filter"


def test_services_filter_sort_and_csv(visit):
    visit.goto("/performance/services")
    page = visit.page
    assert len(service_names(page)) == 12
    visit.check("services")

    page.get_by_label("Service name contains").fill("passport")
    submit(page, "Filter services", r"filter=passport")
    assert service_names(page) == ["Renew a passport"]
    assert page.locator("#result-summary").inner_text().startswith("1 service containing")
    assert page.get_by_label("Service name contains").input_value() == "passport"
    visit.check("services-filtered")

    page.get_by_label("Service name contains").fill("")
    page.get_by_label("Department or public body").select_option(label="Department for Transport")
    submit(page, "Filter services", r"department=department-for-transport")
    transport = service_names(page)
    assert sorted(transport) == [
        "Book your driving test",
        "Renew your driving licence",
        "Tax your vehicle",
    ]
    departments = page.locator("#services-table tbody td:nth-of-type(1)").all_inner_texts()
    assert departments == ["Department for Transport"] * 3

    # Sort by service name: the column header is a plain link.
    page.locator("#services-table thead th").first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"sortby=name"))
    page.wait_for_load_state()
    assert query_of(page.url)["department"] == ["department-for-transport"]
    names = service_names(page)
    assert names == sorted(transport)
    assert page.locator("#services-table thead th").first.get_attribute("aria-sort") == (
        "ascending"
    )
    visit.check("services-sorted")

    # The CSV link downloads the same services in the same order.
    slugs = [
        href.removeprefix("/performance/")
        for href in page.locator("#services-table tbody th[scope=row] a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
    ]
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == "services.csv"
    assert query_of(download.url) == query_of(page.url)
    text = download.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["service"] for row in rows] == names
    assert [row["slug"] for row in rows] == slugs
    assert {row["department"] for row in rows} == {"Department for Transport"}


def test_dashboard(visit):
    visit.goto("/performance/renew-passport")
    page = visit.page
    assert page.locator("h1").inner_text() == "Renew a passport"
    tiles = page.locator("ul.pp-kpi-tiles > li.pp-kpi")
    assert tiles.locator(".pp-kpi__title").all_inner_texts() == KPI_TITLES
    for value in tiles.locator(".pp-kpi__value").all_inner_texts():
        assert re.search(r"\d", value), value

    # Every chart is an image whose name comes from its own <title>.
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 5
    for chart in charts.all():
        labelled_by = chart.get_attribute("aria-labelledby").split()
        title = chart.locator(":scope > title")
        assert title.get_attribute("id") == labelled_by[0]
        assert title.text_content().strip()

    # A chart's data table is behind a <details>, which opens on click (no script needed).
    details = page.locator("details.govuk-details").first
    table = details.locator("table")
    assert details.get_attribute("open") is None
    assert not table.is_visible()
    details.locator("summary").click()
    assert details.get_attribute("open") is not None
    assert table.is_visible()
    assert table.locator("tbody tr").count() >= 1
    visit.check("dashboard")


def test_module_with_a_changed_date_range(visit):
    visit.goto("/performance/renew-passport/digital-takeup")
    page = visit.page
    assert page.locator("h1").inner_text() == "Digital take-up"
    page.get_by_label("From", exact=True).fill("2025-01")
    page.get_by_label("To", exact=True).fill("2025-06")
    page.get_by_label("Period", exact=True).select_option("month")
    submit(page, "Show data", r"from=2025-01")
    assert query_of(page.url) == {"from": ["2025-01"], "to": ["2025-06"], "period": ["month"]}
    # The form keeps what was asked for, and the table shows exactly that range.
    assert page.get_by_label("From", exact=True).input_value() == "2025-01"
    assert page.get_by_label("Period", exact=True).input_value() == "month"
    periods = page.locator("main table tbody th[scope=row]").all_inner_texts()
    assert periods[0] == "January 2025"
    assert periods == [
        "January 2025",
        "February 2025",
        "March 2025",
        "April 2025",
        "May 2025",
        "June 2025",
    ]
    assert page.locator(".govuk-error-summary").count() == 0
    visit.check("module")


def test_tab_module(visit):
    visit.goto("/performance/vehicle-tax/volumes")
    page = visit.page
    tabs = page.locator("nav.pp-tabs")
    weekly = tabs.get_by_role("link", name="Weekly transactions")
    monthly = tabs.get_by_role("link", name="Monthly transactions")
    assert weekly.get_attribute("aria-current") == "page"
    assert monthly.get_attribute("aria-current") is None
    assert "Weekly" in page.locator("main table caption").first.inner_text()
    visit.check("tabs-weekly")

    # A plain link: it works the same with JavaScript and without.
    monthly.click()
    page.wait_for_url(re.compile(r"tab=monthly"))
    page.wait_for_load_state()
    assert monthly.get_attribute("aria-current") == "page"
    assert weekly.get_attribute("aria-current") is None
    selected = tabs.locator(".govuk-tabs__list-item--selected")
    assert selected.inner_text() == "Monthly transactions"
    assert "Monthly" in page.locator("main table caption").first.inner_text()
    visit.check("tabs-monthly")


def test_not_found_page(visit):
    visit.goto("/performance/no-such-service", status=404)
    page = visit.page
    assert page.locator("h1").inner_text() == "Page not found"
    assert page.get_by_role("link", name="list of services").get_attribute("href") == (
        "/performance/services"
    )
    visit.check("404")


def test_accessibility_statement(visit):
    visit.goto("/performance")
    page = visit.page
    page.get_by_role("link", name="Accessibility statement").click()
    page.wait_for_url(re.compile(r"/performance/accessibility$"))
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Accessibility statement")
    visit.check("accessibility")


def test_the_audit_finds_violations(visit):
    """axe really audits in both modes: a broken page is reported, readably."""
    visit.goto("/performance/no-such-service", status=404)
    visit.page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/x.png\">')"
    )
    violations = run_axe(visit.page, visit.js)
    assert [violation["id"] for violation in violations] == ["image-alt"]
    report = describe(violations)
    assert '<img src="/x.png">' in report and "Element does not have an alt attribute" in report


# --- every kind of page on a phone ----------------------------------------------------------

# The effective size of every chart's visible text, in CSS pixels: its font size times the
# scale its SVG is drawn at (a chart hidden by the stylesheet has no box and is skipped).
CHART_TEXT_SIZES = """() => {
  const sizes = [];
  for (const text of document.querySelectorAll("figure.pp-chart svg text")) {
    const box = text.getBoundingClientRect();
    if (!box.width || !box.height || !text.textContent.trim()) continue;
    const scale = text.ownerSVGElement.getScreenCTM().a;
    sizes.push(parseFloat(getComputedStyle(text).fontSize) * scale);
  }
  return sizes;
}"""
# Tables whose box hides some of their rows (a scroll box shorter than its table).
CUT_TABLES = """() => [...document.querySelectorAll(".pp-table-scroll")]
  .filter(box => box.scrollHeight > box.clientHeight + 1)
  .map(box => box.getAttribute("aria-label"))"""


def check_layout(visit, *, charts: bool):
    """No sideways scrolling of the page, whole tables, and chart text big enough to read."""
    page = visit.page
    width = visit.viewport["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(CUT_TABLES) == []
    sizes = page.evaluate(CHART_TEXT_SIZES)
    if charts:
        assert sizes, "no chart text found"
    # GOV.UK's smallest body text is 14 px on phones; chart labels stay close to 12 px.
    assert not sizes or min(sizes) >= 11.5, sorted(sizes)[:5]


PAGES = [
    ("home", "/performance", 200, False),
    ("services", "/performance/services", 200, False),
    ("dashboard", "/performance/renew-passport", 200, True),
    # Realtime, availability, the list of links and tabs are on this one.
    ("dashboard-vehicle-tax", "/performance/vehicle-tax", 200, True),
    ("module", "/performance/renew-passport/transactions-by-channel", 200, True),
    ("module-realtime", "/performance/vehicle-tax/live-users", 200, True),
    ("module-tabs", "/performance/vehicle-tax/volumes?tab=monthly", 200, True),
    ("module-bad-dates", "/performance/renew-passport/digital-takeup?from=2025-13", 400, True),
    ("web-traffic", "/performance/web-traffic", 200, False),
    ("other", "/performance/other", 200, False),
    ("404", "/performance/no-such-service", 404, False),
]


@pytest.mark.parametrize(("name", "path", "status", "charts"), PAGES, ids=[p[0] for p in PAGES])
def test_every_kind_of_page_on_a_phone(phone, name, path, status, charts):
    assert phone.viewport == PHONE
    phone.goto(path, status=status)
    check_layout(phone, charts=charts)
    phone.check(f"phone-{name}")


def test_the_dashboard_with_every_other_module_type(visit):
    """Realtime, availability, the list of links and tabs, on a desktop screen."""
    visit.goto("/performance/vehicle-tax")
    check_layout(visit, charts=True)
    links = visit.page.locator("#module-popular-pages ol a")
    assert links.count() == 5
    for box in (links.nth(i).bounding_box() for i in range(links.count())):
        assert box["height"] >= 24, box
    visit.check("dashboard-vehicle-tax")


@pytest.mark.parametrize(("link", "path"), [("web traffic", "web-traffic"), ("other", "other")])
def test_each_homepage_count_leads_to_its_list(visit, link, path):
    visit.goto("/performance")
    page = visit.page
    count = page.locator(f"#{path}-dashboards .pp-count-tile__number").inner_text()
    page.get_by_role("link", name=re.compile(rf"{link} dashboard")).click()
    page.wait_for_url(re.compile(rf"/performance/{path}$"))
    page.wait_for_load_state()
    assert page.locator("#result-summary strong").inner_text() == count
    assert page.locator("#dashboards li").count() == int(count)
    visit.check(f"list-{path}")


def test_the_sign_in_pages(visit):
    """Sign-in, its error summary, password reset, and a broken invitation link: GOV.UK
    pages that axe passes, with JavaScript and without."""
    visit.goto("/manage/sign-in")
    page = visit.page
    assert page.locator("h1").inner_text() == "Sign in"
    visit.check("sign-in")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary")
    assert "Enter your email address" in summary.inner_text()
    assert (
        summary.get_by_role("link", name="Enter your email address").get_attribute("href")
        == "#id_username"
    )
    visit.check("sign-in-errors")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.wait_for_url(re.compile(r"/manage/password-reset$"))
    assert page.locator("h1").inner_text() == "Reset your password"
    visit.check("password-reset")
    page.get_by_label("Email address").fill("nobody@example.gov.uk")
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url(re.compile(r"/manage/password-reset/sent$"))
    assert page.locator("h1").inner_text() == "Check your email"
    visit.check("password-reset-sent")
    visit.goto("/manage/set-password/MQ/forged-link", status=404)
    assert page.locator("h1").inner_text() == "This invitation link does not work"
    visit.check("invitation-invalid")


def test_the_sign_in_page_on_a_phone(phone):
    phone.goto("/manage/sign-in")
    check_layout(phone, charts=False)
    phone.check("phone-sign-in")
