"""Fuzz the data API of a real server with schemathesis, from the server's own OpenAPI document.

The document is fetched from ``/api/openapi.json`` of a running ``serve`` process, and
every generated request goes to that process over HTTP. Every response must:

* not be a server error (5xx);
* use a status code, content type, headers and body that the document declares;
* be JSON in one of the API's two envelopes, ``{"status", "message"}`` or ``{"messages"}``.

Random path segments would only ever meet "no such data set", so cases are steered:
some target the real data set, some carry its valid token, and some name records that
exist, so the authenticated code paths (validation, storage, PATCH, DELETE) are fuzzed too.

Every operation the live document lists is fuzzed (so new ones are covered without
editing this file), driven by ``operation.as_strategy()`` under Hypothesis' ``@given``.
(``schemathesis.pytest.from_fixture`` would be the natural fit for a schema that only
exists once a server runs, but schemathesis 4.32 reads ``Node._nodeid``, which
pytest 9.2 no longer has.)
"""

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from performance_platform.datastore import views
from performance_platform.datastore.models import Record
from tests.conftest import start_server

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

GROUP, TYPE, NAME = "fuzz-group", "fuzz-type", "fuzz_group_fuzz_type"
TOKEN = "fuzz-token-0123456789abcdefghijklmnop"
ADMIN_TOKEN = "fuzz-admin-token-0123456789abcdefghij"  # for DELETE /data-sets/{name}
RECORD_IDS = [f"rec-{i}" for i in range(5)]
# Ids no record can have, mixed in so the lookups meet them on every database.
ODD_IDS = ["\x00", "rec-0\x00", "%", "%00", "a/b", " ", "é", "x" * 600]
MAX_EXAMPLES = 60
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def load_schema(server):
    return schemathesis.openapi.from_url(
        f"{server.url}/api/openapi.json",
        config=schemathesis.Config.from_dict({"base-url": server.url}),
        timeout=30,
    )


@pytest.fixture(scope="module")
def fuzz_server(django_db_setup, django_db_blocker):
    """A server of its own, with the platform admin token set so that endpoint is fuzzed too."""
    server = start_server(extra_env={"DATA_SET_ADMIN_TOKEN": ADMIN_TOKEN})
    yield server
    server.stop()


@pytest.fixture
def fuzz_data_set(fuzz_server, make_data_set):
    """The data set the steered cases aim at, with a few records to PATCH and DELETE."""
    data_set, _ = make_data_set(group=GROUP, data_type=TYPE, token=TOKEN)
    seed(fuzz_server)
    return data_set


