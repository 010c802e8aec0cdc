from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    """Shared machinery; its one model keeps track of replaced pictures (core.models)."""

    name = "core"

    def ready(self):
        from django.core.signals import request_finished, request_started
        from django.tasks.signals import task_finished

        from . import checks  # noqa: F401  (registers the system checks)
        from .database import stop_preparing
        from .images import discard_uncommitted

        request_started.connect(stop_preparing)
        request_finished.connect(stop_preparing)
        # A picture whose story's save was rolled back is deleted when the request
        # or the task that stored it ends.
        request_finished.connect(discard_uncommitted)
        task_finished.connect(discard_uncommitted)


class NewsroomAdminConfig(admin_apps.AdminConfig):
    """Django's admin app, on the newsroom's site (core.admin.NewsroomAdminSite)."""

    default = False  # "core" in INSTALLED_APPS is CoreConfig; this one is named there in full
    default_site = "core.admin.NewsroomAdminSite"
