"""The ``kpi`` module: the latest value, with the change on the one before."""

from performance_platform.lib import formatting

from .base import _number, option_format
from .periods import period_text
from .registry import renders
from .tables import Column, Table


@renders("kpi")
def render_kpi(view, rows, options, params, *, annotations, full, now):
    """The latest record's value, with the change against the one before (as the original's
    KPI module)."""
    key = options["value-attribute"]
    fmt = option_format(options)
    values = [r for r in rows if _number(r.get(key)) is not None]
    current = values[0] if values else None
    previous = values[1] if len(values) > 1 else None
    view.headline = formatting.format_html(current.get(key) if current else None, fmt)
    period = options.get("date-period", "quarter")
    if current:
        view.headline_label = period_text(current, period)
    if current and previous and previous.get(key):
        change = (current[key] - previous[key]) / abs(previous[key])
        direction = "up" if change > 0 else "down" if change < 0 else "no change"
        view.change_text = (
            f"{direction} {formatting.format_percent(abs(change), dps=2)} on "
            f"{period_text(previous, period)}"
            if direction != "no change"
            else f"no change on {period_text(previous, period)}"
        )
    view.table = Table(
        caption=f"{view.title}: data table",
        columns=[Column("period", "Period", "text"), Column(key, view.title, fmt)],
        rows=[{"period": period_text(r, period), key: r.get(key)} for r in values[:8]],
    )
