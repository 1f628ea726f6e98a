"""Automatic ids: equal instants give the same record, whatever form the time was sent in.

The original platform built ``_id`` from the values as sent, so ``...T00:00:00Z`` and
``...T00:00:00+00:00`` made two records of one week's figures, and re-sending them in
another style doubled the counts. Every timestamp in ``auto_ids`` now enters the id in
one canonical form, ``YYYY-MM-DDTHH:MM:SS[.fraction]Z`` in UTC: the form the
documentation and most clients use, so their ids are the original's.
"""

import base64
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from performance_platform.datastore.models import Record
from performance_platform.datastore.query import run_query
from performance_platform.datastore.validation import canonical_instant, validate_records

from .helpers import TOKEN, post

AUTO_IDS = ["_timestamp", "channel"]


def original_id(sent_timestamp: str, channel: str) -> str:
    """The original platform's id: base64 of the values as sent, joined by '.'."""
    return base64.b64encode(f"{sent_timestamp}.{channel}".encode()).decode()


def ids_of(*timestamps: str, auto_ids=AUTO_IDS) -> list[str]:
    items = [{"_timestamp": ts, "channel": "digital", "count": 1} for ts in timestamps]
    records, errors = validate_records(items, schema=None, auto_ids=auto_ids)
    assert errors == []
    return [r["_id"] for r in records]


# --- the forms of one instant -------------------------------------------------------------


def _offset_text(minutes: int, colon: bool) -> str:
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{':' if colon else ''}{mins:02d}"


@st.composite
def forms(draw, instant: datetime) -> str:
    """One of the many texts that mean ``instant`` (an aware UTC datetime)."""
    minutes = draw(st.sampled_from([0, 60, -300, 330, 345, -570, 840, -720]))
    local = instant + timedelta(minutes=minutes)
    separator = draw(st.sampled_from(["T", " "]))
    text = local.strftime(f"%Y-%m-%d{separator}%H:%M:%S")
    if local.microsecond:
        digits = f"{local.microsecond:06d}"
        text += "." + draw(st.sampled_from([digits, digits.rstrip("0") or "0"]))
    else:
        text += draw(st.sampled_from(["", ".0", ".000", ".000000"]))
    if minutes == 0:
        zone = draw(st.sampled_from(["Z", "z", "+00:00", "+0000", "-00:00", "+00", ""]))
    else:
        zone = _offset_text(minutes, draw(st.booleans()))
    return text + zone


instants = st.datetimes(
    min_value=datetime(1900, 1, 2), max_value=datetime(2100, 12, 30), timezones=st.just(UTC)
)
SETTINGS = settings(max_examples=300, deadline=None)


@SETTINGS
@given(st.data(), instants)
def test_any_two_forms_of_one_instant_give_the_same_id(data, instant):
    first, second = data.draw(forms(instant)), data.draw(forms(instant))
    assert ids_of(first, second) == [ids_of(canonical_instant(instant))[0]] * 2


@SETTINGS
@given(instants, instants)
def test_different_instants_give_different_ids(a, b):
    if a != b:
        ids = ids_of(a.isoformat(), b.isoformat())
        assert ids[0] != ids[1]


@SETTINGS
@given(instants)
def test_the_canonical_form_gives_the_original_platforms_id(instant):
    canonical = canonical_instant(instant)
    assert ids_of(canonical) == [original_id(canonical, "digital")]


@pytest.mark.parametrize(
    "instant,canonical",
    [
        (datetime(2025, 1, 6, tzinfo=UTC), "2025-01-06T00:00:00Z"),
        (datetime(2025, 1, 6, 12, 30, 5, 500000, tzinfo=UTC), "2025-01-06T12:30:05.5Z"),
        (datetime(2025, 1, 6, 0, 0, 0, 123, tzinfo=UTC), "2025-01-06T00:00:00.000123Z"),
        (datetime(999, 3, 4, tzinfo=UTC), "0999-03-04T00:00:00Z"),
    ],
)
def test_the_canonical_form(instant, canonical):
    assert canonical_instant(instant) == canonical


@pytest.mark.parametrize(
    "sent",
    [
        "2025-01-06T00:00:00Z",
        "2025-01-06T00:00:00+00:00",
        "2025-01-06T00:00:00.000Z",
        "2025-01-06T01:00:00+01:00",
        "2025-01-05T19:00:00-05:00",
        "2025-01-06T00:00:00",
        "2025-01-06 00:00:00",
        "2025-01-06T00:00Z",
        "2025-01-06",
        "01/06/2025",
        "6 January 2025",
    ],
)
def test_every_accepted_form_of_midnight_gives_the_documented_id(sent):
    assert ids_of(sent) == [original_id("2025-01-06T00:00:00Z", "digital")]


def test_start_and_end_in_auto_ids_are_normalised_too():
    items = [
        {"_timestamp": "2025-01-06T00:00:00Z", "_start_at": "2025-01-06", "_end_at": s}
        for s in ("2025-01-13T00:00:00Z", "2025-01-13T02:00:00+02:00")
    ]
    records, errors = validate_records(
        items, schema=None, auto_ids=["_timestamp", "_start_at", "_end_at"]
    )
    assert errors == []
    expected = base64.b64encode(
        b"2025-01-06T00:00:00Z.2025-01-06T00:00:00Z.2025-01-13T00:00:00Z"
    ).decode()
    assert [r["_id"] for r in records] == [expected, expected]


def test_a_timestamp_that_cannot_be_read_is_still_refused():
    items = [{"_timestamp": "hammer time", "channel": "digital"}]
    records, errors = validate_records(items, schema=None, auto_ids=AUTO_IDS)
    assert errors == [
        "the _timestamp must be a date in the format yyyy-MM-ddT00:00:00Z",
        "_timestamp is not a valid datetime object",
    ]


# --- through the write API ----------------------------------------------------------------


@pytest.mark.django_db
def test_resending_a_week_in_another_style_does_not_double_it(client, settings, make_data_set):
    settings.ALLOWED_HOSTS = ["*"]
    data_set, _ = make_data_set(
        "carers", "by-channel", token=TOKEN, auto_ids=AUTO_IDS, raw_queries_allowed=True
    )
    url = "/data/carers/by-channel"
    first = [
        {"_timestamp": "2025-01-06T00:00:00Z", "channel": "digital", "count": 1200},
        {"_timestamp": "2025-01-06T00:00:00Z", "channel": "phone", "count": 300},
    ]
    again = [
        {"_timestamp": "2025-01-06T00:00:00+00:00", "channel": "digital", "count": 1250},
        {"_timestamp": "2025-01-06T01:00:00.000+01:00", "channel": "phone", "count": 310},
    ]
    assert post(client, first, path=url).status_code == 200
    assert post(client, again, path=url).status_code == 200
    ids = sorted(Record.objects.filter(data_set=data_set).values_list("record_id", flat=True))
    assert ids == sorted(
        [
            original_id("2025-01-06T00:00:00Z", "digital"),
            original_id("2025-01-06T00:00:00Z", "phone"),
        ]
    )
    data_set.refresh_from_db()
    totals = run_query(data_set, {"collect": "count:sum", "group_by": "channel"})["data"]
    assert [(row["channel"], row["_count"], row["count:sum"]) for row in totals] == [
        ("digital", 1, 1250),
        ("phone", 1, 310),
    ]
