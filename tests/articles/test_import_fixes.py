"""import_articles: tags written for the whole file at once, and slugs told apart in more
than capitals."""

import io
import json
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag, TaggedItem

from articles.models import Article
from core import pagecache
from tests.articles.test_import import refused_lines, run_import, story, write_image
from tests.factories import ArticleFactory, AuthorFactory

pytestmark = pytest.mark.django_db


def tagged(slug, tags, **fields):
    """A short story by an author on the site, without pictures."""
    return {"slug": slug, "headline": f"Story {slug}", "body": "Words.", "section": "World",
            "author": "li-wei", "published_at": "2026-02-04T23:06:00Z", "tags": tags, **fields}


def import_file(folder, articles):
    path = folder / "articles.json"
    path.write_text(json.dumps({"articles": articles}), encoding="utf-8")
    call_command("import_articles", str(path), stdout=io.StringIO(), stderr=io.StringIO())


@pytest.fixture
def copy_dir(tmp_path):
    """A folder for the import file, with the picture and the avatar that story() names."""
    folder = tmp_path / "copy"
    write_image(folder / "images" / "hero.jpg")
    write_image(folder / "avatars" / "li-wei.jpg", size=(300, 300))
    return folder


@pytest.fixture
def li_wei():
    return AuthorFactory(name="Li Wei", slug="li-wei")


def staled():
    """pagecache.changed, watched: what it is given is staled still."""
    return mock.patch.object(pagecache, "changed", wraps=pagecache.changed)


def every_tag(changed):
    """Every page-cache tag the watched pagecache.changed was given."""
    return set().union(*(call.args[0] for call in changed.call_args_list))


# ---------------------------------------------------------------------------
# Tags (a large import held SQLite's write lock for a minute and a half)


def test_the_tags_of_a_whole_file_take_the_same_queries_for_any_number_of_stories(
        tmp_path, li_wei):
    """taggit's tags.set(), one story at a time, took a dozen queries per story and two
    page-cache stamps per tag, all inside the import's transaction."""
    for name in ("Harbour", "Storms", "Day 0", "Day 1", "Day 2"):
        Tag.objects.create(name=name)

    def tag_work(count, prefix):
        # Drafts: a story going public reads its tags for the page cache, as it is saved.
        articles = [tagged(f"{prefix}-{n}", ["harbour", "Storms", f"Day {n % 3}"],
                           published_at=None) for n in range(count)]
        with CaptureQueriesContext(connection) as queries, staled() as changed:
            import_file(tmp_path, articles)
        tag_queries = [q["sql"] for q in queries.captured_queries if "taggit_" in q["sql"]
                       or q["sql"].startswith("UPDATE") and "tag_names" in q["sql"]]
        tag_stamps = [call for call in changed.call_args_list
                      if any(name.startswith("stories-tag-") for name in call.args[0])]
        return len(tag_queries), len(tag_stamps)

    assert tag_work(12, "many") == tag_work(3, "few")


def test_a_reimport_keeps_adds_and_removes_taggings_and_the_revision_lists_them(
        tmp_path, li_wei):
    import_file(tmp_path, [tagged("a", ["Harbour", "Storms"]), tagged("b", ["Storms"]),
                           tagged("c", [])])
    a, b = Article.objects.get(slug="a"), Article.objects.get(slug="b")
    kept = TaggedItem.objects.get(object_id=a.pk, tag__name="Harbour")
    storms, harbour = Tag.objects.get(name="Storms"), Tag.objects.get(name="Harbour")
    assert a.history.first().tag_names == "Harbour, Storms"

    with staled() as changed:
        import_file(tmp_path, [tagged("a", ["harbour", "Ferries"]), tagged("b", ["Storms"]),
                               tagged("c", ["Ferries"])])

    ferries = Tag.objects.get(name="Ferries")
    assert sorted(a.tags.names()) == ["Ferries", "Harbour"]
    assert TaggedItem.objects.filter(pk=kept.pk).exists()  # not deleted and made again
    assert list(b.tags.names()) == ["Storms"]
    assert list(Article.objects.get(slug="c").tags.names()) == ["Ferries"]
    assert [r.tag_names for r in a.history.all()] == ["Ferries, Harbour", "Harbour, Storms"]
    assert b.history.first().tag_names == "Storms"
    assert Article.objects.get(slug="c").history.first().tag_names == "Ferries"
    # The lists the stories joined and left go stale, with the stories' pages.
    c = Article.objects.get(slug="c")
    assert {f"stories-tag-{storms.pk}", f"stories-tag-{ferries.pk}", f"story-{a.pk}",
            f"story-{c.pk}"} <= every_tag(changed)
    assert f"stories-tag-{harbour.pk}" not in every_tag(changed)


def test_a_name_is_the_sites_tag_spelled_so_else_the_oldest_else_the_files_first_spelling(
        tmp_path, li_wei):
    """As tags.set(as_on_site(...)) did story by story: tags differing only in case were
    made before the case was matched, and a tag an earlier story made counts too."""
    oldest, younger = Tag.objects.create(name="Harbour"), Tag.objects.create(name="harbour")
    import_file(tmp_path, [tagged("a", ["harbour", "HARBOUR"]), tagged("b", ["HARBOUR"]),
                           tagged("c", ["Sallow Valley"]), tagged("d", ["SALLOW valley"])])

    def tag_ids(slug):
        return list(Article.objects.get(slug=slug).tags.values_list("pk", flat=True))

    assert tag_ids("a") == [younger.pk]  # of one story's names in two cases, the first
    assert tag_ids("b") == [oldest.pk]
    sallow = Tag.objects.get(name="Sallow Valley")
    assert tag_ids("c") == tag_ids("d") == [sallow.pk]
    assert Tag.objects.count() == 3


