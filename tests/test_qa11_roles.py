"""Newsroom roles and staff accounts (QA round 11): what each role may reach in the admin
and the desks, and what guards a newsroom account's password and record."""

import re
from html import unescape

import pytest
import time_machine
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.db import transaction
from django.db.models import ProtectedError
from django.test import Client
from taggit.models import Tag

from accounts.sessions import other_sessions
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
            assert response["Retry-After"] == str(3960)  # an hour on from T0's tenth of it
            html = response.content.decode()
            assert "at most ten times an hour" in html
            assert "You can try again in 66 minutes." in html
            assert PASSWORD not in html and NEW_PASSWORD not in html
            editor.refresh_from_db()
            assert editor.check_password(PASSWORD)  # the right password changed nothing
            clock.shift(3960)
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
        # Deleting the story wrote its last revision, which names them too.
        assert ("This account is named as the editor of story revisions and named in the "
                "admin's record of changes, so it cannot be deleted here."
                in unescape(response.content.decode()))
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


# The permission matrix: every address the admin and the desks answer, asked by each role,
# by a staff account in no group, an inactive one, a reader and no one, with GET and POST.

# What each kind of admin address needs, by the end of its URL name: any one of the actions
# listed for its method ("view" counts "change" too, as Django's admin does). Desks' and the
# site's own addresses are in DESK_NEEDS and SITE_WIDE.
NEEDS = {
    "changelist": {"GET": ("view",), "POST": ("view",)},
    "history": {"GET": ("view",), "POST": ("view",)},
    "simple_history": {"GET": ("view",), "POST": ("change",)},  # a revision; POST reverts
    "compare": {"GET": ("view",), "POST": ("view",)},
    "change": {"GET": ("view",), "POST": ("change",)},
    "add": {"GET": ("add",), "POST": ("add",)},
    "delete": {"GET": ("delete",), "POST": ("delete",)},
    "editing_now": {"POST": ("change",)},
    "export": {"GET": ("view",), "POST": ("view",)},
    "try": {"GET": ("view",), "POST": ("view",)},
    # GET answers 405 with a page saying what to do, to those who may preview only.
    "preview": {"GET": ("add", "change"), "POST": ("add", "change")},
    "merge_tags": {"GET": ("add+change+delete",), "POST": ("add+change+delete",)},
    "password_change": {"GET": ("change",), "POST": ("change",)},  # a user's, by an admin
}
DESK_NEEDS = {
    "moderation-overview": ("comments.view_comment", "standards.view_biasreport"),
    "moderation-comments": ("comments.view_comment",),
    "moderation-comment-decide": ("comments.change_comment",),
    "moderation-undo": ("comments.change_comment",),
    "moderation-bias-reports": ("standards.view_biasreport",),
    "moderation-bias-report-decide": ("standards.change_biasreport",),
}
# Open to every active staff account; what they show depends on the account.
SITE_WIDE = {"index", "password_change", "password_change_done", "jsi18n", "autocomplete",
             "view_on_site", "app_list"}


def _admin_routes(patterns=None, prefix=""):
    """(route, name) of every address the resolver answers under /admin/."""
    from django.urls import URLResolver, get_resolver

    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _admin_routes(pattern.url_patterns, route)
        elif route.startswith("admin/") and pattern.name not in (None, "login", "logout"):
            yield route, pattern.name


def _role_may(group, label, actions):
    """Whether the group (core.roles.ROLES) may do any of actions ("view" taking "change"
    too; "a+b" needing both) on the model label."""
    from core.roles import ROLES

    held = set(ROLES.get(group, {}).get(label, ()))
    if "change" in held:
        held.add("view")
    return any(set(action.split("+")) <= held for action in actions)


def _group_has(group, codenames):
    from core.roles import ROLES

    return any(codename.split(".")[1].split("_")[0] in ROLES.get(group, {}).get(
        ".".join([codename.split(".")[0], codename.split(".")[1].split("_", 1)[1]]), ())
        for codename in codenames)


@pytest.fixture
def matrix_rows():
    """One row of every model the admin lists, for its change, history and delete pages."""
    from comments.models import ModerationAction, WordRule
    from tests.factories import BiasReportFactory, CommentFactory, CorrectionFactory

    reader = UserFactory(username="matrix-reader")
    story = ArticleFactory(draft=True, headline="A draft only the newsroom may see",
                           tags=["harbour"])
    comment = CommentFactory(article=ArticleFactory(), reader=reader)
    rows = {
        "taggit.tag": Tag.objects.get(name="harbour"), "articles.section": story.section,
        "articles.article": story, "authors.author": story.author,
        "auth.user": reader, "auth.group": Group.objects.get(name="Editors"),
        "comments.comment": comment, "accounts.reader": reader,
        "comments.wordrule": WordRule.objects.create(word="scoundrel"),
        "comments.moderationaction": ModerationAction.objects.create(
            action="hide comment", target=f"comment {comment.pk}"),
        "standards.correction": CorrectionFactory(article=story),
        "standards.biasreport": BiasReportFactory(article=comment.article,
                                                  contact_email="reporter@example.org"),
        "pages.page": Page.objects.get(slug="about"),
    }
    return rows


