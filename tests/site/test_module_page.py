"""Module pages (``/performance/<slug>/<module>`` and ``.json``, ``.csv``), on the demo.

Spec (B2.5, B6, B7): every module type's page renders with its full table (not hidden in
a ``<details>``) and a JSON download link that is exactly the read-API query behind the
page; the GET date form changes the range and explains bad input with a GOV.UK error
summary (400, never 500); tabs are links (``?tab=``); section children have their own
URLs; unknown modules are not found; the ``.csv`` twin holds the table; hostile paths and
parameters never fail.
"""

import time
from datetime import date, timedelta

import pytest
from django.utils import timezone

from performance_platform.dashboards.models import Module
from performance_platform.site.renderers.labels import label_for
from tests.conftest import FROZEN_NOW

from .pages_fixtures import (
    api_rows,
    body_rows,
    csv_rows,
    demo,  # noqa: F401
    fresh_page_cache,  # noqa: F401
    header_cells,
    json_of,
    main_of,
    parse,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo", "fresh_page_cache")]


# --- checks of a page's figures against the read API's rows -----------------------------------
# Each takes the rows the page's JSON link returns and the page's table (its .json ``data``).


def check_kpi(rows, data):
    assert rows[0]["cost_per_transaction"] == data[0]["Cost per transaction"]
    assert rows[1]["cost_per_transaction"] == data[1]["Cost per transaction"]


def check_single(rows, data):
    assert [r["rate:mean"] for r in rows] == [d["Digital take-up"] for d in data]


def check_satisfaction(rows, data):
    # Every month of the range, the last one included even when its survey has not come in
    # yet (the demo's monthly data ends with the last whole month before this Monday): a
    # month with data shows every rating, a month without shows none, never a zero.
    labels = ["Very dissatisfied", "Dissatisfied", "Neither satisfied or dissatisfied"]
    labels += ["Satisfied", "Very satisfied"]
    assert len(rows) == len(data)
    assert any(row["_count"] for row in rows)
    for row, shown in zip(rows, data, strict=True):
        assert row["score:mean"] == shown["User satisfaction"]
        assert row["num_responses:sum"] == shown["Responses"]
        for number, label in enumerate(labels, start=1):
            assert shown[label] == row[f"rating_{number}:sum"], label
            assert (shown[label] is not None) == bool(row["_count"]), (shown["Period"], label)


def check_completion(rows, data):
    weeks: dict = {}
    for row in rows:
        weeks.setdefault(row["_start_at"], {})[row["stage"]] = row["count:sum"]
    assert len(weeks) == len(data)
    for week, entry in zip(sorted(weeks), data, strict=True):
        assert entry["Completed"] == weeks[week]["done"]
        assert entry["Started"] == weeks[week]["start"]
        assert entry["Completion rate"] == pytest.approx(
            weeks[week]["done"] / weeks[week]["start"], rel=1e-12
        )


def check_bar(rows, data):
    values = [r["cost_per_transaction:mean"] for r in rows][-6:]
    assert [d["Cost per transaction by quarter"] for d in data] == values


def check_grouped(rows, data):
    totals: dict = {}
    for group in rows:
        for value in group["values"]:
            totals[value["_start_at"]] = totals.get(value["_start_at"], 0) + (
                value["count:sum"] or 0
            )
    assert [d["Total"] for d in data] == [totals[k] for k in sorted(totals)]
    # The table names channels for people ("Paper form"), not by their keys.
    assert {label_for(g["channel"]) for g in rows} <= set(data[0])


def check_realtime(rows, data):
    assert [d["Number of unique visitors"] for d in data] == [r["unique_visitors"] for r in rows]


def check_availability(rows, data):
    assert len(rows) == len(data) == 30
    for row, entry in zip(rows, data, strict=True):
        up, down = row["uptime:sum"], row["downtime:sum"]
        assert entry["Uptime"] == pytest.approx(up / (up + down), rel=1e-12)
        assert entry["Page load time"] == row["avgresponse:mean"]


def check_list(rows, data):
    assert [d["Item"] for d in data] == [r["pageTitle"] for r in rows]
    assert [d["Link"] for d in data] == [f"https://www.gov.uk{r['pagePath']}" for r in rows]


def check_journey(rows, data):
    steps = {r["step"]: r["count:sum"] for r in rows}
    users = {d["Step"]: d["Number of users"] for d in data}
    assert users["Start page"] == steps["start"]
    assert users["Application sent"] == steps["done"]
    assert data[-1]["Percentage relative to start"] == pytest.approx(
        steps["done"] / steps["start"], rel=1e-12
    )


def check_column(rows, data):
    by_days: dict = {}
    for row in rows:
        by_days[row["days"]] = by_days.get(row["days"], 0) + row["count:sum"]
    shown = {d["Working days"]: d["Applications"] for d in data}
    assert shown["1"] == by_days[1]
    assert shown["10+"] == sum(v for k, v in by_days.items() if k >= 10)


def check_table(rows, data):
    newest_first = sorted(rows, key=lambda r: r["_timestamp"], reverse=True)
    assert [d["Cost per transaction"] for d in data] == [
        r["cost_per_transaction"] for r in newest_first
    ]
    assert [d["Transactions"] for d in data] == [r["transactions"] for r in newest_first]


def check_completion_table(rows, data):
    counts: dict = {}
    for row in rows:
        counts.setdefault(row["device"], {}).setdefault(row["stage"], 0)
        counts[row["device"]][row["stage"]] += row["count:sum"]
    assert [d["Device"] for d in data] == sorted(counts)
    for entry in data:
        device = counts[entry["Device"]]
        assert (entry["Started"], entry["Completed"]) == (device["start"], device["done"])
        assert entry["Completion rate"] == pytest.approx(device["done"] / device["start"])


# Module type -> (a page of that type in the demo, its check).
LEAVES = {
    "kpi": ("renew-passport/cost-per-transaction-latest", check_kpi),
    "single_timeseries": ("renew-passport/digital-takeup", check_single),
    "user_satisfaction_graph": ("renew-passport/user-satisfaction", check_satisfaction),
    "completion_rate": ("renew-passport/completion-rate", check_completion),
    "bar_chart_with_number": ("renew-passport/cost-per-transaction", check_bar),
    "grouped_timeseries": ("renew-passport/transactions-by-channel", check_grouped),
    "realtime": ("vehicle-tax/live-users", check_realtime),
    "availability": ("vehicle-tax/service-availability", check_availability),
    "list": ("vehicle-tax/popular-pages", check_list),
    "journey": ("renew-passport/application-journey", check_journey),
    "column": ("renew-passport/processing-times", check_column),
    "table": ("renew-passport/quarterly-costs/cost-table", check_table),
    "completion_table": ("self-assessment/completion-by-device", check_completion_table),
}
CONTAINERS = {"tab": "vehicle-tax/volumes", "section": "renew-passport/quarterly-costs"}
# The grouped timeseries in its other two styles (stacked areas, 100% shares).
EXTRA_LEAVES = {
    "stacked": ("apply-for-a-visa/transactions-by-channel", check_grouped),
    "percent": ("basic-dbs-check/transactions-by-channel", check_grouped),
}
ALL_LEAVES = {**LEAVES, **EXTRA_LEAVES}


def page(client, path: str, query: str = ""):
    response = client.get(f"/performance/{path}{query}")
    assert response.status_code == 200, (path, query, response.status_code)
    return response


def module_of(path: str) -> Module:
    dashboard, *slugs = path.split("/")
    return Module.objects.get(dashboard__slug=dashboard, slug=slugs[-1])


def months_back(count: int) -> date:
    today = date.today()
    year, month = divmod(today.year * 12 + today.month - 1 - count, 12)
    return date(year, month + 1, 1)


def test_the_clock_stands_still_at_the_demos_load(client):
    """Pages that show "now", "the past 24 hours" or "last week" give one answer per run:
    the clock is fixed where the demo was loaded, and does not move during a test."""
    first = timezone.now()
    time.sleep(0.01)
    assert timezone.now() == first == FROZEN_NOW
    assert date.today() == FROZEN_NOW.date()


def test_the_pages_here_cover_every_module_type_in_the_demo():
    demo_types = set(
        Module.objects.filter(dashboard__status="published").values_list("type", flat=True)
    )
    assert demo_types == set(LEAVES) | set(CONTAINERS)
    for path, _check in ALL_LEAVES.values():
        assert module_of(path).type in LEAVES
    assert {module_of(p).type for p in CONTAINERS.values()} == set(CONTAINERS)


# --- each module type's page --------------------------------------------------------------


@pytest.mark.parametrize("kind", list(ALL_LEAVES))
def test_module_page_shows_the_full_table(client, kind):
    path, _check = ALL_LEAVES[kind]
    module = module_of(path)
    response = page(client, path)
    dashboard = path.split("/")[0]
    # The vehicle-tax dashboard shows users online: its pages are kept a minute only.
    lifetime = 60 if dashboard == "vehicle-tax" else 600
    assert response["Cache-Control"] == f"public, max-age={lifetime}"
    main = main_of(response)
    assert main.one("h1").text() == module.title
    assert main.one("span", class_="govuk-caption-l").one("a").get("href") == (
        f"/performance/{dashboard}"
    )
    assert main.find("details") is None  # the table is shown, not folded away
    data = json_of(client.get(f"/performance/{path}.json"))["data"]
    assert data, path
    table = main.one("table")
    assert header_cells(table) == list(data[0])
    rows = body_rows(table)
    assert len(rows) == len(data)  # the full table, not the last few rows
    if kind in ("list", "completion_table", "journey", "column", "realtime"):
        assert [r[0] for r in rows] == [str(d[next(iter(d))]) for d in data]
    for svg in main.find_all("svg"):
        assert svg.get("role") == "img"
    if module.info:
        about = main.text().split("About the data", 1)[1]
        for line in module.info:
            assert line in about


@pytest.mark.parametrize("kind", list(ALL_LEAVES))
def test_json_download_link_is_the_read_api_query(client, kind):
    path, check = ALL_LEAVES[kind]
    main = main_of(page(client, path))
    links = {a.text(): a.get("href") for a in main.find_all("a")}
    twin = json_of(client.get(f"/performance/{path}.json"))
    # The same query, to the second, even for "the past 24 hours" of realtime data: the
    # clock stands still in these tests (see pages_fixtures.demo).
    assert links["JSON from the data API"] == twin["query"]
    if kind == "realtime":
        shown = [int(r[1].replace(",", "")) for r in body_rows(main.one("table"))]
        assert shown == [r["unique_visitors"] for r in api_rows(client, twin["query"])]
    assert links["CSV from the data API"] == links["JSON from the data API"] + "&format=csv"
    assert links["This table as CSV"] == f"/performance/{path}.csv"
    module = module_of(path)
    assert twin["query"].startswith(f"/data/{module.data_group.name}/{module.data_type.name}?")
    rows = api_rows(client, twin["query"])
    assert rows, path
    check(rows, twin["data"])
    csv = client.get(links["CSV from the data API"])
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")


def test_a_section_has_no_download_links_of_its_own(client):
    path = CONTAINERS["section"]
    main = main_of(page(client, path))
    assert "Download the data" not in main.text()
    assert client.get(f"/performance/{path}.csv").status_code == 404
    section = json_of(client.get("/performance/renew-passport/quarterly-costs.json"))
    assert [m["slug"] for m in section["modules"]] == ["cost-table"]
    assert section["modules"][0]["query"].startswith(
        "/data/renew-passport/cost-per-transaction-by-quarter?"
    )


@pytest.mark.parametrize(("tab", "title"), [("weekly", "Weekly"), ("monthly", "Monthly")])
def test_a_tab_page_downloads_the_tab_it_shows(client, tab, title):
    """A tab module's page links its shown tab's data: the read-API query, its .csv (not a
    404) and its .json, each keeping ?tab=, and they hold that tab's table."""
    path = CONTAINERS["tab"]
    response = page(client, path, f"?tab={tab}")
    head = parse(response.content).one("head")
    alternate = head.one("link", rel="alternate").get("href")
    assert alternate == f"/performance/{path}.json?tab={tab}"
    main = main_of(response)
    links = {a.text(): a.get("href") for a in main.find_all("a")}
    assert links["This table as CSV"] == f"/performance/{path}.csv?tab={tab}"
    shown = body_rows(main.one("table"))
    twin = json_of(client.get(alternate))
    (child,) = twin["modules"]
    assert child["slug"] == tab
    assert links["JSON from the data API"] == child["query"]
    assert len(child["data"]) == len(shown)
    download = client.get(links["This table as CSV"])
    assert download.status_code == 200
    assert download["Content-Disposition"] == (
        f'attachment; filename="vehicle-tax-volumes-{tab}.csv"'
    )
    rows = csv_rows(download)
    assert rows[0] == list(child["data"][0])
    assert [r[0] for r in rows[1:]] == [r[0] for r in shown]
    assert title in main.one("table").one("caption").text()


# --- the date form ------------------------------------------------------------------------


def test_date_form_changes_the_range(client):
    start, end = months_back(12), months_back(7)
    query = f"?from={start:%Y-%m}&to={end:%Y-%m}&period=month"
    main = main_of(page(client, "renew-passport/digital-takeup", query))
    rows = body_rows(main.one("table"))
    assert len(rows) == 6
    assert rows[0][0] == f"{start:%B %Y}"
    assert rows[-1][0] == f"{end:%B %Y}"
    form = main.one("form", class_="pp-date-form")
    assert form.get("method") == "get"
    assert form.one("input", id="from").get("value") == f"{start:%Y-%m}"
    assert form.one("input", id="to").get("value") == f"{end:%Y-%m}"
    selected = [o.get("value") for o in form.find_all("option") if "selected" in o.attrs]
    assert selected == ["month"]
    # The JSON link is the query for exactly that range.
    link = next(a for a in main.find_all("a") if a.text() == "JSON from the data API")
    after = date(end.year + end.month // 12, end.month % 12 + 1, 1)
    href = link.get("href")
    assert f"start_at={start:%Y-%m-%d}T00%3A00%3A00Z" in href
    assert f"end_at={after:%Y-%m-%d}T00%3A00%3A00Z" in href
    assert "period=month" in href and "duration" not in href
    monthly = api_rows(client, href)
    assert [r["rate:mean"] for r in monthly] == [
        d["Digital take-up"]
        for d in json_of(client.get(f"/performance/renew-passport/digital-takeup.json{query}"))[
            "data"
        ]
    ]
    # The twins keep the range.
    csv = csv_rows(client.get(f"/performance/renew-passport/digital-takeup.csv{query}"))
    assert [r[0] for r in csv[1:]] == [r[0] for r in rows]
    download = next(a for a in main.find_all("a") if a.text() == "This table as CSV")
    assert download.get("href") == f"/performance/renew-passport/digital-takeup.csv{query}"


def test_date_form_without_a_period_keeps_the_modules_own(client):
    start, end = months_back(4), months_back(3)
    query = f"?from={start:%Y-%m}&to={end:%Y-%m}"
    data = json_of(client.get(f"/performance/renew-passport/completion-rate.json{query}"))
    assert "period=week" in data["query"]
    # Whole weeks: from the Monday on or before the 1st to the Monday on or after the
    # end, so neither end is a part week.
    after = months_back(2)
    monday = start - timedelta(days=start.weekday())
    last = after + timedelta(days=(7 - after.weekday()) % 7)
    assert f"start_at={monday:%Y-%m-%d}T00%3A00%3A00Z" in data["query"]
    assert f"end_at={last:%Y-%m-%d}T00%3A00%3A00Z" in data["query"]
    # The weeks that overlap those two months, each "d to d Month YYYY".
    rows = api_rows(client, data["query"])
    weeks = sorted({r["_start_at"] for r in rows})
    assert 8 <= len(weeks) == len(data["data"]) <= 10
    assert weeks[0][:10] == f"{monday:%Y-%m-%d}" and weeks[-1][:10] < f"{after:%Y-%m-%d}"
    assert all(" to " in d["Period"] for d in data["data"])


def test_a_quarterly_view_of_a_month_range_shows_whole_quarters(client):
    start, end = months_back(8), months_back(4)
    query = f"?from={start:%Y-%m}&to={end:%Y-%m}&period=quarter"
    data = json_of(client.get(f"/performance/renew-passport/completion-rate.json{query}"))
    first = date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
    assert f"start_at={first:%Y-%m-%d}T00%3A00%3A00Z" in data["query"]
    quarters = {r["_start_at"][:10] for r in api_rows(client, data["query"])}
    assert all(q[5:7] in ("01", "04", "07", "10") and q[8:] == "01" for q in quarters)


def test_a_range_before_the_data_shows_no_figures(client):
    main = main_of(page(client, "renew-passport/digital-takeup", "?from=2001-01&to=2001-06"))
    rows = body_rows(main.one("table"))
    assert rows[0][0] == "1 to 7 January 2001"
    assert {r[1] for r in rows} == {"—"}  # every week is there, with no figure
    headline = main.one("p", class_="pp-headline")
    assert headline.one("span", class_="pp-kpi__value").text() == "no data"


ERRORS = [
    ("?from=bad", "from", "Enter a month as a year and month, like 2025-04"),
    ("?from=2025-06&to=2025-01", "to", "The end month must be the same as or after the start"),
    ("?period=fortnight", "period", "Choose a period: day, week, month or quarter"),
    ("?from=1999-01", "from", "Enter a month between January 2000 and next year"),
    ("?to=1999-12", "to", "Enter a month between January 2000 and next year"),
    ("?from=99999999999999999-01", "from", "Enter a month as a year and month"),
    ("?from=2025-13", "from", "Enter a month as a year and month"),
    ("?from=2025-00", "from", "Enter a month as a year and month"),
    ("?from=2025", "from", "Enter a month as a year and month"),
    ("?from=2025-01-01", "from", "Enter a month as a year and month"),
    (f"?from={date.today().year + 3}-01", "from", "Enter a month between"),
    ("?from=2001-01&period=day", "period", "Choose weeks or longer for more than two years"),
]


@pytest.mark.parametrize("query, field, message", ERRORS)
def test_bad_date_form_input_is_explained_never_a_500(client, query, field, message):
    path = "/performance/renew-passport/digital-takeup"
    response = client.get(path + query)
    assert response.status_code == 400, response.content[:200]
    assert response["Cache-Control"] == "public, max-age=5"
    main = main_of(response)
    summary = main.one("div", class_="govuk-error-summary")
    assert summary.one("h2").text() == "There is a problem"
    assert summary.find(role="alert") is not None
    items = summary.find_all("li")
    assert [i.one("a").get("href") for i in items] == [f"#{field}"]
    assert items[0].text().startswith(message)
    # The field is marked, its message shown beside it, and what was typed is kept.
    control = main.one(id=field)
    group = control.closest("div", class_="govuk-form-group")
    assert "govuk-form-group--error" in group.classes
    assert message in group.one("p", class_="govuk-error-message").text()
    if field in ("from", "to"):
        typed = dict(p.split("=") for p in query[1:].split("&"))[field]
        assert control.get("value") == typed
        assert control.get("aria-describedby") == f"{field}-hint {field}-error"
    # The twins refuse it too, as 400s.
    as_json = client.get(f"{path}.json{query}")
    assert as_json.status_code == 400
    assert [e["field"] for e in json_of(as_json)["errors"]] == [field]
    as_csv = client.get(f"{path}.csv{query}")
    assert as_csv.status_code == 400
    assert message in as_csv.content.decode()


def test_bad_input_is_escaped_in_the_form(client):
    response = client.get("/performance/renew-passport/digital-takeup", {"from": '"><script>x'})
    assert response.status_code == 400
    assert b"<script>x" not in response.content
    assert main_of(response).one("input", id="from").get("value") == '"><script>x'


# --- tabs and sections --------------------------------------------------------------------


def tab_state(response) -> tuple[list[str], list[str]]:
    main = main_of(response)
    nav = main.one("nav", class_="govuk-tabs")
    current = [a.text() for a in nav.find_all("a") if a.get("aria-current") == "page"]
    selected = [
        li.text() for li in nav.find_all("li") if "govuk-tabs__list-item--selected" in li.classes
    ]
    return current, selected


def test_a_tab_is_chosen_in_the_url(client):
    response = page(client, "vehicle-tax/volumes", "?tab=monthly")
    assert tab_state(response) == (["Monthly transactions"], ["Monthly transactions"])
    main = main_of(response)
    links = [a.get("href") for a in main.one("nav", class_="govuk-tabs").find_all("a")]
    assert links == [
        "/performance/vehicle-tax/volumes?tab=weekly",
        "/performance/vehicle-tax/volumes?tab=monthly",
    ]
    # The monthly tab's table: months, the full twelve of them.
    rows = body_rows(main.one("table"))
    assert len(rows) == 12
    assert all(len(r[0].split()) == 2 for r in rows)  # "November 2025"
    twin = json_of(client.get("/performance/vehicle-tax/volumes.json?tab=monthly"))
    assert [m["slug"] for m in twin["modules"]] == ["monthly"]
    assert "period=month" in twin["modules"][0]["query"]


def test_a_tab_page_has_the_date_form_of_the_tab_shown(client):
    """The form applies to the tab shown, and keeps that tab when sent."""
    start, end = months_back(6), months_back(4)
    main = main_of(page(client, "vehicle-tax/volumes", "?tab=monthly"))
    form = main.one("form", class_="pp-date-form")
    hidden = [i for i in form.find_all("input") if i.get("type") == "hidden"]
    assert [(i.get("name"), i.get("value")) for i in hidden] == [("tab", "monthly")]
    query = f"?from={start:%Y-%m}&to={end:%Y-%m}&tab=monthly"
    response = page(client, "vehicle-tax/volumes", query)
    assert tab_state(response) == (["Monthly transactions"], ["Monthly transactions"])
    rows = body_rows(main_of(response).one("table"))
    assert [r[0] for r in rows] == [f"{months_back(n):%B %Y}" for n in (6, 5, 4)]
    # The other tab's link keeps the dates.
    links = [a.get("href") for a in main_of(response).one("nav", class_="govuk-tabs").find_all("a")]
    assert links[0] == (
        f"/performance/vehicle-tax/volumes?tab=weekly&from={start:%Y-%m}&to={end:%Y-%m}"
    )


@pytest.mark.parametrize("query", ["", "?tab=no-such-tab", "?tab=", "?tab=%3Cscript%3E"])
def test_an_unknown_or_missing_tab_falls_back_to_the_first(client, query):
    response = page(client, "vehicle-tax/volumes", query)
    assert tab_state(response) == (["Weekly transactions"], ["Weekly transactions"])
    assert main_of(response).find("script") is None
    twin = json_of(client.get(f"/performance/vehicle-tax/volumes.json{query}"))
    assert [m["slug"] for m in twin["modules"]] == ["weekly"]


def test_a_sections_child_has_its_own_page(client):
    main = main_of(page(client, "renew-passport/quarterly-costs/cost-table"))
    assert main.one("h1").text() == "Quarterly costs"
    section = main_of(page(client, "renew-passport/quarterly-costs"))
    assert section.one("h1").text() == "Costs in detail"
    assert section.one("h3").one("a").get("href") == (
        "/performance/renew-passport/quarterly-costs/cost-table"
    )


# --- not found ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/performance/renew-passport/no-such-module",
        "/performance/renew-passport/no-such-module.json",
        "/performance/renew-passport/no-such-module.csv",
        "/performance/renew-passport/quarterly-costs/no-such-child",
        "/performance/renew-passport/digital-takeup/not-a-container",
        "/performance/renew-passport/volumes",  # another dashboard's module
        "/performance/no-such-dashboard/digital-takeup",
        "/performance/vehicle-tax/volumes/weekly/deeper/still",
    ],
)
def test_unknown_modules_are_not_found(client, path):
    response = client.get(path)
    assert response.status_code == 404
    if not path.endswith((".json", ".csv")):
        assert main_of(response).one("h1").text() == "Page not found"


