"""Read API query validation: every rule of the reference's section 3.4, in order.

Each refused query gets a 400 with the original's exact message, ACAO ``*``, and the
``parameter`` key naming the culprit. Rules 17-21 apply only to data sets that do not
allow raw queries. Where the original only checked the first value of a repeated
parameter or crashed, every value is checked and a 400 comes back.
"""

import pytest

from .helpers import error, http_json, write

pytestmark = pytest.mark.django_db

MON = "2012-12-03T00:00:00Z"  # a Monday, the 3rd
MON2 = "2012-12-17T00:00:00Z"  # two weeks later
TS_MSG = "{} is not a valid datetime"

UNRECOGNISED = "An unrecognised parameter was provided"
PERIOD_RANGE = "Either 'duration' or both 'start_at' and 'end_at' are required for a period query"
PERIOD_LIMIT = "A period query can only be limited if it is grouped - please add 'group_by'"
START_INVALID = "start_at is not a valid datetime"
END_INVALID = "end_at is not a valid datetime"
BOTH_FILTERS = "Cannot use both filter_by and filter_by_prefix in the same query"
FILTER_COLON = (
    "filter_by must be a field name and value separated by a colon (:) eg. authority:Westminster"
)
FILTER_FIELD = "Cannot filter by an invalid field name"
PERIOD_VALUE = "'period' must be one of ['hour', 'day', 'week', 'month', 'quarter', 'year']"
SORT_PERIOD = (
    "Cannot sort for period queries without group_by. Period queries are always sorted by time."
)
SORT_COLON = (
    "sort_by must be a field name and sort direction separated by a colon (:) "
    "eg. authority:ascending"
)
SORT_DIRECTION = "Unrecognised sort direction. Supported directions include: ascending, descending"
SORT_FIELD = "Cannot sort by an invalid field name"
GROUP_FIELD = "Cannot group by an invalid field name"
GROUP_INTERNAL = "Cannot group by internal fields, internal fields start with an underscore"
GROUP_TWICE = "Cannot group by the same field twice"
LIMIT = "limit must be a positive integer"
DURATION = "duration must be a positive integer"
COLLECT_NEEDS = "collect can be used only with either ['group_by', 'period']"
ABS_REL = (
    "Absolute and relative time cannot be requested at the same time - either ask for "
    "'start_at' and 'end_at', or ask for 'start_at'/'end_at' with 'duration'"
)
START_ALONE = "Use of 'start_at' requires 'end_at' or 'duration'"
END_ALONE = "Use of 'end_at' requires 'start_at' or 'duration'"
DURATION_ZERO = "'duration' must not be zero"
DURATION_PERIOD = (
    "If 'duration' is requested (for relative time), 'period' is required - please add a "
    "period (like 'day', 'month' etc)"
)
COLLECT_METHOD = "Unknown collection method"
COLLECT_FIELD = "Cannot collect an invalid field name"
COLLECT_INTERNAL = "Cannot collect internal fields, internal fields start with an underscore"
COLLECT_GROUPED = "Cannot collect by a field that is used for group_by"
COLLECT_COLONS = (
    "collect must be a field name, optionally followed by a colon and one of "
    "sum, count, set, mean (eg. value:sum)"
)
FLATTEN = "flatten must be either 'true' or 'false'"
INCLUSIVE = "inclusive must be either 'true' or 'false'"
INCLUSIVE_NEEDS = "inclusive can be used only with either ['start_at', 'end_at']"
RAW = "querying for raw data is not allowed"
SPAN = "The minimum time span for a query is 7 days"
START_MIDNIGHT = "start_at must be midnight"
END_MIDNIGHT = "end_at must be midnight"
START_MONDAY = "start_at must be a monday"
END_MONDAY = "end_at must be a monday"
START_FIRST = "'start_at' must be the first of the month for period=month queries"
END_FIRST = "'end_at' must be the first of the month for period=month queries"

