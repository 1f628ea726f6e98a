"""The ``user_satisfaction_graph`` module: the satisfaction score over time, the number of
responses, and (on the module page) the latest period's ratings as bars."""

from performance_platform.lib import formatting

from .. import charts
from .base import _axis_label, _count_text, _number, _responsive, formatter
from .periods import period_of, period_text
from .registry import renders
from .series import _line_view
from .tables import Column

RATING_LABELS = [
    ("rating_1", "Very dissatisfied"),
    ("rating_2", "Dissatisfied"),
    ("rating_3", "Neither satisfied or dissatisfied"),
    ("rating_4", "Satisfied"),
    ("rating_5", "Very satisfied"),
]


@renders("user_satisfaction_graph")
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
                    _responsive(
                        charts.bar_chart,
                        bars,
                        title=f"Breakdown of survey rating for {view.title}",
                        desc="; ".join(f"{label}: {_count_text(v)}" for label, v in bars),
                        value_format=formatter("integer"),
                        id_prefix=f"chart-{view.slug}-ratings",
                    ),
                )
            )
