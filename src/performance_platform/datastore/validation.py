"""The record pipeline: validate → derive → ready to store.

Every way data comes in (the write API, spreadsheet uploads, collectors) goes through
:func:`prepare_records`, so a record means the same thing whichever door it used.
Messages match the original platform's wording where it had one, so existing clients
that read them keep working.
"""

import base64
import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import jsonschema
from dateutil import parser as dateutil_parser
from django.conf import settings

from . import periods

INTERNAL_FIELDS = frozenset({"_timestamp", "_start_at", "_end_at", "_id"})
TIMESTAMP_FIELDS = ("_timestamp", "_start_at", "_end_at")
# The original lower-cased keys and matched ^[a-z_][a-z0-9_]+$; fullmatch with explicit
# cases does the same without letting "\n" or non-ASCII look-alikes through.
KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]+")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_ID_LENGTH = 512
MAX_KEY_LENGTH = 200
#: Fields a record may have when the ``WRITE_MAX_FIELDS`` setting is not available.
MAX_FIELDS = 1000
_ISO_DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?"
)


def is_valid_key(key: object) -> bool:
    """True when ``key`` may be used as a field name (also used for query parameters)."""
    return isinstance(key, str) and len(key) <= MAX_KEY_LENGTH and bool(KEY_RE.fullmatch(key))


# --- configuration checks -----------------------------------------------------------------


def check_auto_ids(value: object) -> None:
    """Raise ValueError unless ``value`` is a list of valid, distinct field names."""
    if value is None:
        return
    if not isinstance(value, list):
        raise ValueError("auto_ids must be a list of field names")
    for item in value:
        if not is_valid_key(item):
            raise ValueError(f"auto_ids has an invalid field name: {item!r}")
        if item.startswith("_") and item not in INTERNAL_FIELDS - {"_id"}:
            raise ValueError(f"auto_ids cannot use the internal field {item}")
    if len(set(value)) != len(value):
        raise ValueError("auto_ids lists a field more than once")


def check_field_list(value: object, what: str) -> None:
    """Raise ValueError unless ``value`` is None or a list of distinct, non-internal field names."""
    if value is None:
        return
    if not isinstance(value, list):
        raise ValueError(f"{what} must be a list of field names")
    for item in value:
        if not is_valid_key(item) or item.startswith("_"):
            raise ValueError(f"{what} has an invalid field name: {item!r}")
    if len(set(value)) != len(value):
        raise ValueError(f"{what} lists a field more than once")


def _is_date_time(instance: object) -> bool:
    """The original's date-time format: a full date and time; the offset may be left out."""
    if not isinstance(instance, str):
        return True
    if not _ISO_DATETIME_RE.fullmatch(instance):
        return False
    try:
        parse_timestamp(instance)
    except TimestampError:
        return False
    return True


FORMAT_CHECKER = jsonschema.FormatChecker(formats=())
FORMAT_CHECKER.checks("date-time")(_is_date_time)


def _validator_for(schema: dict):
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)
    return cls(schema, format_checker=FORMAT_CHECKER)


def check_schema(schema: object) -> None:
    """Raise ValueError unless ``schema`` is a usable JSON Schema object."""
    if not isinstance(schema, dict):
        raise ValueError("schema must be a JSON object")
    try:
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)
        cls.check_schema(schema)
        # Resolve references now, so a schema that points somewhere unreachable is refused
        # when it is configured rather than when a record arrives.
        list(_validator_for(schema).iter_errors({}))
    except jsonschema.SchemaError as exc:
        raise ValueError(f"schema is not valid JSON Schema: {exc.message}")
    except Exception as exc:  # an unresolvable $ref and the like
        raise ValueError(f"schema cannot be used: {exc}")


# --- timestamps ---------------------------------------------------------------------------


