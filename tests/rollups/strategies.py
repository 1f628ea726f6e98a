"""Hypothesis strategies and helpers shared by the rollup property tests.

The generated data set lives in about six weeks around a new year (so day, week,
month, quarter and year buckets all have edges inside the data), with:

* ``channel``: a text dimension with few values (sometimes null or missing);
* ``flag``: an optional true/false field;
* ``code``: small integers or true/false (a dimension only when declared);
* ``note``: occasional text (a dimension when inferred, a non-number measure when declared);
* ``size``: a few floats (a dimension only when declared);
* ``count``: integer measure; ``amount``: integers and floats.
"""

import json
import math
from datetime import UTC, datetime, timedelta, timezone

from django.http import QueryDict
from hypothesis import strategies as st

from performance_platform.datastore.query.params import parse

from . import reference

BASE = datetime(2024, 12, 16, tzinfo=UTC)  # a Monday; data runs into February 2025
DAYS = 42
CHANNELS = ["web", "phone", "post", "Web", "ünïcode"]
IDS = ["a", "b", "c", "d", "e", "f", "g"]
DECLARED = ["channel", "flag", "code", "size"]
MISSING = reference.MISSING
OFFSETS = [timedelta(0), timedelta(hours=2), timedelta(hours=-5)]


# --- records ------------------------------------------------------------------------------


@st.composite
def timestamps(draw) -> str:
    day = draw(st.integers(0, DAYS - 1))
    if draw(st.integers(0, 4)) == 0:
        moment = BASE + timedelta(days=day)  # exactly midnight: on a range edge
    else:
        moment = BASE + timedelta(
            days=day, hours=draw(st.integers(0, 23)), minutes=draw(st.integers(0, 59))
        )
    offset = draw(st.sampled_from(OFFSETS))
    if not offset:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.astimezone(timezone(offset)).isoformat()  # the same instant, elsewhere


INTS = st.one_of(st.integers(-1000, 1000), st.integers(0, 10**6))
DYADIC = st.integers(-4000, 4000).map(lambda k: k / 4)  # exact in binary: sums are exact
GENERIC = st.floats(0, 1e4, allow_nan=False, allow_infinity=False)
# Positive only, so sums never cancel catastrophically; orjson writes these as 1e+16.
HUGE = st.floats(1e16, 1e300, allow_nan=False, allow_infinity=False)
AMOUNTS = st.one_of(INTS, DYADIC, GENERIC, HUGE)
# Floats PostgreSQL's jsonb would change (-0.0, exponents) and the same number twice.
SIZES = st.sampled_from([0.5, 0.0, -0.0, 2.5, 1e16, 1.5e20, 3])


def optional(values, missing_weight: int = 1):
    return st.one_of(*([st.just(MISSING)] * missing_weight), st.none(), values)


FIELDS = {
    "channel": optional(st.sampled_from(CHANNELS)),
    "flag": optional(st.booleans()),
    "code": optional(st.one_of(st.integers(0, 2), st.booleans())),
    "note": optional(st.sampled_from(["x", "y", "a note"]), missing_weight=4),
    "size": optional(SIZES, missing_weight=2),
    "count": optional(INTS),
    "amount": optional(AMOUNTS),
}


@st.composite
def records(draw, with_id: bool = True) -> dict:
    record = {"_timestamp": draw(timestamps())}
    if with_id and draw(st.booleans()):
        record["_id"] = draw(st.sampled_from(IDS))
    for field, values in FIELDS.items():
        value = draw(values)
        if value is not MISSING:
            record[field] = value
    return record


@st.composite
def patches(draw) -> dict:
    body = {}
    for field in draw(st.lists(st.sampled_from([*FIELDS, "_timestamp"]), min_size=1, unique=True)):
        if field == "_timestamp":
            body[field] = draw(timestamps())
        else:
            value = draw(FIELDS[field])
            body[field] = None if value is MISSING else value
    return body