# (id, query, message, parameter). Rules 1-16 hold for every data set.
ALWAYS = [
    # 1
    ("r1-unknown", {"foo": "bar"}, UNRECOGNISED, "foo"),
    ("r1-date", {"date": "2012-12-03T00:00:00Z"}, UNRECOGNISED, "date"),
    ("r1-delta", {"delta": "3", "period": "week"}, UNRECOGNISED, "delta"),
    ("r1-case", {"Group_by": "authority"}, UNRECOGNISED, "Group_by"),
    # 2
    ("r2-no-range", {"period": "week"}, PERIOD_RANGE, "period"),
    ("r2-start-only", {"period": "week", "start_at": MON}, PERIOD_RANGE, "period"),
    ("r2-end-only", {"period": "week", "end_at": MON2}, PERIOD_RANGE, "period"),
    ("r2-limit", {"period": "week", "duration": "2", "limit": "3"}, PERIOD_LIMIT, "limit"),
    # 3
    ("r3-date-only", {"start_at": "2012-12-03", "end_at": MON2}, START_INVALID, "start_at"),
    ("r3-naive", {"start_at": "2012-12-03T00:00:00", "end_at": MON2}, START_INVALID, "start_at"),
    (
        "r3-fraction",
        {"start_at": "2012-12-03T00:00:00.5Z", "end_at": MON2},
        START_INVALID,
        "start_at",
    ),
    (
        "r3-not-a-day",
        {"start_at": "2013-02-29T00:00:00Z", "end_at": MON2},
        START_INVALID,
        "start_at",
    ),
    ("r3-words", {"start_at": "yesterday", "end_at": MON2}, START_INVALID, "start_at"),
    ("r3-space", {"start_at": "2012-12-03 00:00:00Z", "end_at": MON2}, START_INVALID, "start_at"),
    # 4
    ("r4-date-only", {"start_at": MON, "end_at": "2012-12-17"}, END_INVALID, "end_at"),
    ("r4-hour-25", {"start_at": MON, "end_at": "2012-12-17T25:00:00Z"}, END_INVALID, "end_at"),
    ("r4-alone", {"end_at": "nope"}, END_INVALID, "end_at"),
    # 5
    (
        "r5-both",
        {"filter_by": "authority:Camden", "filter_by_prefix": "authority:C"},
        BOTH_FILTERS,
        "filter_by",
    ),
    ("r5-no-colon", {"filter_by": "authority"}, FILTER_COLON, "filter_by"),
    ("r5-prefix-no-colon", {"filter_by_prefix": "authority"}, FILTER_COLON, "filter_by_prefix"),
    ("r5-dollar", {"filter_by": "$where:1"}, FILTER_FIELD, "filter_by"),
    ("r5-dash", {"filter_by": "local-authority:x"}, FILTER_FIELD, "filter_by"),
    ("r5-short", {"filter_by": "a:x"}, FILTER_FIELD, "filter_by"),
    ("r5-prefix-field", {"filter_by_prefix": "a.b:x"}, FILTER_FIELD, "filter_by_prefix"),
    (
        "r5-second-value",
        {"filter_by": ["authority:Camden", "bad field:x"]},
        FILTER_FIELD,
        "filter_by",
    ),
    # 6
    ("r6-fortnight", {"period": "fortnight", "duration": "2"}, PERIOD_VALUE, "period"),
    ("r6-case", {"period": "Week", "duration": "2"}, PERIOD_VALUE, "period"),
    # 7
    (
        "r7-period",
        {"period": "week", "duration": "2", "sort_by": "authority:ascending"},
        SORT_PERIOD,
        "sort_by",
    ),
    ("r7-colon", {"group_by": "authority", "sort_by": "authority"}, SORT_COLON, "sort_by"),
    (
        "r7-direction",
        {"group_by": "authority", "sort_by": "authority:up"},
        SORT_DIRECTION,
        "sort_by",
    ),
    ("r7-empty-direction", {"sort_by": "authority:"}, SORT_DIRECTION, "sort_by"),
    ("r7-field", {"group_by": "authority", "sort_by": "$x:ascending"}, SORT_FIELD, "sort_by"),
    (
        "r7-method",
        {"group_by": "authority", "sort_by": "value:max:ascending"},
        SORT_FIELD,
        "sort_by",
    ),
    # a computed key exists only in grouped rows
    ("r7-computed-raw", {"sort_by": "value:sum:ascending"}, SORT_FIELD, "sort_by"),
    ("r7-count-raw", {"sort_by": "_count:count:ascending"}, SORT_FIELD, "sort_by"),
    # 8
    ("r8-invalid", {"group_by": "$authority"}, GROUP_FIELD, "group_by"),
    ("r8-internal", {"group_by": "_id"}, GROUP_INTERNAL, "group_by"),
    ("r8-timestamp", {"group_by": "_timestamp"}, GROUP_INTERNAL, "group_by"),
    # 9
    ("r9-negative", {"group_by": "authority", "limit": "-1"}, LIMIT, "limit"),
    ("r9-text", {"group_by": "authority", "limit": "ten"}, LIMIT, "limit"),
    ("r9-fraction", {"group_by": "authority", "limit": "1.5"}, LIMIT, "limit"),
    ("r9-empty", {"group_by": "authority", "limit": ""}, LIMIT, "limit"),
    # 10
    ("r10-negative", {"period": "week", "duration": "-1"}, DURATION, "duration"),
    ("r10-text", {"period": "week", "duration": "two"}, DURATION, "duration"),
    # 11
    ("r11", {"collect": "value"}, COLLECT_NEEDS, "collect"),
    (
        "r11-filter",
        {"filter_by": "authority:Camden", "collect": "value:sum"},
        COLLECT_NEEDS,
        "collect",
    ),
    # 12
    (
        "r12-both",
        {"period": "week", "start_at": MON, "end_at": MON2, "duration": "2"},
        ABS_REL,
        "duration",
    ),
    ("r12-start", {"group_by": "authority", "start_at": MON}, START_ALONE, "start_at"),
    ("r12-end", {"group_by": "authority", "end_at": MON2}, END_ALONE, "end_at"),
    ("r12-zero", {"period": "week", "duration": "0"}, DURATION_ZERO, "duration"),
    ("r12-no-period", {"group_by": "authority", "duration": "2"}, DURATION_PERIOD, "duration"),
    # 13
    ("r13-method", {"group_by": "authority", "collect": "value:median"}, COLLECT_METHOD, "collect"),
    ("r13-empty-method", {"group_by": "authority", "collect": "value:"}, COLLECT_METHOD, "collect"),
    ("r13-field", {"group_by": "authority", "collect": "$value"}, COLLECT_FIELD, "collect"),
    ("r13-field-method", {"group_by": "authority", "collect": "a:sum"}, COLLECT_FIELD, "collect"),
    ("r13-internal", {"group_by": "authority", "collect": "_id"}, COLLECT_INTERNAL, "collect"),
    ("r13-grouped", {"group_by": "authority", "collect": "authority"}, COLLECT_GROUPED, "collect"),
    (
        "r13-grouped-method",
        {"group_by": "authority", "collect": "authority:count"},
        COLLECT_GROUPED,
        "collect",
    ),
    # 14
    ("r14", {"group_by": "authority", "flatten": "yes"}, FLATTEN, "flatten"),
    ("r14-case", {"group_by": "authority", "flatten": "True"}, FLATTEN, "flatten"),
    # 15
    (
        "r15",
        {"group_by": "authority", "start_at": MON, "end_at": MON2, "inclusive": "1"},
        INCLUSIVE,
        "inclusive",
    ),
    # 16
    ("r16", {"group_by": "authority", "inclusive": "true"}, INCLUSIVE_NEEDS, "inclusive"),
    (
        "r16-duration",
        {"period": "week", "duration": "2", "inclusive": "false"},
        INCLUSIVE_NEEDS,
        "inclusive",
    ),
]

