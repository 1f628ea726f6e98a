"""The read query engine: parse → validate → plan → SQL → shape.

A plain Python API, used by the read API, the site and the KPI code alike, so a chart
shows exactly what ``/data/<group>/<type>`` returns::

    from performance_platform.datastore.query import run_query
    payload = run_query(data_set, {"period": "week", "duration": "52", "group_by": "channel"})
"""

from datetime import datetime

from django.http import QueryDict
from django.utils import timezone

from .engine import Result, execute
from .params import Query, QueryError, parse

UNPUBLISHED_WARNING = (
    "Warning: This data-set is unpublished. Data may be subject to change or be inaccurate."
)


def as_querydict(params) -> QueryDict:
    """Accept a QueryDict, a query string, or a dict of strings / lists of strings."""
    if isinstance(params, QueryDict):
        return params
    if isinstance(params, str):
        return QueryDict(params)
    qd = QueryDict(mutable=True)
    for key, value in (params or {}).items():
        qd.setlist(
            key, [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
        )
    return qd


def parse_query(data_set, params, *, allow_raw: bool = False) -> Query:
    """Validate read-API parameters for ``data_set``; raises QueryError (a 400).

    ``allow_raw`` lifts the data set's ``raw_queries_allowed`` for the platform's own
    readers (transforms), which are not the public API it protects.
    """
    raw = allow_raw or data_set.raw_queries_allowed
    return parse(as_querydict(params), raw_queries_allowed=raw)


def payload(data_set, data: list) -> dict:
    """The response body: ``{"data": [...]}``, with the warning when unpublished."""
    body = {"data": data}
    if not data_set.published:
        body["warning"] = UNPUBLISHED_WARNING
    return body


def run_query(data_set, params, *, now: datetime | None = None, allow_raw: bool = False) -> dict:
    """Run a read query and return exactly the JSON body ``/data/...`` would return."""
    query = parse_query(data_set, params, allow_raw=allow_raw)
    result = execute(data_set, query, now=now or timezone.now())
    return payload(data_set, result.data)


__all__ = ["Query", "QueryError", "Result", "execute", "parse_query", "payload", "run_query"]
