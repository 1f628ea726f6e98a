"""Spreadsheet templates: their columns, the periods due, the channels, and the round trip
(fill in the empty cells, read the file back, and the records pass the data set's checks)."""

import csv
import io
import re
import zipfile
from datetime import UTC, date, datetime

import pytest
from python_calamine import CalamineWorkbook

from performance_platform.dashboards import standard as dashboard_standard
from performance_platform.dashboards.models import Dashboard, Module
from performance_platform.datastore import storage
from performance_platform.datastore.models import DataGroup
from performance_platform.datastore.validation import prepare_records, validate_records
from performance_platform.kpis import standard
from performance_platform.lib.tables import type_text
from performance_platform.uploads import spreadsheet_templates as st
from tests.conftest import FROZEN_NOW

TODAY = FROZEN_NOW.date()  # Wednesday 25 November 2026


def _data_set(data_type, cadence, group="vehicle-tax"):
    group_obj, _ = DataGroup.objects.get_or_create(name=group)
    return standard.new_data_set(group_obj, data_type, cadence)


def _store(ds, items):
    prepared, errors = prepare_records(
        items, schema=ds.schema, auto_ids=ds.auto_ids, now=FROZEN_NOW
    )
    assert errors == []
    storage.store_records(ds, prepared, now=FROZEN_NOW, source="test")


def _month(timestamp, channel):
    return {"_timestamp": timestamp, "period": "month", "channel": channel, "count": 1}


def _filled(template, start=7):
    """The template's rows with each empty cell given a number (1.5 more each time for a
    cost, whole numbers otherwise)."""
    rows, n = [], start
    for row in template.rows:
        out = []
        for header, value in zip(template.headers, row, strict=True):
            if value is None:
                n += 1
                value = n + 0.25 if template.columns[header].kind == "number" else n
            out.append(value)
        rows.append(out)
    return rows


def _csv_records(body: bytes) -> list[dict]:
    assert body.startswith(b"\xef\xbb\xbf")
    reader = csv.reader(io.StringIO(body.decode("utf-8-sig")))
    headers = next(reader)
    return [dict(zip(headers, map(type_text, row), strict=True)) for row in reader if row]


def _xlsx_records(body: bytes) -> list[dict]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(body))
    rows = book.get_sheet_by_index(0).to_python(skip_empty_area=True)
    headers = rows[0]
    out = []
    for row in rows[1:]:
        if all(v == "" for v in row):
            continue
        record = {}
        for header, value in zip(headers, row, strict=True):
            if isinstance(value, datetime):  # a spreadsheet date: UTC ISO, as uploads do
                value = value.replace(tzinfo=UTC).isoformat()
            elif isinstance(value, date):  # calamine gives a date when the time is midnight
                value = datetime(value.year, value.month, value.day, tzinfo=UTC).isoformat()
            elif isinstance(value, float) and value.is_integer():
                value = int(value)
            record[header] = value
        out.append(record)
    return out


def _fill_template(template):
    return st.Template(template.filename, template.headers, _filled(template), template.columns)


# --- what each template holds ----------------------------------------------------------------


def test_transactions_template_lists_standard_channels_for_the_last_whole_month(db):
    ds = _data_set("transactions-by-channel", "monthly")
    made = st.template_for(ds, today=TODAY)
    assert made.filename == "vehicle-tax-transactions-by-channel-template"
    assert made.headers == ["_timestamp", "period", "channel", "count"]
    assert made.rows == [
        ["2026-10-01T00:00:00+00:00", "month", channel, None] for channel in st.STANDARD_CHANNELS
    ]
    assert made.columns["count"].kind == "whole" and made.columns["count"].fill_in
    assert made.columns["channel"].choices == st.STANDARD_CHANNELS
    assert st.has_template(ds)


def test_weekly_periods_due_after_the_latest_record_start_on_mondays(db):
    ds = _data_set("transactions-by-channel", "weekly")
    _store(
        ds,
        [
            {"_timestamp": "2026-10-26T00:00:00+00:00", "period": "week", "channel": c, "count": 5}
            for c in ("digital", "post")
        ],
    )
    made = st.template_for(ds, today=TODAY)
    stamps = sorted({row[0] for row in made.rows})
    # 25 November 2026 is a Wednesday: the last whole week started Monday 16 November.
    assert stamps == [
        "2026-11-02T00:00:00+00:00",
        "2026-11-09T00:00:00+00:00",
        "2026-11-16T00:00:00+00:00",
    ]
    assert {row[1] for row in made.rows} == {"week"}
    # The channels come from the stored records (digital first, the known ones in order).
    assert [row[2] for row in made.rows[:2]] == ["digital", "post"]


