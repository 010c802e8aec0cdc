"""QA round 11: an import whose author, reviewing editor, section or tag an editor deletes or
renames between the import's check of the file and its commit (DESIGN.md section 8)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from taggit.models import Tag

from articles import importer
from articles.models import Article, Section
from authors.models import Author
from tests.articles.newsroom import staff
from tests.factories import AuthorFactory, SectionFactory
from tests.test_qa11_races import in_thread, waiting_on_a_lock

MEANWHILE = "while this file was checked; nothing was written: run the import again"
LINE = 'article 1 (slug "ferry-times")'


def ferry_times(**fields):
    return {"articles": [{
        "slug": "ferry-times", "headline": "Ferry times change", "body": "Words.",
        "section": "World", "author": "li-wei", "published_at": "2026-02-04T23:06:00Z",
        "tags": ["Ferries"], **fields}]}


def refused(plan):
    with pytest.raises(importer.ImportFailed) as failed:
        importer.write(plan)
    return [str(problem) for problem in failed.value.problems]


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["deleted", "renamed"])
def test_an_author_gone_while_the_file_was_checked_is_named_on_its_line(tmp_path, change):
    author = AuthorFactory(name="Li Wei", slug="li-wei")
    plan = importer.validate(ferry_times(), tmp_path)
    if change == "deleted":
        author.delete()
    else:
        author.slug = "li-wei-2"
        author.save()
    # Deleted, it was "file: could not be saved: FOREIGN KEY constraint failed" (the
    # database's words at the commit); renamed, the story went to that author all the same.
    assert refused(plan) == [f'{LINE}: field "author": no author with slug "li-wei": the '
                             f"author was deleted or given another slug {MEANWHILE}"]
    assert not Article.objects.filter(slug="ferry-times").exists()
    assert not Tag.objects.exists() and not Section.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["deleted", "renamed"])
def test_a_reviewing_editor_gone_while_the_file_was_checked_is_named_on_its_line(tmp_path,
                                                                                change):
    AuthorFactory(name="Li Wei", slug="li-wei")
    editor = staff("Editors", username="jane")
    plan = importer.validate(ferry_times(ai={
        "involvement": "generated", "reviewed_by": "jane",
        "reviewed_at": "2026-02-04T22:50:00Z"}), tmp_path)
    if change == "deleted":
        editor.delete()
    else:
        editor.username = "jane-doe"
        editor.save()
    assert refused(plan) == [f'{LINE}: field "ai.reviewed_by": no user with username "jane": '
                             f"the account was deleted or renamed {MEANWHILE}"]
    assert not Article.objects.filter(slug="ferry-times").exists()


# An editor deleting what the import is writing stories into, once the import has found it -


def deleting_while_written(monkeypatch, before, url):
    """(the import's outcome, the deletion's): the deletion through the admin at url, sent
    once the import has come to its step `before` and waited on until the import's commit."""
    editor = Client()
    editor.force_login(staff("Editors", username="editor", is_superuser=True))
    deleted = {}
    step = getattr(importer, before)

    def then_deleted(*args, **kwargs):
        deleting = in_thread(lambda: editor.post(url, {"post": "yes"}), deleted)
        # It did not wait: the row went under the import, which failed at its commit.
        assert waiting_on_a_lock(unless=deleting), deleted
        deleted["thread"] = deleting
        return step(*args, **kwargs)

    monkeypatch.setattr(importer, before, then_deleted)
    return deleted


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("named", ["section", "tag", "author", "reviewing editor"])
def test_what_an_import_names_is_kept_until_its_commit(tmp_path, monkeypatch, named):
    author = AuthorFactory(name="Li Wei", slug="li-wei")
    editor = staff("Editors", username="jane")
    section = SectionFactory(name="World")
    tag = Tag.objects.create(name="Ferries")
    plan = importer.validate(ferry_times(ai={
        "involvement": "generated", "reviewed_by": "jane",
        "reviewed_at": "2026-02-04T22:50:00Z"}), tmp_path)
    url, model, pk, kept = {
        "section": (f"/admin/articles/section/{section.pk}/", Section, section.pk, True),
        "tag": (f"/admin/taggit/tag/{tag.pk}/", Tag, tag.pk, False),
        "author": (f"/admin/authors/author/{author.pk}/", Author, author.pk, True),
        "reviewing editor": (f"/admin/auth/user/{editor.pk}/", get_user_model(),
                             editor.pk, True),
    }[named]
    # The section and the tag are found as the import writes; the others as it checks.
    before = {"section": "_save_authors", "tag": "_save_related"}.get(named, "_save_sections")
    deleted = deleting_while_written(monkeypatch, before, f"{url}delete/")
    importer.write(plan)
    deleted["thread"].join(10)
    assert "error" not in deleted, deleted.get("error")
    story = Article.objects.get(slug="ferry-times")
    assert (story.section.name, story.author.slug) == ("World", "li-wei")
    assert story.ai_reviewed_by.username == "jane"
    # Then the deletion finds the story: refused where the story needs the row, and a tag
    # goes from it. It was a failed import ("could not be saved: insert or update on table
    # ... violates foreign key constraint"), nothing written.
    assert model._default_manager.filter(pk=pk).exists() == kept
    assert list(story.tags.names()) == ([] if named == "tag" else ["Ferries"])
