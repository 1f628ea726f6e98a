"""Dashboard pages (``/performance/<slug>`` and ``.json``), on the demo.

Spec (B2.4, B6, B7, B8): the header (title, strapline, organisation, start-page link);
the KPI tiles with value, period, change in words, last updated and an "Out of date"
flag; "no data" where a service has no figure; the modules in order, each heading a link
to its module page; every chart an image with a text alternative and its data table in a
``<details>``; annotations; a JSON twin with the same figures and each module's query
(which, run against the read API, gives the module's numbers); only published dashboards
are public; HTTP caching; and no stale figure after a write.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from performance_platform.dashboards.models import Annotation, Dashboard, Module
from performance_platform.datastore import storage
from performance_platform.datastore.models import DataSet, WriteToken, default_name
from performance_platform.datastore.periods import week_start
from performance_platform.datastore.validation import prepare_records
from performance_platform.demo.data import DEPARTMENTS, SERVICES
from performance_platform.kpis import catalogue
from performance_platform.kpis.summaries import refresh_staleness, service_kpis
from performance_platform.lib import formatting
from performance_platform.worker.runner import run_pending
from tests.conftest import FROZEN_NOW

from .pages_fixtures import (
    Node,
    api_rows,
    body_rows,
    csv_rows,
    demo,  # noqa: F401
    fresh_page_cache,  # noqa: F401
    json_of,
    main_of,
    parse,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo", "fresh_page_cache")]

SLUGS = [s["slug"] for s in SERVICES]
BY_SLUG = {s["slug"]: s for s in SERVICES}
TILE_ORDER = [
    "transactions_per_year",
    "cost_per_transaction",
    "user_satisfaction",
    "completion_rate",
    "digital_takeup",
]
TILE_TITLES = {
    "transactions_per_year": "Transactions per year",
    "cost_per_transaction": "Cost per transaction",
    "user_satisfaction": "User satisfaction",
    "completion_rate": "Completion rate",
    "digital_takeup": "Digital take-up",
}
TOKEN = "page-cache-test-token-0123456789"


def get_page(client, slug: str):
    response = client.get(f"/performance/{slug}")
    assert response.status_code == 200, (slug, response.status_code)
    return response


def top_modules(main: Node) -> list[Node]:
    """The dashboard's own module sections (not those inside a section or tabs)."""
    return [
        s
        for s in main.find_all("section", class_="pp-module")
        if s.closest("section", class_="pp-module") is None
    ]


def day_month_year(iso: str) -> str:
    when = datetime.fromisoformat(iso).astimezone(UTC)
    return f"{when.day} {when:%B %Y}"


# --- the header -----------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["renew-passport", "carers-allowance", "vehicle-tax"])
def test_header_title_strapline_organisation_and_start_page(client, slug):
    service = BY_SLUG[slug]
    response = get_page(client, slug)
    document = parse(response.content)
    assert document.one("head").one("title").text() == (
        f"Service dashboard – {service['name']} – Performance – GOV.UK style"
    )
    main = main_of(response)
    assert main.one("h1").text() == service["name"]
    assert main.one("span", class_="govuk-caption-xl").text() == "Service dashboard"
    department = DEPARTMENTS[service["department"]]["name"]
    provided = (
        f"Provided by {service['agency']}, part of {department}."
        if service["agency"]
        else (f"Provided by {department}.")
    )
    assert provided in main.text()
    start = main.one("a", itemprop="url")
    assert start.get("href") == f"https://www.gov.uk/{slug}"
    assert start.text() == f"Visit this service: {service['name']}"
    assert start.closest(itemtype="https://schema.org/GovernmentService") is not None
    # The facts at the foot of the page.
    facts = {
        row.one("dt").text(): row.one("dd").text()
        for row in main.find_all("div", class_="govuk-summary-list__row")
    }
    assert facts["Ministerial department"] == department
    if service["agency"]:
        assert facts["Other department or public body"] == service["agency"]
    else:
        assert "Other department or public body" not in facts


