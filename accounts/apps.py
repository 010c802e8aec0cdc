from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Reader accounts"

    def ready(self):
        from core import hooks
        from core.middleware import answer_unavailable_with

        from . import lockout, signals, views  # noqa: F401  (lockout connects its receivers)

        answer_unavailable_with(lockout.unavailable_response)
        # The admin's password change shares the account's password checks.
        hooks.password_checks.register(views.password_check_refused)
        signals.connect()
