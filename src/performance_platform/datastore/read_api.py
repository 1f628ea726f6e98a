"""The read API: ``GET``/``OPTIONS`` ``/data/<group>/<type>``, legacy ``GET /<name>``, and
``GET /_status/data-sets``.

Every response carries ``Access-Control-Allow-Origin: *``. Successful reads carry an
ETag derived from the data set's version (which changes on every write) and the query,
so a repeated query is answered from the cache, or with 304, without touching records.
"""

import hashlib
from collections.abc import Iterator
from datetime import UTC

import orjson
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import http_date

from . import responses, softcache
from .models import DataSet, stale_data_sets
from .query import UNPUBLISHED_WARNING, csvout, payload
from .query.engine import execute, iter_raw_json_texts, raw_keys, resolve_window
from .query.params import QueryError, parse

NOT_FOUND = "data_set not found"
CORS = {"Access-Control-Allow-Origin": "*"}
CACHE_SECONDS = 24 * 3600


def _with_cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    return response


def find_readable(group: str | None = None, data_type: str | None = None, name: str | None = None):
    """The data set if it exists and is queryable, else None."""
    rows = DataSet.objects.all()
    if name is not None:
        rows = rows.filter(name=name)
    else:
        rows = rows.filter(data_group__name=group, data_type__name=data_type)
    found = rows.first()
    return found if found is not None and found.queryable else None


def options_response() -> HttpResponse:
    response = HttpResponse(b"", status=200)
    del response["Content-Type"]
    response["Access-Control-Max-Age"] = "86400"
    response["Access-Control-Allow-Headers"] = "cache-control, govuk-request-id, request-id"
    response["Allow"] = "HEAD, OPTIONS, GET"
    return _with_cors(response)


def _cache_control(data_set: DataSet) -> str:
    if not data_set.published:
        return "no-cache"
    return f"max-age={120 if data_set.realtime else 1800}, must-revalidate"


def _etag_matches(request, etag: str) -> bool:
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    if header.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return etag in tags


def read(request, data_set: DataSet) -> HttpResponse:
    """Answer a GET for ``data_set``: validate, consult the cache, run, respond."""
    try:
        query = parse(request.GET, raw_queries_allowed=data_set.raw_queries_allowed)
        now = timezone.now()
        window = resolve_window(query, now)
    except QueryError as exc:
        return _with_cors(responses.error(exc.message, 400, parameter=exc.parameter))
    as_csv = query.format == "csv" and data_set.published
    fingerprint = "|".join(
        [
            str(data_set.pk),
            str(data_set.version),
            "1" if data_set.published else "0",
            request.META.get("QUERY_STRING", ""),
            window.start.isoformat() if window.start else "",
            window.end.isoformat() if window.end else "",
        ]
    )
    digest = hashlib.sha1(fingerprint.encode("utf-8", "surrogatepass"), usedforsecurity=False)
    etag = f'"{digest.hexdigest()}"'
    headers = {
        "ETag": etag,
        "Cache-Control": _cache_control(data_set),
        "Last-Modified": http_date((data_set.last_written_at or data_set.created_at).timestamp()),
        **CORS,
    }
    if _etag_matches(request, etag):
        response = HttpResponse(status=304)
        del response["Content-Type"]
        for key, value in headers.items():
            response[key] = value
        return response
    cache_key = f"read:{digest.hexdigest()}"
    cached = softcache.get(cache_key)
    if cached is not None:
        body, content_type = cached
        response = HttpResponse(body, content_type=content_type)
    else:
        try:
            content_type, pieces = _render(data_set, query, now, as_csv=as_csv)
            head, rest = _gather(pieces, settings.CACHE_MAX_ENTRY_BYTES)
        except QueryError as exc:
            return _with_cors(responses.error(exc.message, 400, parameter=exc.parameter))
        if rest is None:
            body = b"".join(head)
            softcache.put(cache_key, (body, content_type), CACHE_SECONDS)
            response = HttpResponse(body, content_type=content_type)
        else:
            # Too large to cache: sent as it is read, never held whole (see _gather).
            response = StreamingHttpResponse(_stream(head, rest), content_type=content_type)
    if as_csv:
        response["Content-Disposition"] = f'attachment; filename="{data_set.name}.csv"'
    for key, value in headers.items():
        response[key] = value
    return response


CSV = "text/csv; charset=utf-8"
JSON = "application/json"
_ROWS_PER_PIECE = 1000