# --- the KPI tiles ----------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_kpi_tiles_match_the_kpi_summaries(client, slug):
    figures = service_kpis(slug)
    main = main_of(get_page(client, slug))
    tiles = main.one("ul", class_="pp-kpi-tiles").find_all("li", class_="pp-kpi")
    assert [t.get("id") for t in tiles] == [f"kpi-{k}" for k in TILE_ORDER]
    for key, tile in zip(TILE_ORDER, tiles, strict=True):
        record = figures.get(key)
        assert tile.one("h3").text() == TILE_TITLES[key]
        value = tile.one("span", class_="pp-kpi__value")
        if record is None or record["value"] is None:
            assert value.text() == "no data", (slug, key)
            assert tile.find("span", class_="pp-kpi__period") is None
            continue
        # What is seen: the <abbr> when shortened (its full figure is visually hidden beside it).
        abbr = value.find("abbr")
        shown = abbr.text() if abbr is not None else value.text()
        assert shown == record["display"], (slug, key)
        assert tile.one("span", class_="pp-kpi__period").text() == record["period_label"]
        change = record["change_text"]
        assert tile.one("span", class_="pp-kpi__change").text() == change[0].upper() + change[1:]
        assert change.split()[0] in ("up", "down", "no"), change  # the change in words
        updated = tile.one("span", class_="pp-kpi__updated").text()
        assert updated == f"Last updated {day_month_year(record['last_updated'])}"
        assert ("Out of date" in tile.text()) == record["stale"], (slug, key)
        assert ("pp-kpi--stale" in tile.classes) == record["stale"], (slug, key)


def test_transactions_per_year_tile_shows_the_full_figure(client):
    record = service_kpis("renew-passport")["transactions_per_year"]
    tile = main_of(get_page(client, "renew-passport")).one("li", id="kpi-transactions_per_year")
    abbr = tile.one("abbr")
    assert abbr.get("title") == f"{record['value']:,}"
    assert record["period_label"].count(" to ") == 1  # a year: "24 November 2025 to ..."
    assert "on the previous year" in tile.one("span", class_="pp-kpi__change").text()


def test_only_the_stale_service_is_out_of_date(client):
    flagged = set()
    for slug in SLUGS:
        main = main_of(get_page(client, slug))
        if "Out of date" in main.one("ul", class_="pp-kpi-tiles").text():
            flagged.add(slug)
    assert flagged == {"basic-dbs-check"}
    # Every figure of the stale service is flagged, since all its data stopped.
    tiles = main_of(get_page(client, "basic-dbs-check")).find_all("li", class_="pp-kpi--stale")
    assert len(tiles) == 5


def test_universal_credit_cost_is_honestly_no_data(client):
    assert "cost_per_transaction" not in service_kpis("universal-credit")
    tile = main_of(get_page(client, "universal-credit")).one("li", id="kpi-cost_per_transaction")
    assert tile.one("span", class_="pp-kpi__value").text() == "no data"
    assert tile.find("span", class_="pp-kpi__change") is None
    assert tile.find("span", class_="pp-kpi__updated") is None
    assert "£" not in tile.text()
    # Its other tiles have figures.
    other = main_of(get_page(client, "universal-credit")).one("li", id="kpi-digital_takeup")
    assert other.one("span", class_="pp-kpi__value").text().endswith("%")


# --- the modules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug", ["renew-passport", "vehicle-tax", "self-assessment", "universal-credit"]
)
def test_modules_in_order_with_headings_linking_to_their_pages(client, slug):
    dashboard = Dashboard.objects.get(slug=slug)
    expected = list(Module.objects.filter(dashboard=dashboard, parent=None).order_by("order", "pk"))
    sections = top_modules(main_of(get_page(client, slug)))
    assert [s.get("id") for s in sections] == [f"module-{m.slug}" for m in expected]
    for module, section in zip(expected, sections, strict=True):
        assert section.get("role") in (None, "region")
        heading = section.one("h2")
        assert section.get("aria-labelledby") == heading.get("id")
        assert heading.text() == module.title
        link = heading.find("a")
        if module.type == "section":
            assert link is None  # section headings are not links
            for child, h3 in zip(module.children.all(), section.find_all("h3"), strict=True):
                assert h3.one("a").get("href") == f"/performance/{slug}/{module.slug}/{child.slug}"
        else:
            assert link.get("href") == f"/performance/{slug}/{module.slug}"
        if module.description:
            assert module.description in section.text()


