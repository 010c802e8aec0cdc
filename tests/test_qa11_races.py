"""QA round 11, two people at once on PostgreSQL: what one does while another's request or
import is under way."""

import threading

import pytest
from django.db import close_old_connections, connection, connections
from django.test import Client

from articles import importer
from articles.models import Article, RelatedArticle
from tests.articles.newsroom import staff
from tests.factories import ArticleFactory, AuthorFactory


def waiting_on_a_lock(waiting=1, unless=None, timeout=10.0):
    """Whether `waiting` other connections to the database wait on a lock, within timeout
    (and before the thread `unless`, if given, has ended).

    Polled from the test's own connection: a thread's request that has reached
    the lock it waits for shows in pg_locks as not granted.
    """
    pause = threading.Event()
    for _ in range(int(timeout / 0.05)):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
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
