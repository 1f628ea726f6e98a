"""Transforms: read a data set through the query engine, write derived records elsewhere.

Every run is one transaction: the output data set is locked, the source is read, the
derived records are computed and only those that differ from what is stored are
written. So a run either lands whole or not at all (a crash or an error leaves the old
derived records in place), two runs of the same transform never interleave, and
running a transform twice stores exactly the same records (ids are fixed per period,
and unchanged records are not rewritten, so the second run writes nothing and triggers
nothing further).

The types, after ``backdrop-api.md`` section 6 and ``stagecraft-spotlight.md`` B5:

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
* ``kpi_summary``: per service and KPI, the latest and previous values, the change, and
  freshness; this feeds the services index (see :mod:`.summaries`).
"""

import base64
import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

import jsonschema
from django.db import transaction
from django.utils import timezone

from performance_platform.datastore import storage
from performance_platform.datastore.models import DataSet, Record
from performance_platform.datastore.query import as_querydict, run_query
from performance_platform.datastore.query.params import QueryError, parse
from performance_platform.datastore.query.ranges import add as add_periods
from performance_platform.datastore.query.ranges import start as period_start
from performance_platform.datastore.validation import prepare_records
from performance_platform.worker.runner import PermanentError

RATINGS = tuple(f"rating_{k}" for k in range(1, 6))
PERIOD_TYPES = {"rate", "digital_takeup", "completion_rate", "user_satisfaction"}
PERIOD_TYPES |= {"cost_per_transaction"}
# Longest range read in one query; longer ranges are read in chunks (the engine caps a
# query at 20,000 periods).
CHUNK_PERIODS = 5_000
# The value each KPI data type holds, for latest_dataset_value (as the original).
VALUE_KEYS = {
    "completion-rate": "rate",
    "digital-takeup": "rate",
    "user-satisfaction-score": "score",
    "cost-per-transaction-by-quarter": "cost_per_transaction",
}
DEFAULT_SUMMARY_OUTPUT = ("performance-platform", "kpi-summaries")

_REGEX = {"type": "string", "minLength": 1, "maxLength": 500}
_FIELD = {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]{0,199}$"}

OPTION_SCHEMAS: dict[str, dict] = {
    "rate": {
        "type": "object",
        "required": [
            "matchingAttribute",
            "valueAttribute",
            "numeratorMatcher",
            "denominatorMatcher",
        ],
        "properties": {
            "matchingAttribute": _FIELD,
            "valueAttribute": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*(:sum)?$"},
            "numeratorMatcher": _REGEX,
            "denominatorMatcher": _REGEX,
        },
        "additionalProperties": False,
    },
    "digital_takeup": {
        "type": "object",
        "properties": {
            "channels": {
                "type": "array",
                "items": {"type": "string", "minLength": 1, "maxLength": 200},
                "minItems": 1,
                "uniqueItems": True,
            },
            "channel_attribute": _FIELD,
            "value_attribute": _FIELD,
        },
        "additionalProperties": False,
    },
    "completion_rate": {
        "type": "object",
        "required": ["numerator_matcher", "denominator_matcher"],
        "properties": {
            "matching_attribute": _FIELD,
            "value_attribute": _FIELD,
            "numerator_matcher": _REGEX,
            "denominator_matcher": _REGEX,
        },
        "additionalProperties": False,
    },
    "user_satisfaction": {"type": "object", "additionalProperties": False},
    "cost_per_transaction": {
        "type": "object",
        "properties": {
            "mode": {"enum": ["per_transaction", "total_cost"]},
            "channel_attribute": _FIELD,
            "channel_matcher": _REGEX,
            "value_attribute": _FIELD,
            "volume_data_type": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9-]{0,99}$"},
            "volume_attribute": _FIELD,
        },
        "additionalProperties": False,
    },
    "latest_dataset_value": {
        "type": "object",
        "properties": {"value_attribute": _FIELD},
        "additionalProperties": False,
    },
    "kpi_summary": {
        "type": "object",
        "required": ["kpi"],
        "properties": {
            "kpi": {
                "enum": [
                    "digital_takeup",
                    "cost_per_transaction",
                    "user_satisfaction",
                    "completion_rate",
                    "transactions_per_year",
                ]
            },
            "value_attribute": _FIELD,
            "weeks": {"type": "integer", "minimum": 1, "maximum": 520},
        },
        "additionalProperties": False,
    },
}