def seed(server) -> None:
    response = requests.post(
        f"{server.url}/data/{GROUP}/{TYPE}",
        json=[{"_id": rid, "_timestamp": "2015-01-01T00:00:00Z", "count": 1} for rid in RECORD_IDS],
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text


# Whether to aim at the real data set, whether to send the right token, and which record
# to name; each "yes" three times out of four, so most cases get past lookup and auth.
MOSTLY = st.sampled_from([True, True, True, False])
STEERING = st.tuples(
    MOSTLY, MOSTLY, st.none() | st.sampled_from(RECORD_IDS) | st.sampled_from(ODD_IDS)
)


def steer(case, choice) -> None:
    real_target, real_token, record = choice
    params = dict(case.path_parameters or {})
    if real_target and "group" in params:
        params.update(group=GROUP, type=TYPE)
    if real_target and "name" in params:
        params["name"] = NAME
    if record is not None and "id" in params:
        params["id"] = record
    if params:
        case.path_parameters = params
    if real_token:
        token = ADMIN_TOKEN if case.path.startswith("/data-sets/") else TOKEN
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


def header(response, name: str) -> str:
    """One header of a schemathesis Response (its headers map lower-case names to lists)."""
    return ", ".join(response.headers.get(name.lower(), []))


def assert_envelope(response, case) -> None:
    """JSON in one of the two envelopes (a successful read or CSV has its own shape)."""
    context = (case.as_curl_command(), response.status_code, response.text[:300])
    if response.status_code == 304 or case.method.upper() in ("OPTIONS", "HEAD"):
        return
    content_type = header(response, "Content-Type")
    if response.status_code == 200 and case.method.upper() == "GET":
        assert content_type.startswith(("application/json", "text/csv")), context
        return
    assert content_type.startswith("application/json"), context
    payload = response.json()
    assert isinstance(payload, dict), context
    if "messages" in payload:
        assert set(payload) == {"messages"}, context
        assert isinstance(payload["messages"], list) and payload["messages"], context
        assert all(isinstance(m, str) for m in payload["messages"]), context
        assert response.status_code == 400, context
    else:
        assert set(payload) <= {"status", "message", "parameter"}, context
        expected = "ok" if response.status_code == 200 else "error"
        assert payload.get("status") == expected, context
        if expected == "error":
            assert isinstance(payload.get("message"), str) and payload["message"], context


def reached_the_data_set(response) -> bool:
    """True when a response comes from past the data set lookup and the token check."""
    if response.status_code in (401, 405):
        return False
    if response.status_code == 404:
        return response.json().get("message") not in (
            "Could not find data_set_config",
            views.NOT_FOUND,
        )
    return True


def fuzz_operation(server, operation, mode) -> list[bool]:
    """Run generated cases for one operation; returns, per case, whether it got through."""
    seed(server)  # an earlier operation may have deleted the records (PUT [], DELETE)
    reached: list[bool] = []

    @given(case=operation.as_strategy(generation_mode=mode), choice=STEERING)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case, choice):
        steer(case, choice)
        response = case.call(base_url=server.url, timeout=30)
        assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
        case.validate_response(response, checks=CHECKS)
        assert_envelope(response, case)
        reached.append(reached_the_data_set(response))

    fuzz()
    return reached


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_fuzz_every_operation(fuzz_server, fuzz_data_set, mode):
    """Every operation of the live document, whatever it holds when the test runs."""
    schema = load_schema(fuzz_server)
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {f"{op.method.upper()} {op.path}" for op in operations}
    # The write API at least must be there (and so be fuzzed).
    assert {
        "POST /data/{group}/{type}",
        "PUT /data/{group}/{type}",
        "PATCH /data/{group}/{type}/{id}",
        "DELETE /data/{group}/{type}/{id}",
        "POST /{name}",
    } <= labels
    failures, exercised = {}, set()
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        try:
            reached = fuzz_operation(fuzz_server, operation, mode)
        except Unsatisfiable:
            # Negative mode needs something to get wrong: an operation with no body and
            # only free-form string parameters has no invalid input.
            if mode is GenerationMode.NEGATIVE:
                continue
            raise
        except Exception as exc:  # noqa: BLE001 - report every operation, then fail
            failures[label] = exc
            continue
        assert reached, f"{label}: no case was generated"
        exercised.add(label)
        if operation.path.startswith("/data/"):
            # The steering works: some cases got past the data set lookup and the token.
            assert any(reached), f"{label}: no case reached the data set"
    # Whatever the mode, the write operations with a body were really exercised.
    assert {
        "POST /data/{group}/{type}",
        "PUT /data/{group}/{type}",
        "PATCH /data/{group}/{type}/{id}",
        "POST /{name}",
    } <= exercised | set(failures)
    if failures:
        first = next(iter(failures.values()))
        details = "\n\n".join(f"{label}: {exc}" for label, exc in failures.items())
        raise AssertionError(f"{len(failures)} operation(s) failed:\n\n{details}") from first


def test_fuzzing_left_other_data_sets_alone(fuzz_server, fuzz_data_set, make_data_set):
    """Fuzzing one data set with its token never writes to another."""
    other, other_token = make_data_set(group="other-group", data_type="other-type")
    schema = load_schema(fuzz_server)
    operation = schema["/data/{group}/{type}"]["POST"]

    @given(case=operation.as_strategy(), choice=STEERING)
    @settings(
        max_examples=30,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case, choice):
        steer(case, choice)
        case.path_parameters = {"group": "other-group", "type": "other-type"}
        response = case.call(base_url=fuzz_server.url, timeout=30)
        assert response.status_code in (401, 400, 413, 415), response.text[:300]

    fuzz()
    assert Record.objects.filter(data_set=other).count() == 0