@pytest.mark.parametrize("slug", SLUGS)
def test_every_chart_is_an_image_with_its_data_table_in_details(client, slug):
    main = main_of(get_page(client, slug))
    charts = main.find_all("svg")
    assert len(charts) >= 4, slug
    for svg in charts:
        assert svg.get("role") == "img", svg
        labels = svg.get("aria-labelledby").split()
        assert len(labels) == 2
        for label in labels:
            named = svg.one(id=label)
            assert named.tag in ("title", "desc")
            assert named.text(), label
        section = svg.closest("section", class_="pp-module")
        details = section.find("details", class_="govuk-details")
        assert details is not None, section.get("id")
        table = details.one("table")
        assert body_rows(table), section.get("id")
        assert details.one("summary").text().startswith("Show the data")


def test_tables_show_the_modules_figures(client):
    """The cost KPI module's table (in <details>) has the JSON twin's figures."""
    main = main_of(get_page(client, "renew-passport"))
    data = {
        m["slug"]: m for m in json_of(client.get("/performance/renew-passport.json"))["modules"]
    }
    table = main.one("section", id="module-cost-per-transaction-latest").one("table")
    rows = body_rows(table)
    expected = data["cost-per-transaction-latest"]["data"]
    assert [r[0] for r in rows] == [d["Period"] for d in expected]
    assert [r[1] for r in rows] == [f"£{d['Cost per transaction']:.2f}" for d in expected]


def test_annotations_are_listed(client):
    for slug in ("renew-passport", "carers-allowance"):
        notes = list(Annotation.objects.filter(dashboard__slug=slug))
        assert len(notes) == 1
        main = main_of(get_page(client, slug))
        heading = next(h for h in main.find_all("h2") if h.text() == "Notes on the data")
        siblings = [c for c in heading.parent.children if isinstance(c, Node)]
        listing = siblings[siblings.index(heading) + 1]
        assert listing.tag == "ul"
        items = listing.find_all("li")
        assert [i.text() for i in items] == [
            f"{n.date.day} {n.date:%B %Y}: {n.text}" for n in notes
        ]
        assert items[0].one("time").get("datetime") == notes[0].date.isoformat()
    main = main_of(get_page(client, "vehicle-tax"))
    assert "Notes on the data" not in [h.text() for h in main.find_all("h2")]


# --- the JSON twin ------------------------------------------------------------------------


def test_json_twin_has_the_kpi_figures_and_every_modules_data_and_query(client):
    response = client.get("/performance/renew-passport.json")
    assert response.status_code == 200
    data = json_of(response)
    assert (data["slug"], data["title"]) == ("renew-passport", "Renew a passport")
    assert data["department"] == "Home Office"
    assert data["agency"] == "HM Passport Office"
    figures = service_kpis("renew-passport")
    assert [k["key"] for k in data["kpis"]] == TILE_ORDER
    for tile in data["kpis"]:
        record = figures[tile["key"]]
        assert tile["period"] == record["period_label"]
        assert tile["change_text"] == record["change_text"]
        assert tile["stale"] is record["stale"] is False
        assert record["display"] in tile["display"]
        assert tile["last_updated"] == day_month_year(record["last_updated"])
    modules = list(
        Module.objects.filter(dashboard__slug="renew-passport", parent=None).order_by("order", "pk")
    )
    assert [m["slug"] for m in data["modules"]] == [m.slug for m in modules]
    for module, entry in zip(modules, data["modules"], strict=True):
        assert entry["type"] == module.type
        assert entry["url"] == f"/performance/renew-passport/{module.slug}"
        if module.type == "section":
            assert "query" not in entry
            assert [c["slug"] for c in entry["modules"]] == [c.slug for c in module.children.all()]
            entry = entry["modules"][0]
        child = module if module.type != "section" else module.children.get()
        assert entry["query"].startswith(
            f"/data/{child.data_group.name}/{child.data_type.name}?"
        ), entry["query"]
        assert entry["data"], entry["slug"]
    assert data["annotations"] == [
        {"date": n.date.isoformat(), "text": n.text}
        for n in Annotation.objects.filter(dashboard__slug="renew-passport")
    ]


