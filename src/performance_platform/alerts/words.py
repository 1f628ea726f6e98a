"""Times and durations in the words the emails and the problems page use."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings


def local(moment: datetime) -> datetime:
    """``moment`` in the platform's local time (``ALERTS_TIME_ZONE``)."""
    return moment.astimezone(ZoneInfo(settings.ALERTS_TIME_ZONE))


def when(moment: datetime | None) -> str:
    """A moment as people read it: "5 January 2026 at 09:00" (local time)."""
    if moment is None:
        return "never"
    at = local(moment)
    return f"{at.day} {at:%B %Y} at {at:%H:%M}"


def how_long(seconds: int | float | None) -> str:
    """A length of time in its two largest units: "3 weeks and 2 days", "45 minutes"."""
    if seconds is None:
        return "an unknown time"
    seconds = max(0, int(seconds))
    units = [("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)]
    parts = []
    for name, size in units:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {name}{'' if count == 1 else 's'}")
        if len(parts) == 2:
            break
    return " and ".join(parts) if parts else "less than a minute"


def every(seconds: int | float | None) -> str:
    """A period after "every": "every day", "every 2 weeks and 1 day"."""
    text = how_long(seconds)
    return text[2:] if text.startswith("1 ") and " and " not in text else text
