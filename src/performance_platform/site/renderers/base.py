"""What every renderer fills in (:class:`ModuleView`), and the small helpers they share:
the messages, numbers from rows, formats and axis labels from a module's options."""

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.utils.safestring import SafeString, mark_safe

from performance_platform.lib import formatting

from .tables import Table

PROBLEM = "There was a problem getting data for this module."
NO_DATA = "No data is available for this module yet."


@dataclass(frozen=True)
class LiveFigure:
    """A figure that refreshes itself on the page: the realtime module's users online.

    The page says when it was taken (``taken_at``, in words ``taken_at_words``) and, when
    it is ``old``, that no newer one has come in (``old_words``). ``refresh_seconds`` is how
    often the page's script (``site/static/site/realtime.js``) asks the module's ``.json``
    twin for a newer one, where :meth:`as_json` puts it (0: never).
    """

    value: float | None
    display: str
    taken_at: datetime
    taken_at_words: str
    old: bool
    old_words: str
    refresh_seconds: int

    @property
    def taken_at_iso(self) -> str:
        """``taken_at`` as ISO 8601 in UTC, as a ``<time datetime>`` and the JSON give it."""
        when = self.taken_at if self.taken_at.tzinfo else self.taken_at.replace(tzinfo=UTC)
        return when.astimezone(UTC).isoformat().replace("+00:00", "Z")

    def as_json(self) -> dict:
        """The figure as the module's JSON gives it (``"latest"``), for the script."""
        return {
            "value": self.value,
            "display": self.display,
            "taken_at": self.taken_at_iso,
            "taken_at_words": self.taken_at_words,
            "old": self.old,
        }


@dataclass
class ModuleView:
    """Everything a page needs to show one module."""

    module: object
    slug: str
    type: str
    title: str
    description: str = ""
    info: list[str] = field(default_factory=list)
    headline: SafeString | None = None
    headline_label: str = ""
    headline_note: str = ""
    live: LiveFigure | None = None  # a figure the page refreshes (realtime)
    change_text: str = ""
    chart: SafeString | None = None
    extra_charts: list[tuple[str, SafeString]] = field(default_factory=list)
    table: Table | None = None
    items: list[dict] = field(default_factory=list)  # list modules
    error: str | None = None
    api_url: str = ""
    csv_url: str = ""
    params: dict = field(default_factory=dict)
    annotations: list = field(default_factory=list)
    children: list["ModuleView"] = field(default_factory=list)
    tabs: list[dict] = field(default_factory=list)
    legend: list[dict] = field(default_factory=list)  # grouped series' line labels
    legend_period: str = ""
    legend_total: SafeString | None = None
    date_picker: bool = False
    url: str = ""

    @property
    def has_data(self) -> bool:
        return bool(self.table and self.table.rows) or bool(self.items) or bool(self.children)


@dataclass(frozen=True)
class Range:
    """A date range chosen on the module page (start inclusive, end exclusive)."""

    start: datetime
    end: datetime
    period: str | None = None


def _svg(markup: str) -> SafeString:
    """Chart markup is safe: the chart module escapes every text it writes."""
    return mark_safe(markup)  # noqa: S308


#: The width small screens' charts are drawn at. Below GOV.UK's tablet breakpoint the page's
#: column is narrow (345 px at 375 px wide): a 640-wide chart would be shrunk there until its
#: text was 7 or 8 px. Drawn at this width instead, it shows about actual size, so its text
#: stays near 14 px (12 px for the smallest), and the whole chart is seen without scrolling.
NARROW_WIDTH = 340


def _responsive(draw, *args, **kwargs) -> SafeString:
    """A chart drawn twice, for wide screens and for small ones; the stylesheet shows one.

    Without JavaScript or <picture> (an SVG in an <img> would lose its real text), CSS
    media queries choose: ``display: none`` also takes the other out of the accessibility
    tree, so a screen reader meets one chart. The small one's ids get ``-narrow``.
    """
    wide = draw(*args, **kwargs)
    prefix = kwargs.get("id_prefix") or "chart"
    narrow = draw(*args, **{**kwargs, "width": NARROW_WIDTH, "id_prefix": f"{prefix}-narrow"})
    return _svg(
        f'<div class="pp-chart__wide">{wide}</div><div class="pp-chart__narrow">{narrow}</div>'
    )


def _count_text(value) -> str:
    return formatting.format_number(value) if value is not None else "no data"


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if math.isfinite(value) else None


def option_format(options: dict, default="number"):
    """The module's ``format`` option (or ``format-options``), else ``default``."""
    return options.get("format") or options.get("format-options") or default


def formatter(fmt):
    """A value → text function for chart labels."""
    return lambda value: formatting.format_value(value, fmt)


def _axis_label(options: dict, which: str, index: int = 0, default: str = "") -> str:
    axes = options.get("axes") or {}
    if which == "x":
        return (axes.get("x") or {}).get("label") or default
    ys = axes.get("y") or []
    return ys[index].get("label", default) if index < len(ys) else default
