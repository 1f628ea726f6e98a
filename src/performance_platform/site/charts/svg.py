"""The ``<svg>`` element every chart opens with (ids, title, description), and the small
chart that says "No data"."""

import hashlib
import re

from .scales import _num
from .style import FONT_SIZE, NO_DATA, NO_DATA_DESC, SECONDARY_TEXT
from .text import _clean, _esc


def _prefix(id_prefix, seed: str) -> str:
    if id_prefix is None or _clean(id_prefix) == "":
        digest = hashlib.blake2s(seed.encode("utf-8", "surrogatepass"), digest_size=4)
        return "chart-" + digest.hexdigest()
    clean = re.sub(r"[^A-Za-z0-9_-]", "-", _clean(id_prefix))
    return clean if clean[:1].isascii() and clean[:1].isalpha() else "c" + clean


def _size(value, default: int, minimum: int) -> int:
    number = _num(value)
    if number is None:
        return default
    return int(max(minimum, min(number, 10_000)))


_KIND_DESC = {
    "line": "A line chart.",
    "area": "A stacked area chart.",
    "bar": "A bar chart.",
    "funnel": "A funnel chart.",
    "sparkline": "A sparkline.",
}


def _open(prefix: str, kind: str, width: float, height: float, title: str, desc: str) -> list:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{prefix}" class="pp-chart pp-chart--{kind}"'
        f' role="img" aria-labelledby="{prefix}-title {prefix}-desc"'
        f' viewBox="0 0 {width:g} {height:g}" width="100%" focusable="false"'
        f' font-family="inherit" font-size="{FONT_SIZE}">',
        f'<title id="{prefix}-title">{_esc(title) or "Chart"}</title>',
        f'<desc id="{prefix}-desc">{_esc(desc) or _KIND_DESC.get(kind, "Chart.")}</desc>',
    ]


def _empty(prefix: str, title: str, width: int, height: int, desc: str = NO_DATA_DESC) -> str:
    """A small chart that says there is nothing to show."""
    title = _clean(title)
    height = min(height, 60)
    size = min(FONT_SIZE, max(8, height // 2))
    title = f"{title} ({NO_DATA.lower()})" if title else NO_DATA
    parts = _open(prefix, "empty", width, height, title, desc)
    parts.append(
        f'<text class="pp-no-data" x="{width / 2:g}" y="{height / 2 + size * 0.35:.1f}"'
        f' text-anchor="middle" font-size="{size}" fill="{SECONDARY_TEXT}">{NO_DATA}</text></svg>'
    )
    return "".join(parts)


def _join_desc(*parts: str) -> str:
    return " ".join(part for part in (_clean(p) for p in parts) if part)
