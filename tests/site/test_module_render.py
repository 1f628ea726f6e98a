"""Module rendering (``renderers.render``) on small hand-made data sets, figures worked by hand.

Each test writes a few records through the real write path, builds one module and checks
what ``render`` makes of it: the table (the chart's text alternative), the headline and,
where it matters, the HTML the page shows.
"""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.template.loader import render_to_string

from performance_platform.dashboards.models import Dashboard, Module
from performance_platform.dashboards.module_types import CONTAINERS, NAMES
from performance_platform.datastore import storage
from performance_platform.datastore.models import DataGroup, DataType
from performance_platform.datastore.validation import prepare_records
from performance_platform.site import renderers
from performance_platform.site.renderers import PROBLEM, Range, render

from .pages_fixtures import (  # noqa: F401
    Node,
    body_rows,
    fresh_page_cache,
    json_of,
    main_of,
    parse,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2024, 3, 4, 12, tzinfo=UTC)
WEEK1, WEEK2, WEEK3 = "2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "2024-01-15T00:00:00Z"
THREE_WEEKS = {"start_at": WEEK1, "end_at": "2024-01-22T00:00:00Z"}


@pytest.fixture
def dashboard():
    return Dashboard.objects.create(
        slug="render-tests", title="Render tests", status="published", dashboard_type="transaction"
    )


@pytest.fixture
def make_module(dashboard, make_data_set):
    """A module reading a new data set that holds ``records``."""
    counter = iter(range(1000))

    def make(module_type, records, *, query=None, options=None, slug=None, data_type=None):
        number = next(counter)
        data_type = data_type or f"type-{number}"
        data_set, _ = make_data_set(
            group="render-group", data_type=data_type, token=None, raw_queries_allowed=True
        )
        prepared, errors = prepare_records(records, schema=None, auto_ids=None, now=NOW)
        assert errors == []
        storage.store_records(data_set, prepared, now=NOW)
        return Module.objects.create(
            dashboard=dashboard,
            order=number,
            slug=slug or f"module-{number}",
            type=module_type,
            title=f"Module {number}",
            data_group=data_set.data_group,
            data_type=data_set.data_type,
            query=query or {},
            options=options or {},
        )

    return make


def records_of(view) -> list[dict]:
    return view.table.as_records()


def html_of(view, full=False) -> str:
    return render_to_string("site/includes/module.html", {"view": view, "level": 2, "full": full})


# --- completion rate --------------------------------------------------------------------


def test_completion_rate_per_period(make_module):
    module = make_module(
        "completion_rate",
        [
            {"_timestamp": WEEK1, "stage": "start", "count": 200},
            {"_timestamp": WEEK1, "stage": "done", "count": 150},
            {"_timestamp": WEEK1, "stage": "done-later", "count": 999},  # not ^done$
            {"_timestamp": WEEK1, "stage": "restart", "count": 50},  # not ^start$
            {"_timestamp": WEEK2, "stage": "start", "count": 100},
            {"_timestamp": "2024-01-10T09:00:00Z", "stage": "start", "count": 100},
            {"_timestamp": WEEK2, "stage": "done", "count": 30},
            {"_timestamp": WEEK3, "stage": "start", "count": 50},  # nobody finished yet
        ],
        query={"period": "week", "group_by": "stage", "collect": ["count:sum"], **THREE_WEEKS},
        options={
            "value-attribute": "count:sum",
            "matching-attribute": "stage",
            "numerator-matcher": "^done$",
            "denominator-matcher": "^start$",
            "axis-period": "week",
        },
    )
    view = render(module, now=NOW)
    assert view.error is None
    assert records_of(view) == [
        {
            "Period": "1 to 7 January 2024",
            "Completion rate": 0.75,
            "Completed": 150,
            "Started": 200,
        },
        {
            "Period": "8 to 14 January 2024",
            "Completion rate": 0.15,
            "Completed": 30,
            "Started": 200,
        },
        {
            "Period": "15 to 21 January 2024",
            "Completion rate": None,
            "Completed": None,
            "Started": 50,
        },
    ]
    # The headline is the latest period with a rate.
    assert str(view.headline) == "15%"
    assert view.headline_label == "8 to 14 January 2024"
    assert 'role="img"' in str(view.chart)


def test_completion_rate_with_nothing_started_is_no_rate_not_a_crash(make_module):
    module = make_module(
        "completion_rate",
        [{"_timestamp": WEEK1, "stage": "done", "count": 5}],
        query={"period": "week", "group_by": "stage", "collect": ["count:sum"], **THREE_WEEKS},
        options={
            "value-attribute": "count:sum",
            "matching-attribute": "stage",
            "numerator-matcher": "^done$",
            "denominator-matcher": "^start$",
        },
    )
    view = render(module, now=NOW)
    assert [r["Completion rate"] for r in records_of(view)] == [None, None, None]
    assert "no data" in str(view.headline)


