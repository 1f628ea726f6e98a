"""Text in charts: cleaned for XML, escaped, and measured so that labels fit."""

import html
import re
import unicodedata

from .style import FONT_SIZE

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
