"""The frame of a chart with axes: y scale and ticks, x labels, annotation markers and the
series' names at the ends of their lines."""

import math
from collections.abc import Callable, Iterable

from .scales import _format_default, _nice_ticks, _percent_tick, _safe_call
from .style import GRID, PALETTE, SECONDARY_TEXT, SMALL_FONT_SIZE, TEXT
from .text import _esc, _f, _fit, _text_width
from .xaxis import _default_x_label, _XAxis


def _spread(wanted: list[float], gap: float, low: float, high: float) -> list[float]:
    """Positions as near ``wanted`` as possible, at least ``gap`` apart, within low..high.

    Overlapping labels are merged into clusters centred on the mean of what they wanted (the
    usual way to keep line-end labels apart). If they cannot all fit, they are squeezed."""
    count = len(wanted)
    if count == 0:
        return []
    if count > 1 and gap * (count - 1) > high - low:
        gap = max(high - low, 0) / (count - 1)
    order = sorted(range(count), key=wanted.__getitem__)
    clusters: list[list] = []  # [start, [wanted positions]]
    for index in order:
        clusters.append([wanted[index], [wanted[index]]])
        while True:
            last = clusters[-1]
            last[0] = min(max(last[0], low), high - gap * (len(last[1]) - 1))
            if len(clusters) < 2:
                break
            before = clusters[-2]
            if before[0] + gap * len(before[1]) <= last[0] + 1e-9:
                break
            members = before[1] + last[1]
            mean = sum(members) / len(members)
            clusters[-2:] = [[mean - gap * (len(members) - 1) / 2, members]]
    placed = []
    for start, members in clusters:
        placed.extend(start + gap * i for i in range(len(members)))
    out = [0.0] * count
    for rank, index in enumerate(order):
        out[index] = placed[rank]
    return out


