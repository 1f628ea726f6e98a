"""Funnel charts: one horizontal bar per step of a journey, with its share of the first."""

from collections.abc import Callable, Sequence

from performance_platform.lib.formatting import format_percent

from .data import _bars
from .scales import _format_default, _safe_call
from .style import PALETTE, SECONDARY_TEXT, TEXT
from .svg import _empty, _open, _prefix, _size
from .text import _clean, _esc, _f, _fit, _text_width


def funnel_chart(
    steps: Sequence[tuple[str, float | None]],
    *,
    title: str,
    desc: str | None = None,
    value_format: Callable[[float], str] | None = None,
    width: int = 640,
    height: int | None = None,
    id_prefix: str | None = None,
) -> str:
    """A journey funnel: one horizontal bar per step, its label above it and, after it, the
    value and the percentage of the first step ("1,234 (56.7%)"). ``height`` defaults to what
    the steps need."""
    width = _size(width, 640, 160)
    title = _clean(title)
    items = _bars(steps)
    row = 48.0
    auto_height = int(12 + row * max(len(items), 1))
    height = auto_height if height is None else _size(height, auto_height, 60)
    prefix = _prefix(id_prefix, title)
    if not any(value is not None for _, value in items):
        return _empty(prefix, title, width, height)
    row = (height - 12) / len(items)
    value_format = value_format or _format_default
    first = items[0][1]
    texts, shares = [], []
    for _, value in items:
        if value is None:
            texts.append("no data")
            shares.append(None)
            continue
        share = format_percent(value / first) if first is not None and first > 0 else None
        shares.append(share)
        text = _safe_call(value_format, value, _format_default)
        texts.append(f"{text} ({share})" if share is not None else text)
    if desc is None:
        sentences = []
        for number, ((label, value), share) in enumerate(zip(items, shares, strict=True), 1):
            text = "no data" if value is None else _safe_call(value_format, value, _format_default)
            tail = f" ({share} of the first step)" if share is not None and number > 1 else ""
            sentences.append(f"Step {number}, {label}: {text}{tail}.")
        desc = " ".join(sentences)

    left = 8.0
    text_room = min(max(_text_width(text) for text in texts) + 12, width * 0.45)
    longest = width - 8 - text_room - left
    biggest = max((value for _, value in items if value is not None), default=0.0)
    bar_height = min(20.0, row * 0.4)
    parts = _open(prefix, "funnel", width, height, title, desc)
    parts.append(f'<g class="pp-funnel" fill="{TEXT}">')
    for index, ((label, value), text) in enumerate(zip(items, texts, strict=True)):
        top = 6 + row * index
        bar_top = top + row * 0.45
        parts.append(
            f'<g class="pp-step"><text class="pp-step-label" x="{_f(left)}"'
            f' y="{_f(bar_top - 6)}">{_esc(_fit(label, width - 16))}</text>'
        )
        length = 0.0
        if value is not None and value > 0 and biggest > 0:
            length = max(1.0, value / biggest * longest)
            parts.append(
                f'<rect x="{_f(left)}" y="{_f(bar_top)}" width="{_f(length)}"'
                f' height="{_f(bar_height)}" fill="{PALETTE[0]}"/>'
            )
        colour = f' fill="{SECONDARY_TEXT}"' if value is None else ""
        parts.append(
            f'<text class="pp-step-value" x="{_f(left + length + 8)}"'
            f' y="{_f(bar_top + bar_height / 2 + 5)}"{colour}>'
            f"{_esc(_fit(text, text_room))}</text></g>"
        )
    parts.append("</g></svg>")
    return "".join(parts)
