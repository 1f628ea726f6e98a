"""Text formats: slugs as sentences, singular or plural words, and URLs (as safe links).

The ``_format_*`` functions are the formatters for the ``sentence``, ``plural`` and ``url``
types of :mod:`performance_platform.lib.formatting`; :func:`_link` is its HTML form of a URL.
"""

import re
from urllib.parse import urlsplit

from django.utils.html import format_html as _django_format_html
from django.utils.safestring import SafeString

from .common import _safe_str
from .numbers import _to_decimal

_QUESTION = re.compile(r"^(can|how|what|why|where|who|when|is)\b", re.IGNORECASE)


def _format_sentence(value, options: dict, exact: bool) -> str:
    text = (value if isinstance(value, str) else _safe_str(value)).replace("-", " ")
    extra = options.get("uppercase")
    words = ["i"]
    if isinstance(extra, list | tuple):
        words += [word for word in extra if isinstance(word, str) and word]
    always_upper = re.compile(r"\b(" + "|".join(re.escape(word) for word in words) + r")\b")
    text = always_upper.sub(lambda match: match.group(0).upper(), text)
    if _QUESTION.match(text) and not text.rstrip().endswith("?"):
        text += "?"
    return text[:1].upper() + text[1:]


def _format_plural(value, options: dict, exact: bool) -> str:
    singular = options.get("singular")
    if not isinstance(singular, str):
        # Without a word there is nothing to choose between; show the value itself.
        return _safe_str(value)
    plural = options.get("plural")
    if not isinstance(plural, str):
        plural = singular + "s"
    number = _to_decimal(value)
    return singular if number is not None and number.is_finite() and number == 1 else plural


def _format_url(value, options: dict, exact: bool) -> str:
    return _safe_str(value)


def _link(url: str) -> SafeString:
    """An http(s) address as a link; anything else (``javascript:`` included) as plain text."""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    plain = parts is None or parts.scheme not in ("http", "https") or not parts.netloc
    if plain or any(char.isspace() or ord(char) < 32 for char in url):
        return _django_format_html("{}", url)
    return _django_format_html('<a href="{}">{}</a>', url, url)