# --- grouped timeseries ---------------------------------------------------------------------

CHANNELS = [
    {"_timestamp": WEEK1, "channel": "digital", "count": 10},
    {"_timestamp": WEEK1, "channel": "paper", "count": 5},
    {"_timestamp": WEEK1, "channel": "phone", "count": 1},
    {"_timestamp": WEEK2, "channel": "digital", "count": 20},
    {"_timestamp": WEEK2, "channel": "digital", "count": 2},
    {"_timestamp": WEEK2, "channel": "phone", "count": 3},
]
CHANNEL_QUERY = {
    "period": "week",
    "group_by": "channel",
    "collect": ["count:sum"],
    "start_at": WEEK1,
    "end_at": WEEK3,
}


def test_grouped_timeseries_totals(make_module):
    module = make_module(
        "grouped_timeseries",
        CHANNELS,
        query=CHANNEL_QUERY,
        options={"category": "channel", "value-attribute": "count:sum", "axis-period": "week"},
    )
    view = render(module, now=NOW)
    assert "flatten" not in view.params  # groups stay nested
    assert records_of(view) == [
        {"Period": "1 to 7 January 2024", "Digital": 10, "Paper": 5, "Phone": 1, "Total": 16},
        {"Period": "8 to 14 January 2024", "Digital": 22, "Paper": None, "Phone": 3, "Total": 25},
    ]
    assert str(view.headline) == "25"
    assert view.headline_label == "total, 8 to 14 January 2024"
    # The description names whole weeks too, as the table does.
    assert "between the week of 1 January 2024 and the week of 8 January 2024" in _desc(view.chart)


def test_grouped_timeseries_rolls_groups_without_an_axis_into_other(make_module):
    module = make_module(
        "grouped_timeseries",
        CHANNELS,
        query=CHANNEL_QUERY,
        options={
            "category": "channel",
            "value-attribute": "count:sum",
            "use_stack": True,
            "axes": {"y": [{"groupId": "digital", "label": "Online"}]},
        },
    )
    view = render(module, now=NOW)
    assert records_of(view) == [
        {"Period": "1 to 7 January 2024", "Online": 10, "Other": 6, "Total": 16},
        {"Period": "8 to 14 January 2024", "Online": 22, "Other": 3, "Total": 25},
    ]


def test_a_hundred_percent_table_gives_each_series_share(make_module):
    """B3: a 100% chart's table shows percentages; the total stays the volume."""
    module = make_module(
        "grouped_timeseries",
        CHANNELS,
        query=CHANNEL_QUERY,
        options={
            "category": "channel",
            "value-attribute": "count:sum",
            "one-hundred-percent": True,
        },
    )
    view = render(module, now=NOW)
    assert records_of(view) == [
        {
            "Period": "1 to 7 January 2024",
            "Digital": 10 / 16,
            "Paper": 5 / 16,
            "Phone": 1 / 16,
            "Total": 16,
        },
        {
            "Period": "8 to 14 January 2024",
            "Digital": 22 / 25,
            "Paper": None,
            "Phone": 3 / 25,
            "Total": 25,
        },
    ]
    assert "62.5%" in view.table.html()


def test_group_mapping_merges_groups_by_pattern(make_module):
    module = make_module(
        "grouped_timeseries",
        CHANNELS,
        query=CHANNEL_QUERY,
        options={
            "category": "channel",
            "value-attribute": "count:sum",
            # The first matching pattern wins: "phone" is assisted, not "p...".
            "group-mapping": {"^(paper|phone)$": "assisted", "^p": "never"},
        },
    )
    view = render(module, now=NOW)
    assert records_of(view) == [
        {"Period": "1 to 7 January 2024", "Assisted": 6, "Digital": 10, "Total": 16},
        {"Period": "8 to 14 January 2024", "Assisted": 3, "Digital": 22, "Total": 25},
    ]


PEOPLE_CHANNELS = [
    {"_timestamp": WEEK1, "channel": channel, "count": count}
    for channel, count in [
        ("paper_form", 5),
        ("telephone_human", 3),
        ("face_to_face", 2),
        ("phone_and_post", 1),
        ("api", 4),
    ]
] + [{"_timestamp": WEEK2, "channel": "paper_form", "count": 7}]