def test_a_data_set_that_is_up_to_date_still_gets_the_last_period(db):
    ds = _data_set("transactions-by-channel", "monthly")
    _store(ds, [_month("2026-11-01T00:00:00Z", "api")])
    made = st.template_for(ds, today=TODAY)
    assert {row[0] for row in made.rows} == {"2026-10-01T00:00:00+00:00"}
    # Digital is always listed: take-up is its share.
    assert [row[2] for row in made.rows] == ["digital", "api"]


def test_at_most_thirteen_periods(db):
    ds = _data_set("transactions-by-channel", "monthly")
    _store(ds, [_month("2019-01-01T00:00:00Z", "digital")])
    made = st.template_for(ds, today=TODAY)
    stamps = sorted({row[0] for row in made.rows})
    assert len(stamps) == st.MAX_PERIODS
    assert stamps[0] == "2025-10-01T00:00:00+00:00"
    assert stamps[-1] == "2026-10-01T00:00:00+00:00"


def test_channels_chosen_in_the_hub_come_first(db):
    ds = _data_set("transactions-by-channel", "monthly")
    from performance_platform.dashboards.models import Organisation

    org = Organisation.objects.create(slug="dvla", name="DVLA", type="agency")
    dashboard = Dashboard.objects.create(slug="vehicle-tax", title="Vehicle tax", organisation=org)
    spec = dashboard_standard.module_spec(
        dashboard_standard.STANDARD["digital-takeup"],
        "monthly",
        channels=("telephone", "digital", "post"),
    )
    Module.objects.create(
        dashboard=dashboard,
        slug=spec["slug"],
        type=spec["type"],
        title=spec["title"],
        data_group=ds.data_group,
        data_type=ds.data_type,
        query=spec["query"],
        options=spec["options"],
    )
    _store(ds, [_month("2026-09-01T00:00:00Z", "kiosk")])
    assert st.chosen_channels(ds) == ["digital", "telephone", "post", "kiosk"]


def test_only_the_default_digital_channel_is_not_a_choice(db):
    ds = _data_set("transactions-by-channel", "monthly")
    dashboard = Dashboard.objects.create(slug="vehicle-tax", title="Vehicle tax")
    spec = dashboard_standard.module_spec(dashboard_standard.STANDARD["digital-takeup"], "monthly")
    Module.objects.create(
        dashboard=dashboard,
        slug=spec["slug"],
        type=spec["type"],
        title=spec["title"],
        data_group=ds.data_group,
        data_type=ds.data_type,
        options=spec["options"],
    )
    assert st.chosen_channels(ds) == list(st.STANDARD_CHANNELS)


def test_cost_template_is_quarterly_with_the_channel_the_cost_kpi_reads(db):
    ds = _data_set("cost-per-transaction", "weekly")
    made = st.template_for(ds, today=TODAY)
    assert made.headers == ["_timestamp", "end_at", "period", "channel", "count"]
    assert made.rows == [
        [
            "2026-07-01T00:00:00+00:00",
            "2026-09-30T00:00:00+00:00",
            "quarterly",
            "cost_per_transaction",
            None,
        ]
    ]
    assert made.columns["count"].kind == "number"
    # The cost transform's default matcher for "per_transaction" picks this channel.
    assert re.search("^cost_per_transaction", made.rows[0][3])


def test_satisfaction_template_is_never_weekly(db):
    ds = _data_set("customer-satisfaction", "weekly")
    made = st.template_for(ds, today=TODAY)
    assert made.headers == ["_timestamp", "period", *(f"rating_{k}" for k in range(1, 6))]
    assert made.rows == [["2026-10-01T00:00:00+00:00", "month", *([None] * 5)]]


def test_journey_template_has_start_and_done_per_period(db):
    ds = _data_set("journey", "weekly")
    made = st.template_for(ds, today=TODAY)
    assert [row[2] for row in made.rows] == ["start", "done"]
    assert made.rows[0][:2] == ["2026-11-16T00:00:00+00:00", "week"]


def test_the_kpi_transform_period_wins_over_max_age(db):
    ds = _data_set("transactions-by-channel", "weekly")
    entries = standard.transforms_for_group("vehicle-tax", {ds.data_type.name}, cadence="monthly")
    for entry in entries:
        standard.make_transform(entry)
    assert st.cadence_period(ds) == "month"


