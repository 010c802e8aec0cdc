from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Reader accounts"

    def ready(self):
        from core.middleware import answer_unavailable_with

        from . import lockout, signals  # noqa: F401  (lockout connects its receivers)

        answer_unavailable_with(lockout.unavailable_response)
        signals.connect()
