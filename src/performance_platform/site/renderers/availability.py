"""The ``availability`` module: uptime and page load time over time."""

from .. import charts
from .base import _number, _responsive, formatter
from .periods import _dt, period_of, period_text, period_words, start_label
from .registry import renders
from .series import _headline
from .tables import Column, Table


def _availability_params(module, now):
    return {"collect": ["uptime:sum", "downtime:sum", "avgresponse:mean"]}


@renders("availability", params=_availability_params)
def render_availability(view, rows, options, params, *, annotations, full, now):
    period = period_of(params, options)
    table_rows = []
    uptime_points, response_points = [], []
    for row in rows:
        when = _dt(row.get("_start_at") or row.get("_timestamp"))
        if when is None:
            continue
        up, down = _number(row.get("uptime:sum")), _number(row.get("downtime:sum"))
        share = up / (up + down) if up is not None and down is not None and up + down else None
        response = _number(row.get("avgresponse:mean"))
        uptime_points.append((when, share))
        response_points.append((when, response))
        table_rows.append(
            {"period": period_text(row, period), "uptime": share, "response": response}
        )
    duration = {"type": "duration", "unit": "s"}
    view.chart = _responsive(
        charts.line_chart,
        [charts.Series("uptime", "Uptime", uptime_points)],
        title=f"{view.title}: uptime",
        desc=charts.describe_trend(
            "Uptime", uptime_points, formatter("percent"), period_words(period)
        ),
        y_format=formatter("percent"),
        x_labels=start_label(period),
        percent_axis=True,
        id_prefix=f"chart-{view.slug}-uptime",
        height=220,
    )
    view.extra_charts.append(
        (
            "Page load time",
            _responsive(
                charts.line_chart,
                [charts.Series("response", "Page load time", response_points)],
                title=f"{view.title}: page load time",
                desc=charts.describe_trend(
                    "Page load time",
                    response_points,
                    formatter(duration),
                    period_words(period),
                ),
                y_format=formatter(duration),
                x_labels=start_label(period),
                id_prefix=f"chart-{view.slug}-response",
                height=220,
            ),
        )
    )
    view.table = Table(
        caption=f"{view.title}: data table",
        columns=[
            Column("period", "Time", "text"),
            Column("uptime", "Uptime", "percent"),
            Column("response", "Page load time", duration),
        ],
        rows=table_rows,
    )
    _headline(view, uptime_points, "percent", period, rows)
    view.headline_note = "uptime"