def test_groups_are_named_for_people_not_by_their_keys(make_module):
    """Channels get human names: the module's ``labels`` first, then the well-known names,
    then the key as a sentence; never "paper_form". Each series' sentence in the chart's
    description ends once, with its own full stop ("....; Paper_form rose" was wrong)."""
    module = make_module(
        "grouped_timeseries",
        PEOPLE_CHANNELS,
        query=CHANNEL_QUERY,
        options={
            "category": "channel",
            "value-attribute": "count:sum",
            "axis-period": "week",
            "show-line-labels": True,
            "labels": {"api": "Software (API)"},
        },
    )
    view = render(module, now=NOW)
    names = ["Software (API)", "Face to face", "Paper form", "Phone and post", "Telephone (human)"]
    assert list(records_of(view)[0]) == ["Period", *names, "Total"]
    assert [item["label"] for item in view.legend] == names
    # Only the charts' data-key attributes (styling hooks, never shown) keep the keys.
    html = re.sub(r' data-key="[^"]*"', "", html_of(view))
    for key in ("paper_form", "telephone_human", "face_to_face", "phone_and_post"):
        assert key not in html
    desc = _desc(view.chart)
    assert "Paper form rose from 5 to 7 between the week of 1 January 2024" in desc
    assert ".;" not in desc and ". ;" not in desc
    assert "missing. Paper form rose" in desc, desc


WEEKLY = [
    {"_timestamp": f"2024-01-{day:02d}T00:00:00Z", "channel": channel, "count": count}
    for day, counts in [(1, (1, 100)), (8, (2, 200)), (15, (3, 300)), (22, (4, 400))]
    for channel, count in zip(("digital", "paper"), counts, strict=True)
]


@pytest.mark.parametrize(
    "range_params",
    [
        {"start_at": "2024-01-15T00:00:00Z", "end_at": "2024-01-29T00:00:00Z"},
        {"duration": 2},
    ],
)
def test_a_timeshifted_series_is_its_group_periods_earlier(make_module, range_params):
    """B3 #3: ``timeshift: N`` compares each period with the one N periods before. The
    extra periods are fetched in the module's own query (so its API link shows them) and
    are not shown as periods of their own."""
    module = make_module(
        "grouped_timeseries",
        WEEKLY,
        query={"period": "week", "group_by": "channel", "collect": ["count:sum"], **range_params},
        options={
            "category": "channel",
            "value-attribute": "count:sum",
            "axes": {
                "y": [
                    {"groupId": "digital", "label": "Digital"},
                    {"groupId": "digital", "label": "Digital", "timeshift": 2},
                    {"groupId": "paper", "label": "Paper", "timeshift": 1},
                ]
            },
        },
    )
    view = render(module, now=datetime(2024, 1, 29, 9, tzinfo=UTC))
    if "start_at" in range_params:
        assert view.params["start_at"] == "2024-01-01T00:00:00Z"  # two weeks earlier
    else:
        assert view.params["duration"] == 4
    assert records_of(view) == [
        {
            "Period": "15 to 21 January 2024",
            "Digital": 3,
            "Other": 300,
            "Digital (2 weeks ago)": 1,
            "Paper (1 week ago)": 200,
            "Total": 303,
        },
        {
            "Period": "22 to 28 January 2024",
            "Digital": 4,
            "Other": 400,
            "Digital (2 weeks ago)": 2,
            "Paper (1 week ago)": 300,
            "Total": 404,
        },
    ]
    html = html_of(view)
    assert "Digital (2 weeks ago)" in html and "API" not in view.title
    assert "duration=4" in view.api_url or "start_at=2024-01-01" in view.api_url


def test_a_timeshift_before_the_data_shows_gaps_not_zeros(make_module):
    module = make_module(
        "grouped_timeseries",
        WEEKLY,
        query={
            "period": "week",
            "group_by": "channel",
            "collect": ["count:sum"],
            "start_at": "2024-01-08T00:00:00Z",
            "end_at": "2024-01-22T00:00:00Z",
        },
        options={
            "category": "channel",
            "value-attribute": "count:sum",
            "axes": {
                "y": [
                    {"groupId": "digital", "label": "Digital"},
                    {"groupId": "digital", "label": "Digital", "timeshift": 3},
                ]
            },
        },
    )
    view = render(module, now=NOW)
    assert [r["Digital (3 weeks ago)"] for r in records_of(view)] == [None, None]
    assert [r["Digital"] for r in records_of(view)] == [2, 3]


