"""The core's safe HTTP, through real collector runs against the fakes: redirects stay on
the endpoint's host, answers are capped (gzip undone first), slow answers time out and are
retried, and tokens never reach a log line or a run's message."""

import logging

import pytest

from performance_platform.collectors.models import Collector, CollectorRun
from performance_platform.collectors.running import run_collector
from performance_platform.datastore.models import Record

from .conftest import records_of
from .fake_files import FakeFiles
from .fake_matomo import TOKEN, FakeMatomo, access_error
from .scripted import Scripted, gzip_bomb, huge, redirect, slow, status

CSV_TEXT = "_timestamp,count\n2026-11-02,3\n2026-11-09,4\n"


@pytest.fixture
def matomo():
    fake = FakeMatomo().start()
    yield fake
    fake.stop()


@pytest.fixture
def files():
    fake = FakeFiles().start()
    fake.publish("/data.csv", CSV_TEXT)
    yield fake
    fake.stop()


@pytest.fixture
def elsewhere():
    """Another server: another origin, which no collector of the others may be sent to."""
    fake = FakeFiles().start()
    fake.publish("/data.csv", CSV_TEXT)
    yield fake
    fake.stop()


@pytest.fixture
def visits(make_collector, plain_data_set, matomo):
    return make_collector(
        plain_data_set,
        "matomo",
        matomo.url,
        secrets={"token_auth": TOKEN},
        query={"method": "VisitsSummary.get", "site_id": 1, "metrics": ["nb_visits"]},
    )


@pytest.fixture
def csv_file(make_collector, plain_data_set, files):
    return make_collector(plain_data_set, "url", files.url + "/data.csv")


@pytest.mark.parametrize("host", ["other-port", "localhost"])
def test_a_redirect_to_another_host_is_refused(visits, matomo, elsewhere, plain_data_set, host):
    target = elsewhere.url if host == "other-port" else matomo.url.replace("127.0.0.1", "localhost")
    matomo.then(redirect(target + "/index.php?module=API", 307))

    outcome = run_collector(visits)

    assert outcome.run.status == CollectorRun.Status.FAILED
    assert outcome.run.message == (
        f"Refused to call {target}/index.php: a collector only calls its endpoint {matomo.url}."
    )
    assert elsewhere.requests == []
    assert len(matomo.requests) == 1
    assert Record.objects.filter(data_set=plain_data_set).count() == 0


def test_a_redirect_on_the_same_host_is_followed(csv_file, files, plain_data_set):
    csv_file.endpoint = files.url + "/old-name.csv"
    csv_file.save()
    files.then(redirect("/data.csv", 301))

    outcome = run_collector(csv_file)

    assert outcome.run.status == CollectorRun.Status.SUCCEEDED, outcome.run.message
    assert [seen.path for seen in files.requests] == ["/old-name.csv", "/data.csv"]
    assert [r["count"] for r in records_of(plain_data_set)] == [3, 4]


def test_a_same_host_307_keeps_matomos_post_and_token(visits, matomo, plain_data_set):
    matomo.then(redirect(matomo.url + "/index.php?" + "module=API&method=VisitsSummary.get"
                         "&idSite=1&format=JSON&period=day&date=2026-11-17", 307))  # fmt: skip

    outcome = run_collector(visits)

    assert outcome.ok, outcome.run.message
    assert [(s.method, s.form) for s in matomo.requests[:2]] == [
        ("POST", {"token_auth": TOKEN}),
        ("POST", {"token_auth": TOKEN}),
    ]
    assert [r["nb_visits"] for r in records_of(plain_data_set)] == [270, 280]


def test_redirects_are_followed_three_times_at_most(csv_file, files):
    files.then(*[redirect("/data.csv")] * 4)

    outcome = run_collector(csv_file)

    assert outcome.run.message.endswith("redirected more than 3 times.")
    assert len(files.requests) == 4


def test_an_answer_past_the_limit_is_refused(settings, csv_file, files, plain_data_set):
    settings.COLLECTOR_MAX_BYTES = 100_000
    files.then(huge(300_000))

    outcome = run_collector(csv_file)

    assert outcome.run.status == CollectorRun.Status.FAILED
    assert outcome.run.message == (
        f"The answer from {files.url}/data.csv is larger than 100,000 bytes (COLLECTOR_MAX_BYTES)."
    )
    assert Record.objects.filter(data_set=plain_data_set).count() == 0


