"""QA round 12, tags: an editor adding tags to stories while another edits the tags."""

import threading
from contextlib import contextmanager

import pytest
from django.db.models.signals import m2m_changed, post_delete
from django.utils.http import urlencode
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
    elif change == "merged":
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
@pytest.mark.parametrize("first", ["rename", "story"])
def test_a_tag_renamed_while_a_story_save_adds_it_is_on_the_story_under_its_new_name(first):
    from django.db.models.signals import post_save, pre_save

    story, writing, renaming = _adding_ferries()
    ferries = Tag.objects.get(name="Ferries")
    renaming.open(f"/admin/taggit/tag/{ferries.pk}/change/")
    saved, renamed = {}, {}
    if first == "rename":
        # The rename is written, not yet committed, when the story's save reads its tags.
        def save_first():
            return renaming.save(name="Ferry services")
        first_done, then, model, signal = renamed, writing.save, Tag, post_save
    else:
        # The story's form is checked, its tags not yet written, when the tag is renamed.
        first_done, then, model, signal = saved, lambda: renaming.save(
            name="Ferry services"), Article, pre_save
        save_first = writing.save
    second_done = saved if first == "rename" else renamed
    with paused_at(signal, model) as (reached, go):
        going = in_thread(save_first, first_done)
        assert reached.wait(10), first_done
        waiting = in_thread(then, second_done)
        assert waiting_on_a_lock(unless=waiting), second_done
        go.set()
        going.join(15)
        waiting.join(15)
    assert renamed["result"].status_code == 302, renamed
    assert saved["result"].status_code == 302, saved
    # It was a second tag "Ferries" (/tags/ferries_1/) on the story, the rename committed
    # between the story's form and its tags: they are written by name.
    assert sorted(story.tags.names()) == ["Ferry services", "Harbours"]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Ferry services", "Harbours"]


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
@pytest.mark.parametrize("how", ["delete page", "delete selected"])
def test_a_story_saved_with_its_tag_while_the_tag_is_deleted_does_not_deadlock(how):
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
            f"/admin/taggit/tag/{ferries.pk}/delete/", {"post": "yes"})
            if how == "delete page" else deleting.client.post("/admin/taggit/tag/", {
                "action": "delete_selected", "_selected_action": [ferries.pk],
                "post": "yes"}), deleted)
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


# A tag typed with other punctuation than the site's ("U.S." beside "US") ----------------------


def _story_form(tags):
    story = ArticleFactory(headline="Quay rebuilt", tags=["Harbours"])
    writing = Editor("first", "First Editor")
    writing.open(f"/admin/articles/article/{story.pk}/change/")
    return story, writing, writing.save(tags=tags)


@pytest.mark.django_db
@pytest.mark.parametrize("typed, on_site, slug", [("U.S.", "US", "us"), ("A.I.", "AI", "ai"),
                                                  ("e mail", "E-mail", "e-mail")])
def test_a_tag_typed_with_other_punctuation_than_the_site_s_is_refused_naming_it(
        typed, on_site, slug):
    ArticleFactory(headline="Ferries resume", tags=[on_site])
    story, writing, response = _story_form(f"Harbours, {typed}")
    # It was saved as a second tag, "{typed}", at /tags/{slug}_1/.
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["tags"] == [
        f"“{typed}” would have the address of the tag “{on_site}”, /tags/{slug}/, as a tag’s "
        f"address keeps only its letters and digits. Type “{on_site}” to use that tag, or add "
        f"“{typed}” in the tag list with a slug of its own first."]
    assert writing.value("tags") == f"Harbours, {typed}"
    assert sorted(Tag.objects.values_list("slug", flat=True)) == sorted(["harbours", slug])
    assert list(story.tags.names()) == ["Harbours"]
    # Typed as the site has it, it is that tag.
    assert writing.save(tags=f"Harbours, {on_site}").status_code == 302
    assert sorted(story.tags.names()) == sorted(["Harbours", on_site])


@pytest.mark.django_db
def test_two_new_tags_with_one_address_in_one_story_are_refused():
    story, writing, response = _story_form("US, U.S., Harbours")
    # It was two tags, "U.S." at /tags/us/ and "US" at /tags/us_1/.
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["tags"] == [
        "“US” and “U.S.” would have one address, /tags/us/, as a tag’s address keeps only "
        "its letters and digits. Keep one of them."]
    assert list(Tag.objects.values_list("name", flat=True)) == ["Harbours"]


def _imported(tmp_path, *tag_lists):
    from articles import importer
    from tests.factories import AuthorFactory

    AuthorFactory(name="Li Wei", slug="li-wei")
    data = {"articles": [
        {"slug": f"story-{number}", "headline": f"Story {number}", "body": "Words.",
         "section": "World", "author": "li-wei", "tags": tags}
        for number, tags in enumerate(tag_lists, start=1)]}
    with pytest.raises(importer.ImportFailed) as refused:
        importer.write(importer.validate(data, tmp_path))
    return [str(problem) for problem in refused.value.problems]