def test_line_labels_give_latest_values_shares_total_and_links(make_module):
    module = make_module(
        "grouped_timeseries",
        CHANNELS,
        query=CHANNEL_QUERY,
        options={
            "category": "channel",
            "value-attribute": "count:sum",
            "show-line-labels": True,
            "show-total-label": True,
            "line-label-links": True,
            "axes": {
                "y": [
                    {"groupId": "digital", "label": "Online", "href": "/performance/x/online"},
                    {"groupId": "phone", "label": "Phone"},
                ]
            },
        },
    )
    view = render(module, now=NOW)
    # Paper (in "Other") has no records in the latest week: no figure, no share.
    assert [(i["label"], str(i["value"]), i["share"], i["url"]) for i in view.legend] == [
        ("Online", "22", "88%", "/performance/x/online"),
        ("Phone", "3", "12%", ""),
        ("Other", '<span class="pp-no-data">no data</span>', "", ""),
    ]
    html = " ".join(parse(html_of(view)).text().split())
    assert "Latest figures, 8 to 14 January 2024:" in html
    assert "Online: 22 (88%)" in html and "Total: 25" in html
    assert 'href="/performance/x/online"' in html_of(view)


def test_line_labels_are_off_unless_asked_for(make_module):
    module = make_module(
        "grouped_timeseries",
        CHANNELS,
        query=CHANNEL_QUERY,
        options={"category": "channel", "value-attribute": "count:sum"},
    )
    view = render(module, now=NOW)
    assert view.legend == [] and "pp-legend" not in html_of(view)


# --- column ---------------------------------------------------------------------------------


def column_module(make_module, max_bars):
    return make_module(
        "column",
        [
            {"_timestamp": WEEK1, "days": days, "count": count}
            for days, count in [(1, 10), (2, 20), (3, 30), (10, 40), (11, 50), (12, 60)]
        ]
        + [{"_timestamp": WEEK2, "days": 2, "count": 5}],
        query={"group_by": "days", "collect": ["count:sum"], **THREE_WEEKS},
        options={
            "value-attribute": "count:sum",
            "pin-to": "days",
            "max-bars": max_bars,
            "axes": {"x": {"label": "Working days"}, "y": [{"label": "Applications"}]},
        },
    )


def test_column_folds_bars_beyond_max_bars_into_n_plus(make_module):
    view = render(column_module(make_module, 4), now=NOW)
    # In number order (10 after 3, not after 1), the last bar holding 10, 11 and 12.
    assert records_of(view) == [
        {"Working days": "1", "Applications": 10},
        {"Working days": "2", "Applications": 25},
        {"Working days": "3", "Applications": 30},
        {"Working days": "10+", "Applications": 150},
    ]
    assert str(view.headline) == "215"
    assert "10+" in str(view.chart)


def test_column_within_max_bars_is_not_folded(make_module):
    view = render(column_module(make_module, 6), now=NOW)
    assert [r["Working days"] for r in records_of(view)] == ["1", "2", "3", "10", "11", "12"]


# --- list ---------------------------------------------------------------------------------


def test_list_label_regex_and_url_root(make_module):
    module = make_module(
        "list",
        [
            {
                "_timestamp": WEEK1,
                "title": "Tax your vehicle - GOV.UK",
                "path": "/vehicle-tax",
                "visits": 3,
            },
            {
                "_timestamp": WEEK1,
                "title": "Make a SORN - GOV.UK",
                "path": "/make-a-sorn",
                "visits": 2,
            },
            {"_timestamp": WEEK1, "title": "No suffix here", "path": "/plain", "visits": 1},
        ],
        query={"sort_by": "visits:descending"},
        options={
            "label-attr": "title",
            "link-attr": "path",
            "label-regex": "^(.*) - GOV.UK$",
            "url-root": "https://www.gov.uk",
        },
    )
    view = render(module, now=NOW)
    assert view.items == [
        {"label": "Tax your vehicle", "url": "https://www.gov.uk/vehicle-tax"},
        {"label": "Make a SORN", "url": "https://www.gov.uk/make-a-sorn"},
        {"label": "No suffix here", "url": "https://www.gov.uk/plain"},
    ]
    links = [(a.get("href"), a.text()) for a in parse(html_of(view)).find_all("a")]
    assert ("https://www.gov.uk/vehicle-tax", "Tax your vehicle") in links


def test_list_refuses_javascript_and_other_unsafe_links(make_module):
    unsafe = [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "\tjavascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "ftp://example.com/file",
    ]
    safe = ["https://example.com/ok", "http://example.com/ok", "/relative/page"]
    module = make_module(
        "list",
        [
            {"_timestamp": WEEK1, "title": f"<b>item {i}</b>", "path": link, "visits": i}
            for i, link in enumerate(unsafe + safe)
        ],
        query={"sort_by": "visits:ascending"},
        options={"label-attr": "title", "link-attr": "path"},
    )
    view = render(module, now=NOW)
    urls = [item["url"] for item in view.items]
    assert urls == [""] * len(unsafe) + safe
    html = html_of(view)
    hrefs = [a.get("href") for a in parse(html).one("ol").find_all("a")]
    assert hrefs == safe
    assert "javascript:" not in html.lower()
    # Labels are text, not markup.
    assert "<b>item 0</b>" not in html
    assert "&lt;b&gt;item 0&lt;/b&gt;" in html