def test_an_answer_declared_past_the_limit_is_refused_unread(settings, csv_file, files):
    settings.COLLECTOR_MAX_BYTES = 1_000
    files.then(Scripted(200, b"_timestamp,count\n" + b"2026-11-02,3\n" * 400))

    outcome = run_collector(csv_file)

    assert "is larger than 1,000 bytes (COLLECTOR_MAX_BYTES)" in outcome.run.message


def test_a_gzip_bomb_is_refused_by_its_unpacked_size(settings, visits, matomo, plain_data_set):
    settings.COLLECTOR_MAX_BYTES = 100_000
    bomb = gzip_bomb(20_000_000)
    assert len(bomb.body) < 100_000  # small on the wire: only unpacking shows its size
    matomo.then(bomb)

    outcome = run_collector(visits)

    assert outcome.run.status == CollectorRun.Status.FAILED
    assert "is larger than 100,000 bytes (COLLECTOR_MAX_BYTES)" in outcome.run.message
    assert Record.objects.filter(data_set=plain_data_set).count() == 0


def test_a_slow_answer_times_out_and_is_retried(settings, visits, matomo, plain_data_set):
    settings.COLLECTOR_TIMEOUT = 0.3
    matomo.then(slow(1.0))

    outcome = run_collector(visits)

    assert outcome.run.status == CollectorRun.Status.SUCCEEDED, outcome.run.message
    assert outcome.run.retries == 1
    assert len(records_of(plain_data_set)) == 2


def test_an_answer_slow_every_time_fails_clearly(settings, visits, matomo, plain_data_set):
    settings.COLLECTOR_TIMEOUT = 0.3
    settings.COLLECTOR_ATTEMPTS = 3
    matomo.then(slow(1.0), slow(1.0), slow(1.0))

    outcome = run_collector(visits)

    visits.refresh_from_db()
    assert outcome.run.status == CollectorRun.Status.FAILED
    assert outcome.run.retries == 2
    assert outcome.run.message == f"{matomo.url}/index.php did not answer within 0.3 seconds."
    assert visits.state == Collector.State.FAILING
    assert visits.last_error == outcome.run.message
    assert Record.objects.filter(data_set=plain_data_set).count() == 0


@pytest.fixture
def every_log_line(caplog):
    for name in ("", "httpx", "httpcore", "performance_platform"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.mark.parametrize(
    "answers",
    [[], [status(503)], [status(429, retry_after="0")], [access_error(1)], [status(401)]],
    ids=["ok", "503", "429", "access-error", "401"],
)
def test_the_matomo_token_is_never_logged_nor_reported(
    visits, matomo, every_log_line, answers, mailoutbox
):
    matomo.then(*answers)

    outcome = run_collector(visits)

    visits.refresh_from_db()
    text = every_log_line.text
    assert "HTTP Request: POST" in text  # httpx did log each request...
    assert "send_request_body" in text  # ...and httpcore its every step
    assert TOKEN not in text  # ...but never the token
    assert TOKEN not in outcome.run.message
    assert TOKEN not in visits.last_error
    assert all(TOKEN not in m.body and TOKEN not in m.subject for m in mailoutbox)


def test_a_bearer_token_is_never_logged_nor_reported(
    make_collector, plain_data_set, every_log_line
):
    secret = "bearer-7d1e0a"
    files = FakeFiles(require={"Authorization": "Bearer right"}).start()
    try:
        files.publish("/data.csv", CSV_TEXT)
        collector = make_collector(
            plain_data_set, "url", files.url + "/data.csv", secrets={"bearer_token": secret}
        )
        outcome = run_collector(collector)
    finally:
        files.stop()

    assert outcome.run.status == CollectorRun.Status.FAILED
    assert "HTTP 401" in outcome.run.message
    assert files.requests[0].headers["Authorization"] == f"Bearer {secret}"
    assert "send_request_headers" in every_log_line.text
    assert secret not in every_log_line.text
    assert secret not in outcome.run.message