class TransformConfigError(ValueError):
    """A transform whose query or options cannot work; ``field`` names the culprit."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class TransformError(PermanentError):
    """The source data cannot be transformed (a non-numeric count, say).

    Retrying cannot help, so the task fails at once with this message kept; nothing of
    the run is written. Fixing the source data queues the transform again.
    """


def option(options: dict, key: str, default):
    """An option's value, or its default when absent."""
    value = options.get(key)
    return default if value is None else value


def default_query(type_: str, options: dict) -> dict:
    """The read-API parameters a type uses unless the transform's ``query`` overrides them."""
    if type_ == "digital_takeup":
        attr = option(options, "channel_attribute", "channel")
        value = option(options, "value_attribute", "count")
        return {"period": "week", "group_by": [attr], "collect": [f"{value}:sum"]}
    if type_ == "completion_rate":
        attr = option(options, "matching_attribute", "stage")
        value = option(options, "value_attribute", "count")
        return {"period": "week", "group_by": [attr], "collect": [f"{value}:sum"]}
    if type_ == "user_satisfaction":
        return {"period": "month", "collect": [f"{r}:sum" for r in RATINGS]}
    if type_ == "cost_per_transaction":
        attr = option(options, "channel_attribute", "channel")
        value = option(options, "value_attribute", "count")
        return {"period": "quarter", "group_by": [attr], "collect": [f"{value}:sum"]}
    if type_ == "rate":
        attr = options.get("matchingAttribute", "")
        value = options.get("valueAttribute", "")
        return {"group_by": [attr], "collect": [value if ":" in value else f"{value}:sum"]}
    return {}


def effective_query(type_: str, query: dict, options: dict) -> dict:
    """The type's default parameters with the transform's own on top."""
    merged = default_query(type_, options)
    merged.update(query or {})
    if isinstance(merged.get("collect"), str):
        # A query may give one collect as text ("count:sum"): the value key is its
        # first entry, not its first character.
        merged["collect"] = [merged["collect"]]
    return merged


def secondary_type_name(type_: str, options: dict) -> str | None:
    """A second data type (same group) a transform reads, or None."""
    if type_ == "cost_per_transaction" and (options or {}).get("mode") == "total_cost":
        return option(options, "volume_data_type", "transactions-by-channel")
    return None


_RANGE_KEYS = {"start_at", "end_at", "duration", "inclusive", "flatten", "format"}


def check_transform(type_: str, query: object, options: object, *, output_group=None) -> None:
    """Raise TransformConfigError unless the type, query and options can work together."""
    if type_ not in OPTION_SCHEMAS:
        raise TransformConfigError("type", f"unknown transform type {str(type_)[:50]!r}")
    if not isinstance(options, dict):
        raise TransformConfigError("options", "must be an object")
    if not isinstance(query, dict):
        raise TransformConfigError("query", "must be an object of read API parameters")
    errors = sorted(
        jsonschema.Draft202012Validator(OPTION_SCHEMAS[type_]).iter_errors(options),
        key=lambda e: list(map(str, e.path)),
    )
    if errors:
        where = ".".join(map(str, errors[0].absolute_path))
        raise TransformConfigError(
            "options", f"{where + ': ' if where else ''}{errors[0].message}"[:500]
        )
    for key in ("numeratorMatcher", "denominatorMatcher", "numerator_matcher"):
        _check_regex(options, key)
    _check_regex(options, "denominator_matcher")
    _check_regex(options, "channel_matcher")
    bad = sorted(set(query) & _RANGE_KEYS)
    if bad:
        raise TransformConfigError(
            "query", f"{', '.join(bad)} cannot be set: the range comes from the write"
        )
    for key, value in query.items():
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
            raise TransformConfigError("query", f"{key}: values must be text or lists of text")
    params = effective_query(type_, query, options)
    if type_ in PERIOD_TYPES:
        if not params.get("period"):
            raise TransformConfigError("query", "a period is needed (e.g. week)")
        if params["period"] == "hour":
            raise TransformConfigError("query", "hourly periods are not supported by transforms")
    probe = dict(params, flatten="true")
    if type_ in PERIOD_TYPES:
        probe.update(start_at="2020-01-06T00:00:00Z", end_at="2020-01-13T00:00:00Z")
    try:
        parse(as_querydict(probe), raw_queries_allowed=True)
    except QueryError as exc:
        raise TransformConfigError("query", exc.message)


