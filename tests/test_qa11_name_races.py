"""QA round 11, on PostgreSQL: two saves making a section, an author or a tag with one name at
once (two editors, an editor and the import, two stories that bring one new tag)."""

import threading
from contextlib import contextmanager

import pytest
from django.db.models.signals import post_save
from taggit.models import Tag

from articles import importer
from articles.models import Article, Section
from authors.models import Author
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory
from tests.test_edit_conflicts import Editor
from tests.test_qa11_races import in_thread, waiting_on_a_lock

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


@contextmanager
def first_made_paused(model):
    """(made, go): the first row of model made stops before its commit, sets made and waits
    for go."""
    made, go = threading.Event(), threading.Event()

    def hold(sender, instance, created, **kwargs):
        if created and not made.is_set():
            made.set()
            go.wait(10)

    post_save.connect(hold, sender=model, dispatch_uid="qa11-first-made")
    try:
        yield made, go
    finally:
        go.set()
        post_save.disconnect(dispatch_uid="qa11-first-made")


def adding(username, url, **fields):
    editor = Editor(username, f"{username.title()} Editor", None)
    editor.client.raise_request_exception = False
    editor.open(url)
    editor.set(**fields)
    return editor


def while_the_first_is_saved(model, first_save, second_save):
    """Run first_save until its row is made, then second_save until it waits on a lock; then
    let both end. Their outcomes."""
    first, second = {}, {}
    with first_made_paused(model) as (made, go):
        saving = in_thread(first_save, first)
        assert made.wait(10), first
        answering = in_thread(second_save, second)
        assert waiting_on_a_lock(unless=answering), second
        go.set()
        saving.join(15)
        answering.join(15)
    assert "error" not in first, first.get("error")
    return first["result"], second


# Two editors adding one section, author or tag in the admin ----------------------------------

ADDED = {  # model: (its add page, the first's fields, the second's, the second's error)
    "section": (Section, "/admin/articles/section/add/",
                {"name": "Harbour", "slug": "harbour", "position": "3"},
                {"name": "HARBOUR", "slug": "harbour-news", "position": "4"},
                ("name", "There is already a section “Harbour”: in another case, a name is the "
                         "same section to readers. Use that section instead.")),
    "section slug": (Section, "/admin/articles/section/add/",
                     {"name": "Harbour", "slug": "harbour", "position": "3"},
                     {"name": "Ports", "slug": "harbour", "position": "4"},
                     ("slug", "The section “Harbour” has the slug “harbour”, and each section "
                              "needs its own address. Choose another slug.")),
    "author": (Author, "/admin/authors/author/add/",
               {"name": "Mara Ellison", "slug": "mara-ellison", "title": "Reporter"},
               {"name": "mara ellison", "slug": "mara-e", "title": "Harbour reporter"},
               ("name", "There is already an author “Mara Ellison”: in another case, a name is "
                        "the same author to readers. Use that author instead.")),
    "author slug": (Author, "/admin/authors/author/add/",
                    {"name": "Mara Ellison", "slug": "mara", "title": "Reporter"},
                    {"name": "Mara Ward", "slug": "mara", "title": "Harbour reporter"},
                    ("slug", "Author with this Slug already exists.")),
    "tag": (Tag, "/admin/taggit/tag/add/", {"name": "Ferries", "slug": "ferries"},
            {"name": "FERRIES", "slug": "ferries-2"},
            ("name", "There is already a tag “Ferries”: in another case, a name is the same "
                     "tag to readers. Use that tag instead.")),
    "tag slug": (Tag, "/admin/taggit/tag/add/", {"name": "Ferries", "slug": "ferries"},
                 {"name": "Boats", "slug": "ferries"},
                 ("slug", "The tag “Ferries” has the slug “ferries”: two tags’ slugs must "
                          "differ in more than capitals. Choose another slug.")),
}


@pytest.mark.parametrize("case", ADDED)
def test_the_second_of_two_editors_adding_one_name_at_once_is_told_so(case):
    model, url, typed_first, typed_second, (field, error) = ADDED[case]
    first, second = adding("first", url, **typed_first), adding("second", url, **typed_second)
    saved, answered = while_the_first_is_saved(model, first.save, second.save)
    assert saved.status_code == 302
    # It was a 500 at the second's INSERT (the unique index), and what they typed was lost.
    response = answered["result"]
    assert response.status_code == 200, answered
    assert response.context["adminform"].form.errors[field] == [error]
    for name, value in typed_second.items():
        assert second.value(name) == value
    assert model.objects.get().name == typed_first["name"]


# Two stories saved at once, both bringing one new tag -----------------------------------------


