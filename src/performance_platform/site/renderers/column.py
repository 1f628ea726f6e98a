"""The ``column`` module: a bar per value of a field, the rest in a last "N+" bar."""

from performance_platform.lib import formatting

from .. import charts
from .base import NO_DATA, _axis_label, _number, _responsive, formatter, option_format
from .registry import renders
from .tables import Column, Table


@renders("column")
def render_column(view, rows, options, params, *, annotations, full, now):
    key = options["value-attribute"]
    pin = options["pin-to"]
    limit = options["max-bars"]
    fmt = option_format(options, "integer")
    totals: dict = {}
    for row in rows:
        label = row.get(pin)
        value = _number(row.get(key))
        if label is None or value is None:
            continue
        totals[label] = totals.get(label, 0) + value
    ordered = sorted(totals.items(), key=lambda kv: (str(type(kv[0])), kv[0]))
    if len(ordered) > limit:
        head, tail = ordered[: limit - 1], ordered[limit - 1 :]
        ordered = [*head, (f"{tail[0][0]}+", sum(v for _, v in tail))]
    bars = [(str(label), value) for label, value in ordered]
    x_label = _axis_label(options, "x", default=pin)
    view.chart = _responsive(
        charts.bar_chart,
        bars,
        title=view.title,
        desc="; ".join(f"{x_label} {label}: {formatting.format_value(v, fmt)}" for label, v in bars)
        or NO_DATA,
        value_format=formatter(fmt),
        id_prefix=f"chart-{view.slug}",
    )
    view.table = Table(
        caption=f"{view.title}: data table",
        columns=[
            Column("label", x_label, "text"),
            Column("value", _axis_label(options, "y", default="Count"), fmt),
        ],
        rows=[{"label": label, "value": v} for label, v in bars],
    )
    if bars:
        view.headline = formatting.format_html(sum(v for _, v in bars), fmt)
        view.headline_label = "in total"
