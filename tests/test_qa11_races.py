"""QA round 11, two people at once on PostgreSQL: what one does while another's request or
import is under way."""

import re
import threading
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.db import close_old_connections, connection, connections, transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.test import Client

from accounts.models import UsernameSkeleton
from articles import importer
from articles.models import Article, RelatedArticle
from comments.models import Comment, CommentReport
from standards.models import BiasReport
from tests.articles.newsroom import staff
from tests.factories import ArticleFactory, AuthorFactory, UserFactory


def waiting_on_a_lock(waiting=1, unless=None, timeout=10.0):
    """Whether `waiting` other connections to the database wait on a lock, within timeout
    (and before the thread `unless`, if given, has ended).

    Polled from the test's own connection: a thread's request that has reached
    the lock it waits for shows in pg_locks as not granted. Only the test
    database's connections count: the server may be shared with other test runs.
    """
    pause = threading.Event()
    for _ in range(int(timeout / 0.05)):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid) "
                           "WHERE NOT granted AND datname = current_database()")
            if cursor.fetchone()[0] >= waiting:
                return True
        if unless is not None and not unless.is_alive():
            return False
        pause.wait(0.05)
    return False


def in_thread(target, outcome):
    """Run target in a thread of its own, with its own connection; outcome gets its result
    (or its error)."""
    def run():
        try:
            outcome["result"] = target()
        except Exception as error:  # noqa: BLE001 (the test reads it)
            outcome["error"] = error
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


# An import naming a story on the site in "related", while an editor deletes or renames it ---


RELATED_GONE = ('article 1 (slug "ferry-times"): field "related[0]": "harbour-reopens" no '
                "longer names a story: it was deleted or given another slug while this file "
                "was checked; nothing was written: run the import again")


def ferry_times(related):
    return {"articles": [{
        "slug": "ferry-times", "headline": "Ferry times change", "body": "Words.",
        "section": "World", "author": "li-wei", "published_at": "2026-02-04T23:06:00Z",
        "related": related}]}


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["deleted", "renamed"])
def test_a_related_story_gone_while_the_file_was_checked_is_named_on_its_line(tmp_path,
                                                                             change):
    AuthorFactory(name="Li Wei", slug="li-wei")
    target = ArticleFactory(slug="harbour-reopens", draft=True)
    plan = importer.validate(ferry_times(["harbour-reopens"]), tmp_path)
    if change == "deleted":
        target.delete()
    else:
        target.slug = "harbour-reopens-monday"
        target.save()
    with pytest.raises(importer.ImportFailed) as refused:
        importer.write(plan)
    # It was "file: could not be saved: 'harbour-reopens'" (a KeyError's text).
    assert [str(problem) for problem in refused.value.problems] == [RELATED_GONE]
    assert not Article.objects.filter(slug="ferry-times").exists()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_related_story_is_kept_until_the_import_that_links_to_it_commits(tmp_path):
    from taggit.models import Tag

    AuthorFactory(name="Li Wei", slug="li-wei")
    target = ArticleFactory(slug="harbour-reopens", draft=True)
    data = ferry_times(["harbour-reopens"])
    data["articles"][0]["tags"] = ["Ferries"]
    plan = importer.validate(data, tmp_path)
    editor = Client()
    editor.force_login(staff("Editors", username="editor"))
    imported, deleted = {}, {}
    # Another editor is adding the tag "Ferries": the import, past its checks, waits on it.
    adding = connections.create_connection("default")
    try:
        with adding.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(f"INSERT INTO {Tag._meta.db_table} (name, slug) VALUES (%s, %s)",
                           ["Ferries", "ferries"])
        importing = in_thread(lambda: importer.write(plan), imported)
        assert waiting_on_a_lock()
        deleting = in_thread(lambda: editor.post(
            f"/admin/articles/article/{target.pk}/delete/", {"post": "yes"}), deleted)
        # The deletion waits for the import's commit, rather than going under it.
        assert waiting_on_a_lock(2, unless=deleting), deleted
        with adding.cursor() as cursor:
            cursor.execute("ROLLBACK")
    finally:
        adding.close()
    importing.join(10)
    deleting.join(10)
    # It was a failed import at the commit ("could not be saved: insert or update on table
    # "articles_relatedarticle" violates foreign key constraint"), nothing written.
    assert "error" not in imported, imported.get("error")
    assert "error" not in deleted, deleted.get("error")
    assert deleted["result"].status_code == 302
    story = Article.objects.get(slug="ferry-times")
    assert list(story.tags.names()) == ["Ferries"]
    assert not Article.objects.filter(pk=target.pk).exists()
    assert not RelatedArticle.objects.exists()  # gone with the story it led to