def test_a_modules_query_gives_the_same_numbers_as_its_table(client):
    modules = {
        m["slug"]: m for m in json_of(client.get("/performance/renew-passport.json"))["modules"]
    }
    # Digital take-up: one value per week.
    takeup = modules["digital-takeup"]
    rows = api_rows(client, takeup["query"])
    assert len(rows) == len(takeup["data"]) >= 50
    assert [r["rate:mean"] for r in rows] == [d["Digital take-up"] for d in takeup["data"]]
    # Completion rate: done ÷ start each week, worked out from the raw groups.
    completion = modules["completion-rate"]
    by_week: dict = {}
    for row in api_rows(client, completion["query"]):
        by_week.setdefault(row["_start_at"], {})[row["stage"]] = row["count:sum"]
    weeks = sorted(by_week)
    assert len(weeks) == len(completion["data"]) == 26
    for week, entry in zip(weeks, completion["data"], strict=True):
        done, start = by_week[week]["done"], by_week[week]["start"]
        assert (entry["Completed"], entry["Started"]) == (done, start)
        assert entry["Completion rate"] == pytest.approx(done / start, rel=1e-12)


# --- who may see a dashboard --------------------------------------------------------------


def assert_gov_uk_404(response):
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert response["Cache-Control"] == "public, max-age=5"
    main = main_of(response)
    assert main.one("h1").text() == "Page not found"
    assert main.find("a", href="/performance/services") is not None


@pytest.mark.parametrize("status", ["draft", "unlisted", "in_review"])
def test_unpublished_dashboards_are_not_found(client, status):
    Dashboard.objects.filter(slug="renew-passport").update(status=status)
    for path in (
        "/performance/renew-passport",
        "/performance/renew-passport/digital-takeup",
        "/performance/renew-passport/quarterly-costs/cost-table",
    ):
        response = client.get(path)
        assert_gov_uk_404(response)
        assert "Renew a passport" not in response.content.decode()
    for path in (
        "/performance/renew-passport.json",
        "/performance/renew-passport/digital-takeup.json",
    ):
        assert client.get(path).status_code == 404
    # Published again: public again.
    Dashboard.objects.filter(slug="renew-passport").update(status="published")
    assert client.get("/performance/renew-passport").status_code == 200


def test_the_demos_unlisted_dashboard_is_not_found(client):
    assert Dashboard.objects.get(slug="check-mot-history").status == "unlisted"
    assert_gov_uk_404(client.get("/performance/check-mot-history"))
    assert_gov_uk_404(client.get("/performance/check-mot-history/weekly-transactions"))
    assert client.get("/performance/check-mot-history.json").status_code == 404
    assert_gov_uk_404(client.get("/performance/no-such-dashboard"))


def test_json_twin_gives_each_kpi_as_numbers_too(client):
    """Beside the words a tile shows, each KPI's figures as numbers and ISO dates, from the
    same summary record the tile and its data link read."""
    data = json_of(client.get("/performance/renew-passport.json"))
    figures = service_kpis("renew-passport")
    for tile in data["kpis"]:
        record = figures[tile["key"]]
        assert isinstance(tile["value"], int | float), tile
        assert tile["value"] == record["value"]
        assert tile["previous_value"] == record["previous_value"]
        assert tile["change"] == record["change"]
        assert tile["relative_change"] == record["relative_change"]
        assert (tile["period_start"], tile["period_end"]) == (record["start_at"], record["end_at"])
        assert tile["last_updated_at"] == record["last_updated"]
        assert tile["stale"] is record["stale"]
        # The words stay as they were.
        assert tile["display"] == formatting.format_value(
            record["value"], catalogue.get(tile["key"]).format
        )
        assert tile["period"] == record["period_label"]


def test_csv_twin_has_one_row_per_kpi_with_numbers(client):
    response = client.get("/performance/renew-passport.csv")
    assert response.status_code == 200
    assert 'filename="renew-passport-kpis.csv"' in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    figures = service_kpis("renew-passport")
    assert [r[0] for r in rows] == TILE_ORDER
    for row in rows:
        entry = dict(zip(header, row, strict=True))
        record = figures[entry["kpi"]]
        assert entry["title"] == TILE_TITLES[entry["kpi"]]
        assert float(entry["value"]) == record["value"]  # a number, not "£12" or "5.19m"
        assert float(entry["previous_value"]) == record["previous_value"]
        assert entry["period_start"] == record["start_at"]
        assert entry["stale"] == "false"
    main = main_of(get_page(client, "renew-passport"))
    assert "/performance/renew-passport.csv" in [a.get("href") for a in main.find_all("a")]
    assert client.get("/performance/check-mot-history.csv").status_code == 404