# --- table ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "order, expected",
    [
        ("ascending", ["c", "d", "a", "b", "e"]),
        ("descending", ["a", "d", "c", "b", "e"]),
    ],
)
def test_table_sort_puts_missing_values_last(make_module, order, expected):
    module = make_module(
        "table",
        [
            {"_timestamp": WEEK1, "name": "a", "score": 3},
            {"_timestamp": WEEK1, "name": "b"},  # no score at all
            {"_timestamp": WEEK1, "name": "c", "score": 1},
            {"_timestamp": WEEK1, "name": "d", "score": 2},
            {"_timestamp": WEEK2, "name": "e", "score": None},
        ],
        query={"sort_by": "_timestamp:ascending"},
        options={
            "sort-by": "score",
            "sort-order": order,
            "axes": {
                "x": {"label": "Name", "key": "name"},
                "y": [{"label": "Score", "key": "score", "format": "integer"}],
            },
        },
    )
    view = render(module, now=NOW)
    assert [r["Name"] for r in records_of(view)] == expected
    rows = body_rows(parse(html_of(view)).one("table"))
    assert [r[0] for r in rows] == expected
    assert rows[-1][1] == "—"


# --- journey ------------------------------------------------------------------------------


def test_journey_funnel_percentages(make_module):
    module = make_module(
        "journey",
        [
            {"_timestamp": WEEK1, "step": "start", "count": 600},
            {"_timestamp": "2024-01-03T00:00:00Z", "step": "start", "count": 400},
            {"_timestamp": WEEK1, "step": "details", "count": 800},
            {"_timestamp": WEEK1, "step": "done", "count": 250},
            {"_timestamp": WEEK2, "step": "done", "count": 9999},  # outside the week
        ],
        query={
            "group_by": "step",
            "collect": ["count:sum"],
            "start_at": WEEK1,
            "end_at": WEEK2,
        },
        options={
            "matching-attribute": "step",
            "value-attribute": "count:sum",
            "axes": {
                "y": [
                    {"groupId": "start", "label": "Start"},
                    {"groupId": "details", "label": "Details"},
                    {"groupId": "pay", "label": "Pay"},
                    {"groupId": "done", "label": "Done"},
                ]
            },
        },
    )
    view = render(module, now=NOW)
    assert records_of(view) == [
        {"Step": "Start", "Number of users": 1000, "Percentage relative to start": 1.0},
        {"Step": "Details", "Number of users": 800, "Percentage relative to start": 0.8},
        {"Step": "Pay", "Number of users": None, "Percentage relative to start": None},
        {"Step": "Done", "Number of users": 250, "Percentage relative to start": 0.25},
    ]
    assert view.headline_label == "1 to 7 January 2024"
    assert "Done: 250 (25% of the first step)" in str(view.chart)


def test_journey_without_a_range_reads_the_last_full_week(make_module):
    module = make_module(
        "journey",
        [{"_timestamp": "2024-02-26T10:00:00Z", "step": "start", "count": 7}],
        query={"group_by": "step", "collect": ["count:sum"]},
        options={"matching-attribute": "step", "value-attribute": "count:sum"},
    )
    view = render(module, now=NOW)  # Monday 4 March 2024
    assert view.params["start_at"] == "2024-02-26T00:00:00Z"
    assert view.params["end_at"] == "2024-03-04T00:00:00Z"
    assert records_of(view)[0]["Number of users"] == 7


# --- user satisfaction ------------------------------------------------------------------------


def test_user_satisfaction_breakdown_reads_collected_ratings(make_module):
    ratings = {"rating_1": 1, "rating_2": 2, "rating_3": 3, "rating_4": 4, "rating_5": 10}
    module = make_module(
        "user_satisfaction_graph",
        [
            {"_timestamp": "2024-01-01T00:00:00Z", "score": 0.8, "num_responses": 20, **ratings},
            {"_timestamp": "2024-02-01T00:00:00Z", "score": 0.9, "num_responses": 40, **ratings},
        ],
        query={
            "period": "month",
            "start_at": "2024-01-01T00:00:00Z",
            "end_at": "2024-03-01T00:00:00Z",
            "collect": ["score:mean", "num_responses:sum"]
            + [f"rating_{k}:sum" for k in range(1, 6)],
        },
        options={
            "value-attribute": "score:mean",
            "total-attribute": "num_responses:sum",
            "axis-period": "month",
        },
    )
    view = render(module, now=NOW, full=True)
    latest = records_of(view)[-1]
    assert latest["User satisfaction"] == 0.9
    assert latest["Responses"] == 40
    assert [latest[k] for k in ("Very dissatisfied", "Satisfied", "Very satisfied")] == [1, 4, 10]
    assert str(view.headline) == "90%"
    assert view.headline_note == "(40 responses)"
    titles = [title for title, _chart in view.extra_charts]
    assert titles == ["Breakdown of survey rating, February 2024"]
    assert "Very satisfied: 10" in str(view.extra_charts[0][1])


