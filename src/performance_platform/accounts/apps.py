from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "performance_platform.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Audit rows for signing in and out.
        from . import signals  # noqa: F401