def test_two_stories_saved_at_once_with_one_new_tag_both_keep_it():
    stories = [ArticleFactory(headline=f"Story {n}", tags=["Harbours"]) for n in (1, 2)]
    first, second = (Editor(name, f"{name.title()} Editor") for name in ("first", "second"))
    for editor, story, typed in ((first, stories[0], "Harbours, Ferries"),
                                 (second, stories[1], "harbours, ferries")):
        editor.client.raise_request_exception = False
        editor.open(f"/admin/articles/article/{story.pk}/change/")
        editor.set(tags=typed)
    saved, answered = while_the_first_is_saved(Tag, first.save, second.save)
    assert saved.status_code == 302
    # It was a 500 at the second story's new tag (the name's unique index).
    assert answered["result"].status_code == 302, answered
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Ferries", "Harbours"]
    for story in stories:
        assert sorted(story.tags.names()) == ["Ferries", "Harbours"]


# Tags merged into a name a story is bringing at once -----------------------------------------


def test_tags_merged_into_a_new_name_a_story_is_bringing_are_merged_into_its_tag():
    from tests.articles.test_tag_admin_r6 import MERGE, chosen_on, merge_page

    ArticleFactory(headline="Ports reopen", tags=["Ports"])
    ArticleFactory(headline="Harbours dredged", tags=["Harbours"])
    story = ArticleFactory(headline="Quay rebuilt")
    writing = Editor("first", "First Editor")
    writing.open(f"/admin/articles/article/{story.pk}/change/")
    writing.set(tags="Waterfront")
    merging = Editor("second", "Second Editor", None)
    page = merge_page(merging.client, *Tag.objects.filter(name__in=["Ports", "Harbours"]))
    saved, merged = while_the_first_is_saved(Tag, writing.save, lambda: merging.client.post(
        MERGE, {"into": "waterfront", "tags": chosen_on(page)}))
    assert saved.status_code == 302
    assert merged["result"].status_code == 302, merged
    # It was a second tag, "waterfront" (slug "waterfront_1"), beside the story's "Waterfront".
    assert list(Tag.objects.values_list("name", flat=True)) == ["Waterfront"]
    assert Article.objects.filter(tags__name="Waterfront").count() == 3


def test_a_story_bringing_a_tag_and_a_merge_into_it_waiting_on_the_story_both_go_through():
    from django.db import connections

    from tests.articles.test_tag_admin_r6 import MERGE, chosen_on, merge_page

    story = ArticleFactory(headline="Ports reopen", tags=["Ports"])
    ArticleFactory(headline="Harbours dredged", tags=["Harbours"])
    writing = Editor("first", "First Editor")
    writing.client.raise_request_exception = False
    writing.open(f"/admin/articles/article/{story.pk}/change/")
    writing.set(tags="Ports, Waterfront")
    merging = Editor("second", "Second Editor", None)
    merging.client.raise_request_exception = False
    page = merge_page(merging.client, *Tag.objects.filter(name__in=["Ports", "Harbours"]))
    saved, merged = {}, {}
    # Another save holds the story: the story's save waits for it, then the merge does.
    holding = connections.create_connection("default")
    try:
        with holding.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(f"SELECT 1 FROM {Article._meta.db_table} WHERE id = %s FOR UPDATE",
                           [story.pk])
        saving = in_thread(writing.save, saved)
        assert waiting_on_a_lock(unless=saving), saved
        merge = in_thread(lambda: merging.client.post(
            MERGE, {"into": "Waterfront", "tags": chosen_on(page)}), merged)
        assert waiting_on_a_lock(2, unless=merge), merged
        with holding.cursor() as cursor:
            cursor.execute("ROLLBACK")
    finally:
        holding.close()
    saving.join(15)
    merge.join(15)
    # It was a deadlock, one of the two a 500: the merge made the tag "Waterfront" and
    # waited for the story, whose save held it and waited to make the same tag.
    assert saved["result"].status_code == 302, saved
    assert merged["result"].status_code == 302, merged
    assert list(Tag.objects.values_list("name", flat=True)) == ["Waterfront"]
    assert list(story.tags.names()) == ["Waterfront"]


# The import and an editor making one section, tag or author at once --------------------------


def harbour_story(section="Harbour", tags=(), author="li-wei"):
    return {"articles": [{
        "slug": "ferry-times", "headline": "Ferry times change", "body": "Words.",
        "section": section, "author": author, "published_at": "2026-02-04T23:06:00Z",
        "tags": list(tags)}]}


def test_an_import_filing_a_story_in_a_section_an_editor_is_adding_uses_it(tmp_path):
    AuthorFactory(name="Li Wei", slug="li-wei")
    plan = importer.validate(harbour_story(section="HARBOUR"), tmp_path)
    editor = adding("first", "/admin/articles/section/add/", name="Harbour", slug="harbour",
                    position="3")
    saved, imported = while_the_first_is_saved(Section, editor.save,
                                               lambda: importer.write(plan))
    assert saved.status_code == 302
    # It was "could not be saved: duplicate key value violates unique constraint", nothing
    # written (the section's name, or its slug).
    assert "error" not in imported, imported["error"]
    section = Section.objects.get()
    assert section.name == "Harbour"
    assert Article.objects.get(slug="ferry-times").section == section


