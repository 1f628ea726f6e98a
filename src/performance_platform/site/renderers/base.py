"""What every renderer fills in (:class:`ModuleView`), and the small helpers they share:
the messages, numbers from rows, formats and axis labels from a module's options."""

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.safestring import SafeString, mark_safe

from performance_platform.lib import formatting

from .tables import Table

PROBLEM = "There was a problem getting data for this module."
NO_DATA = "No data is available for this module yet."


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