def _check_regex(options: dict, key: str) -> None:
    if key in options:
        try:
            re.compile(options[key])
        except re.error as exc:
            raise TransformConfigError("options", f"{key}: not a valid regular expression: {exc}")


def encode_id(*parts: str) -> str:
    """The original's derived-record id: URL-safe base64 of the parts joined by ``_``."""
    return base64.urlsafe_b64encode("_".join(parts).encode("utf-8")).decode("ascii")


# --- reading -------------------------------------------------------------------------


def read(data_set: DataSet, params: dict, *, now: datetime) -> list[dict]:
    """Run a read query for a transform (raw queries allowed: this is not the public API)."""
    return run_query(data_set, params, now=now, allow_raw=True)["data"]


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def period_windows(period: str, earliest: datetime, latest: datetime):
    """Whole-period [start, end) windows covering earliest..latest, in chunks."""
    start = period_start(period, earliest)
    try:
        stop = add_periods(period, period_start(period, latest), 1)
    except (OverflowError, ValueError):  # the period after the last one the calendar has
        # latest's period would end after year 9999, so it cannot be read or stored.
        stop = period_start(period, latest)
    while start < stop:
        try:
            end = min(stop, add_periods(period, start, CHUNK_PERIODS))
        except ValueError:  # a QueryError: the chunk would end past year 9999
            end = stop
        yield start, end
        start = end


def _bad_values(data_set: DataSet, field: str, start, end) -> str:
    """Describe (up to three) records whose ``field`` is not a number, for the error."""
    found = []
    rows = Record.objects.filter(data_set=data_set, timestamp__gte=start, timestamp__lt=end)
    for record_id, data in rows.values_list("record_id", "data").iterator(chunk_size=2000):
        value = data.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            found.append(
                f"record {record_id[:80]!r} ({data.get('_timestamp')}) has "
                f"{field} = {value!r:.60}, not a number"
            )
            if len(found) == 3:
                break
    return "; ".join(found)


def read_periods(data_set: DataSet, params: dict, start, end, *, now) -> list[dict]:
    """Read one window of a period query, turning a non-numeric sum into a TransformError."""
    try:
        return read(data_set, {**params, "start_at": _iso(start), "end_at": _iso(end)}, now=now)
    except QueryError as exc:
        detail = ""
        if exc.parameter == "collect":
            fields = [c.split(":")[0] for c in params.get("collect", [])]
            detail = "; ".join(filter(None, (_bad_values(data_set, f, start, end) for f in fields)))
        where = f"{data_set.data_group.name}/{data_set.data_type.name}"
        if detail:
            raise TransformError(
                f"cannot compute from {where}: values that are not numbers: {detail}"
            )
        raise TransformError(f"cannot read {where}: {exc.message}")


def _number(value, where: str):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TransformError(f"{where}: {value!r:.60} is not a number")
    return value


