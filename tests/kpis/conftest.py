"""Fixtures and helpers for the KPI and transform tests.

Source records go in through the real write API (Django test client); queued transforms
are run in this process by the worker's ``run_pending``, as ``worker --batch`` would.
Expected figures are worked out by hand in each test, never with the code under test.
"""

import base64
import json

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from performance_platform.datastore.models import DataGroup, DataSet, DataType, Record
from performance_platform.kpis.models import Transform
from performance_platform.worker.runner import run_pending

TOKEN = "kpi-secret-token-0123456789abcdef"


def token_for(group: str, data_type: str) -> str:
    """Each data set's own write token (token hashes are unique across data sets)."""
    return f"{TOKEN}-{group}-{data_type}"


TX = "transactions-by-channel"
TAKEUP = "digital-takeup"
SUMMARY_GROUP, SUMMARY_TYPE = "performance-platform", "kpi-summaries"


@pytest.fixture(autouse=True)
def _any_host(settings):
    # The Django test client uses the host "testserver".
    settings.ALLOWED_HOSTS = ["*"]


def post(client, group, data_type, body, *, token=None, path=""):
    """POST a JSON body to /data/<group>/<type><path>; returns the response."""
    token = token or token_for(group, data_type)
    return client.post(
        f"/data/{group}/{data_type}{path}",
        data=body if isinstance(body, bytes | str) else json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def write(client, group, data_type, records, *, token=None):
    """POST records and insist they were stored."""
    response = post(client, group, data_type, records, token=token)
    assert response.status_code == 200, response.content
    return response


def delete(client, group, data_type, record_id, *, token=None):
    token = token or token_for(group, data_type)
    return client.delete(
        f"/data/{group}/{data_type}/{record_id}", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def make_transform(
    type_,
    input_type,
    output_type,
    *,
    input_group=None,
    output_group=None,
    options=None,
    query=None,
    enabled=True,
):
    """Create a Transform; groups and types are created by name when missing."""

    def group(name):
        return DataGroup.objects.get_or_create(name=name)[0] if name else None

    return Transform.objects.create(
        type=type_,
        input_group=group(input_group),
        input_type=DataType.objects.get_or_create(name=input_type)[0],
        output_group=group(output_group),
        output_type=DataType.objects.get_or_create(name=output_type)[0],
        options=options or {},
        query=query or {},
        enabled=enabled,
    )


def find(group, data_type) -> DataSet | None:
    return (
        DataSet.objects.filter(data_group__name=group, data_type__name=data_type)
        .select_related("data_group", "data_type")
        .first()
    )


def records(group, data_type) -> list[dict]:
    """The stored records of group/type, oldest first (empty if the data set is missing)."""
    found = find(group, data_type)
    if found is None:
        return []
    rows = Record.objects.filter(data_set=found).order_by("timestamp", "record_id")
    return [r.data for r in rows]


def by_start(group, data_type) -> dict[str, dict]:
    """Stored derived (per-period) records keyed by their ``_start_at``."""
    return {r["_start_at"]: r for r in records(group, data_type) if "_start_at" in r}


def drain() -> int:
    """Run every queued task here and now; returns how many ran."""
    return run_pending()


def waiting() -> int:
    """How many tasks are queued and not yet run."""
    return DBTaskResult.objects.filter(status=TaskResultStatus.READY).count()


def snapshot(group, data_type):
    """What a run that fails or changes nothing must leave untouched."""
    found = find(group, data_type)
    if found is None:
        return None
    found.refresh_from_db()
    rows = sorted(
        (r.record_id, json.dumps(r.data, sort_keys=True))
        for r in Record.objects.filter(data_set=found)
    )
    return found.version, found.last_written_at, tuple(rows)


def period_id(start: str, end: str) -> str:
    """The derived-record id worked out independently: URL-safe base64 of "start_end"."""
    return base64.urlsafe_b64encode(f"{start}_{end}".encode()).decode()


def day(iso_date: str, hour: int = 0) -> str:
    """A record timestamp on that date."""
    return f"{iso_date}T{hour:02d}:00:00Z"


def iso(iso_date: str) -> str:
    """A period boundary as derived records hold it."""
    return f"{iso_date}T00:00:00+00:00"


@pytest.fixture
def source(make_data_set):
    """A data set for group/type with its ``token_for`` token; returns it."""

    def make(group="svc", data_type=TX, **settings):
        token = token_for(group, data_type)
        data_set, _ = make_data_set(group=group, data_type=data_type, token=token, **settings)
        return data_set

    return make