def test_the_cost_tile_and_the_cost_module_round_alike(client):
    """One rounding rule for a KPI: the tile and the module under it show the same figure
    and the same change (not "£12 ... −7.1%" above "£11.95 ... Down 7.15%")."""
    main = main_of(get_page(client, "renew-passport"))
    tile = main.one("li", id="kpi-cost_per_transaction")
    module = main.one("section", id="module-cost-per-transaction-latest")
    assert tile.one("span", class_="pp-kpi__value").text() == (
        module.one("span", class_="pp-kpi__value").text()
    )
    assert re.fullmatch(r"£\d+\.\d\d", tile.one("span", class_="pp-kpi__value").text())
    tile_change = tile.one("span", class_="pp-kpi__change").text()
    module_change = module.one("span", class_="pp-kpi__change").text()
    percent = re.compile(r"\(([−+]\d+(?:\.\d)?%)\)")
    assert percent.search(tile_change) and percent.search(module_change), (
        tile_change,
        module_change,
    )
    assert percent.search(tile_change).group(1) == percent.search(module_change).group(1)
    assert tile_change.split(" on ")[0] == module_change.split(" on ")[0]


# --- realtime figures ---------------------------------------------------------------------


def realtime_note(client) -> str:
    section = main_of(get_page(client, "vehicle-tax")).one("section", id="module-live-users")
    return " ".join(s.text() for s in section.find_all("span", class_="pp-kpi__period"))


def test_the_realtime_figure_says_when_it_was_taken_right_to_the_minute(client):
    """The demo's latest realtime figure is from 3:40pm; the clock stands at 3:42:30pm.
    The page names the time, never "now" (without JavaScript it never changes while it is
    read). Eleven minutes later, in the same hour, the page must not still present it as
    current from its cache: pages with realtime figures are cached by the minute."""
    assert realtime_note(client) == "users online at 3:40pm on 25 November 2026"
    with time_machine.travel(FROZEN_NOW + timedelta(minutes=11), tick=False):
        assert realtime_note(client) == (
            "users online at 3:40pm on 25 November 2026 (no newer figure has come in)"
        )
        response = client.get("/performance/vehicle-tax")
        assert response["Cache-Control"] == "public, max-age=60"
        module = client.get("/performance/vehicle-tax/live-users")
        assert module["Cache-Control"] == "public, max-age=60"
    assert client.get("/performance/renew-passport")["Cache-Control"] == "public, max-age=600"


def test_the_realtime_chart_has_axes_and_reads_forwards(client):
    section = main_of(get_page(client, "vehicle-tax")).one("section", id="module-live-users")
    svg = section.find_all("svg")[0]
    assert svg.find("g", class_="pp-axis--x") is not None
    assert svg.find("g", class_="pp-axis--y") is not None
    desc = svg.one("desc").text()
    # Earlier time first, each with its day: never "between 3:40pm and 3:35pm".
    assert re.search(
        r"between 3:45pm on 24 November 2026 and 3:40pm on 25 November 2026\.$", desc
    ), desc


