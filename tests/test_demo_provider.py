"""The demo's Matomo (``demo-provider``): Matomo's JSON over real HTTP, and the demo's
collectors running against it through the real Matomo provider."""

import json
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from performance_platform.demo import matomo
from performance_platform.demo.matomo import DEMO_TOKEN


@pytest.fixture
def demo_matomo():
    """The demo Matomo on a free port, in this process; its base URL."""
    server = matomo.make_server("127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def ask(base: str, token: str = DEMO_TOKEN, **params):
    """A request as the Matomo provider sends it: parameters in the URL, token in the body."""
    return httpx.post(
        base + "index.php",
        params={"module": "API", "format": "JSON", **params},
        data={"token_auth": token},
        timeout=5,
    )


def test_visits_for_a_day_a_week_and_a_month(demo_matomo):
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    day = ask(demo_matomo, method="VisitsSummary.get", idSite=1, period="day", date=yesterday)
    assert day.status_code == 200
    assert day.headers["content-type"].startswith("application/json")
    figures = day.json()
    assert figures == matomo.day_visits(1, yesterday) | {
        "bounce_rate": figures["bounce_rate"],
        "nb_actions_per_visit": figures["nb_actions_per_visit"],
    }
    assert figures["bounce_rate"].endswith("%")
    # The same day asked again is the same answer.
    again = ask(demo_matomo, method="VisitsSummary.get", idSite=1, period="day", date=yesterday)
    assert again.json() == figures
    week = ask(demo_matomo, method="VisitsSummary.get", idSite=1, period="week", date="2026-11-02")
    assert week.json()["nb_visits"] == sum(
        matomo.day_visits(1, datetime(2026, 11, d).date())["nb_visits"] for d in range(2, 9)
    )
    future = ask(demo_matomo, method="VisitsSummary.get", idSite=1, period="day", date="2099-01-01")
    assert future.json() == []  # Matomo's "no data"


def test_goals_devices_and_live_counters(demo_matomo):
    goal = ask(demo_matomo, method="Goals.get", idSite=1, idGoal=1, period="day", date="2026-11-02")
    assert set(goal.json()) == {
        "nb_conversions",
        "nb_visits_converted",
        "revenue",
        "conversion_rate",
    }
    assert 0 < goal.json()["nb_conversions"]
    devices = ask(
        demo_matomo, method="DevicesDetection.getType", idSite=1, period="day", date="2026-11-02"
    ).json()
    assert [row["label"] for row in devices] == ["Smartphone", "Desktop", "Tablet"]
    live = ask(demo_matomo, method="Live.getCounters", idSite=1, lastMinutes=5).json()
    assert len(live) == 1 and set(live[0]) == {"visits", "actions", "visitors", "visitsConverted"}
    assert live[0]["visitors"] > 0


def test_a_get_with_the_token_in_the_url_works_too(demo_matomo):
    response = httpx.get(
        demo_matomo,
        params={"module": "API", "method": "Live.getCounters", "idSite": 1, "lastMinutes": 5}
        | {"format": "JSON", "token_auth": DEMO_TOKEN},
    )
    assert response.json()[0]["visitors"] >= 0


@pytest.mark.parametrize(
    ("token", "params", "message"),
    [
        ("wrong", {"method": "Live.getCounters", "idSite": 1}, "requires 'view' access"),
        (DEMO_TOKEN, {"method": "Nope.get", "idSite": 1}, "The method 'Nope.get' does not exist"),
        (DEMO_TOKEN, {"method": "VisitsSummary.get", "idSite": 9}, "unexpected website"),
        (
            DEMO_TOKEN,
            {"method": "VisitsSummary.get", "idSite": "x"},
            "specify a value for 'idSite'",
        ),
        (DEMO_TOKEN, {"method": "VisitsSummary.get", "idSite": 1, "period": "hour"}, "period"),
        (
            DEMO_TOKEN,
            {"method": "VisitsSummary.get", "idSite": 1, "period": "day", "date": "soon"},
            "'soon' is not a date",
        ),
    ],
)
def test_errors_are_matomos_200_error_results(demo_matomo, token, params, message):
    response = ask(demo_matomo, token=token, **params)
    assert response.status_code == 200
    body = response.json()
    assert body["result"] == "error"
    assert message in body["message"]


def test_other_paths_are_404(demo_matomo):
    response = httpx.get(demo_matomo + "admin")
    assert response.status_code == 404
    assert json.loads(response.text)["result"] == "error"


@pytest.mark.django_db
def test_the_demo_collectors_run_against_the_demo_matomo(demo_matomo, settings):
    """Both demo collectors, as load-demo configures them, fetch for real."""
    from performance_platform.collectors.running import run_collector
    from performance_platform.configuration.importer import import_config
    from performance_platform.datastore.models import DataSet, Record
    from performance_platform.demo import collectors as demo_collectors

    settings.DEMO_PROVIDER_URL = demo_matomo
    import_config(
        {
            "data_sets": [
                *demo_collectors.data_sets_config(),
                {"data_group": "vehicle-tax", "data_type": "realtime"},
            ],
            "collectors": demo_collectors.collectors_config(),
        }
    )
    from performance_platform.collectors.models import Collector

    for name, expected in (("vehicle-tax-visits", 2), ("vehicle-tax-realtime", 1)):
        collector = Collector.objects.get(name=name)
        outcome = run_collector(collector)
        assert outcome.ok, outcome.run.message
        assert outcome.run.records == expected
        collector.refresh_from_db()
        assert collector.state == "working"
    visits = Record.objects.filter(data_set=DataSet.objects.get(name="vehicle_tax_visits"))
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date()
    by_day = {r.data["_timestamp"][:10]: r.data for r in visits}
    assert (
        by_day[yesterday.isoformat()]["nb_visits"] == matomo.day_visits(1, yesterday)["nb_visits"]
    )
    # The history load-demo writes has the ids a real run makes: a run overwrites it.
    history = {r["_id"] for r in demo_collectors.visit_records(datetime.now(UTC))}
    assert {r.record_id for r in visits} <= history
    live = Record.objects.get(data_set__name="vehicle_tax_realtime").data
    assert live["for_url"] == "/vehicle-tax" and live["unique_visitors"] >= 0
