"""The rollup path, the records path and a naive oracle give identical answers.

Hypothesis writes a random history (batches with overwrites by ``_id``, PATCHes,
DELETEs, PUT [] and refused batches) through the write API, then runs random queries
three ways: forced through the daily rollups, forced through the records, and through
:mod:`tests.rollups.reference`. It also checks that the incrementally maintained rollup
table equals a from-scratch rebuild, row for row.
"""

import math
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from performance_platform.datastore import rollups
from performance_platform.datastore.models import DataSet, Record, RollupDay
from performance_platform.datastore.query.engine import (
    can_use_rollup,
    execute,
    fitting_levels,
    resolve_window,
)
from performance_platform.datastore.query.params import QueryError

from . import reference
from .checks import assert_periods_match_days, stored_periods
from .conftest import examples, new_data_set, token_for, url_for
from .strategies import (
    DECLARED,
    Model,
    assert_same,
    histories,
    parsed,
    queries,
    replay,
    stored_contents,
)

NOW = datetime(2025, 6, 1, tzinfo=UTC)
SETTINGS = settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
MODES = st.sampled_from(["declared", "inferred"])

pytestmark = pytest.mark.django_db


def _build(mode: str, history: list[tuple]) -> tuple[DataSet, list[dict]]:
    """A fresh data set holding ``history``; returns it (reloaded) and its stored records."""
    cache.clear()
    data_set = new_data_set(
        "eq", raw_queries_allowed=True, dimensions=DECLARED if mode == "declared" else None
    )
    model = Model()
    replay(Client(), url_for(data_set), token_for(data_set), history, model)
    stored = [r for r in Record.objects.filter(data_set=data_set).values_list("data", flat=True)]
    assert stored_contents(stored) == model.contents()
    event(f"records stored: {min(len(stored), 10)}{'+' if len(stored) >= 10 else ''}")
    return DataSet.objects.get(pk=data_set.pk), stored


def _answer(data_set, q, path):
    try:
        return execute(data_set, q, now=NOW, force_path=path).data
    except QueryError as exc:
        return ("error", exc.message)


def _oracle(stored, query):
    try:
        return reference.run(stored, query)
    except reference.InvalidCollect as exc:
        return ("error", str(exc))


def _total(data) -> int:
    return sum(row.get("_count", 0) + _total(row.get("values", [])) for row in data)


def _check(actual, expected, where):
    kind = "error" if isinstance(expected, tuple) else "counts" if _total(expected) else "zeros"
    event(f"{where.split()[0]}: {kind}")
    if isinstance(expected, tuple):
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
    else:
        assert not isinstance(actual, tuple), f"{where}: {actual!r} != {expected!r}"
        assert_same(actual, expected, where)


@st.composite
def rollup_cases(draw):
    mode = draw(MODES)
    if mode == "declared":
        dims, measures = DECLARED, ["count", "amount", "note"]
    else:
        # Inferred: these fields never hold numbers / never hold text in the generated data.
        dims, measures = ["channel", "flag", "note"], ["count", "amount", "size"]
    query = queries(
        dimensions=dims,
        measures=measures,
        methods=["sum", "mean"],
        periods=[None, "day", "week", "month", "quarter", "year"],
    )
    return mode, draw(histories()), draw(st.lists(query, min_size=1, max_size=6))


def _check_rollup_queries(data_set, stored, query_list):
    for query in query_list:
        q = parsed(query)
        assert can_use_rollup(data_set, q, resolve_window(q, NOW)), (
            f"the planner would not use the rollup for {query}"
        )
        expected = _oracle(stored, query)
        levels = fitting_levels(q, resolve_window(q, NOW))
        event(f"levels: {'+'.join(levels)}")
        for level in levels:
            _check(_answer(data_set, q, level), expected, f"{level} rollup {query}")
        _check(_answer(data_set, q, "records"), expected, f"records {query}")
        if not isinstance(expected, tuple):
            result = execute(data_set, q, now=NOW)
            assert result.used_rollup and result.rollup_level == levels[0]


@SETTINGS
@given(case=rollup_cases())
def test_rollup_records_and_oracle_agree(case):
    mode, history, query_list = case
    data_set, stored = _build(mode, history)
    _check_rollup_queries(data_set, stored, query_list)