# Rules 17-21: only when raw queries are not allowed. (id, query, message, parameter)
STRICT = [
    # 17
    ("r17-nothing", {}, RAW, None),
    ("r17-filter", {"filter_by": "authority:Camden"}, RAW, None),
    ("r17-range", {"start_at": MON, "end_at": MON2}, RAW, None),
    ("r17-sort", {"sort_by": "authority:ascending", "limit": "2"}, RAW, None),
    # 18
    (
        "r18-six-days",
        {"group_by": "authority", "start_at": MON, "end_at": "2012-12-09T00:00:00Z"},
        SPAN,
        "end_at",
    ),
    (
        "r18-almost-seven",
        {"period": "day", "start_at": MON, "end_at": "2012-12-09T23:59:59Z"},
        SPAN,
        "end_at",
    ),
    (
        "r18-backwards",
        {"period": "week", "start_at": MON2, "end_at": MON},
        SPAN,
        "end_at",
    ),
    # 19
    (
        "r19-start",
        {"period": "day", "start_at": "2012-12-03T01:00:00Z", "end_at": MON2},
        START_MIDNIGHT,
        "start_at",
    ),
    (
        "r19-start-offset",
        {"period": "week", "start_at": "2012-12-03T00:00:00+01:00", "end_at": MON2},
        START_MIDNIGHT,
        "start_at",
    ),
    (
        "r19-end",
        {"group_by": "authority", "start_at": MON, "end_at": "2012-12-17T00:00:01Z"},
        END_MIDNIGHT,
        "end_at",
    ),
    (
        "r19-start-first",
        {"period": "day", "start_at": "2012-12-03T12:00:00Z", "end_at": "2012-12-17T12:00:00Z"},
        START_MIDNIGHT,
        "start_at",
    ),
    # 20
    (
        "r20-start",
        {"period": "week", "start_at": "2012-12-04T00:00:00Z", "end_at": MON2},
        START_MONDAY,
        "start_at",
    ),
    (
        "r20-end",
        {"period": "week", "start_at": MON, "end_at": "2012-12-16T00:00:00Z"},
        END_MONDAY,
        "end_at",
    ),
    (
        "r20-both",
        {"period": "week", "start_at": "2012-12-04T00:00:00Z", "end_at": "2012-12-19T00:00:00Z"},
        START_MONDAY,
        "start_at",
    ),
    (
        # Monday midnight in UTC, but written as Sunday 23:00 at -01:00: the date as
        # written is what counts.
        "r20-as-written",
        {"period": "week", "start_at": "2012-12-02T23:00:00-01:00", "end_at": MON2},
        START_MONDAY,
        "start_at",
    ),
    (
        "r20-duration",
        {"period": "week", "start_at": "2012-12-05T00:00:00Z", "duration": "3"},
        START_MONDAY,
        "start_at",
    ),
    # 21
    (
        "r21-start",
        {"period": "month", "start_at": "2012-11-02T00:00:00Z", "end_at": "2013-01-01T00:00:00Z"},
        START_FIRST,
        "start_at",
    ),
    (
        "r21-end",
        {"period": "month", "start_at": "2012-11-01T00:00:00Z", "end_at": "2013-01-31T00:00:00Z"},
        END_FIRST,
        "end_at",
    ),
    (
        "r21-as-written",
        {"period": "month", "start_at": "2012-10-31T23:00:00-01:00", "duration": "2"},
        START_FIRST,
        "start_at",
    ),
    (
        "r21-end-duration",
        {"period": "month", "end_at": "2013-01-02T00:00:00Z", "duration": "2"},
        END_FIRST,
        "end_at",
    ),
]


