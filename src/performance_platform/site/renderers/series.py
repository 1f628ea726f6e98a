"""What the renderers of values over time share: points from rows, annotations in range,
the headline (the latest value), and a whole single-line view with its table."""

from datetime import UTC, datetime, timedelta

from performance_platform.lib import formatting

from .. import charts
from .base import _axis_label, _number, _responsive, formatter
from .periods import _dt, period_of, period_text, period_words, start_label
from .tables import Column, Table


def _series_points(rows, key: str, *, default=None) -> list[tuple]:
    points = []
    for row in rows:
        when = _dt(row.get("_start_at") or row.get("_timestamp"))
        if when is None:
            continue
        value = _number(row.get(key))
        points.append((when, value if value is not None else default))
    return points


def _in_range(annotations, points) -> list:
    """Annotations whose date falls within the chart's time range."""
    if not points:
        return []
    first, last = points[0][0], points[-1][0]
    found = []
    for note in annotations:
        when = datetime(note.date.year, note.date.month, note.date.day, tzinfo=UTC)
        if first <= when <= last + timedelta(days=7):
            found.append((when, note))
    return found


def _headline(view, points, fmt, period, rows=None) -> None:
    latest = next(((x, v) for x, v in reversed(points) if v is not None), None)
    if latest is None:
        view.headline = formatting.format_html(None, fmt)
        return
    view.headline = formatting.format_html(latest[1], fmt)
    row = next(
        (r for r in rows or [] if _dt(r.get("_start_at") or r.get("_timestamp")) == latest[0]), None
    )
    view.headline_label = period_text(row or {"_start_at": latest[0]}, period)


def _line_view(
    view,
    rows,
    options,
    params,
    *,
    key,
    fmt,
    label,
    percent=False,
    annotations,
    full,
    default=None,
    extra_columns=(),
):
    period = period_of(params, options)
    points = _series_points(rows, key, default=default)
    notes = _in_range(annotations, points)
    view.annotations = [n for _, n in notes]
    x_label = start_label(period)
    desc = charts.describe_trend(label, points, formatter(fmt), period_words(period))
    view.chart = _responsive(
        charts.line_chart,
        [charts.Series(key=key, label=label, points=points)],
        title=f"{view.title}: {label}",
        desc=desc,
        y_format=formatter(fmt),
        x_labels=x_label,
        percent_axis=percent,
        annotations=[(when, note.text) for when, note in notes],
        id_prefix=f"chart-{view.slug}",
        height=320 if full else 240,
    )
    table_rows = [
        {
            "period": period_text(row, period),
            key: _number(row.get(key)),
            **{c.key: row.get(c.key) for c in extra_columns},
        }
        for row in rows
        if _dt(row.get("_start_at") or row.get("_timestamp")) is not None
    ]
    view.table = Table(
        caption=f"{view.title}: data table",
        columns=[
            Column("period", _axis_label(options, "x", default="Period"), "text"),
            Column(key, label, fmt),
            *extra_columns,
        ],
        rows=table_rows,
    )
    _headline(view, points, fmt, period, rows)