# A reader's comment sent from one browser while their account is deleted in another -------


@contextmanager
def deletion_paused(after):
    """(paused, go): a deletion of an account stops, inside its transaction, once `after`'s
    row is deleted ("the account": the account's own row; "its name": the row that keeps
    its name, deleted just before it), sets paused and waits for go."""
    paused, go = threading.Event(), threading.Event()
    model = get_user_model() if after == "the account" else UsernameSkeleton

    def pause(sender, instance, **kwargs):
        if isinstance(instance, model):
            paused.set()
            go.wait(10)

    post_delete.connect(pause, dispatch_uid="qa11-deletion-paused")
    try:
        yield paused, go
    finally:
        go.set()
        post_delete.disconnect(dispatch_uid="qa11-deletion-paused")


SENT = {  # what a reader sends: (address, fields, the text to keep, what they are told)
    "comment": ("/articles/ferry-times/comments/", "body",
                "The timetable at the pier still shows the winter hours.",
                "Your comment was not posted: your account has been deleted."),
    "bias report": ("/articles/ferry-times/report-bias/", "details",
                    "The piece quotes the ferry company and no passenger.",
                    "Your report was not sent: your account has been deleted. You can send "
                    "it without an account."),
}


def form_of(client, url, field, text):
    html = client.get(url).content.decode()
    token = re.search(r'name="submission_token" value="([A-Za-z0-9_-]+)"', html)[1]
    return {"submission_token": token, field: text, "reason": "one_sided_sourcing"}


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("after", ["the account", "its name"])
@pytest.mark.parametrize("sent", SENT)
def test_what_a_reader_sends_while_their_account_is_deleted_is_refused_in_words(sent, after):
    reader = UserFactory(username="ana")
    ArticleFactory(slug="ferry-times")
    deleting, posting = Client(), Client(raise_request_exception=False)
    deleting.force_login(reader)
    posting.force_login(reader)
    url, field, typed, told = SENT[sent]
    form = form_of(posting, url, field, typed)
    deleted, posted = {}, {}
    with deletion_paused(after) as (paused, go):
        deletion = in_thread(lambda: deleting.post(
            "/accounts/delete/", {"password": "a-long-test-passphrase"}), deleted)
        assert paused.wait(10), deleted
        post = in_thread(lambda: posting.post(url, form), posted)
        # What is sent either waits for the deletion's end, or is stored before it.
        waiting_on_a_lock(unless=post)
        go.set()
        deletion.join(10)
        post.join(10)
    assert "error" not in deleted, deleted.get("error")
    # It was a 500 for the deletion (a comment or report stored meanwhile named the
    # account at its commit), or for what was sent (stored for an account gone by then).
    assert deleted["result"].status_code == 302
    assert deleted["result"]["Location"] == "/accounts/deleted/"
    assert not get_user_model().objects.filter(pk=reader.pk).exists()
    response = posted["result"]
    assert response.status_code == 403
    page = response.content.decode()
    assert told in page and typed in page
    assert not Comment.objects.exists() and not BiasReport.objects.exists()
    # Signed out: the browser's next page is an anonymous reader's.
    assert "_auth_user_id" not in posting.session


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_moderators_decision_under_way_and_the_readers_deletion_both_go_through():
    from comments import moderation
    from tests.factories import CommentFactory

    reader = UserFactory(username="ana")
    moderator = staff("Moderators", username="mod1")
    comment = CommentFactory(reader=reader, status="pending")
    deleting = Client()
    deleting.force_login(reader)
    deleted = {}
    with transaction.atomic():
        # As the desk decides: the comment locked, the decision naming its reader.
        held = Comment.objects.select_for_update().get(pk=comment.pk)
        moderation.decide_comment(held, Comment.Status.HIDDEN, moderator, "Spam.")
        deletion = in_thread(lambda: deleting.post(
            "/accounts/delete/", {"password": "a-long-test-passphrase"}), deleted)
        # The deletion, holding the account, waits for the comment; the decision's commit
        # then checks the account's key. Locked FOR UPDATE, the two waited on each other.
        assert waiting_on_a_lock(unless=deletion), deleted
    deletion.join(10)
    assert "error" not in deleted, deleted.get("error")
    assert deleted["result"].status_code == 302
    comment.refresh_from_db()
    assert comment.status == "hidden" and comment.reader_id is None
    assert not get_user_model().objects.filter(pk=reader.pk).exists()


