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

The pieces: one module per kind of chart (:mod:`.line`, :mod:`.area`, :mod:`.bar`,
:mod:`.funnel`, :mod:`.sparkline`), and the helpers they share: :mod:`.style` (colours,
shapes, sizes), :mod:`.text`, :mod:`.scales`, :mod:`.data` (reading what was given),
:mod:`.xaxis`, :mod:`.axes`, :mod:`.shapes` (SVG primitives), :mod:`.svg` (the chart's
``<svg>`` element) and :mod:`.describe`. Callers use only the names below.
"""

from .area import stacked_area_chart
from .bar import bar_chart
from .data import Series
from .describe import describe_trend
from .funnel import funnel_chart
from .line import line_chart
from .sparkline import sparkline
from .style import DASHES, MARKERS, NO_DATA, PALETTE, PATTERNS

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