@settings(SETTINGS, max_examples=examples(60))
@given(case=rollup_cases())
def test_rollups_rebuilt_after_changing_dimensions(case):
    """Data written under one dimension setting, then switched (as the admin does) and
    rebuilt, answers from the rollup exactly as from the records."""
    mode, history, query_list = case
    data_set, stored = _build("inferred" if mode == "declared" else "declared", history)
    data_set.dimensions = DECLARED if mode == "declared" else None
    data_set.save(update_fields=["dimensions"])
    rollups.rebuild(data_set)
    _check_rollup_queries(DataSet.objects.get(pk=data_set.pk), stored, query_list)


@st.composite
def any_cases(draw):
    mode = draw(MODES)
    fields = ["channel", "flag", "code", "note", "count", "size"]
    query = queries(
        dimensions=fields,
        measures=[*fields, "amount"],
        methods=[None, "sum", "mean", "count", "set"],
        periods=[None, "hour", "day", "week", "month", "quarter", "year"],
        aligned=draw(st.booleans()),
        inclusive=True,
    )
    return mode, draw(histories()), draw(st.lists(query, min_size=1, max_size=6))


@SETTINGS
@given(case=any_cases())
def test_planner_and_records_path_agree_with_oracle(case):
    """Every aggregate query (any collect method, hours, unaligned or inclusive ranges,
    numeric groups): whichever path the planner picks, the answer is the oracle's."""
    mode, history, query_list = case
    data_set, stored = _build(mode, history)
    for query in query_list:
        q = parsed(query)
        expected = _oracle(stored, query)
        _check(_answer(data_set, q, "records"), expected, f"records {query}")
        _check(_answer(data_set, q, None), expected, f"planner {query}")


# --- the rollup table itself --------------------------------------------------------------


def _rollup_rows(data_set) -> dict:
    rows = RollupDay.objects.filter(data_set=data_set).values_list(
        "day", "dims_hash", "dims", "count", "measures"
    )
    starts = RollupDay.objects.filter(data_set=data_set).values_list(
        "day", "dims_hash", "week_start", "month_start", "quarter_start", "year_start"
    )
    periods = {(day, digest): rest for day, digest, *rest in starts}
    return {
        (day, digest): (dims, count, measures, periods[(day, digest)])
        for day, digest, dims, count, measures in rows
    }


def _same_measure(field, actual, expected, where):
    total, n, nf, nbad = actual
    assert [n, nf, nbad] == expected[1:], f"{where} {field}: {actual} != {expected}"
    if nf:
        assert math.isclose(total, expected[0], rel_tol=1e-9, abs_tol=1e-6), (
            f"{where} {field}: {actual} != {expected}"
        )
    else:
        assert type(total) is int and total == expected[0], (
            f"{where} {field}: {actual} != {expected}"
        )


@SETTINGS
@given(mode=MODES, history=histories(max_ops=14))
def test_incremental_rollups_equal_a_rebuild(mode, history):
    data_set, stored = _build(mode, history)
    incremental = _rollup_rows(data_set)
    kinds_before = dict(data_set.field_kinds)
    assert sum(row[1] for row in incremental.values()) == len(stored)
    assert all(row[1] > 0 for row in incremental.values())

    assert_periods_match_days(data_set)
    periods_before = stored_periods(data_set)

    rollups.rebuild(data_set)
    rebuilt = _rollup_rows(data_set)
    assert set(incremental) == set(rebuilt)
    assert_periods_match_days(data_set)
    periods_after = stored_periods(data_set)
    assert set(periods_after) == set(periods_before)
    for key, (dims, count, *_) in periods_after.items():
        assert tuple(periods_before[key][:2]) == (dims, count), key
    for key, (dims, count, measures, starts) in rebuilt.items():
        got = incremental[key]
        assert got[0] == dims and got[1] == count, f"{key}: {got} != {(dims, count)}"
        assert got[3] == starts
        assert set(got[2]) == set(measures), f"{key}: {got[2]} != {measures}"
        for field, acc in measures.items():
            _same_measure(field, got[2][field], acc, key)
    # Field kinds only ever grow between rebuilds (a deleted value's kind is remembered).
    fresh_kinds = DataSet.objects.get(pk=data_set.pk).field_kinds
    for field, bits in fresh_kinds.items():
        assert kinds_before.get(field, 0) & bits == bits, (field, kinds_before, fresh_kinds)
