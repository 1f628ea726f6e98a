"""Google Analytics 4, through Google's own ``google-analytics-data`` client (the ``ga4`` extra).

Two providers:

* :class:`GA4Report` runs a report for each period: either the metrics and dimensions a
  query names (page views, users, devices, browsers), or a **completion** query, counting a
  start and a done event or page, which gives the ``journey`` rows the completion-rate KPI
  reads (``stage`` "start" and "done", with their ``count``).
* :class:`GA4Realtime` counts the users active now, for the ``realtime`` module.

The client speaks REST (``transport="rest"``), to the collector's endpoint, with a service
account's key. The key is exchanged for an access token at its ``token_uri``, which must be
Google's own or on the endpoint's origin (a local fake, in the tests), so a key saved with
another address cannot send a signed assertion elsewhere.

The client's HTTP goes through ``requests``; this module puts the same guards on it as
:mod:`..http` puts on every other collector: no redirect to another origin, a response size
limit, a timeout, no proxy or ``.netrc`` from the environment, and no retries of its own
(the runner retries, with backoff, honouring ``Retry-After``).
"""

import json
import math
import time
from datetime import UTC, datetime
from datetime import time as day_time
from typing import ClassVar
from urllib.parse import urljoin, urlsplit

import requests
from google.analytics.data_v1beta import BetaAnalyticsDataClient
from google.analytics.data_v1beta.services.beta_analytics_data.transports.rest import (
    BetaAnalyticsDataRestTransport,
)
from google.analytics.data_v1beta.types import (
    DateRange,
    Dimension,
    Filter,
    FilterExpression,
    FilterExpressionList,
    Metric,
    MinuteRange,
    RunRealtimeReportRequest,
    RunReportRequest,
)
from google.api_core import exceptions as google_errors
from google.auth import exceptions as auth_errors
from google.auth import transport as auth_transport
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account
from google.protobuf import json_format

from ..errors import AuthFailed, CollectorError, ConfigProblem, Malformed, Retryable
from ..http import MAX_REDIRECTS, origin, provider_message, retry_after
from .base import Period, Provider, Row, Source

#: What the key may do: read reports, nothing else.
SCOPES = ["https://www.googleapis.com/auth/analytics.readonly"]

#: Google's token endpoints (keys made before 2019 name the older one).
GOOGLE_TOKEN_URIS = {
    "https://oauth2.googleapis.com/token",
    "https://accounts.google.com/o/oauth2/token",
}

#: Rows asked for per request (the API's own default); a longer report is paged.
PAGE_ROWS = 10_000
#: The most rows one period's report may have: beyond this the query is too fine.
MAX_ROWS = 250_000

_NAME = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_:]{0,99}$"}
_PROPERTY = {
    "type": "string",
    "pattern": "^[0-9]{1,20}$",
    "description": "The GA4 property's id: digits only, as in the admin's Property details.",
}
_MATCH_TYPES = {
    "exact": Filter.StringFilter.MatchType.EXACT,
    "begins_with": Filter.StringFilter.MatchType.BEGINS_WITH,
    "ends_with": Filter.StringFilter.MatchType.ENDS_WITH,
    "contains": Filter.StringFilter.MatchType.CONTAINS,
    "full_regexp": Filter.StringFilter.MatchType.FULL_REGEXP,
    "partial_regexp": Filter.StringFilter.MatchType.PARTIAL_REGEXP,
}
_ONE_FILTER = {
    "type": "object",
    "required": ["field"],
    "properties": {
        "field": _NAME,
        "match": {"enum": sorted(_MATCH_TYPES)},
        "value": {"type": "string", "maxLength": 500},
        "in": {
            "type": "array",
            "items": {"type": "string", "maxLength": 500},
            "minItems": 1,
            "maxItems": 100,
        },
        "case_sensitive": {"type": "boolean"},
    },
    "oneOf": [{"required": ["value"]}, {"required": ["in"]}],
    "additionalProperties": False,
}
#: The simple filter form: one condition on a dimension, or a list that must all hold.
FILTER_SCHEMA = {
    "oneOf": [
        _ONE_FILTER,
        {"type": "array", "items": _ONE_FILTER, "minItems": 1, "maxItems": 10},
    ]
}
_STAGE = {
    "type": "object",
    "oneOf": [
        {
            "properties": {"event": {"type": "string", "minLength": 1, "maxLength": 40}},
            "required": ["event"],
            "additionalProperties": False,
        },
        {
            "properties": {"page": {"type": "string", "pattern": "^/", "maxLength": 500}},
            "required": ["page"],
            "additionalProperties": False,
        },
    ],
}


