"""Availability checks of a start page, against a local server made up, slow, failing,
failing once, redirecting or unreachable; what they store, what the ``availability``
module then shows, the worker's schedule, and the hub page that starts them.

The server is real (``tests/fakehttp.py``), on 127.0.0.1: the tests allow private
addresses (``AVAILABILITY_PRIVATE_ADDRESSES``) except where they check the refusal.
"""

import socket
import time
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from performance_platform.accounts.models import AuditEvent, Membership
from performance_platform.collectors import checks
from performance_platform.collectors.errors import ConfigProblem
from performance_platform.collectors.models import Collector, CollectorRun
from performance_platform.collectors.running import run_collector
from performance_platform.dashboards.models import Dashboard, Module, Organisation
from performance_platform.datastore.models import DataSet
from performance_platform.datastore.query import run_query
from performance_platform.worker.runner import Worker
from tests.fakehttp import FakeServer, JSONHandler

from .conftest import COLLECT_NOW, records_of

Role = Membership.Role
SLOW = 1.0  # seconds the slow page takes; the tests' timeout is shorter
TIMEOUT = 0.3


class PageHandler(JSONHandler):
    """A service's pages, one behaviour per path; ``hits`` counts requests by path."""

    hits: dict

    def do_GET(self):
        path = self.path.split("?")[0]
        self.hits[path] = self.hits.get(path, 0) + 1
        if path == "/up":
            self._page(200, b"<h1>Renew your tax disc</h1>")
        elif path == "/slow":
            time.sleep(SLOW)
            self._page(200, b"late")
        elif path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Length", "40")
            self.end_headers()
            try:
                for _byte in range(40):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                return  # the check gave up, as it should
        elif path == "/failing":
            self._page(500, b"Internal Server Error")
        elif path == "/missing":
            self._page(404, b"Not Found")
        elif path == "/flaky":
            self._page(500 if self.hits[path] == 1 else 200, b"flaky")
        elif path == "/moved":
            self._redirect("/up")
        elif path == "/away":
            self._redirect(self.server.elsewhere + "/up")
        elif path == "/big":
            self._page(200, b"x" * (2 * 1024 * 1024))
        else:
            self._page(404, b"Not Found")

    def _page(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            return  # the check read what it needed and hung up (the big page)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


def _server() -> FakeServer:
    handler = type("Pages", (PageHandler,), {"hits": {}})
    server = FakeServer(handler)
    server.server.elsewhere = ""
    server.hits = handler.hits
    return server.start()


@pytest.fixture
def site():
    server = _server()
    yield server
    server.stop()


@pytest.fixture
def elsewhere():
    """Another host (``localhost``, not ``127.0.0.1``: another origin) that must get
    nothing from a check."""
    server = _server()
    server.url = server.url.replace("127.0.0.1", "localhost")
    yield server
    server.stop()


@pytest.fixture
def closed_port() -> str:
    """An address where nothing listens."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/start"


@pytest.fixture(autouse=True)
def _check_settings(settings):
    settings.AVAILABILITY_PRIVATE_ADDRESSES = True
    settings.AVAILABILITY_TIMEOUT = TIMEOUT
    settings.AVAILABILITY_RETRY_DELAY = 0.01
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _start(dashboard, url, every=300) -> Collector:
    return checks.start_checks(dashboard, url, every, request=None)


def _check(dashboard, url) -> tuple[CollectorRun, list[dict]]:
    """Start checks of ``url`` and run one; the run and the stored records."""
    collector = _start(dashboard, url)
    outcome = run_collector(collector)
    collector.refresh_from_db()
    return outcome.run, records_of(collector.data_set)


# --- what one check records ----------------------------------------------------------------


def test_an_up_page_is_recorded_up_with_its_status_and_time(dashboard, site):
    run, records = _check(dashboard, f"{site.url}/up")
    assert run.status == CollectorRun.Status.SUCCEEDED
    [record] = records
    assert record["up"] is True
    assert record["status"] == 200
    assert (record["uptime"], record["downtime"], record["tries"]) == (300, 0, 1)
    assert 0 < record["avgresponse"] < TIMEOUT * 1000
    assert record["check"] == "tax-disc"
    assert "reason" not in record
    # The Pingdom collector's id: the check's name and the check's time.
    assert record["_id"] == f"tax-disc.{record['_timestamp']}"
    assert record["_timestamp"].startswith(COLLECT_NOW.strftime("%Y-%m-%dT%H:%M"))
    assert site.hits == {"/up": 1}
    collector = Collector.objects.get()
    assert collector.state == Collector.State.WORKING
    assert collector.next_run_at == collector.last_run_at + timedelta(seconds=300)


def test_a_slow_page_is_down_after_a_second_try_and_the_collector_still_works(dashboard, site):
    run, records = _check(dashboard, f"{site.url}/slow")
    [record] = records
    assert record["up"] is False
    assert (record["uptime"], record["downtime"], record["tries"]) == (0, 300, 2)
    assert "status" not in record and "avgresponse" not in record
    assert f"did not answer within {TIMEOUT:g} seconds" in record["reason"]
    assert site.hits == {"/slow": 2}
    # Down is what the page was, not what the check did: the run succeeded.
    assert run.status == CollectorRun.Status.SUCCEEDED
    assert Collector.objects.get().state == Collector.State.WORKING


def test_a_page_that_trickles_past_the_timeout_is_down(dashboard, site):
    # Each byte comes well within the timeout; the whole page (2 s) does not.
    run, [record] = _check(dashboard, f"{site.url}/trickle")
    assert run.status == CollectorRun.Status.SUCCEEDED
    assert (record["up"], record["tries"]) == (False, 2)
    assert "did not finish answering in time" in record["reason"]
    assert site.hits == {"/trickle": 2}


@pytest.mark.parametrize(("path", "status"), [("/failing", 500), ("/missing", 404)])
def test_a_failing_page_is_down_with_its_status(dashboard, site, path, status):
    run, records = _check(dashboard, f"{site.url}{path}")
    [record] = records
    assert run.status == CollectorRun.Status.SUCCEEDED
    assert (record["up"], record["status"], record["downtime"]) == (False, status, 300)
    assert record["reason"] == f"The page answered HTTP {status}."
    assert site.hits == {path: 2}


def test_a_page_that_fails_once_then_answers_is_up(dashboard, site):
    _run, [record] = _check(dashboard, f"{site.url}/flaky")
    assert (record["up"], record["status"], record["tries"]) == (True, 200, 2)
    assert (record["uptime"], record["downtime"]) == (300, 0)
    assert site.hits == {"/flaky": 2}


def test_an_unreachable_page_is_down(dashboard, closed_port):
    run, [record] = _check(dashboard, closed_port)
    assert run.status == CollectorRun.Status.SUCCEEDED
    assert (record["up"], record["downtime"], record["tries"]) == (False, 300, 2)
    assert "status" not in record
    assert "Could not reach" in record["reason"]


def test_a_redirect_within_the_site_is_followed(dashboard, site):
    _run, [record] = _check(dashboard, f"{site.url}/moved")
    assert (record["up"], record["status"]) == (True, 200)
    assert site.hits == {"/moved": 1, "/up": 1}


def test_a_redirect_to_another_host_is_not_followed_and_counts_as_down(dashboard, site, elsewhere):
    site.server.elsewhere = elsewhere.url
    _run, [record] = _check(dashboard, f"{site.url}/away")
    assert record["up"] is False
    assert "Refused to call" in record["reason"]
    assert site.hits == {"/away": 2}
    assert elsewhere.hits == {}


def test_a_big_page_is_read_only_as_far_as_the_limit(dashboard, site):
    _run, [record] = _check(dashboard, f"{site.url}/big")
    assert (record["up"], record["status"]) == (True, 200)


def test_a_check_run_again_in_the_same_second_replaces_its_record(dashboard, site):
    collector = _start(dashboard, f"{site.url}/up")
    with time_machine.travel(COLLECT_NOW + timedelta(minutes=1), tick=False):
        run_collector(collector)
        run_collector(collector)
    assert site.hits == {"/up": 2}
    assert len(records_of(collector.data_set)) == 1


def test_a_private_address_is_refused_when_not_allowed(dashboard, site, settings):
    collector = _start(dashboard, f"{site.url}/up")
    settings.AVAILABILITY_PRIVATE_ADDRESSES = False
    outcome = run_collector(collector)
    collector.refresh_from_db()
    assert outcome.run.status == CollectorRun.Status.FAILED
    assert "Enter a public web address" in outcome.run.message
    assert collector.state == Collector.State.FAILING
    assert site.hits == {}
    assert records_of(collector.data_set) == []


def test_a_check_covers_its_collectors_interval(dashboard, site):
    collector = _start(dashboard, f"{site.url}/up", every=900)
    run_collector(collector)
    [record] = records_of(collector.data_set)
    assert record["uptime"] == 900


def test_a_check_cannot_be_backfilled(dashboard, site):
    collector = _start(dashboard, f"{site.url}/up")
    with pytest.raises(ConfigProblem, match="Availability check collectors cannot backfill"):
        run_collector(collector, start=COLLECT_NOW.date() - timedelta(days=7))
    assert site.hits == {}


# --- what the module shows -----------------------------------------------------------------


def _checks_over_a_day(dashboard, site) -> Collector:
    """Four checks an hour apart: three up, the third down."""
    collector = _start(dashboard, f"{site.url}/up")
    for hour in range(4):
        collector.endpoint = f"{site.url}/{'failing' if hour == 2 else 'up'}"
        collector.save(update_fields=["endpoint"])
        with time_machine.travel(COLLECT_NOW + timedelta(hours=hour), tick=False):
            assert run_collector(collector).ok
    return collector


def test_the_module_reads_real_uptime_and_response_times(dashboard, site):
    collector = _checks_over_a_day(dashboard, site)
    module = Module.objects.get(dashboard=dashboard, type="availability")
    assert (module.data_group, module.data_type.name) == (dashboard.kpi_group, "monitoring")
    params = {
        **module.query,
        "collect": ["uptime:sum", "downtime:sum", "avgresponse:mean"],
        "flatten": "true",
    }
    # A day's row comes once the day is over (the module shows whole days).
    rows = run_query(collector.data_set, params, now=COLLECT_NOW + timedelta(days=1))["data"]
    today = [row for row in rows if row["_start_at"].startswith("2026-11-18")]
    [row] = today
    assert (row["uptime:sum"], row["downtime:sum"]) == (900, 300)
    ups = [r["avgresponse"] for r in records_of(collector.data_set) if r["up"]]
    assert len(ups) == 3
    assert row["avgresponse:mean"] == pytest.approx(sum(ups) / 3)


def test_the_public_module_shows_the_uptime(dashboard, site, client):
    _checks_over_a_day(dashboard, site)
    Dashboard.objects.filter(pk=dashboard.pk).update(status=Dashboard.Status.PUBLISHED)
    with time_machine.travel(COLLECT_NOW + timedelta(days=1), tick=False):
        response = client.get("/performance/tax-disc/availability.json")
    assert response.status_code == 200
    shown = [row for row in response.json()["data"] if row["Uptime"] is not None]
    assert [row["Uptime"] for row in shown] == [0.75]
    assert shown[0]["Page load time"] > 0


# --- the schedule --------------------------------------------------------------------------


def test_the_worker_checks_every_five_minutes(dashboard, site, settings):
    collector = _start(dashboard, f"{site.url}/up")
    schedule = {"run-collectors": settings.WORKER_SCHEDULE["run-collectors"]}

    def worker_pass(at):
        with time_machine.travel(at, tick=False):
            worker = Worker(schedule=schedule)
            worker.enqueue_due()
            worker.run_pending()

    worker_pass(COLLECT_NOW + timedelta(seconds=1))  # the first check is due at once
    assert site.hits == {"/up": 1}
    worker_pass(COLLECT_NOW + timedelta(minutes=2))  # not due yet
    assert site.hits == {"/up": 1}
    worker_pass(COLLECT_NOW + timedelta(minutes=5, seconds=2))
    assert site.hits == {"/up": 2}
    assert len(records_of(collector.data_set)) == 2
    runs = CollectorRun.objects.filter(collector=collector)
    assert {run.trigger for run in runs} == {CollectorRun.Trigger.SCHEDULE}


def test_stopped_checks_are_not_made(dashboard, site, settings):
    collector = _start(dashboard, f"{site.url}/up")
    assert checks.stop_checks(dashboard, request=None)
    worker = Worker(schedule={"run-collectors": settings.WORKER_SCHEDULE["run-collectors"]})
    worker.enqueue_due()
    worker.run_pending()
    assert site.hits == {}
    collector.refresh_from_db()
    assert not collector.enabled
    assert collector.data_set.max_age_expected is None
    assert checks.stop_checks(dashboard, request=None) is False


# --- the hub page --------------------------------------------------------------------------

PAGE = "/manage/dashboards/tax-disc/availability"


@pytest.fixture
def signed_in(manager):
    client = Client()
    client.force_login(manager)
    return client


def test_a_manager_starts_the_checks_and_gets_a_module(dashboard, signed_in, site):
    Dashboard.objects.filter(pk=dashboard.pk).update(
        links=[{"title": "Tax disc", "url": f"{site.url}/up", "type": "transaction"}]
    )
    page = signed_in.get(PAGE)
    assert page.status_code == 200
    text = page.content.decode()
    assert "The start page is not checked." in text
    assert f'value="{site.url}/up"' in text  # the start page link, offered
    hub = signed_in.get("/manage/dashboards/tax-disc").content.decode()
    assert f'href="{PAGE}"' in hub

    response = signed_in.post(PAGE, {"url": f"{site.url}/up", "every": "900"})
    assert response.status_code == 302
    collector = Collector.objects.get()
    assert (collector.provider, collector.endpoint) == ("availability", f"{site.url}/up")
    assert (collector.every_seconds, collector.enabled) == (900, True)
    assert collector.next_run_at is not None and collector.next_run_at <= timezone.now()
    data_set = collector.data_set
    assert (data_set.data_group, data_set.data_type.name) == (dashboard.kpi_group, "monitoring")
    assert data_set.schema == checks.SCHEMA
    assert Module.objects.filter(dashboard=dashboard, type="availability").count() == 1
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"collector.create", "data_set.create", "module.add"} <= actions

    # Changing the address keeps one collector, one data set and one module.
    response = signed_in.post(PAGE, {"url": f"{site.url}/moved", "every": "300"})
    assert response.status_code == 302
    collector = Collector.objects.get()
    assert (collector.endpoint, collector.every_seconds) == (f"{site.url}/moved", 300)
    assert DataSet.objects.filter(data_type__name="monitoring").count() == 1
    assert Module.objects.filter(dashboard=dashboard, type="availability").count() == 1
    run_collector(collector)
    page = signed_in.get(PAGE).content.decode()
    assert f"{site.url}/moved" in page and "Up, HTTP 200" in page

    assert signed_in.post(f"{PAGE}/stop").status_code == 302
    collector.refresh_from_db()
    assert not collector.enabled
    assert "The checks are stopped." in signed_in.get(PAGE).content.decode()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the start page"),
        ("not a web address", "Enter a web address"),
        ("ftp://files.example.gov.uk/start", "Enter a web address"),
        ("javascript:alert(1)", "Enter a web address"),
        ("https://user:secret@www.example.gov.uk/", "credentials"),
        ("https://www.example.gov.uk/" + "a" * 600, "at most 500 characters"),
        ("https://www.example.gov.uk/\x00start", "Null characters are not allowed"),
    ],
)
def test_bad_addresses_get_form_errors_and_save_nothing(dashboard, signed_in, url, message):
    response = signed_in.post(PAGE, {"url": url, "every": "300"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    assert not Collector.objects.exists()
    assert not Module.objects.filter(type="availability").exists()


def test_only_offered_intervals_are_accepted(dashboard, signed_in):
    response = signed_in.post(PAGE, {"url": "https://www.example.gov.uk/", "every": "1"})
    assert response.status_code == 400
    assert not Collector.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/",
        "http://localhost/",
        "http://app.localhost/",
        "http://10.0.0.5/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
    ],
)
def test_private_addresses_are_refused_unless_allowed(dashboard, signed_in, settings, url):
    settings.AVAILABILITY_PRIVATE_ADDRESSES = False
    response = signed_in.post(PAGE, {"url": url, "every": "300"})
    assert response.status_code == 400
    assert "Enter a public web address" in response.content.decode()
    assert not Collector.objects.exists()


def test_a_dashboard_without_a_kpi_group_gets_a_group_of_its_own(org, signed_in, site):
    Dashboard.objects.create(slug="fishing", title="Fishing licences", organisation=org)
    url = "/manage/dashboards/fishing/availability"
    assert signed_in.post(url, {"url": f"{site.url}/up", "every": "300"}).status_code == 302
    collector = Collector.objects.get()
    assert collector.data_set.name == "fishing_monitoring"
    assert collector.query == {"check": "fishing"}
    module = Module.objects.get(dashboard__slug="fishing", type="availability")
    assert module.data_group.name == "fishing"
    # The manager may open the data set it made (the module reads its group).
    assert signed_in.get("/manage/data-sets/fishing_monitoring").status_code == 200


def test_who_may_set_up_checks(dashboard, make_user, org, journey, client):
    other = Organisation.objects.create(slug="other", name="Other", type="department")
    people = {
        "other manager": make_user(email="o@example.gov.uk", roles=[(Role.SERVICE_MANAGER, other)]),
        "uploader": make_user(
            email="u@example.gov.uk", roles=[(Role.DATA_UPLOADER, org)], data_sets=[journey]
        ),
        "signer-off": make_user(email="s@example.gov.uk", roles=[(Role.SIGNER_OFF, org)]),
        "admin": make_user(email="a@example.gov.uk", roles=[(Role.PLATFORM_ADMIN, None)]),
    }
    body = {"url": "https://www.example.gov.uk/start", "every": "300"}
    expected = {"other manager": 404, "uploader": 404, "signer-off": 403}
    for who, status in expected.items():
        client.force_login(people[who])
        assert client.get(PAGE).status_code == status, who
        assert client.post(PAGE, body).status_code == status, who
        assert client.post(f"{PAGE}/stop").status_code == status, who
    assert not Collector.objects.exists()
    client.force_login(people["admin"])
    assert client.post(PAGE, body).status_code == 302
    assert Collector.objects.get().endpoint == body["url"]


def test_signed_out_people_are_sent_to_sign_in(dashboard, client):
    response = client.post(PAGE, {"url": "https://www.example.gov.uk/", "every": "300"})
    assert response.status_code == 302 and "/manage/sign-in" in response["Location"]
    assert not Collector.objects.exists()


def test_a_dashboard_in_review_cannot_change_its_checks(dashboard, signed_in):
    Dashboard.objects.filter(pk=dashboard.pk).update(status=Dashboard.Status.IN_REVIEW)
    response = signed_in.post(PAGE, {"url": "https://www.example.gov.uk/", "every": "300"})
    assert response.status_code == 403
    assert not Collector.objects.exists()


def test_the_form_needs_its_csrf_token(dashboard, manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    page = client.get(PAGE).content.decode()
    body = {"url": "https://www.example.gov.uk/start", "every": "300"}
    assert client.post(PAGE, body).status_code == 403
    assert client.post(PAGE, {**body, "csrfmiddlewaretoken": "x" * 64}).status_code == 403
    assert not Collector.objects.exists()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert client.post(PAGE, {**body, "csrfmiddlewaretoken": token}).status_code == 302
    assert client.post(f"{PAGE}/stop").status_code == 403
    assert Collector.objects.get().enabled