def test_other_types_have_no_template(db):
    ds = _data_set("total-cost", "quarterly")
    assert not st.has_template(ds)
    assert st.template_for(ds, today=TODAY) is None


# --- the round trip --------------------------------------------------------------------------

TYPES = [
    ("transactions-by-channel", "weekly"),
    ("transactions-by-channel", "monthly"),
    ("cost-per-transaction", "quarterly"),
    ("customer-satisfaction", "monthly"),
    ("journey", "weekly"),
]


@pytest.mark.parametrize(("data_type", "cadence"), TYPES)
def test_filled_csv_passes_the_data_sets_checks(db, data_type, cadence):
    ds = _data_set(data_type, cadence)
    made = st.template_for(ds, today=date(2026, 3, 4))
    records = _csv_records(st.as_csv(_fill_template(made)))
    assert len(records) == len(made.rows)
    _, errors = validate_records(records, schema=ds.schema, auto_ids=ds.auto_ids)
    assert errors == []


@pytest.mark.parametrize(("data_type", "cadence"), TYPES)
def test_filled_xlsx_passes_the_data_sets_checks(db, data_type, cadence):
    ds = _data_set(data_type, cadence)
    made = st.template_for(ds, today=date(2026, 3, 4))
    records = _xlsx_records(st.as_xlsx(_fill_template(made)))
    assert records == _csv_records(st.as_csv(_fill_template(made)))
    _, errors = validate_records(records, schema=ds.schema, auto_ids=ds.auto_ids)
    assert errors == []


def test_an_untouched_template_is_refused_per_empty_cell(db):
    ds = _data_set("transactions-by-channel", "monthly")
    records = _csv_records(st.as_csv(st.template_for(ds, today=TODAY)))
    records = [{k: v for k, v in r.items() if v not in ("", None)} for r in records]
    _, errors = validate_records(records, schema=ds.schema, auto_ids=ds.auto_ids)
    assert len(errors) == len(st.STANDARD_CHANNELS)
    assert all("count" in e for e in errors)


def test_xlsx_has_validation_a_frozen_header_and_instructions(db):
    ds = _data_set("transactions-by-channel", "monthly")
    body = st.as_xlsx(st.template_for(ds, today=TODAY))
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert sheet.count("<dataValidation ") == 4
    assert 'type="list"' in sheet and '"digital,telephone,paper_form,face_to_face"' in sheet
    assert 'type="whole" operator="greaterThanOrEqual"' in sheet
    assert 'type="date"' in sheet
    assert 'state="frozen"' in sheet and "<cols>" in sheet
    book = CalamineWorkbook.from_filelike(io.BytesIO(body))
    assert book.sheet_names == ["Data", st.INSTRUCTIONS_SHEET]
    words = [row[0] for row in book.get_sheet_by_name(st.INSTRUCTIONS_SHEET).to_python()]
    assert any(line.startswith("count: The number of completed transactions") for line in words)


def test_cost_xlsx_validates_a_decimal(db):
    ds = _data_set("cost-per-transaction", "quarterly")
    body = st.as_xlsx(st.template_for(ds, today=TODAY))
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert 'type="decimal" operator="greaterThanOrEqual"' in sheet


def test_a_stored_channel_that_looks_like_a_formula_is_escaped_in_the_csv(db):
    ds = _data_set("transactions-by-channel", "monthly")
    _store(ds, [_month("2026-09-01T00:00:00Z", "=1+2")])
    body = st.as_csv(st.template_for(ds, today=TODAY)).decode("utf-8-sig")
    assert "'=1+2" in body
    assert "\r\n=1+2" not in body and ",=1+2" not in body


def test_channels_too_many_for_a_list_get_the_hint_only(db):
    ds = _data_set("transactions-by-channel", "monthly")
    _store(ds, [_month("2026-10-01T00:00:00Z", f"channel_{n}_{'x' * 40}") for n in range(8)])
    made = st.template_for(ds, today=TODAY)
    assert len(",".join(made.columns["channel"].choices)) > 255
    with zipfile.ZipFile(io.BytesIO(st.as_xlsx(made))) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert sheet.count("<dataValidation ") == 4
    assert 'type="list"' in sheet  # the period's list is still there
    assert sheet.count('type="list"') == 1
