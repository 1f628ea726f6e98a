"""CSV output that opens correctly in a spreadsheet.

ISO 8601 datetimes, a stable column order (group fields, then ``_start_at``/``_end_at``,
then the values), nested ``values`` flattened into rows, and text that could run as a
formula escaped (by :func:`performance_platform.lib.csvsafe.escape_cell`, as every CSV
the project writes).

No byte-order mark: this is the data API's CSV, read by programs, and the original
platform's had none (a mark makes the first column ``\ufeff_start_at`` to a CSV reader).
The site's downloads for people (``site``'s ``.csv`` twins) add one for Excel themselves.
"""

import csv
import io
from collections.abc import Iterable, Iterator

from performance_platform.lib.csvsafe import escape_cell
from performance_platform.lib.csvsafe import writer as csv_writer

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
#: One CSV cell (kept under its old name for this module's callers).
cell = escape_cell


def raw_columns(keys) -> list[str]:
    """The columns of raw records holding ``keys``: the leading internal fields, the
    others in alphabetical order, then ``_updated_at`` and the period fields."""
    keys = set(keys)
    first = [k for k in _FIRST_RAW if k in keys]
    last = [k for k in _LAST_RAW if k in keys]
    middle = sorted(keys - set(first) - set(last))
    return first + middle + last


def _columns(q: Query, rows: list[dict]) -> list[str]:
    if q.is_raw:
        return raw_columns(k for row in rows for k in row)
    columns = list(q.group_by)
    if q.period:
        columns += ["_start_at", "_end_at"]
    columns.append("_count")
    for field, method in q.collect:
        columns.append(f"{field}:{method or 'set'}")
    return columns


def _rows(q: Query, data: list[dict]):
    if q.period and q.group_by and not q.flatten:
        for group in data:
            head = {f: group.get(f) for f in q.group_by}
            for bucket in group.get("values", []):
                yield {**head, **bucket}
        return
    yield from data


#: Bytes gathered before a piece of CSV is handed on (see :func:`stream`).
PIECE_BYTES = 64 * 1024


def stream(columns: list[str], rows: Iterable[dict]) -> Iterator[bytes]:
    """The CSV of ``rows`` under ``columns``, as pieces of about :data:`PIECE_BYTES`.

    Only the piece being written is held, whatever the number of rows. A row fills only
    the cells of the keys it has: a column it lacks is an empty cell, and a record with a
    few fields costs a few cells' work even beside one with thousands.
    """
    index = {column: i for i, column in enumerate(columns)}
    blank = [""] * len(columns)
    out = io.StringIO()
    # The header goes through the escaping writer too; the rows are escaped cell by cell.
    csv_writer(out, lineterminator="\r\n").writerow(columns)
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        cells = blank.copy()
        for key, value in row.items():
            i = index.get(key)
            if i is not None and value is not None:
                cells[i] = cell(value)
        writer.writerow(cells)
        if out.tell() >= PIECE_BYTES:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue().encode("utf-8")


def render_pieces(q: Query, data: list[dict]) -> Iterator[bytes]:
    """The CSV of a query's ``data``, in pieces (see :func:`stream`)."""
    columns = _columns(q, list(_rows(q, data))) if q.is_raw else _columns(q, [])
    return stream(columns, _rows(q, data))


def render(q: Query, data: list[dict]) -> bytes:
    """The CSV bytes for a query's ``data``."""
    return b"".join(render_pieces(q, data))
