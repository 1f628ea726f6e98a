"""The demo that ``make run`` loads: enough services, plausible figures, and its flaws.

The demo is loaded once for the module (it takes a few seconds) inside a transaction
that is rolled back at the end, so other test modules never see it. Each test runs in
its own savepoint on top of it. Everything is read back through the real code paths:
the read query engine and the KPI summaries.
"""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from performance_platform.configuration.checks import validate
from performance_platform.datastore.models import DataGroup, DataSet, Record, default_name
from performance_platform.datastore.query import run_query
from performance_platform.demo.data import DEPARTMENTS, SERVICES, demo_config, load_demo
from performance_platform.kpis.models import Transform
from performance_platform.kpis.summaries import all_summaries, service_kpis

pytestmark = pytest.mark.django_db

SLUGS = [s["slug"] for s in SERVICES]
KPIS = {
    "transactions_per_year",
    "digital_takeup",
    "completion_rate",
    "user_satisfaction",
    "cost_per_transaction",
}


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    """Load the demo once; roll it back after the module's last test."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo()
        transaction.set_rollback(True)


def data_set(slug: str, data_type: str) -> DataSet:
    return DataSet.objects.get(name=default_name(slug, data_type))


def raw(slug: str, data_type: str) -> list[dict]:
    """Every record of a data set, oldest first, through the read query engine."""
    return run_query(data_set(slug, data_type), {"sort_by": "_timestamp:ascending"})["data"]


def flagged(key: str) -> list[str]:
    return [s["slug"] for s in SERVICES if s.get(key)]


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# --- the catalogue ------------------------------------------------------------------------


def test_at_least_twelve_services_in_exactly_four_departments():
    assert len(SERVICES) >= 12
    assert len(set(SLUGS)) == len(SLUGS)
    assert len(DEPARTMENTS) == 4
    assert {s["department"] for s in SERVICES} == set(DEPARTMENTS)
    for department in DEPARTMENTS.values():
        assert department["name"] and department["abbreviation"]
    # Every service is a data group with its raw data sets.
    assert set(SLUGS) <= set(DataGroup.objects.values_list("name", flat=True))
    for slug in SLUGS:
        assert DataSet.objects.filter(data_group__name=slug, data_type__name="journey").exists()


def test_the_config_is_valid_and_holds_the_kpi_transforms():
    config = demo_config()
    validate(config)
    for entry in config["data_sets"]:
        assert entry["published"] is True and entry["raw_queries_allowed"] is True
    type_wide = [t for t in config["transforms"] if "data_group" not in t["input"]]
    assert len(type_wide) == 10
    assert {(t["type"], t["input"]["data_type"]) for t in type_wide} >= {
        ("digital_takeup", "transactions-by-channel"),
        ("completion_rate", "journey"),
        ("user_satisfaction", "customer-satisfaction"),
        ("cost_per_transaction", "cost-per-transaction"),
        ("cost_per_transaction", "total-cost"),
        ("kpi_summary", "cost-per-transaction-by-quarter"),
    }
    specific = [t for t in config["transforms"] if "data_group" in t["input"]]
    assert specific == [
        {
            "type": "digital_takeup",
            "input": {"data_group": "vehicle-tax", "data_type": "transactions-by-channel"},
            "options": {"channels": ["digital", "api"]},
        }
    ]


def test_every_transform_ran_without_error():
    assert Transform.objects.exists()
    assert list(Transform.objects.exclude(last_error="").values_list("last_error", flat=True)) == []
    statuses = set(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == {"SUCCESSFUL"}


# --- the figures --------------------------------------------------------------------------


def test_every_service_has_two_years_of_weekly_transactions():
    for slug in SLUGS:
        records = raw(slug, "transactions-by-channel")
        weeks = {dt(r["_timestamp"]) for r in records}
        assert len(weeks) >= 104, slug
        assert all(w.weekday() == 0 and w.time() == datetime.min.time() for w in weeks), slug
        assert {r["period"] for r in records} == {"week"}, slug
        channels = {r["channel"] for r in records}
        assert channels <= {"digital", "api", "telephone_human", "paper_form", "face_to_face"}
        assert "digital" in channels and len(channels) >= 2, slug
    # Channels differ between services.
    assert (
        len({frozenset(r["channel"] for r in raw(s, "transactions-by-channel")) for s in SLUGS}) > 2
    )


def test_volumes_are_seasonal_with_the_peak_where_the_service_has_it():
    for service in SERVICES:
        if service["seasonality"] < 0.2:
            continue
        ds = data_set(service["slug"], "transactions-by-channel")
        rows = run_query(
            ds,
            {
                "period": "month",
                "collect": "count:sum",
                "duration": "12",
                "end_at": f"{timezone.now().year}-{timezone.now().month:02d}-01T00:00:00Z",
            },
        )["data"]
        # Weekly totals per month (months hold 4 or 5 Mondays).
        by_month = {dt(r["_start_at"]).month: r["count:sum"] / (r["_count"] or 1) for r in rows}
        busiest = max(by_month, key=by_month.get)
        distance = min(
            (busiest - service["peak_month"]) % 12, (service["peak_month"] - busiest) % 12
        )
        assert distance <= 1, (service["slug"], busiest)
        assert max(by_month.values()) > 1.2 * min(by_month.values()), service["slug"]


def test_digital_takeup_rises_for_every_service():
    for slug in SLUGS:
        rates = [r["rate"] for r in raw(slug, "digital-takeup") if r["rate"] is not None]
        assert len(rates) >= 104, slug
        first, last = sum(rates[:12]) / 12, sum(rates[-12:]) / 12
        assert last > first + 0.05, (slug, first, last)
        assert 0.3 < first < last < 1, slug


def test_the_vehicle_tax_transform_counts_api_as_digital():
    """Its own transform replaces the type-wide one, which counts only "digital"."""
    slug = "vehicle-tax"
    takeup = {r["_timestamp"]: r for r in raw(slug, "digital-takeup")}
    counts: dict[str, dict[str, int]] = {}
    for r in raw(slug, "transactions-by-channel"):
        counts.setdefault(dt(r["_timestamp"]).isoformat(), {})[r["channel"]] = r["count"]
    assert len(counts) >= 104
    for stamp, channels in counts.items():
        assert channels["api"] > 0
        expected = (channels["digital"] + channels["api"]) / sum(channels.values())
        assert takeup[stamp]["rate"] == pytest.approx(expected), stamp
    # Another service with an api channel keeps the type-wide rule (digital only).
    stamp, channels = next(
        iter((dt(r["_timestamp"]).isoformat(), r) for r in raw("self-assessment", "digital-takeup"))
    )
    week = [
        r for r in raw("self-assessment", "transactions-by-channel") if r["_timestamp"] == stamp
    ]
    by_channel = {r["channel"]: r["count"] for r in week}
    assert by_channel["api"] > 0
    assert channels["rate"] == pytest.approx(by_channel["digital"] / sum(by_channel.values()))


def test_user_satisfaction_stays_between_70_and_90_percent():
    summaries = [s for s in all_summaries() if s["kpi"] == "user_satisfaction"]
    assert len(summaries) == len(SLUGS)
    for summary in summaries:
        assert 0.70 <= summary["value"] <= 0.90, summary["service"]
    for slug in SLUGS:
        scores = [r["score"] for r in raw(slug, "user-satisfaction-score")]
        assert len(scores) >= 20, slug
        assert all(0.70 <= s <= 0.90 for s in scores), (slug, min(scores), max(scores))
        for record in raw(slug, "customer-satisfaction"):
            ratings = sum(record[f"rating_{k}"] for k in range(1, 6))
            assert record["total"] == ratings and record["period"] == "month"


def test_completion_rates_are_plausible():
    for slug in SLUGS:
        records = raw(slug, "journey")
        assert {r["stage"] for r in records} == {"start", "done"}
        rates = [r["rate"] for r in raw(slug, "completion-rate")]
        assert len(rates) >= 104, slug
        assert all(0.6 <= r <= 0.92 for r in rates), (slug, min(rates), max(rates))


def test_costs_fall_and_some_are_under_ten_pounds():
    shapes = {"per_transaction": 0, "total_cost": 0}
    values = []
    for service in SERVICES:
        if service["cost"] is None:
            continue
        shapes[service["cost"][0]] += 1
        costs = [
            r["cost_per_transaction"]
            for r in raw(service["slug"], "cost-per-transaction-by-quarter")
        ]
        assert len(costs) >= 6, service["slug"]
        assert costs[-1] < costs[0], service["slug"]
        values.append(service_kpis(service["slug"])["cost_per_transaction"]["value"])
    assert min(shapes.values()) >= 4  # about half each
    assert any(v < 10 for v in values) and any(v > 10 for v in values)
    categories = {r["channel"] for r in raw("renew-passport", "total-cost")}
    assert categories == {"staff", "it", "accommodation"}
    per_transaction = raw("apply-for-a-visa", "cost-per-transaction")
    assert {r["channel"] for r in per_transaction} == {"cost_per_transaction"}
    assert all(
        r["period"] == "quarterly" and r["end_at"] > r["_timestamp"] for r in per_transaction
    )


# --- the flaws ----------------------------------------------------------------------------


def test_exactly_one_service_is_stale_and_all_its_kpis_say_so():
    assert len(flagged("stale_weeks")) == 1
    stale = flagged("stale_weeks")[0]
    for slug in SLUGS:
        kpis = service_kpis(slug)
        assert len(kpis) >= 4, slug
        assert {k["stale"] for k in kpis.values()} == {slug == stale}, slug
    assert len(service_kpis(stale)) == 5
    written = data_set(stale, "transactions-by-channel").last_written_at
    assert timezone.now() - written > timedelta(weeks=8)
    last_week = max(dt(r["_timestamp"]) for r in raw(stale, "transactions-by-channel"))
    assert timezone.now() - last_week > timedelta(weeks=9)


def test_exactly_one_service_has_no_cost_data():
    without = [s["slug"] for s in SERVICES if s["cost"] is None]
    assert len(without) == 1
    for slug in SLUGS:
        summary = service_kpis(slug).get("cost_per_transaction")
        value = summary["value"] if summary else None
        if slug in without:
            assert value is None, slug
            assert not DataSet.objects.filter(
                data_group__name=slug, data_type__name__in=["cost-per-transaction", "total-cost"]
            ).exists()
        else:
            assert isinstance(value, float) and value > 0, slug


def test_gaps_in_the_middle_of_transactions_and_satisfaction():
    weeks = sorted({dt(r["_timestamp"]) for r in raw("child-benefit", "transactions-by-channel")})
    holes = [(a, b) for a, b in zip(weeks, weeks[1:], strict=False) if b - a != timedelta(weeks=1)]
    assert len(holes) == 1 and holes[0][1] - holes[0][0] == timedelta(weeks=4)
    assert (
        weeks[0] < holes[0][0] - timedelta(weeks=40)
        and holes[0][1] + timedelta(weeks=40) < weeks[-1]
    )
    # The KPIs keep the gap: no digital take-up for weeks without transactions.
    takeup = {dt(r["_timestamp"]) for r in raw("child-benefit", "digital-takeup")}
    assert holes[0][0] + timedelta(weeks=1) not in takeup
    months = [dt(r["_timestamp"]) for r in raw("state-pension", "customer-satisfaction")]
    steps = [
        (b.year - a.year) * 12 + b.month - a.month for a, b in zip(months, months[1:], strict=False)
    ]
    assert sorted(steps)[-1] == 3 and steps.count(1) == len(steps) - 1
    full = raw("renew-passport", "customer-satisfaction")
    assert len(months) == len(full) - 2


# --- loading again -----------------------------------------------------------------------


def test_loading_again_writes_the_same_records(demo):
    before = Record.objects.count()
    assert before > 5000
    out = io.StringIO()
    call_command("load-demo", stdout=out)
    assert f"{sum(demo.values())} records in {len(demo)} data sets" in out.getvalue()
    assert Record.objects.count() == before
    assert load_demo() == demo
    assert Record.objects.count() == before
    stale = flagged("stale_weeks")[0]
    assert all(s["stale"] for s in service_kpis(stale).values())


def test_the_demo_has_one_account_per_role_and_a_working_preview_link(client, settings, tmp_path):
    """`make run` prints these: each account signs in with the demo password and holds its
    role; the printed preview link opens the unlisted dashboard (and only the newest one
    works: loading the demo again makes a new link and revokes the old)."""
    from django.contrib.auth import authenticate

    from performance_platform.accounts.models import DataSetAccess, Membership
    from performance_platform.dashboards.models import PreviewLink
    from performance_platform.demo.people import DEMO_PASSWORD, load_people, write_banner
    from performance_platform.onboarding.models import DashboardRequest

    settings.VAR_DIR = tmp_path
    shown = load_people()
    roles = {
        "admin@demo.example": {("platform_admin", None)},
        "manager@demo.example": {
            ("service_manager", "department-for-transport"),
            ("service_manager", "driver-and-vehicle-licensing-agency"),
        },
        "signer@demo.example": {
            ("signer_off", "department-for-transport"),
            ("signer_off", "driver-and-vehicle-licensing-agency"),
        },
        "uploader@demo.example": {("data_uploader", "driver-and-vehicle-licensing-agency")},
    }
    for email, expected in roles.items():
        user = authenticate(username=email, password=DEMO_PASSWORD)
        assert user is not None, email
        held = set(Membership.objects.filter(user=user).values_list("role", "organisation__slug"))
        assert held == expected
    assert set(
        DataSetAccess.objects.filter(user__email="uploader@demo.example").values_list(
            "data_set__name", flat=True
        )
    ) == {
        "vehicle_tax_transactions_by_channel",
        "vehicle_tax_customer_satisfaction",
        "vehicle_tax_journey",
        "basic_dbs_check_transactions_by_channel",  # the stale one: its alert is hers
    }
    assert DashboardRequest.objects.filter(status="pending").count() == 1

    write_banner(shown)
    banner = (tmp_path / "demo-banner.txt").read_text()
    assert DEMO_PASSWORD in banner and "manager@demo.example" in banner
    first = shown["preview"]
    assert "{base}" + first in banner
    response = client.get(first)
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"

    again = load_people()["preview"]
    assert again != first
    assert client.get(first).status_code == 404
    assert client.get(again).status_code == 200
    assert PreviewLink.objects.live().filter(dashboard__slug="check-mot-history").count() == 1


def test_the_uploaders_data_set_has_an_upload_history_with_a_rollback():
    """The demo uploader's history: stored, refused with an error, its fix stored, and a
    wrong week rolled back; the figures stay the demo's own."""
    from performance_platform.demo.people import load_people
    from performance_platform.demo.uploads import DATA_SET, load_uploads
    from performance_platform.uploads.models import Upload

    load_people()

    def figures():
        rows = Record.objects.filter(data_set__name=DATA_SET).values_list("record_id", "data")
        # The uploads send the demo's figures again: only when they were sent changes.
        return sorted((rid, {k: v for k, v in d.items() if k != "_updated_at"}) for rid, d in rows)

    before = figures()
    assert load_uploads() == 4
    history = list(Upload.objects.filter(data_set_name=DATA_SET).order_by("created_at", "pk"))
    assert [u.status for u in history] == ["stored", "invalid", "stored", "rolled_back"]
    assert history[1].errors[0]["text"].startswith("Row 3, column count: '")
    assert history[3].rolled_back_by.email == "manager@demo.example"
    assert all(u.uploaded_by.email == "uploader@demo.example" for u in history)
    assert figures() == before


