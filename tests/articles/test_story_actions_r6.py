"""The story list's actions and "Delete" while others work on the same stories: a bulk
action saves each story as it is when its turn comes, a deletion checks the story's
record in the transaction that deletes it, and a long run of refusals is counted."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, close_old_connections, connection
from django.db.models.signals import pre_delete
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import admin as story_admin
from articles.models import Article
from standards.models import BiasReport
from tests.articles.newsroom import LIST_URL, staff
from tests.factories import ArticleFactory, AuthorFactory, BiasReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client):
    client.force_login(staff("Editors", username="editor"))
    return client


def act(client, action, stories, query="", **data):
    return client.post(LIST_URL + query, {"action": action, "index": "0",
                                  "_selected_action": [story.pk for story in stories], **data})


def said(response):
    return [(m.level_tag, str(m)) for m in response.wsgi_request._messages]


def meanwhile(monkeypatch, first, other_save):
    """Run other_save (another editor's save) once the action has saved first: between
    the action's start and its turn at the next story."""
    save, done = Article.save, []

    def save_then_other(article, *args, **kwargs):
        save(article, *args, **kwargs)
        if article.pk == first.pk and not done:
            done.append(True)
            other_save()

    monkeypatch.setattr(Article, "save", save_then_other)


def older(**fields):
    """A story after the others in the list (newest first), so its turn comes last."""
    return ArticleFactory(published_at=timezone.now() - timedelta(hours=2), **fields)


def save_as_b(pk, **changes):
    """Editor B's save of story pk from its change form."""
    story = Article.objects.get(pk=pk)
    for name, value in changes.items():
        setattr(story, name, value)
    story._history_user = staff("Editors", username="b")
    story.save()


class TestBulkActionsMeanwhile:
    @pytest.mark.parametrize("action", ["feature", "unfeature"])
    def test_a_story_saved_meanwhile_keeps_that_save(self, desk, monkeypatch, action):
        featured = action == "unfeature"
        first = ArticleFactory(is_featured=featured)
        ninth = older(headline="Old headline", is_featured=featured)
        meanwhile(monkeypatch, first, lambda: save_as_b(
            ninth.pk, headline="New headline", status=Article.Status.DRAFT))

        act(desk, action, [first, ninth])

        ninth.refresh_from_db()
        assert ninth.headline == "New headline"
        assert ninth.status == Article.Status.DRAFT  # B's unpublish stands
        assert ninth.is_featured == (action == "feature")
        latest = ninth.history.first()
        assert (latest.history_user.username, latest.headline, latest.status) == (
            "editor", "New headline", Article.Status.DRAFT)
        desk.logout()
        assert desk.get(ninth.get_absolute_url()).status_code == 404

    def test_a_story_deleted_meanwhile_is_not_made_again(self, desk, monkeypatch):
        first, ninth = ArticleFactory(), older()
        meanwhile(monkeypatch, first, lambda: Article.objects.filter(pk=ninth.pk).delete())

        response = act(desk, "feature", [first, ninth])

        assert not Article.objects.filter(pk=ninth.pk).exists()
        assert ("success", "Featured 1 story.") in said(response)
        assert ("warning", "1 story was left out: since the list was shown, it was deleted or "
                        "no longer fits the list’s filters.") in said(response)

    def test_the_lists_filter_is_asked_again_when_its_turn_comes(self, desk, monkeypatch):
        """On the drafts, "Publish now" leaves a draft another editor scheduled meanwhile."""
        ninth, first = ArticleFactory(draft=True), ArticleFactory(draft=True)  # newest first
        later = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
        meanwhile(monkeypatch, first, lambda: save_as_b(
            ninth.pk, status=Article.Status.PUBLISHED, published_at=later))

        response = act(desk, "publish_now", [first, ninth], query="?status=draft")

        ninth.refresh_from_db()
        assert (ninth.state, ninth.published_at) == (Article.State.SCHEDULED, later)
        assert ("success", "Published 1 story.") in said(response)

    @pytest.mark.postgresql
    def test_each_story_is_locked_while_it_is_changed(self, desk):
        stories = ArticleFactory.create_batch(2)
        with CaptureQueriesContext(connection) as queries:
            act(desk, "feature", stories)
        locked = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
        assert len(locked) == 2 and all('"articles_article"' in sql for sql in locked)


class TestRefusalsCounted:
    def test_five_are_named_and_the_rest_counted(self, desk):
        persona = AuthorFactory(ai=True)
        for number in range(8):
            ArticleFactory(draft=True, author=persona, ai_involvement="generated",
                           headline=f"Unreviewed {number}")

        response = act(desk, "publish_now", Article.objects.order_by("pk"))

        errors = [text for level, text in said(response) if level == "error"]
        assert len(errors) == 6
        # In the list's order, newest first.
        assert errors[0].startswith("Not published: “Unreviewed 7”: ")
        assert errors[4].startswith("Not published: “Unreviewed 3”: ")
        assert errors[5] == "Not published either: 3 more stories that need changes first."
        assert not Article.objects.published().exists()


def public_with_a_report():
    story = ArticleFactory(headline="Ferry strike ends")
    BiasReportFactory(article=story)
    return story


DELETIONS = {
    "delete_view": lambda client, story: client.post(
        f"/admin/articles/article/{story.pk}/delete/", {"post": "yes"}),
    "delete_selected": lambda client, story: act(client, "delete_selected", [story],
                                                 post="yes"),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("deletion", DELETIONS)
def test_the_record_is_checked_in_the_transaction_that_deletes(monkeypatch, deletion):
    client = Client()
    client.force_login(staff("Editors", username="editor"))
    story = ArticleFactory()
    check, seen = story_admin.public_with_records, {}

    def checked(stories):
        seen["check"] = connection.atomic_blocks[:1]
        return check(stories)

    def deleting(sender, instance, **kwargs):
        seen["delete"] = connection.atomic_blocks[:1]

    monkeypatch.setattr(story_admin, "public_with_records", checked)
    pre_delete.connect(deleting, sender=Article)
    try:
        DELETIONS[deletion](client, story)
    finally:
        pre_delete.disconnect(deleting, sender=Article)

    assert not Article.objects.filter(pk=story.pk).exists()
    assert seen["check"] and seen["check"] == seen["delete"]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("deletion", DELETIONS)
def test_a_report_sent_during_the_deletion_is_never_deleted_unseen(monkeypatch, deletion):
    """A reader's report lands after the check: it waits for the deletion, then fails (the
    reader is told), instead of being confirmed and deleted with the story."""
    client = Client()
    client.force_login(staff("Editors", username="editor"))
    story = ArticleFactory()
    check, outcome = story_admin.public_with_records, {}

    def report():
        try:
            BiasReport.objects.create(article_id=story.pk, reason="loaded_language",
                                      details="Sent while the story was being deleted.")
            outcome["report"] = "confirmed"
        except IntegrityError:
            outcome["report"] = "refused"
        finally:
            close_old_connections()
            connection.close()

    def checked(stories):
        found = check(stories)
        reader = threading.Thread(target=report)
        reader.start()
        reader.join(1)  # committed at once unless the story is locked
        outcome["thread"] = reader
        return found

    monkeypatch.setattr(story_admin, "public_with_records", checked)
    DELETIONS[deletion](client, story)
    outcome["thread"].join(10)

    assert not Article.objects.filter(pk=story.pk).exists()
    assert outcome["report"] == "refused"
    assert not BiasReport.objects.exists()


@pytest.mark.parametrize("deletion", DELETIONS)
def test_a_story_with_a_report_is_still_refused(desk, deletion):
    story = public_with_a_report()
    DELETIONS[deletion](desk, story)
    assert Article.objects.filter(pk=story.pk).exists()
    assert BiasReport.objects.filter(article=story).count() == 1
