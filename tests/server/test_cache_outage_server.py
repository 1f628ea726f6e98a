"""``REDIS_URL`` end to end: a real ``serve`` whose Redis goes away keeps answering.

settings.py builds the cache from ``REDIS_URL`` with connection timeouts; this checks
that wiring in a real server process, with a Redis of the test's own that it stops and
starts again (``tests/redisproc.py``).
"""

import pytest
import requests
from django.utils import timezone

from performance_platform.datastore import storage
from performance_platform.datastore.validation import prepare_records
from tests.conftest import start_server
from tests.redisproc import PrivateRedis

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

READ = "/data/outage-group/outage-type?group_by=channel&collect=count:sum"


def test_a_real_server_answers_through_a_redis_outage(make_data_set):
    data_set, _ = make_data_set("outage-group", "outage-type", token=None)
    now = timezone.now()
    prepared, errors = prepare_records(
        [{"_timestamp": "2024-01-01T00:00:00Z", "channel": "digital", "count": 5}],
        schema=None,
        auto_ids=None,
        now=now,
    )
    assert errors == []
    storage.store_records(data_set, prepared, now=now)
    redis = PrivateRedis().start()
    # One worker, so the pause after a failure is the one process's: 0 retries it at once.
    server = start_server(
        extra_env={
            "REDIS_URL": redis.url,
            "REDIS_TIMEOUT_SECONDS": "0.5",
            "CACHE_RETRY_SECONDS": "0",
        },
        workers=1,
    )
    try:
        expected = {"data": [{"_count": 1, "channel": "digital", "count:sum": 5}]}
        assert requests.get(server.url + READ, timeout=10).json() == expected
        assert redis.keys("*read:*")
        assert requests.get(server.url + "/_status", timeout=10).json()["cache"] == "ok"

        redis.stop()
        for path in (READ, "/performance/services"):
            response = requests.get(server.url + path, timeout=10)
            assert response.status_code == 200, (path, response.text[:300])
        assert requests.get(server.url + READ, timeout=10).json() == expected
        status = requests.get(server.url + "/_status", timeout=10)
        assert (status.status_code, status.json()["cache"]) == (200, "unavailable")

        redis.start()
        assert requests.get(server.url + "/_status", timeout=10).json()["cache"] == "ok"
        assert requests.get(server.url + READ, timeout=10).json() == expected
        assert redis.keys("*read:*")
    finally:
        server.stop()
        redis.stop()