# --- HTTP caching -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/performance/renew-passport", "/performance/renew-passport.json"]
)
def test_dashboard_is_cacheable_with_a_strong_etag(client, path):
    first = client.get(path)
    assert first["Cache-Control"] == "public, max-age=600"
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    second = client.get(path)
    assert second["ETag"] == etag
    assert second.content == first.content
    not_modified = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert client.get(path, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


# --- no stale figure after a write --------------------------------------------------------


def column_figures(response) -> dict[str, str]:
    section = main_of(response).one("section", id="module-processing-times")
    return {row[0]: row[1] for row in body_rows(section.one("table"))}


def test_a_write_through_the_api_changes_the_page_at_once(client):
    data_set = DataSet.objects.get(name=default_name("renew-passport", "processing-times"))
    WriteToken.issue(data_set, "test", token=TOKEN)
    before = column_figures(get_page(client, "renew-passport"))
    before_module = client.get("/performance/renew-passport/processing-times")
    # Working days beyond the tenth are folded into the last bar, "10+".
    assert list(before) == [str(d) for d in range(1, 10)] + ["10+"]
    last_week = week_start(timezone.now().astimezone(UTC)) - timedelta(weeks=1)
    response = client.post(
        "/data/renew-passport/processing-times",
        [{"_timestamp": last_week.isoformat(), "days": 99, "count": 5_000_000}],
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
    )
    assert response.status_code == 200, response.content
    after = column_figures(get_page(client, "renew-passport"))
    number = lambda text: int(text.replace(",", ""))  # noqa: E731
    assert number(after["10+"]) == number(before["10+"]) + 5_000_000
    assert {k: v for k, v in after.items() if k != "10+"} == {
        k: v for k, v in before.items() if k != "10+"
    }
    after_module = client.get("/performance/renew-passport/processing-times")
    assert after_module.content != before_module.content
    assert f"{number(after['10+']):,}" in after_module.content.decode()


def test_a_write_to_storage_changes_the_page_at_once(client):
    def start_page(response) -> int:
        section = main_of(response).one("section", id="module-application-journey")
        rows = {row[0]: row[1] for row in body_rows(section.one("table"))}
        return int(rows["Start page"].replace(",", ""))

    before = start_page(get_page(client, "renew-passport"))
    data_set = DataSet.objects.get(name=default_name("renew-passport", "journey-steps"))
    now = timezone.now()
    tuesday = week_start(now.astimezone(UTC)) - timedelta(weeks=1) + timedelta(days=1)
    records, errors = prepare_records(
        [{"_timestamp": tuesday.isoformat(), "step": "start", "count": 1_000_000}],
        schema=data_set.schema,
        auto_ids=data_set.auto_ids,
        now=now,
    )
    assert errors == []
    storage.store_records(data_set, records, now=now)
    assert start_page(get_page(client, "renew-passport")) == before + 1_000_000


def test_new_kpi_figures_change_the_tiles_at_once(client):
    """A write and its KPI transforms: the tile shows the new figure on the next request."""

    def tile(response) -> str:
        return main_of(response).one("li", id="kpi-transactions_per_year").one("abbr").get("title")

    before = tile(get_page(client, "carers-allowance"))
    data_set = DataSet.objects.get(name=default_name("carers-allowance", "transactions-by-channel"))
    now = timezone.now()
    last_week = week_start(now.astimezone(UTC)) - timedelta(weeks=1)
    records, errors = prepare_records(
        [
            {
                "_timestamp": last_week.isoformat(),
                "period": "week",
                "channel": "post",
                "count": 1_000,
            }
        ],
        schema=data_set.schema,
        auto_ids=data_set.auto_ids,
        now=now,
    )
    assert errors == []
    storage.store_records(data_set, records, now=now)
    run_pending()
    after = tile(get_page(client, "carers-allowance"))
    assert int(after.replace(",", "")) == int(before.replace(",", "")) + 1_000


@pytest.mark.parametrize("slug", ["renew-passport", "basic-dbs-check", "universal-credit"])
def test_every_tile_says_what_its_data_link_returns(client, slug):
    """A tile and the ``/data/.../kpi-summaries`` link behind it read the same record
    through the same engine: the same figure, period, change and staleness."""
    tiles = [t for t in json_of(client.get(f"/performance/{slug}.json"))["kpis"] if "api_url" in t]
    assert tiles
    for tile in tiles:
        linked = json_of(client.get(tile["api_url"]))["data"]
        assert len(linked) == 1, tile["api_url"]
        record = linked[0]
        assert (record["service"], record["kpi"]) == (slug, tile["key"])
        assert tile["display"] == formatting.format_value(
            record["value"], catalogue.get(tile["key"]).format
        )
        assert tile["period"] == record["period_label"]
        assert tile["change_text"] == record["change_text"]
        assert tile["stale"] is record["stale"]


def test_a_tile_turns_stale_when_its_data_link_does(client):
    """Staleness has one rule: the stored verdict. When the clock passes a source's
    deadline, the tile and its data link change together, at the freshness check."""
    slug = "renew-passport"
    source = DataSet.objects.get(name=default_name(slug, "transactions-by-channel"))
    source.max_age_expected = 3600
    source.save()
    DataSet.objects.filter(pk=source.pk).update(last_written_at=timezone.now() - timedelta(hours=2))

    def tile_and_link():
        tile = next(
            t
            for t in json_of(client.get(f"/performance/{slug}.json"))["kpis"]
            if t["key"] == "digital_takeup"
        )
        return tile["stale"], json_of(client.get(tile["api_url"]))["data"][0]["stale"]

    assert tile_and_link() == (False, False)
    assert refresh_staleness() >= 1
    assert tile_and_link() == (True, True)