@pytest.fixture
def strict(make_data_set):
    ds, _ = make_data_set("licensing", "strict", token=None)
    return ds


@pytest.fixture
def raw(make_data_set):
    ds, _ = make_data_set("licensing", "raw", token=None, raw_queries_allowed=True)
    return ds


def assert_refused(client, data_set, query, message, parameter):
    body = error(client, data_set, query)
    expected = {"status": "error", "message": message}
    if parameter is not None:
        expected["parameter"] = parameter
    assert body == expected


@pytest.mark.parametrize("raw_allowed", [False, True], ids=["strict", "raw-allowed"])
@pytest.mark.parametrize(
    ("query", "message", "parameter"), [r[1:] for r in ALWAYS], ids=[r[0] for r in ALWAYS]
)
def test_always_applied_rules(client, strict, raw, raw_allowed, query, message, parameter):
    assert_refused(client, raw if raw_allowed else strict, query, message, parameter)


@pytest.mark.parametrize(
    ("query", "message", "parameter"), [r[1:] for r in STRICT], ids=[r[0] for r in STRICT]
)
def test_strict_rules_refuse(client, strict, query, message, parameter):
    assert_refused(client, strict, query, message, parameter)


@pytest.mark.parametrize(
    ("query", "message", "parameter"), [r[1:] for r in STRICT], ids=[r[0] for r in STRICT]
)
def test_strict_rules_skipped_when_raw_queries_allowed(client, raw, query, message, parameter):
    write(raw, [{"_timestamp": "2012-12-05T10:00:00Z", "authority": "Camden"}])
    body = http_json(client, raw, query)
    assert isinstance(body["data"], list)
    assert set(body) == {"data"}


