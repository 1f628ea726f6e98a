"""The services index (``/performance/services`` and its .json and .csv twins), on the demo.

Spec: published service dashboards only; each row links to its dashboard and shows the
five KPIs with their periods; filter by text (title, department and agency names and
abbreviations) and by department or agency; sort by every column both ways with missing
values last; totals and transaction-weighted averages of the filtered set; hostile input
never fails the page. Expected figures are worked out here from the KPI summaries and the
JSON twin, not taken from the code under test.
"""

import pytest

from performance_platform.dashboards.models import Dashboard, Organisation
from performance_platform.demo.data import SERVICES
from performance_platform.kpis.summaries import all_summaries

from .pages_fixtures import (
    body_rows,
    csv_rows,
    demo,  # noqa: F401
    fresh_page_cache,  # noqa: F401
    json_of,
    main_of,
    parse,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo", "fresh_page_cache")]

DEMO_SLUGS = {s["slug"] for s in SERVICES}
KPIS = [
    "transactions_per_year",
    "cost_per_transaction",
    "digital_takeup",
    "user_satisfaction",
    "completion_rate",
]
RATES = KPIS[1:]
SORT_KEYS = ["name", "department", *KPIS]
HEADINGS = {
    "name": "Service",
    "department": "Department",
    "transactions_per_year": "Transactions per year",
    "cost_per_transaction": "Cost per transaction",
    "digital_takeup": "Digital take-up",
    "user_satisfaction": "User satisfaction",
    "completion_rate": "Completion rate",
}
HOME_OFFICE = {"renew-passport", "apply-for-a-visa", "basic-dbs-check"}
DWP = {"carers-allowance", "state-pension", "universal-credit"}
HMRC = {"self-assessment", "vat-returns", "child-benefit"}
DVLA = {"vehicle-tax", "renew-driving-licence"}


def summaries_by_service() -> dict[str, dict[str, dict]]:
    out: dict = {}
    for record in all_summaries():
        out.setdefault(record["service"], {})[record["kpi"]] = record
    return out


def listed(client, query: str | dict = "") -> dict:
    if isinstance(query, dict):
        response = client.get("/performance/services.json", query)
    else:
        response = client.get(f"/performance/services.json{query}")
    assert response.status_code == 200
    return json_of(response)


def table_of(response):
    return main_of(response).one("table", id="services-table")


def html_slugs(response) -> list[str]:
    """The services in the page's table, in order, from each row's link."""
    slugs = []
    for row in table_of(response).one("tbody").find_all("tr"):
        link = row.find("a")
        if link is None:  # the "no services match" row
            continue
        href = link.get("href")
        assert href.startswith("/performance/")
        slugs.append(href.removeprefix("/performance/"))
    return slugs


# --- what is listed ---------------------------------------------------------------------


def test_lists_only_published_service_dashboards(client):
    org = Organisation.objects.get(slug="home-office")
    for slug, kind, status in [
        ("draft-service", "transaction", "draft"),
        ("reviewed-service", "service-group", "in_review"),
        ("preview-service", "high-volume-transaction", "unlisted"),
        ("web-traffic", "content", "published"),
        ("other-dashboard", "other", "published"),
        ("home-office-dashboard", "department", "published"),
        ("new-high-volume-service", "high-volume-transaction", "published"),
        ("benefits-group", "service-group", "published"),
    ]:
        Dashboard.objects.create(
            slug=slug,
            title=slug.replace("-", " "),
            dashboard_type=kind,
            status=status,
            organisation=org,
        )
    expected = DEMO_SLUGS | {"new-high-volume-service", "benefits-group"}
    assert "check-mot-history" not in expected  # the demo's unlisted dashboard

    page = client.get("/performance/services")
    assert page.status_code == 200
    assert sorted(html_slugs(page)) == sorted(expected)
    assert {s["slug"] for s in listed(client)["services"]} == expected
    assert "<strong>14</strong> services" in page.content.decode()
    # A service with no KPI summaries yet is listed with every figure missing.
    new = next(s for s in listed(client)["services"] if s["slug"] == "new-high-volume-service")
    assert [new[k] for k in KPIS] == [None] * 5


def test_each_row_links_to_its_dashboard_and_shows_every_kpi_with_its_period(client):
    page = client.get("/performance/services")
    table = table_of(page)
    headings = [th.text() for th in table.one("thead").find_all("th")]
    assert [h.split(",")[0] for h in headings] == [HEADINGS[k] for k in SORT_KEYS]
    summaries = summaries_by_service()
    titles = {s["slug"]: s["name"] for s in SERVICES}
    rows = table.one("tbody").find_all("tr")
    assert len(rows) == 12
    for row in rows:
        header = row.one("th")
        link = header.one("a")
        slug = link.get("href").removeprefix("/performance/")
        assert link.text() == titles[slug]
        cells = row.find_all("td")
        assert len(cells) == 1 + len(KPIS)
        for key, cell in zip(KPIS, cells[1:], strict=True):
            record = summaries[slug].get(key)
            text = cell.text()
            if record is None or record["value"] is None:
                assert text == "—", (slug, key, text)
                continue
            assert text.startswith(record["display"]), (slug, key, text, record["display"])
            assert record["period_label"] and record["period_label"] in text, (slug, key)
            assert ("Out of date" in text) == bool(record["stale"]), (slug, key)


def test_rows_show_the_department_or_else_the_agency(client):
    rows = {r["slug"]: r for r in listed(client)["services"]}
    assert rows["renew-passport"]["department"] == "Home Office"
    assert rows["renew-passport"]["agency"] == "HM Passport Office"
    assert rows["carers-allowance"]["agency"] is None
    page = client.get("/performance/services")
    by_slug = {}
    for row in table_of(page).one("tbody").find_all("tr"):
        slug = row.one("a").get("href").removeprefix("/performance/")
        by_slug[slug] = row.find_all("td")[0].text()
    assert by_slug["renew-passport"] == "Home Office"
    assert by_slug["carers-allowance"] == "Department for Work and Pensions"


def test_the_missing_cost_and_the_stale_service_are_shown_honestly(client):
    rows = {r["slug"]: r for r in listed(client)["services"]}
    assert rows["universal-credit"]["cost_per_transaction"] is None
    assert rows["universal-credit"]["cost_per_transaction_period"] is None
    stale = {slug for slug, r in rows.items() if any(r[f"{k}_stale"] for k in KPIS)}
    assert stale == {"basic-dbs-check"}


# --- filtering --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("passport", {"renew-passport"}),
        ("PASSPORT", {"renew-passport"}),
        ("  Passport ", {"renew-passport"}),
        ("driving", {"renew-driving-licence", "book-driving-test"}),
        ("dwp", DWP),  # a department's abbreviation
        ("work and pensions", DWP),  # a department's name
        ("HMRC", HMRC),
        ("revenue & customs", HMRC),
        ("dvla", DVLA),  # an agency's abbreviation
        ("Passport Office", {"renew-passport"}),  # an agency's name
        ("no such service", set()),
    ],
)
def test_filter_by_text(client, text, expected):
    data = listed(client, {"filter": text})
    assert {s["slug"] for s in data["services"]} == expected
    assert data["filter"] == text
    page = client.get("/performance/services", {"filter": text})
    assert page.status_code == 200
    assert set(html_slugs(page)) == expected
    summary = main_of(page).one("p", id="result-summary").text()
    assert summary.startswith(f"{len(expected)} service")
    assert " ".join(f"containing “{text}”".split()) in summary
    if not expected:
        assert "No services match these filters." in table_of(page).text()


