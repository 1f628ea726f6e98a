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
        if parts and not count:
            break  # "1 week and 3 hours" reads oddly: stop at the first gap
    return " and ".join(parts) if parts else "less than a minute"