# Queries that pass on a strict data set: the rules are exactly as narrow as written.
STRICT_ACCEPTED = [
    ("seven-days", {"group_by": "authority", "start_at": MON, "end_at": "2012-12-10T00:00:00Z"}),
    (
        "hour-short-span",
        {"period": "hour", "start_at": "2012-12-03T10:00:00Z", "end_at": "2012-12-03T13:00:00Z"},
    ),
    (
        "hour-not-midnight",
        {
            "period": "hour",
            "start_at": "2012-12-03T10:00:00+01:00",
            "end_at": "2012-12-10T13:00:00Z",
        },
    ),
    ("day-tuesday", {"period": "day", "start_at": "2012-12-04T00:00:00Z", "end_at": MON2}),
    (
        "quarter-any-day",
        {"period": "quarter", "start_at": "2012-11-14T00:00:00Z", "end_at": "2013-02-27T00:00:00Z"},
    ),
    (
        "year-any-day",
        {"period": "year", "start_at": "2012-11-14T00:00:00Z", "end_at": "2013-02-27T00:00:00Z"},
    ),
    (
        "month-any-weekday",
        {"period": "month", "start_at": "2012-11-01T00:00:00Z", "end_at": "2013-01-01T00:00:00Z"},
    ),
    (
        # Monday as written, Tuesday midnight in UTC.
        "week-monday-as-written",
        {"period": "week", "start_at": "2012-12-03T23:00:00-01:00", "end_at": MON2},
    ),
    (
        "month-first-as-written",
        {
            "period": "month",
            "start_at": "2012-11-01T23:00:00-01:00",
            "end_at": "2013-01-01T00:00:00Z",
        },
    ),
    ("group-without-range", {"group_by": "authority"}),
    ("period-duration", {"period": "week", "duration": "3"}),
    (
        "offset-without-colon",
        {"group_by": "authority", "start_at": "2012-12-03T00:00:00+0000", "end_at": MON2},
    ),
    ("end-duration-monday", {"period": "week", "end_at": MON2, "duration": "2"}),
]


@pytest.mark.parametrize(
    "query", [q for _, q in STRICT_ACCEPTED], ids=[i for i, _ in STRICT_ACCEPTED]
)
def test_strict_data_set_accepts(client, strict, query):
    body = http_json(client, strict, query)
    assert set(body) == {"data"}
    assert isinstance(body["data"], list)