class GA4Report(Provider):
    """A Google Analytics 4 report per period: the query's metrics by its dimensions, or a
    completion query's start and done counts (the ``journey`` data type's rows)."""

    key = "ga4"
    title = "Google Analytics 4"
    default_endpoint = "https://analyticsdata.googleapis.com"
    query_schema: ClassVar[dict] = {
        "type": "object",
        "required": ["property"],
        "properties": {
            "property": _PROPERTY,
            "metrics": {"type": "array", "items": _NAME, "minItems": 1, "maxItems": 10},
            "dimensions": {"type": "array", "items": _NAME, "maxItems": 9},
            "dimension_filter": FILTER_SCHEMA,
            "completion": {
                "type": "object",
                "required": ["start", "done"],
                "properties": {"start": _STAGE, "done": _STAGE},
                "additionalProperties": False,
            },
        },
        "oneOf": [
            {"required": ["metrics"], "not": {"required": ["completion"]}},
            {"required": ["completion"], "not": {"required": ["metrics"]}},
        ],
        "additionalProperties": False,
    }
    credentials_schema: ClassVar[dict] = {
        "type": "object",
        "required": ["type", "client_email", "private_key", "token_uri"],
        "properties": {
            "type": {"const": "service_account"},
            "client_email": {"type": "string", "minLength": 3},
            "private_key": {"type": "string", "minLength": 1},
            "token_uri": {"type": "string"},
        },
    }

    def __init__(self):
        self._connection: _Connection | None = None

    def fetch(self, source: Source, period: Period | None) -> list[Row]:
        """The period's rows (``period`` is never ``None``: GA4 reports are per period)."""
        if period is None:
            raise ConfigProblem("A Google Analytics 4 report needs a period.")
        connection = self._connect(source)
        when = datetime.combine(period.start, day_time(0), tzinfo=UTC)
        dates = [DateRange(start_date=period.start.isoformat(), end_date=period.end.isoformat())]
        query = source.query
        if "completion" in query:
            return _completion_rows(connection, query, dates, when)
        request = RunReportRequest(
            property=f"properties/{query['property']}",
            date_ranges=dates,
            metrics=[Metric(name=name) for name in query["metrics"]],
            dimensions=[Dimension(name=name) for name in query.get("dimensions", [])],
            dimension_filter=_filter(query.get("dimension_filter")),
        )
        return [
            Row(timestamp=when, dimensions=dimensions, metrics=metrics)
            for dimensions, metrics in connection.report(request)
        ]

    def _connect(self, source: Source) -> "_Connection":
        # One client (and one access token) for all of a run's periods: the runner makes
        # one provider and one Source per run.
        if self._connection is None or self._connection.source is not source:
            self._connection = _Connection(source)
        return self._connection


class GA4Realtime(GA4Report):
    """The number of users active now (in the last 30 minutes, or the query's
    ``minutes``), as the ``realtime`` module's ``unique_visitors``."""

    key = "ga4-realtime"
    title = "Google Analytics 4 realtime"
    realtime = True
    backfills = False
    periodic = False
    default_every = 120
    query_schema: ClassVar[dict] = {
        "type": "object",
        "required": ["property"],
        "properties": {
            "property": _PROPERTY,
            "minutes": {
                "type": "integer",
                "minimum": 1,
                "maximum": 60,
                "description": "Count users active in this many minutes (GA4 allows "
                "up to 30, or 60 for Analytics 360 properties).",
            },
            "dimension_filter": FILTER_SCHEMA,
        },
        "additionalProperties": False,
    }

    def fetch(self, source: Source, period: Period | None) -> list[Row]:
        """One row: the users active now, timed to the second."""
        query = source.query
        request = RunRealtimeReportRequest(
            property=f"properties/{query['property']}",
            metrics=[Metric(name="activeUsers")],
            dimension_filter=_filter(query.get("dimension_filter")),
        )
        if query.get("minutes"):
            request.minute_ranges = [
                MinuteRange(start_minutes_ago=query["minutes"] - 1, end_minutes_ago=0)
            ]
        rows = self._connect(source).realtime(request)
        # No rows is GA4's way of saying nobody is there.
        count = sum(metrics.get("activeUsers", 0) for _dimensions, metrics in rows)
        return [
            Row(
                timestamp=source.now.replace(microsecond=0),
                dimensions={},
                metrics={"unique_visitors": count},
            )
        ]


