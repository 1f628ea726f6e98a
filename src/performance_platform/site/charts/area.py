"""Stacked area charts: series stacked on one another, each with its own fill pattern."""

from collections.abc import Callable, Sequence

from performance_platform.lib.formatting import format_percent

from .axes import _draw_annotations, _end_labels, _framed, _label_room
from .data import Series, _annotations, _points
from .describe import _annotation_desc, describe_trend
from .scales import _format_default
from .shapes import _pattern
from .style import PALETTE, PATTERNS
from .svg import _empty, _join_desc, _open, _prefix, _size
from .text import _clean, _esc
from .xaxis import _default_x_label, _XAxis


def stacked_area_chart(
    series: Sequence[Series],
    *,
    title: str,
    desc: str | None = None,
    percent: bool = False,
    y_format: Callable[[float], str] | None = None,
    x_labels: Callable[[object], str] | None = None,
    annotations: Sequence[tuple[object, str]] = (),
    height: int = 300,
    width: int = 640,
    id_prefix: str | None = None,
) -> str:
    """Series stacked on one another, each area with its own fill pattern and colour.

    With ``percent`` each x shows shares of its total on a 0-100% axis. A stack is only
    drawn where every series has a value: a missing part would make the total wrong, so it is
    a gap for the whole stack. Negative values stack downwards from zero.
    """
    width, height = _size(width, 640, 160), _size(height, 300, 120)
    title = _clean(title)
    prefix = _prefix(id_prefix, title)
    series = [s for s in (series or ()) if isinstance(s, Series)]
    prepared = [_points(s.points) for s in series]
    axis = _XAxis([x for points in prepared for x, _ in points])
    tables = []
    for points in prepared:
        table: dict[float, float | None] = {}
        for x, value in points:
            key = axis.key(x)
            if key is not None:
                table[key] = value
        tables.append(table)

    stacks: dict[float, list[tuple[float, float]]] = {}
    for key, _ in axis.ticks:
        values = [table.get(key) for table in tables]
        if not values or any(value is None for value in values):
            continue
        if percent:
            total = sum(abs(value) for value in values)
            if total <= 0:
                continue
            values = [value / total for value in values]
        up = down = 0.0
        bands = []
        for value in values:
            if value >= 0:
                bands.append((up, up + value))
                up += value
            else:
                bands.append((down, down + value))
                down += value
        stacks[key] = bands
    if not stacks:
        return _empty(prefix, title, width, height)

    value_format = y_format or (format_percent if percent else _format_default)
    x_format = x_labels or _default_x_label
    notes = _annotations(annotations)
    note_keys = [axis.key(x) for x, _ in notes]
    edges = [edge for bands in stacks.values() for band in bands for edge in band]
    low, high = min(0.0, *edges), max(edges)
    frame, rows = _framed(
        axis,
        note_keys,
        width=width,
        height=height,
        low=low,
        high=max(high, 1.0) if percent else high,
        tick_format=y_format,
        percent=percent,
        fixed_low=False,
        fixed_high=percent and high <= 1.0 + 1e-9,
        right=_label_room((_clean(s.label) for s in series), width),
    )
    if desc is None:
        if percent:
            shares = [
                [
                    (x, stacks[key][i][1] - stacks[key][i][0]) if key in stacks else (x, None)
                    for key, x in axis.ticks
                ]
                for i in range(len(series))
            ]
            desc = " ".join(
                describe_trend(f"{s.label} share", points, value_format, x_format)
                for s, points in zip(series, shares, strict=True)
            )
        else:
            desc = " ".join(
                describe_trend(s.label, s.points, value_format, x_format) for s in series
            )
    description = _join_desc(desc, _annotation_desc(notes, x_format))

    # Runs of consecutive x values where the stack is complete.
    runs: list[list[float]] = []
    previous_complete = False
    for key, _ in axis.ticks:
        if key in stacks:
            if previous_complete:
                runs[-1].append(key)
            else:
                runs.append([key])
            previous_complete = True
        else:
            previous_complete = False

    parts = _open(prefix, "area", width, height, title, description)
    parts.append("<defs>")
    parts.extend(_pattern(f"{prefix}-f{index}", index) for index in range(len(series)))
    parts.append("</defs>")
    parts.append(frame.y_axis())
    parts.append(frame.x_axis(x_format))

    ends = []
    pixel, y_of = axis.pixel, frame.y
    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        path = []
        for run in runs:
            xs = [pixel(key) for key in run]
            if len(run) == 1:
                key = run[0]
                xs = [xs[0] - 3, xs[0] + 3]
                run = [key, key]
            top = [
                f"{x:.1f},{y_of(stacks[key][index][1]):.1f}" for x, key in zip(xs, run, strict=True)
            ]
            bottom = [
                f"{x:.1f},{y_of(stacks[key][index][0]):.1f}"
                for x, key in zip(reversed(xs), reversed(run), strict=True)
            ]
            path.append("M" + "L".join(top + bottom) + "Z")
        parts.append(
            f'<g class="pp-series pp-series--{index}" data-key="{_esc(one.key)}"'
            f' data-pattern="{PATTERNS[index % len(PATTERNS)]}">'
            f'<path class="pp-area" d="{"".join(path)}" fill="url(#{prefix}-f{index})"'
            f' stroke="#ffffff" stroke-width="1"/></g>'
        )
        last_key = runs[-1][-1]
        y0, y1 = stacks[last_key][index]
        swatch = (
            f'<rect x="{{x}}" y="{{y}}" width="12" height="12" transform="translate(-6,-6)"'
            f' fill="url(#{prefix}-f{index})" stroke="{colour}"/>'
        )
        ends.append((index, pixel(last_key), y_of((y0 + y1) / 2), _clean(one.label), swatch))
    if any(row >= 0 for row in rows):
        parts.append(_draw_annotations(frame, notes, note_keys, rows))
    parts.append(_end_labels(frame, ends))
    parts.append("</svg>")
    return "".join(parts)
