"""The ``kpi`` module: the latest value, with the change on the one before."""

from performance_platform.kpis.change import change, change_text
from performance_platform.lib import formatting

from .base import _number, option_format
from .periods import period_text
from .registry import renders
from .tables import Column, Table


def _unit(fmt) -> str:
    """The kind of figure a format shows, as kpis.change words it."""
    kind = fmt.get("type") if isinstance(fmt, dict) else fmt
    return kind if kind in ("percent", "currency") else "count"


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
    if current and previous:
        # The KPI tiles' words and rounding (kpis.change), so this module and the tile above
        # it never disagree: "down £0.85 (−7.1%) on April to June 2026".
        moved = change(_number(current.get(key)), _number(previous.get(key)))
        if moved.direction is not None:
            text = change_text(moved, _unit(fmt))
            view.change_text = f"{text} on {period_text(previous, period)}"
    view.table = Table(
        caption=f"{view.title}: data table",
        columns=[Column("period", "Period", "text"), Column(key, view.title, fmt)],
        rows=[{"period": period_text(r, period), key: r.get(key)} for r in values[:8]],
    )