def _completion_rows(connection, query: dict, dates, when: datetime) -> list[Row]:
    """The start and done counts: events by ``eventCount``, pages by ``screenPageViews``;
    one request for each kind the query uses (one in all when both are events)."""
    stages = query["completion"]
    wanted: dict[str, dict[str, list[str]]] = {"event": {}, "page": {}}
    for stage in ("start", "done"):
        kind = "event" if "event" in stages[stage] else "page"
        wanted[kind].setdefault(stages[stage][kind], []).append(stage)
    counts = {"start": 0, "done": 0}
    for kind, dimension, metric in (
        ("event", "eventName", "eventCount"),
        ("page", "pagePath", "screenPageViews"),
    ):
        if not wanted[kind]:
            continue
        # Event names and page paths are case-sensitive in GA4, and rows are matched to
        # stages by their exact value.
        only = {"field": dimension, "in": sorted(wanted[kind]), "case_sensitive": True}
        extra = query.get("dimension_filter")
        extra = extra if isinstance(extra, list) else [extra] if extra else []
        request = RunReportRequest(
            property=f"properties/{query['property']}",
            date_ranges=dates,
            metrics=[Metric(name=metric)],
            dimensions=[Dimension(name=dimension)],
            dimension_filter=_filter([only, *extra]),
        )
        for dimensions, metrics in connection.report(request):
            for stage in wanted[kind].get(dimensions.get(dimension), []):
                counts[stage] += metrics.get(metric, 0)
    return [
        Row(timestamp=when, dimensions={"stage": stage}, metrics={"count": counts[stage]})
        for stage in ("start", "done")
    ]


def _filter(spec) -> FilterExpression | None:
    """The API's filter expression for the query's simple form (see FILTER_SCHEMA)."""
    if not spec:
        return None
    if isinstance(spec, list):
        if len(spec) == 1:
            return _filter(spec[0])
        return FilterExpression(
            and_group=FilterExpressionList(expressions=[_filter(one) for one in spec])
        )
    condition = Filter(field_name=spec["field"])
    case = bool(spec.get("case_sensitive", False))
    if "in" in spec:
        condition.in_list_filter = Filter.InListFilter(values=spec["in"], case_sensitive=case)
    else:
        condition.string_filter = Filter.StringFilter(
            match_type=_MATCH_TYPES[spec.get("match", "exact")],
            value=spec["value"],
            case_sensitive=case,
        )
    return FilterExpression(filter=condition)


def number(value: str, metric: str):
    """A metric's value, which the API sends as text: an int if whole, else a float."""
    try:
        parsed = float(value)
    except (TypeError, ValueError):
        raise Malformed(f"Google Analytics sent {value!r} for {metric}, which is not a number.")
    if not math.isfinite(parsed):
        raise Malformed(f"Google Analytics sent {value!r} for {metric}, which is not a number.")
    return int(parsed) if parsed.is_integer() else parsed