# Listed for the superuser alone; its rows are the task worker's.
ROWLESS = {"django_tasks_database.dbtaskresult"}
ACCOUNTS = ("Editors", "Moderators", "no group", "inactive", "reader", "anonymous")


def _client(kind):
    client = Client(raise_request_exception=False)
    if kind == "anonymous":
        return client
    account = UserFactory(username=f"matrix-{kind.replace(' ', '-').lower()}",
                          is_staff=kind != "reader", is_active=kind != "inactive")
    if kind in ("Editors", "Moderators", "inactive"):
        account.groups.add(Group.objects.get(name="Editors" if kind == "inactive" else kind))
    client.force_login(account)
    return client


def test_every_admin_and_desk_address_keeps_to_the_roles(matrix_rows):
    """DESIGN.md section 7 for every address under /admin/: an account without the
    permission is refused (403, or 405 for a method the address never takes), one with it
    is never refused for want of it, nobody gets a 500, and nobody outside the newsroom
    (inactive, reader, no one) gets past the sign-in page."""
    from django.contrib import admin as django_admin
    from django.contrib.contenttypes.models import ContentType

    registry = {f"{model._meta.app_label}_{model._meta.model_name}": model
                for model in django_admin.site._registry}
    clients = {kind: _client(kind) for kind in ACCOUNTS}
    problems = []
    for route, name in _admin_routes():
        model = next((registry[key] for key in registry if name.startswith(f"{key}_")), None)
        label = model._meta.label_lower if model else None
        row = matrix_rows.get(label)
        kind = name[len(f"{model._meta.app_label}_{model._meta.model_name}_"):] if model \
            else name
        if model is not None and "object_id" in route and row is None:
            # Django sends every account to the index before asking, where there is no row.
            assert label in ROWLESS, f"no row for {label}: add one to matrix_rows"
            continue
        pk = str(row.pk) if row is not None else "1"
        story = matrix_rows["articles.article"]
        url = "/" + (route.replace("<path:object_id>", pk).replace("<id>", pk)
                     .replace("<int:pk>", str(matrix_rows["comments.comment"].pk))
                     .replace("<path:content_type_id>",
                              str(ContentType.objects.get_for_model(story).pk))
                     .replace("^([^/]+)/history/([^/]+)/$", f"{pk}/history/"
                              f"{_revision(row)}/")
                     .replace("^(?P<app_label>", "").split("|")[0].removesuffix("$")
                     .rstrip("/") + "/").replace(".csv/", ".csv")
        if name == "app_list":
            url = "/admin/articles/"
        if name == "view_on_site":
            url = f"/admin/r/{ContentType.objects.get_for_model(story).pk}/{story.pk}/"
        for method in ("GET", "POST"):
            for account, client in clients.items():
                response = client.generic(method, url)
                status = response.status_code
                where = f"{account} {method} {url} ({name}): {status}"
                if status >= 500:
                    problems.append(where)
                    continue
                if account in ("inactive", "reader", "anonymous"):
                    if not (status == 302 and response["Location"].startswith("/admin/login/")):
                        problems.append(f"{where}, not the sign-in page")
                    continue
                if name in SITE_WIDE:
                    continue
                if name in DESK_NEEDS:
                    may = account != "no group" and _group_has(account, DESK_NEEDS[name])
                elif model is not None and kind in NEEDS:
                    needs = NEEDS[kind].get(method)
                    if needs is None:
                        if status != 405:
                            problems.append(f"{where}, not 405")
                        continue
                    may = account != "no group" and _role_may(account, label, needs)
                else:
                    problems.append(f"{name}: an address the matrix does not know; add it")
                    continue
                if not may and status not in (403, 405):
                    problems.append(f"{where}, without the permission")
                if may and status == 403 and kind in ("changelist", "change", "history") \
                        and method == "GET":
                    problems.append(f"{where}, refused with the permission")
    assert problems == [], "\n".join(problems)


def _revision(row):
    """The id of the row's latest revision (simple_history), for its revision page."""
    history = getattr(row, "history", None)
    return history.first().history_id if history is not None else "1"


def _stored(row):
    """The row as stored now, None once it is gone."""
    return type(row)._default_manager.filter(pk=row.pk).values().first()


