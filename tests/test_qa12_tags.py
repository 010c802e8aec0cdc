"""QA round 12, tags: an editor adding tags to stories while another edits the tags."""

import threading
from contextlib import contextmanager

import pytest
from django.db.models.signals import m2m_changed, post_delete
from taggit.models import Tag

from articles.models import Article
from tests.factories import ArticleFactory
from tests.test_edit_conflicts import Editor
from tests.test_qa11_races import in_thread, waiting_on_a_lock

# A tag deleted or merged in the tag list while a story's save adds it --------------------------


@contextmanager
def paused_at(signal, sender, when=lambda **kwargs: True):
    """(reached, go): the first sending of signal by sender that `when` takes sets reached,
    and waits for go."""
    reached, go = threading.Event(), threading.Event()

    def hold(**kwargs):
        if when(**kwargs) and not reached.is_set():
            reached.set()
            go.wait(10)

    signal.connect(hold, sender=sender, dispatch_uid="qa12-paused", weak=False)
    try:
        yield reached, go
    finally:
        go.set()
        signal.disconnect(sender=sender, dispatch_uid="qa12-paused")


def _adding_ferries():
    """A story being given the tag "Ferries", which another story carries; its editor."""
    ArticleFactory(headline="Ferries resume", tags=["Ferries"])
    story = ArticleFactory(headline="Quay rebuilt", tags=["Harbours"])
    writing = Editor("first", "First Editor")
    writing.client.raise_request_exception = False
    writing.open(f"/admin/articles/article/{story.pk}/change/")
    writing.set(tags="Harbours, Ferries")
    deleting = Editor("second", "Second Editor")
    deleting.client.raise_request_exception = False
    return story, writing, deleting


def _tags_added(action, **kwargs):
    return action == "post_add"


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_tag_deleted_while_a_story_save_adds_it_waits_for_the_save():
    story, writing, deleting = _adding_ferries()
    ferries = Tag.objects.get(name="Ferries")
    saved, deleted = {}, {}
    with paused_at(m2m_changed, Article.tags.through, _tags_added) as (added, go):
        saving = in_thread(writing.save, saved)
        assert added.wait(10), saved
        removing = in_thread(lambda: deleting.client.post(
            f"/admin/taggit/tag/{ferries.pk}/delete/", {"post": "yes"}), deleted)
        # The deletion waits for the story's save, which holds the tag.
        assert waiting_on_a_lock(unless=removing), deleted
        go.set()
        saving.join(15)
        removing.join(15)
    # It was a 500 at the story's commit (articles' tagging named a tag no longer there), or
    # at the deletion's, whichever committed second.
    assert saved["result"].status_code == 302, saved
    assert deleted["result"].status_code == 302, deleted
    assert not Tag.objects.filter(name="Ferries").exists()
    assert list(story.tags.names()) == ["Harbours"]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", ["deleted", "merged"])
def test_a_story_saved_while_a_tag_it_adds_is_deleted_is_told_so_and_keeps_what_was_typed(
        change):
    from tests.articles.test_tag_admin_r6 import MERGE, chosen_on, merge_page

    story, writing, deleting = _adding_ferries()
    ferries = Tag.objects.get(name="Ferries")
    if change == "deleted":
        def change_tags():
            return deleting.client.post(f"/admin/taggit/tag/{ferries.pk}/delete/",
                                        {"post": "yes"})
        message = ("The tag “Ferries” was deleted while this story was being saved, so it "
                   "was not saved. Save again to make it a new tag, or take it out of the "
                   "tags; nothing else was lost.")
    else:
        merging = Editor("third", "Third Editor", None)
        merging.client.raise_request_exception = False
        page = merge_page(merging.client, ferries)

        def change_tags():
            return merging.client.post(MERGE, {"into": "Boats", "tags": chosen_on(page)})
        message = ("The tag “Ferries” was merged into “Boats” while this story was being "
                   "saved, so it was not saved. Save again to make “Ferries” a new tag, or "
                   "type “Boats” instead; nothing else was lost.")
    headline = writing.value("headline")
    writing.set(headline=f"{headline}, again")
    saved, changed = {}, {}
    with paused_at(post_delete, Tag) as (gone, go):
        changing = in_thread(change_tags, changed)
        assert gone.wait(10), changed
        saving = in_thread(writing.save, saved)
        # The story's save waits for the tag's deletion to end.
        assert waiting_on_a_lock(unless=saving), saved
        go.set()
        changing.join(15)
        saving.join(15)
    assert changed["result"].status_code == 302, changed
    # It was a 500 at the story's commit: its tagging named the tag deleted meanwhile.
    response = saved["result"]
    assert response.status_code == 200, saved
    assert response.context["adminform"].form.errors["tags"] == [message]
    assert writing.value("tags") == "Harbours, Ferries"
    assert writing.value("headline") == f"{headline}, again"
    story.refresh_from_db()
    assert story.headline == headline
    # Saved again, the story makes the tag anew.
    assert writing.save().status_code == 302
    assert sorted(story.tags.names()) == ["Ferries", "Harbours"]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("change", ["deleted", "merged"])
