"""Small helpers for hand-written SQL on the hot paths."""

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
