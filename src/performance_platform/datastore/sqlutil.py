"""Small helpers for hand-written SQL on the hot paths."""

from decimal import Decimal

import orjson
from django.db import connection


def datetime_adapter():
    """A fast adapter for UTC datetimes as query parameters.

    Django's own adapter converts time zones on every call; the write path adapts
    eleven datetimes per record, all already in UTC, so this does the same work once.
    SQLite stores naive UTC text (Django's format); PostgreSQL takes the datetime.
    """
    if connection.vendor == "sqlite":
        return _sqlite_text
    return _same


def _sqlite_text(value):
    # "2024-01-01 10:00:00[.ffffff]" from an aware UTC datetime, without building a
    # naive copy: isoformat ends in "+00:00", which Django's SQLite format leaves out.
    return value.isoformat(" ")[:-6]


def _same(value):
    return value


def db_json(value, *, sort_keys: bool = False) -> bytes:
    """JSON text for a JSON column that reads back as the same values on both databases.

    PostgreSQL's jsonb keeps numbers as ``numeric``, so a float orjson writes with an
    exponent (``1e+16``, any float of 1e16 or more) would come back as the integer
    ``10000000000000000``, and ``-0.0`` as ``0.0``. Such floats are written out in full
    with ``.0`` (and -0.0 as 0.0), so they stay floats everywhere; integers beyond 64
    bits (rollup sums) are written exactly.
    """
    option = orjson.OPT_SORT_KEYS if sort_keys else 0
    try:
        text = orjson.dumps(value, option=option)
    except TypeError:  # an integer beyond 64 bits
        return orjson.dumps(_plain(value), option=option)
    if b"e+" in text or b"-0.0" in text:  # rare: a false alarm only costs a second pass
        text = orjson.dumps(_plain(value), option=option)
    return text


def _plain(value):
    kind = type(value)
    if kind is float:
        if value == 0:
            return 0.0
        if (value >= 1e16 or value <= -1e16) and value - value == 0:  # finite
            return orjson.Fragment(f"{Decimal(repr(value)):f}.0".encode())
        return value
    if kind is int and not -(2**63) <= value < 2**63:
        return orjson.Fragment(str(value).encode())
    if kind is dict:
        return {k: _plain(v) for k, v in value.items()}
    if kind is list:
        return [_plain(v) for v in value]
    return value
