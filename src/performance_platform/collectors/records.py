"""Provider rows into records, with ids that depend only on what the record describes.

A record is built in the original collectors' order, later parts winning: the period's
start as ``_timestamp``, the mapping's constants (``add``), the dimensions, the metrics
and ``timeSpan``; then the mapping's ``fields`` rename keys. Its ``_id`` is the URL-safe
base64 of a readable id made from the data type, the period, its length and every
dimension and constant in the order of their names (the original used dict order, which
Python 2 did not keep), or of the mapping's ``id_fields``. So the same period collected
again has the same ids, and storing it overwrites instead of adding.
"""

import base64
from datetime import UTC, datetime

from .errors import ConfigProblem
from .providers.base import Row

#: The keys a collector's ``mapping`` may hold.
MAPPING_KEYS = {"fields", "add", "id_fields", "for_url"}


def timestamp(value: datetime) -> str:
    """A timestamp as records hold it: ISO 8601 in UTC, to the second."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def check_mapping(mapping: dict) -> None:
    """Refuse a mapping that cannot work, naming what is wrong."""
    if not isinstance(mapping, dict):
        raise ConfigProblem("The mapping must be an object.")
    unknown = sorted(set(mapping) - MAPPING_KEYS)
    if unknown:
        raise ConfigProblem(
            f"Unknown mapping keys: {', '.join(unknown)} (use {', '.join(sorted(MAPPING_KEYS))})."
        )
    for key in ("fields", "add"):
        if not isinstance(mapping.get(key, {}), dict):
            raise ConfigProblem(f"The mapping's {key!r} must be an object.")
    fields = mapping.get("fields", {})
    if not all(isinstance(v, str) and v for v in fields.values()):
        raise ConfigProblem("Each of the mapping's 'fields' must name a field.")
    ids = mapping.get("id_fields", [])
    if not isinstance(ids, list) or not all(isinstance(v, str) for v in ids):
        raise ConfigProblem("The mapping's 'id_fields' must be a list of field names.")


def to_record(row: Row, *, data_type: str, time_span: str | None, mapping: dict) -> dict:
    """The record for one row of a periodic (not realtime) collector."""
    constants = dict(mapping.get("add", {}))
    record: dict = {"_timestamp": timestamp(row.timestamp)}
    record.update(constants)
    record.update(row.dimensions)
    record.update(row.metrics)
    if time_span:
        record["timeSpan"] = time_span
    record = _renamed(record, mapping.get("fields", {}))
    id_fields = mapping.get("id_fields")
    if id_fields:
        missing = [f for f in id_fields if f not in record]
        if missing:
            raise ConfigProblem(f"The mapping's id_fields name fields no record has: {missing}")
        human = "_".join(_text(record[f]) for f in id_fields)
    else:
        renames = mapping.get("fields", {})
        described = {renames.get(k, k): v for k, v in {**constants, **row.dimensions}.items()}
        parts = [data_type, row.timestamp.astimezone(UTC).strftime("%Y%m%d%H%M%S")]
        parts.append(time_span or "")
        parts += [f"{k}={_text(described[k])}" for k in sorted(described)]
        human = "_".join(parts)
    record["_id"] = base64.urlsafe_b64encode(human.encode()).decode()
    return record


def realtime_record(row: Row, *, mapping: dict) -> dict:
    """A realtime count, in the original's shape: its ``_id`` is its own timestamp."""
    when = timestamp(row.timestamp)
    record = {"_timestamp": when, "_id": when, "for_url": mapping.get("for_url", "")}
    record.update(row.metrics)
    return _renamed(record, mapping.get("fields", {}))


def check_record(row: Row, *, mapping: dict) -> dict:
    """An availability check, in the original Pingdom collector's shape: its ``_id`` is
    the check's name and the check's time (``<check>.<timestamp>``), so a check run again
    in the same second replaces its record instead of adding one."""
    when = timestamp(row.timestamp)
    check = str(row.dimensions.get("check", "")).replace(" ", "_")
    record = {"_timestamp": when, "_id": f"{check}.{when}" if check else when}
    record.update(mapping.get("add", {}))
    record.update(row.dimensions)
    record.update(row.metrics)
    return _renamed(record, mapping.get("fields", {}))


def _renamed(record: dict, renames: dict) -> dict:
    return {renames.get(k, k): v for k, v in record.items()}


def _text(value) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    return str(value)
