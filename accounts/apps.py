from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Reader accounts"

    def ready(self):
        from . import lockout, signals  # noqa: F401  (connect their signal receivers)
