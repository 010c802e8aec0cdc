"""QA round 12, accounts and the import under concurrency, on PostgreSQL: a reader's account
deleted from the admin while the reader sends something; an import and an editor claiming
one slug at once."""

import threading
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, pre_delete
from django.test import Client

from accounts.models import UsernameSkeleton
from comments.models import Comment
from standards.models import BiasReport
from tests.factories import ArticleFactory, UserFactory
from tests.test_qa11_races import SENT, form_of, in_thread, waiting_on_a_lock

# A reader's comment or bias report sent while an administrator deletes the account -------


@contextmanager
def admin_deletion_paused(at):
    """(paused, go): a deletion of an account stops inside its transaction, at `at`: "its
    signals" (pre_delete: what it takes with it is found, nothing is deleted yet), "its
    name" (the row that keeps its name deleted, the account's own row not yet), or "the
    account" (its own row deleted); sets paused and waits for go."""
    paused, go = threading.Event(), threading.Event()
    signal = pre_delete if at == "its signals" else post_delete
    model = UsernameSkeleton if at == "its name" else get_user_model()

    def pause(sender, instance, **kwargs):
        if isinstance(instance, model):
            paused.set()
            go.wait(10)

    signal.connect(pause, dispatch_uid="qa12-admin-deletion-paused")
    try:
        yield paused, go
    finally:
        go.set()
        signal.disconnect(dispatch_uid="qa12-admin-deletion-paused")


def admin_deletes(admin, reader, how):
    if how == "delete page":
        return lambda: admin.post(f"/admin/auth/user/{reader.pk}/delete/", {"post": "yes"})
    return lambda: admin.post("/admin/auth/user/", {
        "action": "delete_selected", "post": "yes", "_selected_action": [reader.pk]})


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["delete page", "delete selected"])
@pytest.mark.parametrize("at", ["its signals", "its name", "the account"])
@pytest.mark.parametrize("sent", SENT)
def test_what_a_reader_sends_while_the_admin_deletes_the_account_is_refused_in_words(
        sent, at, how):
    reader = UserFactory(username="ana")
    ArticleFactory(slug="ferry-times")
    admin = Client()
    admin.force_login(UserFactory(username="chief", is_staff=True, is_superuser=True))
    posting = Client(raise_request_exception=False)
    posting.force_login(reader)
    url, field, typed, told = SENT[sent]
    form = form_of(posting, url, field, typed)
    deleted, posted = {}, {}
    with admin_deletion_paused(at) as (paused, go):
        deletion = in_thread(admin_deletes(admin, reader, how), deleted)
        assert paused.wait(10), deleted
        post = in_thread(lambda: posting.post(url, form), posted)
        # What is sent waits for the deletion's end: the account is held from the start.
        assert waiting_on_a_lock(unless=post), posted
        go.set()
        deletion.join(10)
        post.join(10)
    # It was a 500 for the administrator (from the delete page; the action's page said
    # nothing), the comment or report stored meanwhile naming the account at the commit.
    assert "error" not in deleted, deleted.get("error")
    assert deleted["result"].status_code == 302
    assert not get_user_model().objects.filter(pk=reader.pk).exists()
    response = posted["result"]
    assert response.status_code == 403
    page = response.content.decode()
    assert told in page and typed in page
    assert not Comment.objects.exists() and not BiasReport.objects.exists()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("at", ["its signals", "its name"])
def test_a_comment_reported_while_the_admin_deletes_the_reporter_is_refused_in_words(at):
    from comments.models import CommentReport
    from tests.factories import CommentFactory

    reader = UserFactory(username="ana")
    comment = CommentFactory(reader=UserFactory(username="loud"), status="approved")
    admin = Client()
    admin.force_login(UserFactory(username="chief", is_staff=True, is_superuser=True))
    reporting = Client(raise_request_exception=False)
    reporting.force_login(reader)
    deleted, reported = {}, {}
    with admin_deletion_paused(at) as (paused, go):
        deletion = in_thread(admin_deletes(admin, reader, "delete page"), deleted)
        assert paused.wait(10), deleted
        report = in_thread(lambda: reporting.post(f"/comments/{comment.pk}/report/",
                                                  {"reason": "spam"}), reported)
        assert waiting_on_a_lock(unless=report), reported
        go.set()
        deletion.join(10)
        report.join(10)
    assert "error" not in deleted, deleted.get("error")
    assert deleted["result"].status_code == 302
    response = reported["result"]
    assert response.status_code == 403
    assert "Nothing was reported: your account has been deleted." in response.content.decode()
    assert not CommentReport.objects.exists()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("by", ["the reader", "an administrator"])
