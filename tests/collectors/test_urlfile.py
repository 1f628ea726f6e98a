"""The "file at a URL" collector against a fake web server: CSV, JSON and XLSX files read
as uploads are, backfills that keep their range, and every way fetching one fails."""

import json
from datetime import date, datetime

import pytest

from performance_platform.collectors.models import Collector, CollectorRun
from performance_platform.collectors.running import run_collector
from performance_platform.datastore.models import DataSet, Record
from performance_platform.worker.runner import run_pending
from tests.uploads.makefiles import xlsx

from .conftest import records_of
from .fake_files import CSV, JSON, XLSX, FakeFiles
from .scripted import body, status

TOKEN = "file-token-81be2c"

ROWS = [
    {"date": "2026-10-26", "channel": "digital", "count": 120},
    {"date": "2026-11-02", "channel": "digital", "count": 125},
    {"date": "2026-11-02", "channel": "paper", "count": 30},
    {"date": "2026-11-09T00:00:00Z", "channel": "digital", "count": 131.5},
]
CSV_TEXT = "date,channel,count\n" + "".join(
    f"{r['date']},{r['channel']},{r['count']}\n" for r in ROWS
)
JSON_TEXT = json.dumps({"data": ROWS})


@pytest.fixture
def files():
    fake = FakeFiles(require={"Authorization": f"Bearer {TOKEN}"}).start()
    fake.publish("/exports/volumes.csv", CSV_TEXT, CSV)
    fake.publish("/api/volumes", JSON_TEXT, JSON)
    yield fake
    fake.stop()


@pytest.fixture(params=["csv", "json"])
def kind(request):
    return request.param


@pytest.fixture
def collector(make_collector, plain_data_set, files, kind):
    path = "/exports/volumes.csv" if kind == "csv" else "/api/volumes"
    return make_collector(
        plain_data_set,
        "url",
        files.url + path,
        secrets={"bearer_token": TOKEN},
        query={"timestamp": "date"},
        mapping={"fields": {"channel": "route"}},
    )


def fields(records):
    """The records' own fields (the store's underscored ones dropped, the time kept)."""
    return [
        {k: v for k, v in r.items() if not k.startswith("_") or k == "_timestamp"} for r in records
    ]


EXPECTED = [
    {"_timestamp": "2026-10-26T00:00:00+00:00", "route": "digital", "count": 120},
    {"_timestamp": "2026-11-02T00:00:00+00:00", "route": "digital", "count": 125},
    {"_timestamp": "2026-11-02T00:00:00+00:00", "route": "paper", "count": 30},
    {"_timestamp": "2026-11-09T00:00:00+00:00", "route": "digital", "count": 131.5},
]


def by_route(records):
    return sorted(fields(records), key=lambda r: (r["_timestamp"], r["route"]))


def test_a_file_is_stored_row_by_row(collector, files, plain_data_set):
    outcome = run_collector(collector)

    assert outcome.run.status == CollectorRun.Status.SUCCEEDED, outcome.run.message
    assert outcome.run.records == 4
    assert by_route(records_of(plain_data_set)) == EXPECTED
    [seen] = files.requests
    assert seen.method == "GET"
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
    collector.refresh_from_db()
    assert collector.state == Collector.State.WORKING


def test_a_list_of_objects_is_read_too(make_collector, plain_data_set, files):
    url = files.publish("/list.json", json.dumps(ROWS[:1]), "application/json")
    collector = make_collector(
        plain_data_set,
        "url",
        url,
        secrets={"headers": {"Authorization": f"Bearer {TOKEN}"}},
        query={"timestamp": "date"},
    )

    outcome = run_collector(collector)

    assert outcome.ok, outcome.run.message
    assert fields(records_of(plain_data_set)) == [
        {"_timestamp": "2026-10-26T00:00:00+00:00", "channel": "digital", "count": 120}
    ]


