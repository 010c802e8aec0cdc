"""QA round 9, two people at once: the second of two moderators deciding one bias report is
told who decided it, with their note, not a 500; a comment desk refusal keeps the note; a
bias report's double click is answered as the first send was."""

import re
import threading
import time
from contextlib import contextmanager

import pytest
from django.db import close_old_connections, connection, transaction
from django.test import Client

from comments.models import ModerationAction
from standards import workflow
from standards.models import BiasReport
from tests.articles.newsroom import staff
from tests.factories import ArticleFactory, BiasReportFactory, CommentFactory

QUEUE = "/admin/moderation/comments/"
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}
TOKEN = re.compile(r'<input type="hidden" name="submission_token" value="([A-Za-z0-9_-]+)"')


def moderator(username):
    # staff() makes the roles again after a transactional test emptied the database.
    user = staff("Moderators", username=username)
    client = Client()
    client.force_login(user)
    return user, client


# The bias-report triage: the second of two at once ------------------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_second_of_two_moderators_at_once_is_told_who_decided_with_the_note():
    first, _ = moderator("mod1")
    _, second = moderator("mod2")
    report = BiasReportFactory(contact_email="reporter@example.org")
    locked, done = threading.Event(), {}

    def decide_first():
        try:
            with transaction.atomic():
                held = BiasReport.objects.select_for_update().get(pk=report.pk)
                locked.set()
                time.sleep(0.5)  # the second moderator's decision waits on the lock
                workflow.decide_bias_report(held, BiasReport.Status.DISMISSED, first,
                                            "Checked against the council minutes.")
            done["first"] = True
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=decide_first)
    thread.start()
    assert locked.wait(5)
    response = second.post(f"/admin/moderation/bias-reports/{report.pk}/decide/",
                           {"decision": "uphold", "note": "The figure is wrong."})
    thread.join(10)
    assert done.get("first")
    # It was a 500: after the lock, the report's moderator was read as None beside its id.
    assert response.status_code == 409
    page = response.content.decode()
    assert f"{report.reference} was already dismissed by mod1" in page
    assert "The figure is wrong.</textarea>" in page
    report.refresh_from_db()
    assert report.status == BiasReport.Status.DISMISSED and report.moderator == first


# The comment desk: a refusal keeps the note ---------------------------------------------


def decide(client, comment, decision, reason, headers=None, version="new"):
    return client.post(f"/admin/moderation/comments/{comment.pk}/decide/", {
        "decision": decision, "version": version, "next": QUEUE, "reason": reason,
    }, **(headers or {}))


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [None, FETCH], ids=["plain", "script"])
def test_a_comment_decided_meanwhile_keeps_the_second_moderators_note(headers):
    first, first_client = moderator("mod1")
    _, second = moderator("mod2")
    comment = CommentFactory(status="pending")
    assert decide(first_client, comment, "approve", "").status_code == 303
    note = "Hiding: the link goes to a spam site, ticket 4411."
    response = decide(second, comment, "hide", note, headers)
    assert response.status_code == 409
    page = response.content.decode()
    assert "mod1 has already decided this comment (approved)" in page
    assert f"{note}</textarea>" in page and "desk-note-kept" in page
    comment.refresh_from_db()
    assert comment.status == "approved" and ModerationAction.objects.count() == 1


@pytest.mark.django_db
def test_with_no_note_the_script_still_gets_the_notice_in_the_cards_place():
    _, first_client = moderator("mod1")
    _, second = moderator("mod2")
    comment = CommentFactory(status="pending")
    decide(first_client, comment, "approve", "")
    response = decide(second, comment, "hide", "", FETCH)
    assert response.status_code == 409
    assert "desk-note-kept" not in response.content.decode()
    assert "mod1 has already decided this comment" in response.content.decode()


@pytest.mark.django_db
def test_a_comment_deleted_meanwhile_keeps_the_note():
    _, client = moderator("mod1")
    comment = CommentFactory(status="pending")
    pk = comment.pk
    comment.delete()
    comment.pk = pk
    response = decide(client, comment, "hide", "Spam, ticket 4412.", FETCH)
    assert response.status_code == 404
    assert "Spam, ticket 4412.</textarea>" in response.content.decode()


