"""QA round 13, accounts under concurrency, on PostgreSQL: a password changed, or roles given
by an administrator, while the account is deleted."""

import threading
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.test import Client

from tests.factories import UserFactory
from tests.test_qa11_races import deletion_paused, in_thread, waiting_on_a_lock
from tests.test_qa12_accounts_import import admin_deletes

PASSWORD = "a-long-test-passphrase"
NEW_PASSWORD = "another-long-passphrase-9"


def reader_deletes(reader):
    deleting = Client()
    deleting.force_login(reader)
    return lambda: deleting.post("/accounts/delete/", {"password": PASSWORD})


def chief_deletes(reader):
    admin = Client()
    admin.force_login(UserFactory(username="chief", is_staff=True, is_superuser=True))
    return admin_deletes(admin, reader, "delete page")


DELETES = {"the reader": reader_deletes, "an administrator": chief_deletes}


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("by", DELETES)
def test_a_password_changed_while_the_account_is_deleted_brings_no_account_back(by):
    reader = UserFactory(username="ana")
    changing = Client(raise_request_exception=False)
    changing.force_login(reader)
    deleted, changed = {}, {}
    with deletion_paused("the account") as (paused, go):
        deletion = in_thread(DELETES[by](reader), deleted)
        assert paused.wait(10), deleted
        change = in_thread(lambda: changing.post("/accounts/password_change/", {
            "old_password": PASSWORD, "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD}), changed)
        waiting_on_a_lock(unless=change)
        go.set()
        deletion.join(15)
        change.join(15)
    assert not deletion.is_alive() and not change.is_alive()
    assert "error" not in deleted, deleted.get("error")
    assert deleted["result"].status_code == 302
    assert "error" not in changed, changed.get("error")
    # The password's save found no row to update once the deletion had committed, and
    # Django's save() then inserted one: the deleted account was back, with a new password.
    assert not get_user_model().objects.filter(pk=reader.pk).exists()
    assert not get_user_model().objects.filter(username="ana").exists()
    response = changed["result"]
    assert response.status_code == 403
    assert ("Your password was not changed: your account has been deleted."
            in response.content.decode())


def role_form(reader, group):
    local = reader.date_joined.astimezone()
    return {"username": reader.username, "first_name": "", "last_name": "", "email": "",
            "is_active": "on", "is_staff": "on", "groups": [str(group.pk)] if group else [],
            "date_joined_0": local.strftime("%Y-%m-%d"),
            "date_joined_1": local.strftime("%H:%M:%S")}


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("by", DELETES)
def test_roles_given_in_the_admin_while_the_account_is_deleted_bring_no_account_back(by):
    from django.contrib.auth.models import Group
    from django.contrib.messages import get_messages

    from tests.factories import make_roles

    make_roles()
    reader = UserFactory(username="ana")
    admin = Client(raise_request_exception=False)
    admin.force_login(UserFactory(username="second", is_staff=True, is_superuser=True))
    form = role_form(reader, Group.objects.get(name="Moderators"))
    deleted, saved = {}, {}
    with deletion_paused("the account") as (paused, go):
        deletion = in_thread(DELETES[by](reader), deleted)
        assert paused.wait(10), deleted
        saving = in_thread(lambda: admin.post(f"/admin/auth/user/{reader.pk}/change/", form),
                           saved)
        waiting_on_a_lock(unless=saving)
        go.set()
        deletion.join(15)
        saving.join(15)
    assert not deletion.is_alive() and not saving.is_alive()
    assert "error" not in deleted, deleted.get("error")
    assert deleted["result"].status_code == 302
    assert "error" not in saved, saved.get("error")
    # Django's save() found no row to update once the deletion had committed, and inserted
    # one: the deleted account back, now a moderator.
    assert not get_user_model().objects.filter(pk=reader.pk).exists()
    response = saved["result"]
    assert response.status_code == 302
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        f"user with ID “{reader.pk}” doesn’t exist. Perhaps it was deleted?"]


# An administrator's save and the reader's password change at once: neither undoes the other

@contextmanager
def account_saved_and_held(when):
    """(stored, go): a save of an account stops once its row is written, before its commit,
    when when(account) holds; sets stored and waits for go."""
    stored, go = threading.Event(), threading.Event()

    def hold(sender, instance, created, **kwargs):
        if not created and when(instance):
            stored.set()
            go.wait(10)

    post_save.connect(hold, sender=get_user_model(), dispatch_uid="qa13-account-held")
    try:
        yield stored, go
    finally:
        go.set()
        post_save.disconnect(dispatch_uid="qa13-account-held")


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_password_changed_while_the_admin_deactivates_the_account_keeps_it_inactive():
    reader = UserFactory(username="ana")
    admin = Client(raise_request_exception=False)
    admin.force_login(UserFactory(username="chief", is_staff=True, is_superuser=True))
    form = role_form(reader, None)
    del form["is_active"], form["is_staff"], form["groups"]
    changing = Client(raise_request_exception=False)
    changing.force_login(reader)
    changing.get("/accounts/password_change/")  # the session's account read, as it was
    saved, changed = {}, {}
    with account_saved_and_held(lambda account: not account.is_active) as (stored, go):
        saving = in_thread(lambda: admin.post(f"/admin/auth/user/{reader.pk}/change/", form),
                           saved)
        assert stored.wait(10), saved
        change = in_thread(lambda: changing.post("/accounts/password_change/", {
            "old_password": PASSWORD, "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD}), changed)
        assert waiting_on_a_lock(unless=change), changed
        go.set()
        saving.join(15)
        change.join(15)
    assert not saving.is_alive() and not change.is_alive()
    assert saved["result"].status_code == 302, saved
    assert changed["result"].status_code == 302, changed
    reader.refresh_from_db()
    # The password's save wrote the whole account as the request had read it: active again.
    assert not reader.is_active
    assert reader.check_password(NEW_PASSWORD)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_roles_given_while_the_reader_changes_the_password_keep_the_new_password():
    from django.contrib.auth.models import Group

    from tests.factories import make_roles

    make_roles()
    reader = UserFactory(username="ana")
    admin = Client(raise_request_exception=False)
    admin.force_login(UserFactory(username="chief", is_staff=True, is_superuser=True))
    form = role_form(reader, Group.objects.get(name="Moderators"))
    changing = Client(raise_request_exception=False)
    changing.force_login(reader)
    saved, changed = {}, {}
    with account_saved_and_held(lambda account: not account.is_staff) as (stored, go):
        change = in_thread(lambda: changing.post("/accounts/password_change/", {
            "old_password": PASSWORD, "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD}), changed)
        assert stored.wait(10), changed
        saving = in_thread(lambda: admin.post(f"/admin/auth/user/{reader.pk}/change/", form),
                           saved)
        assert waiting_on_a_lock(unless=saving), saved
        go.set()
        change.join(15)
        saving.join(15)
    assert not saving.is_alive() and not change.is_alive()
    assert changed["result"].status_code == 302, changed
    assert saved["result"].status_code == 302, saved
    reader.refresh_from_db()
    assert reader.is_staff and reader.groups.get().name == "Moderators"
    # The admin's save wrote the account as its form had read it: the old password back.
    assert reader.check_password(NEW_PASSWORD)
