"""The ``bar_chart_with_number`` module: the last 6 periods as bars, each with its value."""

from performance_platform.lib import formatting

from .. import charts
from .base import NO_DATA, _number, _responsive, formatter, option_format
from .periods import _dt, period_of, period_text, start_label
from .registry import renders
from .series import _headline
from .tables import Column, Table


@renders("bar_chart_with_number")
def render_bar_number(view, rows, options, params, *, annotations, full, now):
    key = options["value-attribute"]
    fmt = option_format(options, {"type": "integer", "magnitude": True, "sigfigs": 3})
    period = period_of(params, options) or "week"
    recent = [r for r in rows if _dt(r.get("_start_at") or r.get("_timestamp"))][-6:]
    bars = [(period_text(r, period), _number(r.get(key))) for r in recent]
    # Short labels under the bars ("Jul–Sep 2026"); the description and table say it in full.
    short = start_label(period)
    labelled = [
        (short(r.get("_start_at") or r.get("_timestamp")), v)
        for r, (_, v) in zip(recent, bars, strict=True)
    ]
    view.chart = _responsive(
        charts.bar_chart,
        labelled,
        title=view.title,
        desc="; ".join(
            f"{label}: {formatting.format_value(v, fmt) if v is not None else 'no data'}"
            for label, v in bars
        )
        or NO_DATA,
        value_format=formatter(fmt),
        id_prefix=f"chart-{view.slug}",
    )
    view.table = Table(
        caption=f"{view.title}: data table",
        columns=[Column("period", "Period", "text"), Column(key, view.title, fmt)],
        rows=[{"period": label, key: v} for label, v in bars],
    )
    points = [(_dt(r.get("_start_at") or r.get("_timestamp")), _number(r.get(key))) for r in recent]
    _headline(view, points, fmt, period, recent)
