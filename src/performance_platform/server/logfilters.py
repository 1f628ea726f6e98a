"""Logging filters for the access log.

:class:`HidePreviewTokens` takes the token out of preview addresses
(``/performance/preview/<token>/<slug>``) before a line is written: a preview link is a
secret that only its SHA-256 is kept of, and the access log must not keep it either.
"""

import logging
import re

PREVIEW_TOKEN = re.compile(r"(/performance/preview/)[^/?#\s]+")
HIDDEN = r"\1[token]"


def hide_preview_tokens(text: str) -> str:
    """``text`` with every preview token replaced by ``[token]``."""
    return PREVIEW_TOKEN.sub(HIDDEN, text)


class HidePreviewTokens(logging.Filter):
    """Rewrite a record's message arguments (uvicorn's access log passes the path as one)
    so that no preview token is logged. Never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                hide_preview_tokens(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        elif isinstance(record.msg, str):
            record.msg = hide_preview_tokens(record.msg)
        return True