class _Connection:
    """A client for one run: the token fetched once, and the guards on its session."""

    def __init__(self, source: Source):
        self.source = source
        endpoint = urlsplit(source.endpoint)
        if endpoint.path.strip("/") or endpoint.query:
            raise ConfigProblem(
                "A Google Analytics endpoint is a scheme and host only, "
                "like https://analyticsdata.googleapis.com."
            )
        self.guard = _Guard(source)
        self.credentials = _credentials(source)
        self.token_request = _TokenRequest(self.guard)
        transport = BetaAnalyticsDataRestTransport(
            host=endpoint.netloc,
            url_scheme=endpoint.scheme,
            credentials=self.credentials,
            # Exchange a signed assertion for a token at the key's token_uri (checked
            # above), through the guards, instead of the client's default self-signed
            # token: a token Google issued fails early and plainly when the key is bad.
            always_use_jwt_access=False,
        )
        # The client builds its own requests session and offers no other way to reach
        # it; the guards below are what a collector may not go without.
        session = getattr(transport, "_session", None)
        if not isinstance(session, AuthorizedSession) or not hasattr(
            session, "_refresh_status_codes"
        ):
            raise CollectorError(
                "This version of google-analytics-data is not supported: "
                "its HTTP session cannot be guarded."
            )
        self.guard.protect(session)
        # A 401 is the answer, not a cue to fetch another token and ask again (the
        # session's default); the token is fetched through the guards, before each call.
        session._refresh_status_codes = ()
        self.client = BetaAnalyticsDataClient(transport=transport)

    def _token(self) -> None:
        if not self.credentials.valid:
            try:
                self.credentials.refresh(self.token_request)
            except auth_errors.RefreshError as exc:
                said = exc.args[0] if exc.args else type(exc).__name__
                raise AuthFailed(f"Google refused the service account's key: {said}")

    def report(self, request: RunReportRequest) -> list[tuple[dict, dict]]:
        """Every row of a report, paged, as (dimensions, metrics) pairs."""
        found: list[tuple[dict, dict]] = []
        request.limit = PAGE_ROWS
        while True:
            request.offset = len(found)
            response = self._call(self.client.run_report, request)
            rows = _rows(response)
            found += rows
            if not rows or len(found) >= response.row_count:
                return found
            if len(found) >= MAX_ROWS:
                raise CollectorError(
                    f"The report has {response.row_count:,} rows for one period, more than "
                    f"{MAX_ROWS:,}: ask for fewer dimensions, or filter them."
                )

    def realtime(self, request: RunRealtimeReportRequest) -> list[tuple[dict, dict]]:
        """The realtime report's rows, as (dimensions, metrics) pairs."""
        return _rows(self._call(self.client.run_realtime_report, request))

    def _call(self, method, request):
        self._token()
        try:
            return method(request=request, retry=None, timeout=self.source.timeout)
        except CollectorError:
            raise  # the guards' own refusals, already in words
        except (
            google_errors.Unauthorized,
            google_errors.Forbidden,
            google_errors.Unauthenticated,
            google_errors.PermissionDenied,
        ) as exc:
            raise AuthFailed(
                f"Google Analytics refused the credentials (HTTP {exc.code}): {_said(exc)}"
            )
        except (
            google_errors.TooManyRequests,
            google_errors.ResourceExhausted,
            google_errors.ServerError,
            google_errors.DeadlineExceeded,
            google_errors.ServiceUnavailable,
        ) as exc:
            response = getattr(exc, "response", None)
            headers = getattr(response, "headers", None) or {}
            raise Retryable(
                f"Google Analytics answered HTTP {exc.code}: {_said(exc)}",
                retry_after=retry_after(headers.get("retry-after")),
            )
        except google_errors.GoogleAPICallError as exc:
            raise CollectorError(f"Google Analytics answered HTTP {exc.code}: {_said(exc)}")
        except (json_format.ParseError, UnicodeDecodeError):
            raise Malformed("The answer from Google Analytics is not a report it could read.")
        except requests.Timeout:
            raise Retryable(
                f"Google Analytics did not answer within {self.source.timeout:g} seconds."
            )
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise Retryable(f"Could not reach Google Analytics ({type(exc).__name__}).")
        except requests.RequestException as exc:
            raise CollectorError(f"The request to Google Analytics failed ({type(exc).__name__}).")


def _said(exc: google_errors.GoogleAPICallError) -> str:
    """Google's own message, on one line and short: the error JSON's ``message`` (the
    exception's own text starts with the request's method and URL)."""
    content = getattr(getattr(exc, "response", None), "content", None)
    if isinstance(content, bytes) and content.strip():
        return provider_message(content)
    return " ".join(str(exc.message).split())[:300]


def _rows(response) -> list[tuple[dict, dict]]:
    dimension_names = [h.name for h in response.dimension_headers]
    metric_names = [h.name for h in response.metric_headers]
    rows = []
    for row in response.rows:
        if len(row.dimension_values) != len(dimension_names) or len(row.metric_values) != len(
            metric_names
        ):
            raise Malformed("A row from Google Analytics does not match the report's headers.")
        dimensions = {
            name: value.value
            for name, value in zip(dimension_names, row.dimension_values, strict=True)
        }
        metrics = {
            name: number(value.value, name)
            for name, value in zip(metric_names, row.metric_values, strict=True)
        }
        rows.append((dimensions, metrics))
    return rows


