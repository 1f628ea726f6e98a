"""Template tags for the public pages: ``{% load pp %}``.

Number formatting (the rules live in :mod:`performance_platform.lib.formatting`):

``{{ value|fmt:"percent" }}``
    Safe HTML for a headline or a sentence: a shortened or rounded number is wrapped in
    ``<abbr title="full value">``; a missing value is a grey "no data".
``{{ value|cell:"currency" }}``
    The same for a table cell: a missing value is "—" titled "No data provided".
``{{ value|format_cell:"number" }}``
    Plain text for a table cell ("—" when missing), escaped like any variable: for
    attributes, CSV-like text, and places where markup is not wanted.
``{{ value|fmt_text:"currency" }}``
    Plain text, "no data" when missing (``formatting.format_value``).

The argument is a format: a type name (``"percent"``), a dict from module options (a
context variable such as ``column.fmt``), or a type followed by options, written
``"currency magnitude sigfigs=3"`` (a bare word is a true flag; numbers, ``true`` and
``false`` are read as such).

Static files:

``{% asset "site/app.css" as css_url %}``
    The URL of a static file, or ``""`` when it cannot be found (the stylesheet was not
    built, or ``collectstatic`` has not run), so a template can leave a link out instead
    of failing the whole page.
"""

import contextlib
import logging
from collections.abc import Mapping

from django import template
from django.contrib.staticfiles.storage import staticfiles_storage

from performance_platform.lib import formatting

register = template.Library()
log = logging.getLogger(__name__)


def _scalar(text: str):
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        with contextlib.suppress(ValueError):
            return kind(text)
    return text


def parse_format(fmt):
    """A format for :mod:`formatting` from a filter argument (see the module docstring)."""
    if isinstance(fmt, Mapping) or not isinstance(fmt, str):
        return fmt
    words = fmt.split()
    if len(words) <= 1:
        return fmt.strip()
    options = {"type": words[0]}
    for word in words[1:]:
        name, sep, value = word.partition("=")
        options[name] = _scalar(value) if sep else True
    return options


@register.filter
def fmt(value, fmt="number"):
    """Safe HTML for ``value`` (``formatting.format_html``; abbreviations marked up)."""
    return formatting.format_html(value, parse_format(fmt))


@register.filter
def cell(value, fmt="number"):
    """Safe HTML for a table cell: like :func:`fmt`, but a missing value is "—"."""
    return formatting.format_html(value, parse_format(fmt), missing="table")


@register.filter
def format_cell(value, fmt="number"):
    """Plain text for a table cell (``formatting.format_cell``): "—" when missing."""
    return formatting.format_cell(value, parse_format(fmt))


@register.filter
def fmt_text(value, fmt="number"):
    """Plain text (``formatting.format_value``): "no data" when missing."""
    return formatting.format_value(value, parse_format(fmt))


_missing_assets: set[str] = set()


@register.simple_tag
def asset(path: str) -> str:
    """The static URL of ``path``, or "" when the file is not available."""
    try:
        return staticfiles_storage.url(path)
    except ValueError:  # the manifest has no entry: not built, or collectstatic not run
        if path not in _missing_assets:
            _missing_assets.add(path)
            log.warning("static file %s is missing: pages are served without it", path)
        return ""
