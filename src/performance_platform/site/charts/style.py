"""What every chart shares: colours, marker shapes, dash and fill patterns, text sizes."""

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