def _credentials(source: Source) -> service_account.Credentials:
    """The service account's credentials, refused unless its token endpoint is Google's
    own or on the collector's endpoint (as a local fake's is)."""
    info = source.credentials
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise ConfigProblem(
            "The credentials must be a service account's JSON key (its type is "
            "'service_account'): create one in Google Cloud and give it access to the property."
        )
    token_uri = info.get("token_uri")
    if not isinstance(token_uri, str) or not (
        token_uri in GOOGLE_TOKEN_URIS or origin(token_uri) == origin(source.endpoint)
    ):
        raise ConfigProblem(
            "The key's token_uri must be Google's (https://oauth2.googleapis.com/token): "
            "a collector does not send a signed key anywhere else."
        )
    try:
        return service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
    except (ValueError, TypeError, KeyError) as exc:
        # The library's words name missing fields; a key it cannot read is said plainly
        # (its own message could quote part of the key).
        detail = str(exc) if "missing fields" in str(exc) else "its private_key cannot be read"
        raise ConfigProblem(f"The service account key is not usable: {detail}.")


class _Guard:
    """The safety rules for every request the client makes, as ``requests`` hooks: no
    redirect off the origin, a response size limit, a deadline for the body."""

    def __init__(self, source: Source):
        self.source = source

    def protect(self, session: requests.Session) -> None:
        """Put the rules on ``session``."""
        # Proxies, certificates and .netrc from the environment are not the collector's.
        session.trust_env = False
        session.max_redirects = MAX_REDIRECTS
        session.hooks["response"].append(self.check)

    def check(self, response: requests.Response, **kwargs) -> requests.Response:
        """Refuse a redirect off the request's origin; read the body within the limit."""
        url = response.url
        if response.is_redirect:
            target = urljoin(url, response.headers.get("location", ""))
            if origin(target) != origin(url):
                response.close()
                raise CollectorError(
                    f"Refused a redirect from {_where(url)} to {_where(target)}: a collector "
                    "does not follow redirects to other hosts."
                )
            return response
        limit = self.source.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            response.close()
            raise Malformed(_too_big(url, limit))
        deadline = time.monotonic() + self.source.timeout
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise Malformed(_too_big(url, limit))
                if time.monotonic() > deadline:
                    raise Retryable(
                        f"{_where(url)} did not finish answering within "
                        f"{self.source.timeout:g} seconds."
                    )
                chunks.append(chunk)
        except requests.exceptions.ContentDecodingError:
            raise Malformed(f"The answer from {_where(url)} could not be decoded.")
        finally:
            response.close()
        # The body is read now, within the limit; requests keeps it where .content finds it.
        response._content = b"".join(chunks)
        return response


class _TokenRequest(auth_transport.Request):
    """How google-auth reaches the token endpoint: through the same guards, failing fast.

    A 5xx or 429 is :class:`Retryable` at once (google-auth would otherwise retry it
    itself, with its own waits); other answers go back to google-auth, which turns a
    refusal into a ``RefreshError`` with the endpoint's words.
    """

    def __init__(self, guard: _Guard):
        self.guard = guard
        self.session = requests.Session()
        guard.protect(self.session)

    def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
        """Send one request to the token endpoint; the answer as google-auth expects it."""
        try:
            response = self.session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=self.guard.source.timeout,
                allow_redirects=True,
            )
        except requests.Timeout:
            raise Retryable(f"{_where(url)} did not answer within {self.guard.source.timeout:g} s.")
        except requests.ConnectionError as exc:
            raise Retryable(f"Could not reach {_where(url)} ({type(exc).__name__}).")
        if response.status_code == 429 or response.status_code >= 500:
            raise Retryable(
                f"{_where(url)} answered HTTP {response.status_code}: "
                f"{provider_message(response.content)}",
                retry_after=retry_after(response.headers.get("retry-after")),
            )
        if response.status_code == 200:
            try:
                answer = json.loads(response.content)
            except ValueError:
                answer = None
            if not isinstance(answer, dict) or not isinstance(answer.get("access_token"), str):
                raise Malformed(f"The answer from {_where(url)} is not an access token.")
        return _TokenResponse(response)


class _TokenResponse(auth_transport.Response):
    """A ``requests`` answer in google-auth's terms."""

    def __init__(self, response: requests.Response):
        self._response = response

    @property
    def status(self) -> int:
        """The HTTP status."""
        return self._response.status_code

    @property
    def headers(self):
        """The HTTP headers."""
        return self._response.headers

    @property
    def data(self) -> bytes:
        """The body, read within the size limit."""
        return self._response.content


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _too_big(url: str, limit: int) -> str:
    return f"The answer from {_where(url)} is larger than {limit:,} bytes (COLLECTOR_MAX_BYTES)."
