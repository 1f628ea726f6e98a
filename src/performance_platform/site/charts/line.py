"""Line charts: one line per series, each with its own colour, marker shape and dashes."""

from collections.abc import Callable, Sequence

from performance_platform.lib.formatting import format_percent

from .axes import _draw_annotations, _end_labels, _framed, _label_room
from .data import Series, _annotations, _points
from .describe import _annotation_desc, describe_trend
from .scales import _format_default, _num
from .shapes import _marker_path, _outline
from .style import DASHES, MARKERS, PALETTE
from .svg import _empty, _join_desc, _open, _prefix, _size
from .text import _clean, _esc
from .xaxis import _default_x_label, _keyed, _XAxis


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    desc: str | None = None,
    y_format: Callable[[float], str] | None = None,
    x_labels: Callable[[object], str] | None = None,
    y_min: float | None = None,
    y_max: float | None = None,
    percent_axis: bool = False,
    annotations: Sequence[tuple[object, str]] = (),
    height: int = 300,
    width: int = 640,
    id_prefix: str | None = None,
) -> str:
    """Lines over time (or over any x), one per series, named at their right-hand ends.

    ``y_format`` formats the tick labels and the values in the generated description
    (default: numbers as the platform writes them, or percentages with ``percent_axis``);
    ``x_labels`` formats x values (default: "3 Apr 2023" for dates). ``percent_axis`` draws
    fractions on an axis from 0% to 100% (wider if the data are). The y axis includes zero
    unless ``y_min`` says otherwise; data outside ``y_min``/``y_max`` widen the axis.
    ``annotations`` are ``(x, text)`` pairs: a dashed line with a numbered marker at x, and
    the text listed in the description. ``desc`` defaults to :func:`describe_trend` of each
    series.
    """
    width, height = _size(width, 640, 160), _size(height, 300, 120)
    title = _clean(title)
    prefix = _prefix(id_prefix, title)
    series = [s for s in (series or ()) if isinstance(s, Series)]
    prepared = [_points(s.points) for s in series]
    axis = _XAxis([x for points in prepared for x, _ in points])
    keyed = [_keyed(points, axis) for points in prepared]
    values = [v for points in keyed for _, v, _ in points if v is not None]
    if not values:
        return _empty(prefix, title, width, height)

    value_format = y_format or (format_percent if percent_axis else _format_default)
    x_format = x_labels or _default_x_label
    notes = _annotations(annotations)
    note_keys = [axis.key(x) for x, _ in notes]
    low, high = min(values), max(values)
    floor, ceiling = _num(y_min), _num(y_max)
    if percent_axis:
        floor = 0.0 if floor is None else floor
        ceiling = 1.0 if ceiling is None else ceiling
    frame, rows = _framed(
        axis,
        note_keys,
        width=width,
        height=height,
        low=min(low, 0.0 if floor is None else floor),
        high=max(high, high if ceiling is None else ceiling),
        tick_format=y_format,
        percent=percent_axis,
        fixed_low=floor is not None and floor <= low,
        fixed_high=ceiling is not None and ceiling >= high,
        right=_label_room((_clean(s.label) for s in series), width),
    )

    if desc is None:
        desc = " ".join(describe_trend(s.label, s.points, value_format, x_format) for s in series)
    description = _join_desc(desc, _annotation_desc(notes, x_format))

    spacing = (frame.right - frame.left) / max(len(axis.ticks) - 1, 1)
    radius = max(2.0, min(4.0, spacing * 0.4))
    parts = _open(prefix, "line", width, height, title, description)
    parts.append("<defs>")
    for index in range(len(series)):
        shape = MARKERS[index % len(MARKERS)]
        parts.append(f'<path id="{prefix}-m{index}" d="{_marker_path(shape, radius)}"/>')
    parts.append("</defs>")
    parts.append(frame.y_axis())
    parts.append(frame.x_axis(x_format))
    if any(row >= 0 for row in rows):
        parts.append(_draw_annotations(frame, notes, note_keys, rows))

    ends = []
    pixel, y_of = axis.pixel, frame.y
    for index, (one, points) in enumerate(zip(series, keyed, strict=True)):
        colour = PALETTE[index % len(PALETTE)]
        dash = DASHES[index % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        path, markers = [], []
        pen = "M"
        last = None
        for key, value, _ in points:
            if value is None:
                pen = "M"
                continue
            px, py = pixel(key), y_of(value)
            path.append(f"{pen}{px:.1f},{py:.1f}")
            markers.append(f'<use href="#{prefix}-m{index}" x="{px:.1f}" y="{py:.1f}"/>')
            pen = "L"
            last = (px, py)
        parts.append(
            f'<g class="pp-series pp-series--{index}" data-key="{_esc(one.key)}"'
            f' data-marker="{MARKERS[index % len(MARKERS)]}">'
        )
        if path:
            parts.append(
                f'<path class="pp-line" d="{"".join(path)}" fill="none" stroke="{colour}"'
                f' stroke-width="2" stroke-linejoin="round"{dash_attr}/>'
                f'<g class="pp-markers" fill="{colour}" stroke="{_outline(colour)}"'
                ' stroke-width="0.75">'
                f"{''.join(markers)}</g>"
            )
        parts.append("</g>")
        if last is not None:
            swatch = (
                f'<use href="#{prefix}-m{index}" x="{{x}}" y="{{y}}" fill="{colour}"'
                f' stroke="{_outline(colour)}" stroke-width="0.75"/>'
            )
            ends.append((index, last[0], last[1], _clean(one.label), swatch))
    parts.append(_end_labels(frame, ends))
    parts.append("</svg>")
    return "".join(parts)
