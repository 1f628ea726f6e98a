"""A small Matomo for the demo: its HTTP Reporting API's JSON, with made-up visitors.

``performance-platform demo-provider`` serves it (``make run`` starts it beside the
worker), so the demo's collectors run for real against something that answers as Matomo
does: ``POST /index.php`` (or ``GET``) with ``module=API``, ``method``, ``idSite``,
``period``, ``date`` and ``format=JSON``, and ``token_auth`` in the body. It answers
``VisitsSummary.get``, ``Goals.get``, ``DevicesDetection.getType`` and
``Live.getCounters``; like Matomo, a wrong token or an unknown method is HTTP 200 with
``{"result": "error", "message": ...}``.

The figures are deterministic: a day's visits depend only on the site and the day (with a
weekly rhythm and a little noise), so every request for a day gets the same answer, and
the demo's history (``demo/collectors.py``) holds the same numbers a run would fetch.
Today's figures grow through the day, as a real Matomo's do.
"""

import json
import logging
import math
import random
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

logger = logging.getLogger(__name__)

#: The token the demo's collectors hold; any other is refused, as Matomo refuses it.
DEMO_TOKEN = "demo-matomo-token-not-a-secret"
#: The demo's sites: id -> (name, typical visits on a weekday).
SITES = {1: ("Vehicle tax", 52_000), 2: ("Renew a passport", 18_000)}
#: The goal the demo's completion collectors count (an application sent).
GOALS = {1: ("Application sent", 0.61)}
#: Share of visits by device type (DevicesDetection.getType).
DEVICES = [("Smartphone", 0.58), ("Desktop", 0.34), ("Tablet", 0.08)]
#: The most request body the demo reads (Matomo's requests are a few hundred bytes).
MAX_BODY = 64 * 1024

#: The API methods the demo answers.
METHODS = ("VisitsSummary.get", "Goals.get", "DevicesDetection.getType", "Live.getCounters")

_WEEKDAY = [1.0, 0.97, 0.95, 0.93, 0.88, 0.55, 0.5]


def day_visits(site: int, day: date) -> dict:
    """VisitsSummary.get for one whole day of ``site``: Matomo's fields, as numbers."""
    rng = random.Random(f"{site}:{day.isoformat()}")
    base = SITES[site][1] * _WEEKDAY[day.weekday()] * rng.uniform(0.92, 1.08)
    visits = int(base)
    return {
        "nb_uniq_visitors": int(visits * 0.83),
        "nb_users": 0,
        "nb_visits": visits,
        "nb_actions": int(visits * rng.uniform(3.1, 3.6)),
        "nb_visits_converted": int(visits * GOALS[1][1] * rng.uniform(0.97, 1.03)),
        "bounce_count": int(visits * 0.27),
        "sum_visit_length": visits * 212,
        "max_actions": 96,
        "bounce_rate": "27%",
        "nb_actions_per_visit": 3.3,
        "avg_time_on_site": 212,
    }


def _share_of_today(now: datetime) -> float:
    """How much of a day's visits have come by ``now`` (most come in working hours)."""
    hours = now.hour + now.minute / 60
    return max(0.0, min(1.0, (1 - math.cos(math.pi * hours / 24)) / 2))


def visits(site: int, start: date, end: date, now: datetime) -> dict:
    """VisitsSummary.get for ``start`` to ``end`` (summed, as Matomo's week or month is);
    today counts what has come so far, and days after today nothing."""
    total: dict = {}
    day = start
    while day <= end:
        if day <= now.date():
            figures = day_visits(site, day)
            share = _share_of_today(now) if day == now.date() else 1.0
            for key, value in figures.items():
                if isinstance(value, int):
                    total[key] = total.get(key, 0) + int(value * share)
        day += timedelta(days=1)
    if not total:
        return {}
    total["bounce_rate"] = f"{round(100 * total['bounce_count'] / max(1, total['nb_visits']))}%"
    total["nb_actions_per_visit"] = round(total["nb_actions"] / max(1, total["nb_visits"]), 1)
    total["avg_time_on_site"] = round(total["sum_visit_length"] / max(1, total["nb_visits"]))
    return total


def period_days(period: str, when: date) -> tuple[date, date]:
    """The days of Matomo's ``period`` that holds ``when`` (weeks run Monday to Sunday)."""
    if period == "day":
        return when, when
    if period == "week":
        start = when - timedelta(days=when.weekday())
        return start, start + timedelta(days=6)
    if period == "month":
        start = when.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return start, following - timedelta(days=1)
    if period == "year":
        return when.replace(month=1, day=1), when.replace(month=12, day=31)
    raise ValueError(period)