def test_another_platforms_read_api_can_feed_a_data_set(make_collector, plain_data_set, files):
    served = {
        "data": [
            {
                "_day_start_at": "2026-11-02T00:00:00+00:00",
                "_hour_start_at": "2026-11-02T00:00:00+00:00",
                "_id": "dmlzaXRz",
                "_month_start_at": "2026-11-01T00:00:00+00:00",
                "_quarter_start_at": "2026-10-01T00:00:00+00:00",
                "_timestamp": "2026-11-02T00:00:00+00:00",
                "_updated_at": "2026-11-03T12:34:52.485577+00:00",
                "_week_start_at": "2026-11-02T00:00:00+00:00",
                "_year_start_at": "2026-01-01T00:00:00+00:00",
                "count": 125,
                "timeSpan": "week",
            }
        ]
    }
    url = files.publish("/data/tax-disc/volumes", json.dumps(served), JSON)
    collector = make_collector(plain_data_set, "url", url, secrets={"bearer_token": TOKEN})

    outcome = run_collector(collector)

    assert outcome.ok, outcome.run.message
    [record] = records_of(plain_data_set)
    assert fields([record]) == [
        {"_timestamp": "2026-11-02T00:00:00+00:00", "count": 125, "timeSpan": "week"}
    ]
    assert record["_updated_at"].startswith("2026-11-18")  # stored here, now


def test_a_spreadsheet_is_read_as_an_upload_would_be(make_collector, plain_data_set, files):
    sheet = xlsx(
        [["_timestamp", "channel", "count"], [datetime(2026, 11, 2), "digital", 125]],
        more={"Notes": [["not", "this"]]},
    )
    url = files.publish("/download?id=4", sheet, XLSX)
    collector = make_collector(
        plain_data_set, "url", url, secrets={"bearer_token": TOKEN}, query={"format": "xlsx"}
    )

    outcome = run_collector(collector)

    assert outcome.ok, outcome.run.message
    assert fields(records_of(plain_data_set)) == [
        {"_timestamp": "2026-11-02T00:00:00+00:00", "channel": "digital", "count": 125}
    ]


def test_the_format_comes_from_the_content_type(make_collector, plain_data_set, files):
    url = files.publish("/latest", CSV_TEXT, "text/csv")
    collector = make_collector(
        plain_data_set, "url", url, secrets={"bearer_token": TOKEN}, query={"timestamp": "date"}
    )

    assert run_collector(collector).run.records == 4


def test_a_backfill_keeps_only_the_rows_in_its_range(collector, files, plain_data_set):
    outcome = run_collector(collector, start=date(2026, 11, 1), end=date(2026, 11, 8))

    assert outcome.run.status == CollectorRun.Status.SUCCEEDED, outcome.run.message
    assert outcome.run.trigger == CollectorRun.Trigger.BACKFILL
    assert by_route(records_of(plain_data_set)) == EXPECTED[1:3]
    assert len(files.requests) == 1


def test_a_dry_run_stores_nothing_and_changes_nothing(collector, files, plain_data_set):
    outcome = run_collector(collector, dry_run=True)

    assert outcome.run.status == CollectorRun.Status.DRY_RUN
    assert len(outcome.records) == 4
    assert Record.objects.filter(data_set=plain_data_set).count() == 0
    collector.refresh_from_db()
    assert collector.state == Collector.State.NEW
    assert collector.last_run_at is None


def test_a_second_run_does_not_duplicate(collector, files, plain_data_set):
    run_collector(collector)
    first = records_of(plain_data_set)
    run_collector(collector)

    again = records_of(plain_data_set)
    assert sorted(r["_id"] for r in again) == sorted(r["_id"] for r in first)
    assert Record.objects.filter(data_set=plain_data_set).count() == 4


def test_a_503_is_retried(collector, files, plain_data_set):
    files.then(status(503))

    outcome = run_collector(collector)

    assert outcome.run.status == CollectorRun.Status.SUCCEEDED
    assert outcome.run.retries == 1
    assert len(records_of(plain_data_set)) == 4


def test_a_429_waits_as_asked(collector, files, plain_data_set):
    files.then(status(429, retry_after="1"))

    outcome = run_collector(collector)

    assert outcome.run.status == CollectorRun.Status.SUCCEEDED
    assert outcome.run.retries == 1
    assert files.gaps()[0] >= 1.0
    assert len(records_of(plain_data_set)) == 4