class TimestampError(ValueError):
    """A timestamp that could not be read. ``kind`` is "format" or "date"."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def parse_timestamp(value: object) -> datetime:
    """Read a timestamp as the original did (leniently) and return it in UTC.

    ISO 8601 is read directly; other text falls back to dateutil (``12/01/2013`` is
    US order). Unlike the original, text without a full date (``""``, ``"10:00"``,
    ``"2014"``) is refused instead of being completed from today's date.
    """
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise TimestampError("format")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = _parse_lenient(value)
    try:
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        else:
            parsed = parsed.astimezone(UTC)
        # Every period start must exist too (the week of 0001-01-01 would not).
        periods.week_start(parsed)
    except (OverflowError, ValueError):
        raise TimestampError("date")
    return parsed


_DEFAULT_A = datetime(2001, 1, 1)
_DEFAULT_B = datetime(2002, 2, 2)


def _parse_lenient(value: str) -> datetime:
    if len(value) > 100:
        raise TimestampError("format")
    try:
        first = dateutil_parser.parse(value, default=_DEFAULT_A)
        second = dateutil_parser.parse(value, default=_DEFAULT_B)
    except (dateutil_parser.ParserError, ValueError, OverflowError, TypeError) as exc:
        text = str(exc)
        if text.startswith(("Unknown string format", "String does not contain")):
            raise TimestampError("format")
        raise TimestampError("date")
    if first.date() != second.date():
        raise TimestampError("format")  # part of the date was missing
    return first


# --- the pipeline -------------------------------------------------------------------------


@dataclass(slots=True)
class PreparedRecord:
    """A record that passed validation, ready for storage."""

    record_id: str
    timestamp: datetime
    data: dict
    generated_id: bool = False


def canonical_instant(value: datetime) -> str:
    """The one text of an instant that auto ids use: ``YYYY-MM-DDTHH:MM:SS[.f]Z`` in UTC.

    The original built ids from timestamps as sent, so ``...Z`` and ``...+00:00`` gave two
    records for one moment. Every form now becomes this one, which is the form the
    documentation and most clients send, so their ids stay the original's. A fraction
    of a second is kept without trailing zeros (``.5``, not ``.500000``).
    """
    value = value.astimezone(UTC)
    text = value.replace(tzinfo=None, microsecond=0).isoformat()
    if value.microsecond:
        text += "." + f"{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def _stringify(value: object) -> str:
    # Python-style text, as the original's auto ids used: True, None, 1.5. A datetime is
    # a timestamp field that has been read: one instant, one text.
    if isinstance(value, datetime):
        return canonical_instant(value)
    return str(value)


def auto_id(record: dict, fields: list[str]) -> str:
    """The original's auto id: standard base64 of the fields' values joined by '.'.

    Timestamp fields must have been read already (:func:`parse_timestamp`) so that they
    enter in their canonical form; one that could not be read enters as sent (its record
    is refused anyway).
    """
    joined = ".".join(_stringify(record[f]) for f in fields)
    return base64.b64encode(joined.encode("utf-8", "surrogatepass")).decode("ascii")


def _value_problem(key: str, value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):  # JSON has no infinity or NaN (uploads could make them)
        return None if math.isfinite(value) else f"{key} has an invalid value"
    if isinstance(value, int):
        if INT64_MIN <= value <= INT64_MAX:
            return None
        # Signed 64 bits: what both databases store and sum exactly as whole numbers.
        return (
            f"{key} is a whole number outside the range {INT64_MIN} to {INT64_MAX}, "
            "so it cannot be stored exactly: send it as text"
        )
    if isinstance(value, str):
        return f"{key} contains a NUL character" if "\x00" in value else None
    return f"{key} has an invalid value"


def key_problem(key: object) -> str | None:
    """Why ``key`` cannot be a record's field name, in the write API's words, or None.

    Uploads check a file's header row with it once, rather than once per row.
    """
    if not is_valid_key(key):
        return f"{key} is not a valid key"
    if key.startswith("_") and key not in INTERNAL_FIELDS:
        return f"{key} is not a recognised internal field"
    return None


def _field_problem(key: str, value: object) -> str | None:
    """The problem with one field of a record whose timestamps have been read."""
    problem = key_problem(key)
    if problem:
        return problem
    if key in TIMESTAMP_FIELDS:
        return None if isinstance(value, datetime) else f"{key} is not a valid datetime object"
    if key == "_id":
        if (
            not isinstance(value, str)
            or not value
            or len(value) > MAX_ID_LENGTH
            or "\x00" in value
            or value.split() != [value]  # whitespace anywhere (str.isspace's, at C speed)
        ):
            shown = value if not isinstance(value, str) or len(value) <= 80 else value[:80] + "…"
            return f'_id "{shown}" is not a valid id'
        return None
    return _value_problem(key, value)


MISSING_TIMESTAMP = "_timestamp is required: every record needs the date it refers to"


def _record_problem(record: dict) -> tuple[str | None, str] | None:
    """The first problem with one record (the original reported one per record), with the
    field it is about (None for a record without ``_timestamp``)."""
    for key, value in record.items():
        problem = _field_problem(key, value)
        if problem:
            return key, problem
    if "_timestamp" not in record:
        return None, MISSING_TIMESTAMP
    return None


_TIMESTAMP_FORMAT_MESSAGE = {
    "_timestamp": "the _timestamp must be a date in the format yyyy-MM-ddT00:00:00Z",
    "_start_at": "_start_at must be a date in the format yyyy-MM-ddT00:00:00Z",
    "_end_at": "_end_at must be a date in the format yyyy-MM-ddT00:00:00Z",
}


def max_fields() -> int:
    """The most fields a record may have: ``WRITE_MAX_FIELDS``, or :data:`MAX_FIELDS`
    where Django is not set up (the benchmarks use this module on its own)."""
    if settings.configured:
        return getattr(settings, "WRITE_MAX_FIELDS", MAX_FIELDS)
    return MAX_FIELDS


def too_many_fields(items: list[dict], limit: int | None = None) -> list[str]:
    """One message per record with more than ``limit`` fields (at most 10, then a count).

    Checked before anything else, because every later step costs time and memory in
    proportion to the fields: a record of 100,000 fields is refused having cost a count.
    """
    limit = max_fields() if limit is None else limit
    wide = [(i, len(item)) for i, item in enumerate(items) if len(item) > limit]
    messages = [
        f"Record {i + 1} has {n} fields: a record may have at most {limit}" for i, n in wide[:10]
    ]
    if len(wide) > 10:
        messages.append(f"... and {len(wide) - 10} more records with too many fields")
    return messages


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a record is refused, with what a person needs to point at the cell.

    ``message`` is the write API's message (the original's wording). ``stage`` is where
    the pipeline found it: ``schema``, ``schema_failed`` (the schema itself could not be
    applied), ``auto_id``, ``timestamp`` or ``record``. ``field`` is the field it is
    about, when there is one. For a schema problem ``rule`` is the JSON Schema keyword
    that failed (``type``, ``required``, ``minimum``, ``format``...) and ``expected`` its
    value in the schema; for a timestamp, ``rule`` is ``format`` or ``date``.
    """

    stage: str
    message: str
    field: str | None = None
    rule: str | None = None
    expected: object = None
    value: object = None


