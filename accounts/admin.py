from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.admin import DeclaredLookupsOnly

# django.contrib.auth registers these; the project's versions add the lookup
# rule (core/admin.py): Django's UserAdmin refuses password lookups only.
User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(DeclaredLookupsOnly, auth_admin.UserAdmin):
    pass


@admin.register(Group)
class GroupAdmin(DeclaredLookupsOnly, auth_admin.GroupAdmin):
    pass
