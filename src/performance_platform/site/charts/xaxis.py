"""The x axis: times, numbers or categories, placed in order and mapped to pixels."""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from numbers import Real

from performance_platform.lib.formatting import format_date

from .scales import _format_default, _num
from .text import _clean


def _timestamp(value: date) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    return datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()


def _x_kind(values: Iterable) -> str:
    kinds = set()
    for x in values:
        if isinstance(x, date):
            kinds.add("time")
        elif isinstance(x, Real | Decimal) and not isinstance(x, bool):
            kinds.add("number")
        else:
            kinds.add("category")
        if len(kinds) > 1:
            return "category"
    return kinds.pop() if kinds else "category"


def _token(x):
    try:
        hash(x)
    except TypeError:
        return repr(x)
    return x


class _XAxis:
    """Maps x values (times, numbers or categories) to a position key and then to pixels."""

    def __init__(self, xs: list):
        self.kind = _x_kind(xs)
        self.categories: dict = {}
        if self.kind == "category":
            for x in xs:
                self.categories.setdefault(_token(x), len(self.categories))
        ticks: dict[float, object] = {}
        for x in xs:
            key = self.key(x)
            if key is not None:
                ticks.setdefault(key, x)
        self.ticks = sorted(ticks.items(), key=lambda item: item[0])
        self.low = self.ticks[0][0] if self.ticks else 0.0
        self.high = self.ticks[-1][0] if self.ticks else 0.0
        self.left = self.right = 0.0

    def key(self, x) -> float | None:
        try:
            if self.kind == "time":
                return _timestamp(x) if isinstance(x, date) else None
            if self.kind == "number":
                return _num(x)
            return self.categories.get(_token(x))
        except (OverflowError, ValueError, TypeError):
            return None

    def place(self, left: float, right: float) -> None:
        self.left, self.right = left, right

    def pixel(self, key: float) -> float:
        if self.high == self.low:
            return (self.left + self.right) / 2
        return self.left + (key - self.low) / (self.high - self.low) * (self.right - self.left)

    def contains(self, key: float | None) -> bool:
        return key is not None and self.low <= key <= self.high


def _default_x_label(x) -> str:
    if isinstance(x, date):
        return format_date(x, "D MMM YYYY")
    if isinstance(x, Real | Decimal) and not isinstance(x, bool):
        number = _num(x)
        return "" if number is None else _format_default(number)
    return _clean(x)


def _keyed(points, axis: _XAxis) -> list[tuple[float, float | None, object]]:
    """``(key, value, x)`` for the points the axis can place, in x order."""
    keyed = []
    for x, value in points:
        key = axis.key(x)
        if key is not None:
            keyed.append((key, value, x))
    keyed.sort(key=lambda item: item[0])
    return keyed