def _schema_problems(validator, item: dict) -> list[Problem]:
    problems = []
    try:
        for error in validator.iter_errors(item):
            field = next((p for p in error.absolute_path if isinstance(p, str)), None)
            if error.validator == "required" and isinstance(error.instance, dict):
                # jsonschema names the missing property only in its message.
                missing = [f for f in error.validator_value if f not in error.instance]
                field = missing[0] if missing else None
            problems.append(
                Problem(
                    "schema",
                    error.message,
                    field,
                    str(error.validator),
                    error.validator_value,
                    error.instance,
                )
            )
    except Exception as exc:  # a schema that fails at run time refuses the record
        problems.append(
            Problem("schema_failed", f"the data set's schema could not be applied: {exc}")
        )
    return problems


def _timestamp_problem(record: dict) -> Problem | None:
    """Replace the record's timestamp texts by UTC datetimes; the problem with those that
    cannot be read (one per record: the last bad field's, as the original reported)."""
    problem = None
    for field in TIMESTAMP_FIELDS:
        if field not in record:
            continue
        raw = record[field]
        try:
            record[field] = parse_timestamp(raw)
        except TimestampError as exc:
            if exc.kind == "format":
                message = _TIMESTAMP_FORMAT_MESSAGE[field]
            else:
                message = f"{raw} in the {field} field is not a valid date"
            problem = Problem("timestamp", message, field, exc.kind, value=raw)
    return problem


