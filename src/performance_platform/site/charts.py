"""Charts drawn on the server as accessible inline SVG (no JavaScript, no chart library).

Every function returns a string of SVG markup for the caller to mark safe and put in a page,
next to the data table that every chart has. The charts are plain pictures: they read the same
with JavaScript off, in print, and in Windows high-contrast mode (see ``docs/charts.md``).

Every chart:

* is ``<svg role="img" aria-labelledby="ID-title ID-desc">`` with a ``<title>`` (what the
  chart is) and a ``<desc>`` (what it shows, in words: see :func:`describe_trend`);
* is ``focusable="false"`` (nothing in it is interactive), ``width="100%"`` with a
  ``viewBox``, so it scales to its column, and sets ``font-family="inherit"`` so its text is
  in the page's typeface;
* writes every word as a real ``<text>`` element (selectable, translatable, zoomable);
* never tells series apart by colour alone: each line has its own marker shape *and* dash
  pattern, each area its own fill pattern, and each series is labelled at its end;
* carries ``pp-*`` classes as hooks for the site's stylesheet (print, forced colours);
* has no scripts, no event handlers and no external references, and escapes all text.

Ids inside a chart start with ``id_prefix``; give each chart on a page its own. Without one,
a prefix is derived from the title (charts with the same title on one page would clash).

Values are numbers; ``None``, NaN and infinities are gaps (a broken line, never a zero).
Percentages are fractions, as everywhere in this project: 0.74 is 74%. Input never makes a
function raise: a chart with nothing to draw is a small SVG that says "No data".
"""

import hashlib
import html
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from numbers import Real

from performance_platform.lib.formatting import (
    MINUS,
    format_date,
    format_number,
    format_percent,
)

__all__ = [
    "DASHES",
    "MARKERS",
    "NO_DATA",
    "PALETTE",
    "PATTERNS",
    "Series",
    "bar_chart",
    "describe_trend",
    "funnel_chart",
    "line_chart",
    "sparkline",
    "stacked_area_chart",
]

#: GOV.UK colours, in the order series take them.
PALETTE = (
    "#1d70b8",  # blue
    "#f47738",  # orange
    "#00703c",  # green
    "#d4351c",  # red
    "#4c2c92",  # purple
    "#28a197",  # turquoise
    "#f499be",  # pink
    "#b58840",  # brown
    "#6f72af",  # light purple
    "#505a5f",  # dark grey
)
#: Marker shapes, in the order line series take them.
MARKERS = (
    "circle",
    "square",
    "triangle",
    "diamond",
    "cross",
    "triangle-down",
    "plus",
    "star",
    "hexagon",
    "hourglass",
)
#: Dash patterns (``stroke-dasharray``) of line series; the first is a solid line. The cycle
#: is a different length from the colours' and shapes', so no two of the first 90 series
#: share all three.
DASHES = (None, "8 4", "2 3", "10 3 2 3", "4 4", "12 3 2 3 2 3", "16 4", "6 2 2 2", "2 6")
#: Fill patterns of area series.
PATTERNS = (
    "diagonal",
    "dots",
    "horizontal",
    "back-diagonal",
    "vertical",
    "crosshatch",
    "grid",
    "large-dots",
    "zigzag",
    "checks",
)
#: The words every empty chart shows.
NO_DATA = "No data"
NO_DATA_DESC = "No data is available for this chart."

TEXT = "#0b0c0c"  # GOV.UK text colour
SECONDARY_TEXT = "#505a5f"
GRID = "#b1b4b6"  # GOV.UK border colour
FONT_SIZE = 14
SMALL_FONT_SIZE = 12
LIMIT = 1e300  # values are clamped to +/- this, so differences and sums stay finite

Point = tuple[object, object]


@dataclass(slots=True)
class Series:
    """One line or area: ``points`` are ``(x, value)`` pairs, where x is a datetime, a date, a
    number or a category (str), and a value of None (or NaN) is a gap."""

    key: str
    label: str
    points: list[Point] = field(default_factory=list)