@pytest.mark.parametrize(
    "department, expected, label",
    [
        ("home-office", HOME_OFFICE, "Home Office"),
        ("department-for-work-pensions", DWP, "Department for Work and Pensions"),
        ("agency:driver-and-vehicle-licensing-agency", DVLA, "Driver and Vehicle Licensing Agency"),
        ("agency:the-pension-service", {"state-pension"}, "The Pension Service"),
        # Unknown values are ignored, as the original did.
        ("no-such-department", DEMO_SLUGS, None),
        ("agency:no-such-agency", DEMO_SLUGS, None),
        ("agency:", DEMO_SLUGS, None),
        ("hm-passport-office", DEMO_SLUGS, None),  # an agency given as a department
    ],
)
def test_filter_by_department_or_agency(client, department, expected, label):
    data = listed(client, {"department": department})
    assert {s["slug"] for s in data["services"]} == expected
    page = client.get("/performance/services", {"department": department})
    assert set(html_slugs(page)) == expected
    main = main_of(page)
    selected = [
        o for o in main.one("select", id="department").find_all("option") if "selected" in o.attrs
    ]
    summary = main.one("p", id="result-summary").text()
    if label is None:
        assert selected == []
        assert "provided by" not in summary
    else:
        assert [(o.get("value"), o.text()) for o in selected] == [(department, label)]
        assert summary.endswith(f"provided by {label} (clear filters)")