def test_an_import_naming_a_tag_an_editor_is_adding_uses_it(tmp_path):
    AuthorFactory(name="Li Wei", slug="li-wei")
    SectionFactory(name="Harbour")
    plan = importer.validate(harbour_story(tags=["ferries", "Timetables"]), tmp_path)
    editor = adding("first", "/admin/taggit/tag/add/", name="Ferries", slug="ferries")
    saved, imported = while_the_first_is_saved(Tag, editor.save, lambda: importer.write(plan))
    assert saved.status_code == 302
    assert "error" not in imported, imported["error"]
    story = Article.objects.get(slug="ferry-times")
    assert sorted(story.tags.names()) == ["Ferries", "Timetables"]
    assert Tag.objects.count() == 2


def test_an_editor_adding_a_tag_the_import_is_making_is_told_so(tmp_path):
    AuthorFactory(name="Li Wei", slug="li-wei")
    SectionFactory(name="Harbour")
    plan = importer.validate(harbour_story(tags=["Ferries"]), tmp_path)
    editor = adding("first", "/admin/taggit/tag/add/", name="Boats", slug="ferries")
    imported, saved = while_the_first_is_saved(Tag, lambda: importer.write(plan), editor.save)
    assert imported.created == 1
    # It was a 500: the tag admin's check of the slug did not wait for the import's tag.
    response = saved["result"]
    assert response.status_code == 200, saved
    assert response.context["adminform"].form.errors["slug"] == [
        "The tag “Ferries” has the slug “ferries”: two tags’ slugs must differ in more than "
        "capitals. Choose another slug."]
    assert list(Tag.objects.values_list("name", flat=True)) == ["Ferries"]


def test_an_import_adding_an_author_an_editor_is_adding_names_it_and_writes_nothing(tmp_path):
    SectionFactory(name="Harbour")
    plan = importer.validate(harbour_story(author={"name": "Mara Ellison"}), tmp_path)
    editor = adding("first", "/admin/authors/author/add/", name="Mara Ellison",
                    slug="mara-ellison", title="Reporter")
    saved, imported = while_the_first_is_saved(Author, editor.save,
                                               lambda: importer.write(plan))
    assert saved.status_code == 302
    # It was "could not be saved: duplicate key value violates unique constraint".
    refused = imported["error"]
    assert isinstance(refused, importer.ImportFailed), refused
    assert [str(problem) for problem in refused.problems] == [
        'article 1: author "Mara Ellison" was added by someone else '
        "while this file was checked; nothing was written: run the import again"]
    assert not Article.objects.exists()
    assert Author.objects.get().title == "Reporter"


def test_a_story_bringing_a_tag_while_the_import_replaces_it_with_that_tag_is_told_so(tmp_path):
    from django.db import connections

    li_wei = AuthorFactory(name="Li Wei", slug="li-wei")
    story = ArticleFactory(slug="ferry-times", section=SectionFactory(name="Harbour"),
                           author=li_wei, draft=True)
    plan = importer.validate(harbour_story(tags=["Waterfront"]), tmp_path)
    writing = Editor("first", "First Editor")
    writing.client.raise_request_exception = False
    writing.open(f"/admin/articles/article/{story.pk}/change/")
    writing.set(tags="Waterfront")
    imported, saved = {}, {}
    # Another save holds the story: the import waits for it, then the story's save does.
    holding = connections.create_connection("default")
    try:
        with holding.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(f"SELECT 1 FROM {Article._meta.db_table} WHERE id = %s FOR UPDATE",
                           [story.pk])
        importing = in_thread(lambda: importer.write(plan), imported)
        assert waiting_on_a_lock(unless=importing), imported
        saving = in_thread(writing.save, saved)
        assert waiting_on_a_lock(2, unless=saving), saved
        with holding.cursor() as cursor:
            cursor.execute("ROLLBACK")
    finally:
        holding.close()
    importing.join(15)
    saving.join(15)
    # It was a deadlock, one of the two failed: the import held the story and waited to
    # make the tag, which the story's save had claimed before it waited for the story.
    assert "error" not in imported, imported["error"]
    assert imported["result"].updated == 1
    response = saved["result"]
    assert response.status_code == 200, saved
    assert response.context["adminform"].form.non_field_errors()[0].startswith(
        "Someone else saved this article after you opened it")
    assert writing.value("tags") == "Waterfront"
    assert list(Tag.objects.values_list("name", flat=True)) == ["Waterfront"]
    assert list(story.tags.names()) == ["Waterfront"]
