"""A provider for tests of the places that configure collectors (the admin, the
configuration file): a real :class:`Provider` with schemas like Matomo's, registered
under its own key, so those checks run whichever real providers are installed."""

from performance_platform.collectors import providers
from performance_platform.collectors.providers.base import Provider


class ExampleProvider(Provider):
    """Needs ``{"site_id": <positive integer>}`` and ``{"token_auth": <8+ characters>}``."""

    key = "example"
    title = "Example analytics"
    query_schema = {
        "type": "object",
        "required": ["site_id"],
        "properties": {"site_id": {"type": "integer", "minimum": 1}},
    }
    credentials_schema = {
        "type": "object",
        "required": ["token_auth"],
        "properties": {"token_auth": {"type": "string", "minLength": 8}},
    }

    def fetch(self, source, period):
        return []


def register(monkeypatch) -> None:
    """Add ``example`` to the providers for one test (and to the admin form's choices)."""
    from performance_platform.collectors import admin as collectors_admin

    path = f"{__name__}.ExampleProvider"
    monkeypatch.setitem(providers.PROVIDERS, "example", ("Example analytics", path))
    field = collectors_admin.CollectorForm.base_fields["provider"]
    monkeypatch.setattr(field, "choices", [*field.choices, ("example", "Example analytics")])