# A bias report's double click ----------------------------------------------------------


@pytest.mark.django_db
def test_a_double_clicked_report_with_an_email_is_answered_as_the_first_send():
    ArticleFactory(slug="harbour")
    url = "/articles/harbour/report-bias/"
    client = Client()
    token = TOKEN.search(client.get(url).content.decode()).group(1)
    data = {"reason": "political_slant", "contact_email": "anon3@example.org",
            "submission_token": token}
    first, twin = client.post(url, data), client.post(url, data)
    assert BiasReport.objects.count() == 1
    assert first.status_code == twin.status_code == 303
    assert twin["Location"] == first["Location"]  # no "again", nothing "added"
    page = client.get(twin["Location"]).content.decode()
    assert "You have already sent this report" not in page and "We added" not in page


# A story deleted while its save waits for it ---------------------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_story_deleted_while_it_is_being_saved_comes_back_as_a_new_draft():
    from articles.models import Article
    from tests.test_edit_conflicts import Editor

    desk = Editor("editor", "Jane Editor")
    story = ArticleFactory(headline="Ferry strike ends", draft=True)
    desk.open(f"/admin/articles/article/{story.pk}/change/")
    locked, done = threading.Event(), {}

    def delete_meanwhile():
        try:
            with transaction.atomic():
                held = Article.objects.select_for_update().get(pk=story.pk)
                locked.set()
                time.sleep(0.5)  # the save has begun and waits for the row
                held.delete()
            done["deleted"] = True
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=delete_meanwhile)
    thread.start()
    assert locked.wait(5)
    typed = "Ferry strike ends after six days"
    response = desk.save(headline=typed)
    thread.join(10)
    assert done.get("deleted")
    # It was a 500 (the save went on with a row that was gone), and the headline was lost.
    assert response.status_code == 200
    page = response.content.decode()
    assert "“Ferry strike ends” was deleted" in page
    assert "Everything you typed is below, as a new draft" in page
    assert response.context["adminform"].form["headline"].value() == typed
    assert not Article.objects.exists()


# A tag merged or deleted while a story carrying it is saved -----------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", ["merge", "delete"])
def test_a_tag_changed_while_a_story_is_saved_is_not_made_again(change):
    from taggit.models import Tag

    from articles import admin as story_admin
    from articles.models import Article

    story = ArticleFactory(headline="Museum night")
    story.tags.add("Museums", "Books")
    locked, done = threading.Event(), {}

    def save_story():  # as the story's admin save does: its row locked, its tags by name
        try:
            with transaction.atomic():
                held = Article.objects.select_for_update().get(pk=story.pk)
                locked.set()
                time.sleep(0.5)
                held.tags.set(["Museums", "Books", "Ports"])
            done["saved"] = True
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=save_story)
    thread.start()
    assert locked.wait(5)
    tags = list(Tag.objects.filter(name__in=["Museums", "Books"]))
    if change == "merge":
        story_admin._merge_tags(tags, "Culture notes")
    else:
        story_admin._delete_tags([tag for tag in tags if tag.name == "Museums"])
    thread.join(10)
    assert done.get("saved")
    names = sorted(story.tags.names())
    # The save made "Museums" again, after the merge or the deletion took it away.
    assert not Tag.objects.filter(name="Museums").exists()
    assert names == (["Culture notes", "Ports"] if change == "merge" else ["Books", "Ports"])


