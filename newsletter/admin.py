"""The task queue in the admin, under the site's rule for list filters (core.E001).

django-tasks-db registers its own ModelAdmin for the queue; it is registered
again here with DeclaredLookupsOnly, as the system check requires of every
list. Only superusers see it: no newsroom role is given its permissions.
"""

from django.contrib import admin
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from core.admin import DeclaredLookupsOnly

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DeclaredLookupsOnly, DBTaskResultAdmin):
    pass
