"""SVG primitives: marker outlines, fill patterns, and the colours that keep them visible."""

import math
from collections.abc import Iterable

from .style import PALETTE, PATTERNS, TEXT


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
