import json
import re

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import ProtectedError
from django.db.models.signals import post_save, pre_delete, pre_save
from django.dispatch import Signal
from django.utils import timezone

from core.rowlocks import still_there

from .models import EmailChanged, UsernameSkeleton
from .notices import forget_queued_emails
from .sessions import end_sessions

# What a deleted account's name gives way to wherever it was written down, as its
# comments already say.
FORMER_READER = "a former reader"

# An account is being deleted (inside the deletion's transaction, its rows still
# there), however it was deleted: the reader's own page, the admin, a shell; with
# `user`. Apps that wrote its username into text of their own (the moderation
# log, the admin's history of their objects), or keep an address it gave them
# (bias reports), take it out here.
account_deleting = Signal()


def _username_saved(sender, instance, created, update_fields=None, **kwargs):
    """Keep the username's skeleton current, however the user was saved (admin, shell, fixture)."""
    if not created and update_fields is not None and "username" not in update_fields:
        return  # a sign-in saves last_login only
    UsernameSkeleton.keep_up(instance)


def _email_saved(sender, instance, update_fields=None, raw=False, **kwargs):
    """Note when an existing account's address changes (the form's link, the admin, a shell)."""
    if raw or instance._state.adding or (update_fields is not None
                                         and "email" not in update_fields):
        return
    before = sender._default_manager.filter(pk=instance.pk).values_list(
        "email", flat=True).first()
    if before is not None and before != instance.email:
        EmailChanged.objects.update_or_create(user_id=instance.pk,
                                              defaults={"at": timezone.now()})


def _deactivated(sender, instance, update_fields=None, raw=False, **kwargs):
    """End every session of an account being deactivated (the admin, a shell).

    Django only stops reading them while it is inactive: reactivated, the
    account was signed in again wherever it had been, a stolen session or a
    newsroom computer left signed in included.
    """
    if (raw or instance._state.adding or instance.is_active
            or (update_fields is not None and "is_active" not in update_fields)):
        return
    if sender._default_manager.filter(pk=instance.pk, is_active=True).exists():
        end_sessions(instance)


def _account_deleted(sender, instance, **kwargs):
    keep_admin_record(instance)
    account_deleting.send(sender=get_user_model(), user=instance)
    forget_name_in_admin_history(instance)
    # However it is deleted (the account page, the admin, a script): the emails
    # about it the task queue keeps for a week go with it, and so does every
    # session signed in to it, in other browsers too, with what they held.
    forget_queued_emails(instance)
    end_sessions(instance)


def account_held(user):
    """Whether the account is still there, held until the transaction ends (PostgreSQL's FOR
    SHARE; SQLite's write lock holds the whole database).

    For a view storing a row that names a signed-in account, in its transaction:
    the account's deletion (accounts.views.delete_account), which locks the row FOR
    NO KEY UPDATE first, waits for what is being stored, and finds it; or what comes
    after it waits for the deletion and finds the account gone. Stored without this,
    a comment sent while its reader deleted the account in another browser failed
    one of the two at its commit (a 500).
    """
    return still_there(user, hold="SHARE")


# The newsroom's record of who did what, each kept with the account it names: (the model's
# label, its field naming the account, what one row is, what several are). A story's or a
# correction's revisions name their editor (django-simple-history's history_user, SET_NULL),
# bulk actions' and imports' too, which write no LogEntry.
NEWSROOM_RECORD = (
    ("admin.LogEntry", "user", "in {:,} entry of the admin's record of changes",
     "in {:,} entries of the admin's record of changes"),
    ("articles.HistoricalArticle", "history_user", "as the editor of {:,} story revision",
     "as the editor of {:,} story revisions"),
    ("standards.HistoricalCorrection", "history_user",
     "as the editor of {:,} correction revision", "as the editor of {:,} correction revisions"),
)


def admin_record(users):
    """The newsroom's record naming users (NEWSROOM_RECORD), [(rows, their field naming the
    account, one, several)] for each installed model: the admin's record of what they added,
    changed and deleted (LogEntry), the story and correction revisions they made."""
    records = []
    for label, field_name, one, several in NEWSROOM_RECORD:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue  # its app is not installed
        records.append((model._default_manager.filter(**{f"{field_name}__in": users}),
                        field_name, one, several))
    return records


def keep_admin_record(user):
    """Refuse to delete an account named in the newsroom's record (ProtectedError, as for a
    moderator's decisions), however it is deleted.

    Django's LogEntry goes with its account (CASCADE): deleting one took its whole
    record with it, each story deleted and each correction changed no longer said by
    whom, and someone put out of the newsroom could wipe theirs from the account page.
    A revision lost its editor's name (SET_NULL): an editor who only ran bulk actions
    on stories, which write revisions and no LogEntry, could be deleted so. The record
    keeps the account: an administrator deactivates it.
    """
    named = {row for rows, *_ in admin_record([user]) for row in rows[:1]}
    if named:
        raise ProtectedError("The account is named in the newsroom's record of changes.",
                             named)


def forget_name_in_admin_history(user):
    """The admin's history of the account itself no longer names it.

    Django keeps each object's str() beside every change to it (object_repr),
    and the str() of the inlines changed with it in change_message ("Standing
    of qa_bob"): left there, a deleted reader's history would read as that of
    whoever takes the name next.
    """
    if not apps.is_installed("django.contrib.admin"):
        return
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    types = ContentType.objects.get_for_models(*_user_models(), for_concrete_models=False)
    name = re.compile(rf"(?<!\w){re.escape(user.get_username())}(?!\w)")
    for entry in LogEntry.objects.filter(content_type__in=types.values(),
                                         object_id=str(user.pk)):
        entry.object_repr = FORMER_READER
        entry.change_message = _without(name, entry.change_message)
        entry.save(update_fields=["object_repr", "change_message"])


def _without(name, change_message):
    """change_message with name out of the inline objects it lists (Django's JSON form)."""
    try:
        changes = json.loads(change_message)
    except json.JSONDecodeError:
        return name.sub(FORMER_READER, change_message)
    for change in changes if isinstance(changes, list) else ():
        for detail in change.values() if isinstance(change, dict) else ():
            if isinstance(detail, dict) and isinstance(detail.get("object"), str):
                detail["object"] = name.sub(FORMER_READER, detail["object"])
    return json.dumps(changes)


def _user_models():
    """The user model and every proxy of it (accounts.Reader, and any an app adds)."""
    user = get_user_model()
    return [model for model in apps.get_models() if model._meta.concrete_model is user]


def connect():
    """Listen to saves and deletions of the user model and of every proxy of it: Django
    names a proxy, not the model behind it, as a save's or deletion's sender."""
    for model in _user_models():
        label = model._meta.label_lower
        post_save.connect(_username_saved, sender=model,
                          dispatch_uid=f"accounts-username-skeleton-{label}")
        pre_save.connect(_email_saved, sender=model,
                         dispatch_uid=f"accounts-email-changed-{label}")
        pre_save.connect(_deactivated, sender=model,
                         dispatch_uid=f"accounts-deactivated-{label}")
        pre_delete.connect(_account_deleted, sender=model,
                           dispatch_uid=f"accounts-account-deleting-{label}")
