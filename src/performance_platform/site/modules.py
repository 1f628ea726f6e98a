"""Module rendering: from a module's data source, query and options to what a page shows.

Every module reads its data through the read API's query engine (``run_query``), with
exactly the parameters shown in its download links, so anyone can reproduce a figure
from ``/data/<group>/<type>?<query>``. A module whose query fails does not fail the
page: it shows "There was a problem getting data for this module." (as the original).

The result is a :class:`ModuleView`: a headline, a chart (server-rendered SVG, see
:mod:`.charts`), a data table (always; it is the chart's text alternative), notes and
links. Templates only lay these out.
"""

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from django.utils.dateparse import parse_datetime
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from performance_platform.datastore.models import DataSet
from performance_platform.datastore.periods import PERIODS
from performance_platform.datastore.query import QueryError, ranges, run_query
from performance_platform.lib import formatting

from . import charts

PROBLEM = "There was a problem getting data for this module."
NO_DATA = "No data is available for this module yet."
# Periods the original added when a query had a period but no range (B1).
DEFAULT_DURATIONS = {"hour": 24, "day": 30, "week": 9, "month": 12, "quarter": 24}
TIME_SERIES = {
    "single_timeseries",
    "grouped_timeseries",
    "completion_rate",
    "user_satisfaction_graph",
    "bar_chart_with_number",
    "availability",
}
RATING_LABELS = [
    ("rating_1", "Very dissatisfied"),
    ("rating_2", "Dissatisfied"),
    ("rating_3", "Neither satisfied or dissatisfied"),
    ("rating_4", "Satisfied"),
    ("rating_5", "Very satisfied"),
]


@dataclass
class Column:
    """A table column: the key into each row, its heading and its format."""

    key: str
    label: str
    fmt: object = "number"


NUMERIC_CELL = '<td class="govuk-table__cell govuk-table__cell--numeric pp-numeric">'
NUMERIC_HEAD = " govuk-table__header--numeric"


@dataclass
class Table:
    """A data table: the chart's text alternative, and the module page's full data."""

    caption: str
    columns: list[Column]
    rows: list[dict]

    def cells(self):
        """Rows of (display HTML, raw value, is_number) for the template."""
        for row in self.rows:
            yield [
                (
                    formatting.format_html(row.get(c.key), c.fmt, missing="table"),
                    row.get(c.key),
                    isinstance(row.get(c.key), int | float),
                )
                for c in self.columns
            ]

    def html(self, *, hidden_caption: bool = False) -> SafeString:
        """The table as GOV.UK Frontend markup, built here rather than in a template:
        dashboards hold thousands of cells, and template loops (or ``format_html`` per
        cell) cost several times more. Cells come from ``formatting.format_html``, already
        escaped; labels and the caption are escaped here."""
        head = "".join(
            f'<th scope="col" class="govuk-table__header{"" if i == 0 else NUMERIC_HEAD}">'
            f"{escape(c.label)}</th>"
            for i, c in enumerate(self.columns)
        )
        parts = []
        for row in self.cells():
            parts.append('<tr class="govuk-table__row">')
            for i, (display, _raw, numeric) in enumerate(row):
                if i == 0:
                    parts.append(f'<th scope="row" class="govuk-table__header">{display}</th>')
                elif numeric:
                    parts.append(f"{NUMERIC_CELL}{display}</td>")
                else:
                    parts.append(f'<td class="govuk-table__cell">{display}</td>')
            parts.append("</tr>")
        if not parts:
            parts.append(
                f'<tr class="govuk-table__row"><td class="govuk-table__cell" '
                f'colspan="{len(self.columns)}">No data is available for this period.</td></tr>'
            )
        caption = escape(self.caption)
        hidden = " govuk-visually-hidden" if hidden_caption else ""
        return mark_safe(  # noqa: S308 - every text above is escaped or already safe
            f'<div class="pp-table-scroll" tabindex="0" role="region" aria-label="{caption}">'
            f'<table class="govuk-table"><caption class="govuk-table__caption '
            f'govuk-table__caption--s{hidden}">{caption}</caption>'
            f'<thead class="govuk-table__head"><tr class="govuk-table__row">{head}</tr></thead>'
            f'<tbody class="govuk-table__body">{"".join(parts)}</tbody></table></div>'
        )

    @property
    def html_hidden_caption(self) -> SafeString:
        """:meth:`html` with the caption visually hidden (for templates)."""
        return self.html(hidden_caption=True)

    def as_records(self) -> list[dict]:
        """Plain rows keyed by column label, for the page's .json and .csv twins."""
        out = []
        for row in self.rows:
            out.append({c.label: _plain(row.get(c.key)) for c in self.columns})
        return out


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class ModuleView:
    """Everything a page needs to show one module."""

    module: object
    slug: str
    type: str
    title: str
    description: str = ""
    info: list[str] = field(default_factory=list)
    headline: SafeString | None = None
    headline_label: str = ""
    headline_note: str = ""
    change_text: str = ""
    chart: SafeString | None = None
    extra_charts: list[tuple[str, SafeString]] = field(default_factory=list)
    table: Table | None = None
    items: list[dict] = field(default_factory=list)  # list modules
    error: str | None = None
    api_url: str = ""
    csv_url: str = ""
    params: dict = field(default_factory=dict)
    annotations: list = field(default_factory=list)
    children: list["ModuleView"] = field(default_factory=list)
    tabs: list[dict] = field(default_factory=list)
    legend: list[dict] = field(default_factory=list)  # grouped series' line labels
    legend_period: str = ""
    legend_total: SafeString | None = None
    date_picker: bool = False
    url: str = ""

    @property
    def has_data(self) -> bool:
        return bool(self.table and self.table.rows) or bool(self.items) or bool(self.children)


