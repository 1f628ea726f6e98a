"""The ``realtime`` module: users online now, with a line chart of the past 24 hours."""

from datetime import timedelta

from performance_platform.lib import formatting

from .. import charts
from .base import _number, _responsive, formatter
from .periods import _dt
from .registry import renders
from .tables import Column, Table


def _realtime_params(module, now):
    query = module.query or {}
    if query.get("start_at") or query.get("duration"):
        return {}
    start = (now - timedelta(hours=24)).replace(microsecond=0)
    return {
        "start_at": start.isoformat().replace("+00:00", "Z"),
        "end_at": now.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "sort_by": "_timestamp:ascending",
    }


def _when(value) -> str:
    """A moment in words: "3:40pm on 24 November 2026"."""
    return f"{formatting.format_time(value)} on {formatting.format_date(value)}"


@renders("realtime", params=_realtime_params)
def render_realtime(view, rows, options, params, *, annotations, full, now):
    key = options.get("value-attribute", "unique_visitors")
    points = sorted(
        ((when, _number(r.get(key))) for r in rows if (when := _dt(r.get("_timestamp")))),
        key=lambda p: p[0],
    )
    if points:
        latest_when, latest = points[-1]
        view.headline = formatting.format_html(latest, "integer")
        # "Now" only while the figure is current (figures come every 5 minutes; 10 allows
        # one late): after that, say when it was. Pages that show this are cached by the
        # minute (dashboard_pages.cache_key), so the words are right to the minute.
        if now - latest_when > timedelta(minutes=10):
            view.headline_note = f"users online at {_when(latest_when)}"
        else:
            view.headline_note = "users online now"
    # A line with axes (the time of day, and users), as every other chart has. Its sentence
    # names the day with each time: "3:40pm" alone could be today's or yesterday's.
    view.chart = _responsive(
        charts.line_chart,
        [charts.Series("users", "Users online", points)],
        title=f"{view.title}: the past 24 hours",
        desc=charts.describe_trend("Users online", points, formatter("integer"), _when),
        y_format=formatter("integer"),
        x_labels=lambda x: formatting.format_time(x),
        id_prefix=f"chart-{view.slug}",
        height=260,
    )
    view.table = Table(
        caption=f"{view.title}: data table",
        columns=[
            Column("time", "Time", "text"),
            Column("value", "Number of unique visitors", "integer"),
        ],
        rows=[
            {"time": f"{formatting.format_time(w)} {formatting.format_date(w)}", "value": v}
            for w, v in points[-24:]
            if not full
        ]
        or [
            {"time": f"{formatting.format_time(w)} {formatting.format_date(w)}", "value": v}
            for w, v in points
        ],
    )