def _by_period(rows: list[dict]) -> "OrderedDict[tuple[str, str], list[dict]]":
    """Rows grouped by period, leaving out periods with no source records at all.

    A period with records whose counts are 0 is kept (its rate is "no data" or 0, as
    the figures say); a period with no records gets no derived record, so a gap in the
    source stays a gap, and a range reaching far into empty time writes nothing there.
    """
    grouped: OrderedDict = OrderedDict()
    for row in rows:
        grouped.setdefault((row["_start_at"], row["_end_at"]), []).append(row)
    return OrderedDict(
        (key, cells) for key, cells in grouped.items() if any(c.get("_count") for c in cells)
    )


def _base(start: str, end: str) -> dict:
    return {"_id": encode_id(start, end), "_timestamp": start, "_start_at": start, "_end_at": end}


# --- computing -----------------------------------------------------------------------


def compute_rate(rows, *, attribute, value_key, is_numerator, is_denominator) -> list[dict]:
    """Per period: Σ value where the numerator matches / Σ value where the denominator does.

    A cell with no records (``_count`` 0, as zero-filled periods have) is missing, not
    zero. The rate is null when nothing matches the numerator (a missing channel: we
    cannot tell 0 from "not reported") or the denominator is missing or not positive.
    Unlike the original, a count of 0 is a real 0 (it dropped falsy values, so a week
    with 0 digital transactions had no take-up figure at all).
    """
    out = []
    for (start, end), cells in _by_period(rows).items():
        numerator = denominator = None
        for row in cells:
            if not row.get("_count"):
                continue
            value = _number(row.get(value_key), f"{value_key} for {start}")
            if value is None:
                continue
            label = "" if row.get(attribute) is None else str(row.get(attribute))
            if is_denominator(label):
                denominator = (denominator or 0) + value
            if is_numerator(label):
                numerator = (numerator or 0) + value
        rate = None
        if numerator is not None and denominator is not None and denominator > 0:
            rate = numerator / denominator
        out.append(
            {**_base(start, end), "rate": rate, "numerator": numerator, "denominator": denominator}
        )
    return out


def compute_satisfaction(rows) -> list[dict]:
    """Per period: the ratings, the number of responses and ``(mean − 1) / 4``."""
    out = []
    for (start, end), cells in _by_period(rows).items():
        counts = dict.fromkeys(RATINGS, 0)
        for row in cells:
            for rating in RATINGS:
                value = _number(row.get(f"{rating}:sum"), f"{rating} for {start}")
                counts[rating] += value or 0
        responses = sum(counts.values())
        score = None
        if responses > 0:
            mean = sum(k * counts[f"rating_{k}"] for k in range(1, 6)) / responses
            score = (mean - 1) / 4
        out.append({**_base(start, end), **counts, "num_responses": responses, "score": score})
    return out


def compute_cost(rows, volumes: dict | None, *, options: dict, value_key: str) -> list[dict]:
    """Per period (quarter): cost per transaction, as uploaded or as total cost / volume."""
    mode = option(options, "mode", "per_transaction")
    attribute = option(options, "channel_attribute", "channel")
    default_matcher = "^cost_per_transaction" if mode == "per_transaction" else ".*"
    matcher = re.compile(option(options, "channel_matcher", default_matcher))
    out = []
    for (start, end), cells in _by_period(rows).items():
        matched = []
        matched_records = 0
        for row in cells:
            if not row.get("_count"):
                continue
            label = "" if row.get(attribute) is None else str(row.get(attribute))
            value = _number(row.get(value_key), f"{value_key} for {start}")
            if value is not None and matcher.search(label):
                matched.append((label, value))
                # Records of one channel arrive summed; count them, not the sums.
                matched_records += row["_count"]
        record = _base(start, end)
        if mode == "per_transaction":
            if matched_records > 1:
                names = ", ".join(sorted(label for label, _ in matched))[:200]
                raise TransformError(
                    f"the quarter starting {start} has {matched_records} cost per transaction "
                    f"rows ({names}); set channel_matcher to choose one"
                )
            record["cost_per_transaction"] = matched[0][1] if matched else None
        else:
            total = sum(v for _, v in matched) if matched else None
            transactions = (volumes or {}).get(start)
            cpt = total / transactions if total is not None and transactions else None
            record.update(cost_per_transaction=cpt, total_cost=total, transactions=transactions)
        out.append(record)
    return out