@pytest.mark.parametrize(
    "query, expected",
    [
        # Text and department together: both must hold (a department with no match for
        # the text gives no rows; it is not "unknown" and ignored).
        ("filter=passport&department=department-for-transport", set()),
        ("filter=passport&department=home-office", {"renew-passport"}),
        (
            "filter=licence&department=agency:driver-and-vehicle-licensing-agency",
            {"renew-driving-licence"},
        ),
        ("filter=dwp&department=agency:the-pension-service", {"state-pension"}),
        ("filter=dwp&department=nonsense", DWP),
    ],
)
def test_filter_by_text_and_department_together(client, query, expected):
    assert {s["slug"] for s in listed(client, f"?{query}")["services"]} == expected
    assert set(html_slugs(client.get(f"/performance/services?{query}"))) == expected


def test_department_choices_are_grouped_and_built_from_the_services(client):
    select = main_of(client.get("/performance/services")).one("select", id="department")
    groups = {
        g.get("label"): [o.get("value") for o in g.find_all("option")]
        for g in select.find_all("optgroup")
    }
    assert groups["Ministerial departments"] == [
        "department-for-transport",
        "department-for-work-pensions",
        "hm-revenue-customs",
        "home-office",
    ]
    assert "agency:hm-passport-office" in groups["Other departments and public bodies"]
    assert all(v.startswith("agency:") for v in groups["Other departments and public bodies"])
    assert len(groups["Other departments and public bodies"]) == 6


# --- sorting ----------------------------------------------------------------------------


def sort_value(record: dict, key: str):
    if key == "name":
        return record["service"].lower()
    if key == "department":
        org = record["department"] or record["agency"]
        return org.lower() if org else None
    return record[key]


def check_order(records: list[dict], key: str, order: str):
    values = [sort_value(r, key) for r in records]
    present = [v for v in values if v is not None]
    # Missing values come last, whichever the order.
    assert values[: len(present)] == present, (key, order, values)
    assert present == sorted(present, reverse=order == "desc"), (key, order, values)


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("key", SORT_KEYS)
def test_sort_by_every_column_both_ways(client, key, order):
    query = f"?sortby={key}&sortorder={order}"
    data = listed(client, query)
    assert (data["sort_by"], data["sort_order"]) == (key, order)
    check_order(data["services"], key, order)
    if key == "cost_per_transaction":
        assert data["services"][-1]["slug"] == "universal-credit"  # no cost data: last

    page = client.get(f"/performance/services{query}")
    assert html_slugs(page) == [s["slug"] for s in data["services"]]
    headers = table_of(page).one("thead").find_all("th")
    sorts = {th.text().split(",")[0]: th.get("aria-sort") for th in headers}
    words = "ascending" if order == "asc" else "descending"
    assert sorts == {h: (words if k == key else "none") for k, h in HEADINGS.items()}
    # The sorted column's link sorts the other way; the filter form keeps the sort.
    link = next(th for th in headers if th.get("aria-sort") != "none").one("a")
    other = "desc" if order == "asc" else "asc"
    assert link.get("href") == f"/performance/services?sortby={key}&sortorder={other}"
    main = main_of(page)
    assert main.one("input", name="sortby").get("value") == key
    assert main.one("input", name="sortorder").get("value") == order

    rows = csv_rows(client.get(f"/performance/services.csv{query}"))
    assert [r[0] for r in rows[1:]] == [s["slug"] for s in data["services"]]


def test_default_sort_is_transactions_per_year_descending(client):
    data = listed(client)
    assert (data["sort_by"], data["sort_order"]) == ("transactions_per_year", "desc")
    check_order(data["services"], "transactions_per_year", "desc")
    assert data["services"][0]["slug"] == "vehicle-tax"


@pytest.mark.parametrize(
    "query, key, order",
    [
        ("?sortby=bogus&sortorder=asc", "transactions_per_year", "desc"),
        ("?sortby=name&sortorder=sideways", "name", "asc"),
        ("?sortby=digital_takeup", "digital_takeup", "desc"),
        ("?sortby=department&sortorder=", "department", "asc"),
    ],
)
def test_unknown_sort_values_fall_back(client, query, key, order):
    data = listed(client, query)
    assert (data["sort_by"], data["sort_order"]) == (key, order)
    check_order(data["services"], key, order)


