"""Newsroom roles and staff accounts (QA round 11): what each role may reach in the admin
and the desks, and what guards a newsroom account's password and record."""

from html import unescape

import pytest
import time_machine
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import ProtectedError
from django.test import Client
from taggit.models import Tag

from accounts.views import PASSWORD_CHECK_LIMITS
from pages.models import Page
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

PASSWORD = "a-long-test-passphrase"  # UserFactory's
NEW_PASSWORD = "another-long-passphrase-9"
T0 = 1_800_000_000  # a fixed instant, whole hour
(PASSWORD_CHECKS,) = PASSWORD_CHECK_LIMITS


def newsroom(username, group):
    account = UserFactory(username=username, is_staff=True)
    account.groups.add(Group.objects.get(name=group))
    return account


def change_password(client, old, url="/admin/password_change/"):
    return client.post(url, {"old_password": old, "new_password1": NEW_PASSWORD,
                             "new_password2": NEW_PASSWORD})


class TestTheAdminsPasswordChange:
    def test_its_password_checks_are_limited_per_account(self):
        """Django's admin form checked the old password as often as it was sent: a stolen
        newsroom session could guess the password there without end."""
        editor = newsroom("ed", "Editors")
        client = Client()
        with time_machine.travel(T0, tick=False) as clock:
            client.force_login(editor)
            for number in range(PASSWORD_CHECKS.count):
                assert change_password(client, f"guess-{number}").status_code == 200
            response = change_password(client, PASSWORD)
            assert response.status_code == 429
            assert response["Retry-After"] == str(3600)
            html = response.content.decode()
            assert "at most ten times an hour" in html
            assert "You can try again in 60 minutes." in html
            assert PASSWORD not in html and NEW_PASSWORD not in html
            editor.refresh_from_db()
            assert editor.check_password(PASSWORD)  # the right password changed nothing
            clock.shift(3600)
            assert change_password(client, PASSWORD).status_code == 302
        editor.refresh_from_db()
        assert editor.check_password(NEW_PASSWORD)

    def test_it_shares_the_checks_with_the_sites_own_forms(self):
        editor = newsroom("ed", "Editors")
        client = Client()
        with time_machine.travel(T0, tick=False):
            client.force_login(editor)
            for number in range(PASSWORD_CHECKS.count):
                change_password(client, f"guess-{number}", url="/accounts/password_change/")
            assert change_password(client, PASSWORD).status_code == 429


class TestTheAdminsRecord:
    def test_merging_tags_records_who_deleted_which_tags_into_which(self):
        """A merge deletes tags and retags stories; it left nothing in the admin's record."""
        editor = newsroom("ed", "Editors")
        ArticleFactory(tags=["harbour", "port", "docks"])
        harbour, port, docks = (Tag.objects.get(name=name) for name in ("harbour", "port",
                                                                       "docks"))
        client = Client()
        client.force_login(editor)
        response = client.post("/admin/taggit/tag/merge-tags/",
                               {"tags": [harbour.pk, port.pk, docks.pk], "into": "harbour"})
        assert response.status_code == 302
        assert list(Tag.objects.values_list("name", flat=True)) == ["harbour"]
        entries = {(entry.object_id, entry.action_flag): entry
                   for entry in LogEntry.objects.filter(user=editor)}
        assert set(entries) == {(str(harbour.pk), CHANGE), (str(port.pk), DELETION),
                                (str(docks.pk), DELETION)}
        assert entries[str(port.pk), DELETION].object_repr == "port"
        assert entries[str(port.pk), DELETION].get_change_message() == "Merged into “harbour”."
        assert (entries[str(harbour.pk), CHANGE].get_change_message()
                == "Merged “docks” and “port” into it.")
        # The kept tag's history page says so.
        history = client.get(f"/admin/taggit/tag/{harbour.pk}/history/")
        assert "Merged “docks” and “port” into it." in unescape(history.content.decode())

    def test_a_tag_made_by_a_merge_is_recorded_as_added(self):
        editor = newsroom("ed", "Editors")
        ArticleFactory(tags=["harbour", "port"])
        client = Client()
        client.force_login(editor)
        client.post("/admin/taggit/tag/merge-tags/",
                    {"tags": list(Tag.objects.values_list("pk", flat=True)), "into": "Ports"})
        ports = Tag.objects.get()
        assert ports.name == "Ports"
        added = LogEntry.objects.get(user=editor, action_flag=ADDITION)
        assert (added.object_id, added.get_change_message()) == (
            str(ports.pk), "Merged “harbour” and “port” into it.")
        assert LogEntry.objects.filter(user=editor, action_flag=DELETION).count() == 2


class TestAnAccountInTheAdminsRecord:
    """Django deleted an account's admin record with it (LogEntry cascades): who deleted
    which story was lost, and a former editor could wipe theirs from the account page."""

    def former_editor_who_deleted_a_story(self):
        editor = newsroom("ed", "Editors")
        story = ArticleFactory(draft=True, headline="A draft no one will miss")
        client = Client()
        client.force_login(editor)
        response = client.post(f"/admin/articles/article/{story.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
        editor.groups.clear()
        editor.is_staff = False
        editor.save()
        return editor, client

    def test_it_cannot_be_deleted_from_the_account_page(self):
        editor, client = self.former_editor_who_deleted_a_story()
        response = client.post("/accounts/delete/", {"password": PASSWORD})
        assert response.status_code == 400
        assert ("This account is named in the admin's record of changes, so it cannot be "
                "deleted here." in unescape(response.content.decode()))
        assert User.objects.filter(pk=editor.pk).exists()
        entry = LogEntry.objects.get(user=editor)
        assert (entry.action_flag, entry.object_repr) == (DELETION, "A draft no one will miss")

    def test_the_admin_lists_the_record_as_keeping_it(self):
        editor, _ = self.former_editor_who_deleted_a_story()
        admin = Client()
        admin.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
        url = f"/admin/auth/user/{editor.pk}/delete/"
        page = unescape(admin.get(url).content.decode())
        assert "ed: named in 1 entry of the admin's record of changes" in page
        assert "would require deleting the following protected related objects" in page
        assert "Yes, I’m sure" not in page
        response = admin.post(url, {"post": "yes"})
        assert User.objects.filter(pk=editor.pk).exists()
        assert response.status_code == 200
        response = admin.post("/admin/auth/user/", {"action": "delete_selected", "post": "yes",
                                                    "_selected_action": [editor.pk]})
        assert User.objects.filter(pk=editor.pk).exists()
        assert LogEntry.objects.filter(user=editor).count() == 1

    def test_a_shell_deletion_is_refused_too(self):
        editor, _ = self.former_editor_who_deleted_a_story()
        with pytest.raises(ProtectedError), transaction.atomic():
            editor.delete()
        assert LogEntry.objects.filter(user=editor).count() == 1

    def test_a_reader_and_a_newsroom_account_with_no_record_are_deleted_as_before(self):
        reader = UserFactory(username="ana")
        client = Client()
        client.force_login(reader)
        assert client.post("/accounts/delete/", {"password": PASSWORD}).status_code == 302
        assert not User.objects.filter(username="ana").exists()
        unused = newsroom("new-hire", "Editors")
        admin = Client()
        admin.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
        assert admin.post(f"/admin/auth/user/{unused.pk}/delete/",
                          {"post": "yes"}).status_code == 302
        assert not User.objects.filter(username="new-hire").exists()

