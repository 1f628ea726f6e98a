"""The ``single_timeseries`` module: one line over time."""

from .base import _axis_label, option_format
from .registry import renders
from .series import _line_view


@renders("single_timeseries")
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