def test_the_stale_data_sets_alert_goes_to_the_uploader(settings, tmp_path, mailoutbox):
    """`make run`'s worker checks for stale data at once: the demo's stale service's
    transactions have an owner (the demo uploader), so its alert shows in the email
    backend; the stale data sets nobody owns are recorded with nobody told."""
    from performance_platform.alerts import stale
    from performance_platform.alerts.models import Alert
    from performance_platform.demo.people import STALE_DATA_SET, load_people

    settings.VAR_DIR = tmp_path
    load_people()
    stale_service = flagged("stale_weeks")[0]
    result = stale.check()
    assert STALE_DATA_SET in result["alerted"]
    assert {name.split("_")[0] for name in result["alerted"]} == {stale_service.split("-")[0]}
    [message] = mailoutbox
    assert message.to == ["uploader@demo.example"]
    assert message.subject == f"Data is out of date: {STALE_DATA_SET}"
    assert "Request a basic DBS check" in message.body
    assert Alert.objects.get(data_set__name=STALE_DATA_SET).recipients == 1
    # Loading the demo again forgets the alert, so the next run's worker sends it again.
    load_people()
    assert not Alert.objects.filter(data_set__name=STALE_DATA_SET).exists()
    assert stale.check()["alerted"] == [STALE_DATA_SET]