# --- realtime -------------------------------------------------------------------------------

REALTIME_RECORDS = [
    {"_timestamp": "2024-03-04T11:45:00Z", "unique_visitors": 1180},
    {"_timestamp": "2024-03-04T11:50:00Z", "unique_visitors": 1204},
    {"_timestamp": "2024-03-04T11:55:00Z", "unique_visitors": 1213},
]


def realtime_headline(view, full=False) -> Node:
    return parse(html_of(view, full)).one("p", class_="pp-realtime")


@pytest.mark.parametrize(
    "now, old",
    [
        (NOW, False),  # five minutes after the latest figure
        (datetime(2024, 3, 4, 12, 5, tzinfo=UTC), False),  # ten: one figure late, not old
        (datetime(2024, 3, 4, 12, 5, 1, tzinfo=UTC), True),  # over ten: old
        (datetime(2024, 3, 4, 18, tzinfo=UTC), True),
    ],
)
def test_realtime_says_when_its_figure_was_taken_and_whether_it_is_old(make_module, now, old):
    module = make_module(
        "realtime", REALTIME_RECORDS, options={"value-attribute": "unique_visitors"}
    )
    view = render(module, now=now, base_url="/performance/render-tests")
    taken = "users online at 11:55am on 4 March 2024"
    expected = taken + (" (no newer figure has come in)" if old else "")
    assert view.headline == "1,213"
    assert view.headline_note == expected
    assert "now" not in view.headline_note
    # The page's words are the view's, with the figure and its time behind hooks.
    headline = realtime_headline(view)
    assert headline.one("span", class_="pp-kpi__period").text() == expected
    assert headline.one("span", data_realtime_value="").text() == "1,213"
    time = headline.one("time", data_realtime_time="")
    assert (time.get("datetime"), time.text()) == (
        "2024-03-04T11:55:00Z",
        "11:55am on 4 March 2024",
    )
    marker = headline.one("span", data_realtime_old="")
    assert marker.get("data-realtime-old-words") == " (no newer figure has come in)"
    assert marker.text() == ("(no newer figure has come in)" if old else "")
    assert view.live.as_json() == {
        "value": 1213,
        "display": "1,213",
        "taken_at": "2024-03-04T11:55:00Z",
        "taken_at_words": "11:55am on 4 March 2024",
        "old": old,
    }


def test_realtime_hooks_name_the_json_twin_and_a_live_region_of_just_the_figure(make_module):
    module = make_module(
        "realtime", REALTIME_RECORDS, options={"value-attribute": "unique_visitors"}, slug="live"
    )
    for full in (False, True):
        view = render(module, now=NOW, full=full, base_url="/performance/render-tests")
        headline = realtime_headline(view, full)
        assert headline.get("data-realtime-url") == "/performance/render-tests/live.json"
        assert headline.get("data-realtime-every") == "120"  # REALTIME_REFRESH_SECONDS
        region = headline.one("span", class_="pp-realtime__figure")
        assert (region.get("aria-live"), region.get("aria-atomic")) == ("polite", "true")
        assert region.text() == "1,213 users online at 11:55am on 4 March 2024"
        # The region is the figure alone: not the module, its chart or its table.
        html = html_of(view, full)
        assert "realtime.js" not in parse(html).text()  # the template's comment stays one
        section = parse(html).one("section")
        assert [n.get("aria-live") for n in section.iter() if n.get("aria-live")] == ["polite"]


def test_realtime_refresh_can_be_turned_off(make_module, settings):
    settings.REALTIME_REFRESH_SECONDS = 0
    module = make_module(
        "realtime", REALTIME_RECORDS, options={"value-attribute": "unique_visitors"}
    )
    headline = realtime_headline(render(module, now=NOW, base_url="/performance/render-tests"))
    assert headline.get("data-realtime-url") is None
    assert headline.get("data-realtime-every") is None
    assert headline.one("time").text() == "11:55am on 4 March 2024"  # still says when


