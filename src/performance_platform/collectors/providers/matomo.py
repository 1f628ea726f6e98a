"""Matomo: reports and realtime visitor counts from its HTTP Reporting API.

Every request is a POST to ``<endpoint>/index.php`` with the report's parameters in the
URL and ``token_auth`` in the body, as Matomo 4 and later recommend (a token in a URL ends
up in web server and proxy logs; a token created as "only secure requests" is refused in
one). The report is asked for one period at a time: ``period`` is ``day``, ``week`` or
``month`` and ``date`` the period's first day (Matomo's weeks run Monday to Sunday, as
ours do), so a backfill is one request per period.

Matomo answers most failures, a wrong token included, with HTTP 200 and
``{"result": "error", "message": "..."}``. An error about access or the token becomes
:class:`AuthFailed` (the collector is broken until someone fixes its token); any other
becomes a plain :class:`CollectorError` with Matomo's own words.
"""

import re
from datetime import UTC, date, datetime, time
from urllib.parse import urlsplit

from ..errors import AuthFailed, CollectorError, ConfigProblem, Malformed
from ..http import call
from .base import Period, Provider, Row, Source

#: The report methods a collector may call, and the dimension their rows' labels fill.
METHODS = {
    "VisitsSummary.get": None,
    "Goals.get": None,
    "DevicesDetection.getType": "device",
    "DevicesDetection.getBrowsers": "browser",
}

#: Parameters this provider sets itself; a query's ``arguments`` may not change them.
RESERVED = ["module", "method", "format", "token_auth", "idSite", "period", "date"]

#: Numeric columns of Matomo's rows that are not counts (ids and icon sizes).
NOT_METRICS = {"idsubdatatable", "logoWidth", "logoHeight", "idGoal"}

#: Matomo's words when it refuses the token or the user's access (General_ExceptionPrivilege
#: and friends, in English, the API's language unless asked otherwise).
_ACCESS = re.compile(
    r"can't access|cannot access|requires '?\w+'? access|token_auth|token is not valid|"
    r"not authenticated|must be logged in|authentication|permission",
    re.IGNORECASE,
)
_PERCENT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?%")

_ARGUMENT = {"type": ["string", "integer", "number"]}
_STAGE = {
    "description": "A goal's conversions ({goal}), or a metric of a report ({method, metric}).",
    "oneOf": [
        {
            "type": "object",
            "required": ["goal"],
            "properties": {
                "goal": {"type": "integer", "minimum": 1},
                "metric": {"type": "string", "minLength": 1},
            },
            "additionalProperties": False,
        },
        {
            "type": "object",
            "required": ["method", "metric"],
            "properties": {
                "method": {"enum": ["VisitsSummary.get", "Goals.get"]},
                "metric": {"type": "string", "minLength": 1},
                "arguments": {"type": "object", "additionalProperties": _ARGUMENT},
            },
            "additionalProperties": False,
        },
    ],
}
_ARGUMENTS = {
    "type": "object",
    "propertyNames": {"not": {"enum": RESERVED}},
    "additionalProperties": _ARGUMENT,
}


def api_url(endpoint: str) -> str:
    """Matomo's API address under ``endpoint`` (its root, or its ``index.php`` itself)."""
    if urlsplit(endpoint).path.endswith("/index.php"):
        return endpoint
    return endpoint.rstrip("/") + "/index.php"


def _token(source: Source) -> str:
    token = source.credentials.get("token_auth")
    if not isinstance(token, str) or not token.strip():
        raise ConfigProblem("A Matomo collector needs a token_auth in its credentials.")
    return token.strip()


def request(source: Source, method: str, idsite: int, **parameters) -> object:
    """One Matomo API call's answer, read as JSON, with Matomo's error results raised."""
    params = {"module": "API", "method": method, "idSite": idsite, "format": "JSON"}
    params.update(parameters)
    answer = call(
        source.endpoint,
        api_url(source.endpoint),
        method="POST",
        params=params,
        data={"token_auth": _token(source)},
        timeout=source.timeout,
        max_bytes=source.max_bytes,
    )
    data = answer.json()
    if isinstance(data, dict) and data.get("result") == "error":
        said = " ".join(str(data.get("message", "")).split())[:300] or "no reason given"
        if _ACCESS.search(said):
            raise AuthFailed(f"Matomo refused the token for site {idsite} ({method}): {said}")
        raise CollectorError(f"Matomo could not answer {method} for site {idsite}: {said}")
    return data


def number(value: object) -> int | float | None:
    """A Matomo value as a number: numbers as they are, ``"45%"`` as 0.45, else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _PERCENT.fullmatch(value.strip()):
        return round(float(value.strip()[:-1]) / 100, 6)
    return None


def metrics_of(row: dict, wanted: list[str] | None) -> dict:
    """The numbers in one of Matomo's rows (only ``wanted`` ones, if given)."""
    found = {}
    for key, value in row.items():
        if key in NOT_METRICS or (wanted and key not in wanted):
            continue
        value = number(value)
        if value is not None:
            found[key] = value
    return found


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _period_parameters(period: Period) -> dict:
    return {"period": period.time_span, "date": period.start.isoformat()}


