"""Values as numbers: gaps, clamping, default formats, and round-number scales."""

import math
from collections.abc import Callable
from decimal import Decimal
from numbers import Real

from performance_platform.lib.formatting import MINUS, format_number, format_percent

from .style import LIMIT
from .text import _clean


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