class _Frame:
    """The plot area of a chart with axes: y scale, ticks, x axis, margins."""

    def __init__(
        self,
        *,
        width: int,
        height: int,
        axis: _XAxis,
        low: float,
        high: float,
        tick_format: Callable[[float], str],
        percent: bool,
        fixed_low: bool,
        fixed_high: bool,
        right: float,
        top: float,
    ):
        self.width, self.height, self.axis = width, height, axis
        self.top = top
        self.bottom = height - 30
        count = max(2, min(8, int((self.bottom - self.top) // 45)))
        if high <= low:
            high = low + (abs(low) or 1.0)
        ticks = _nice_ticks(low, high, count)
        self.low = low if fixed_low else min(ticks[0], low)
        self.high = high if fixed_high else max(ticks[-1], high)
        self.ticks = [
            t for t in ticks if self.low - 1e-9 * abs(t) <= t <= self.high + 1e-9 * abs(t)
        ]
        step = (ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
        fallback = _percent_tick(step) if percent else _format_default
        formatter = tick_format or fallback
        self.tick_labels = [_safe_call(formatter, t, fallback) for t in self.ticks]
        label_room = max((_text_width(t, SMALL_FONT_SIZE) for t in self.tick_labels), default=0)
        self.left = min(label_room + 14, width * 0.3)
        self.right = width - min(right, width * 0.35)
        axis.place(self.left, self.right)

    def y(self, value: float) -> float:
        span = self.high - self.low
        return self.bottom - (value - self.low) / span * (self.bottom - self.top)

    def y_axis(self) -> str:
        out = ['<g class="pp-axis pp-axis--y" font-size="12">']
        room = self.left - 12
        for tick, label in zip(self.ticks, self.tick_labels, strict=True):
            y = self.y(tick)
            colour = SECONDARY_TEXT if tick == 0 else GRID
            out.append(
                f'<line class="pp-grid" x1="{_f(self.left)}" x2="{_f(self.right)}"'
                f' y1="{_f(y)}" y2="{_f(y)}" stroke="{colour}" stroke-width="1"/>'
                f'<text x="{_f(self.left - 6)}" y="{_f(y + 4)}" text-anchor="end"'
                f' fill="{TEXT}">{_esc(_fit(label, room, SMALL_FONT_SIZE))}</text>'
            )
        out.append("</g>")
        return "".join(out)

    def x_axis(self, x_format: Callable) -> str:
        """Labels under the plot, thinned so that they do not overlap; the last is always
        kept (the latest period matters most)."""
        ticks = self.axis.ticks
        if not ticks:
            return ""
        # A label may take half the plot, and at least 100 units: a small screen's chart
        # (340 wide) has a plot of about 160, where half would cut "17 Aug 2026" short.
        cap = max((self.right - self.left) / 2, 100.0)
        sample = range(len(ticks)) if len(ticks) <= 24 else range(0, len(ticks), len(ticks) // 6)
        widest = max(
            _text_width(_safe_call(x_format, ticks[i][1], _default_x_label), SMALL_FONT_SIZE)
            for i in [*sample, len(ticks) - 1]
        )
        widest = min(widest, cap)
        out = [f'<g class="pp-axis pp-axis--x" font-size="12" fill="{TEXT}">']
        previous = math.inf  # the left edge of the last label placed
        for key, x in reversed(ticks):
            px = self.axis.pixel(key)
            if previous - px < widest / 2 + 8:
                continue  # cheap test first: most labels are skipped without formatting
            label = _fit(_safe_call(x_format, x, _default_x_label), cap, SMALL_FONT_SIZE)
            half = _text_width(label, SMALL_FONT_SIZE) / 2
            anchor, tx, left_edge = "middle", px, px - half
            if px - half < 2:  # would run off the left edge
                anchor, tx, left_edge = "start", 2.0, 2.0
            elif px + half > self.width - 2:
                anchor, tx, left_edge = "end", self.width - 2.0, self.width - 2 - 2 * half
            if left_edge + 2 * half > previous - 8:
                continue
            out.append(
                f'<text x="{_f(tx)}" y="{_f(self.bottom + 18)}" text-anchor="{anchor}">'
                f"{_esc(label)}</text>"
            )
            previous = left_edge
        out.append(
            f'<line class="pp-axis-line" x1="{_f(self.left)}" x2="{_f(self.right)}"'
            f' y1="{_f(self.bottom)}" y2="{_f(self.bottom)}" stroke="{SECONDARY_TEXT}"/></g>'
        )
        return "".join(out)


def _annotation_rows(pixels: list[float | None]) -> tuple[list[int], int]:
    """Which row (0 = lowest) each annotation marker sits in, so that none overlap."""
    rows: list[float] = []
    chosen = []
    for px in pixels:
        if px is None:
            chosen.append(-1)
            continue
        for row, last in enumerate(rows):
            if px - last >= 20:
                rows[row] = px
                chosen.append(row)
                break
        else:
            rows.append(px)
            chosen.append(len(rows) - 1)
    return chosen, len(rows)


def _framed(axis: _XAxis, note_keys: list, **options) -> tuple[_Frame, list[int]]:
    """The frame of a chart, with room above the plot for the annotation markers, and the
    row each marker sits in (-1: not drawn, its x is outside the axis)."""
    shown = [key if axis.contains(key) else None for key in note_keys]
    top = 12 + (22 if any(key is not None for key in shown) else 0)
    frame = _Frame(axis=axis, top=top, **options)
    rows, count = _annotation_rows([None if k is None else axis.pixel(k) for k in shown])
    if count > 1:
        frame = _Frame(axis=axis, top=12 + 22 * count, **options)
        rows, _ = _annotation_rows([None if k is None else axis.pixel(k) for k in shown])
        rows = [min(row, count - 1) for row in rows]
    return frame, rows


def _draw_annotations(frame: _Frame, annotations, keys, rows) -> str:
    out = ['<g class="pp-annotations">']
    for number, ((_, text), key, row) in enumerate(zip(annotations, keys, rows, strict=True), 1):
        if row < 0:
            continue
        px = frame.axis.pixel(key)
        cy = frame.top - 12 - row * 22
        out.append(
            f'<g class="pp-annotation"><title>{number}. {_esc(text)}</title>'
            f'<line x1="{_f(px)}" x2="{_f(px)}" y1="{_f(cy + 9)}" y2="{_f(frame.bottom)}"'
            f' stroke="{TEXT}" stroke-width="1.5" stroke-dasharray="4 3"/>'
            f'<circle cx="{_f(px)}" cy="{_f(cy)}" r="9" fill="{TEXT}"/>'
            f'<text x="{_f(px)}" y="{_f(cy + 4)}" text-anchor="middle" font-size="12"'
            f' font-weight="bold" fill="#ffffff">{number}</text></g>'
        )
    out.append("</g>")
    return "".join(out)


def _end_labels(frame: _Frame, ends: list[tuple[int, float, float, str, str]], gap=18) -> str:
    """Series names at the right of the plot, level with where each series ends.

    ``ends`` holds ``(index, x, y, label, swatch)``: where the series ends and the markup of
    the swatch (its marker or fill) drawn before its name."""
    if not ends:
        return ""
    wanted = [y for _, _, y, _, _ in ends]
    placed = _spread(wanted, gap, frame.top + 6, frame.bottom - 6)
    text_x = frame.right + 24
    room = frame.width - text_x - 2
    out = [f'<g class="pp-end-labels" fill="{TEXT}">']
    for (index, px, py, label, swatch), y in zip(ends, placed, strict=True):
        colour = PALETTE[index % len(PALETTE)]
        out.append(f'<g class="pp-end-label pp-series--{index}">')
        if abs(y - py) > 1 or frame.right - px > 1:
            out.append(
                f'<path d="M{_f(px + 4)},{_f(py)}L{_f(frame.right + 6)},{_f(y)}"'
                f' stroke="{colour}" stroke-width="1" fill="none"/>'
            )
        out.append(swatch.format(x=_f(frame.right + 14), y=_f(y)))
        out.append(f'<text x="{_f(text_x)}" y="{_f(y + 5)}">{_esc(_fit(label, room))}</text></g>')
    out.append("</g>")
    return "".join(out)


def _label_room(labels: Iterable[str], width: int) -> float:
    widest = max((_text_width(label) for label in labels), default=0.0)
    return min(widest + 30, width * 0.35)