class MatomoReport(Provider):
    """A Matomo report for each period: a summary, a goal, visits by device or browser,
    or a journey's start and done counts for the completion rate."""

    key = "matomo"
    title = "Matomo"
    query_schema = {
        "type": "object",
        "required": ["site_id"],
        "properties": {
            "site_id": {"type": "integer", "minimum": 1},
            "method": {"enum": list(METHODS)},
            "arguments": _ARGUMENTS,
            "metrics": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "dimension": {"type": "string", "minLength": 1},
            "completion": {
                "type": "object",
                "required": ["start", "done"],
                "properties": {"start": _STAGE, "done": _STAGE},
                "additionalProperties": False,
            },
        },
        "oneOf": [{"required": ["method"]}, {"required": ["completion"]}],
        "additionalProperties": False,
    }
    credentials_schema = {
        "type": "object",
        "required": ["token_auth"],
        "properties": {"token_auth": {"type": "string", "minLength": 1}},
        "additionalProperties": False,
    }

    def fetch(self, source: Source, period: Period | None) -> list[Row]:
        """The report's rows for ``period``, stamped with its first day."""
        if period is None:
            raise ConfigProblem("A Matomo report is fetched a period at a time.")
        query = source.query
        if "completion" in query:
            return self._completion(source, period)
        method = query["method"]
        data = request(
            source,
            method,
            query["site_id"],
            **_period_parameters(period),
            **query.get("arguments", {}),
        )
        when = _midnight(period.start)
        wanted = query.get("metrics")
        label = METHODS[method]
        if label is None:
            # A single-row report: an object, or [] on a day Matomo has no data for.
            if data == []:
                return []
            if not isinstance(data, dict):
                raise Malformed(f"Matomo's answer to {method} is not an object of numbers.")
            return [Row(when, {}, metrics_of(data, wanted))]
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise Malformed(f"Matomo's answer to {method} is not a list of rows.")
        dimension = query.get("dimension", label)
        rows = []
        for entry in data:
            if not isinstance(entry.get("label"), str):
                raise Malformed(f"A row of Matomo's answer to {method} has no label.")
            rows.append(Row(when, {dimension: entry["label"]}, metrics_of(entry, wanted)))
        return rows

    def _completion(self, source: Source, period: Period) -> list[Row]:
        when = _midnight(period.start)
        rows = []
        for stage in ("start", "done"):
            spec = source.query["completion"][stage]
            if "goal" in spec:
                method, arguments = "Goals.get", {"idGoal": spec["goal"]}
                metric = spec.get("metric", "nb_conversions")
            else:
                method, arguments, metric = (
                    spec["method"],
                    spec.get("arguments", {}),
                    spec["metric"],
                )
            data = request(
                source, method, source.query["site_id"], **_period_parameters(period), **arguments
            )
            # [] is Matomo's "nothing recorded": no conversions that period.
            if data == []:
                data = {}
            if not isinstance(data, dict):
                raise Malformed(f"Matomo's answer to {method} is not an object of numbers.")
            count = number(data.get(metric, 0))
            if count is None or count < 0 or count != int(count):
                raise Malformed(
                    f"Matomo's {method} {metric} for {period.start} is {data.get(metric)!r}, "
                    "not a count."
                )
            rows.append(Row(when, {"stage": stage}, {"count": int(count)}))
        return rows


class MatomoRealtime(Provider):
    """Visitors in the last few minutes (``Live.getCounters``), one record a run."""

    key = "matomo-realtime"
    title = "Matomo realtime"
    realtime = True
    backfills = False
    periodic = False
    default_every = 120
    query_schema = {
        "type": "object",
        "required": ["site_id"],
        "properties": {
            "site_id": {"type": "integer", "minimum": 1},
            "last_minutes": {"type": "integer", "minimum": 1, "maximum": 2880},
        },
        "additionalProperties": False,
    }
    credentials_schema = MatomoReport.credentials_schema

    #: Minutes counted when the query does not say.
    DEFAULT_MINUTES = 5

    def fetch(self, source: Source, period: Period | None) -> list[Row]:
        """One row: the unique visitors in the last ``last_minutes`` minutes, now."""
        minutes = source.query.get("last_minutes", self.DEFAULT_MINUTES)
        data = request(source, "Live.getCounters", source.query["site_id"], lastMinutes=minutes)
        if not (isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict)):
            raise Malformed("Matomo's answer to Live.getCounters is not one row of counts.")
        # Matomo before 4 sent these counts as strings.
        visitors = data[0].get("visitors")
        if isinstance(visitors, str) and visitors.isdigit():
            visitors = int(visitors)
        if not isinstance(visitors, int) or isinstance(visitors, bool) or visitors < 0:
            raise Malformed(f"Matomo's visitor count is {visitors!r}, not a count.")
        now = source.now.astimezone(UTC).replace(microsecond=0)
        return [Row(now, {}, {"unique_visitors": visitors})]