@st.composite
def histories(draw, max_ops: int = 10) -> list[tuple]:
    ops = []
    kinds = ["post"] * 6 + ["patch"] * 2 + ["delete"] * 2 + ["put", "bad_post"]
    for index in range(draw(st.integers(1, max_ops))):
        kind = "post" if index == 0 else draw(st.sampled_from(kinds))
        if kind == "post":
            ops.append(("post", draw(st.lists(records(), min_size=1, max_size=6))))
        elif kind == "bad_post":
            ops.append(("bad_post", draw(st.lists(records(), min_size=0, max_size=3))))
        elif kind == "patch":
            ops.append(("patch", draw(st.sampled_from(IDS)), draw(patches())))
        elif kind == "delete":
            ops.append(("delete", draw(st.sampled_from(IDS))))
        else:
            ops.append(("put",))
    return ops


# --- the model of what is stored ----------------------------------------------------------


def utc_text(text: str) -> str:
    return reference.iso(reference.parse_ts(text))


class Model:
    """What the data set must hold after a history of writes (keyed by ``_id``)."""

    def __init__(self):
        self.records: dict = {}
        self.generated = 0

    def post(self, batch: list[dict]) -> None:
        for record in batch:
            stored = {k: v for k, v in record.items() if k != "_id"}
            stored["_timestamp"] = utc_text(record["_timestamp"])
            if "_id" in record:
                self.records[record["_id"]] = stored
            else:
                self.generated += 1
                self.records[("generated", self.generated)] = stored

    def patch(self, record_id: str, body: dict) -> bool:
        if record_id not in self.records:
            return False
        merged = dict(self.records[record_id])
        merged.update(body)
        merged["_timestamp"] = utc_text(merged["_timestamp"])
        self.records[record_id] = merged
        return True

    def delete(self, record_id: str) -> bool:
        return self.records.pop(record_id, None) is not None

    def empty(self) -> None:
        self.records.clear()

    def contents(self) -> list[str]:
        return sorted(canonical(r) for r in self.records.values())


def canonical(record: dict) -> str:
    """JSON text to compare records by: -0.0 is 0.0 in JSON (but 1e16 is a float)."""
    return json.dumps(
        {k: 0.0 if type(v) is float and v == 0 else v for k, v in record.items()}, sort_keys=True
    )


def stored_contents(stored: list[dict]) -> list[str]:
    """The user fields and ``_timestamp`` of stored records, comparable with the model."""
    out = []
    for record in stored:
        kept = {k: v for k, v in record.items() if not k.startswith("_") or k == "_timestamp"}
        out.append(canonical(kept))
    return sorted(out)


def replay(client, url: str, token: str, history: list[tuple], model: Model) -> None:
    """Send a history of writes through the write API, checking each response."""
    auth = {"Authorization": f"Bearer {token}"}
    for op in history:
        if op[0] == "post":
            response = client.post(
                url, json.dumps(op[1]), content_type="application/json", headers=auth
            )
            assert response.status_code == 200, response.content
            model.post(op[1])
        elif op[0] == "bad_post":
            batch = [*op[1], {"_timestamp": "2025-01-01T00:00:00Z", "bad key": 1}]
            response = client.post(
                url, json.dumps(batch), content_type="application/json", headers=auth
            )
            assert response.status_code == 400, response.content
        elif op[0] == "patch":
            response = client.patch(
                f"{url}/{op[1]}", json.dumps(op[2]), content_type="application/json", headers=auth
            )
            expected = model.patch(op[1], op[2])
            assert response.status_code == (200 if expected else 404), response.content
        elif op[0] == "delete":
            response = client.delete(f"{url}/{op[1]}", headers=auth)
            expected = model.delete(op[1])
            assert response.status_code == (200 if expected else 404), response.content
        else:
            response = client.put(url, "[]", content_type="application/json", headers=auth)
            assert response.status_code == 200, response.content
            model.empty()


# --- queries ------------------------------------------------------------------------------

FILTER_VALUES = {
    "channel": [*CHANNELS, "nope", "true"],
    "flag": ["true", "false"],
    "code": ["0", "1", "true", "false"],
    "note": ["x", "y"],
    "count": ["1", "0"],
    "size": ["0.5", "3"],
}


