"""The ``completion_table`` module: completion rates per category, as a table."""

from .base import _axis_label
from .rates import _rates
from .registry import renders
from .tables import Column, Table


@renders("completion_table")
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
