"""Two server processes on one database behave as one platform.

Nothing written through one process may be invisible to, or cached away from, the
other: records, deletions and token changes all go through the shared database.
Runs on SQLite (two processes sharing one file) and on PostgreSQL.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from performance_platform.datastore.models import Record, WriteAudit, WriteToken

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

PATH = "/data/test-group/test-type"


@pytest.fixture
def data_set(make_data_set):
    # Raw queries allowed, so the read API can list the records as stored.
    return make_data_set(raw_queries_allowed=True)


def call(server, method, path, token, payload=None, timeout=30):
    response = requests.request(
        method,
        f"{server.url}{path}",
        json=payload,
        headers={"Authorization": f"Bearer {token}"},
        timeout=timeout,
    )
    assert response.headers["Content-Type"] == "application/json", response.text
    return response


def records(data_set) -> dict[str, dict]:
    return {r.record_id: r.data for r in Record.objects.filter(data_set=data_set)}


def test_servers_are_separate_processes(two_servers):
    a, b = two_servers
    assert a.process.pid != b.process.pid
    assert a.port != b.port
    assert a.process.poll() is None and b.process.poll() is None


def test_patch_through_b_of_a_record_posted_through_a(two_servers, data_set):
    (a, b), (ds, token) = two_servers, data_set
    posted = {"_id": "r1", "_timestamp": "2015-01-01T00:00:00Z", "count": 1, "colour": "red"}
    assert call(a, "POST", PATH, token, [posted]).json() == {"status": "ok"}
    assert records(ds)["r1"]["count"] == 1

    response = call(b, "PATCH", f"{PATH}/r1", token, {"count": 2})
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok"}
    stored = records(ds)["r1"]
    assert stored["count"] == 2
    assert stored["colour"] == "red"  # the fields not sent are kept
    assert stored["_timestamp"] == "2015-01-01T00:00:00+00:00"

    # ...and A sees B's change: a further PATCH through A builds on it.
    assert call(a, "PATCH", f"{PATH}/r1", token, {"colour": "blue"}).status_code == 200
    assert {k: records(ds)["r1"][k] for k in ("count", "colour")} == {"count": 2, "colour": "blue"}


def test_delete_through_b_of_a_record_written_through_a(two_servers, data_set):
    (a, b), (ds, token) = two_servers, data_set
    batch = [
        {"_id": "keep", "_timestamp": "2015-01-01T00:00:00Z", "num": 1},
        {"_id": "drop", "_timestamp": "2015-01-02T00:00:00Z", "num": 2},
    ]
    assert call(a, "POST", PATH, token, batch).status_code == 200
    assert sorted(records(ds)) == ["drop", "keep"]

    response = call(b, "DELETE", f"{PATH}/drop", token)
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok"}
    assert sorted(records(ds)) == ["keep"]

    # Both servers now agree the record is gone.
    for server in (a, b):
        response = call(server, "DELETE", f"{PATH}/drop", token)
        assert response.status_code == 404
        assert response.json() == {"status": "error", "message": "No record found with id drop"}
        assert call(server, "PATCH", f"{PATH}/drop", token, {"num": 3}).status_code == 404
    assert sorted(records(ds)) == ["keep"]


def test_put_empty_through_b_empties_what_a_wrote(two_servers, data_set):
    (a, b), (ds, token) = two_servers, data_set
    batch = [{"_timestamp": f"2015-01-{day:02d}T00:00:00Z", "num": day} for day in range(1, 11)]
    assert call(a, "POST", PATH, token, batch).status_code == 200
    assert len(records(ds)) == 10

    response = call(b, "PUT", PATH, token, [])
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ok",
        "message": "test_group_test_type now contains 0 records",
    }
    assert records(ds) == {}
    # A record written through A afterwards is the only one.
    assert call(a, "POST", PATH, token, [{"_id": "new", "_timestamp": "2016-01-01"}]).ok
    assert list(records(ds)) == ["new"]
    actions = list(WriteAudit.objects.filter(data_set=ds).order_by("at", "pk"))
    assert [(w.action, w.record_count) for w in actions] == [
        ("append", 10),
        ("empty", 10),
        ("append", 1),
    ]


def test_a_data_set_created_after_start_is_served_by_both(two_servers, make_data_set):
    a, b = two_servers
    ds, token = make_data_set(group="late-group", data_type="late-type", token="late-token-123456")
    for i, server in enumerate((a, b)):
        response = call(
            server,
            "POST",
            "/data/late-group/late-type",
            token,
            {"_id": f"from-{i}", "_timestamp": "2015-01-01"},
        )
        assert response.status_code == 200, response.text
    assert sorted(records(ds)) == ["from-0", "from-1"]


def test_token_revoked_in_the_database_is_refused_by_both(two_servers, data_set):
    (a, b), (ds, token) = two_servers, data_set
    record = {"_timestamp": "2015-01-01T00:00:00Z", "num": 1}
    for server in (a, b):  # both have used (and could have cached) the token
        assert call(server, "POST", PATH, token, [record]).status_code == 200
    WriteToken.objects.get(data_set=ds).revoke()
    before = len(records(ds))
    for server in (a, b):
        response = call(server, "POST", PATH, token, [record])
        assert response.status_code == 401
        assert response.json()["message"].startswith("Unauthorized: Invalid bearer token")
    assert len(records(ds)) == before == 2


def test_concurrent_writes_through_both_servers(two_servers, data_set):
    """Writes racing through both processes are all stored, none lost or duplicated."""
    (a, b), (ds, token) = two_servers, data_set
    per_writer = 15

    def writer(index):
        server = (a, b)[index % 2]
        statuses = []
        for n in range(per_writer):
            batch = [
                {"_id": f"w{index}-{n}", "_timestamp": "2015-01-01T00:00:00Z", "num": n},
                # Every writer also overwrites one shared record: the last write wins.
                {"_id": "shared", "_timestamp": "2015-01-01T00:00:00Z", "writer": index},
            ]
            statuses.append(call(server, "POST", PATH, token, batch, timeout=60).status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(writer, range(4)))
    assert all(status == 200 for statuses in results for status in statuses), results
    stored = records(ds)
    assert len(stored) == 4 * per_writer + 1
    assert stored["shared"]["writer"] in range(4)
    assert WriteAudit.objects.filter(data_set=ds, action="append").count() == 4 * per_writer
    ds.refresh_from_db()
    assert ds.version == 4 * per_writer


def read(server, params=None):
    response = requests.get(f"{server.url}{PATH}", params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response


def test_reads_through_one_server_see_writes_through_the_other(two_servers, data_set):
    """No process serves a stale answer: each read reflects the last write, wherever made."""
    (a, b), (ds, token) = two_servers, data_set
    assert read(b).json()["data"] == []
    for n, (writer, reader) in enumerate([(a, b), (b, a), (a, b), (b, a)], start=1):
        record = {"_id": "r1", "_timestamp": "2015-01-01T00:00:00Z", "count": n}
        assert call(writer, "POST", PATH, token, [record]).status_code == 200
        rows = read(reader).json()["data"]
        assert [(row["_id"], row["count"]) for row in rows] == [("r1", n)]
    # An ETag from one process is honoured by the other while nothing changed...
    etag = read(a).headers.get("ETag")
    assert etag
    same = requests.get(f"{b.url}{PATH}", headers={"If-None-Match": etag}, timeout=30)
    assert same.status_code == 304
    # ...and no longer matches once the other process has written.
    assert call(b, "PATCH", f"{PATH}/r1", token, {"count": 99}).status_code == 200
    again = requests.get(f"{a.url}{PATH}", headers={"If-None-Match": etag}, timeout=30)
    assert again.status_code == 200, again.status_code
    assert [row["count"] for row in again.json()["data"]] == [99]
    assert call(b, "PUT", PATH, token, []).status_code == 200
    assert read(a).json()["data"] == []
    assert records(ds) == {}