def live_visitors(site: int, now: datetime, minutes: int) -> int:
    """Visitors in the last ``minutes`` minutes: the demo's realtime rhythm (busiest in
    the early afternoon), steady within each minute."""
    rng = random.Random(f"{site}:{now:%Y-%m-%dT%H:%M}")
    daily = max(0.15, math.sin(math.pi * (now.hour + now.minute / 60 - 6) / 17))
    scale = SITES[site][1] / 52_000 * min(minutes, 30) / 5
    return int((2400 * daily + rng.randint(0, 120)) * scale)


class MatomoError(Exception):
    """What Matomo would answer with ``{"result": "error"}``."""


def answer(params: dict, now: datetime) -> object:
    """The JSON Matomo would answer to ``params`` (the request's merged parameters)."""
    if params.get("module") != "API":
        raise MatomoError("This is the demo's Matomo: only module=API is answered.")
    if params.get("token_auth") != DEMO_TOKEN:
        site = params.get("idSite", "")
        raise MatomoError(
            f"You can't access this resource as it requires 'view' access for the "
            f"website id = {site}."
        )
    method = params.get("method", "")
    try:
        site = int(params.get("idSite", ""))
    except ValueError:
        raise MatomoError("Please specify a value for 'idSite'.")
    if site not in SITES:
        raise MatomoError(f"An unexpected website was found in the request: website id = {site}")
    if method not in METHODS:
        raise MatomoError(f"The method '{method}' does not exist or is not available in the demo.")
    if method == "Live.getCounters":
        minutes = _int(params.get("lastMinutes", "30"), "lastMinutes")
        people = live_visitors(site, now, minutes)
        return [
            {
                "visits": int(people * 1.05),
                "actions": int(people * 3.3),
                "visitors": people,
                "visitsConverted": int(people * 0.1),
            }
        ]
    start, end = _dates(params, now)
    if method == "VisitsSummary.get":
        return visits(site, start, end, now) or []
    if method == "Goals.get":
        figures = visits(site, start, end, now)
        if not figures:
            return []
        goal = params.get("idGoal")
        rate = GOALS[1][1] if goal in (None, "", "1") else 0.0
        converted = figures["nb_visits_converted"] if rate else 0
        return {
            "nb_conversions": converted,
            "nb_visits_converted": converted,
            "revenue": 0,
            "conversion_rate": f"{round(100 * converted / max(1, figures['nb_visits']), 2)}%",
        }
    if method == "DevicesDetection.getType":
        figures = visits(site, start, end, now)
        return [
            {"label": label, "nb_visits": int(figures.get("nb_visits", 0) * share)}
            for label, share in DEVICES
        ]
    raise MatomoError(f"The method '{method}' is not answered by the demo.")


def _int(text: str, name: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise MatomoError(f"The parameter '{name}' is not a number.")


def _dates(params: dict, now: datetime) -> tuple[date, date]:
    period = params.get("period", "")
    text = params.get("date", "")
    if period not in ("day", "week", "month", "year", "range"):
        raise MatomoError("The period is not supported: try day, week, month, year or range.")
    try:
        if period == "range":
            first, last = text.split(",")
            return date.fromisoformat(first), date.fromisoformat(last)
        when = now.date() if text == "today" else date.fromisoformat(text)
    except ValueError:
        raise MatomoError(f"The date '{text[:40]}' is not a date Matomo reads.")
    return period_days(period, when)


class Handler(BaseHTTPRequestHandler):
    """Matomo's API over HTTP: parameters from the URL and the form body, merged."""

    server_version = "DemoMatomo/1.0"

    def do_GET(self):
        self._answer(b"")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(413, {"result": "error", "message": "The request is too large."})
            return
        self._answer(self.rfile.read(length))

    def _answer(self, body: bytes):
        url = urlsplit(self.path)
        if url.path not in ("/", "/index.php"):
            self._send(404, {"result": "error", "message": "Not found: use /index.php."})
            return
        params = dict(parse_qsl(url.query))
        params.update(parse_qsl(body.decode("utf-8", "replace")))
        try:
            data = answer(params, datetime.now(UTC))
        except MatomoError as exc:
            data = {"result": "error", "message": str(exc)}
        self._send(200, data)

    def _send(self, status: int, data: object):
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        # The request line only: a token sent in a URL must not reach the log.
        logger.debug("demo Matomo: %s", self.command)


def make_server(host: str, port: int) -> ThreadingHTTPServer:
    """The demo Matomo, bound and ready to ``serve_forever``."""
    return ThreadingHTTPServer((host, port), Handler)