def record_checker(*, schema: dict | None, auto_ids: list[str] | None):
    """A function that checks one record: ``check(record) -> list[Problem]``.

    It normalises ``record`` in place (timestamps read, ``_id`` made from ``auto_ids``)
    and returns every problem the write API would report for it, in the API's order.
    :func:`validate_records` is this applied to a batch; uploads apply it row by row, so
    a spreadsheet is held to exactly the write API's rules and can name each bad cell.
    """
    validator = _validator_for(schema) if schema is not None else None

    def check(record: dict) -> list[Problem]:
        problems = _schema_problems(validator, record) if validator is not None else []
        # Timestamps are read before the ids are made (so equal instants make equal ids),
        # but their problems still come after the auto-id one, as the original's did.
        timestamp = _timestamp_problem(record)
        if auto_ids:
            missing = [f for f in auto_ids if f not in record]
            if missing:
                message = "The following required id fields are missing: " + ", ".join(missing)
                problems.append(Problem("auto_id", message, missing[0], "auto_ids", missing))
            else:
                record["_id"] = auto_id(record, auto_ids)
        if timestamp:
            problems.append(timestamp)
        found = _record_problem(record)
        if found:
            field, message = found
            problems.append(Problem("record", message, field, value=record.get(field)))
        return problems

    return check


_BATCH_ORDER = {"schema": 0, "schema_failed": 0, "auto_id": 1, "timestamp": 2, "record": 3}


def validate_records(
    items: list[dict], *, schema: dict | None, auto_ids: list[str] | None, copy: bool = True
) -> tuple[list[dict], list[str]]:
    """Validate a batch; return the normalised records and the error messages.

    The messages come in the original's order: schema errors for every record, the
    auto-id error (one per batch), timestamp errors, then record errors. Any message
    means the whole batch is refused. Records with too many fields (see
    :func:`too_many_fields`) are refused before any of those checks.

    ``copy=False`` normalises the items themselves instead of copies: for a caller that
    owns them (a freshly parsed request body), it saves a copy of every record.
    """
    errors: list[str] = too_many_fields(items)
    if errors:
        return [], errors
    check = record_checker(schema=schema, auto_ids=auto_ids)
    records = [dict(item) for item in items] if copy else items
    found: list[list[str]] = [[], [], [], []]
    schema_failed = auto_id_reported = False
    for record in records:
        for problem in check(record):
            if problem.stage == "schema_failed":
                if schema_failed:
                    continue
                schema_failed = True
            elif problem.stage == "schema" and schema_failed:
                continue
            elif problem.stage == "auto_id":
                if auto_id_reported:
                    continue
                auto_id_reported = True
            found[_BATCH_ORDER[problem.stage]].append(problem.message)
    for messages in found:
        errors.extend(messages)
    return records, errors


def iso(value: datetime) -> str:
    """UTC ISO 8601 with an explicit +00:00 offset, as the read API shows datetimes."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat()


def finish_record(record: dict, now: datetime, *, now_iso: str | None = None) -> PreparedRecord:
    """Add ``_id`` (if absent), the period keys and ``_updated_at`` to a valid record."""
    ts = record["_timestamp"]
    out = {}
    for key, value in record.items():
        out[key] = iso(value) if isinstance(value, datetime) else value
    record_id = out.get("_id")
    generated = not record_id
    if generated:
        record_id = str(uuid.uuid4())
    out["_id"] = record_id
    out.update(zip(periods.PERIOD_KEYS, periods.start_isos(ts), strict=True))
    out["_updated_at"] = now_iso or iso(now)
    return PreparedRecord(record_id=record_id, timestamp=ts, data=out, generated_id=generated)


def prepare_records(
    items: list[dict], *, schema: dict | None, auto_ids: list[str] | None, now: datetime
) -> tuple[list[PreparedRecord], list[str]]:
    """Run the whole pipeline over a batch. Records come back only when there are no errors."""
    records, errors = validate_records(items, schema=schema, auto_ids=auto_ids)
    if errors:
        return [], errors
    now_iso = iso(now)
    return [finish_record(r, now, now_iso=now_iso) for r in records], []


__all__ = [
    "MISSING_TIMESTAMP",
    "PreparedRecord",
    "Problem",
    "TimestampError",
    "auto_id",
    "canonical_instant",
    "check_auto_ids",
    "check_schema",
    "is_valid_key",
    "key_problem",
    "record_checker",
    "max_fields",
    "too_many_fields",
    "parse_timestamp",
    "prepare_records",
    "validate_records",
    "iso",
]
