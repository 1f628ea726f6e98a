"""A KPI's change between two periods, in numbers and in words, and how values are shown.

Pure functions: the summaries store what these return, so the services index, a
dashboard's tiles and ``/data/.../kpi-summaries`` all say the same words.
"""

import math
from dataclasses import dataclass
from datetime import datetime

from performance_platform.lib import formatting

#: Period names that read well after "on the previous": "up 2% on the previous week".
PERIOD_WORDS = {"day", "week", "month", "quarter", "year"}
# Relative changes smaller than this are "no change": floating-point noise, not news.
NO_CHANGE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Change:
    """The change from a previous value to a current one, in numbers and in words."""

    absolute: float | None
    relative: float | None
    # "up", "down" or "no change"; None when there is nothing to compare with.
    direction: str | None


def change(current, previous) -> Change:
    """Compare two figures. The relative change is None when the previous figure is 0."""
    if not is_number(current) or not is_number(previous):
        return Change(None, None, None)
    absolute = current - previous
    scale = max(abs(current), abs(previous), 1e-300)
    if abs(absolute) <= NO_CHANGE_TOLERANCE * scale:
        return Change(0, 0.0 if previous else None, "no change")
    relative = absolute / previous if previous else None
    return Change(absolute, relative, "up" if absolute > 0 else "down")


def is_number(value) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def display(value, unit: str) -> str:
    """A KPI value as shown: percentages (1 dp), pounds and pence (£11.95), or 4.96m.

    The one rounding rule for a KPI's figures, wherever they are shown: the tiles, the
    services index, the summaries' ``display`` and the modules that show a KPI's latest
    value (site/renderers/kpi.py) all come here or to the catalogue's matching format.
    """
    if value is None:
        return formatting.MISSING
    if unit == "percent":
        return formatting.format_percent(value)
    if unit == "currency":
        return formatting.format_currency(value, pence=True)
    return formatting.format_number(value, magnitude=True)


def relative_text(relative: float) -> str:
    """A relative change as shown beside its amount: one decimal place, signed ("−7.1%")."""
    return formatting.format_percent(relative, show_signs=True)


def change_text(moved: Change, unit: str, previous_period: str | None = None) -> str:
    """The change in words and numbers, e.g. "up 1.4 percentage points"."""
    if moved.direction is None:
        return "no previous figure to compare with"
    if moved.direction == "no change":
        text = "no change"
    elif unit == "percent":
        points = abs(moved.absolute) * 100
        if points < 0.05:
            text = f"{moved.direction} less than 0.1 percentage points"
        else:
            shown = f"{points:.1f}".removesuffix(".0")
            text = f"{moved.direction} {shown} percentage point{'' if shown == '1' else 's'}"
    else:
        amount = display(abs(moved.absolute), unit)
        text = f"{moved.direction} {amount}"
        if moved.relative is not None:
            text += f" ({relative_text(moved.relative)})"
    return f"{text} on the previous {previous_period}" if previous_period else text


def period_name(start: datetime, end: datetime) -> str:
    """Name the period a [start, end) span covers: day, week, month, quarter or year."""
    days = (end - start).days
    if days == 1:
        return "day"
    if days == 7:
        return "week"
    if 28 <= days <= 31:
        return "month"
    if 89 <= days <= 92:
        return "quarter"
    if 365 <= days <= 366:
        return "year"
    return f"{days} days"
