"""Running a transform: read its input, compute, store, all in one transaction.

Every run is one transaction: the output data set is locked, the source is read, the
derived records are computed and only those that differ from what is stored are
written. So a run either lands whole or not at all (a crash or an error leaves the old
derived records in place), two runs of the same transform never interleave, and
running a transform twice stores exactly the same records (ids are fixed per period,
and unchanged records are not rewritten, so the second run writes nothing and triggers
nothing further).

The types, after the original platform's transforms and its self-service dashboards:

* ``rate``: the original's rate, with regex matchers (``matchingAttribute``,
  ``valueAttribute``, ``numeratorMatcher``, ``denominatorMatcher``).
* ``digital_takeup``: the digital channels' count over all channels' count, per period.
  ``channels`` lists the digital channels (default ``["digital"]``, as the original).
* ``completion_rate``: the count of the numerator step over the denominator step.
* ``user_satisfaction``: the score ``(mean rating − 1) / 4`` from ``rating_1..5``, with
  the breakdown and the number of responses.
* ``cost_per_transaction``: per quarter, either the cost per transaction as uploaded
  (the original template) or the total cost over the number of transactions.
* ``latest_dataset_value``: the latest value of a KPI data set, one record per service.
* ``kpi_summary``: per service and KPI, the latest and previous value, the change, and
  freshness; this feeds the services index (see :mod:`.summaries`).
"""

import contextvars
import re
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from performance_platform.datastore.models import DataSet

from . import summaries
from .computing import compute_cost, compute_rate, compute_satisfaction
from .models import Transform
from .options import PERIOD_TYPES, effective_query, option
from .reading import period_windows, read_periods
from .storing import delete_vanished, output_data_set, store_changed

# The chain depth of the transform running in this context (0 outside transforms): a
# write made by a transform queues the next transforms one level deeper.
current_depth = contextvars.ContextVar("transform_depth", default=0)


@dataclass
class RunResult:
    """What one transform run did."""

    read_rows: int = 0
    computed: int = 0
    written: int = 0
    deleted: int = 0


def run_transform(transform, data_set: DataSet, earliest: datetime, latest: datetime, *, now=None):
    """Run ``transform`` for the input ``data_set`` over earliest..latest (whole periods)."""
    now = now or timezone.now()
    options = transform.options or {}
    params = effective_query(transform.type, transform.query or {}, options)
    params["flatten"] = "true"
    result = RunResult()
    with transaction.atomic():
        out = output_data_set(transform, data_set)
        # Lock the output: runs into one data set are serialised, so an older run can
        # never overwrite a newer one's figures. (SQLite's IMMEDIATE transactions
        # already serialise every writer.)
        DataSet.objects.select_for_update().filter(pk=out.pk).first()
        windows = []
        if transform.type in PERIOD_TYPES:
            records = []
            for start, end in period_windows(params["period"], earliest, latest):
                windows.append((start, end))
                rows = read_periods(data_set, params, start, end, now=now)
                result.read_rows += len(rows)
                records.extend(_compute_periods(transform, data_set, rows, params, start, end, now))
        elif transform.type == "latest_dataset_value":
            records = summaries.latest_value_records(transform, data_set, now=now)
        else:
            records = summaries.summary_records(transform, data_set, now=now)
        result.computed = len(records)
        result.written = store_changed(out, records, now=now)
        result.deleted = delete_vanished(out, windows, {r["_id"] for r in records}, now=now)
    return result


def _compute_periods(transform, data_set, rows, params, start, end, now) -> list[dict]:
    options = transform.options or {}
    kind = transform.type
    if kind == "rate":
        value_key = params["collect"][0] if "collect" in params else options["valueAttribute"]
        value_key = value_key if ":" in value_key else f"{value_key}:sum"
        num = re.compile(options["numeratorMatcher"])
        den = re.compile(options["denominatorMatcher"])
        return compute_rate(
            rows,
            attribute=options["matchingAttribute"],
            value_key=value_key,
            is_numerator=lambda s: bool(num.search(s)),
            is_denominator=lambda s: bool(den.search(s)),
        )
    if kind == "digital_takeup":
        channels = set(option(options, "channels", ["digital"]))
        return compute_rate(
            rows,
            attribute=option(options, "channel_attribute", "channel"),
            value_key=f"{option(options, 'value_attribute', 'count')}:sum",
            is_numerator=channels.__contains__,
            is_denominator=lambda s: True,
        )
    if kind == "completion_rate":
        num = re.compile(options["numerator_matcher"])
        den = re.compile(options["denominator_matcher"])
        return compute_rate(
            rows,
            attribute=option(options, "matching_attribute", "stage"),
            value_key=f"{option(options, 'value_attribute', 'count')}:sum",
            is_numerator=lambda s: bool(num.search(s)),
            is_denominator=lambda s: bool(den.search(s)),
        )
    if kind == "user_satisfaction":
        return compute_satisfaction(rows)
    value_key = f"{option(options, 'value_attribute', 'count')}:sum"
    volumes = None
    if option(options, "mode", "per_transaction") == "total_cost":
        volumes = _volumes(transform, data_set, params["period"], start, end, now)
    return compute_cost(rows, volumes, options=options, value_key=value_key)


def _volumes(transform, data_set, period, start, end, now) -> dict[str, float]:
    """Transactions per period from the volume data set of the same group."""
    options = transform.options or {}
    volume = DataSet.objects.filter(
        data_group=data_set.data_group,
        data_type__name=option(options, "volume_data_type", "transactions-by-channel"),
    ).first()
    if volume is None:
        return {}
    field = option(options, "volume_attribute", "count")
    params = {"period": period, "collect": [f"{field}:sum"], "flatten": "true"}
    rows = read_periods(volume, params, start, end, now=now)
    return {
        row["_start_at"]: row[f"{field}:sum"]
        for row in rows
        if row.get("_count") and row.get(f"{field}:sum") is not None
    }


# --- finding transforms ----------------------------------------------------------------


def transforms_for(data_set: DataSet):
    """The enabled transforms a write to ``data_set`` should run.

    Those reading its type (for its group, or type-wide), and those reading it as a
    second input. A group's own transform replaces a type-wide one with the same type
    and output type.
    """
    group_ok = Q(input_group__isnull=True) | Q(input_group=data_set.data_group_id)
    candidates = (
        Transform.objects.filter(enabled=True)
        .filter(group_ok)
        .filter(Q(input_type=data_set.data_type_id) | Q(also_reads=data_set.data_type_id))
        .select_related("input_group", "input_type", "output_group", "output_type")
    )
    specific = {(t.type, t.output_type_id, t.input_type_id) for t in candidates if t.input_group_id}
    return [
        t
        for t in candidates
        if t.input_group_id or (t.type, t.output_type_id, t.input_type_id) not in specific
    ]


def input_data_set(transform, data_set: DataSet) -> DataSet | None:
    """The data set a transform reads when ``data_set`` (its input or second input) changed."""
    if data_set.data_type_id == transform.input_type_id:
        return data_set
    return DataSet.objects.filter(
        data_group=data_set.data_group_id, data_type=transform.input_type_id
    ).first()
