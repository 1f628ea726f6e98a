"""A cache outage slows the platform down; it never breaks it.

With ``REDIS_URL`` pointing at a Redis that had gone away, the read API and the site's
pages answered 500 while ``/_status`` said 200. Here the app uses a Redis of its own
(``tests/redisproc.py``), configured exactly as settings.py configures ``REDIS_URL``,
which is stopped in the middle of the test: reads, pages and the services index must
still answer, ``/_status`` must say the cache is unavailable, and when Redis returns the
cache must be used again. A Redis that accepts connections but never answers must not
hold a request for longer than the configured timeout.
"""

import time

import pytest
from django.utils import timezone

from performance_platform import settings as project_settings
from performance_platform.dashboards.models import Dashboard, Module
from performance_platform.datastore import softcache, storage
from performance_platform.datastore.validation import prepare_records
from tests.redisproc import HangingRedis, PrivateRedis

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dashboard")]

TIMEOUT = 0.3  # REDIS_TIMEOUT_SECONDS in this test


@pytest.fixture
def redis_server():
    server = PrivateRedis().start()
    yield server
    server.stop()


@pytest.fixture
def use_redis(settings):
    """Point the app's cache at a URL, built as settings.py builds it from REDIS_URL."""

    def point(url: str, retry: float = 0):
        settings.CACHES = project_settings.redis_caches(url, TIMEOUT)
        settings.CACHE_RETRY_SECONDS = retry

    return point


@pytest.fixture
def dashboard(make_data_set):
    """A published dashboard with a chart of a data set that holds a few weeks' figures."""
    data_set, _ = make_data_set("cache-outage", "by-channel", token=None)
    now = timezone.now()
    records = [
        {"_timestamp": (now - timezone.timedelta(weeks=w)).isoformat(), "channel": c, "count": n}
        for w in range(1, 5)
        for c, n in (("digital", 10 * w), ("paper", w))
    ]
    prepared, errors = prepare_records(records, schema=None, auto_ids=None, now=now)
    assert errors == []
    storage.store_records(data_set, prepared, now=now)
    board = Dashboard.objects.create(slug="cache-outage", title="Cache outage", status="published")
    Module.objects.create(
        dashboard=board,
        slug="by-channel",
        type="grouped_timeseries",
        title="By channel",
        data_group=data_set.data_group,
        data_type=data_set.data_type,
        query={"period": "week", "duration": 4, "group_by": "channel", "collect": ["count:sum"]},
        options={"category": "channel", "value-attribute": "count:sum", "axis-period": "week"},
    )
    return board


PATHS = [
    "/data/cache-outage/by-channel?period=week&duration=4&group_by=channel&collect=count:sum",
    "/performance/services",
    "/performance/cache-outage",
]


def pages(client):
    """(path, response) for a data API read, the services index and a dashboard."""
    return [(path, client.get(path)) for path in PATHS]


def status(client) -> dict:
    response = client.get("/_status")
    assert response.status_code == 200
    return response.json()


def test_reads_and_pages_survive_redis_going_away_and_use_it_again(client, redis_server, use_redis):
    use_redis(redis_server.url)
    first = pages(client)
    assert [r.status_code for _, r in first] == [200, 200, 200]
    assert redis_server.keys("*read:*") and len(redis_server.keys("*page:*")) == 2
    assert status(client) == {"status": "ok", "message": "app is up", "cache": "ok"}

    redis_server.stop()
    for (path, before), (_, after) in zip(first, pages(client), strict=True):
        assert after.status_code == 200, path
        assert after.content == before.content, path
    assert status(client) == {
        "status": "ok",
        "message": "app is up, without its cache",
        "cache": "unavailable",
    }

    redis_server.start()  # empty: it keeps nothing on disk
    assert redis_server.keys("*") == []
    assert status(client)["cache"] == "ok"
    again = pages(client)
    assert [r.status_code for _, r in again] == [200, 200, 200]
    assert redis_server.keys("*read:*") and len(redis_server.keys("*page:*")) == 2


def test_a_redis_that_hangs_costs_a_request_at_most_its_timeouts(client, use_redis):
    hanging = HangingRedis()
    try:
        use_redis(hanging.url)
        started = time.monotonic()
        responses = pages(client)
        elapsed = time.monotonic() - started
        assert [r.status_code for _, r in responses] == [200, 200, 200]
        # 3 requests, each a get and a set at most TIMEOUT apiece (connect, then reply),
        # plus the work itself; without timeouts each would wait for ever.
        assert elapsed < 3 * 4 * TIMEOUT + 5, elapsed
        started = time.monotonic()
        assert status(client)["cache"] == "unavailable"
        assert time.monotonic() - started < 4 * TIMEOUT + 2
    finally:
        hanging.close()


class Clock:
    """A fixed monotonic clock for the cache's pause after a failure."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_after_a_failure_the_cache_is_left_alone_for_a_while(use_redis, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(softcache, "time", clock)
    hanging = HangingRedis()
    try:
        use_redis(hanging.url, retry=10)
        assert softcache.get("anything") is None  # waits for the timeout, then rests
        tries = hanging.connections()
        assert tries >= 1
        started = time.monotonic()
        assert softcache.get("anything") is None
        assert softcache.put("key", b"value", 10) is False
        assert time.monotonic() - started < TIMEOUT
        assert hanging.connections() == tries  # not even a connection attempt
        clock.now += 10.5  # the pause is over: the next use tries the cache again
        assert softcache.get("anything") is None
        assert hanging.connections() > tries
    finally:
        hanging.close()