def test_missing_values_sort_last_both_ways_for_every_kpi(client):
    Dashboard.objects.create(
        slug="aaa-no-figures",
        title="AAA no figures",
        dashboard_type="transaction",
        status="published",
    )
    for key in KPIS:
        for order in ("asc", "desc"):
            data = listed(client, f"?sortby={key}&sortorder={order}")
            check_order(data["services"], key, order)
            missing = [s["slug"] for s in data["services"] if s[key] is None]
            assert "aaa-no-figures" in missing, (key, order)
            # It would sort first by name; missing values come last even so.
            assert data["services"][0]["slug"] != "aaa-no-figures"
    # Sorting by department: a service with no organisation is last too.
    for order in ("asc", "desc"):
        data = listed(client, f"?sortby=department&sortorder={order}")
        assert data["services"][-1]["slug"] == "aaa-no-figures"


# --- totals and weighted averages -------------------------------------------------------


def expected_aggregates(services: list[dict]) -> dict:
    """Totals and averages weighted by transactions per year, worked out by hand."""
    out = {}
    volumes = [
        s["transactions_per_year"] for s in services if s["transactions_per_year"] is not None
    ]
    out["transactions_per_year"] = (sum(volumes) if volumes else None, len(volumes))
    for key in RATES:
        pairs = [
            (s[key], s["transactions_per_year"])
            for s in services
            if s[key] is not None and s["transactions_per_year"]
        ]
        weight = sum(w for _, w in pairs)
        out[key] = (sum(v * w for v, w in pairs) / weight if weight else None, len(pairs))
    return out


def hand_format(key: str, value) -> str:
    """How a tile shows an average: 1 dp percentages, pounds and pence."""
    if value is None:
        return "no data"
    if key == "cost_per_transaction":
        return f"£{value:,.2f}"
    return f"{value * 100:.1f}".removesuffix(".0") + "%"


@pytest.mark.parametrize(
    "query, expected_slugs",
    [
        ("", DEMO_SLUGS),
        ("?department=department-for-work-pensions", DWP),
        ("?department=home-office", HOME_OFFICE),
        ("?filter=dvla", DVLA),
        ("?filter=passport", {"renew-passport"}),
        ("?filter=no-such-service", set()),
    ],
)
def test_totals_and_weighted_averages_of_the_filtered_set(client, query, expected_slugs):
    data = listed(client, query)
    services = data["services"]
    assert {s["slug"] for s in services} == expected_slugs
    # The JSON twin's figures are the KPI summaries' figures.
    summaries = summaries_by_service()
    for service in services:
        for key in KPIS:
            record = summaries[service["slug"]].get(key)
            assert service[key] == (record["value"] if record else None), (service["slug"], key)

    expected = expected_aggregates(services)
    got = {a["key"]: a for a in data["aggregates"]}
    assert list(got) == KPIS
    assert got["transactions_per_year"]["kind"] == "total"
    for key, (value, count) in expected.items():
        assert got[key]["count"] == count, key
        if value is None:
            assert got[key]["value"] is None, key
        else:
            assert got[key]["value"] == pytest.approx(value, rel=1e-12), key

    page = client.get(f"/performance/services{query}")
    main = main_of(page)
    for key, (value, count) in expected.items():
        tile = main.one("li", id=f"aggregate-{key}")
        shown = tile.one("span", class_="pp-kpi__value")
        if key == "transactions_per_year":
            if value is None:
                assert shown.text() == "no data"
            else:
                # Shortened ("87m"), with the full figure in an <abbr>.
                full = shown.find("abbr")
                assert full is not None and full.get("title") == f"{value:,}", shown
            assert f"total for {count} service" in tile.text()
        else:
            assert shown.text() == hand_format(key, value), (key, value)
            assert f"average weighted by transactions, {count} service" in tile.text()


def test_weighted_average_for_dwp_is_hand_checked(client):
    """Universal Credit has no cost: the cost average is over the other two, by volume."""
    rows = {
        r["slug"]: r for r in listed(client, "?department=department-for-work-pensions")["services"]
    }
    carers, pension = rows["carers-allowance"], rows["state-pension"]
    expected = (
        carers["cost_per_transaction"] * carers["transactions_per_year"]
        + pension["cost_per_transaction"] * pension["transactions_per_year"]
    ) / (carers["transactions_per_year"] + pension["transactions_per_year"])
    aggregates = {
        a["key"]: a
        for a in listed(client, "?department=department-for-work-pensions")["aggregates"]
    }
    assert aggregates["cost_per_transaction"]["count"] == 2
    assert aggregates["cost_per_transaction"]["value"] == pytest.approx(expected, rel=1e-12)
    # Not the plain mean of the two.
    plain = (carers["cost_per_transaction"] + pension["cost_per_transaction"]) / 2
    assert aggregates["cost_per_transaction"]["value"] != pytest.approx(plain, rel=1e-3)


