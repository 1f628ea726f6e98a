"""Bar charts: vertical bars, each with its value above it and its label below."""

import math
from collections.abc import Callable, Sequence

from .data import _bars
from .scales import _format_default, _safe_call
from .style import FONT_SIZE, PALETTE, SECONDARY_TEXT, SMALL_FONT_SIZE, TEXT
from .svg import _empty, _open, _prefix, _size
from .text import _clean, _esc, _f, _text_width, _wrap


def bar_chart(
    bars: Sequence[tuple[str, float | None]],
    *,
    title: str,
    desc: str | None = None,
    value_format: Callable[[float], str] | None = None,
    height: int = 300,
    width: int = 640,
    id_prefix: str | None = None,
) -> str:
    """Vertical bars, each with its formatted value above it and its label below.

    For "bar chart with number", "column" and the breakdown of satisfaction ratings. A bar
    whose value is None has no bar, and says "no data". ``desc`` defaults to the list of
    labels and values.
    """
    width, height = _size(width, 640, 120), _size(height, 300, 100)
    title = _clean(title)
    prefix = _prefix(id_prefix, title)
    items = _bars(bars)
    values = [value for _, value in items if value is not None]
    if not values:
        return _empty(prefix, title, width, height)
    value_format = value_format or _format_default
    texts = [
        "no data" if value is None else _safe_call(value_format, value, _format_default)
        for _, value in items
    ]
    if desc is None:
        desc = "; ".join(f"{label}: {text}" for (label, _), text in zip(items, texts, strict=True))
        desc += "."

    left, right = 8.0, width - 8.0
    band = (right - left) / len(items)
    label_top = height - 40
    negative = min(values) < 0
    top, bottom = 26.0, label_top - (22 if negative else 4)
    low, high = min(0.0, *values), max(0.0, *values)
    if high == low:
        high = 1.0

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    zero = y_of(0.0)
    # Values shrink (down to the small text size, 12px: smaller is hard to read on a phone,
    # where charts are drawn about actual size) to fit their bars. If there are still too
    # many bars for their values or labels, every n-th bar, counting back from the last, is
    # written.
    widest = max(_text_width(text, FONT_SIZE) for text in texts) * 1.1  # bold
    value_size = FONT_SIZE
    if widest > band - 4:
        value_size = max(SMALL_FONT_SIZE, int(FONT_SIZE * (band - 4) / widest))
    value_width = widest * value_size / FONT_SIZE
    every = max(math.ceil(36 / band), math.ceil((value_width + 4) / band), 1)
    label_room = band * every - 6
    bar_width = min(band * 0.7, 120)

    parts = _open(prefix, "bar", width, height, title, desc)
    parts.append(f'<g class="pp-bars" fill="{TEXT}">')
    for index, ((label, value), text) in enumerate(zip(items, texts, strict=True)):
        centre = left + band * (index + 0.5)
        parts.append('<g class="pp-bar">')
        written = index % every == (len(items) - 1) % every
        if value is None and written:
            parts.append(
                f'<text class="pp-bar-value pp-no-data" x="{_f(centre)}" y="{_f(zero - 6)}"'
                f' text-anchor="middle" font-size="{value_size}" fill="{SECONDARY_TEXT}">'
                f"{_esc(text)}</text>"
            )
        elif value is not None:
            y = y_of(value)
            parts.append(
                f'<rect x="{_f(centre - bar_width / 2)}" y="{_f(min(y, zero))}"'
                f' width="{_f(bar_width)}" height="{_f(abs(zero - y))}" fill="{PALETTE[0]}"/>'
            )
            text_y = y - 6 if value >= 0 else y + value_size + 2
            if written:
                half = value_width / 2 + 2  # keep the value inside the chart at the edges
                text_x = min(max(centre, half), width - half)
                parts.append(
                    f'<text class="pp-bar-value" x="{_f(text_x)}" y="{_f(text_y)}"'
                    f' text-anchor="middle" font-size="{value_size}" font-weight="bold">'
                    f"{_esc(text)}</text>"
                )
        if written:
            lines = _wrap(label, label_room, 2, SMALL_FONT_SIZE)
            spans = "".join(
                f'<tspan x="{_f(centre)}" y="{_f(label_top + 16 + 15 * n)}">{_esc(line)}</tspan>'
                for n, line in enumerate(lines)
            )
            parts.append(
                f'<text class="pp-bar-label" text-anchor="middle" font-size="12">{spans}</text>'
            )
        parts.append("</g>")
    parts.append(
        f'<line class="pp-axis-line" x1="{_f(left)}" x2="{_f(right)}" y1="{_f(zero)}"'
        f' y2="{_f(zero)}" stroke="{SECONDARY_TEXT}"/></g></svg>'
    )
    return "".join(parts)
