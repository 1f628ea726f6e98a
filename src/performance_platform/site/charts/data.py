"""What charts are given: series of points, labelled bars and annotations, read leniently
(malformed items are skipped, bad values are gaps)."""

from dataclasses import dataclass, field

from .scales import _num
from .text import _clean

Point = tuple[object, object]


@dataclass(slots=True)
class Series:
    """One line or area: ``points`` are ``(x, value)`` pairs, where x is a datetime, a date, a
    number or a category (str), and a value of None (or NaN) is a gap."""

    key: str
    label: str
    points: list[Point] = field(default_factory=list)


def _points(raw) -> list[tuple[object, float | None]]:
    """``(x, value)`` pairs from whatever was given; malformed items are skipped."""
    out = []
    for item in raw or ():
        try:
            x, value = item
        except (TypeError, ValueError):
            continue
        out.append((x, _num(value)))
    return out


def _bars(raw) -> list[tuple[str, float | None]]:
    out = []
    for item in raw or ():
        try:
            label, value = item
        except (TypeError, ValueError):
            continue
        out.append((_clean(label), _num(value)))
    return out


def _annotations(raw) -> list[tuple[object, str]]:
    out = []
    for item in raw or ():
        try:
            x, text = item
        except (TypeError, ValueError):
            continue
        out.append((x, _clean(text)))
    return out