def test_realtime_figures_of_a_range_in_the_past_are_not_refreshed(make_module):
    """A range chosen in the module page's address: a newer figure would not be of it."""
    module = make_module(
        "realtime", REALTIME_RECORDS, options={"value-attribute": "unique_visitors"}
    )
    past = Range(datetime(2024, 3, 4, tzinfo=UTC), datetime(2024, 3, 4, 11, 46, tzinfo=UTC))
    view = render(module, now=NOW, date_range=past, base_url="/performance/render-tests")
    # The range's last figure: not "old" (newer ones came in, after the range).
    assert view.headline_note == "users online at 11:45am on 4 March 2024"
    assert view.live.refresh_seconds == 0
    assert realtime_headline(view).get("data-realtime-url") is None
    # A range that runs up to now is refreshed as usual.
    recent = Range(datetime(2024, 3, 4, tzinfo=UTC), NOW)
    view = render(module, now=NOW, date_range=recent, base_url="/performance/render-tests")
    assert view.live.refresh_seconds == 120


def test_realtime_without_figures_has_no_headline_and_nothing_to_refresh(make_module):
    module = make_module(
        "realtime",
        [{"_timestamp": "2024-03-01T11:55:00Z", "unique_visitors": 5}],  # days before NOW
        options={"value-attribute": "unique_visitors"},
    )
    view = render(module, now=NOW, base_url="/performance/render-tests")
    assert (view.headline, view.headline_note, view.live) == (None, "", None)
    assert "data-realtime" not in html_of(view)


@pytest.mark.usefixtures("fresh_page_cache")
def test_realtime_pages_load_the_script_and_the_json_twin_gives_the_latest_figure(
    client, make_module
):
    make_module(
        "realtime", REALTIME_RECORDS, options={"value-attribute": "unique_visitors"}, slug="live"
    )
    make_module(
        "table",
        [{"_timestamp": WEEK1, "name": "x", "score": 1}],
        options={"sort-by": "score", "sort-order": "ascending"},
        slug="plain",
    )
    with time_machine.travel(NOW, tick=False):
        scripts = {}
        for path in ("", "/live", "/plain"):
            page = parse(client.get(f"/performance/render-tests{path}").content)
            scripts[path] = [
                s.get("src") for s in page.find_all("script") if "realtime" in s.get("src", "")
            ]
        twin = json_of(client.get("/performance/render-tests/live.json"))
        whole = json_of(client.get("/performance/render-tests.json"))
    # Only a page with a realtime figure loads the script, as a module from this site.
    assert len(scripts[""]) == len(scripts["/live"]) == 1
    assert scripts[""][0].startswith("/static/site/realtime.") and scripts[""][0].endswith(".js")
    assert scripts["/plain"] == []
    latest = {
        "value": 1213,
        "display": "1,213",
        "taken_at": "2024-03-04T11:55:00Z",
        "taken_at_words": "11:55am on 4 March 2024",
        "old": False,
    }
    assert twin["latest"] == latest
    assert next(m for m in whole["modules"] if m["slug"] == "live")["latest"] == latest
    assert "latest" not in next(m for m in whole["modules"] if m["slug"] == "plain")


# --- problems with the data ------------------------------------------------------------------


def test_a_missing_data_set_is_a_problem_message_not_a_failure(dashboard):
    group = DataGroup.objects.create(name="nobody-writes-here")
    data_type = DataType.objects.create(name="missing")
    module = Module.objects.create(
        dashboard=dashboard,
        slug="orphan",
        type="single_timeseries",
        title="Orphan",
        data_group=group,
        data_type=data_type,
        options={"value-attribute": "count"},
    )
    view = render(module, now=NOW)
    assert view.error == PROBLEM == "There was a problem getting data for this module."
    assert view.table is None and view.chart is None
    assert PROBLEM in html_of(view)


@pytest.mark.parametrize(
    "module_type, query",
    [
        ("single_timeseries", {"period": "fortnight"}),  # a query the read API refuses
        ("single_timeseries", {"sort_by": "count:sideways"}),
        ("no_such_type", {}),
    ],
)
def test_a_bad_query_or_type_is_a_problem_message(make_module, module_type, query):
    module = make_module(
        module_type,
        [{"_timestamp": WEEK1, "count": 1}],
        query=query,
        options={"value-attribute": "count"},
    )
    view = render(module, now=NOW)
    assert view.error == PROBLEM