def test_a_tag_deleted_or_merged_while_the_import_files_a_story_in_it_takes_that_story_too(
        tmp_path, monkeypatch, change):
    from articles import importer
    from tests.articles.test_tag_admin_r6 import MERGE, chosen_on, merge_page
    from tests.factories import AuthorFactory
    from tests.test_qa11_name_races import harbour_story

    AuthorFactory(name="Li Wei", slug="li-wei")
    ArticleFactory(headline="Ferries resume", tags=["Ferries"])
    ferries = Tag.objects.get(name="Ferries")
    plan = importer.validate(harbour_story(tags=["Ferries"]), tmp_path)
    editor = Editor("second", "Second Editor", None)
    editor.client.raise_request_exception = False
    if change == "deleted":
        def change_tags():
            return editor.client.post(f"/admin/taggit/tag/{ferries.pk}/delete/",
                                      {"post": "yes"})
    else:
        page = merge_page(editor.client, ferries)

        def change_tags():
            return editor.client.post(MERGE, {"into": "Boats", "tags": chosen_on(page)})
    tagged, go = threading.Event(), threading.Event()
    save_related = importer._save_related

    def paused(plan, saved):  # the story's taggings are written, the commit to come
        tagged.set()
        go.wait(10)
        return save_related(plan, saved)

    monkeypatch.setattr(importer, "_save_related", paused)
    imported, changed = {}, {}
    try:
        importing = in_thread(lambda: importer.write(plan), imported)
        assert tagged.wait(10), imported
        changing = in_thread(change_tags, changed)
        # The deletion or merge waits for the import, which holds the tag.
        assert waiting_on_a_lock(unless=changing), changed
    finally:
        go.set()
    importing.join(15)
    changing.join(15)
    assert "error" not in imported, imported.get("error")
    # It was a 500 at the deletion's commit: it had read the tag's taggings before the
    # import's, and removed the tag from under it.
    assert changed["result"].status_code == 302, changed
    story = Article.objects.get(slug="ferry-times")
    assert list(story.tags.names()) == ([] if change == "deleted" else ["Boats"])
    assert not Tag.objects.filter(name="Ferries").exists()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_story_saved_with_its_tag_while_the_tag_is_deleted_does_not_deadlock():
    from django.db import connections

    story = ArticleFactory(headline="Ferries resume", tags=["Ferries", "Harbours"])
    ferries = Tag.objects.get(name="Ferries")
    writing = Editor("first", "First Editor")
    writing.client.raise_request_exception = False
    writing.open(f"/admin/articles/article/{story.pk}/change/")
    writing.set(headline="Ferries resume on Monday")
    deleting = Editor("second", "Second Editor")
    deleting.client.raise_request_exception = False
    saved, deleted = {}, {}
    # Another save holds the story: the story's save waits for it, then the deletion does.
    holding = connections.create_connection("default")
    try:
        with holding.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(f"SELECT 1 FROM {Article._meta.db_table} WHERE id = %s FOR UPDATE",
                           [story.pk])
        saving = in_thread(writing.save, saved)
        assert waiting_on_a_lock(unless=saving), saved
        removing = in_thread(lambda: deleting.client.post(
            f"/admin/taggit/tag/{ferries.pk}/delete/", {"post": "yes"}), deleted)
        assert waiting_on_a_lock(2, unless=removing), deleted
        with holding.cursor() as cursor:
            cursor.execute("ROLLBACK")
    finally:
        holding.close()
    saving.join(15)
    removing.join(15)
    # The deletion held the tag and waited for the story, whose save held the story and
    # waited for the tag: a deadlock, one of the two a 500.
    assert saved["result"].status_code == 302, saved
    assert deleted["result"].status_code == 302, deleted
    story.refresh_from_db()
    assert story.headline == "Ferries resume on Monday"
    assert list(story.tags.names()) == ["Harbours"]

