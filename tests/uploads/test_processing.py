"""An upload from file to stored records: the check, the preview, storing (added or
replacing a date range), and rollback — through processing, as every door uses it."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.utils import timezone

from performance_platform.datastore import storage
from performance_platform.datastore.models import DataSet, Record, RollupDay
from performance_platform.datastore.validation import prepare_records
from performance_platform.uploads import processing
from performance_platform.uploads.checking import MAX_ERRORS
from performance_platform.uploads.models import Upload
from tests.conftest import FROZEN_NOW

from .conftest import HEADER, csv_file, month_rows, stored_rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(FROZEN_NOW, tick=False):
        yield


def upload_of(data_set, content: bytes, name="figures.csv", mode=Upload.Mode.ADD):
    return processing.check(processing.receive(data_set, content, name, mode=mode))


def stored(data_set) -> list[tuple]:
    """Every stored record of the data set, column for column."""
    return stored_rows(data_set=data_set)


def rollups(data_set) -> list[tuple]:
    return list(
        RollupDay.objects.filter(data_set=data_set)
        .order_by("day", "dims_hash")
        .values_list("day", "dims_hash", "count", "measures")
    )


def api_write(data_set, items, now):
    prepared, errors = prepare_records(
        items, schema=data_set.schema, auto_ids=data_set.auto_ids, now=now
    )
    assert errors == []
    storage.store_records(data_set, prepared, now=now)


def test_a_good_file_is_previewed_then_stored_as_the_write_api_would(data_set):
    content = csv_file(HEADER, *month_rows("2026-09", 700, 300), *month_rows("2026-10", 720, 280))
    upload = upload_of(data_set, content)
    assert upload.status == Upload.Status.READY, upload.errors
    assert (upload.row_count, upload.new_count, upload.replaced_count) == (4, 4, 0)
    assert Record.objects.filter(data_set=data_set).count() == 0  # nothing stored yet
    assert upload.preview["headers"][:4] == ["_timestamp", "period", "channel", "count"]
    assert upload.preview["rows"][0][:4] == ["2026-09-01T00:00:00+00:00", "month", "digital", "700"]
    sentences = [k["sentence"] for k in upload.preview["kpis"]]
    assert "Digital take-up for October 2026 becomes 72% (there was no figure before)" in sentences
    assert (
        "Digital take-up for September 2026 becomes 70% (there was no figure before)" in sentences
    )

    upload = processing.store(upload)
    assert upload.status == Upload.Status.STORED
    assert upload.stored_count == 4
    # The same records, with the same ids, as the write API makes of the same rows.
    ids = set(Record.objects.filter(data_set=data_set).values_list("record_id", flat=True))
    items = [
        {"_timestamp": f"2026-{m}-01T00:00:00+00:00", "period": "month", "channel": c, "count": n}
        for m, c, n in [("09", "digital", 700), ("09", "paper_form", 300)]
    ]
    prepared, _ = prepare_records(items, schema=None, auto_ids=data_set.auto_ids, now=FROZEN_NOW)
    assert {p.record_id for p in prepared} <= ids


def test_the_preview_counts_replaced_records_and_says_what_the_kpi_was(data_set):
    first = upload_of(data_set, csv_file(HEADER, *month_rows("2026-10", 700, 300)))
    processing.store(first)
    # The worker would have computed the KPI: run the same transform now.
    from performance_platform.kpis.running import run_transform, transforms_for

    for transform in transforms_for(data_set):
        run_transform(
            transform,
            data_set,
            datetime(2026, 10, 1, tzinfo=UTC),
            datetime(2026, 10, 2, tzinfo=UTC),
        )
    second = upload_of(data_set, csv_file(HEADER, *month_rows("2026-10", 800, 200)))
    assert (second.new_count, second.replaced_count) == (0, 2)
    sentences = [k["sentence"] for k in second.preview["kpis"]]
    assert "Digital take-up for October 2026 becomes 80%, was 70%" in sentences
    # The preview's trial left nothing behind: the stored figures are the first file's.
    counts = sorted(
        r["count"] for r in Record.objects.filter(data_set=data_set).values_list("data", flat=True)
    )
    assert counts == [300, 700]


def test_with_no_kpi_transform_the_preview_makes_no_trial_write(other_data_set):
    # The trial stores the file (then rolls it back) only to run the KPI transforms; a
    # data set that feeds none skips it, which halves the check of a large file.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    content = csv_file(HEADER, *month_rows("2026-09", 700, 300))
    with CaptureQueriesContext(connection) as queries:
        upload = upload_of(other_data_set, content)
    assert upload.status == Upload.Status.READY, upload.errors
    assert upload.preview["kpis"] == []
    writes = [q["sql"] for q in queries if "INSERT INTO" in q["sql"] and "datastore_" in q["sql"]]
    assert writes == []
    processing.store(upload)
    assert Record.objects.filter(data_set=other_data_set).count() == 2


def test_a_file_with_one_bad_cell_stores_nothing_and_names_the_cell(data_set):
    content = csv_file(
        HEADER,
        *month_rows("2026-09", 700, 300),
        "2026-10-01T00:00:00+00:00,month,digital,twelve",
    )
    upload = upload_of(data_set, content)
    assert upload.status == Upload.Status.INVALID
    assert [e["text"] for e in upload.errors] == ["Row 4, column count: 'twelve' is not a number"]
    assert Record.objects.filter(data_set=data_set).count() == 0
    with pytest.raises(processing.NotAllowed):
        processing.store(upload)
    assert Record.objects.filter(data_set=data_set).count() == 0


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "2026-10-01,month,digital,-5",
            "Row 2, column count: -5 is less than 0: it must be 0 or more",
        ),
        ("2026-10-01,month,digital,", "Row 2, column count: is empty: enter a number"),
        (
            "2026-10-01,month,,5",
            "Row 2, column channel: is empty: this column says which record the row is",
        ),
        (
            "next tuesday,month,digital,5",
            "Row 2, column _timestamp: 'next tuesday' is not a date: write it as 2025-03-01 "
            "or 2025-03-01T00:00:00+00:00",
        ),
        ("2026-02-30,month,digital,5", "Row 2, column _timestamp: '2026-02-30' is not a real date"),
        (
            ",month,digital,5",
            "Row 2, column _timestamp: is empty: enter a date, such as 2025-03-01",
        ),
    ],
)
def test_each_kind_of_bad_cell_has_its_own_message(data_set, row, expected):
    upload = upload_of(data_set, csv_file(HEADER, row))
    assert upload.status == Upload.Status.INVALID
    assert expected in [e["text"] for e in upload.errors]


def test_a_uk_date_typed_as_text_is_read_day_first_and_said_so(data_set):
    upload = upload_of(data_set, csv_file(HEADER, "01/10/2026,month,digital,5"))
    assert upload.status == Upload.Status.READY, upload.errors
    assert upload.preview["rows"][0][0] == "2026-10-01T00:00:00+00:00"
    assert any("day/month/year" in w for w in upload.warnings)


def test_missing_and_bad_columns_are_said_once_not_once_a_row(data_set):
    content = csv_file(
        "_timestamp,period,number of calls,_updated_at", *["2026-10-01,month,5,x"] * 50
    )
    upload = upload_of(data_set, content)
    texts = [e["text"] for e in upload.errors]
    assert (
        "Column 3 is named 'number of calls': a column name may use only letters, digits "
        "and underscores (_), must be at least 2 characters long and cannot start with a digit"
        in texts
    )
    assert (
        "Column 4 is named _updated_at, which the platform sets itself: remove the column "
        "or rename it" in texts
    )
    assert any(t.startswith("The file has no column named channel.") for t in texts)
    assert any(t.startswith("The file has no column named count.") for t in texts)
    assert upload.error_count == len(texts) == 4


def test_at_most_100_errors_are_kept_with_a_count_of_the_rest(data_set):
    rows = [f"2026-10-01,month,c{i},lots" for i in range(250)]
    upload = upload_of(data_set, csv_file(HEADER, *rows))
    assert upload.error_count == 250
    assert len(upload.errors) == MAX_ERRORS
    assert upload.errors[0]["text"] == "Row 2, column count: 'lots' is not a number"


def test_a_header_with_no_rows_is_an_error(data_set):
    upload = upload_of(data_set, csv_file(HEADER))
    assert [e["text"] for e in upload.errors] == ["The file has a header row but no data rows"]


def test_replace_removes_stored_records_in_the_range_that_the_file_lacks(data_set):
    api_write(
        data_set,
        [
            {"_timestamp": "2026-09-01T00:00:00Z", "period": "month", "channel": "api", "count": 9},
            {"_timestamp": "2026-08-01T00:00:00Z", "period": "month", "channel": "api", "count": 8},
            {
                "_timestamp": "2026-11-01T00:00:00Z",
                "period": "month",
                "channel": "api",
                "count": 11,
            },
        ],
        now=timezone.now(),
    )
    content = csv_file(HEADER, *month_rows("2026-09", 700, 300), *month_rows("2026-10", 1, 2))
    upload = upload_of(data_set, content, mode=Upload.Mode.REPLACE)
    assert (upload.new_count, upload.replaced_count, upload.deleted_count) == (4, 0, 1)
    processing.store(upload)
    left = sorted(
        (r["_timestamp"][:7], r["channel"])
        for r in Record.objects.filter(data_set=data_set).values_list("data", flat=True)
    )
    assert left == [
        ("2026-08", "api"),
        ("2026-09", "digital"),
        ("2026-09", "paper_form"),
        ("2026-10", "digital"),
        ("2026-10", "paper_form"),
        ("2026-11", "api"),
    ]


def test_upload_replace_and_rollback_restore_the_records_byte_for_byte(data_set):
    data_set.rollup = True
    data_set.save()
    data_set.refresh_from_db()
    with time_machine.travel(datetime(2026, 10, 3, 9, 0, tzinfo=UTC), tick=False):
        first = processing.store(
            upload_of(data_set, csv_file(HEADER, *month_rows("2026-09", 700, 300)))
        )
    assert first.status == Upload.Status.STORED
    api_write(
        data_set,
        [{"_timestamp": "2026-09-15T00:00:00Z", "period": "month", "channel": "api", "count": 4}],
        now=datetime(2026, 10, 5, tzinfo=UTC),
    )
    before, before_rollups = stored(data_set), rollups(data_set)
    replacing = upload_of(
        data_set,
        csv_file(HEADER, *month_rows("2026-09", 1, 2), "2026-09-20,month,post,3"),
        mode=Upload.Mode.REPLACE,
    )
    assert (replacing.new_count, replacing.replaced_count, replacing.deleted_count) == (1, 2, 1)
    processing.store(replacing)
    assert stored(data_set) != before
    processing.rollback(replacing)
    assert stored(data_set) == before
    assert rollups(data_set) == before_rollups
    replacing.refresh_from_db()
    assert replacing.status == Upload.Status.ROLLED_BACK


def test_rollback_is_refused_once_the_data_set_has_changed_since(data_set):
    upload = processing.store(upload_of(data_set, csv_file(HEADER, *month_rows("2026-09", 7, 3))))
    api_write(
        data_set,
        [{"_timestamp": "2026-10-01T00:00:00Z", "period": "month", "channel": "api", "count": 1}],
        now=timezone.now(),
    )
    assert "has changed since" in processing.rollback_problem(upload)
    with pytest.raises(processing.NotAllowed):
        processing.rollback(upload)
    assert Record.objects.filter(data_set=data_set).count() == 3


def test_an_upload_cannot_be_stored_twice(data_set):
    upload = upload_of(data_set, csv_file(HEADER, *month_rows("2026-09", 7, 3)))
    processing.store(upload)
    with pytest.raises(processing.NotAllowed):
        processing.store(upload)
    stale = Upload.objects.get(pk=upload.pk)
    stale.status = Upload.Status.READY  # a second tab that still shows the preview
    with pytest.raises(processing.NotAllowed):
        processing.store(stale)
    assert Record.objects.filter(data_set=data_set).count() == 2


def test_a_schema_change_after_the_preview_is_caught_when_storing(data_set):
    upload = upload_of(data_set, csv_file(HEADER, *month_rows("2026-09", 7, 3)))
    DataSet.objects.filter(pk=data_set.pk).update(
        schema={
            **data_set.schema,
            "properties": {
                **data_set.schema["properties"],
                "count": {"type": "integer", "minimum": 5},
            },
        }
    )
    upload = processing.store(upload)
    assert upload.status == Upload.Status.INVALID
    assert "Row 3, column count: 3 is less than 5: it must be 5 or more" in [
        e["text"] for e in upload.errors
    ]
    assert Record.objects.filter(data_set=data_set).count() == 0