def midnight(offset_days: int) -> datetime:
    return BASE + timedelta(days=offset_days)


@st.composite
def queries(
    draw,
    *,
    dimensions: list[str],
    measures: list[str],
    methods: list,
    periods: list,
    aligned: bool = True,
    inclusive: bool = False,
) -> dict:
    """A query over ``dimensions`` collecting ``measures``; returns the oracle's dict."""
    period = draw(st.sampled_from(periods))
    group_by = draw(st.lists(st.sampled_from(dimensions), max_size=2, unique=True))
    if period is None and not group_by:
        group_by = [draw(st.sampled_from(dimensions))]
    filters = draw(
        st.lists(
            st.sampled_from(dimensions).flatmap(
                lambda f: st.tuples(st.just(f), st.sampled_from(FILTER_VALUES[f]))
            ),
            max_size=draw(st.sampled_from([0, 0, 1, 2])),
        )
    )
    choices = [m for m in measures if m not in group_by]
    collect = []
    if choices:
        collect = draw(
            st.lists(
                st.tuples(st.sampled_from(choices), st.sampled_from(methods)),
                max_size=3,
                unique=True,
            )
        )
    start = end = None
    if period is not None or draw(st.booleans()):
        days = 3 if period == "hour" else 60
        start = midnight(draw(st.integers(-10, DAYS - 1)))
        end = start + timedelta(days=draw(st.integers(1, days)))
        if not aligned:
            start += timedelta(hours=draw(st.integers(0, 23)))
            end += timedelta(hours=draw(st.integers(0, 23)))
    return {
        "period": period,
        "group_by": group_by,
        "filter_by": filters,
        "collect": collect,
        "start_at": start,
        "end_at": end,
        "flatten": draw(st.booleans()),
        "inclusive": inclusive and start is not None and draw(st.booleans()),
    }


def query_string(query: dict) -> QueryDict:
    qd = QueryDict(mutable=True)
    if query["period"]:
        qd["period"] = query["period"]
    for name in ("start_at", "end_at"):
        if query[name] is not None:
            qd[name] = query[name].strftime("%Y-%m-%dT%H:%M:%SZ")
    qd.setlist("group_by", list(query["group_by"]))
    qd.setlist("filter_by", [f"{f}:{v}" for f, v in query["filter_by"]])
    qd.setlist("collect", [f"{f}:{m}" if m else f for f, m in query["collect"]])
    if query["flatten"]:
        qd["flatten"] = "true"
    if query["inclusive"]:
        qd["inclusive"] = "true"
    return qd


def parsed(query: dict):
    return parse(query_string(query), raw_queries_allowed=True)


# --- comparing results --------------------------------------------------------------------


def assert_same(actual, expected, where: str = "data") -> None:
    """Equal JSON, numbers of the same type; floats to 1e-9 relative (1e-6 absolute:
    sums of values up to 1e6 that cancel to near zero)."""
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        assert actual is expected or (isinstance(expected, str) and actual == expected), (
            f"{where}: {actual!r} != {expected!r}"
        )
        assert type(actual) is type(expected), f"{where}: {actual!r} != {expected!r}"
    elif isinstance(expected, int):
        assert type(actual) is int and actual == expected, f"{where}: {actual!r} != {expected!r}"
    elif isinstance(expected, float):
        assert type(actual) is float, f"{where}: {actual!r} is not a float ({expected!r})"
        assert math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-6), (
            f"{where}: {actual!r} != {expected!r}"
        )
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: {actual!r} is not a list"
        assert len(actual) == len(expected), (
            f"{where}: {len(actual)} items != {len(expected)}:\n{actual!r}\n{expected!r}"
        )
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same(a, e, f"{where}[{i}]")
    elif isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: {actual!r} is not an object"
        assert set(actual) == set(expected), f"{where}: keys {sorted(actual)} != {sorted(expected)}"
        for key in expected:
            assert_same(actual[key], expected[key], f"{where}.{key}")
    else:
        raise AssertionError(f"{where}: unexpected {expected!r}")