def test_a_refused_token_breaks_the_collector_and_tells_its_owners(
    make_collector, journey, files, manager, uploader, mailoutbox, kind
):
    path = "/exports/volumes.csv" if kind == "csv" else "/api/volumes"
    collector = make_collector(
        journey, "url", files.url + path, secrets={"bearer_token": "expired"}
    )

    outcome = run_collector(collector)

    collector.refresh_from_db()
    assert collector.state == Collector.State.BROKEN
    assert "refused the credentials (HTTP 401): Invalid token" in outcome.run.message
    assert sorted(m.to[0] for m in mailoutbox) == [manager.email, uploader.email]
    assert all("Invalid token" in m.body for m in mailoutbox)
    assert all("expired" not in m.body for m in mailoutbox)

    run_collector(collector)
    assert len(mailoutbox) == 2
    assert len(files.requests) == 2


@pytest.mark.parametrize(
    "path, content, content_type, said",
    [
        ("/bad.json", b'{"data": [{"date": "2026-11-02"', JSON, "is not JSON"),
        ("/bad.json", b'{"rows": []}', JSON, 'not a list of objects, nor {"data": [...]}'),
        ("/bad.json", b'[{"date": "2026-11-02"}, 3]', JSON, "Item 2 of the JSON file is not"),
        ("/bad.json", b'[{"date": "2026-11-02", "n": [1]}]', JSON, "Item 1: 'n' holds list"),
        ("/bad.json", b'[{"date": "yesterday"}]', JSON, "Item 1: 'date' has 'yesterday'"),
        ("/bad.csv", b"date,count\n2026-11-02,3\n,4\n", CSV, "Row 3: 'date' has no value"),
        ("/bad.csv", b"", CSV, "The file is empty"),
        ("/bad.csv", b"PK\x03\x04 not really", CSV, "holds an XLSX spreadsheet, not a CSV"),
    ],
)  # fmt: skip
def test_a_malformed_file_fails_clearly_and_stores_nothing(
    make_collector, plain_data_set, files, path, content, content_type, said
):
    files.require = {}
    url = files.publish(path, content, content_type)
    collector = make_collector(plain_data_set, "url", url, query={"timestamp": "date"})

    outcome = run_collector(collector)

    assert outcome.run.status == CollectorRun.Status.FAILED
    assert said in outcome.run.message
    assert Record.objects.filter(data_set=plain_data_set).count() == 0
    collector.refresh_from_db()
    assert collector.state == Collector.State.FAILING


def test_a_malformed_answer_after_a_good_file(collector, files, plain_data_set):
    files.then(body(b"<html>Service down for maintenance</html>", "text/html"))

    outcome = run_collector(collector)

    assert outcome.run.status == CollectorRun.Status.FAILED
    assert outcome.run.message.endswith("answered with a web page, not the file.")
    assert Record.objects.filter(data_set=plain_data_set).count() == 0


def test_a_file_without_its_timestamp_column_is_refused(make_collector, plain_data_set, files):
    url = files.publish("/other.csv", "when,count\n2026-11-02,3\n")
    collector = make_collector(plain_data_set, "url", url, secrets={"bearer_token": TOKEN})

    outcome = run_collector(collector)

    assert outcome.run.message == (
        "The file has no '_timestamp' column (its columns: 'when', 'count')."
    )
    assert Record.objects.filter(data_set=plain_data_set).count() == 0


def test_a_journey_file_gives_a_completion_rate(make_collector, journey, files, dashboard):
    url = files.publish(
        "/journey.csv",
        "_timestamp,stage,count\n2026-11-09,start,200\n2026-11-09,done,150\n",
    )
    collector = make_collector(
        journey, "url", url, secrets={"bearer_token": TOKEN}, frequency="weekly"
    )

    outcome = run_collector(collector)
    assert outcome.ok, outcome.run.message
    run_pending()

    rates = DataSet.objects.get(data_group=journey.data_group, data_type__name="completion-rate")
    assert [(r["_timestamp"][:10], r["rate"]) for r in records_of(rates)] == [("2026-11-09", 0.75)]