def test_every_action_and_autocomplete_keeps_to_the_roles(matrix_rows):
    """Each list's actions, sent by each role: one the role may not take changes nothing
    (the list again, or 403), and none answers 500; each autocomplete answers only a role
    that may view what it lists."""
    from django.contrib import admin as django_admin
    from django.test import RequestFactory

    superuser = UserFactory(username="matrix-root", is_staff=True, is_superuser=True)
    clients = {kind: _client(kind) for kind in ("Editors", "Moderators", "no group")}
    problems = []
    for model, model_admin in django_admin.site._registry.items():
        label = model._meta.label_lower
        request = RequestFactory().get("/")
        request.user = superuser
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        actions = {} if label in ROWLESS else model_admin.get_actions(request)
        for action, offered in actions.items():
            needs = getattr(offered.func, "allowed_permissions", ())
            row = matrix_rows[label]
            for account, client in clients.items():
                before = _stored(row)
                response = client.post(url, {"action": action, "index": 0, "reason": "x",
                                             "_selected_action": [row.pk]})
                where = f"{account} {action} on {label}: {response.status_code}"
                may = account != "no group" and _role_may(account, label, ["+".join(needs)])
                if response.status_code >= 500:
                    problems.append(where)
                elif not may and (response.status_code not in (200, 403)
                                  or _stored(row) != before):
                    problems.append(f"{where}, without the permission")
        for field in model_admin.autocomplete_fields:
            remote = model._meta.get_field(field).remote_field.model._meta.label_lower
            url = (f"/admin/autocomplete/?app_label={model._meta.app_label}"
                   f"&model_name={model._meta.model_name}&field_name={field}&term=")
            for account, client in clients.items():
                response = client.get(url)
                may = account != "no group" and _role_may(account, remote, ["view"])
                if response.status_code != (200 if may else 403):
                    problems.append(f"{account} {url}: {response.status_code}")
                elif may and remote == "articles.article":
                    # A draft's headline, to those who may read drafts in the admin.
                    assert "A draft only the newsroom may see" in response.content.decode()
    assert problems == [], "\n".join(problems)


class TestANewsroomAccountsAccessEnds:
    """On the account's next request, not when its session ends."""

    def signed_in_twice(self):
        editor = newsroom("ed", "Editors")
        clients = Client(), Client()
        for client in clients:
            assert client.post("/admin/login/", {"username": "ed",
                                                 "password": PASSWORD}).status_code == 302
            assert client.get("/admin/articles/article/").status_code == 200
        return editor, clients

    def test_a_password_changed_in_the_admin_ends_the_other_sessions(self):
        _, (here, elsewhere) = self.signed_in_twice()
        assert change_password(here, PASSWORD).status_code == 302
        assert here.get("/admin/articles/article/").status_code == 200
        assert elsewhere.get("/admin/articles/article/")["Location"].startswith(
            "/admin/login/")

    def test_a_password_set_by_an_administrator_or_reset_by_email_ends_them_all(self):
        editor, clients = self.signed_in_twice()
        admin = Client()
        admin.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
        assert admin.post(f"/admin/auth/user/{editor.pk}/password/", {
            "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
            "usable_password": "true"}).status_code == 302
        for client in clients:
            assert client.get("/admin/")["Location"].startswith("/admin/login/")
        client = Client()
        client.post("/admin/login/", {"username": "ed", "password": NEW_PASSWORD})
        assert client.get("/admin/").status_code == 200
        Client().post("/accounts/password_reset/", {"email": editor.email})
        link = re.search(r"/accounts/reset/\S+/", mail.outbox[-1].body)[0]
        reset = Client()
        form = reset.get(link, follow=True)
        reset.post(form.redirect_chain[-1][0], {"new_password1": "a-third-long-passphrase",
                                                "new_password2": "a-third-long-passphrase"})
        assert client.get("/admin/")["Location"].startswith("/admin/login/")

    def test_deactivating_it_or_taking_it_out_of_its_group_ends_its_access(self):
        editor, (client, _) = self.signed_in_twice()
        editor.groups.clear()
        assert client.get("/admin/articles/article/").status_code == 403
        assert client.post("/admin/articles/article/add/",
                           {"headline": "Written after leaving"}).status_code == 403
        editor.groups.add(Group.objects.get(name="Editors"))
        assert client.get("/admin/articles/article/").status_code == 200
        editor.is_active = False
        editor.save()
        assert client.get("/admin/articles/article/")["Location"].startswith("/admin/login/")

    def test_reactivating_it_does_not_bring_its_sessions_back(
            self, django_capture_on_commit_callbacks):
        """Deactivated, its sessions were only unread: reactivated, a stolen session or a
        newsroom computer left signed in was signed in again."""
        editor, clients = self.signed_in_twice()
        admin = Client()
        admin.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
        form = {"username": "ed", "email": editor.email, "is_staff": "on",
                "groups": [Group.objects.get(name="Editors").pk],
                "date_joined_0": "2026-01-01", "date_joined_1": "09:00:00",
                "initial-date_joined_0": "2026-01-01", "initial-date_joined_1": "09:00:00"}
        url = f"/admin/auth/user/{editor.pk}/change/"
        with django_capture_on_commit_callbacks(execute=True):  # the cache's copies too
            assert admin.post(url, form).status_code == 302  # is_active left unticked
        editor.refresh_from_db()
        assert not editor.is_active
        assert admin.post(url, {**form, "is_active": "on"}).status_code == 302
        editor.refresh_from_db()
        assert editor.is_active
        for client in clients:
            assert client.get("/admin/")["Location"].startswith("/admin/login/")
        assert other_sessions(editor, None) == 0

    def test_saving_an_active_account_leaves_its_sessions(self):
        editor, clients = self.signed_in_twice()
        editor.first_name = "Ed"
        editor.save()
        editor.save(update_fields=["last_login"])
        for client in clients:
            assert client.get("/admin/").status_code == 200
