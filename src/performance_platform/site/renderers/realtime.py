"""The ``realtime`` module: users online, with when the figure was taken, and a line chart
of the past 24 hours. With JavaScript the page refreshes the figure itself
(``site/static/site/realtime.js``, from the module's ``.json`` twin)."""

from datetime import timedelta

from django.conf import settings

from performance_platform.lib import formatting

from .. import charts
from .base import LiveFigure, _number, _responsive, formatter
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


#: Figures come every 5 minutes: one older than this has missed at least one, and the
#: page says so.
CURRENT_FOR = timedelta(minutes=10)
#: Said after the time of a figure older than CURRENT_FOR. The template gives the script
#: these words too, so a figure that goes old while the page is open says the same.
OLD_WORDS = " (no newer figure has come in)"


def _ended(params: dict, now) -> bool:
    """Whether the figures were asked for up to a moment well before ``now`` (a range
    chosen in the module page's address): a newer figure, outside it, is not theirs."""
    end = _dt(params.get("end_at"))
    return end is not None and end < now - CURRENT_FOR


def latest_figure(points, now, params=None) -> LiveFigure | None:
    """The latest of ``points`` (``(when, value)`` pairs in time order), as the page says it,
    read with the query ``params``."""
    if not points:
        return None
    when, value = points[-1]
    ended = _ended(params or {}, now)
    return LiveFigure(
        value=value,
        display=formatting.format_value(value, "integer") or "",
        taken_at=when,
        taken_at_words=_when(when),
        # Of a range that has ended, the latest figure is the range's last, not an old one.
        old=not ended and now - when > CURRENT_FOR,
        old_words=OLD_WORDS,
        refresh_seconds=0 if ended else settings.REALTIME_REFRESH_SECONDS,
    )


def headline_note(figure: LiveFigure) -> str:
    """The words after the figure: "users online at 3:40pm on 24 November 2026", and, when
    it is old, that no newer one has come in."""
    return f"users online at {figure.taken_at_words}{OLD_WORDS if figure.old else ''}"


@renders("realtime", params=_realtime_params)
def render_realtime(view, rows, options, params, *, annotations, full, now):
    key = options.get("value-attribute", "unique_visitors")
    points = sorted(
        ((when, _number(r.get(key))) for r in rows if (when := _dt(r.get("_timestamp")))),
        key=lambda p: p[0],
    )
    figure = latest_figure(points, now, params)
    if figure is not None:
        view.headline = formatting.format_html(figure.value, "integer")
        # Always when the figure was taken, never "now": a page is kept (in the page cache
        # for up to a minute, in a browser for longer) and read later, and without
        # JavaScript nothing on it changes. Such pages are cached by the minute
        # (dashboard_pages.cache_key), so whether the figure is old is right to the minute.
        view.headline_note = headline_note(figure)
        view.live = figure
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
