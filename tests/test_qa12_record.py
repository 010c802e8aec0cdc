"""QA round 12, the newsroom's record and its background tasks.

Staff actions that change something are on the admin's record (LogEntry): the task queue's
"Queue again" wrote nothing.
"""

import re
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from core import pagecache, redis_cache
from core.mail import queue_email
from tests.articles.newsroom import staff
from tests.factories import ArticleFactory, UserFactory
from tests.redis_server import RedisServer
from tests.newsletter import conftest as newsletter_fixtures
from tests.tasks import DATABASE_QUEUE, failed_email, run_due_tasks

TASKS = "/admin/django_tasks_database/dbtaskresult/"
# The newsletter's stories and clock (tests/newsletter/conftest.py).
clock, newsroom = newsletter_fixtures.clock, newsletter_fixtures.newsroom


@pytest.fixture
def root(client, transactional_db):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def queue_again(client, *results):
    return client.post(TASKS, {"action": "queue_again", "index": "0", "select_across": "0",
                               "_selected_action": [str(r.pk) for r in results]}, follow=True)


def task_entries():
    kind = ContentType.objects.get_for_model(DBTaskResult)
    return {(entry.object_id, entry.action_flag, entry.user.username, entry.get_change_message())
            for entry in LogEntry.objects.filter(content_type=kind)}


def test_a_task_queued_again_is_on_the_record_of_both_tasks(flaky_mail, client, root):
    failed = failed_email()
    queue_again(client, failed)
    again = DBTaskResult.objects.get(status="READY")
    assert task_entries() == {
        (str(failed.pk), CHANGE, "root", f"Queued again as {again.pk}."),
        (str(again.pk), ADDITION, "root", f"Queued again from {failed.pk}."),
    }
    # Each task's history page shows it.
    page = client.get(f"{TASKS}{failed.pk}/history/").content.decode()
    assert f"Queued again as {again.pk}." in page and "root" in page

    # A second click queues nothing, and records nothing.
    queue_again(client, failed)
    assert len(task_entries()) == 2


def test_an_abandoned_task_marked_failed_and_queued_again_says_both(flaky_mail, client, root):
    queue_email("Welcome", "Hello.", ["bo@example.org"])
    left = DBTaskResult.objects.get()
    DBTaskResult.objects.filter(pk=left.pk).update(
        status="RUNNING", started_at=timezone.now() - timedelta(minutes=31))
    queue_again(client, left)
    again = DBTaskResult.objects.get(status="READY")
    assert (str(left.pk), CHANGE, "root", "Marked failed (left unfinished by a worker) and "
            f"queued again as {again.pk}.") in task_entries()


def test_tasks_left_as_they_were_are_not_on_the_record(flaky_mail, client, root):
    queue_email("Subject", "Body", ["a@example.org"])
    queue_again(client, DBTaskResult.objects.get())  # waiting: left alone
    assert task_entries() == set()


# A task queued in a transaction that rolls back -------------------------------------------------


class Refused(Exception):
    """What rolls the editor's transaction back."""


@pytest.fixture
def redis_site(settings, tmp_path, monkeypatch):
    """The page cache on a redis-server of the test's own, tasks in the database queue."""
    server = RedisServer(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {"BACKEND": "core.redis_cache.RedisCache", "LOCATION": f"{server.url}/0"},
        "security": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                     "LOCATION": f"qa12-{tmp_path.name}"},
    }
    settings.TASKS = DATABASE_QUEUE
    settings.PAGE_CACHE_ENABLED = True
    pagecache._local.clear()
    pagecache._log.clear()
    monkeypatch.setattr(redis_cache, "RETRY_AFTER", 0.2)
    # Back with what it held, as a Redis that hung or was cut off comes back.
    monkeypatch.setattr(redis_cache, "EMPTY_IF_RESTARTED", "return 0")
    yield server
    server.stop()


@contextmanager
def another_process():
    """What runs inside is another process's (its own record of the outage), which then ends."""
    shared = caches["default"]
    this_process = shared._outage
    shared._outage = redis_cache._Outage()
    shared._outage.alias = this_process.alias
    try:
        yield
    finally:
        shared._outage = this_process


