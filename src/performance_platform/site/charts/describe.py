"""Charts' descriptions in words: how a series moved, and the annotations."""

from collections.abc import Callable, Sequence

from .data import Point, _points
from .scales import _format_default, _safe_call
from .style import NO_DATA_DESC
from .text import _clean
from .xaxis import _default_x_label, _keyed, _XAxis


def describe_trend(
    series_label: str,
    points: Sequence[Point],
    value_format: Callable[[float], str] | None = None,
    x_format: Callable[[object], str] | None = None,
) -> str:
    """One plain-English sentence about how a series moved, for a chart's ``<desc>``.

    "Digital take-up rose from 61% to 74% between April 2024 and March 2025." It compares the
    first and last values there are (words "rose", "fell", or "stayed at" when the two read the
    same once formatted), says how many values are missing, and handles a single value and no
    values at all ("No data is available for this chart.").
    """
    value_format = value_format or _format_default
    x_format = x_format or _default_x_label
    label = _clean(series_label) or "The value"
    if not label[1:2].isupper():  # "digital take-up" → "Digital take-up", but not "IPhone"
        label = label[0].upper() + label[1:]
    pairs = _points(points)
    axis = _XAxis([x for x, _ in pairs])
    keyed = [(value, x) for _, value, x in _keyed(pairs, axis)]
    defined = [(value, x) for value, x in keyed if value is not None]
    if not defined:
        return NO_DATA_DESC
    missing = len(keyed) - len(defined)
    (first, first_x), (last, last_x) = defined[0], defined[-1]
    start = _safe_call(value_format, first, _format_default)
    end = _safe_call(value_format, last, _format_default)
    when_first = _safe_call(x_format, first_x, _default_x_label)
    when_last = _safe_call(x_format, last_x, _default_x_label)
    if len(defined) == 1:
        sentence = f"{label} was {start} in {when_first}."
    elif start == end:
        sentence = f"{label} stayed at {start} between {when_first} and {when_last}."
    else:
        verb = "rose" if last > first else "fell"
        sentence = f"{label} {verb} from {start} to {end} between {when_first} and {when_last}."
    if missing:
        are = "is" if missing == 1 else "are"
        sentence += f" {missing} of the {len(keyed)} values {are} missing."
    return sentence


def _annotation_desc(annotations, x_format) -> str:
    items = []
    for number, (x, text) in enumerate(annotations, start=1):
        when = _safe_call(x_format, x, _default_x_label)
        items.append(f"{number}. {when}: {_clean(text).rstrip('.')}.")
    return ("Annotations: " + " ".join(items)) if items else ""
