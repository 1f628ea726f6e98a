"""A fake Matomo speaking its HTTP Reporting API's JSON, with numbers that depend only on
the site and the day (so a test can say exactly what a period holds).

Like Matomo it answers at ``/index.php`` with ``module=API``, aggregates a week or a
month from its days (Monday-to-Sunday weeks), answers ``[]`` for a day without data
(before :data:`FIRST_DAY`), and answers failures with HTTP 200 and
``{"result": "error", "message": ...}``: a wrong or missing token reads as the anonymous
user's lack of access, as Matomo 4 and 5 word it. Unlike Matomo it insists the token
comes in the POST body, never the URL (a 400 otherwise), so a test fails loudly if the
collector ever leaks it into an address.
"""

import json
from datetime import date, timedelta

from .scripted import Scripted, ScriptedFake, Seen

TOKEN = "matomo-token-3f9a7c"
#: Matomo has data from this day on.
FIRST_DAY = date(2025, 1, 1)
NO_ACCESS = "You can't access this resource as it requires 'view' access for the website id = {}."


def access_error(site: int = 1) -> Scripted:
    """Matomo's answer to a token without access: HTTP 200 and an error result."""
    return Scripted(200, _json({"result": "error", "message": NO_ACCESS.format(site)}))


def error_result(message: str) -> Scripted:
    """Any other of Matomo's error results (HTTP 200)."""
    return Scripted(200, _json({"result": "error", "message": message}))


def _json(data) -> bytes:
    return json.dumps(data).encode()


def days(period: str, day: date) -> list[date]:
    """The days of Matomo's ``period`` containing ``day``, as far as the data goes."""
    if period == "day":
        span = [day]
    elif period == "week":
        monday = day - timedelta(days=day.weekday())
        span = [monday + timedelta(days=n) for n in range(7)]
    elif period == "month":
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        span = [first + timedelta(days=n) for n in range((following - first).days)]
    else:
        raise ValueError(period)
    return [d for d in span if d >= FIRST_DAY]


def visits(site: int, day: date) -> int:
    """The site's visits on ``day``: 100 a site, plus ten times the day of the month."""
    return 100 * site + 10 * day.day


def conversions(site: int, goal: int, day: date) -> int:
    """Goal conversions: goal 1 (the start) 9 a day of the month, goal 2 (done) 6."""
    return {1: 9, 2: 6}.get(goal, 1) * day.day * site


def summary(site: int, span: list[date]) -> dict:
    """VisitsSummary.get for those days, with Matomo's columns (bounce rate as text)."""
    nb_visits = sum(visits(site, d) for d in span)
    return {
        "nb_uniq_visitors": sum(visits(site, d) * 8 // 10 for d in span),
        "nb_users": 0,
        "nb_visits": nb_visits,
        "nb_actions": 3 * nb_visits,
        "nb_visits_converted": sum(conversions(site, 1, d) for d in span),
        "bounce_count": nb_visits // 4,
        "sum_visit_length": 95 * nb_visits,
        "max_actions": 42,
        "bounce_rate": "25%",
        "nb_actions_per_visit": 3,
        "avg_time_on_site": 95,
    }


def goal(site: int, goal_id: int, span: list[date]) -> dict:
    """Goals.get for one goal over those days."""
    converted = sum(conversions(site, goal_id, d) for d in span)
    return {
        "nb_conversions": converted,
        "nb_visits_converted": converted,
        "revenue": round(converted * 2.5, 2),
        "conversion_rate": "1.5%",
        "nb_conversions_new_visit": converted // 2,
        "revenue_per_visit": 0.12,
    }


#: Shares of visits by device type and browser, in Matomo's labels.
DEVICES = {"Desktop": 6, "Smartphone": 3, "Tablet": 1}
BROWSERS = {"Chrome": 5, "Firefox": 3, "Safari": 2}


def split(site: int, span: list[date], shares: dict, segment: str) -> list[dict]:
    """A DevicesDetection report: one row a label, its share of the visits in tenths."""
    total = sum(visits(site, d) for d in span)
    if not total:
        return []
    return [
        {
            "label": label,
            "nb_uniq_visitors": total * share // 10 * 8 // 10,
            "nb_visits": total * share // 10,
            "nb_actions": 3 * (total * share // 10),
            "max_actions": 42,
            "sum_visit_length": 95 * (total * share // 10),
            "bounce_count": total * share // 40,
            "nb_visits_converted": share,
            "segment": f"{segment}=={label.lower()}",
            "logo": f"plugins/Morpheus/icons/dist/devices/{label.lower()}.png",
        }
        for label, share in shares.items()
    ]


class FakeMatomo(ScriptedFake):
    """A Matomo serving ``sites`` to the holder of ``token``."""

    def __init__(self, token: str = TOKEN, sites=(1, 2)):
        self.token = token
        self.sites = set(sites)
        super().__init__()

    def api_calls(self) -> list[dict]:
        """The parameters of every request, token excluded (the body's, merged)."""
        return [
            {k: v for k, v in seen.params.items() if k != "token_auth"} for seen in self.requests
        ]

    def answer(self, seen: Seen) -> tuple[int, dict, bytes]:
        """What Matomo answers to ``seen``."""
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if seen.path != "/index.php":
            return 404, {"Content-Type": "text/html"}, b"<h1>Not Found</h1>"
        if "token_auth" in seen.query or seen.method != "POST":
            return 400, headers, _json({"message": "send token_auth in a POST body"})
        params = seen.params
        site = int(params.get("idSite", "0") or 0)
        if seen.form.get("token_auth") != self.token:
            return 200, headers, _json({"result": "error", "message": NO_ACCESS.format(site)})
        if params.get("module") != "API" or params.get("format", "").lower() != "json":
            return 200, headers, _json({"result": "error", "message": "Unknown module or format"})
        if site not in self.sites:
            message = (
                f"An unexpected website was found in the request: website id was set to '{site}' ."
            )
            return 200, headers, _json({"result": "error", "message": message})
        method = params.get("method", "")
        if method == "Live.getCounters":
            minutes = int(params.get("lastMinutes", "30"))
            counts = {"visits": minutes + 4, "actions": 3 * minutes, "visitors": minutes + 2}
            return 200, headers, _json([{**counts, "visitsConverted": 1}])
        try:
            span = days(params["period"], date.fromisoformat(params["date"]))
        except (KeyError, ValueError):
            message = "The date or period is not valid."
            return 200, headers, _json({"result": "error", "message": message})
        if method == "VisitsSummary.get":
            data = summary(site, span) if span else []
        elif method == "Goals.get":
            goal_id = int(params.get("idGoal", "0") or 0)
            data = goal(site, goal_id, span) if span else []
        elif method == "DevicesDetection.getType":
            data = split(site, span, DEVICES, "deviceType")
        elif method == "DevicesDetection.getBrowsers":
            data = split(site, span, BROWSERS, "browserCode")
        else:
            message = f"The method '{method}' does not exist or is not available in the module."
            return 200, headers, _json({"result": "error", "message": message})
        return 200, headers, _json(data)