def emptying_tasks():
    return list(DBTaskResult.objects.filter(task_path=redis_cache.empty_after_outage.module_path)
                .values_list("status", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_save_rolled_back_in_an_outage_does_not_lose_the_emptying_of_a_later_takedown(
        client, redis_site):
    """The first write lost in an outage queued the emptying task inside the transaction it was
    lost in, and marked it queued for the whole outage: rolled back, the task went with it, and
    a story taken down afterwards in the same process (a command) was served on by every other
    process once Redis was back."""
    story = ArticleFactory(slug="harbour", published_at=timezone.now() - timedelta(hours=1))
    client.get("/articles/harbour/")
    assert client.get("/articles/harbour/")["X-Page-Cache"] == "hit"
    redis_site.save()
    redis_site.stop()

    with another_process():
        with pytest.raises(Refused), transaction.atomic():
            story.headline = "Harbour closes"
            story.save()  # its stamp is lost
            raise Refused
        # Nothing is queued for a change that never happened.
        assert emptying_tasks() == []
        story.refresh_from_db()
        story.status = Article.Status.DRAFT
        story.save()
        assert emptying_tasks() == ["READY"]

    redis_site.start()  # with what it held: this process never noticed the outage
    run_due_tasks()
    for _ in range(3):
        assert client.get("/articles/harbour/").status_code == 404
    assert emptying_tasks() == ["SUCCESSFUL"]


@pytest.mark.django_db(transaction=True)
def test_a_write_lost_in_a_transaction_queues_the_emptying_when_it_commits(client, redis_site):
    story = ArticleFactory(slug="harbour", published_at=timezone.now() - timedelta(hours=1))
    client.get("/articles/harbour/")
    redis_site.save()
    redis_site.stop()
    with another_process():
        with transaction.atomic():
            story.status = Article.Status.DRAFT
            story.save()
            assert emptying_tasks() == []  # not before the takedown is there to read
        assert emptying_tasks() == ["READY"]
        caches["default"].set("another", "lost too", 60)
        assert emptying_tasks() == ["READY"]  # once an outage
    redis_site.start()
    run_due_tasks()
    assert client.get("/articles/harbour/").status_code == 404


# Deleting a story locks its row once -------------------------------------------------------------

STORIES = "/admin/articles/article/"
# The lock a story's deletion takes on its row (SQLite leaves out FOR UPDATE, and runs it).
STORY_LOCK = re.compile(r'^SELECT "articles_article"\."id" AS "pk" FROM "articles_article" '
                        r'WHERE "articles_article"\."id" IN \(.*\) ORDER BY 1 ASC( FOR UPDATE)?$')


def story_locks(queries):
    return [query["sql"] for query in queries.captured_queries if STORY_LOCK.match(query["sql"])]


@pytest.mark.django_db
def test_a_story_deleted_from_its_page_is_locked_once(editor):
    """ArticleAdmin locked the row before checking its records, then the delete confirmation
    locked it again: one query too many, in the same transaction. (Counted by its locks: the
    whole request's count depends on what earlier tests left in Django's caches.)"""
    story = ArticleFactory(draft=True)
    with CaptureQueriesContext(connection) as queries:
        response = editor.post(f"{STORIES}{story.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Article.objects.filter(pk=story.pk).exists()
    assert len(story_locks(queries)) == 1


@pytest.mark.django_db
def test_the_page_asking_to_confirm_a_deletion_locks_nothing(editor):
    """Held while the page counted the story's comments, a comment posted meanwhile waited."""
    story = ArticleFactory(draft=True)
    with CaptureQueriesContext(connection) as queries:
        response = editor.get(f"{STORIES}{story.pk}/delete/")
    assert response.status_code == 200 and "Are you sure" in response.content.decode()
    assert story_locks(queries) == []


@pytest.mark.django_db
def test_stories_deleted_together_are_locked_once_and_not_to_confirm(editor):
    stories = [ArticleFactory(draft=True) for _ in range(3)]
    chosen = {"action": "delete_selected", "index": "0", "select_across": "0",
              "_selected_action": [str(story.pk) for story in stories]}
    with CaptureQueriesContext(connection) as queries:
        response = editor.post(STORIES, chosen)
    assert response.status_code == 200 and "Are you sure" in response.content.decode()
    assert story_locks(queries) == []
    with CaptureQueriesContext(connection) as queries:
        response = editor.post(STORIES, {**chosen, "post": "yes"})
    assert response.status_code == 302 and not Article.objects.exists()
    assert len(story_locks(queries)) == 1


# Any two revisions of a story compared, whichever page of its history they are on ----------------


def history_of(story, editor_user, count):
    """count more revisions of story, each with its own headline; its history, oldest first."""
    for number in range(count):
        story.headline = f"Harbour update {number}"
        story._history_user = editor_user
        story.save()
    return list(story.history.order_by("history_date", "history_id"))


@pytest.mark.django_db
def test_two_revisions_on_different_pages_of_the_history_are_compared(client):
    editor_user = staff("Editors", username="editor")
    client.force_login(editor_user)
    story = ArticleFactory(headline="Harbour opens")
    revisions = history_of(story, editor_user, 105)  # 106: two pages of 100
    oldest, newest = revisions[0], revisions[-1]
    history = f"{STORIES}{story.pk}/history/"

    # Each is on a page of its own, with its number and a link to compare it with any other.
    first_page, second_page = client.get(history), client.get(f"{history}?p=2")
    compare_any = f'href="{history}compare/?from={oldest.pk}"'
    number = '<span class="revision-number">No. {}</span>'.format
    assert number(oldest.pk) in second_page.content.decode()
    assert compare_any in second_page.content.decode()
    assert number(oldest.pk) not in first_page.content.decode()
    assert number(newest.pk) in first_page.content.decode()

    # Followed: the form asks for the other, naming the latest revision's number.
    asked = client.get(f"{history}compare/", {"from": oldest.pk})
    page = asked.content.decode()
    assert asked.status_code == 200 and "Choose the other revision to compare it with." in page
    assert f'name="from" value="{oldest.pk}"' in page and f"the latest is No. {newest.pk}" in page

    compared = client.get(f"{history}compare/", {"from": oldest.pk, "to": newest.pk})
    page = compared.content.decode()
    assert compared.status_code == 200
    assert "<td>Harbour opens</td>" in page and "<td>Harbour update 104</td>" in page
    # Either order: the earlier is shown first.
    swapped = client.get(f"{history}compare/", {"from": newest.pk, "to": oldest.pk})
    assert swapped.context["older"] == oldest and swapped.context["newer"] == newest


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["x", "99999999", "-3", "1" * 30])
def test_a_number_that_is_no_revision_of_the_story_is_said_and_kept(client, typed):
    client.force_login(staff("Editors", username="editor"))
    story, other = ArticleFactory(), ArticleFactory()
    mine = story.history.get()
    for wrong in (typed, str(other.history.get().pk)):
        response = client.get(f"{STORIES}{story.pk}/history/compare/",
                              {"from": mine.pk, "to": wrong})
        page = response.content.decode()
        assert response.status_code == 404
        assert "is not the number of a revision of this story." in page
        assert f'name="to" value="{wrong}"' in page and f'name="from" value="{mine.pk}"' in page


# The edition's watcher, rolled back, looks again ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_watcher_whose_transaction_fails_still_looks_again(newsroom, settings):
    """The watcher queues its next look inside its transaction: a database error in it (SQLite
    locked past its busy timeout by an import, a deadlock) rolled the next look back with the
    rest, and the stalled edition was never queued again nor finished."""
    from newsletter import tasks
    from newsletter.models import Edition
    from tests.newsletter.conftest import EDITION, NOW
    from tests.newsletter.test_edition import subscriber

    settings.TASKS = DATABASE_QUEUE
    settings.EDITION_STALL_SECONDS = 60
    subscriber("ana@example.org", daily=True)
    edition = Edition.objects.create(scheduled_at=EDITION, watch_key="k",
                                     heartbeat_at=NOW - timedelta(seconds=61))
    locked = OperationalError("database is locked")
    with mock.patch.object(Edition, "save", side_effect=locked), \
            pytest.raises(OperationalError):
        tasks.watch_edition.call(edition.pk, "k")
    # Its batch went with the rollback; its next look did not.
    (look,) = DBTaskResult.objects.all()
    assert look.task_path == tasks.watch_edition.module_path
    assert look.args_kwargs["args"] == [edition.pk, "k"]
    assert look.run_after == NOW + timedelta(seconds=60)
    assert tasks.watch_edition.call(edition.pk, "k") == "queued 1 batch again"


@pytest.mark.django_db(transaction=True)
def test_a_watcher_that_is_not_mine_any_more_queues_no_next_look(newsroom, settings):
    from newsletter import tasks
    from newsletter.models import Edition
    from tests.newsletter.conftest import EDITION

    settings.TASKS = DATABASE_QUEUE
    edition = Edition.objects.create(scheduled_at=EDITION, watch_key="new")
    assert tasks.watch_edition.call(edition.pk, "old") == "not mine"
    assert not DBTaskResult.objects.exists()