# The first failing rule wins: each query breaks rule N and a later rule.
ORDER = [
    ("1-before-2", {"foo": "1", "period": "week"}, UNRECOGNISED),
    ("2-before-3", {"period": "week", "start_at": "bad"}, PERIOD_RANGE),
    (
        "2b-before-3",
        {"period": "week", "duration": "2", "limit": "1", "start_at": "x"},
        PERIOD_LIMIT,
    ),
    ("2a-before-2b", {"period": "week", "limit": "1"}, PERIOD_RANGE),
    ("3-before-4", {"start_at": "bad", "end_at": "bad"}, START_INVALID),
    ("4-before-5", {"start_at": MON, "end_at": "bad", "filter_by": "nocolon"}, END_INVALID),
    (
        "5-both-before-colon",
        {"filter_by": "nocolon", "filter_by_prefix": "authority:C"},
        BOTH_FILTERS,
    ),
    ("5-values-in-order", {"filter_by": ["$x:1", "nocolon"]}, FILTER_FIELD),
    ("5-before-6", {"filter_by": "nocolon", "period": "fortnight", "duration": "2"}, FILTER_COLON),
    ("6-before-7", {"period": "fortnight", "duration": "2", "sort_by": "x"}, PERIOD_VALUE),
    ("7-before-8", {"group_by": "_id", "sort_by": "authority"}, SORT_COLON),
    ("7-period-before-colon", {"period": "week", "duration": "2", "sort_by": "x"}, SORT_PERIOD),
    ("7-direction-before-field", {"group_by": "authority", "sort_by": "$x:up"}, SORT_DIRECTION),
    ("8-before-9", {"group_by": "_id", "limit": "-1"}, GROUP_INTERNAL),
    ("8-values-in-order", {"group_by": ["_id", "$x"]}, GROUP_INTERNAL),
    ("9-before-10", {"group_by": "authority", "limit": "x", "duration": "x"}, LIMIT),
    ("10-before-11", {"duration": "x", "collect": "value"}, DURATION),
    ("11-before-12", {"collect": "value", "start_at": MON}, COLLECT_NEEDS),
    (
        "12-before-13",
        {"group_by": "authority", "start_at": MON, "collect": "x:median"},
        START_ALONE,
    ),
    ("12-zero-before-period", {"duration": "0"}, DURATION_ZERO),
    (
        "13-before-14",
        {"group_by": "authority", "collect": "value:median", "flatten": "x"},
        COLLECT_METHOD,
    ),
    (
        "13-first-value-first",
        {"group_by": "authority", "collect": ["_x", "value:median"]},
        COLLECT_INTERNAL,
    ),
    ("14-before-15", {"group_by": "authority", "flatten": "x", "inclusive": "x"}, FLATTEN),
    ("15-before-16", {"group_by": "authority", "inclusive": "x"}, INCLUSIVE),
    ("16-before-17", {"inclusive": "true"}, INCLUSIVE_NEEDS),
    ("17-before-18", {"start_at": MON, "end_at": "2012-12-04T00:00:00Z"}, RAW),
    (
        "18-before-19",
        {
            "group_by": "authority",
            "start_at": "2012-12-03T01:00:00Z",
            "end_at": "2012-12-04T00:00:00Z",
        },
        SPAN,
    ),
    (
        "19-before-20",
        {"period": "week", "start_at": "2012-12-04T01:00:00Z", "end_at": MON2},
        START_MIDNIGHT,
    ),
    (
        "19-end-before-20-start",
        {"period": "week", "start_at": "2012-12-04T00:00:00Z", "end_at": "2012-12-17T01:00:00Z"},
        END_MIDNIGHT,
    ),
    (
        "19-before-21",
        {"period": "month", "start_at": "2012-11-02T00:00:00Z", "end_at": "2013-01-01T12:00:00Z"},
        END_MIDNIGHT,
    ),
]