@dataclass
class RunResult:
    """What one transform run did."""

    read_rows: int = 0
    computed: int = 0
    written: int = 0
    deleted: int = 0


def output_data_set(transform, input_data_set: DataSet) -> DataSet:
    """The transform's output data set, created (published like its input) if missing."""
    group = transform.output_group or input_data_set.data_group
    found = DataSet.objects.filter(data_group=group, data_type=transform.output_type).first()
    if found is not None:
        return found
    created = DataSet(
        data_group=group,
        data_type=transform.output_type,
        published=input_data_set.published,
        raw_queries_allowed=True,
    )
    created.save()
    return created


def _store_changed(out: DataSet, records: list[dict], *, now) -> int:
    """Write only the records that differ from those stored; return how many."""
    if not records:
        return 0
    stored = {}
    ids = [r["_id"] for r in records]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for record_id, data in Record.objects.filter(data_set=out, record_id__in=chunk).values_list(
            "record_id", "data"
        ):
            stored[record_id] = data
    prepared, errors = prepare_records(records, schema=out.schema, auto_ids=None, now=now)
    if errors:
        raise TransformError(f"the derived records do not fit {out.name}: {'; '.join(errors[:3])}")
    changed = []
    for record in prepared:
        old = stored.get(record.record_id)
        new = {k: v for k, v in record.data.items() if k != "_updated_at"}
        if old is None or {k: v for k, v in old.items() if k != "_updated_at"} != new:
            changed.append(record)
    if changed:
        storage.store_records(out, changed, now=now, source="transform")
    return len(changed)


def run_transform(transform, data_set: DataSet, earliest: datetime, latest: datetime, *, now=None):
    """Run ``transform`` for the input ``data_set`` over earliest..latest (whole periods)."""
    from . import summaries

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
        result.written = _store_changed(out, records, now=now)
        result.deleted = _delete_vanished(out, windows, {r["_id"] for r in records}, now=now)
    return result


def _delete_vanished(out: DataSet, windows, kept: set[str], *, now) -> int:
    """Delete derived records of periods in ``windows`` that no longer have source data.

    Only records shaped like per-period derived records (with ``_start_at``/``_end_at``
    and the id those give) are touched, so other records in the output are safe.
    """
    doomed = []
    for start, end in windows:
        rows = Record.objects.filter(data_set=out, timestamp__gte=start, timestamp__lt=end)
        for record_id, data in rows.values_list("record_id", "data").iterator(chunk_size=2000):
            if record_id in kept:
                continue
            bounds = (data.get("_start_at"), data.get("_end_at"))
            if all(isinstance(b, str) for b in bounds) and record_id == encode_id(*bounds):
                doomed.append(record_id)
    if doomed:
        storage.delete_records(out, doomed, now=now, source="transform")
    return len(doomed)


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
    from django.db.models import Q

    from .models import Transform

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


def parse_range_value(text: str) -> datetime | None:
    """An ISO 8601 date or date-time as an aware UTC datetime (None if unreadable)."""
    from performance_platform.datastore.validation import TimestampError, parse_timestamp

    try:
        return parse_timestamp(text)
    except (TimestampError, TypeError, ValueError, OverflowError):
        return None


__all__ = [
    "DEFAULT_SUMMARY_OUTPUT",
    "OPTION_SCHEMAS",
    "RunResult",
    "TransformConfigError",
    "TransformError",
    "check_transform",
    "compute_cost",
    "compute_rate",
    "compute_satisfaction",
    "encode_id",
    "run_transform",
    "transforms_for",
]