def test_every_service_has_a_done_page_and_the_manager_has_comments(client):
    """Each demo service's done page works (an answer is counted into its ratings data
    set), and the demo manager has comments to read, personal data removed."""
    from performance_platform.demo.people import load_people
    from performance_platform.demo.survey import COMMENTS, load_comments
    from performance_platform.survey.models import SurveyResponse

    for slug in SLUGS:
        assert client.get(f"/performance/{slug}/done").status_code == 200, slug
    load_people()
    assert load_comments() == len(COMMENTS)
    assert load_comments() == len(COMMENTS)  # loading again adds none
    assert SurveyResponse.objects.count() == len(COMMENTS)
    client.login(username="manager@demo.example", password="try-the-performance-platform")
    page = client.get("/manage/dashboards/vehicle-tax/comments")
    assert page.status_code == 200
    html = page.content.decode()
    assert "The payment page timed out twice" in html
    assert "[phone number removed]" in html and "07700" not in html
    before = raw("vehicle-tax", "customer-satisfaction")
    token = client.get("/performance/vehicle-tax/done").cookies["csrftoken"].value
    answer = client.post(
        "/performance/vehicle-tax/done", {"rating": "5", "csrfmiddlewaretoken": token}
    )
    assert answer.status_code == 302
    assert len(raw("vehicle-tax", "customer-satisfaction")) == len(before) + 1


