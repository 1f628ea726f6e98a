"""Completion rates per period, shared by the completion rate graph and table."""

import re

from .base import _number


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