# A section deleted while a story is saved into it ------------------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_section_deleted_while_a_story_is_saved_into_it_is_a_form_error():
    from articles.models import Section
    from tests.factories import SectionFactory
    from tests.test_edit_conflicts import Editor

    desk = Editor("editor", "Jane Editor")
    story = ArticleFactory(headline="Tram line opens", draft=True)
    empty = SectionFactory(name="Trams")
    desk.open(f"/admin/articles/article/{story.pk}/change/")
    locked, done = threading.Event(), {}

    def delete_section():
        try:
            with transaction.atomic():
                held = Section.objects.select_for_update().get(pk=empty.pk)
                locked.set()
                time.sleep(0.5)  # the save has chosen it and waits
                held.delete()
            done["deleted"] = True
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=delete_section)
    thread.start()
    assert locked.wait(5)
    desk.set(section=str(empty.pk), headline="Tram line opens on Monday")
    data = {}
    for name, value in desk.fields:
        data.setdefault(name, []).append(value)
    response = desk.client.post(desk.url, {**data, "_continue": "Save"})
    thread.join(10)
    assert done.get("deleted")
    # It was a 500 at the commit (the foreign key), and the edit was lost.
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["section"] == ["This section was deleted while the story was being "
                                      "saved. Choose another; nothing else was lost."]
    assert form["headline"].value() == "Tram line opens on Monday"


@contextmanager
def a_story_being_saved_into_a_new_section():
    """(story, section): a story's save holding its new section, as ArticleAdminForm.clean
    and the save do, for half a second after the block begins."""
    from articles.models import Article
    from core.rowlocks import still_there
    from tests.factories import SectionFactory

    story = ArticleFactory(headline="Tram line opens", draft=True)
    empty = SectionFactory(name="Trams")
    locked, done = threading.Event(), {}

    def save_story():
        try:
            with transaction.atomic():
                assert still_there(empty)
                locked.set()
                time.sleep(0.5)
                Article.objects.filter(pk=story.pk).update(section=empty)
            done["saved"] = True
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=save_story)
    thread.start()
    assert locked.wait(5)
    yield story, empty
    thread.join(10)
    assert done.get("saved")
    assert Article.objects.get(pk=story.pk).section_id == empty.pk


PROTECTED = "would require deleting the following protected related objects"


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["its page", "delete selected"])
def test_a_section_a_story_is_being_saved_into_is_protected_from_deletion(how):
    from tests.test_edit_conflicts import Editor

    deleting = Editor("editor", "Jane Editor")
    with a_story_being_saved_into_a_new_section() as (_, section):
        if how == "its page":
            response = deleting.client.post(f"/admin/articles/section/{section.pk}/delete/",
                                            {"post": "yes"})
        else:
            response = deleting.client.post("/admin/articles/section/", {
                "action": "delete_selected", "_selected_action": [section.pk], "post": "yes"})
    # It was a 500 at the commit: the deletion had found nothing protecting the section
    # ("Delete selected" ran outside a transaction, so nothing was locked).
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Cannot delete section" in page and PROTECTED in page


# Review of the above: no deadlock, the bulk deletion too ----------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_merge_and_a_save_adding_a_related_story_do_not_deadlock():
    from taggit.models import Tag

    from articles import admin as story_admin
    from articles.models import Article, RelatedArticle

    other = ArticleFactory(headline="Older story")  # the lower id: the merge locks it first
    story = ArticleFactory(headline="Museum night")
    other.tags.add("Museums")
    story.tags.add("Museums")
    locked, done = threading.Event(), {}

    def save_story():  # its row held; at its commit, the related story's key is checked
        try:
            with transaction.atomic():
                held = Article.objects.select_for_update().get(pk=story.pk)
                locked.set()
                time.sleep(0.5)
                RelatedArticle.objects.create(from_article=held, to_article=other, position=1)
            done["saved"] = True
        except Exception as error:  # noqa: BLE001 (the deadlock, reported below)
            done["error"] = repr(error)
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=save_story)
    thread.start()
    assert locked.wait(5)
    story_admin._merge_tags(list(Tag.objects.filter(name="Museums")), "Culture notes")
    thread.join(10)
    assert done == {"saved": True}  # it was DeadlockDetected
    assert sorted(story.tags.names()) == sorted(other.tags.names()) == ["Culture notes"]
    assert RelatedArticle.objects.filter(from_article=story, to_article=other).exists()