# --- the collectors -----------------------------------------------------------------------


def test_the_demo_has_working_collectors_with_a_marked_history():
    from performance_platform.collectors import credentials
    from performance_platform.collectors.models import Collector
    from performance_platform.demo.collectors import HISTORY_NOTE, METRICS
    from performance_platform.demo.matomo import DEMO_TOKEN

    visits = Collector.objects.get(name="vehicle-tax-visits")
    live = Collector.objects.get(name="vehicle-tax-realtime")
    assert (visits.provider, visits.data_set.name) == ("matomo", "vehicle_tax_visits")
    assert (live.provider, live.data_set.name) == ("matomo-realtime", "vehicle_tax_realtime")
    for collector in (visits, live):
        assert collector.endpoint == "http://127.0.0.1:8001/"
        assert collector.state == "working" and collector.enabled
        assert DEMO_TOKEN not in collector.credentials
        assert credentials.decrypt(collector.credentials) == {"token_auth": DEMO_TOKEN}
        # Due now: the worker `make run` starts runs it against the demo Matomo.
        assert collector.next_run_at <= timezone.now()
        runs = list(collector.runs.all())
        assert runs and all(run.message.startswith(HISTORY_NOTE) for run in runs)
        assert collector.last_run_at == runs[0].started_at
    assert visits.runs.count() == 14
    assert visits.runs.filter(status="failed").count() == 1
    assert live.runs.count() == 10
    # The visits those runs "fetched": four weeks of days, ids as a real run makes them.
    records = raw("vehicle-tax", "visits")
    assert len(records) == 28
    days = [dt(r["_timestamp"]) for r in records]
    assert days == sorted(days) and days[-1].date() == timezone.now().astimezone(UTC).date()
    assert {r["timeSpan"] for r in records} == {"day"}
    for record in records[:-1]:  # whole days (today is still counting)
        assert 20_000 < record["nb_visits"] < 60_000
        assert set(METRICS) <= set(record)


def test_the_demo_manager_sees_the_collectors_on_the_hub(client):
    from performance_platform.accounts.models import User
    from performance_platform.demo.people import load_people

    load_people()
    client.force_login(User.objects.get(email="manager@demo.example"))
    page = client.get("/manage/data-sets/vehicle_tax_visits")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="collector-vehicle-tax-visits"' in html
    assert 'govuk-tag--green">Working<' in html
    assert "Demo history: made by load-demo, not fetched." in html
    assert "demo-matomo-token" not in html
    hub = client.get("/manage/dashboards/vehicle-tax").content.decode()
    assert "Collector vehicle-tax-visits (Matomo)" in hub
    assert "Collector vehicle-tax-realtime (Matomo realtime)" in hub


def test_the_demo_config_exports_the_collectors_without_their_token():
    from performance_platform.configuration.exporter import export_config
    from performance_platform.demo.matomo import DEMO_TOKEN

    exported = export_config()
    names = [c["name"] for c in exported["collectors"]]
    assert names == ["vehicle-tax-realtime", "vehicle-tax-visits"]
    assert DEMO_TOKEN not in json.dumps(exported)
    assert all("credentials" not in c for c in exported["collectors"])