# --- the CSV twin ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(LEAVES))
def test_csv_twin_has_a_header_and_the_tables_rows(client, kind):
    path, _check = LEAVES[kind]
    response = client.get(f"/performance/{path}.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    rows = csv_rows(response)
    data = json_of(client.get(f"/performance/{path}.json"))["data"]
    assert rows[0] == list(data[0])
    assert len(rows) == len(data) + 1
    for row, record in zip(rows[1:], data, strict=True):
        for cell, value in zip(row, record.values(), strict=True):
            if value is None:
                assert cell == ""
            elif isinstance(value, float):
                assert float(cell) == value
            else:
                assert cell == str(value)


# --- hostile paths and parameters -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/performance/renew-passport/digital-takeup?from=%00",
        "/performance/renew-passport/digital-takeup?period=%00&to=%00",
        "/performance/renew-passport/digital-takeup?from=" + "9" * 5000,
        "/performance/renew-passport/digital-takeup?from=<script>alert(1)</script>",
        "/performance/renew-passport/digital-takeup?from=2025-01&from=bad",
        "/performance/renew-passport/digital-takeup?tab=" + "t" * 10_000,
        "/performance/renew-passport/digital-takeup.json?period=" + "p" * 10_000,
        "/performance/renew-passport/digital-takeup.csv?to=-1--1",
        "/performance/vehicle-tax/volumes?tab=%00",
        "/performance/vehicle-tax/volumes?tab=monthly&from=2001-01&period=quarter",
        "/performance/renew-passport/application-journey?from=2025-01&period=day",
        "/performance/vehicle-tax/popular-pages?period=month",
        "/performance/renew-passport/cost-per-transaction-latest?period=week",
        "/performance/renew-passport/%00",
        "/performance/renew-passport/digital-takeup%00",
        "/performance/renew-passport/DIGITAL-TAKEUP",
        "/performance/renew-passport/digital-takeup.png",
        "/performance/renew-passport/../../etc/passwd",
        "/performance/renew-passport/%3Cscript%3E",
        "/performance/renew-passport/" + "a" * 5000,
        "/performance/" + "b" * 5000 + "/c",
        "/performance/renew-passport//digital-takeup",
        "/performance/renew-passport/quarterly-costs/cost-table/x/y",
    ],
)
def test_hostile_paths_and_parameters_never_fail(client, url):
    response = client.get(url)
    assert response.status_code in (200, 400, 404), (url, response.status_code)
    body = response.content
    assert b"<script>alert" not in body
    assert b"\x00" not in body
    if response["Content-Type"].startswith("text/html"):
        assert parse(body).find("main") is not None
