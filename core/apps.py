from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared machinery with no models of its own."""

    name = "core"

    def ready(self):
        from django.core.signals import request_finished, request_started

        from . import checks  # noqa: F401  (registers the system checks)
        from .database import stop_preparing

        request_started.connect(stop_preparing)
        request_finished.connect(stop_preparing)
