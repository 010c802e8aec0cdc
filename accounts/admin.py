from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import router, transaction
from django.db.models import Count

from core.admin import DeclaredLookupsOnly, DeletedWhileSaving
from core.rowlocks import still_there

from .models import Reader, kept_as_stored
from .signals import admin_record

# django.contrib.auth registers these; the project's versions add the lookup
# rule (core/admin.py): Django's UserAdmin refuses password lookups only.
User = get_user_model()
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(DeclaredLookupsOnly, auth_admin.UserAdmin):
    def lock_for_deletion(self, model, pks):
        """Readers' accounts locked as their own deletion locks them (FOR NO KEY UPDATE,
        accounts.views.delete_account), staff accounts as any row (FOR UPDATE).

        A comment or report being stored (signals.account_held, FOR SHARE) and a
        standing being saved in the readers' admin (FOR UPDATE) wait either way. A
        moderator's decision on the reader's comment holds the comment, then the
        reader FOR KEY SHARE: FOR UPDATE made it wait for the deletion, which waited
        for the comment, a deadlock (a 500); the standing it makes meanwhile goes
        with the account (comments.apps). A staff account may be chosen as a story's
        reviewing editor meanwhile (FOR KEY SHARE), which must wait.

        Only in the deletion's transaction, as core.admin's lock: "Delete selected"
        asks first outside one, where PostgreSQL's lock failed (a 500 for any reader).
        """
        if not transaction.get_connection(router.db_for_write(model)).in_atomic_block:
            return
        accounts = model._default_manager.filter(pk__in=pks).order_by("pk")
        list(accounts.filter(is_staff=False).select_for_update(no_key=True)
             .values_list("pk", flat=True))
        super().lock_for_deletion(model, list(accounts.filter(is_staff=True)
                                              .values_list("pk", flat=True)))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DeletedWhileSaving:
            # The save's transaction is rolled back; the account is gone for good.
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)

    def save_model(self, request, obj, form, change):
        """An account's save (its roles, its name) holds it first, as its deletion holds it
        (FOR NO KEY UPDATE): a save that waited for the deletion found no row to update, and
        Django's save() inserted one, the deleted account back with the roles given.

        Then it writes what the form changed over the account as stored now: the
        account as the form had read it put back a password its reader had changed
        meanwhile.
        """
        if change:
            if not still_there(obj, hold="NO KEY UPDATE"):
                raise DeletedWhileSaving(obj.pk)
            kept_as_stored(obj, form.changed_data)
        super().save_model(request, obj, form, change)

    def get_deleted_objects(self, objs, request):
        """What deleting accounts takes, or the records that keep them (PROTECT: a story's
        reviewing editor, a moderator's decisions in the log; the admin's record of changes,
        the story and correction revisions they made)."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # The newsroom's record of what they did keeps them too (signals.keep_admin_record):
        # Django's delete page listed the admin's record among what would go with them.
        for rows, field_name, one, several in admin_record(objs):
            by_user = dict(rows.values_list(field_name).annotate(Count("pk")).order_by())
            for user in objs:
                if count := by_user.get(user.pk):
                    named = (one if count == 1 else several).format(count)
                    protected = [*protected,
                                 f"{user}: named {named} (deactivate the account instead)"]
        if protected:
            # Django also counted them as rows this account may not delete (nobody deletes
            # the log), and said that instead: they would not be deleted, they keep it.
            perms_needed = set()
        return deleted, counts, perms_needed, protected


@admin.register(Group)
class GroupAdmin(DeclaredLookupsOnly, auth_admin.GroupAdmin):
    pass


@admin.register(Reader)
class ReaderAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    """Readers' accounts, staff left out; nobody is added or deleted from here.

    Apps that keep something about readers extend it with their columns and
    inlines (comments: standing, comments and reports).
    """

    list_display = ["username", "date_joined"]
    search_fields = ["username"]
    fields = ["username", "date_joined", "last_login"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_staff=False)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
