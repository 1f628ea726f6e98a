"""The ``completion_rate`` module: completed over started, per period, as a line."""

from .base import _axis_label
from .rates import _rates
from .registry import renders
from .series import _line_view
from .tables import Column


@renders("completion_rate")
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