@pytest.mark.parametrize("at", ["its signals", "the account"])
def test_a_standing_saved_while_the_reader_deletes_the_account_says_it_is_gone(at, by):
    from django.contrib.messages import get_messages

    from comments.models import ModerationAction, ReaderStanding
    from tests.factories import CommentFactory
    from tests.test_edit_conflicts import Editor

    reader = UserFactory(username="loud")
    CommentFactory(reader=reader, status="pending")
    # Not raised in this thread: Django's test client hears every thread's request errors.
    deleting = Client(raise_request_exception=False)
    if by == "the reader":
        deleting.force_login(reader)
        deletes = lambda: deleting.post(  # noqa: E731
            "/accounts/delete/", {"password": "a-long-test-passphrase"})
    else:
        deleting.force_login(UserFactory(username="chief", is_staff=True, is_superuser=True))
        deletes = admin_deletes(deleting, reader, "delete page")
    moderator = Editor("second", "Ben Second", "Moderators")
    moderator.client.raise_request_exception = False
    moderator.open(f"/admin/accounts/reader/{reader.pk}/change/")
    moderator.fields.append(("standing-0-is_premoderated", "on"))
    moderator.set(**{"standing-0-note": "Cooling off, ticket 77."})
    deleted, saved = {}, {}
    with admin_deletion_paused(at) as (paused, go):
        deletion = in_thread(deletes, deleted)
        assert paused.wait(10), deleted
        saving = in_thread(moderator.save, saved)
        assert waiting_on_a_lock(unless=saving), saved
        go.set()
        deletion.join(10)
        saving.join(10)
    assert "error" not in deleted, deleted.get("error")
    assert deleted["result"].status_code == 302
    assert not get_user_model().objects.filter(pk=reader.pk).exists()
    # It was a 500: Reader.DoesNotExist under the readers' admin's lock on the account.
    response = saved["result"]
    assert response.status_code == 302
    assert response["Location"] == "/admin/accounts/reader/"
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "This reader’s account was deleted while your change was being saved, so nothing "
        "was saved."]
    assert not ReaderStanding.objects.exists()
    assert not ModerationAction.objects.exists()  # no standing logged


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("by", ["the reader", "an administrator"])
def test_a_reader_restricted_from_the_desk_while_the_account_is_deleted_is_deleted(by):
    from django.contrib.messages import get_messages

    from comments.models import ModerationAction, ReaderStanding
    from tests.articles.newsroom import staff
    from tests.factories import CommentFactory

    reader = UserFactory(username="loud")
    comment = CommentFactory(reader=reader, status="pending")
    deleting = Client(raise_request_exception=False)
    if by == "the reader":
        deleting.force_login(reader)
        deletes = lambda: deleting.post(  # noqa: E731
            "/accounts/delete/", {"password": "a-long-test-passphrase"})
    else:
        deleting.force_login(UserFactory(username="chief", is_staff=True, is_superuser=True))
        deletes = admin_deletes(deleting, reader, "delete page")
    desk = Client(raise_request_exception=False)
    desk.force_login(staff("Moderators", username="first"))
    deleted, decided = {}, {}
    # The deletion has found what it takes with the account (no standing yet), and waits.
    with admin_deletion_paused("its signals") as (paused, go):
        deletion = in_thread(deletes, deleted)
        assert paused.wait(10), deleted
        deciding = in_thread(lambda: desk.post(
            f"/admin/moderation/comments/{comment.pk}/decide/",
            {"decision": "restrict", "version": "new", "next": "/admin/moderation/comments/",
             "reason": "Spam links."}), decided)
        # The desk holds the account FOR KEY SHARE only, which either deletion lets through
        # (an administrator's locked it FOR UPDATE: the two deadlocked, the desk's a 500).
        deciding.join(10)
        go.set()
        deletion.join(10)
    assert decided["result"].status_code == 303
    assert [str(message) for message in get_messages(decided["result"].wsgi_request)] == [
        "Hid the comment by loud and put loud in pre-moderation. You can undo it under "
        "“Your last decisions” for 10 minutes."]
    # It was a 500 for the deletion, and the account stayed: the standing the desk made
    # meanwhile still named it at the commit.
    assert "error" not in deleted, deleted.get("error")
    assert deleted["result"].status_code == 302
    assert not get_user_model().objects.filter(pk=reader.pk).exists()
    assert not ReaderStanding.objects.exists()
    assert ModerationAction.objects.get().reader is None
    comment.refresh_from_db()
    assert comment.status == "hidden" and comment.reader_id is None