def test_a_tag_that_cannot_be_saved_names_its_first_story_and_writes_nothing(
        settings, copy_dir, monkeypatch):
    real_save = Tag.save

    def full_disk(tag, *args, **kwargs):
        if tag.name == "Brand New":
            raise OSError("No space left on device")
        return real_save(tag, *args, **kwargs)

    monkeypatch.setattr(Tag, "save", full_disk)
    lines = refused_lines(settings, copy_dir, {"articles": [
        story(tags=["Harbour"]), story(slug="b", tags=["Harbour", "Brand New"]),
        story(slug="c", tags=["brand new"])]})
    assert lines == ['article 2 (slug "b"): field "tags": tag "Brand New" could not be saved: '
                     "No space left on device"]


# ---------------------------------------------------------------------------
# Slugs that differ only in capitals


def test_two_stories_whose_slugs_differ_only_in_capitals_are_refused(settings, copy_dir):
    # A slug in capitals is refused for itself now (a new one: one stored so may
    # be imported again), and still counts against the others of the file.
    lines = refused_lines(settings, copy_dir, {"articles": [
        story(slug="Imp-Case"), story(slug="imp-case"), story(slug="Imp-Case")]})
    assert lines == [
        'article 1 (slug "Imp-Case"): field "slug": write it in lower case, "imp-case"',
        'article 2 (slug "imp-case"): field "slug": article 1 has the slug "Imp-Case": two '
        "stories' slugs must differ in more than capitals",
        'article 3 (slug "Imp-Case"): field "slug": article 1 has the same slug; each article '
        "needs its own",
        'article 3 (slug "Imp-Case"): field "slug": write it in lower case, "imp-case"',
    ]


def test_a_slug_made_from_a_headline_counts_too(settings, copy_dir):
    ArticleFactory(slug="Harbour-Story", headline="Shouted")  # stored before slugs were lower
    lines = refused_lines(settings, copy_dir, {"articles": [
        story(slug=None, headline="Harbour story")]})
    assert lines == [
        'article 1 (slug "harbour-story"): field "slug": the story "Shouted" has the slug '
        "\"Harbour-Story\": two stories' slugs must differ in more than capitals"]


def test_a_slug_differing_only_in_capitals_from_a_story_on_the_site_is_refused(
        settings, copy_dir):
    ArticleFactory(slug="imp-case", headline="Harbour reopens")
    lines = refused_lines(settings, copy_dir, {"articles": [story(slug="IMP-Case")]})
    assert lines == [
        'article 1 (slug "IMP-Case"): field "slug": the story "Harbour reopens" has the slug '
        "\"imp-case\": two stories' slugs must differ in more than capitals",
        'article 1 (slug "IMP-Case"): field "slug": write it in lower case, "imp-case"']


def test_a_story_given_its_own_slug_is_replaced(copy_dir):
    on_site = ArticleFactory(slug="Imp-Case", headline="Harbour reopens")
    out, err = run_import(copy_dir, {"articles": [story(slug="Imp-Case", headline="Updated")]})
    assert err == "" and "(0 created, 1 updated)" in out
    on_site.refresh_from_db()
    assert on_site.headline == "Updated"


def test_a_slug_with_accented_letters_is_told_which_letters_a_slug_takes(settings, copy_dir):
    lines = refused_lines(settings, copy_dir, {"articles": [story(slug="imp-ünï")]})
    assert lines == [
        'article 1 (slug "imp-ünï"): field "slug": may hold only the letters a–z and A–Z '
        "without accents, the digits 0–9, hyphens and underscores"]


def test_a_story_image_too_small_to_show_is_refused_as_in_the_admin(settings, copy_dir):
    write_image(copy_dir / "images" / "tiny.jpg", size=(120, 90))
    lines = refused_lines(settings, copy_dir, {"articles": [
        story(slug="tiny-hero", image={"file": "images/tiny.jpg", "alt": "A quay"})]})
    assert len(lines) == 1 and lines[0].startswith('article 1 (slug "tiny-hero"): field "image')
    assert lines[0].endswith("This image is 120 × 90 pixels, too small to show: use one at "
                             "least 200 pixels wide and 200 tall.")


def test_an_avatar_is_not_held_to_a_story_images_size(settings, copy_dir):
    """One small picture: accepted as an author's avatar (shown at 48 px), refused as a
    story's image, in the same file."""
    write_image(copy_dir / "avatars" / "small.jpg", size=(96, 96))
    lines = refused_lines(settings, copy_dir, {"articles": [
        story(slug="quay", author={"name": "Ana Lopes", "avatar": "avatars/small.jpg"}),
        story(slug="pier", image={"file": "avatars/small.jpg", "alt": "A pier"}),
    ]})
    assert len(lines) == 1 and lines[0].startswith('article 2 (slug "pier"): field "image')
