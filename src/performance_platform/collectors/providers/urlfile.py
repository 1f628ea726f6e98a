"""A file at a URL: a CSV, spreadsheet or JSON file that someone publishes and keeps up to
date, read whole on every run.

The collector's endpoint is the file's own address. Spreadsheets and CSV are read by the
same code as uploads (:func:`performance_platform.lib.tables.open_table`), so a file
means the same whether it is uploaded or collected; JSON is a list of objects, or the
read API's ``{"data": [...]}``. Each row needs a timestamp (the ``_timestamp`` column
unless the query names another); its text becomes dimensions and its numbers metrics.
Columns are renamed by the collector's mapping (``fields``), like every collector's.

A backfill fetches the file once and keeps the rows whose timestamps fall in its range.
"""

import io
import re
from datetime import UTC, date, datetime, time
from urllib.parse import urlsplit

from performance_platform.datastore.periods import PERIOD_KEYS
from performance_platform.lib.tables import FileRefused, open_table

from ..errors import ConfigProblem, Malformed
from ..http import call
from .base import Period, Provider, Row, Source

FORMATS = ["csv", "json", "xlsx", "ods"]

#: Fields a platform adds to the records it serves (the read API's): dropped, so one
#: platform's data set can feed another's. The id is made again from the record.
STORE_ADDED = frozenset({"_id", "_updated_at", *PERIOD_KEYS})

#: Content types that say which format a file is in, when its address does not.
_CONTENT_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/json": "json",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def parse_timestamp(value: object) -> datetime | None:
    """An ISO 8601 time (UTC unless it says otherwise) or date (its midnight, UTC)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if _DATE.fullmatch(text):
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
        if len(text) < 11 or text[10] not in "T ":
            return None
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def split_values(values: dict, where: str) -> tuple[dict, dict]:
    """A row's fields as dimensions (text, true/false) and metrics (numbers); empty cells
    are left out. Anything else (a list, an object) cannot be a record's field."""
    dimensions, metrics = {}, {}
    for key, value in values.items():
        if value is None or value == "":
            continue
        if isinstance(value, bool) or isinstance(value, str):
            dimensions[key] = value
        elif isinstance(value, int | float):
            metrics[key] = value
        else:
            raise Malformed(f"{where}: {key!r} holds {type(value).__name__}, not text or a number.")
    return dimensions, metrics


class URLFile(Provider):
    """The rows of a CSV, XLSX, ODS or JSON file at the collector's endpoint."""

    key = "url"
    title = "A CSV or JSON file at a URL"
    periodic = False
    backfills = True
    query_schema = {
        "type": "object",
        "properties": {
            "format": {"enum": FORMATS},
            "timestamp": {"type": "string", "minLength": 1},
            "sheet": {"type": "string", "minLength": 1},
        },
        "additionalProperties": False,
    }
    credentials_schema = {
        "type": "object",
        "properties": {
            "bearer_token": {"type": "string", "minLength": 1},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "additionalProperties": False,
    }

    def fetch(self, source: Source, period: Period | None) -> list[Row]:
        """Every row of the file (the runner keeps a backfill's)."""
        answer = call(
            source.endpoint,
            source.endpoint,
            headers=headers(source.credentials),
            timeout=source.timeout,
            max_bytes=source.max_bytes,
        )
        content_type = answer.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() == "text/html":
            # A sign-in or maintenance page served with 200 instead of the file.
            raise Malformed(f"{_where(source.endpoint)} answered with a web page, not the file.")
        kind = file_format(source.query, source.endpoint, content_type)
        column = source.query.get("timestamp", "_timestamp")
        if kind == "json":
            items = json_rows(answer.json())
        else:
            items = table_rows(answer.body, kind, source.query.get("sheet"), column)
        rows = []
        for where, values in items:
            values = {k: v for k, v in values.items() if k not in STORE_ADDED}
            stamp = values.pop(column, None)
            when = parse_timestamp(stamp)
            if when is None:
                shown = "no value" if stamp in (None, "") else repr(stamp)
                raise Malformed(
                    f"{where}: {column!r} has {shown}, not a date (2026-11-16) or an "
                    "ISO 8601 time (2026-11-16T09:00:00Z)."
                )
            dimensions, metrics = split_values(values, where)
            rows.append(Row(when, dimensions, metrics))
        return rows


def _where(url: str) -> str:
    # The address without its query, which may carry a key.
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def headers(credentials: dict) -> dict:
    """The request headers the credentials hold (a bearer token, or headers as given)."""
    sent = {}
    given = credentials.get("headers", {})
    if not isinstance(given, dict):
        raise ConfigProblem("The credentials' headers must be an object of header names to text.")
    for name, value in given.items():
        if not (isinstance(name, str) and _HEADER_NAME.fullmatch(name) and isinstance(value, str)):
            raise ConfigProblem(f"The credentials' header {name!r} is not a header name and text.")
        if "\n" in value or "\r" in value:
            raise ConfigProblem(f"The credentials' header {name!r} holds a line break.")
        sent[name] = value
    token = credentials.get("bearer_token")
    if token:
        if not isinstance(token, str) or "\n" in token or "\r" in token:
            raise ConfigProblem("The credentials' bearer_token must be one line of text.")
        sent["Authorization"] = f"Bearer {token.strip()}"
    return sent


def file_format(query: dict, url: str, content_type: str) -> str:
    """The file's format: as the query says, else by the address's extension, else by the
    answer's content type."""
    if query.get("format"):
        return query["format"]
    path = urlsplit(url).path.lower()
    for kind in FORMATS:
        if path.endswith(f".{kind}"):
            return kind
    kind = _CONTENT_TYPES.get(content_type.split(";")[0].strip().lower())
    if kind:
        return kind
    raise ConfigProblem(
        "Cannot tell the file's format from its address or content type: set the query's "
        f"format to one of {', '.join(FORMATS)}."
    )


def json_rows(data: object) -> list[tuple[str, dict]]:
    """The objects of a JSON file (a list, or ``{"data": [...]}``), each with where it is."""
    if isinstance(data, dict) and "data" in data:
        data = data["data"]
    if not isinstance(data, list):
        raise Malformed('The JSON file is not a list of objects, nor {"data": [...]}.')
    found = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise Malformed(f"Item {number} of the JSON file is not an object.")
        found.append((f"Item {number}", item))
    return found


def table_rows(body: bytes, kind: str, sheet: str | None, column: str) -> list[tuple[str, dict]]:
    """The rows of a CSV or spreadsheet, read as uploads are, each with its row number;
    its header must name the timestamp ``column``."""
    try:
        table = open_table(io.BytesIO(body), f"collected.{kind}", sheet=sheet)
        if column not in table.headers:
            shown = ", ".join(repr(h) for h in table.headers[:10])
            raise Malformed(f"The file has no {column!r} column (its columns: {shown}).")
        found = []
        for row in table.rows:
            if row.problems:
                column, problem = row.problems[0]
                shown = f", column {column}" if column else ""
                raise Malformed(f"Row {row.number}{shown}: {problem}")
            found.append((f"Row {row.number}", row.values))
    except FileRefused as exc:
        raise Malformed(exc.message) from exc
    return found