@pytest.mark.usefixtures("fresh_page_cache")
def test_a_broken_module_does_not_fail_the_page(client, dashboard, make_module):
    good = make_module(
        "single_timeseries",
        [{"_timestamp": WEEK1, "count": 1234}, {"_timestamp": WEEK2, "count": 5678}],
        query={"period": "week", "collect": ["count:sum"], **THREE_WEEKS},
        options={"value-attribute": "count:sum"},
        slug="good",
    )
    Module.objects.create(
        dashboard=dashboard,
        order=99,
        slug="broken",
        type="single_timeseries",
        title="Broken",
        data_group=DataGroup.objects.create(name="gone-group"),
        data_type=DataType.objects.create(name="gone-type"),
        options={"value-attribute": "count"},
    )
    response = client.get("/performance/render-tests")
    assert response.status_code == 200
    main = main_of(response)
    broken = main.one("section", id="module-broken")
    assert broken.one("p", class_="pp-module__error").text() == PROBLEM
    ok = main.one("section", id="module-good")
    assert PROBLEM not in ok.text()
    assert [r[1] for r in body_rows(ok.one("table"))] == ["1,234", "5,678", "—"]
    assert good.title in ok.text()
    module_page = client.get("/performance/render-tests/broken")
    assert module_page.status_code == 200
    assert PROBLEM in main_of(module_page).text()
    assert client.get("/performance/render-tests/broken.csv").status_code == 404
    assert client.get("/performance/render-tests.json").status_code == 200


def test_sections_render_their_children_with_nested_urls(dashboard, make_module):
    child = make_module(
        "table",
        [{"_timestamp": WEEK1, "name": "x", "score": 1}],
        options={"sort-by": "score", "sort-order": "ascending"},
        slug="child",
    )
    section = Module.objects.create(
        dashboard=dashboard, slug="costs", type="section", title="Costs"
    )
    child.parent = section
    child.save()
    view = render(section, now=NOW, base_url="/performance/render-tests")
    assert view.url == "/performance/render-tests/costs"
    assert [c.url for c in view.children] == ["/performance/render-tests/costs/child"]
    assert view.children[0].table.rows


def test_every_module_type_has_a_renderer():
    assert set(NAMES) == {
        "kpi",
        "single_timeseries",
        "grouped_timeseries",
        "completion_rate",
        "user_satisfaction_graph",
        "bar_chart_with_number",
        "column",
        "table",
        "list",
        "availability",
        "journey",
        "realtime",
        "completion_table",
        "section",
        "tab",
    }
    # Exactly one each (a second registration raises), and none for a type not listed.
    assert set(renderers.RENDERERS) == set(NAMES) - CONTAINERS


def test_a_renderer_for_an_unknown_type_a_container_or_a_second_one_is_refused():
    for name in ("nonsense", "section", "tab"):
        with pytest.raises(ValueError):
            renderers.renders(name)
    before = dict(renderers.RENDERERS)
    with pytest.raises(ValueError, match="a renderer already"):
        renderers.renders("kpi")(lambda *args, **kwargs: None)
    assert renderers.RENDERERS == before


# --- chart descriptions name periods in words -------------------------------------------


def _desc(svg) -> str:
    """The chart's description; its small screens' twin says the same."""
    wide, narrow = (d.text() for d in parse(str(svg)).find_all("desc"))
    assert wide == narrow
    return wide


@pytest.mark.parametrize(
    "period, records, end_at, expected",
    [
        (
            "month",
            [("2024-01-01", 10), ("2024-03-01", 30)],
            "2024-04-01T00:00:00Z",
            "Count rose from 10 to 30 between January 2024 and March 2024."
            " 1 of the 3 values is missing.",
        ),
        (
            "week",
            [("2024-01-01", 40), ("2024-01-08", 20)],
            "2024-01-15T00:00:00Z",
            "Count fell from 40 to 20 between the week of 1 January 2024"
            " and the week of 8 January 2024.",
        ),
        (
            "quarter",
            [("2024-01-01", 5), ("2024-04-01", 5)],
            "2024-07-01T00:00:00Z",
            "Count stayed at 5 between the quarter from January to March 2024"
            " and the quarter from April to June 2024.",
        ),
    ],
)
def test_a_chart_description_names_its_periods_as_a_sentence_would(
    make_module, period, records, end_at, expected
):
    # Axis labels are short ("Jan 2024"); the description a screen reader hears is not,
    # and a month is a month, not its first day ("1 January 2024").
    module = make_module(
        "single_timeseries",
        [{"_timestamp": f"{day}T00:00:00Z", "count": n} for day, n in records],
        query={
            "period": period,
            "collect": ["count:sum"],
            "start_at": "2024-01-01T00:00:00Z",
            "end_at": end_at,
        },
        options={
            "value-attribute": "count:sum",
            "axis-period": period,
            "axes": {"y": [{"label": "Count"}]},
        },
    )
    view = render(module, now=NOW)
    assert view.error is None
    assert _desc(view.chart) == expected