@dataclass(frozen=True)
class Range:
    """A date range chosen on the module page (start inclusive, end exclusive)."""

    start: datetime
    end: datetime
    period: str | None = None


def _svg(markup: str) -> SafeString:
    """Chart markup is safe: the chart module escapes every text it writes."""
    return mark_safe(markup)  # noqa: S308


# --- querying --------------------------------------------------------------------------


def module_params(module, *, date_range: Range | None = None, extra: dict | None = None) -> dict:
    """The read-API parameters for a module: its query, the type's additions, a range."""
    params = {k: v for k, v in (module.query or {}).items()}
    params.update(extra or {})
    if date_range is not None:
        params.pop("duration", None)
        if date_range.period:
            params["period"] = date_range.period
        start, end = whole_periods(params.get("period"), date_range.start, date_range.end)
        params["start_at"] = start.isoformat().replace("+00:00", "Z")
        params["end_at"] = end.isoformat().replace("+00:00", "Z")
    elif (
        params.get("period")
        and not params.get("duration")
        and not (params.get("start_at") and params.get("end_at"))
    ):
        params["duration"] = DEFAULT_DURATIONS.get(params["period"], 12)
    if module.type != "grouped_timeseries":
        params.setdefault("flatten", "true")
    return params


def whole_periods(period: str | None, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """A chosen range widened to whole periods: the weeks (or quarters, or years) that
    touch it, so neither end shows a part week. Months and days fit already."""
    if period not in ("week", "quarter", "year"):
        return start, end
    first = ranges.start(period, start)
    last = ranges.start(period, end)
    return first, end if last == end else ranges.add(period, last, 1)


def query_string(params: dict) -> str:
    """``params`` as a URL query string, repeated keys for lists."""
    pairs = []
    for key, value in params.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            pairs.append((key, str(item)))
    return urlencode(pairs)


def data_set_for(module) -> DataSet | None:
    """The module's data set, or None."""
    if not (module.data_group_id and module.data_type_id):
        return None
    return (
        DataSet.objects.filter(data_group_id=module.data_group_id, data_type_id=module.data_type_id)
        .select_related("data_group", "data_type")
        .first()
    )


def fetch(data_set: DataSet, params: dict, *, now: datetime) -> list[dict]:
    """Run the module's query through the read API's own entry point."""
    return run_query(data_set, params, now=now)["data"]


def _dt(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _count_text(value) -> str:
    return formatting.format_number(value) if value is not None else "no data"


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if math.isfinite(value) else None


# --- formats and labels --------------------------------------------------------------------


def option_format(options: dict, default="number"):
    """The module's ``format`` option (or ``format-options``), else ``default``."""
    return options.get("format") or options.get("format-options") or default


def formatter(fmt):
    """A value → text function for chart labels."""
    return lambda value: formatting.format_value(value, fmt)


def period_of(params: dict, options: dict) -> str | None:
    return params.get("period") or options.get("axis-period")


def start_label(period: str | None):
    """Label a period start for chart x-axes: "5 Jan 2015", "Jan 2015", "Q1 2015"."""

    def label(value) -> str:
        when = _dt(value)
        if when is None:
            return str(value)
        if period == "month":
            return when.strftime("%b %Y")
        if period == "quarter":
            return f"{when.strftime('%b')}–{(when + timedelta(days=80)).strftime('%b %Y')}"
        if period == "hour":
            return when.strftime("%H:%M")
        return f"{when.day} {when.strftime('%b %Y')}"

    return label


def period_words(period: str | None):
    """Name a period start in a chart's description, as a sentence would: "December 2025",
    "the week of 1 December 2025", "the quarter from January to March 2025", "5 January
    2015". Axis labels are abbreviated ("Dec 2025"); a screen reader's sentence is not."""

    def words(value) -> str:
        when = _dt(value)
        if when is None:
            return str(value)
        if period == "week":
            return "the week of " + formatting.format_date(when)
        if period == "quarter":
            return "the quarter from " + formatting.period_label(when, None, "quarter")
        if period in ("month", "year", "hour"):
            return formatting.period_label(when, None, period)
        return formatting.format_date(when)

    return words


def _period_end(period: str | None, start) -> datetime | None:
    """The end of the ``period`` starting at ``start``, or None where there is none to give."""
    when = _dt(start)
    if when is None or period not in PERIODS:
        return None
    try:
        return ranges.add(period, when, 1)
    except QueryError:  # the last period before year 10000
        return None


def period_text(row: dict, period: str | None) -> str:
    """A row's period in words, for tables: "5 to 11 January 2015", "January 2015"."""
    start, end = _dt(row.get("_start_at") or row.get("_timestamp")), _dt(row.get("_end_at"))
    if start is None:
        return "—"
    return (
        formatting.period_label(start, end, period or "week")
        if end
        else formatting.format_date(start)
    )


def _axis_label(options: dict, which: str, index: int = 0, default: str = "") -> str:
    axes = options.get("axes") or {}
    if which == "x":
        return (axes.get("x") or {}).get("label") or default
    ys = axes.get("y") or []
    return ys[index].get("label", default) if index < len(ys) else default


# --- the renderers --------------------------------------------------------------------------


def render(
    module,
    *,
    annotations=(),
    date_range: Range | None = None,
    full: bool = False,
    now: datetime | None = None,
    base_url: str = "",
    tab: str | None = None,
) -> ModuleView:
    """Render one module (and its children). ``full`` is the module page: more detail."""
    now = now or datetime.now(UTC)
    options = module.options or {}
    view = ModuleView(
        module=module,
        slug=module.slug,
        type=module.type,
        title=module.title,
        description=module.description,
        info=list(module.info or []),
        url=f"{base_url}/{module.slug}",
    )
    if module.type == "section":
        view.children = [
            render(c, annotations=annotations, now=now, base_url=view.url)
            for c in module.children.all()
        ]
        return view
    if module.type == "tab":
        children = list(module.children.all())
        active = next((c for c in children if c.slug == tab), children[0] if children else None)
        view.tabs = [
            {
                "slug": c.slug,
                "title": c.title,
                "url": f"{view.url}?tab={c.slug}",
                "active": c is active,
            }
            for c in children
        ]
        if active is not None:
            view.children = [
                render(
                    active,
                    annotations=annotations,
                    date_range=date_range,
                    full=full,
                    now=now,
                    base_url=view.url,
                )
            ]
            # The page's date form applies to the tab shown (kept in a hidden field).
            view.date_picker = view.children[0].date_picker
        return view
    data_set = data_set_for(module)
    renderer = RENDERERS.get(module.type)
    if data_set is None or renderer is None:
        view.error = PROBLEM
        return view
    extra = EXTRA_PARAMS.get(module.type, lambda m, n: {})(module, now)
    params = module_params(module, date_range=date_range, extra=extra)
    if module.type == "grouped_timeseries":
        params = widen_for_timeshift(params, max_timeshift(options))
    view.params = params
    view.date_picker = module.type in TIME_SERIES
    group, dtype = data_set.data_group.name, data_set.data_type.name
    view.api_url = f"/data/{group}/{dtype}?{query_string(params)}"
    view.csv_url = f"/data/{group}/{dtype}?{query_string({**params, 'format': 'csv'})}"
    try:
        rows = fetch(data_set, params, now=now)
    except QueryError:
        view.error = PROBLEM
        return view
    chosen = date_range.period if date_range is not None else None
    if chosen and chosen != options.get("axis-period"):
        # The reader picked another period: name the x axis after it, not the module's.
        axes = dict(options.get("axes") or {})
        axes["x"] = {**(axes.get("x") or {}), "label": chosen.capitalize()}
        options = {**options, "axis-period": chosen, "axes": axes}
    renderer(view, rows, options, params, full=full, annotations=list(annotations), now=now)
    return view


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
    view.chart = _svg(
        charts.line_chart(
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


def render_kpi(view, rows, options, params, *, annotations, full, now):
    """The latest record's value, with the change against the one before (B3 #1)."""
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


def render_single(view, rows, options, params, *, annotations, full, now):
    key = options["value-attribute"]
    fmt = option_format(options)
    percent = (
        isinstance(fmt, str)
        and fmt == "percent"
        or (isinstance(fmt, dict) and fmt.get("type") == "percent")
    )
    _line_view(
        view,
        rows,
        options,
        params,
        key=key,
        fmt=fmt,
        label=_axis_label(options, "y", default=view.title),
        percent=percent,
        annotations=annotations,
        full=full,
        default=options.get("default-value"),
    )


def max_timeshift(options: dict) -> int:
    """The most periods any y series of a grouped time series looks back (0: none)."""
    ys = (options.get("axes") or {}).get("y") or []
    return max((int(y.get("timeshift") or 0) for y in ys if isinstance(y, dict)), default=0)


def widen_for_timeshift(params: dict, periods: int) -> dict:
    """``params`` reaching ``periods`` periods further back, for the comparison lines.

    The extra periods are fetched in the same query (so the API link still reproduces
    every figure) and shown only as the shifted series, never as periods of their own.
    """
    period = params.get("period")
    if not period or periods <= 0:
        return params
    out = dict(params)
    try:
        if out.get("duration"):
            out["duration"] = int(out["duration"]) + periods
        elif out.get("start_at"):
            start = _dt(out["start_at"])
            if start is None:
                return params
            moved = ranges.add(period, start, -periods)
            out["start_at"] = moved.isoformat().replace("+00:00", "Z")
    except (QueryError, ValueError):
        return params  # at the edge of the calendar: the comparison starts later
    return out


def _mapping(options: dict) -> list[tuple[re.Pattern, str]]:
    return [(re.compile(p), str(t)) for p, t in (options.get("group-mapping") or {}).items()]


def _grouped_points(rows, category: str, key: str, mapping) -> dict[str, dict]:
    """{group: {period start: value}}, groups renamed by ``group-mapping`` and summed."""
    out: dict[str, dict] = {}
    for group in rows:
        name = str(group.get(category))
        for pattern, target in mapping:
            if pattern.search(name):
                name = target
                break
        points = out.setdefault(name, {})
        for row in group.get("values", []):
            when = _dt(row.get("_start_at"))
            if when is None:
                continue
            value = _number(row.get(key))
            if value is not None:
                points[when] = (points.get(when) or 0) + value
            else:
                points.setdefault(when, None)
    return out


def _ago(count: int, period: str | None) -> str:
    unit = period or "period"
    return f"{count} {unit}{'' if count == 1 else 's'} ago"


def render_grouped(view, rows, options, params, *, annotations, full, now):
    """Series per group (B3 #3): lines, stacked areas, or 100% stacked shares.

    ``group-mapping`` merges groups by pattern; a y series with ``timeshift: N`` is its
    group N periods earlier (fetched by :func:`widen_for_timeshift`), drawn as a
    comparison line; ``show-line-labels`` lists each series' latest value and share.
    """
    category = options["category"]
    key = options["value-attribute"]
    fmt = option_format(options)
    period = period_of(params, options)
    shift = max_timeshift(options) if params.get("period") else 0
    by_group = _grouped_points(rows, category, key, _mapping(options))
    every = sorted({when for points in by_group.values() for when in points})
    visible = every[shift:]
    position = {when: i for i, when in enumerate(every)}
    wanted = [
        (str(y.get("groupId") or y.get("key")), y["label"], int(y.get("timeshift") or 0), y)
        for y in (options.get("axes") or {}).get("y", [])
    ]
    if not wanted:
        wanted = [(name, name, 0, {}) for name in sorted(by_group)]
    series, compared, links = [], [], {}
    for group_id, label, back, axis in wanted:
        points = by_group.get(group_id, {})
        if back:
            # The value ``back`` periods before each visible period, drawn at that period.
            shown = [
                (when, points.get(every[position[when] - back]))
                for when in visible
                if position[when] - back >= 0
            ]
            compared.append(
                charts.Series(
                    key=f"{group_id}:{back}", label=f"{label} ({_ago(back, period)})", points=shown
                )
            )
            continue
        series.append(
            charts.Series(key=group_id, label=label, points=[(w, points.get(w)) for w in visible])
        )
        if axis.get("href") and options.get("line-label-links"):
            links[group_id] = axis["href"]
    # Groups with no axis of their own are rolled into "Other" (B3 #3), so the total is
    # the whole total, not only the named groups'.
    named = {group_id for group_id, _, back, _ in wanted if not back}
    others: dict = {}
    for name in (n for n in by_group if n not in named):
        for when in visible:
            value = by_group[name].get(when)
            if value is not None:
                others[when] = (others.get(when) or 0) + value
            else:
                others.setdefault(when, None)
    if any(v is not None for v in others.values()):
        series.append(charts.Series(key="_other", label="Other", points=sorted(others.items())))
    percent = bool(options.get("one-hundred-percent"))
    totals = {when: sum(dict(s.points).get(when) or 0 for s in series) for when in visible}
    table_rows = []
    for when in visible:
        # The same period words as every other table ("December 2025", "1 to 7 December").
        end = _period_end(params.get("period"), when)
        row = {"period": period_text({"_start_at": when, "_end_at": end}, period)}
        for s in series:
            value = dict(s.points).get(when)
            if percent:  # B3: a 100% chart's table gives each series' share
                value = value / totals[when] if value is not None and totals[when] else None
            row[s.key] = value
        for s in compared:
            row[s.key] = dict(s.points).get(when)
        row["_total"] = totals[when]
        table_rows.append(row)
    notes = _in_range(annotations, [(x, 0) for x in visible])
    view.annotations = [n for _, n in notes]
    described = "; ".join(
        charts.describe_trend(s.label, s.points, formatter(fmt), period_words(period))
        for s in (*series, *compared)
    )
    common = dict(
        title=view.title,
        desc=described or NO_DATA,
        x_labels=start_label(period),
        annotations=[(w, n.text) for w, n in notes],
        id_prefix=f"chart-{view.slug}",
        height=340 if full else 260,
    )
    if options.get("use_stack") or percent:
        # Comparison lines are not part of the whole: the table lists them.
        view.chart = _svg(
            charts.stacked_area_chart(
                series,
                percent=percent,
                y_format=formatter("percent" if percent else fmt),
                **common,
            )
        )
    else:
        view.chart = _svg(
            charts.line_chart([*series, *compared], y_format=formatter(fmt), **common)
        )
    series_fmt = "percent" if percent else fmt
    columns = [Column("period", _axis_label(options, "x", default="Period"), "text")]
    columns += [Column(s.key, s.label, series_fmt) for s in series]
    columns += [Column(s.key, s.label, fmt) for s in compared]
    columns.append(Column("_total", "Total", fmt))
    view.table = Table(caption=f"{view.title}: data table", columns=columns, rows=table_rows)
    if table_rows:
        view.headline = formatting.format_html(table_rows[-1]["_total"], fmt)
        view.headline_label = f"total, {table_rows[-1]['period']}"
    if options.get("show-line-labels") and visible:
        view.legend = _legend(series, compared, links, visible[-1], totals[visible[-1]], fmt)
        view.legend_period = table_rows[-1]["period"]  # the latest period, as the table names it
        if options.get("show-total-label"):
            view.legend_total = formatting.format_html(totals[visible[-1]], fmt)


def _legend(series, compared, links, latest, total, fmt) -> list[dict]:
    """Each series' latest value and its share of the total (B3 #3's line labels)."""
    out = []
    for s in series:
        value = dict(s.points).get(latest)
        share = value / total if value is not None and total else None
        out.append(
            {
                "label": s.label,
                "url": links.get(s.key, ""),
                "value": formatting.format_html(value, fmt),
                "share": formatting.format_percent(share) if share is not None else "",
            }
        )
    for s in compared:
        value = dict(s.points).get(latest)
        out.append(
            {"label": s.label, "url": "", "value": formatting.format_html(value, fmt), "share": ""}
        )
    return out


def _rates(rows, options):
    """Per period: Σ value matching the numerator ÷ Σ value matching the denominator."""
    key = options.get("value-attribute") or "count:sum"
    attr = options["matching-attribute"]
    num, den = re.compile(options["numerator-matcher"]), re.compile(options["denominator-matcher"])
    periods: dict = {}
    for row in rows:
        start = row.get("_start_at") or row.get("_timestamp")
        bucket = periods.setdefault(
            start,
            {
                "_start_at": start,
                "_end_at": row.get("_end_at"),
                "numerator": None,
                "denominator": None,
            },
        )
        value = _number(row.get(key))
        label = str(row.get(attr, ""))
        if value is None:
            continue
        if num.search(label):
            bucket["numerator"] = (bucket["numerator"] or 0) + value
        if den.search(label):
            bucket["denominator"] = (bucket["denominator"] or 0) + value
    out = []
    for bucket in periods.values():
        n, d = bucket["numerator"], bucket["denominator"]
        bucket["rate"] = n / d if n is not None and d else None
        out.append(bucket)
    return out


def render_completion(view, rows, options, params, *, annotations, full, now):
    rates = _rates(rows, options)
    _line_view(
        view,
        rates,
        options,
        params,
        key="rate",
        fmt="percent",
        label=_axis_label(options, "y", default="Completion rate"),
        percent=True,
        annotations=annotations,
        full=full,
        extra_columns=(
            Column("numerator", "Completed", "integer"),
            Column("denominator", "Started", "integer"),
        ),
    )


def render_satisfaction(view, rows, options, params, *, annotations, full, now):
    key = options["value-attribute"]
    total = options.get("total-attribute", "num_responses")
    # Ratings are raw fields ("rating_1") or, in a query that collects them, "rating_1:sum".
    collected = {k for r in rows for k in r}
    ratings = [
        (f"{k}:sum" if k not in collected and f"{k}:sum" in collected else k, label)
        for k, label in RATING_LABELS
    ]
    extras = (
        Column(total, "Responses", "integer"),
        *(Column(k, label, "integer") for k, label in ratings),
    )
    if options.get("trim", True):
        while rows and _number(rows[0].get(key)) is None:
            rows = rows[1:]
    _line_view(
        view,
        rows,
        options,
        params,
        key=key,
        fmt="percent",
        label=_axis_label(options, "y", default="User satisfaction"),
        percent=True,
        annotations=annotations,
        full=full,
        extra_columns=extras,
    )
    latest = next((r for r in reversed(rows) if _number(r.get(key)) is not None), None)
    if latest is not None:
        responses = _number(latest.get(total))
        if responses is not None:
            view.headline_note = f"({formatting.format_number(responses)} responses)"
        if full:
            bars = [(label, _number(latest.get(k))) for k, label in ratings]
            view.extra_charts.append(
                (
                    "Breakdown of survey rating, "
                    + period_text(latest, period_of(params, options)),
                    _svg(
                        charts.bar_chart(
                            bars,
                            title=f"Breakdown of survey rating for {view.title}",
                            desc="; ".join(f"{label}: {_count_text(v)}" for label, v in bars),
                            value_format=formatter("integer"),
                            id_prefix=f"chart-{view.slug}-ratings",
                        )
                    ),
                )
            )


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
    view.chart = _svg(
        charts.bar_chart(
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
    )
    view.table = Table(
        caption=f"{view.title}: data table",
        columns=[Column("period", "Period", "text"), Column(key, view.title, fmt)],
        rows=[{"period": label, key: v} for label, v in bars],
    )
    points = [(_dt(r.get("_start_at") or r.get("_timestamp")), _number(r.get(key))) for r in recent]
    _headline(view, points, fmt, period, recent)


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
    view.chart = _svg(
        charts.bar_chart(
            bars,
            title=view.title,
            desc="; ".join(
                f"{x_label} {label}: {formatting.format_value(v, fmt)}" for label, v in bars
            )
            or NO_DATA,
            value_format=formatter(fmt),
            id_prefix=f"chart-{view.slug}",
        )
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


def render_table(view, rows, options, params, *, annotations, full, now):
    axes = options.get("axes") or {}
    columns = []
    x = axes.get("x")
    for axis in ([x] if x else []) + list(axes.get("y") or []):
        keys = axis.get("key")
        key = keys[0] if isinstance(keys, list) and keys else keys or axis.get("groupId")
        columns.append(Column(str(key), axis["label"], axis.get("format", "text")))
    if not columns and rows:
        columns = [Column(k, k, "text") for k in rows[0] if not k.startswith("_")]
    sort_key = options["sort-by"]
    reverse = options["sort-order"] == "descending"
    present = [r for r in rows if r.get(sort_key) is not None]
    missing = [r for r in rows if r.get(sort_key) is None]
    present.sort(key=lambda r: (str(type(r[sort_key])), r[sort_key]), reverse=reverse)
    view.table = Table(caption=view.title, columns=columns, rows=present + missing)


def render_list(view, rows, options, params, *, annotations, full, now):
    label_attr, link_attr = options["label-attr"], options["link-attr"]
    pattern = re.compile(options["label-regex"]) if options.get("label-regex") else None
    root = options.get("url-root", "")
    for row in rows:
        label = row.get(label_attr)
        if label is None:
            continue
        label = str(label)
        if pattern is not None:
            match = pattern.search(label)
            if match and match.groups():
                label = match.group(1)
        link = row.get(link_attr)
        url = f"{root}{link}" if isinstance(link, str) else ""
        # Absolute http(s) links, or paths on this site ("//host" would leave it).
        if not url.startswith(("https://", "http://", "/")) or url.startswith("//"):
            url = ""
        view.items.append({"label": label, "url": url})
    view.table = Table(
        caption=view.title,
        columns=[Column("label", "Item", "text"), Column("url", "Link", "text")],
        rows=view.items,
    )


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
    view.chart = _svg(
        charts.line_chart(
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
    )
    view.extra_charts.append(
        (
            "Page load time",
            _svg(
                charts.line_chart(
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
                )
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
    view.chart = _svg(
        charts.funnel_chart(
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


def render_realtime(view, rows, options, params, *, annotations, full, now):
    key = options.get("value-attribute", "unique_visitors")
    points = sorted(
        ((when, _number(r.get(key))) for r in rows if (when := _dt(r.get("_timestamp")))),
        key=lambda p: p[0],
    )
    if points:
        latest_when, latest = points[-1]
        view.headline = formatting.format_html(latest, "integer")
        if now - latest_when > timedelta(minutes=10):
            when = f"{formatting.format_time(latest_when)} {formatting.format_date(latest_when)}"
            view.headline_note = f"users online at {when}"
        else:
            view.headline_note = "users online now"
    view.chart = _svg(
        charts.sparkline(
            points,
            title=f"{view.title}: the past 24 hours",
            desc=charts.describe_trend(
                "Users online", points, formatter("integer"), lambda x: formatting.format_time(x)
            ),
            id_prefix=f"chart-{view.slug}",
        )
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


def render_completion_table(view, rows, options, params, *, annotations, full, now):
    category = options["category"]
    grouped: dict = {}
    for row in rows:
        grouped.setdefault(str(row.get(category)), []).append(row)
    table_rows = []
    for name, cat_rows in sorted(grouped.items()):
        rates = _rates(cat_rows, options)
        n = sum(r["numerator"] or 0 for r in rates)
        d = sum(r["denominator"] or 0 for r in rates)
        table_rows.append(
            {"category": name, "numerator": n, "denominator": d, "rate": n / d if d else None}
        )
    view.table = Table(
        caption=view.title,
        columns=[
            Column("category", _axis_label(options, "x", default=category), "text"),
            Column("denominator", "Started", "integer"),
            Column("numerator", "Completed", "integer"),
            Column("rate", "Completion rate", "percent"),
        ],
        rows=table_rows,
    )


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


def _availability_params(module, now):
    return {"collect": ["uptime:sum", "downtime:sum", "avgresponse:mean"]}


EXTRA_PARAMS = {
    "journey": _journey_params,
    "realtime": _realtime_params,
    "availability": _availability_params,
}
RENDERERS = {
    "kpi": render_kpi,
    "single_timeseries": render_single,
    "grouped_timeseries": render_grouped,
    "completion_rate": render_completion,
    "user_satisfaction_graph": render_satisfaction,
    "bar_chart_with_number": render_bar_number,
    "column": render_column,
    "table": render_table,
    "list": render_list,
    "availability": render_availability,
    "journey": render_journey,
    "realtime": render_realtime,
    "completion_table": render_completion_table,
}
MODULE_TYPES = set(RENDERERS) | {"section", "tab"}


__all__ = ["MODULE_TYPES", "ModuleView", "Range", "Table", "render"]
