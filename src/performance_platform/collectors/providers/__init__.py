"""The providers a collector can pull from: **the one list** (``PROVIDERS``).

Each is imported only when used, so a platform without the optional ``ga4`` extra runs
every other collector, and a GA4 one fails with a message saying what to install.
"""

from django.utils.module_loading import import_string

from ..errors import ConfigProblem
from .base import Period, Provider, Row, Source

#: Provider key: (title, class path). The key is what the config file and admin use.
PROVIDERS = {
    "availability": (
        "Availability check of a web page",
        "performance_platform.collectors.providers.availability.Availability",
    ),
    "ga4": ("Google Analytics 4", "performance_platform.collectors.providers.ga4.GA4Report"),
    "ga4-realtime": (
        "Google Analytics 4 realtime",
        "performance_platform.collectors.providers.ga4.GA4Realtime",
    ),
    "matomo": ("Matomo", "performance_platform.collectors.providers.matomo.MatomoReport"),
    "matomo-realtime": (
        "Matomo realtime",
        "performance_platform.collectors.providers.matomo.MatomoRealtime",
    ),
    "url": (
        "A CSV or JSON file at a URL",
        "performance_platform.collectors.providers.urlfile.URLFile",
    ),
}

CHOICES = [(key, title) for key, (title, _path) in PROVIDERS.items()]


def get(key: str) -> Provider:
    """The provider called ``key``, ready to use."""
    if key not in PROVIDERS:
        raise ConfigProblem(f"Unknown provider {key!r}: use one of {', '.join(sorted(PROVIDERS))}.")
    try:
        cls = import_string(PROVIDERS[key][1])
    except ImportError as exc:
        if key.startswith("ga4"):
            raise ConfigProblem(
                "Google Analytics 4 collectors need the ga4 extra: "
                "pip install 'performance-platform[ga4]'."
            ) from exc
        raise
    return cls()


__all__ = ["CHOICES", "PROVIDERS", "Period", "Provider", "Row", "Source", "get"]