# --------------------------------------------------------------------------- text helpers

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Character widths in ems, erring wide (close to DejaVu Sans; Arial and GDS Transport are
# narrower), so that labels are cut short rather than overlap.
_NARROW = frozenset("il.,:;'|!")
_MEDIUM = frozenset('()[]{} -/\\"`fjrtI')
_WIDE = frozenset("mwMW@%—…")


def _clean(text) -> str:
    """``text`` as a string that XML 1.0 allows, whitespace collapsed."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    return " ".join(_INVALID_XML.sub("", text).split())


def _esc(text) -> str:
    return html.escape(_clean(text), quote=True)


def _char_width(ch: str) -> float:
    if ch in _NARROW:
        return 0.32
    if ch in _MEDIUM:
        return 0.42
    if ch in _WIDE:
        return 0.95
    if ch < "\u1100":
        if unicodedata.combining(ch):
            return 0.0
        if ch.isdigit():
            return 0.64  # figures are all one width, wider than most letters
        return 0.74 if ch.isupper() else 0.62
    return 1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6


def _text_width(text: str, size: float = FONT_SIZE) -> float:
    """An estimate, in pixels, of the width of ``text`` (erring on the wide side)."""
    return sum(_char_width(ch) for ch in text) * size


def _fit(text: str, width: float, size: float = FONT_SIZE) -> str:
    """``text``, cut short with an ellipsis if it would be wider than ``width``."""
    budget = width / size
    room = budget - _char_width("…")
    used = 0.0
    cut = None
    for index, ch in enumerate(text):
        used += _char_width(ch)
        if cut is None and used > room:
            cut = index
        if used > budget:
            return text[:cut].rstrip() + "…"
    return text


def _wrap(text: str, width: float, lines: int = 2, size: float = FONT_SIZE) -> list[str]:
    """``text`` broken into at most ``lines`` lines that fit ``width`` (the last cut short)."""
    out: list[str] = []
    words = text.split()
    while words and len(out) < lines - 1:
        line = words.pop(0)
        while words and _text_width(f"{line} {words[0]}", size) <= width:
            line = f"{line} {words.pop(0)}"
        if _text_width(line, size) > width:
            words.insert(0, line)  # one long word: leave it to the last line's ellipsis
            break
        out.append(line)
    if words:
        out.append(_fit(" ".join(words), width, size))
    return out


def _f(value: float) -> str:
    """A coordinate, to a tenth of a pixel."""
    return f"{value:.1f}"


# --------------------------------------------------------------------------- numbers


def _num(value) -> float | None:
    """A finite float (clamped to +/- LIMIT), or None for a gap."""
    if value is None or isinstance(value, bool) or not isinstance(value, Real | Decimal):
        return None
    try:
        number = float(value)
    except OverflowError:
        return LIMIT if value > 0 else -LIMIT
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    return max(-LIMIT, min(LIMIT, number))


def _format_default(value: float) -> str:
    """Numbers as the platform shows them: commas, 3 significant figures, k/m/bn."""
    if abs(value) >= 1e15:
        return f"{value:.3g}".replace("-", MINUS)
    return format_number(value, magnitude=True)


def _percent_tick(step: float) -> Callable[[float], str]:
    """Formats percentage ticks with as few decimals as the step needs (20%, 2.5%)."""
    hundredths = step * 100
    dps = 0
    while dps < 4 and abs(round(hundredths, dps) - hundredths) > 1e-9 * max(1.0, hundredths):
        dps += 1
    return lambda value: format_percent(value, dps=dps)


def _safe_call(function: Callable, value, fallback: Callable) -> str:
    """``function(value)`` as clean text; a formatter that fails falls back to the default."""
    try:
        return _clean(function(value))
    except Exception:  # a caller's formatter must not break the page
        return _clean(fallback(value))


def _nice_ticks(low: float, high: float, count: int) -> list[float]:
    """Round-number ticks (steps of 1, 2, 2.5 or 5 times a power of ten) covering low..high."""
    span = high - low
    if not (span > 0 and math.isfinite(span)):
        return [low, high]
    raw = span / max(count, 1)
    if not raw > 0:  # a span so small (5e-324) that a step of it rounds to zero
        return [low, high]
    base = 10.0 ** math.floor(math.log10(raw))
    if not (base > 0 and math.isfinite(base)):
        return [low, high]
    step = base
    for multiple in (1, 2, 2.5, 5, 10):
        step = multiple * base
        if step >= raw * (1 - 1e-9):
            break
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    if not 1 <= last - first <= 100:
        return [low, high]
    return [float(f"{(first + i) * step:.12g}") for i in range(int(last - first) + 1)]


# --------------------------------------------------------------------------- x axis


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


def _keyed(points, axis: _XAxis) -> list[tuple[float, float | None, object]]:
    """``(key, value, x)`` for the points the axis can place, in x order."""
    keyed = []
    for x, value in points:
        key = axis.key(x)
        if key is not None:
            keyed.append((key, value, x))
    keyed.sort(key=lambda item: item[0])
    return keyed


# --------------------------------------------------------------------------- shapes


def _polygon(points: Iterable[tuple[float, float]]) -> str:
    return "M" + "L".join(f"{x:.2f},{y:.2f}" for x, y in points) + "Z"


def _star(points: int, outer: float, inner: float, turn: float = 0.0) -> str:
    corners = []
    for i in range(points * 2):
        radius = outer if i % 2 == 0 else inner
        angle = math.pi * i / points - math.pi / 2 + turn
        corners.append((radius * math.cos(angle), radius * math.sin(angle)))
    return _polygon(corners)


def _marker_path(shape: str, r: float) -> str:
    """The outline of a marker centred on 0,0, about ``2r`` across."""
    if shape == "circle":
        return (
            f"M{-r:.2f},0a{r:.2f},{r:.2f} 0 1,0 {2 * r:.2f},0a{r:.2f},{r:.2f} 0 1,0 {-2 * r:.2f},0Z"
        )
    if shape == "square":
        s = r * 0.9
        return _polygon([(-s, -s), (s, -s), (s, s), (-s, s)])
    if shape == "triangle":
        t = r * 1.25
        return _polygon([(0, -t), (t * 0.94, t * 0.7), (-t * 0.94, t * 0.7)])
    if shape == "triangle-down":
        t = r * 1.25
        return _polygon([(0, t), (t * 0.94, -t * 0.7), (-t * 0.94, -t * 0.7)])
    if shape == "diamond":
        d = r * 1.3
        return _polygon([(0, -d), (d, 0), (0, d), (-d, 0)])
    if shape in ("plus", "cross"):
        a, t = r * 1.2, r * 0.4
        arms = [(-t, -a), (t, -a), (t, -t), (a, -t), (a, t), (t, t)]
        arms += [(t, a), (-t, a), (-t, t), (-a, t), (-a, -t), (-t, -t)]
        if shape == "cross":
            c = math.sqrt(0.5)
            arms = [((x - y) * c, (x + y) * c) for x, y in arms]
        return _polygon(arms)
    if shape == "star":
        return _star(5, r * 1.4, r * 0.6)
    if shape == "hexagon":
        return _star(3, r * 1.1, r * 1.1)
    # hourglass
    h = r * 1.1
    return _polygon([(-h, -h), (h, -h), (-h, h), (h, h)])


def _luminance(colour: str) -> float:
    """Relative luminance (WCAG) of a ``#rrggbb`` colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _outline(colour: str) -> str:
    """The outline for markers of ``colour``: dark when the colour itself has less than 3:1
    contrast with white (orange, pink), so the markers still stand out; else white."""
    return TEXT if 1.05 / (_luminance(colour) + 0.05) < 3 else "#ffffff"


_PATTERN_MARKS = {
    "diagonal": '<path d="M-2,2l4,-4M0,8l8,-8M6,10l4,-4" stroke="{ink}" stroke-width="1.5"/>',
    "dots": '<path d="M2,2m-1.3,0a1.3,1.3 0 1,0 2.6,0a1.3,1.3 0 1,0 -2.6,0'
    'M6,6m-1.3,0a1.3,1.3 0 1,0 2.6,0a1.3,1.3 0 1,0 -2.6,0" fill="{ink}"/>',
    "horizontal": '<path d="M0,2h8M0,6h8" stroke="{ink}" stroke-width="1.5"/>',
    "back-diagonal": '<path d="M-2,6l4,4M0,0l8,8M6,-2l4,4" stroke="{ink}" stroke-width="1.5"/>',
    "vertical": '<path d="M2,0v8M6,0v8" stroke="{ink}" stroke-width="1.5"/>',
    "crosshatch": '<path d="M0,0l8,8M8,0l-8,8" stroke="{ink}" stroke-width="1"/>',
    "grid": '<path d="M0,4h8M4,0v8" stroke="{ink}" stroke-width="1"/>',
    "large-dots": '<circle cx="4" cy="4" r="2.2" fill="{ink}"/>',
    "zigzag": '<path d="M0,6l2,-4l2,4l2,-4l2,4" stroke="{ink}" stroke-width="1.2" fill="none"/>',
    "checks": '<path d="M0,0h4v4h-4zM4,4h4v4h-4z" fill="{ink}"/>',
}


def _pattern(pattern_id: str, index: int) -> str:
    colour = PALETTE[index % len(PALETTE)]
    ink = TEXT if _luminance(colour) > 0.3 else "#ffffff"
    marks = _PATTERN_MARKS[PATTERNS[index % len(PATTERNS)]].format(ink=ink)
    return (
        f'<pattern id="{pattern_id}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="{colour}"/><g opacity="0.7">{marks}</g></pattern>'
    )


# --------------------------------------------------------------------------- layout helpers


def _spread(wanted: list[float], gap: float, low: float, high: float) -> list[float]:
    """Positions as near ``wanted`` as possible, at least ``gap`` apart, within low..high.

    Overlapping labels are merged into clusters centred on the mean of what they wanted (the
    usual way to keep line-end labels apart). If they cannot all fit, they are squeezed."""
    count = len(wanted)
    if count == 0:
        return []
    if count > 1 and gap * (count - 1) > high - low:
        gap = max(high - low, 0) / (count - 1)
    order = sorted(range(count), key=wanted.__getitem__)
    clusters: list[list] = []  # [start, [wanted positions]]
    for index in order:
        clusters.append([wanted[index], [wanted[index]]])
        while True:
            last = clusters[-1]
            last[0] = min(max(last[0], low), high - gap * (len(last[1]) - 1))
            if len(clusters) < 2:
                break
            before = clusters[-2]
            if before[0] + gap * len(before[1]) <= last[0] + 1e-9:
                break
            members = before[1] + last[1]
            mean = sum(members) / len(members)
            clusters[-2:] = [[mean - gap * (len(members) - 1) / 2, members]]
    placed = []
    for start, members in clusters:
        placed.extend(start + gap * i for i in range(len(members)))
    out = [0.0] * count
    for rank, index in enumerate(order):
        out[index] = placed[rank]
    return out


def _prefix(id_prefix, seed: str) -> str:
    if id_prefix is None or _clean(id_prefix) == "":
        digest = hashlib.blake2s(seed.encode("utf-8", "surrogatepass"), digest_size=4)
        return "chart-" + digest.hexdigest()
    clean = re.sub(r"[^A-Za-z0-9_-]", "-", _clean(id_prefix))
    return clean if clean[:1].isascii() and clean[:1].isalpha() else "c" + clean


def _size(value, default: int, minimum: int) -> int:
    number = _num(value)
    if number is None:
        return default
    return int(max(minimum, min(number, 10_000)))


_KIND_DESC = {
    "line": "A line chart.",
    "area": "A stacked area chart.",
    "bar": "A bar chart.",
    "funnel": "A funnel chart.",
    "sparkline": "A sparkline.",
}


def _open(prefix: str, kind: str, width: float, height: float, title: str, desc: str) -> list:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{prefix}" class="pp-chart pp-chart--{kind}"'
        f' role="img" aria-labelledby="{prefix}-title {prefix}-desc"'
        f' viewBox="0 0 {width:g} {height:g}" width="100%" focusable="false"'
        f' font-family="inherit" font-size="{FONT_SIZE}">',
        f'<title id="{prefix}-title">{_esc(title) or "Chart"}</title>',
        f'<desc id="{prefix}-desc">{_esc(desc) or _KIND_DESC.get(kind, "Chart.")}</desc>',
    ]


