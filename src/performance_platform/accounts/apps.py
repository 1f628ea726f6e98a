from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "performance_platform.accounts"
    label = "accounts"
    verbose_name = "Accounts"
