"""No log line keeps a preview token: the access log and the application's log show a
preview's address as /performance/preview/[token]/<slug>."""

import logging
import logging.config

from performance_platform.server.__main__ import log_config
from performance_platform.server.logfilters import HidePreviewTokens, hide_preview_tokens

TOKEN = "qGQAP1Ia1H9sy5WCB0AoRmfLSOCD_SEb4BWRHkBwvfM"


def test_tokens_are_hidden_in_paths():
    assert hide_preview_tokens(
        f"/performance/preview/{TOKEN}/renew-passport/by-channel.csv?x=1"
    ) == ("/performance/preview/[token]/renew-passport/by-channel.csv?x=1")
    assert hide_preview_tokens("/performance/renew-passport") == "/performance/renew-passport"


def access_record(path: str) -> logging.LogRecord:
    """A record as uvicorn's access logger makes one."""
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )


def test_the_servers_access_log_hides_tokens(capsys):
    logging.config.dictConfig(log_config("INFO"))
    try:
        logging.getLogger("uvicorn.access").handle(
            access_record(f"/performance/preview/{TOKEN}/renew-passport")
        )
        out = capsys.readouterr().out
        assert '"GET /performance/preview/[token]/renew-passport HTTP/1.1" 200' in out
        assert TOKEN not in out
    finally:
        logging.getLogger("uvicorn.access").handlers.clear()


def test_the_applications_log_hides_tokens(settings):
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, HidePreviewTokens) for f in h.filters)
    )
    record = logging.LogRecord(
        "django.request",
        logging.ERROR,
        __file__,
        1,
        "Internal Server Error: %s",
        (f"/performance/preview/{TOKEN}/renew-passport",),
        None,
    )
    assert handler.filter(record)
    assert TOKEN not in record.getMessage()
    assert "/performance/preview/[token]/renew-passport" in record.getMessage()