# Two editors adding a story with the same slug at once -------------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_second_of_two_stories_saved_at_once_with_one_slug_is_told_so():
    from tests.factories import SectionFactory
    from tests.test_edit_conflicts import Editor

    section, author = SectionFactory(name="World"), AuthorFactory(name="Li Wei")
    first, second = Editor("first", "Ada First"), Editor("second", "Ben Second")
    for editor, body in ((first, "First words."), (second, "Second editor's whole story.")):
        editor.open("/admin/articles/article/add/")
        editor.set(headline="Ferries resume", slug="ferries-resume", body=body, status="draft")
        # Chosen in their search boxes, which start with no options.
        editor.fields += [("section", str(section.pk)), ("author", str(author.pk))]
    stored, go = threading.Event(), threading.Event()

    def hold(sender, instance, created, **kwargs):  # the first save, before its commit
        if created and instance.body == "First words.":
            stored.set()
            go.wait(10)

    saved_first, saved_second = {}, {}
    second.client.raise_request_exception = False
    post_save.connect(hold, sender=Article, dispatch_uid="qa11-first-story")
    try:
        saving = in_thread(first.save, saved_first)
        assert stored.wait(10), saved_first
        answering = in_thread(second.save, saved_second)
        assert waiting_on_a_lock(unless=answering), saved_second
        go.set()
        saving.join(10)
        answering.join(10)
    finally:
        go.set()
        post_save.disconnect(dispatch_uid="qa11-first-story")
    assert saved_first["result"].status_code == 302
    # It was a 500 at the second story's INSERT (the slug's unique index), its text lost.
    response = saved_second["result"]
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["slug"] == ["The story “Ferries resume” has the slug “ferries-resume”: "
                                   "two stories’ slugs must differ in more than capitals. "
                                   "Choose another slug."]
    assert form["body"].value() == "Second editor's whole story."
    assert Article.objects.get().body == "First words."


# A correction written on a story while another editor deletes the story --------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_correction_saved_while_its_story_is_deleted_is_a_form_error():
    story = ArticleFactory(headline="Ferry times change", draft=True)
    deleting, writing = Client(), Client(raise_request_exception=False)
    deleting.force_login(staff("Editors", username="first"))
    writing.force_login(staff("Editors", username="second"))
    typed = "The ferry leaves at 7:40, not 7:10 as first reported."
    paused, go = threading.Event(), threading.Event()

    def hold(sender, instance, **kwargs):  # the deletion, its story locked and looked at
        paused.set()
        go.wait(10)

    deleted, written = {}, {}
    pre_delete.connect(hold, sender=Article, dispatch_uid="qa11-story-deleting")
    try:
        deletion = in_thread(lambda: deleting.post(
            f"/admin/articles/article/{story.pk}/delete/", {"post": "yes"}), deleted)
        assert paused.wait(10), deleted
        writing_thread = in_thread(lambda: writing.post("/admin/standards/correction/add/", {
            "article": story.pk, "kind": "correction", "date_0": "2026-12-03",
            "date_1": "12:00:00", "text": typed, "_save": "Save"}), written)
        waiting_on_a_lock(unless=writing_thread)
        go.set()
        deletion.join(10)
        writing_thread.join(10)
    finally:
        go.set()
        pre_delete.disconnect(dispatch_uid="qa11-story-deleting")
    assert deleted["result"].status_code == 302
    # It was a 500 at the correction's commit (its story's key), and the text was lost.
    response = written["result"]
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["article"] == ["This story was deleted while the correction was being "
                                      "saved. Choose another; nothing else was lost."]
    assert form["text"].value() == typed
    assert not Article.objects.exists()


