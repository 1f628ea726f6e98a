"""A local fake of the Google Analytics Data API (v1beta) and Google's OAuth token endpoint.

It speaks the REST wire format the official client uses: ``POST /token`` takes a service
account's signed JWT assertion (the JWT-bearer grant) and gives an access token;
``POST /v1beta/properties/{id}:runReport`` and ``:runRealtimeReport`` check that token and
answer with the API's JSON (``dimensionHeaders``, ``metricHeaders`` with their types, rows
of ``dimensionValues`` and ``metricValues`` as text, ``rowCount``, ``metadata``, ``kind``).

The numbers are made up but plausible and predictable: each day up to today counts
``BASE[metric] × the factors of its dimension values + the day's weekday`` (Monday 0), so a
whole Monday-to-Sunday week of ``begin_form`` events is ``7 × 10 × 10 + 21 = 721``. Filters
(string, in-list, and/or/not) are applied to the dimension values before summing.

It fails on demand: ``fake.script`` is a queue of :class:`Scripted` answers the next API
(or, with ``on="token"``, token) requests get instead (503, 429 with ``Retry-After``, 401 and
403 with Google's error JSON, malformed bodies, slow answers, a redirect, a huge body).
Every request is kept in ``fake.requests`` (path, body, headers, time) for the tests.
"""

import itertools
import json
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakehttp import FakeServer, JSONHandler

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
#: The audience google-auth signs every assertion for, wherever its token_uri points.
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"

#: Each metric's daily count, before the dimension values' factors.
BASE = {
    "screenPageViews": 100,
    "activeUsers": 40,
    "totalUsers": 45,
    "newUsers": 20,
    "sessions": 50,
    "eventCount": 10,
}
#: The values each dimension takes, with the factor each multiplies its metrics by.
DIMENSIONS = {
    "deviceCategory": {"desktop": 5, "mobile": 4, "tablet": 1},
    "browser": {"Chrome": 6, "Safari": 3, "Edge": 2, "Firefox": 1},
    "eventName": {
        "page_view": 30,
        "begin_form": 10,
        "form_submitted": 6,
        "session_start": 8,
        "first_visit": 2,
    },
    "pagePath": {"/": 20, "/start": 8, "/done": 5, "/help": 1},
}
#: Users active in the realtime report's default 30 minutes.
REALTIME_USERS = 23

#: The Data API's enum values, as the client sends them (``enum-encoding=int``) or named.
MATCH_TYPES = {
    1: "EXACT",
    2: "BEGINS_WITH",
    3: "ENDS_WITH",
    4: "CONTAINS",
    5: "FULL_REGEXP",
    6: "PARTIAL_REGEXP",
}

MESSAGES = {
    401: (
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project.",
    ),
    403: (
        "PERMISSION_DENIED",
        "User does not have sufficient permissions for this property. To learn more about "
        "Property ID, see https://developers.google.com/analytics/devguides/reporting/"
        "data/v1/property-id.",
    ),
    429: (
        "RESOURCE_EXHAUSTED",
        "Exhausted concurrent requests quota for this property.",
    ),
    500: ("INTERNAL", "Internal error encountered."),
    503: ("UNAVAILABLE", "The service is currently unavailable."),
    400: ("INVALID_ARGUMENT", "Field fooBar is not a valid metric."),
}


def google_error(status: int, message: str | None = None) -> dict:
    """Google's error JSON for ``status``."""
    name, words = MESSAGES[status]
    return {"error": {"code": status, "message": message or words, "status": name}}


@dataclass
class Scripted:
    """An answer given instead of the real one: ``status``, ``body`` (a dict is sent as
    JSON, bytes as they are), extra ``headers``, after ``delay`` seconds; ``length`` False
    sends no Content-Length (the body ends when the connection closes)."""

    status: int = 200
    body: dict | bytes | None = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    length: bool = True
    #: "api" (the report endpoints) or "token".
    on: str = "api"


def unavailable() -> Scripted:
    """A 503, as Google sends when the API is briefly down."""
    return Scripted(503, google_error(503))


