"""The ``journey`` module: a funnel of a journey's steps over the last full week."""

from datetime import timedelta

from performance_platform.lib import formatting

from .. import charts
from .base import NO_DATA, _number, _responsive, formatter
from .periods import _dt
from .registry import renders
from .tables import Column, Table


def _last_full_week(module, now):
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    start = monday - timedelta(weeks=1)
    return {
        "start_at": start.isoformat().replace("+00:00", "Z"),
        "end_at": monday.isoformat().replace("+00:00", "Z"),
    }


def _journey_params(module, now):
    query = module.query or {}
    if query.get("start_at") or query.get("duration"):
        return {}
    return _last_full_week(module, now)


@renders("journey", params=_journey_params)
def render_journey(view, rows, options, params, *, annotations, full, now):
    attr = options["matching-attribute"]
    key = options.get("value-attribute") or "count:sum"
    steps = [
        (y.get("groupId") or y.get("key"), y["label"])
        for y in (options.get("axes") or {}).get("y", [])
    ]
    totals: dict = {}
    for row in rows:
        value = _number(row.get(key))
        if value is not None:
            totals[str(row.get(attr))] = totals.get(str(row.get(attr)), 0) + value
    if not steps:
        steps = [(name, name) for name in totals]
    bars = [(label, totals.get(str(step))) for step, label in steps]
    first = bars[0][1] if bars and bars[0][1] else None
    view.chart = _responsive(
        charts.funnel_chart,
        bars,
        title=view.title,
        desc="; ".join(
            f"{label}: {formatting.format_number(v) if v is not None else 'no data'}"
            + (
                f" ({formatting.format_percent(v / first)} of the first step)"
                if v is not None and first
                else ""
            )
            for label, v in bars
        )
        or NO_DATA,
        value_format=formatter("integer"),
        id_prefix=f"chart-{view.slug}",
    )
    view.table = Table(
        caption=f"{view.title}: data table",
        columns=[
            Column("step", "Step", "text"),
            Column("users", "Number of users", "integer"),
            Column("share", "Percentage relative to start", "percent"),
        ],
        rows=[
            {"step": label, "users": v, "share": (v / first if v is not None and first else None)}
            for label, v in bars
        ],
    )
    start, end = _dt(params.get("start_at")), _dt(params.get("end_at"))
    if start and end:
        view.headline_label = formatting.period_label(start, end, "week")
