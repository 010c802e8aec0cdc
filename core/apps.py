from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared machinery with no models of its own."""

    name = "core"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