def too_many(retry_after: int = 1) -> Scripted:
    """A 429 with ``Retry-After``."""
    return Scripted(429, google_error(429), {"Retry-After": str(retry_after)})


def unauthenticated() -> Scripted:
    """A 401 with Google's words."""
    return Scripted(401, google_error(401))


def permission_denied() -> Scripted:
    """A 403: the service account has no access to the property."""
    return Scripted(403, google_error(403))


def malformed() -> Scripted:
    """A 200 whose body is not the API's JSON (a proxy's error page)."""
    return Scripted(200, b"<html><body>Service temporarily overloaded</body></html>")


def slow(seconds: float) -> Scripted:
    """The real answer, late."""
    return Scripted(delay=seconds)


def redirect(to: str) -> Scripted:
    """A 307 to ``to`` (which keeps the method and body, so a client following it would
    post the request, and its token, there)."""
    return Scripted(307, b"", {"Location": to})


def huge(size: int, *, length: bool = True) -> Scripted:
    """A 200 of ``size`` bytes of valid-looking JSON."""
    padding = b" " * max(0, size - 2)
    return Scripted(200, b"{" + padding + b"}", length=length)


@dataclass
class Seen:
    """One request the fake received."""

    method: str
    path: str
    query: dict
    headers: dict
    body: bytes
    json: dict | None
    time: float  # time.monotonic() when it arrived

    @property
    def kind(self) -> str:
        """``token``, ``runReport``, ``runRealtimeReport`` or the path."""
        if self.path == "/token":
            return "token"
        return self.path.rsplit(":", 1)[-1] if ":" in self.path else self.path


