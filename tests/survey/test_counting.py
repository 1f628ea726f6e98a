"""Counting answers by day into the ratings data set, and the KPI that follows."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, connections

from performance_platform.datastore.models import Record
from performance_platform.kpis import catalogue
from performance_platform.survey import counting
from performance_platform.survey.models import SurveyResponse
from performance_platform.worker.runner import run_pending
from tests.conftest import FROZEN_NOW

from .conftest import SLUG, answer, make_service, stored

pytestmark = pytest.mark.django_db


def kpi_records(group: str) -> list[dict]:
    rows = Record.objects.filter(
        data_set__data_group__name=group,
        data_set__data_type__name=catalogue.USER_SATISFACTION.data_type,
    ).order_by("timestamp")
    return [row.data for row in rows]


def test_answers_are_counted_into_one_record_per_day(client, service):
    dashboard, ratings = service
    for rating in ("5", "5", "4", "1"):
        assert answer(client, rating).status_code == 302
    [record] = stored(ratings)
    assert record["_timestamp"] == "2026-11-25T00:00:00+00:00"
    assert record["period"] == "day"
    assert record["source"] == "done-page"
    assert [record[f"rating_{k}"] for k in range(1, 6)] == [1, 0, 0, 1, 2]
    assert record["total"] == 4
    assert record["_id"] == counting.day_record_id(datetime(2026, 11, 25, tzinfo=UTC))
    assert SurveyResponse.objects.count() == 4


def test_the_next_day_gets_its_own_record(client, service):
    _, ratings = service
    answer(client, "3")
    with time_machine.travel(FROZEN_NOW + timedelta(days=1), tick=False):
        answer(client, "2")
    first, second = stored(ratings)
    assert (first["rating_3"], first["rating_2"]) == (1, 0)
    assert (second["rating_3"], second["rating_2"]) == (0, 1)
    assert second["_timestamp"] == "2026-11-26T00:00:00+00:00"


def test_a_day_is_a_utc_day():
    late = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July in London
    assert counting.day_of(late) == datetime(2026, 6, 30, tzinfo=UTC)
    assert counting.day_record_id(counting.day_of(late)) != counting.day_record_id(
        counting.day_of(late + timedelta(hours=1))
    )


def test_the_daily_counts_make_the_monthly_kpi(client, service):
    """Days of one month add up in the user-satisfaction score (monthly, as the
    transform reads by month), beside the month's figures the service sent itself."""
    dashboard, ratings = service
    with time_machine.travel(datetime(2026, 11, 2, 9, tzinfo=UTC), tick=False):
        answer(client, "5")
        answer(client, "5")
    with time_machine.travel(datetime(2026, 11, 20, 9, tzinfo=UTC), tick=False):
        answer(client, "1")
    answer(client, "4")  # 25 November
    assert len(stored(ratings)) == 3
    assert run_pending(ignore_run_after=True) > 0
    [november] = [r for r in kpi_records(SLUG) if r["_start_at"].startswith("2026-11-01")]
    assert november["num_responses"] == 4
    assert [november[f"rating_{k}"] for k in range(1, 6)] == [1, 0, 0, 1, 2]
    # (mean 3.75 − 1) / 4
    assert november["score"] == pytest.approx(0.6875)


def test_a_quarterly_service_gets_a_quarterly_kpi(client, org):
    """Days in two months of one quarter make one quarterly score (the transform reads
    by quarter for a quarterly service)."""
    dashboard, ratings = make_service("quarterly-service", org, cadence="quarterly")
    with time_machine.travel(datetime(2026, 10, 5, 9, tzinfo=UTC), tick=False):
        counting.record_answer(dashboard, ratings, 5, "")
    counting.record_answer(dashboard, ratings, 3, "")  # 25 November
    assert len(stored(ratings)) == 2
    run_pending(ignore_run_after=True)
    [quarter] = kpi_records("quarterly-service")
    assert quarter["_start_at"].startswith("2026-10-01")
    assert quarter["num_responses"] == 2
    assert quarter["score"] == pytest.approx(0.75)


def test_comments_never_reach_the_data_set_or_the_public_read_api(client, service):
    dashboard, ratings = service
    ratings.raw_queries_allowed = True
    ratings.save()
    answer(client, "2", "SECRET-COMMENT the form was slow")
    for record in stored(ratings):
        assert "SECRET-COMMENT" not in repr(record)
    for path in (
        f"/data/{SLUG}/customer-satisfaction",
        f"/data/{SLUG}/customer-satisfaction?period=month&duration=3&collect=rating_2:sum",
        f"/data/{SLUG}/customer-satisfaction?format=csv",
        f"/data/{SLUG}/{catalogue.USER_SATISFACTION.data_type}",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.content[:300])
        assert b"SECRET-COMMENT" not in response.content
        assert b"slow" not in response.content
    [record] = client.get(f"/data/{SLUG}/customer-satisfaction").json()["data"]
    assert record["rating_2"] == 1
    run_pending(ignore_run_after=True)
    assert b"SECRET-COMMENT" not in client.get(f"/performance/{SLUG}").content


def test_a_refused_count_stores_nothing(client, service, caplog):
    """A data set whose schema no longer takes the day's record: the person is thanked,
    and neither the answer nor a count is kept (together or not at all)."""
    _, ratings = service
    ratings.schema = {"type": "object", "required": ["channel"]}
    ratings.save()
    response = answer(client, "5", "hello")
    assert response.status_code == 302
    assert not SurveyResponse.objects.exists()
    assert stored(ratings) == []
    assert "answer not stored" in caplog.text


def test_a_count_overwritten_with_nonsense_starts_again(service):
    dashboard, ratings = service
    counting.record_answer(dashboard, ratings, 5, "")
    record_id = counting.day_record_id(counting.day_of(FROZEN_NOW))
    Record.objects.filter(record_id=record_id).update(
        data={**stored(ratings)[0], "rating_5": "many"}
    )
    counting.record_answer(dashboard, ratings, 5, "")
    assert stored(ratings)[0]["rating_5"] == 1


def test_a_rating_outside_one_to_five_is_refused(service):
    dashboard, ratings = service
    with pytest.raises(ValueError):
        counting.record_answer(dashboard, ratings, 6, "")
    assert stored(ratings) == []


THREADS = 6
EACH = 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_answers_lose_no_count(org):
    """Answers at the same moment from several threads (each its own connection): the
    row lock (PostgreSQL) or the write lock (SQLite) makes every one count."""
    dashboard, ratings = make_service("busy-service", org)
    start = threading.Barrier(THREADS)
    errors = []

    def worker(n: int):
        try:
            start.wait()
            for _ in range(EACH):
                counting.record_answer(dashboard, ratings, 1 + n % 5, "")
        except Exception as exc:  # noqa: BLE001 - reported below, with its thread
            errors.append(f"{n}: {exc!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    [record] = stored(ratings)
    assert record["total"] == THREADS * EACH
    expected = {k: 0 for k in range(1, 6)}
    for n in range(THREADS):
        expected[1 + n % 5] += EACH
    assert [record[f"rating_{k}"] for k in range(1, 6)] == [expected[k] for k in range(1, 6)]
    assert SurveyResponse.objects.count() == THREADS * EACH
    assert connection.vendor in ("sqlite", "postgresql")