def _empty(prefix: str, title: str, width: int, height: int, desc: str = NO_DATA_DESC) -> str:
    """A small chart that says there is nothing to show."""
    title = _clean(title)
    height = min(height, 60)
    size = min(FONT_SIZE, max(8, height // 2))
    title = f"{title} ({NO_DATA.lower()})" if title else NO_DATA
    parts = _open(prefix, "empty", width, height, title, desc)
    parts.append(
        f'<text class="pp-no-data" x="{width / 2:g}" y="{height / 2 + size * 0.35:.1f}"'
        f' text-anchor="middle" font-size="{size}" fill="{SECONDARY_TEXT}">{NO_DATA}</text></svg>'
    )
    return "".join(parts)


def _join_desc(*parts: str) -> str:
    return " ".join(part for part in (_clean(p) for p in parts) if part)


# --------------------------------------------------------------------------- descriptions


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


def _annotations(raw) -> list[tuple[object, str]]:
    out = []
    for item in raw or ():
        try:
            x, text = item
        except (TypeError, ValueError):
            continue
        out.append((x, _clean(text)))
    return out


# --------------------------------------------------------------------------- axes


class _Frame:
    """The plot area of a chart with axes: y scale, ticks, x axis, margins."""

    def __init__(
        self,
        *,
        width: int,
        height: int,
        axis: _XAxis,
        low: float,
        high: float,
        tick_format: Callable[[float], str],
        percent: bool,
        fixed_low: bool,
        fixed_high: bool,
        right: float,
        top: float,
    ):
        self.width, self.height, self.axis = width, height, axis
        self.top = top
        self.bottom = height - 30
        count = max(2, min(8, int((self.bottom - self.top) // 45)))
        if high <= low:
            high = low + (abs(low) or 1.0)
        ticks = _nice_ticks(low, high, count)
        self.low = low if fixed_low else min(ticks[0], low)
        self.high = high if fixed_high else max(ticks[-1], high)
        self.ticks = [
            t for t in ticks if self.low - 1e-9 * abs(t) <= t <= self.high + 1e-9 * abs(t)
        ]
        step = (ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
        fallback = _percent_tick(step) if percent else _format_default
        formatter = tick_format or fallback
        self.tick_labels = [_safe_call(formatter, t, fallback) for t in self.ticks]
        label_room = max((_text_width(t, SMALL_FONT_SIZE) for t in self.tick_labels), default=0)
        self.left = min(label_room + 14, width * 0.3)
        self.right = width - min(right, width * 0.35)
        axis.place(self.left, self.right)

    def y(self, value: float) -> float:
        span = self.high - self.low
        return self.bottom - (value - self.low) / span * (self.bottom - self.top)

    def y_axis(self) -> str:
        out = ['<g class="pp-axis pp-axis--y" font-size="12">']
        room = self.left - 12
        for tick, label in zip(self.ticks, self.tick_labels, strict=True):
            y = self.y(tick)
            colour = SECONDARY_TEXT if tick == 0 else GRID
            out.append(
                f'<line class="pp-grid" x1="{_f(self.left)}" x2="{_f(self.right)}"'
                f' y1="{_f(y)}" y2="{_f(y)}" stroke="{colour}" stroke-width="1"/>'
                f'<text x="{_f(self.left - 6)}" y="{_f(y + 4)}" text-anchor="end"'
                f' fill="{TEXT}">{_esc(_fit(label, room, SMALL_FONT_SIZE))}</text>'
            )
        out.append("</g>")
        return "".join(out)

    def x_axis(self, x_format: Callable) -> str:
        """Labels under the plot, thinned so that they do not overlap; the last is always
        kept (the latest period matters most)."""
        ticks = self.axis.ticks
        if not ticks:
            return ""
        cap = (self.right - self.left) / 2
        sample = range(len(ticks)) if len(ticks) <= 24 else range(0, len(ticks), len(ticks) // 6)
        widest = max(
            _text_width(_safe_call(x_format, ticks[i][1], _default_x_label), SMALL_FONT_SIZE)
            for i in [*sample, len(ticks) - 1]
        )
        widest = min(widest, cap)
        out = [f'<g class="pp-axis pp-axis--x" font-size="12" fill="{TEXT}">']
        previous = math.inf  # the left edge of the last label placed
        for key, x in reversed(ticks):
            px = self.axis.pixel(key)
            if previous - px < widest / 2 + 8:
                continue  # cheap test first: most labels are skipped without formatting
            label = _fit(_safe_call(x_format, x, _default_x_label), cap, SMALL_FONT_SIZE)
            half = _text_width(label, SMALL_FONT_SIZE) / 2
            anchor, tx, left_edge = "middle", px, px - half
            if px - half < 2:  # would run off the left edge
                anchor, tx, left_edge = "start", 2.0, 2.0
            elif px + half > self.width - 2:
                anchor, tx, left_edge = "end", self.width - 2.0, self.width - 2 - 2 * half
            if left_edge + 2 * half > previous - 8:
                continue
            out.append(
                f'<text x="{_f(tx)}" y="{_f(self.bottom + 18)}" text-anchor="{anchor}">'
                f"{_esc(label)}</text>"
            )
            previous = left_edge
        out.append(
            f'<line class="pp-axis-line" x1="{_f(self.left)}" x2="{_f(self.right)}"'
            f' y1="{_f(self.bottom)}" y2="{_f(self.bottom)}" stroke="{SECONDARY_TEXT}"/></g>'
        )
        return "".join(out)


def _annotation_rows(pixels: list[float | None]) -> tuple[list[int], int]:
    """Which row (0 = lowest) each annotation marker sits in, so that none overlap."""
    rows: list[float] = []
    chosen = []
    for px in pixels:
        if px is None:
            chosen.append(-1)
            continue
        for row, last in enumerate(rows):
            if px - last >= 20:
                rows[row] = px
                chosen.append(row)
                break
        else:
            rows.append(px)
            chosen.append(len(rows) - 1)
    return chosen, len(rows)


def _framed(axis: _XAxis, note_keys: list, **options) -> tuple[_Frame, list[int]]:
    """The frame of a chart, with room above the plot for the annotation markers, and the
    row each marker sits in (-1: not drawn, its x is outside the axis)."""
    shown = [key if axis.contains(key) else None for key in note_keys]
    top = 12 + (22 if any(key is not None for key in shown) else 0)
    frame = _Frame(axis=axis, top=top, **options)
    rows, count = _annotation_rows([None if k is None else axis.pixel(k) for k in shown])
    if count > 1:
        frame = _Frame(axis=axis, top=12 + 22 * count, **options)
        rows, _ = _annotation_rows([None if k is None else axis.pixel(k) for k in shown])
        rows = [min(row, count - 1) for row in rows]
    return frame, rows


def _draw_annotations(frame: _Frame, annotations, keys, rows) -> str:
    out = ['<g class="pp-annotations">']
    for number, ((_, text), key, row) in enumerate(zip(annotations, keys, rows, strict=True), 1):
        if row < 0:
            continue
        px = frame.axis.pixel(key)
        cy = frame.top - 12 - row * 22
        out.append(
            f'<g class="pp-annotation"><title>{number}. {_esc(text)}</title>'
            f'<line x1="{_f(px)}" x2="{_f(px)}" y1="{_f(cy + 9)}" y2="{_f(frame.bottom)}"'
            f' stroke="{TEXT}" stroke-width="1.5" stroke-dasharray="4 3"/>'
            f'<circle cx="{_f(px)}" cy="{_f(cy)}" r="9" fill="{TEXT}"/>'
            f'<text x="{_f(px)}" y="{_f(cy + 4)}" text-anchor="middle" font-size="12"'
            f' font-weight="bold" fill="#ffffff">{number}</text></g>'
        )
    out.append("</g>")
    return "".join(out)


def _end_labels(frame: _Frame, ends: list[tuple[int, float, float, str, str]], gap=18) -> str:
    """Series names at the right of the plot, level with where each series ends.

    ``ends`` holds ``(index, x, y, label, swatch)``: where the series ends and the markup of
    the swatch (its marker or fill) drawn before its name."""
    if not ends:
        return ""
    wanted = [y for _, _, y, _, _ in ends]
    placed = _spread(wanted, gap, frame.top + 6, frame.bottom - 6)
    text_x = frame.right + 24
    room = frame.width - text_x - 2
    out = [f'<g class="pp-end-labels" fill="{TEXT}">']
    for (index, px, py, label, swatch), y in zip(ends, placed, strict=True):
        colour = PALETTE[index % len(PALETTE)]
        out.append(f'<g class="pp-end-label pp-series--{index}">')
        if abs(y - py) > 1 or frame.right - px > 1:
            out.append(
                f'<path d="M{_f(px + 4)},{_f(py)}L{_f(frame.right + 6)},{_f(y)}"'
                f' stroke="{colour}" stroke-width="1" fill="none"/>'
            )
        out.append(swatch.format(x=_f(frame.right + 14), y=_f(y)))
        out.append(f'<text x="{_f(text_x)}" y="{_f(y + 5)}">{_esc(_fit(label, room))}</text></g>')
    out.append("</g>")
    return "".join(out)


def _label_room(labels: Iterable[str], width: int) -> float:
    widest = max((_text_width(label) for label in labels), default=0.0)
    return min(widest + 30, width * 0.35)


# --------------------------------------------------------------------------- line chart


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    desc: str | None = None,
    y_format: Callable[[float], str] | None = None,
    x_labels: Callable[[object], str] | None = None,
    y_min: float | None = None,
    y_max: float | None = None,
    percent_axis: bool = False,
    annotations: Sequence[tuple[object, str]] = (),
    height: int = 300,
    width: int = 640,
    id_prefix: str | None = None,
) -> str:
    """Lines over time (or over any x), one per series, named at their right-hand ends.

    ``y_format`` formats the tick labels and the values in the generated description
    (default: numbers as the platform writes them, or percentages with ``percent_axis``);
    ``x_labels`` formats x values (default: "3 Apr 2023" for dates). ``percent_axis`` draws
    fractions on an axis from 0% to 100% (wider if the data are). The y axis includes zero
    unless ``y_min`` says otherwise; data outside ``y_min``/``y_max`` widen the axis.
    ``annotations`` are ``(x, text)`` pairs: a dashed line with a numbered marker at x, and
    the text listed in the description. ``desc`` defaults to :func:`describe_trend` of each
    series.
    """
    width, height = _size(width, 640, 160), _size(height, 300, 120)
    title = _clean(title)
    prefix = _prefix(id_prefix, title)
    series = [s for s in (series or ()) if isinstance(s, Series)]
    prepared = [_points(s.points) for s in series]
    axis = _XAxis([x for points in prepared for x, _ in points])
    keyed = [_keyed(points, axis) for points in prepared]
    values = [v for points in keyed for _, v, _ in points if v is not None]
    if not values:
        return _empty(prefix, title, width, height)

    value_format = y_format or (format_percent if percent_axis else _format_default)
    x_format = x_labels or _default_x_label
    notes = _annotations(annotations)
    note_keys = [axis.key(x) for x, _ in notes]
    low, high = min(values), max(values)
    floor, ceiling = _num(y_min), _num(y_max)
    if percent_axis:
        floor = 0.0 if floor is None else floor
        ceiling = 1.0 if ceiling is None else ceiling
    frame, rows = _framed(
        axis,
        note_keys,
        width=width,
        height=height,
        low=min(low, 0.0 if floor is None else floor),
        high=max(high, high if ceiling is None else ceiling),
        tick_format=y_format,
        percent=percent_axis,
        fixed_low=floor is not None and floor <= low,
        fixed_high=ceiling is not None and ceiling >= high,
        right=_label_room((_clean(s.label) for s in series), width),
    )

    if desc is None:
        desc = " ".join(describe_trend(s.label, s.points, value_format, x_format) for s in series)
    description = _join_desc(desc, _annotation_desc(notes, x_format))

    spacing = (frame.right - frame.left) / max(len(axis.ticks) - 1, 1)
    radius = max(2.0, min(4.0, spacing * 0.4))
    parts = _open(prefix, "line", width, height, title, description)
    parts.append("<defs>")
    for index in range(len(series)):
        shape = MARKERS[index % len(MARKERS)]
        parts.append(f'<path id="{prefix}-m{index}" d="{_marker_path(shape, radius)}"/>')
    parts.append("</defs>")
    parts.append(frame.y_axis())
    parts.append(frame.x_axis(x_format))
    if any(row >= 0 for row in rows):
        parts.append(_draw_annotations(frame, notes, note_keys, rows))

    ends = []
    pixel, y_of = axis.pixel, frame.y
    for index, (one, points) in enumerate(zip(series, keyed, strict=True)):
        colour = PALETTE[index % len(PALETTE)]
        dash = DASHES[index % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        path, markers = [], []
        pen = "M"
        last = None
        for key, value, _ in points:
            if value is None:
                pen = "M"
                continue
            px, py = pixel(key), y_of(value)
            path.append(f"{pen}{px:.1f},{py:.1f}")
            markers.append(f'<use href="#{prefix}-m{index}" x="{px:.1f}" y="{py:.1f}"/>')
            pen = "L"
            last = (px, py)
        parts.append(
            f'<g class="pp-series pp-series--{index}" data-key="{_esc(one.key)}"'
            f' data-marker="{MARKERS[index % len(MARKERS)]}">'
        )
        if path:
            parts.append(
                f'<path class="pp-line" d="{"".join(path)}" fill="none" stroke="{colour}"'
                f' stroke-width="2" stroke-linejoin="round"{dash_attr}/>'
                f'<g class="pp-markers" fill="{colour}" stroke="{_outline(colour)}"'
                ' stroke-width="0.75">'
                f"{''.join(markers)}</g>"
            )
        parts.append("</g>")
        if last is not None:
            swatch = (
                f'<use href="#{prefix}-m{index}" x="{{x}}" y="{{y}}" fill="{colour}"'
                f' stroke="{_outline(colour)}" stroke-width="0.75"/>'
            )
            ends.append((index, last[0], last[1], _clean(one.label), swatch))
    parts.append(_end_labels(frame, ends))
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- stacked areas


def stacked_area_chart(
    series: Sequence[Series],
    *,
    title: str,
    desc: str | None = None,
    percent: bool = False,
    y_format: Callable[[float], str] | None = None,
    x_labels: Callable[[object], str] | None = None,
    annotations: Sequence[tuple[object, str]] = (),
    height: int = 300,
    width: int = 640,
    id_prefix: str | None = None,
) -> str:
    """Series stacked on one another, each area with its own fill pattern and colour.

    With ``percent`` each x shows shares of its total on a 0-100% axis. A stack is only
    drawn where every series has a value: a missing part would make the total wrong, so it is
    a gap for the whole stack. Negative values stack downwards from zero.
    """
    width, height = _size(width, 640, 160), _size(height, 300, 120)
    title = _clean(title)
    prefix = _prefix(id_prefix, title)
    series = [s for s in (series or ()) if isinstance(s, Series)]
    prepared = [_points(s.points) for s in series]
    axis = _XAxis([x for points in prepared for x, _ in points])
    tables = []
    for points in prepared:
        table: dict[float, float | None] = {}
        for x, value in points:
            key = axis.key(x)
            if key is not None:
                table[key] = value
        tables.append(table)

    stacks: dict[float, list[tuple[float, float]]] = {}
    for key, _ in axis.ticks:
        values = [table.get(key) for table in tables]
        if not values or any(value is None for value in values):
            continue
        if percent:
            total = sum(abs(value) for value in values)
            if total <= 0:
                continue
            values = [value / total for value in values]
        up = down = 0.0
        bands = []
        for value in values:
            if value >= 0:
                bands.append((up, up + value))
                up += value
            else:
                bands.append((down, down + value))
                down += value
        stacks[key] = bands
    if not stacks:
        return _empty(prefix, title, width, height)

    value_format = y_format or (format_percent if percent else _format_default)
    x_format = x_labels or _default_x_label
    notes = _annotations(annotations)
    note_keys = [axis.key(x) for x, _ in notes]
    edges = [edge for bands in stacks.values() for band in bands for edge in band]
    low, high = min(0.0, *edges), max(edges)
    frame, rows = _framed(
        axis,
        note_keys,
        width=width,
        height=height,
        low=low,
        high=max(high, 1.0) if percent else high,
        tick_format=y_format,
        percent=percent,
        fixed_low=False,
        fixed_high=percent and high <= 1.0 + 1e-9,
        right=_label_room((_clean(s.label) for s in series), width),
    )
    if desc is None:
        if percent:
            shares = [
                [
                    (x, stacks[key][i][1] - stacks[key][i][0]) if key in stacks else (x, None)
                    for key, x in axis.ticks
                ]
                for i in range(len(series))
            ]
            desc = " ".join(
                describe_trend(f"{s.label} share", points, value_format, x_format)
                for s, points in zip(series, shares, strict=True)
            )
        else:
            desc = " ".join(
                describe_trend(s.label, s.points, value_format, x_format) for s in series
            )
    description = _join_desc(desc, _annotation_desc(notes, x_format))

    # Runs of consecutive x values where the stack is complete.
    runs: list[list[float]] = []
    previous_complete = False
    for key, _ in axis.ticks:
        if key in stacks:
            if previous_complete:
                runs[-1].append(key)
            else:
                runs.append([key])
            previous_complete = True
        else:
            previous_complete = False

    parts = _open(prefix, "area", width, height, title, description)
    parts.append("<defs>")
    parts.extend(_pattern(f"{prefix}-f{index}", index) for index in range(len(series)))
    parts.append("</defs>")
    parts.append(frame.y_axis())
    parts.append(frame.x_axis(x_format))

    ends = []
    pixel, y_of = axis.pixel, frame.y
    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        path = []
        for run in runs:
            xs = [pixel(key) for key in run]
            if len(run) == 1:
                key = run[0]
                xs = [xs[0] - 3, xs[0] + 3]
                run = [key, key]
            top = [
                f"{x:.1f},{y_of(stacks[key][index][1]):.1f}" for x, key in zip(xs, run, strict=True)
            ]
            bottom = [
                f"{x:.1f},{y_of(stacks[key][index][0]):.1f}"
                for x, key in zip(reversed(xs), reversed(run), strict=True)
            ]
            path.append("M" + "L".join(top + bottom) + "Z")
        parts.append(
            f'<g class="pp-series pp-series--{index}" data-key="{_esc(one.key)}"'
            f' data-pattern="{PATTERNS[index % len(PATTERNS)]}">'
            f'<path class="pp-area" d="{"".join(path)}" fill="url(#{prefix}-f{index})"'
            f' stroke="#ffffff" stroke-width="1"/></g>'
        )
        last_key = runs[-1][-1]
        y0, y1 = stacks[last_key][index]
        swatch = (
            f'<rect x="{{x}}" y="{{y}}" width="12" height="12" transform="translate(-6,-6)"'
            f' fill="url(#{prefix}-f{index})" stroke="{colour}"/>'
        )
        ends.append((index, pixel(last_key), y_of((y0 + y1) / 2), _clean(one.label), swatch))
    if any(row >= 0 for row in rows):
        parts.append(_draw_annotations(frame, notes, note_keys, rows))
    parts.append(_end_labels(frame, ends))
    parts.append("</svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- bars


def _bars(raw) -> list[tuple[str, float | None]]:
    out = []
    for item in raw or ():
        try:
            label, value = item
        except (TypeError, ValueError):
            continue
        out.append((_clean(label), _num(value)))
    return out


def bar_chart(
    bars: Sequence[tuple[str, float | None]],
    *,
    title: str,
    desc: str | None = None,
    value_format: Callable[[float], str] | None = None,
    height: int = 300,
    width: int = 640,
    id_prefix: str | None = None,
) -> str:
    """Vertical bars, each with its formatted value above it and its label below.

    For "bar chart with number", "column" and the breakdown of satisfaction ratings. A bar
    whose value is None has no bar, and says "no data". ``desc`` defaults to the list of
    labels and values.
    """
    width, height = _size(width, 640, 120), _size(height, 300, 100)
    title = _clean(title)
    prefix = _prefix(id_prefix, title)
    items = _bars(bars)
    values = [value for _, value in items if value is not None]
    if not values:
        return _empty(prefix, title, width, height)
    value_format = value_format or _format_default
    texts = [
        "no data" if value is None else _safe_call(value_format, value, _format_default)
        for _, value in items
    ]
    if desc is None:
        desc = "; ".join(f"{label}: {text}" for (label, _), text in zip(items, texts, strict=True))
        desc += "."

    left, right = 8.0, width - 8.0
    band = (right - left) / len(items)
    label_top = height - 40
    negative = min(values) < 0
    top, bottom = 26.0, label_top - (22 if negative else 4)
    low, high = min(0.0, *values), max(0.0, *values)
    if high == low:
        high = 1.0

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    zero = y_of(0.0)
    # Values shrink (down to 10px) to fit their bars. If there are still too many bars for
    # their values or labels, every n-th bar, counting back from the last, is written.
    widest = max(_text_width(text, FONT_SIZE) for text in texts) * 1.1  # bold
    value_size = FONT_SIZE
    if widest > band - 4:
        value_size = max(10, int(FONT_SIZE * (band - 4) / widest))
    value_width = widest * value_size / FONT_SIZE
    every = max(math.ceil(36 / band), math.ceil((value_width + 4) / band), 1)
    label_room = band * every - 6
    bar_width = min(band * 0.7, 120)

    parts = _open(prefix, "bar", width, height, title, desc)
    parts.append(f'<g class="pp-bars" fill="{TEXT}">')
    for index, ((label, value), text) in enumerate(zip(items, texts, strict=True)):
        centre = left + band * (index + 0.5)
        parts.append('<g class="pp-bar">')
        written = index % every == (len(items) - 1) % every
        if value is None and written:
            parts.append(
                f'<text class="pp-bar-value pp-no-data" x="{_f(centre)}" y="{_f(zero - 6)}"'
                f' text-anchor="middle" font-size="{value_size}" fill="{SECONDARY_TEXT}">'
                f"{_esc(text)}</text>"
            )
        elif value is not None:
            y = y_of(value)
            parts.append(
                f'<rect x="{_f(centre - bar_width / 2)}" y="{_f(min(y, zero))}"'
                f' width="{_f(bar_width)}" height="{_f(abs(zero - y))}" fill="{PALETTE[0]}"/>'
            )
            text_y = y - 6 if value >= 0 else y + value_size + 2
            if written:
                half = value_width / 2 + 2  # keep the value inside the chart at the edges
                text_x = min(max(centre, half), width - half)
                parts.append(
                    f'<text class="pp-bar-value" x="{_f(text_x)}" y="{_f(text_y)}"'
                    f' text-anchor="middle" font-size="{value_size}" font-weight="bold">'
                    f"{_esc(text)}</text>"
                )
        if written:
            lines = _wrap(label, label_room, 2, SMALL_FONT_SIZE)
            spans = "".join(
                f'<tspan x="{_f(centre)}" y="{_f(label_top + 16 + 15 * n)}">{_esc(line)}</tspan>'
                for n, line in enumerate(lines)
            )
            parts.append(
                f'<text class="pp-bar-label" text-anchor="middle" font-size="12">{spans}</text>'
            )
        parts.append("</g>")
    parts.append(
        f'<line class="pp-axis-line" x1="{_f(left)}" x2="{_f(right)}" y1="{_f(zero)}"'
        f' y2="{_f(zero)}" stroke="{SECONDARY_TEXT}"/></g></svg>'
    )
    return "".join(parts)


# --------------------------------------------------------------------------- funnel


def funnel_chart(
    steps: Sequence[tuple[str, float | None]],
    *,
    title: str,
    desc: str | None = None,
    value_format: Callable[[float], str] | None = None,
    width: int = 640,
    height: int | None = None,
    id_prefix: str | None = None,
) -> str:
    """A journey funnel: one horizontal bar per step, its label above it and, after it, the
    value and the percentage of the first step ("1,234 (56.7%)"). ``height`` defaults to what
    the steps need."""
    width = _size(width, 640, 160)
    title = _clean(title)
    items = _bars(steps)
    row = 48.0
    auto_height = int(12 + row * max(len(items), 1))
    height = auto_height if height is None else _size(height, auto_height, 60)
    prefix = _prefix(id_prefix, title)
    if not any(value is not None for _, value in items):
        return _empty(prefix, title, width, height)
    row = (height - 12) / len(items)
    value_format = value_format or _format_default
    first = items[0][1]
    texts, shares = [], []
    for _, value in items:
        if value is None:
            texts.append("no data")
            shares.append(None)
            continue
        share = format_percent(value / first) if first is not None and first > 0 else None
        shares.append(share)
        text = _safe_call(value_format, value, _format_default)
        texts.append(f"{text} ({share})" if share is not None else text)
    if desc is None:
        sentences = []
        for number, ((label, value), share) in enumerate(zip(items, shares, strict=True), 1):
            text = "no data" if value is None else _safe_call(value_format, value, _format_default)
            tail = f" ({share} of the first step)" if share is not None and number > 1 else ""
            sentences.append(f"Step {number}, {label}: {text}{tail}.")
        desc = " ".join(sentences)

    left = 8.0
    text_room = min(max(_text_width(text) for text in texts) + 12, width * 0.45)
    longest = width - 8 - text_room - left
    biggest = max((value for _, value in items if value is not None), default=0.0)
    bar_height = min(20.0, row * 0.4)
    parts = _open(prefix, "funnel", width, height, title, desc)
    parts.append(f'<g class="pp-funnel" fill="{TEXT}">')
    for index, ((label, value), text) in enumerate(zip(items, texts, strict=True)):
        top = 6 + row * index
        bar_top = top + row * 0.45
        parts.append(
            f'<g class="pp-step"><text class="pp-step-label" x="{_f(left)}"'
            f' y="{_f(bar_top - 6)}">{_esc(_fit(label, width - 16))}</text>'
        )
        length = 0.0
        if value is not None and value > 0 and biggest > 0:
            length = max(1.0, value / biggest * longest)
            parts.append(
                f'<rect x="{_f(left)}" y="{_f(bar_top)}" width="{_f(length)}"'
                f' height="{_f(bar_height)}" fill="{PALETTE[0]}"/>'
            )
        colour = f' fill="{SECONDARY_TEXT}"' if value is None else ""
        parts.append(
            f'<text class="pp-step-value" x="{_f(left + length + 8)}"'
            f' y="{_f(bar_top + bar_height / 2 + 5)}"{colour}>'
            f"{_esc(_fit(text, text_room))}</text></g>"
        )
    parts.append("</g></svg>")
    return "".join(parts)


# --------------------------------------------------------------------------- sparkline


def sparkline(
    points: Sequence[Point] | Sequence[float | None],
    *,
    title: str,
    desc: str | None = None,
    width: int = 200,
    height: int = 40,
    id_prefix: str | None = None,
) -> str:
    """A small line with no axes, and a dot on the latest value. ``points`` are ``(x, value)``
    pairs or bare values (taken as evenly spaced)."""
    width, height = _size(width, 200, 20), _size(height, 40, 10)
    title = _clean(title)
    prefix = _prefix(id_prefix, title)
    raw = list(points or ())
    if raw and not all(isinstance(item, tuple | list) for item in raw):
        raw = list(enumerate(raw))
    pairs = _points(raw)
    axis = _XAxis([x for x, _ in pairs])
    keyed = _keyed(pairs, axis)
    values = [value for _, value, _ in keyed if value is not None]
    if not values:
        return _empty(prefix, title, width, height)
    if desc is None:
        desc = describe_trend(title, raw)
    pad = 4.0
    axis.place(pad, width - pad)
    low, high = min(values), max(values)

    def y_of(value: float) -> float:
        if high == low:
            return height / 2
        return height - pad - (value - low) / (high - low) * (height - 2 * pad)

    runs: list[list[tuple[float, float]]] = [[]]
    for key, value, _ in keyed:
        if value is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((axis.pixel(key), y_of(value)))
    runs = [run for run in runs if run]
    last = runs[-1][-1]
    path = "".join("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in run) for run in runs if run[1:])
    parts = _open(prefix, "sparkline", width, height, title, desc)
    if path:
        parts.append(
            f'<path class="pp-line" d="{path}" fill="none" stroke="{PALETTE[0]}"'
            ' stroke-width="1.5" stroke-linejoin="round"/>'
        )
    # A value on its own between gaps is a dot (the latest has its own, bigger dot).
    parts.extend(
        f'<circle class="pp-point" cx="{_f(run[0][0])}" cy="{_f(run[0][1])}" r="1.5"'
        f' fill="{PALETTE[0]}"/>'
        for run in runs[:-1]
        if len(run) == 1
    )
    parts.append(
        f'<circle class="pp-latest" cx="{_f(last[0])}" cy="{_f(last[1])}" r="2.5"'
        f' fill="{PALETTE[0]}"/></svg>'
    )
    return "".join(parts)
