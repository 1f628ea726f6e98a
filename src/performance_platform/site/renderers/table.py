"""The ``table`` module: the records as a sorted table (its Table is in :mod:`.tables`)."""

from .registry import renders
from .tables import Column, Table


@renders("table")
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