@pytest.mark.django_db
def test_the_import_refuses_a_tag_with_the_address_of_one_on_the_site(tmp_path):
    ArticleFactory(headline="Ferries resume", tags=["US"])
    # It was imported as a second tag, "U.S.", at /tags/us_1/.
    assert _imported(tmp_path, ["Harbours", "U.S."]) == [
        'article 1 (slug "story-1"): field "tags[1]": tag "U.S." would have the address of '
        'the tag "US" on the site, /tags/us/, as a tag\'s address keeps only its letters and '
        'digits: write "US" to use that tag, or add "U.S." in the tag list with a slug of its '
        "own first"]
    assert list(Tag.objects.values_list("name", flat=True)) == ["US"]
    assert Article.objects.count() == 1


@pytest.mark.django_db
def test_the_import_refuses_two_new_tags_with_one_address(tmp_path):
    # It was two tags, "Ports" at /tags/ports/ and "Ports!" at /tags/ports_1/.
    assert _imported(tmp_path, ["Ports"], ["Harbours", "Ports!"]) == [
        'article 2 (slug "story-2"): field "tags[1]": tags "Ports" and "Ports!" in this file '
        "would have one address, /tags/ports/, as a tag's address keeps only its letters and "
        "digits: write one of them"]
    assert not Tag.objects.exists()
    assert not Article.objects.exists()


@pytest.mark.django_db
def test_tags_merged_into_a_new_name_at_another_tag_s_address_are_refused():
    from tests.articles.test_tag_admin_r6 import MERGE, chosen_on, merge_page

    ArticleFactory(headline="Ferries resume", tags=["America", "US"])
    merging = Editor("third", "Third Editor", None)
    page = merge_page(merging.client, Tag.objects.get(name="America"))
    response = merging.client.post(MERGE, {"into": "U.S.", "tags": chosen_on(page)})
    # It merged "America" into a new tag "U.S." at /tags/us_1/.
    assert response.status_code == 400
    assert response.context["form"].errors["into"] == [
        "“U.S.” would have the address of the tag “US”, /tags/us/, as a tag’s address keeps "
        "only its letters and digits. Type “US” to use that tag, or add “U.S.” in the tag list "
        "with a slug of its own first."]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["America", "US"]


# The story list's "Choose another tag…" keeps the list's other filters -------------------------


def _links(page, name):
    import html
    import re

    return [html.unescape(href) for href in re.findall(
        rf'<a href="([^"]*)"[^>]*>{re.escape(name)}</a>', page.content.decode())]


@pytest.mark.django_db
def test_choosing_another_tag_keeps_the_story_list_s_other_filters(editor):
    from tests.factories import SectionFactory

    harbour = SectionFactory(name="Harbour")
    ArticleFactory(headline="Ferry timetable", section=harbour, tags=["Ferries"], draft=True)
    ArticleFactory(headline="Ferry fares", section=harbour, tags=["Fares"], draft=True)
    ArticleFactory(headline="Ferry fares rise", tags=["Fares"])
    kept = f"q=ferry&section__id__exact={harbour.pk}&status=draft"
    stories = editor.get(f"/admin/articles/article/?{kept}&tag=ferries")
    # It was "/admin/taggit/tag/": the section, the state and the search were dropped.
    [choose] = _links(stories, "Choose another tag…")
    assert choose == f"/admin/taggit/tag/?{urlencode({'for_list': kept})}"
    tags = editor.get(choose)
    assert tags.status_code == 200
    assert f"/admin/articles/article/?{kept}&tag=fares" in _links(tags, "Its stories")
    # Searched, sorted or paged, the tag list still carries them.
    searched = editor.get(f"{choose}&q=fare")
    assert searched.status_code == 200
    assert _links(searched, "Its stories") == [f"/admin/articles/article/?{kept}&tag=fares"]
    assert f'<input type="hidden" name="for_list" value="{kept.replace("&", "&amp;")}">' in (
        searched.content.decode())
    listed = editor.get(f"/admin/articles/article/?{kept}&tag=fares")
    assert listed.status_code == 200
    page = listed.content.decode()
    assert "Ferry fares" in page and "Ferry fares rise" not in page
    assert "Ferry timetable" not in page


@pytest.mark.django_db
def test_a_tag_list_opened_alone_links_to_each_tag_s_stories_alone(editor):
    ArticleFactory(headline="Ferry fares", tags=["Fares"])
    assert _links(editor.get("/admin/articles/article/"), "Choose a tag…") == [
        "/admin/taggit/tag/"]
    assert _links(editor.get("/admin/taggit/tag/"), "Its stories") == [
        "/admin/articles/article/?tag=fares"]


@pytest.mark.django_db
def test_what_the_tag_list_carries_is_only_a_link_back(editor):
    ArticleFactory(headline="Ferry fares", tags=["Fares"])
    carried = urlencode({"for_list": 'tag=ports&status="><script>&section__id__exact=7'})
    tags = editor.get(f"/admin/taggit/tag/?{carried}")
    assert tags.status_code == 200
    assert "<script>" not in tags.content.decode()
    # The tag chosen replaces the one carried; the story list judges the rest.
    assert _links(tags, "Its stories") == [
        "/admin/articles/article/?status=%22%3E%3Cscript%3E&section__id__exact=7&tag=fares"]