# An import adding a story while an editor saves one with the same slug -------------------

IMPORTED_BODY = "The imported copy of the ferry story."
TYPED_BODY = "The editor's own ferry story, typed in the admin."
SLUG_TAKEN = ('article 1 (slug "ferries-resume"): field "slug": another story took this slug '
              "while this file was checked; nothing was written: run the import again")


def ferries_resume():
    return {"articles": [{
        "slug": "ferries-resume", "headline": "Ferries resume (wire copy)",
        "body": IMPORTED_BODY, "section": "Harbours", "author": "li-wei",
        "published_at": "2026-02-04T23:06:00Z", "tags": ["Ferries"]}]}


def editor_adding(slug):
    from tests.factories import AuthorFactory, SectionFactory
    from tests.test_edit_conflicts import Editor

    section, author = SectionFactory(name="World"), AuthorFactory(name="Li Wei", slug="li-wei")
    editor = Editor("second", "Ben Second")
    editor.client.raise_request_exception = False
    editor.open("/admin/articles/article/add/")
    editor.set(headline="Ferries resume", slug=slug, body=TYPED_BODY, status="draft")
    editor.fields += [("section", str(section.pk)), ("author", str(author.pk))]
    return editor


def claimed_as(claims, monkeypatch):
    """A file adding more stories than core.rowlocks.CLAIMED_ONE_BY_ONE claims every slug in
    one lock (core.rowlocks.all_claimed)."""
    from core import rowlocks

    if claims == "all at once":
        monkeypatch.setattr(rowlocks, "CLAIMED_ONE_BY_ONE", 0)


@contextmanager
def story_saved_and_held(body):
    """(stored, go): the save of a new story with body stops once its row is in, before its
    commit, sets stored and waits for go."""
    from django.db.models.signals import post_save

    from articles.models import Article

    stored, go = threading.Event(), threading.Event()

    def hold(sender, instance, created, **kwargs):
        if created and instance.body == body:
            stored.set()
            go.wait(10)

    post_save.connect(hold, sender=Article, dispatch_uid="qa12-story-held")
    try:
        yield stored, go
    finally:
        go.set()
        post_save.disconnect(dispatch_uid="qa12-story-held")


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("claims", ["one by one", "all at once"])
def test_an_import_adding_a_slug_an_editor_is_saving_fails_in_words_and_writes_nothing(
        tmp_path, monkeypatch, claims):
    from taggit.models import Tag

    from articles import importer
    from articles.models import Article, Section

    editor = editor_adding("ferries-resume")
    plan = importer.validate(ferries_resume(), tmp_path)
    claimed_as(claims, monkeypatch)
    saved, imported = {}, {}
    with story_saved_and_held(TYPED_BODY) as (stored, go):
        saving = in_thread(editor.save, saved)
        assert stored.wait(10), saved
        importing = in_thread(lambda: importer.write(plan), imported)
        assert waiting_on_a_lock(unless=importing), imported
        go.set()
        saving.join(10)
        importing.join(10)
    assert saved["result"].status_code == 302
    # It was "could not be saved: duplicate key value violates unique constraint" (the
    # database's words), as if the file were at fault.
    error = imported.get("error")
    assert isinstance(error, importer.ImportFailed), imported
    assert [str(problem) for problem in error.problems] == [SLUG_TAKEN]
    assert Article.objects.get().body == TYPED_BODY
    assert not Section.objects.filter(name="Harbours").exists()
    assert not Tag.objects.exists()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("claims", ["one by one", "all at once"])