def new_service_account(fake: "FakeGA4", email="collector@tax-disc.iam.gserviceaccount.com"):
    """A throwaway service account key, as the JSON Google gives, whose token_uri is the
    fake's; the fake trusts its public key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    key_id = secrets.token_hex(20)
    fake.accounts[email] = key.public_key()
    return {
        "type": "service_account",
        "project_id": "tax-disc-analytics",
        "private_key_id": key_id,
        "private_key": pem,
        "client_email": email,
        "client_id": "109876543210987654321",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": f"{fake.url}/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "universe_domain": "googleapis.com",
    }


class FakeGA4(FakeServer):
    """Start with :meth:`start`; ``url`` is both the API endpoint and the token issuer."""

    def __init__(self, properties=("123456789",)):
        #: The properties the service accounts may read; others get a 403.
        self.properties = set(properties)
        #: Service account email: its public key.
        self.accounts: dict = {}
        self.tokens: set[str] = set()
        self.script: deque[Scripted] = deque()
        self.requests: list[Seen] = []
        self.realtime_users = REALTIME_USERS
        #: The most rows one answer holds (Google's is 250,000; a test can make it small).
        self.page_rows = 250_000
        self._lock = threading.Lock()
        super().__init__(self._handler())

    # --- what the tests use

    def fail(self, *answers: Scripted) -> None:
        """Queue ``answers`` for the next requests they are ``on``."""
        self.script.extend(answers)

    def seen(self, kind: str) -> list[Seen]:
        """The requests of one kind (``token``, ``runReport``, ``runRealtimeReport``)."""
        return [r for r in self.requests if r.kind == kind]

    # --- the numbers

    def daily(self, metric: str, day: date, values: dict) -> int:
        """One day's count of ``metric`` for one combination of dimension values."""
        count = BASE.get(metric, 7)
        for dimension, value in values.items():
            count *= DIMENSIONS.get(dimension, {}).get(value, 1)
        return count + day.weekday()

    def report(self, body: dict) -> dict:
        """A runReport answer for the request ``body``."""
        today = datetime.now(UTC).date()
        days: list[date] = []
        for dates in body.get("dateRanges", []):
            day = date.fromisoformat(dates["startDate"])
            end = min(date.fromisoformat(dates["endDate"]), today)
            while day <= end:
                days.append(day)
                day += timedelta(days=1)
        dimensions = [d["name"] for d in body.get("dimensions", [])]
        metrics = [m["name"] for m in body.get("metrics", [])]
        condition = body.get("dimensionFilter")
        names = list(dict.fromkeys(dimensions + sorted(_fields(condition))))
        totals: dict[tuple, list[int]] = {}
        for day in days:
            choices = [_values(name, day) for name in names]
            for combination in itertools.product(*choices):
                values = dict(zip(names, combination, strict=True))
                if condition and not _passes(condition, values):
                    continue
                key = tuple(values[name] for name in dimensions)
                row = totals.setdefault(key, [0] * len(metrics))
                for i, metric in enumerate(metrics):
                    row[i] += self.daily(metric, day, values)
        # Google orders by the first metric, largest first, unless asked otherwise.
        ordered = sorted(totals.items(), key=lambda item: (-item[1][0] if item[1] else 0, item[0]))
        offset = int(body.get("offset", 0))
        limit = min(int(body.get("limit", 10_000)) or 10_000, self.page_rows)
        rows = [
            {
                "dimensionValues": [{"value": v} for v in key],
                "metricValues": [{"value": str(n)} for n in counts],
            }
            for key, counts in ordered[offset : offset + limit]
        ]
        answer = {
            "dimensionHeaders": [{"name": name} for name in dimensions],
            "metricHeaders": [{"name": name, "type": "TYPE_INTEGER"} for name in metrics],
            "rowCount": len(ordered),
            "metadata": {"currencyCode": "GBP", "timeZone": "Europe/London"},
            "kind": "analyticsData#runReport",
        }
        if rows:
            answer["rows"] = rows  # Google leaves out an empty list
        return answer

    def realtime(self, body: dict) -> dict:
        """A runRealtimeReport answer: the users active now."""
        minutes = 30
        for window in body.get("minuteRanges", []):
            minutes = int(window.get("startMinutesAgo", 29)) - int(window.get("endMinutesAgo", 0))
            minutes += 1
        count = round(self.realtime_users * minutes / 30)
        condition = body.get("dimensionFilter")
        if condition:
            # The share of users whose dimension values pass the filter, by the factors.
            names = sorted(_fields(condition))
            combinations = [
                dict(zip(names, c, strict=True))
                for c in itertools.product(
                    *(list(DIMENSIONS.get(n, {"(not set)": 1})) for n in names)
                )
            ]

            def weight(values):
                total = 1
                for name, value in values.items():
                    total *= DIMENSIONS.get(name, {}).get(value, 1)
                return total

            passing = sum(weight(v) for v in combinations if _passes(condition, v))
            count = round(count * passing / sum(weight(v) for v in combinations))
        answer = {
            "dimensionHeaders": [],
            "metricHeaders": [{"name": m["name"], "type": "TYPE_INTEGER"} for m in body["metrics"]],
            "kind": "analyticsData#runRealtimeReport",
        }
        if count:
            answer["rows"] = [{"metricValues": [{"value": str(count)} for _m in body["metrics"]]}]
            answer["rowCount"] = 1
        return answer

    # --- the server

    def _token(self, seen: Seen):
        form = {k: v[0] for k, v in parse_qs(seen.body.decode()).items()}
        if form.get("grant_type") != JWT_BEARER:
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "Invalid grant_type.",
            }
        assertion = form.get("assertion", "")
        try:
            claims = jwt.decode(assertion, options={"verify_signature": False})
            public_key = self.accounts[claims.get("iss")]
            claims = jwt.decode(
                assertion, public_key, algorithms=["RS256"], audience=GOOGLE_TOKEN_URI
            )
        except (jwt.PyJWTError, KeyError):
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        if SCOPE not in claims.get("scope", "").split():
            return 400, {"error": "invalid_scope", "error_description": "Invalid OAuth scope."}
        token = f"ya29.fake-{secrets.token_urlsafe(24)}"
        with self._lock:
            self.tokens.add(token)
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def _api(self, seen: Seen):
        match = re.fullmatch(
            r"/v1beta/properties/([0-9]+):(runReport|runRealtimeReport)", seen.path
        )
        if not match:
            return 404, {"error": {"code": 404, "message": "Not found.", "status": "NOT_FOUND"}}
        token = seen.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return 401, google_error(401)
        if match.group(1) not in self.properties:
            return 403, google_error(403)
        if seen.json is None:
            return 400, google_error(400, "Invalid JSON payload received.")
        unknown = [m["name"] for m in seen.json.get("metrics", []) if m["name"] not in BASE]
        if unknown:
            return 400, google_error(400, f"Field {unknown[0]} is not a valid metric.")
        if match.group(2) == "runReport":
            return 200, self.report(seen.json)
        return 200, self.realtime(seen.json)

    def _handler(self):
        fake = self

        class Handler(JSONHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                try:
                    parsed = json.loads(body) if body else None
                except ValueError:
                    parsed = None
                parts = urlsplit(self.path)
                seen = Seen(
                    method="POST",
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    json=parsed if isinstance(parsed, dict) else None,
                    time=time.monotonic(),
                )
                on = "token" if seen.kind == "token" else "api"
                with fake._lock:
                    fake.requests.append(seen)
                    scripted = None
                    if fake.script and fake.script[0].on == on:
                        scripted = fake.script.popleft()
                if scripted and scripted.delay:
                    time.sleep(scripted.delay)
                if scripted and (scripted.status != 200 or scripted.body is not None):
                    self._send(scripted)
                    return
                status, answer = fake._token(seen) if on == "token" else fake._api(seen)
                try:
                    self._json(status, answer)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client gave up waiting (a slow answer's timeout)

            def _send(self, scripted: Scripted):
                body = scripted.body
                data = json.dumps(body).encode() if isinstance(body, dict) else body or b""
                self.send_response(scripted.status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                if scripted.length:
                    self.send_header("Content-Length", str(len(data)))
                for name, value in scripted.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client stopped reading: what a size limit does

        return Handler


def _fields(condition) -> set[str]:
    """The dimensions a filter expression names."""
    if not condition:
        return set()
    if "filter" in condition:
        return {condition["filter"]["fieldName"]}
    if "notExpression" in condition:
        return _fields(condition["notExpression"])
    group = condition.get("andGroup") or condition.get("orGroup") or {}
    return set().union(*(_fields(e) for e in group.get("expressions", [])))


def _values(name: str, day: date) -> list[str]:
    if name == "date":
        return [day.strftime("%Y%m%d")]
    return list(DIMENSIONS.get(name, {"(not set)": 1}))


def _passes(condition: dict, values: dict) -> bool:
    """Whether dimension ``values`` pass a filter expression (the API's JSON form)."""
    if "andGroup" in condition:
        return all(_passes(e, values) for e in condition["andGroup"]["expressions"])
    if "orGroup" in condition:
        return any(_passes(e, values) for e in condition["orGroup"]["expressions"])
    if "notExpression" in condition:
        return not _passes(condition["notExpression"], values)
    rule = condition["filter"]
    value = values.get(rule["fieldName"], "(not set)")
    if "inListFilter" in rule:
        spec = rule["inListFilter"]
        wanted = spec.get("values", [])
        if spec.get("caseSensitive"):
            return value in wanted
        return value.lower() in {w.lower() for w in wanted}
    spec = rule["stringFilter"]
    kind = spec.get("matchType", "EXACT")
    kind = MATCH_TYPES.get(kind, kind) if isinstance(kind, int) else kind
    wanted = spec.get("value", "")
    if not spec.get("caseSensitive"):
        value, wanted = value.lower(), wanted.lower()
    return {
        "EXACT": lambda: value == wanted,
        "BEGINS_WITH": lambda: value.startswith(wanted),
        "ENDS_WITH": lambda: value.endswith(wanted),
        "CONTAINS": lambda: wanted in value,
        "FULL_REGEXP": lambda: re.fullmatch(wanted, value) is not None,
        "PARTIAL_REGEXP": lambda: re.search(wanted, value) is not None,
    }[kind]()
