"""The ``grouped_timeseries`` module: one series per group, as lines, stacked areas or
shares of 100%, with comparison lines and line labels."""

import re

from performance_platform.lib import formatting

from .. import charts
from .base import NO_DATA, _axis_label, _number, _responsive, formatter, option_format
from .labels import label_for
from .periods import _dt, _period_end, period_of, period_text, period_words, start_label
from .query import max_timeshift
from .registry import renders
from .series import _in_range
from .tables import Column, Table


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


@renders("grouped_timeseries")
def render_grouped(view, rows, options, params, *, annotations, full, now):
    """Series per group (as the original's grouped time series): lines, stacked areas, or
    100% stacked shares.

    ``group-mapping`` merges groups by pattern; a y series with ``timeshift: N`` is its
    group N periods earlier (fetched by :func:`.query.widen_for_timeshift`), drawn as a
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
    names = options.get("labels") or {}
    if not wanted:
        wanted = [(name, label_for(name, names), 0, {}) for name in sorted(by_group)]
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
    # Groups with no axis of their own are rolled into "Other" (as the original did), so the
    # total is the whole total, not only the named groups'.
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
            if percent:  # as the original's: a 100% chart's table gives each series' share
                value = value / totals[when] if value is not None and totals[when] else None
            row[s.key] = value
        for s in compared:
            row[s.key] = dict(s.points).get(when)
        row["_total"] = totals[when]
        table_rows.append(row)
    notes = _in_range(annotations, [(x, 0) for x in visible])
    view.annotations = [n for _, n in notes]
    # Each description is a sentence of its own, ending with its full stop.
    described = " ".join(
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
        view.chart = _responsive(
            charts.stacked_area_chart,
            series,
            percent=percent,
            y_format=formatter("percent" if percent else fmt),
            **common,
        )
    else:
        view.chart = _responsive(
            charts.line_chart, [*series, *compared], y_format=formatter(fmt), **common
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
    """Each series' latest value and its share of the total (the line labels of the
    original's grouped time series)."""
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