# Two moderators restricting one reader at once: from the desk and from the readers' admin ---


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_reader_restricted_from_the_desk_and_the_readers_admin_at_once():
    from comments.models import ReaderStanding
    from tests.factories import CommentFactory
    from tests.test_edit_conflicts import Editor

    reader = UserFactory(username="loud")
    comment = CommentFactory(reader=reader, status="pending")
    desk = Client(raise_request_exception=False)
    desk.force_login(staff("Moderators", username="first"))
    second = Editor("second", "Ben Second", "Moderators")
    second.client.raise_request_exception = False
    second.open(f"/admin/accounts/reader/{reader.pk}/change/")
    second.fields.append(("standing-0-is_premoderated", "on"))
    second.set(**{"standing-0-note": "Cooling off, ticket 77."})
    made, go = threading.Event(), threading.Event()

    def hold(sender, instance, created, **kwargs):  # the desk's standing, before its commit
        if created:
            made.set()
            go.wait(10)

    decided, saved = {}, {}
    post_save.connect(hold, sender=ReaderStanding, dispatch_uid="qa11-desk-standing")
    try:
        deciding = in_thread(lambda: desk.post(
            f"/admin/moderation/comments/{comment.pk}/decide/",
            {"decision": "restrict", "version": "new", "next": "/admin/moderation/comments/",
             "reason": "Spam links."}), decided)
        assert made.wait(10), decided
        post_save.disconnect(dispatch_uid="qa11-desk-standing")
        saving = in_thread(second.save, saved)
        assert waiting_on_a_lock(unless=saving), saved
        go.set()
        deciding.join(15)
        saving.join(15)
    finally:
        go.set()
        post_save.disconnect(dispatch_uid="qa11-desk-standing")
    # It was a deadlock: the desk's commit checked the reader's key, which the readers'
    # admin held, waiting on the desk's new standing; one of the two was a 500.
    assert decided["result"].status_code == 303
    response = saved["result"]
    assert response.status_code == 200
    assert "Someone else saved this reader after you opened it" in response.content.decode()
    assert second.value("standing-0-note") == "Cooling off, ticket 77."
    standing = ReaderStanding.objects.get(reader=reader)
    assert standing.is_premoderated and standing.updated_by.username == "first"


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_comment_reported_while_the_reporters_account_is_deleted_is_refused_in_words():
    from tests.factories import CommentFactory

    reader = UserFactory(username="ana")
    comment = CommentFactory(reader=UserFactory(username="loud"), status="approved")
    deleting, reporting = Client(), Client(raise_request_exception=False)
    deleting.force_login(reader)
    reporting.force_login(reader)
    deleted, reported = {}, {}
    with deletion_paused("the account") as (paused, go):
        deletion = in_thread(lambda: deleting.post(
            "/accounts/delete/", {"password": "a-long-test-passphrase"}), deleted)
        assert paused.wait(10), deleted
        report = in_thread(lambda: reporting.post(f"/comments/{comment.pk}/report/",
                                                  {"reason": "spam"}), reported)
        waiting_on_a_lock(unless=report)
        go.set()
        deletion.join(10)
        report.join(10)
    assert deleted["result"].status_code == 302
    # It was a 404 saying the comment was no longer shown (its reporter's key failed).
    response = reported["result"]
    assert response.status_code == 403
    assert "Nothing was reported: your account has been deleted." in response.content.decode()
    assert not CommentReport.objects.exists()