@pytest.mark.parametrize(("query", "message"), [r[1:] for r in ORDER], ids=[r[0] for r in ORDER])
def test_first_failing_rule_wins(client, strict, query, message):
    body = error(client, strict, query)
    assert body["message"] == message


# --- our fixes: every value of a repeated parameter is checked ----------------------------


FIXES = [
    (
        "collect-two-colons",
        {"group_by": "authority", "collect": "value:sum:x"},
        COLLECT_COLONS,
        "collect",
    ),
    (
        "collect-three-parts",
        {"group_by": "authority", "collect": "a:b:c"},
        COLLECT_COLONS,
        "collect",
    ),
    (
        "second-group-by-internal",
        {"group_by": ["authority", "_foo"]},
        GROUP_INTERNAL,
        "group_by",
    ),
    ("second-group-by-invalid", {"group_by": ["authority", "$x"]}, GROUP_FIELD, "group_by"),
    ("group-by-twice", {"group_by": ["authority", "authority"]}, GROUP_TWICE, "group_by"),
    (
        "collect-second-group-by",
        {"group_by": ["authority", "licence_name"], "collect": "licence_name"},
        COLLECT_GROUPED,
        "collect",
    ),
    (
        "second-collect-invalid",
        {"group_by": "authority", "collect": ["value:sum", "_value"]},
        COLLECT_INTERNAL,
        "collect",
    ),
    (
        "second-collect-method",
        {"group_by": "authority", "collect": ["value:sum", "value:max"]},
        COLLECT_METHOD,
        "collect",
    ),
    (
        "nul-in-value",
        {"group_by": "author\x00ity"},
        "group_by contains a NUL character",
        "group_by",
    ),
    (
        "too-many-values",
        {"group_by": "authority", "filter_by": [f"f{i:02d}:x" for i in range(51)]},
        "filter_by may be given at most 50 times",
        "filter_by",
    ),
]


@pytest.mark.parametrize(
    ("query", "message", "parameter"), [r[1:] for r in FIXES], ids=[r[0] for r in FIXES]
)
def test_every_value_is_checked(client, raw, query, message, parameter):
    assert_refused(client, raw, query, message, parameter)


def test_duplicate_collect_values_count_once(client, raw):
    write(
        raw,
        [
            {"_timestamp": "2012-12-04T00:00:00Z", "authority": "Camden", "value": 2},
            {"_timestamp": "2012-12-05T00:00:00Z", "authority": "Camden", "value": 3},
        ],
    )
    body = http_json(
        client, raw, {"group_by": "authority", "collect": ["value:sum", "value:sum", "value:count"]}
    )
    assert body == {
        "data": [{"_count": 2, "authority": "Camden", "value:count": 2, "value:sum": 5}]
    }


def test_fifty_values_are_allowed(client, raw):
    write(raw, [{"_timestamp": "2012-12-04T00:00:00Z", "authority": "Camden"}])
    filters = [f"f{i:02d}:x" for i in range(49)]
    body = http_json(client, raw, {"group_by": "authority", "filter_by": filters})
    assert body == {"data": []}
    body = http_json(
        client, raw, {"group_by": "authority", "collect": [f"f{i:02d}" for i in range(50)]}
    )
    assert body["data"][0]["_count"] == 1
    assert body["data"][0]["f00:set"] == []


def test_error_bodies_have_no_cache_control_and_cors(client, strict):
    response = client.get("/data/licensing/strict?foo=1")
    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Type"] == "application/json"
    assert "Cache-Control" not in response


def test_filter_on_id_is_allowed(client, raw):
    write(
        raw,
        [
            {"_id": "one", "_timestamp": "2012-12-04T00:00:00Z", "authority": "Camden"},
            {"_id": "two", "_timestamp": "2012-12-05T00:00:00Z", "authority": "Camden"},
        ],
    )
    body = http_json(client, raw, {"filter_by": "_id:two"})
    assert [r["_id"] for r in body["data"]] == ["two"]
