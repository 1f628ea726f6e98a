"""CSV output that opens correctly in a spreadsheet.

ISO 8601 datetimes, a stable column order (group fields, then ``_start_at``/``_end_at``,
then the values), nested ``values`` flattened into rows, and text that could run as a
formula escaped.

No byte-order mark: this is the data API's CSV, read by programs, and the original
platform's had none (a mark makes the first column ``\ufeff_start_at`` to a CSV reader).
The site's downloads for people (``site``'s ``.csv`` twins) add one for Excel themselves.
"""

import csv
import io

from .params import Query

_FIRST_RAW = ("_timestamp", "_id", "_start_at", "_end_at")
_LAST_RAW = (
    "_updated_at",
    "_hour_start_at",
    "_day_start_at",
    "_week_start_at",
    "_month_start_at",
    "_quarter_start_at",
    "_year_start_at",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    """One CSV cell: empty for null, lists joined, text that could run as a formula escaped."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, list):
        return "; ".join(cell(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text  # stop spreadsheets running it as a formula
    return text


def _columns(q: Query, rows: list[dict]) -> list[str]:
    if q.is_raw:
        keys = {k for row in rows for k in row}
        first = [k for k in _FIRST_RAW if k in keys]
        last = [k for k in _LAST_RAW if k in keys]
        middle = sorted(keys - set(first) - set(last))
        return first + middle + last
    columns = list(q.group_by)
    if q.period:
        columns += ["_start_at", "_end_at"]
    columns.append("_count")
    for field, method in q.collect:
        columns.append(f"{field}:{method or 'set'}")
    return columns


def _rows(q: Query, data: list[dict]) -> list[dict]:
    if q.period and q.group_by and not q.flatten:
        flat = []
        for group in data:
            head = {f: group.get(f) for f in q.group_by}
            for bucket in group.get("values", []):
                flat.append({**head, **bucket})
        return flat
    return data


def render(q: Query, data: list[dict]) -> bytes:
    """The CSV bytes for a query's ``data``."""
    rows = _rows(q, data)
    columns = _columns(q, rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
    return out.getvalue().encode("utf-8")