# --- the .json and .csv twins -----------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?filter=dwp&sortby=name&sortorder=asc",
        "?department=home-office&sortby=cost_per_transaction&sortorder=asc",
        "?department=agency:driver-and-vehicle-licensing-agency&sortby=digital_takeup",
    ],
)
def test_json_and_csv_twins_honour_filter_and_sort(client, query):
    data = listed(client, query)
    response = client.get(f"/performance/services.csv{query}")
    assert response.status_code == 200
    assert 'filename="services.csv"' in response["Content-Disposition"]
    rows = csv_rows(response)
    header, body = rows[0], rows[1:]
    assert header[:5] == ["slug", "service", "url", "department", "agency"]
    for key in KPIS:
        assert {key, f"{key}_period", f"{key}_stale"} <= set(header)
    assert [dict(zip(header, r, strict=True))["slug"] for r in body] == [
        s["slug"] for s in data["services"]
    ]
    for record, row in zip(data["services"], body, strict=True):
        cells = dict(zip(header, row, strict=True))
        assert cells["url"] == f"/performance/{record['slug']}"
        for key in KPIS:
            if record[key] is None:
                assert cells[key] == ""
            else:
                assert float(cells[key]) == pytest.approx(record[key], rel=1e-12)
            assert cells[f"{key}_period"] == (record[f"{key}_period"] or "")
    # The page links to its twins with the same query.
    page = client.get(f"/performance/services{query}")
    links = {
        a.text(): a.get("href") for a in main_of(page).find_all("a") if a.text() in ("CSV", "JSON")
    }
    assert links["CSV"].startswith("/performance/services.csv")
    assert links["JSON"].startswith("/performance/services.json")
    for twin in links.values():
        again = client.get(twin.replace(".csv", ".json"))
        assert [s["slug"] for s in json_of(again)["services"]] == [
            s["slug"] for s in data["services"]
        ]


def test_services_pages_are_cacheable(client):
    for path in (
        "/performance/services",
        "/performance/services.json",
        "/performance/services.csv",
    ):
        response = client.get(path)
        assert response["Cache-Control"] == "public, max-age=7200", path
        etag = response["ETag"]
        assert etag.startswith('"')
        again = client.get(path, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304, path


# --- hostile input ----------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


@pytest.mark.parametrize(
    "params",
    [
        {"filter": SCRIPT},
        {"department": SCRIPT},
        {"sortby": SCRIPT, "sortorder": SCRIPT},
        {"filter": "\x00"},
        {"department": "\x00", "sortby": "\x00"},
        {"filter": "x" * 100_000},
        {"department": "agency:" + "y" * 100_000},
        {"sortby": "z" * 50_000, "sortorder": "desc" * 10_000},
        {"filter": "%_'\"\\;--"},
        {"filter": "\u202e\ufeff🙂", "department": "home-office"},
        {"filter": ["passport", "visa"]},
    ],
)
def test_hostile_parameters_never_fail_and_are_escaped(client, params):
    for path in (
        "/performance/services",
        "/performance/services.json",
        "/performance/services.csv",
    ):
        response = client.get(path, params)
        assert response.status_code == 200, (path, params)
        if path.endswith(".json"):
            json_of(response)  # well-formed JSON; echoing the text back there is harmless
        elif path.endswith(".csv"):
            assert csv_rows(response)[0][0] == "slug"
        else:
            body = response.content.decode()
            assert SCRIPT not in body
            assert "\x00" not in body
    page = client.get("/performance/services", params)
    if params.get("filter") == SCRIPT:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content.decode()
        # Shown as text, in the box and the summary, never as markup.
        main = main_of(page)
        assert main.one("input", id="filter").get("value") == SCRIPT
        assert main.find("script") is None
    # The page is still a whole page with its table.
    assert parse(page.content).one("table", id="services-table") is not None
    assert len(body_rows(table_of(page))) >= 1