def _gather(pieces: Iterator[bytes], limit: int) -> tuple[list[bytes], Iterator | None]:
    """Read ``pieces`` until they pass ``limit`` bytes.

    Returns ``(pieces, None)`` when the whole body came to at most ``limit`` bytes (it is
    sent whole, with its length, and cached), else ``(pieces so far, the iterator)`` for
    the rest to be streamed. The first piece runs the query, so a query error is still
    found here and answered with a 400.
    """
    head, total = [], 0
    for piece in pieces:
        head.append(piece)
        total += len(piece)
        if total > limit:
            return head, pieces
    return head, None


def _stream(head: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield from head
        head.clear()
        yield from rest
    finally:
        close = getattr(rest, "close", None)
        if close is not None:
            close()  # ends the database cursor, even when the client went away


def _render(data_set: DataSet, query, now, *, as_csv: bool) -> tuple[str, Iterator[bytes]]:
    """The content type and the body, in pieces, for a query.

    Raw queries come from the database a batch at a time. Other queries are built in
    memory (the engine bounds their periods and rows) and written out in pieces, so no
    answer is ever held twice.
    """
    if query.is_raw:
        if as_csv:
            return CSV, _raw_csv(data_set, query, now)
        return JSON, _raw_json(data_set, query, now)
    result = execute(data_set, query, now=now)
    if as_csv:
        return CSV, csvout.render_pieces(query, result.data)
    return JSON, _json_pieces(payload(data_set, result.data))


def _json_pieces(body: dict) -> Iterator[bytes]:
    """``orjson.dumps(body, option=OPT_SORT_KEYS)``, byte for byte, in pieces of rows."""
    rows = body["data"]
    yield b'{"data":['
    for start in range(0, len(rows), _ROWS_PER_PIECE):
        text = orjson.dumps(rows[start : start + _ROWS_PER_PIECE], option=orjson.OPT_SORT_KEYS)
        yield (b"," if start else b"") + text[1:-1]
    rest = {key: value for key, value in body.items() if key != "data"}
    if rest:  # after "data" in sorted order (the only other key is "warning")
        yield b"]," + orjson.dumps(rest, option=orjson.OPT_SORT_KEYS)[1:]
    else:
        yield b"]}"


def _raw_json(data_set: DataSet, query, now) -> Iterator[bytes]:
    """``{"data": [...]}`` for a raw query, joined from the records' stored JSON text."""
    yield b'{"data":['
    first = True
    for batch in iter_raw_json_texts(data_set, query, now=now):
        yield (b"" if first else b",") + b",".join(batch)
        first = False
    tail = b"]"
    if not data_set.published:
        tail += b',"warning":' + orjson.dumps(UNPUBLISHED_WARNING)
    yield tail + b"}"


def _raw_csv(data_set: DataSet, query, now) -> Iterator[bytes]:
    """The CSV of a raw query: its columns from the database, then its records in batches."""
    columns = csvout.raw_columns(raw_keys(data_set, query, now=now))
    records = (
        orjson.loads(text)
        for batch in iter_raw_json_texts(data_set, query, now=now)
        for text in batch
    )
    return csvout.stream(columns, records)


def legacy_read(request, name: str) -> HttpResponse:
    """``GET /<name>``: as ``read``, but errors carry an ETag too (sha1 of the body),
    and a matching ``If-None-Match`` gets 304 whatever the status, as the original did."""
    data_set = find_readable(name=name.lower())
    if data_set is None:
        response = _with_cors(responses.error(NOT_FOUND, 404))
    elif request.method == "OPTIONS":
        return options_response()
    else:
        response = read(request, data_set)
    if response.status_code != 200 and response.status_code != 304:
        etag = f'"{hashlib.sha1(response.content, usedforsecurity=False).hexdigest()}"'
        response["ETag"] = etag
        if _etag_matches(request, etag):
            not_modified = HttpResponse(status=304)
            not_modified["ETag"] = etag
            return _with_cors(not_modified)
    return response


def freshness(now=None) -> dict:
    """``/_status/data-sets``: which data sets are older than their ``max_age_expected``.

    By the platform's one staleness rule (:func:`~.models.stale_data_sets`): the last
    write, not the newest record's ``_timestamp``. A monitored data set never written is
    listed, with ``last-updated`` and ``seconds-out-of-date`` null.
    """
    stale = [
        {
            "name": data_set.name,
            "seconds-out-of-date": fresh.seconds_out_of_date,
            "last-updated": (
                fresh.last_updated.astimezone(UTC).isoformat() if fresh.last_updated else None
            ),
            "max-age-expected": fresh.max_age_expected,
        }
        for data_set, fresh in stale_data_sets(now)
    ]
    if not stale:
        return {"status": "ok", "data_sets": None, "message": "All data_sets are in date"}
    noun = "data-set is" if len(stale) == 1 else "data-sets are"
    return {
        "status": "not okay",
        "data_sets": stale,
        "message": f"{len(stale)} {noun} out of date",
    }
