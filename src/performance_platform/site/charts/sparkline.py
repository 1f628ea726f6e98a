"""Sparklines: a small line with no axes, and a dot on the latest value."""

from collections.abc import Sequence

from .data import Point, _points
from .describe import describe_trend
from .style import PALETTE
from .svg import _empty, _open, _prefix, _size
from .text import _clean, _f
from .xaxis import _keyed, _XAxis


def sparkline(
    points: Sequence[Point] | Sequence[float | None],
    *,
    title: str,
    desc: str | None = None,
    width: int = 200,
    height: int = 40,
    id_prefix: str | None = None,
) -> str:
    """A small line with no axes, and a dot on the latest value. ``points`` are ``(x, value)``
    pairs or bare values (taken as evenly spaced)."""
    width, height = _size(width, 200, 20), _size(height, 40, 10)
    title = _clean(title)
    prefix = _prefix(id_prefix, title)
    raw = list(points or ())
    if raw and not all(isinstance(item, tuple | list) for item in raw):
        raw = list(enumerate(raw))
    pairs = _points(raw)
    axis = _XAxis([x for x, _ in pairs])
    keyed = _keyed(pairs, axis)
    values = [value for _, value, _ in keyed if value is not None]
    if not values:
        return _empty(prefix, title, width, height)
    if desc is None:
        desc = describe_trend(title, raw)
    pad = 4.0
    axis.place(pad, width - pad)
    low, high = min(values), max(values)

    def y_of(value: float) -> float:
        if high == low:
            return height / 2
        return height - pad - (value - low) / (high - low) * (height - 2 * pad)

    runs: list[list[tuple[float, float]]] = [[]]
    for key, value, _ in keyed:
        if value is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((axis.pixel(key), y_of(value)))
    runs = [run for run in runs if run]
    last = runs[-1][-1]
    path = "".join("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in run) for run in runs if run[1:])
    parts = _open(prefix, "sparkline", width, height, title, desc)
    if path:
        parts.append(
            f'<path class="pp-line" d="{path}" fill="none" stroke="{PALETTE[0]}"'
            ' stroke-width="1.5" stroke-linejoin="round"/>'
        )
    # A value on its own between gaps is a dot (the latest has its own, bigger dot).
    parts.extend(
        f'<circle class="pp-point" cx="{_f(run[0][0])}" cy="{_f(run[0][1])}" r="1.5"'
        f' fill="{PALETTE[0]}"/>'
        for run in runs[:-1]
        if len(run) == 1
    )
    parts.append(
        f'<circle class="pp-latest" cx="{_f(last[0])}" cy="{_f(last[1])}" r="2.5"'
        f' fill="{PALETTE[0]}"/></svg>'
    )
    return "".join(parts)
