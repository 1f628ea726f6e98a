"""The server's ASGI guard, in front of small ASGI applications that misbehave on purpose.

Django never fails this way on its own (its handler turns every exception into a
response), so these cases are staged with stand-in applications; the guard is the real
one. The end-to-end cases (slow bodies, bodies over the cap) run against a real server in
``test_slow_clients.py``, ``test_protocol_errors.py`` and ``test_http_limits.py``.
"""

import asyncio
import json

import pytest

from performance_platform.server.config import ServerSettings
from performance_platform.server.guard import Guard


def scope(headers=()):
    return {"type": "http", "method": "POST", "path": "/data/a/b", "headers": list(headers)}


def run(app, scope, body_parts=(b"",), *, stall=False, settings=None):
    """Call the guarded ``app``; returns the messages it sent and whether it was called.

    The client sends ``body_parts``; with ``stall`` it then says more is coming and sends
    nothing for an hour.
    """
    sent, called = [], []
    parts = list(body_parts)

    async def receive():
        if parts:
            part = parts.pop(0)
            return {"type": "http.request", "body": part, "more_body": stall or bool(parts)}
        await asyncio.sleep(3600)

    async def send(message):
        sent.append(message)

    async def wrapped(scope, receive, send):
        called.append(True)
        await app(scope, receive, send)

    guard = Guard(wrapped, settings or ServerSettings())
    asyncio.run(asyncio.wait_for(guard(scope, receive, send), timeout=30))
    return sent, bool(called)


def answer(sent):
    start, body = sent
    headers = dict(start["headers"])
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"connection"] == b"close"
    return start["status"], json.loads(body["body"])


async def failing_app(scope, receive, send):
    await receive()
    raise RuntimeError("boom")


async def silent_app(scope, receive, send):
    await receive()


async def reading_app(scope, receive, send):
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def test_an_application_failure_is_a_json_500():
    sent, _ = run(failing_app, scope())
    assert answer(sent) == (500, {"status": "error", "message": "Internal Server Error"})


def test_an_application_that_answers_nothing_gets_a_json_500():
    sent, _ = run(silent_app, scope())
    assert answer(sent) == (500, {"status": "error", "message": "Internal Server Error"})


def test_a_body_declared_over_the_cap_is_never_read(settings):
    """The application decides (its checks come first); the connection closes after."""
    settings.WRITE_MAX_BODY_BYTES = 1000
    bodies = []

    async def app(scope, receive, send):
        bodies.append(await receive())
        await send({"type": "http.response.start", "status": 401, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    sent, called = run(app, scope([(b"content-length", b"1001")]), body_parts=(b"a" * 1001,))
    assert bodies == [{"type": "http.request", "body": b"", "more_body": False}]
    assert sent[0]["status"] == 401
    assert sent[0]["headers"] == [(b"connection", b"close")]


def test_a_streamed_body_over_the_cap_is_refused(settings):
    settings.WRITE_MAX_BODY_BYTES = 1000
    sent, called = run(reading_app, scope(), body_parts=(b"a" * 600, b"a" * 600))
    assert called
    assert answer(sent)[0] == 413


def test_a_body_at_the_cap_is_passed_on(settings):
    settings.WRITE_MAX_BODY_BYTES = 1000
    sent, _ = run(reading_app, scope(), body_parts=(b"a" * 600, b"a" * 400))
    assert [m.get("status") for m in sent] == [200, None]


def test_a_body_that_stops_coming_gets_a_408():
    sent, _ = run(
        reading_app,
        scope(),
        body_parts=(b"a",),
        stall=True,
        settings=ServerSettings(body_timeout=0.2),
    )
    assert answer(sent) == (
        408,
        {"status": "error", "message": "The request body did not arrive within 0.2 seconds"},
    )


@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "3601"])
def test_bad_timeouts_are_refused(value):
    with pytest.raises(ValueError, match="SERVE_BODY_TIMEOUT must be a number of seconds"):
        ServerSettings.from_environ({"SERVE_BODY_TIMEOUT": value})


def test_timeouts_from_the_environment():
    settings = ServerSettings.from_environ(
        {"SERVE_HEADER_TIMEOUT": "2.5", "SERVE_BODY_TIMEOUT": " 30 ", "SERVE_GRACEFUL_TIMEOUT": ""}
    )
    assert settings == ServerSettings(header_timeout=2.5, body_timeout=30.0)