def test_an_editor_saving_a_slug_an_import_is_adding_is_told_so_and_keeps_the_text(
        tmp_path, monkeypatch, claims):
    from articles import importer
    from articles.models import Article

    editor = editor_adding("ferries-resume")
    plan = importer.validate(ferries_resume(), tmp_path)
    claimed_as(claims, monkeypatch)
    saved, imported = {}, {}
    with story_saved_and_held(IMPORTED_BODY) as (stored, go):
        importing = in_thread(lambda: importer.write(plan), imported)
        assert stored.wait(10), imported
        saving = in_thread(editor.save, saved)
        assert waiting_on_a_lock(unless=saving), saved
        go.set()
        importing.join(10)
        saving.join(10)
    assert "error" not in imported, imported.get("error")
    # It was a 500 (the editor's INSERT on the slug's unique index), the text lost.
    response = saved["result"]
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["slug"] == ["The story “Ferries resume (wire copy)” has the slug "
                                   "“ferries-resume”: two stories’ slugs must differ in "
                                   "more than capitals. Choose another slug."]
    assert form["body"].value() == TYPED_BODY
    assert Article.objects.get().body == IMPORTED_BODY


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_an_import_of_many_new_tags_and_stories_holds_few_locks(tmp_path):
    """One claim for each of thousands of new tags filled PostgreSQL's lock table: a file with
    8,000 failed with "could not be saved: out of shared memory", nothing imported."""
    from django.db import connection
    from django.db.models.signals import post_save

    from articles import importer
    from articles.models import Article
    from tests.factories import AuthorFactory

    AuthorFactory(name="Li Wei", slug="li-wei")
    many = 510  # new tags, past core.rowlocks.CLAIMED_ONE_BY_ONE
    data = {"articles": [{
        "slug": f"harbour-day-{number}", "headline": f"Harbour day {number}",
        "body": "Words.", "section": "World", "author": "li-wei",
        "published_at": "2026-02-04T23:06:00Z",
        "tags": [f"Pier {number}-{tag}" for tag in range(10)]}
        for number in range(many // 10)]}
    plan = importer.validate(data, tmp_path)
    held = []

    def count(sender, instance, created, **kwargs):
        if not held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                               "AND pid = pg_backend_pid()")
                held.append(cursor.fetchone()[0])

    post_save.connect(count, sender=Article, dispatch_uid="qa12-locks-counted")
    try:
        importer.write(plan)
    finally:
        post_save.disconnect(dispatch_uid="qa12-locks-counted")
    assert Article.objects.count() == many // 10
    # The slugs of 51 new stories, the section's, the tags' fields: 1,079 before.
    assert held and held[0] < 100, held


# The account page of a former editor or moderator, whom the newsroom's record keeps -------


def leaving_section(response):
    from html import unescape

    html = unescape(response.content.decode())
    return html.split('<h2 id="account-leave">Leaving</h2>', 1)[1].split("</section>", 1)[0]


@pytest.mark.django_db
@pytest.mark.parametrize("make", ["reviewing_editor", "moderator", "admin_log"])
def test_the_account_page_of_an_account_on_the_record_offers_no_deletion(make):
    from tests import test_qa11_delete_on_record as on_record

    account, why = getattr(on_record, make)()
    client = on_record.left(account)
    part = leaving_section(client.get("/accounts/"))
    # It linked to the deletion page, which then only said it could not delete.
    assert "/accounts/delete/" not in part and "Delete your account" not in part
    assert (f"<p>Your account is kept on the newsroom's record: it is {why}, so it cannot be "
            f"deleted. The newsroom's administrator can deactivate it instead: a deactivated "
            f"account can no longer sign in and is signed out of every browser, and its name "
            f"stays on the record.</p>") in part


@pytest.mark.django_db
def test_a_readers_account_page_still_offers_deletion(client):
    from tests.factories import BiasReportFactory, CommentFactory

    reader = UserFactory(username="ana")
    CommentFactory(reader=reader)
    BiasReportFactory(reader=reader)
    client.force_login(reader)
    part = leaving_section(client.get("/accounts/"))
    assert 'href="/accounts/delete/"' in part and "newsroom's record" not in part
