"""import_articles (DESIGN.md section 8)."""

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image
from taggit.models import Tag

from articles.models import Article, RelatedArticle, Section
from authors.models import Author
from core import images
from tests.articles.newsroom import staff
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------
# Helpers


def write_image(path, size=(640, 360), colour=(40, 90, 140), fmt="JPEG"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path, fmt)
    return path


@pytest.fixture
def copy_dir(tmp_path):
    """A folder of newsroom copy: the import file goes here, with its pictures."""
    folder = tmp_path / "copy"
    write_image(folder / "images" / "hero.jpg")
    write_image(folder / "images" / "other.png", colour=(200, 120, 40), fmt="PNG")
    write_image(folder / "avatars" / "li-wei.jpg", size=(300, 300))
    (folder / "images" / "notes.txt").write_text("not a picture")
    return folder


def run_import(folder, data, name="articles.json"):
    """Run the command on data (a dict, or raw text); return (stdout, stderr)."""
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_articles", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def media_files(settings):
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


def story(**fields):
    """A valid article that uses a picture and an avatar, so refusals must store no files."""
    article = {
        "slug": "harbour-story",
        "headline": "Harbour reopens after the storm",
        "dek": "Ferries run again.",
        "body": "The harbour reopened on Monday.\n\nFerries ran on time.",
        "section": "World",
        "author": {"name": "Li Wei", "avatar": "avatars/li-wei.jpg"},
        "published_at": "2026-02-04T23:06:00Z",
        "image": {"file": "images/hero.jpg", "alt": "The harbour"},
    }
    article.update(fields)
    return {key: value for key, value in article.items() if value is not None}


def refused_lines(settings, folder, data):
    """The problem lines printed for a refused file, after checking nothing was written."""
    counts = [model.objects.count()
              for model in (Article, Author, Section, RelatedArticle, Tag)]
    path = folder / "articles.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"problems?; nothing was imported\."):
        call_command("import_articles", str(path), stdout=io.StringIO(), stderr=err)
    assert [model.objects.count()
            for model in (Article, Author, Section, RelatedArticle, Tag)] == counts
    assert media_files(settings) == []
    return err.getvalue().splitlines()


# ---------------------------------------------------------------------------
# A valid import


def test_full_import_saves_every_field(settings, copy_dir, django_capture_on_commit_callbacks):
    settings.TIME_ZONE = "UTC"
    editor = staff("Editors", username="jane")
    existing_author = AuthorFactory(name="Robert Bye", slug="robert-bye", title="Old title",
                                    bio="Kept as it was.")
    ArticleFactory(slug="already-on-site")
    data = {"articles": [
        story(
            dek="Ferries run again after three days.",
            author={"name": "Li Wei", "is_ai": True, "title": "Harbour desk",
                    "bio": "Writes about ships.", "ai_disclosure": "Drafted by Quill; Jane "
                    "Editor is accountable.", "avatar": "avatars/li-wei.jpg"},
            status="published", featured=True,
            body="# Heading\n\nFirst paragraph.\r\n\r\nSecond **bold** paragraph.",
            image={"file": "images/hero.jpg", "alt": "Boats in the harbour",
                   "caption": "The harbour at dawn.", "credit_source": "Unsplash",
                   "credit_photographer": "Robert Bye", "ai_generated": False},
            tags=["Harbour", "Storms", "harbour"],
            related=["second-story", "already-on-site"],
            ai={"involvement": "generated", "reviewed_by": "jane",
                "reviewed_at": "2026-02-04T22:50:00Z"},
        ),
        {
            "slug": "second-story",
            "headline": "Second story",
            "body": "Body.",
            "section": "World",
            "author": {"name": "Robert Bye", "title": "Photographer"},
            "image": {"file": "images/other.png", "alt": "An orange square",
                      "credit_source": "Agency", "ai_generated": True, "illustration": True},
            "tags": ["Storms"],
        },
        {"slug": "third", "headline": "Third", "body": "Body.", "section": "Culture",
         "author": "robert-bye", "published_at": "2026-02-05T09:00:00+01:00"},
    ]}

    # The commit queues the pictures' renditions; the tests' task backend makes them at once.
    with django_capture_on_commit_callbacks(execute=True):
        out, err = run_import(copy_dir, data)

    assert err == ""
    assert out.strip().splitlines()[-1] == "Imported 3 articles (3 created, 0 updated)."
    article = Article.objects.get(slug="harbour-story")
    assert article.headline == "Harbour reopens after the storm"
    assert article.dek == "Ferries run again after three days."
    assert article.body == "# Heading\n\nFirst paragraph.\n\nSecond **bold** paragraph."
    assert "<h2>Heading</h2>" in article.body_html and "<strong>bold</strong>" in article.body_html
    assert article.section.name == "World" and article.section.slug == "world"
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == datetime(2026, 2, 4, 23, 6, tzinfo=UTC)
    assert article.is_featured
    assert article.image_alt == "Boats in the harbour"
    assert article.image_caption == "The harbour at dawn."
    assert article.image_credit == "Photo: Unsplash / Robert Bye"
    assert sorted(article.tags.names()) == ["Harbour", "Storms"]
    assert [a.slug for a in Article.objects.filter(related_to__from_article=article)
            .order_by("related_to__position")] == ["second-story", "already-on-site"]
    assert article.ai_involvement == Article.AIInvolvement.GENERATED
    assert article.ai_reviewed_by == editor
    assert article.ai_reviewed_at == datetime(2026, 2, 4, 22, 50, tzinfo=UTC)
    assert article.history.first().history_change_reason == "Imported with import_articles"

    renditions = article.image_renditions
    assert renditions["source"] == article.image.name
    assert {r["width"] for r in renditions["jpeg"]} == {480, 640}
    storage = article.image.storage
    assert all(storage.exists(r["name"]) for r in renditions["jpeg"] + renditions["webp"])

    author = article.author
    assert (author.name, author.slug, author.title) == ("Li Wei", "li-wei", "Harbour desk")
    assert author.is_ai and author.bio == "Writes about ships."
    assert author.ai_disclosure.startswith("Drafted by Quill")
    assert author.avatar_renditions["source"] == author.avatar.name

    second = Article.objects.get(slug="second-story")
    assert second.status == Article.Status.DRAFT and second.published_at is None
    assert second.image_credit == "Illustration: Agency (AI-generated image)"
    existing_author.refresh_from_db()
    assert second.author == existing_author
    assert existing_author.title == "Photographer"
    assert existing_author.bio == "Kept as it was."

    third = Article.objects.get(slug="third")
    assert third.author == existing_author
    assert third.section.name == "Culture"
    assert third.status == Article.Status.PUBLISHED
    assert third.published_at == datetime(2026, 2, 5, 8, 0, tzinfo=UTC)


def test_slug_made_from_headline_and_sections_matched_by_name(copy_dir):
    section = SectionFactory(name="World", slug="the-world")
    run_import(copy_dir, {"articles": [
        story(slug=None, headline="Tide: High Water at Old Quay!", section="world")]})
    article = Article.objects.get()
    assert article.slug == "tide-high-water-at-old-quay"
    assert article.section == section


@pytest.mark.parametrize("on_site, in_file", [
    ("Lucía Marrow", "LUCÍA MARROW"),
    ("Ólafur Þórsson", "ólafur þórsson"),
    ("Anna Straße", "ANNA STRASSE"),  # ß is ss in any case
    ("Lucía Marrow", "LUCI\u0301A MARROW"),  # the accent a character of its own
], ids=["accented", "Icelandic", "sharp s", "accent apart"])
def test_authors_and_sections_are_matched_in_any_case_in_every_script(copy_dir, on_site,
                                                                       in_file):
    """Not only ASCII letters, on SQLite too (whose iexact folds ASCII alone)."""
    author = AuthorFactory(name=on_site, title="Reporter")
    section = SectionFactory(name=on_site.upper())
    run_import(copy_dir, {"articles": [
        story(author={"name": in_file, "title": "Columnist"}, section=on_site.lower()),
        story(slug="second", author={"name": on_site}, section=in_file),
    ]})
    assert list(Author.objects.values_list("pk", "name", "title")) == [
        (author.pk, on_site, "Columnist")]
    assert list(Section.objects.values_list("pk", "name")) == [(section.pk, on_site.upper())]
    assert {article.author_id for article in Article.objects.all()} == {author.pk}
    assert {article.section_id for article in Article.objects.all()} == {section.pk}


def test_of_names_already_differing_only_in_case_the_one_spelled_so_is_matched(copy_dir):
    """Else the oldest: such pairs were made before the case was matched in every script."""
    world, lower_world = SectionFactory(name="World"), SectionFactory(name="world")
    SectionFactory(name="Économie")
    upper_economy = SectionFactory(name="ÉCONOMIE")
    run_import(copy_dir, {"articles": [story(slug="a", section="world"),
                                       story(slug="b", section="ÉCONOMIE")]})
    run_import(copy_dir, {"articles": [story(slug="c", section="WORLD")]})
    assert dict(Article.objects.values_list("slug", "section")) == {
        "a": lower_world.pk, "b": upper_economy.pk, "c": world.pk}
    assert Section.objects.count() == 4


def test_a_new_section_named_in_two_cases_is_made_once(copy_dir):
    SectionFactory(name="World", position=4)
    run_import(copy_dir, {"articles": [story(slug="a", section="Économie"),
                                       story(slug="b", section="ÉCONOMIE"),
                                       story(slug="c", section="Ωmega"),
                                       story(slug="d", section="ωMEGA")]})
    assert list(Section.objects.values_list("name", "position")) == [
        ("World", 4), ("Économie", 5), ("Ωmega", 6)]
    assert Article.objects.values("section").distinct().count() == 2


def test_time_without_offset_is_read_in_time_zone(settings, copy_dir):
    settings.TIME_ZONE = "America/New_York"
    run_import(copy_dir, {"articles": [story(published_at="2026-02-04T18:06:00")]})
    expected = datetime(2026, 2, 4, 18, 6, tzinfo=ZoneInfo("America/New_York"))
    assert Article.objects.get().published_at == expected


def test_text_is_trimmed_by_the_same_rule_as_reader_text(copy_dir):
    """JavaScript's trim() (DESIGN.md section 6): unlike str.strip(), it removes U+FEFF."""
    run_import(copy_dir, {"articles": [
        story(headline="\ufeffHarbour reopens\u3000", dek="Ferries run again.\ufeff")]})
    article = Article.objects.get()
    assert (article.headline, article.dek) == ("Harbour reopens", "Ferries run again.")


def test_status_defaults_to_published_only_with_a_date(copy_dir):
    run_import(copy_dir, {"articles": [
        story(slug="dated"),
        story(slug="undated", published_at=None),
        story(slug="dated-draft", status="draft"),
    ]})
    statuses = dict(Article.objects.values_list("slug", "status"))
    assert statuses == {"dated": "published", "undated": "draft", "dated-draft": "draft"}


def test_reimport_replaces_the_article_and_clears_what_is_left_out(
        settings, copy_dir, django_capture_on_commit_callbacks):
    reviewer = staff("Editors", username="jane")
    with django_capture_on_commit_callbacks(execute=True):
        run_import(copy_dir, {"articles": [
            story(featured=True, tags=["Harbour"], related=["other"],
                  image={"file": "images/hero.jpg", "alt": "Alt", "caption": "Caption",
                         "credit_source": "Unsplash", "ai_generated": True},
                  ai={"involvement": "assisted", "reviewed_by": "jane",
                      "reviewed_at": "2026-02-04T22:00:00Z"}),
            story(slug="other", headline="Other", image=None),
        ]})
    article = Article.objects.get(slug="harbour-story")
    old_files = {article.image.name, *images.rendition_files(article.image_renditions)}
    assert len(old_files) == 8  # the original, 2 widths in 2 formats, 3 crops
    assert article.ai_reviewed_by == reviewer

    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run_import(copy_dir, {"articles": [{
            "slug": "harbour-story", "headline": "Harbour reopens: update",
            "body": "New body.", "section": "Business", "author": {"name": "Li Wei"},
        }]})

    assert "Imported 1 article (0 created, 1 updated)." in out
    article.refresh_from_db()
    assert Article.objects.filter(slug="harbour-story").count() == 1
    assert article.headline == "Harbour reopens: update"
    assert article.body_html == "<p>New body.</p>"
    assert article.dek == ""
    assert article.section.name == "Business"
    assert article.status == Article.Status.DRAFT and article.published_at is None
    assert not article.is_featured
    assert not article.image and article.image_renditions == {}
    assert (article.image_alt, article.image_caption, article.image_credit_source) == ("", "", "")
    assert not article.image_is_ai_generated
    assert list(article.tags.all()) == []
    assert not RelatedArticle.objects.filter(from_article=article).exists()
    assert article.ai_involvement == Article.AIInvolvement.NONE
    assert article.ai_reviewed_by is None and article.ai_reviewed_at is None
    # The replaced picture and its renditions are gone; the avatar stays.
    remaining = {str(p.relative_to(settings.MEDIA_ROOT)) for p in media_files(settings)}
    assert not remaining & old_files
    assert any(name.startswith("avatars/") for name in remaining)
    assert Author.objects.get().avatar


def test_reimport_of_an_unchanged_picture_stores_nothing_new(settings, copy_dir):
    data = {"articles": [story()]}
    run_import(copy_dir, data)
    before = media_files(settings)
    out, _ = run_import(copy_dir, data)
    assert "(0 created, 1 updated)" in out
    assert media_files(settings) == before


def test_reimport_of_an_unchanged_picture_from_a_camera_stores_nothing_new(settings, copy_dir):
    """The picture is stored without its EXIF: compared as it came, it differed every time."""
    from tests.test_image_privacy import phone_jpeg

    (copy_dir / "images" / "hero.jpg").write_bytes(phone_jpeg(size=(1200, 800)))
    data = {"articles": [story()]}
    run_import(copy_dir, data)
    before = media_files(settings)
    run_import(copy_dir, data)
    assert media_files(settings) == before


def test_progress_every_hundred_articles(copy_dir):
    articles = [{"slug": f"s-{n}", "headline": f"Story {n}", "body": "Body.",
                 "section": "World", "author": {"name": "Li Wei"}} for n in range(101)]
    out, _ = run_import(copy_dir, {"articles": articles})
    assert out.splitlines() == [
        "Checked 100 of 101 articles...",
        "Imported 100 of 101 articles...",
        "Imported 101 articles (101 created, 0 updated).",
    ]


def test_empty_file_imports_nothing(copy_dir):
    out, _ = run_import(copy_dir, {"articles": []})
    assert "Imported 0 articles (0 created, 0 updated)." in out


# ---------------------------------------------------------------------------
# Refusals: every one writes nothing and names the problem

FIRST = 'article 1 (slug "harbour-story")'
DISCLOSURE = "Drafted by Quill; Jane Editor is accountable."
NEEDS_DISCLOSURE = ("An AI persona needs a disclosure: name the system that writes as it and the "
                    "editor accountable.")
FLAG_FIXED = ("This author has published or scheduled stories, and readers were told who wrote "
              "them: “AI persona” cannot be changed now. Create a new author profile instead.")


# One bad article; a good one follows it in the same file.
ARTICLE_REFUSALS = {
    "unknown field": (story(imag={}), f'{FIRST}: field "imag": unknown field'),
    "unknown author field": (
        story(author={"name": "Li Wei", "nmae": "x"}),
        f'{FIRST}: field "author.nmae": unknown field'),
    "unknown image field": (
        story(image={"file": "images/hero.jpg", "credit": "x"}),
        f'{FIRST}: field "image.credit": unknown field'),
    "unknown ai field": (
        story(ai={"reviewer": "jane"}), f'{FIRST}: field "ai.reviewer": unknown field'),
    "missing headline": (story(headline=None), f'{FIRST}: field "headline": required'),
    "missing body": (story(body=None), f'{FIRST}: field "body": required'),
    "blank body": (story(body=" \n "), f'{FIRST}: field "body": must not be blank'),
    "missing section": (story(section=None), f'{FIRST}: field "section": required'),
    "missing author": (story(author=None), f'{FIRST}: field "author": required'),
    "missing author name": (
        story(author={"title": "Reporter"}), f'{FIRST}: field "author.name": required'),
    "headline not a string": (
        story(headline=12), f'{FIRST}: field "headline": must be a string, not a number'),
    "headline on two lines": (
        story(headline="One\ntwo"), f'{FIRST}: field "headline": must be one line'),
    "featured not a boolean": (
        story(featured="yes"), f'{FIRST}: field "featured": must be true or false, not a string'),
    "is_ai not a boolean": (
        story(author={"name": "Li Wei", "is_ai": 1}),
        f'{FIRST}: field "author.is_ai": must be true or false, not a number'),
    "tags not a list": (
        story(tags="Harbour"), f'{FIRST}: field "tags": must be a list of strings, not a string'),
    "tag not a string": (
        story(tags=["Harbour", 5]), f'{FIRST}: field "tags[1]": must be a string, not a number'),
    "tag blank": (story(tags=[" "]), f'{FIRST}: field "tags[0]": must not be blank'),
    "tag too long": (
        story(tags=["x" * 101]),
        f'{FIRST}: field "tags[0]": too long: 101 characters, at most 100'),
    "image not an object": (
        story(image="images/hero.jpg"),
        f'{FIRST}: field "image": must be an object, not a string'),
    "author a number": (
        story(author=7), f'{FIRST}: field "author": must be an author slug (a string) or an '
                         'author object, not a number'),
    "ai not an object": (story(ai=[]), f'{FIRST}: field "ai": must be an object, not a list'),
    "bad date": (
        story(published_at="4 Feb 2026"),
        f'{FIRST}: field "published_at": not an ISO 8601 date and time like '
        '"2026-02-04T23:06:00Z": "4 Feb 2026"'),
    "bad review date": (
        story(ai={"reviewed_by": "jane", "reviewed_at": "yesterday"}),
        f'{FIRST}: field "ai.reviewed_at": not an ISO 8601 date and time like '
        '"2026-02-04T23:06:00Z": "yesterday"'),
    "review date without reviewer": (
        story(ai={"reviewed_at": "2026-02-04T22:00:00Z"}),
        f'{FIRST}: field "ai.reviewed_at": given without "ai.reviewed_by"'),
    "bad status": (
        story(status="live"),
        f'{FIRST}: field "status": must be one of "draft", "published", not "live"'),
    "published without a date": (
        story(status="published", published_at=None),
        f'{FIRST}: field "published_at": required when status is "published"'),
    "unknown related": (
        story(related=["nope"]),
        f'{FIRST}: field "related[0]": no article with slug "nope" in this file or on the site'),
    "related to itself": (
        story(related=["harbour-story"]),
        f'{FIRST}: field "related[0]": an article cannot be related to itself'),
    "unknown author slug": (
        story(author="nobody"), f'{FIRST}: field "author": no author with slug "nobody"'),
    "missing image file": (
        story(image={"file": "images/missing.jpg"}),
        f'{FIRST}: field "image.file": no such file: {{folder}}/images/missing.jpg'),
    "image file name too long for the file system": (
        story(image={"file": "x" * 300 + ".jpg"}),
        f'{FIRST}: field "image.file": cannot read {{folder}}/{"x" * 300}.jpg: '
        'File name too long'),
    "avatar file name too long for the file system": (
        story(author={"name": "Li Wei", "avatar": "a" * 300 + ".jpg"}),
        f'{FIRST}: field "author.avatar": cannot read {{folder}}/{"a" * 300}.jpg: '
        'File name too long'),
    "blank image file": (
        story(image={"file": ""}), f'{FIRST}: field "image.file": must not be blank'),
    "not an image": (
        story(image={"file": "images/notes.txt"}),
        f'{FIRST}: field "image.file": not an image (JPEG, PNG, WebP or GIF)'),
    "truncated image": (
        story(image={"file": "images/truncated.jpg"}),
        f'{FIRST}: field "image.file": the image data is damaged or incomplete'),
    "avatar not an image": (
        story(author={"name": "Li Wei", "avatar": "images/notes.txt"}),
        f'{FIRST}: field "author.avatar": not an image (JPEG, PNG, WebP or GIF)'),
    "missing avatar": (
        story(author={"name": "Li Wei", "avatar": "avatars/nobody.jpg"}),
        f'{FIRST}: field "author.avatar": no such file: {{folder}}/avatars/nobody.jpg'),
    "bad involvement": (
        story(ai={"involvement": "partly"}),
        f'{FIRST}: field "ai.involvement": must be one of "none", "assisted", "generated", '
        'not "partly"'),
    "reviewer not a user": (
        story(ai={"involvement": "assisted", "reviewed_by": "ghost"}),
        f'{FIRST}: field "ai.reviewed_by": no user with username "ghost"'),
    "reviewer not staff": (
        story(ai={"involvement": "assisted", "reviewed_by": "reader1"}),
        f'{FIRST}: field "ai.reviewed_by": "reader1" is not a staff user, so cannot review'),
    "AI persona published unreviewed": (
        story(author={"name": "Li Wei", "is_ai": True}),
        f'{FIRST}: field "ai.reviewed_by": a story by an AI persona or generated by AI needs a '
        'named reviewing editor before it is published'),
    "AI-generated published unreviewed": (
        story(ai={"involvement": "generated"}),
        f'{FIRST}: field "ai.reviewed_by": a story by an AI persona or generated by AI needs a '
        'named reviewing editor before it is published'),
    "image without alt text": (
        story(image={"file": "images/hero.jpg", "caption": "A caption"}),
        f'{FIRST}: field "image.alt": required with an image: describe what it shows for '
        'readers who cannot see it'),
    "image with blank alt text": (
        story(image={"file": "images/hero.jpg", "alt": "  "}),
        f'{FIRST}: field "image.alt": required with an image: describe what it shows for '
        'readers who cannot see it'),
    "AI persona without AI involvement": (
        story(author={"name": "Li Wei", "is_ai": True}, status="draft"),
        f'{FIRST}: field "ai.involvement": a story by an AI persona cannot have AI '
        'involvement "none": give "assisted" or "generated"'),
    "reviewer who may not change stories": (
        story(ai={"involvement": "assisted", "reviewed_by": "mod"}),
        f'{FIRST}: field "ai.reviewed_by": "mod" cannot review: the reviewing editor must be an '
        'active newsroom editor who may change stories'),
    "AI persona without a disclosure": (
        story(author={"name": "Li Wei", "is_ai": True}, status="draft",
              ai={"involvement": "generated"}),
        f'{FIRST}: field "author.ai_disclosure": {NEEDS_DISCLOSURE}'),
    "AI persona with a blank disclosure": (
        story(author={"name": "Li Wei", "is_ai": True, "ai_disclosure": " \n "},
              status="draft", ai={"involvement": "generated"}),
        f'{FIRST}: field "author.ai_disclosure": {NEEDS_DISCLOSURE}'),
    "existing AI persona's disclosure blanked": (
        story(author={"name": "Bot", "ai_disclosure": ""}, status="draft",
              ai={"involvement": "generated"}),
        f'{FIRST}: field "author.ai_disclosure": {NEEDS_DISCLOSURE}'),
    "existing AI persona published unreviewed": (
        story(author="bot"),
        f'{FIRST}: field "ai.reviewed_by": a story by an AI persona or generated by AI needs a '
        'named reviewing editor before it is published'),
    "invalid slug": (
        story(slug="harbour story"),
        'article 1 (slug "harbour story"): field "slug": may hold only the letters '
        'a–z and A–Z without accents, the digits 0–9, hyphens and underscores'),
    "slug too long": (
        story(slug="s" * 201),
        f'article 1 (slug "{"s" * 201}"): field "slug": too long: 201 characters, at most 200'),
    "headline too long": (
        story(headline="h" * 201),
        f'{FIRST}: field "headline": too long: 201 characters, at most 200'),
    "no slug from headline": (
        story(slug=None, headline="!!!"),
        'article 1: field "slug": cannot be made from this headline; give one'),
    "lone surrogate in the dek": (
        story(dek="Ferries\udc80 run again."),
        f'{FIRST}: field "dek": must not contain U+DC80 at character 8: a lone surrogate, '
        'half of a UTF-16 pair'),
    "lone surrogate in the slug": (
        story(slug="harbour-\ud800"),
        'article 1 (slug "harbour-\\ud800"): field "slug": must not contain U+D800 at '
        'character 9: a lone surrogate, half of a UTF-16 pair'),
    "lone surrogate in an author slug": (
        story(author="bot\udc80"),
        f'{FIRST}: field "author": must not contain U+DC80 at character 4: a lone surrogate, '
        'half of a UTF-16 pair'),
    "lone surrogate in the author's name": (
        story(author={"name": "Li\udc80 Wei"}),
        f'{FIRST}: field "author.name": must not contain U+DC80 at character 3: a lone '
        'surrogate, half of a UTF-16 pair'),
    "lone surrogate in the section": (
        story(section="\udfffWorld"),
        f'{FIRST}: field "section": must not contain U+DFFF at character 1: a lone surrogate, '
        'half of a UTF-16 pair'),
    "lone surrogate in a related slug": (
        story(related=["x\ud800"]),
        f'{FIRST}: field "related[0]": must not contain U+D800 at character 2: a lone '
        'surrogate, half of a UTF-16 pair'),
    "lone surrogate in the reviewer": (
        story(ai={"involvement": "assisted", "reviewed_by": "jane\udc80"}),
        f'{FIRST}: field "ai.reviewed_by": must not contain U+DC80 at character 5: a lone '
        'surrogate, half of a UTF-16 pair'),
    "lone surrogate in a picture's path": (
        story(image={"file": "images/\udc80.jpg", "alt": "The harbour"}),
        f'{FIRST}: field "image.file": must not contain U+DC80 at character 8: a lone '
        'surrogate, half of a UTF-16 pair'),
    "C1 control character (text read in the wrong encoding)": (
        story(body="The harbour\x92s ferries."),
        f'{FIRST}: field "body": must not contain U+0092 at character 12: a control character'),
    "C0 control character": (
        story(headline="Harbour\x1b[31m reopens"),
        f'{FIRST}: field "headline": must not contain U+001B at character 8: a control '
        'character'),
    "DEL": (
        story(image={"file": "images/hero.jpg", "alt": "The\x7f harbour"}),
        f'{FIRST}: field "image.alt": must not contain U+007F at character 4: a control '
        'character'),
    "noncharacter in a tag": (
        story(tags=["Harbour", "Ports\ufffe"]),
        f'{FIRST}: field "tags[1]": must not contain U+FFFE at character 6: a noncharacter'),
    "noncharacter beyond the first plane": (
        story(author={"name": "Li Wei", "bio": "\U0010ffff"}),
        f'{FIRST}: field "author.bio": must not contain U+10FFFF at character 1: a '
        'noncharacter'),
    "derived slug named in messages": (
        story(slug=None, headline="Tide tables", body=None),
        'article 1 (slug "tide-tables"): field "body": required'),
}

# Whole files, refused as a whole.
FILE_REFUSALS = {
    "article not an object": (
        {"articles": [story(), "story two"]}, "article 2: must be an object, not a string"),
    "duplicate slugs": (
        {"articles": [story(), story(headline="Again")]},
        'article 2 (slug "harbour-story"): field "slug": article 1 has the same slug; each '
        'article needs its own'),
    "one author, two descriptions": (
        {"articles": [story(author={"name": "Li Wei", "title": "Reporter"}),
                      story(slug="b", author={"name": "li wei", "title": "Editor"})]},
        'article 2 (slug "b"): field "author.title": differs from article 1, which gives '
        'the same author'),
    "later article refused too": (
        {"articles": [story(), story(slug="b", section=["World"])]},
        'article 2 (slug "b"): field "section": must be a string, not a list'),
    "unknown top-level field": (
        {"articles": [story()], "article": []}, 'file: field "article": unknown field'),
    "no articles list": ({}, 'file: field "articles": required'),
    "articles not a list": (
        {"articles": {}}, 'file: field "articles": must be a list of article objects, '
                          'not an object'),
    "top level a list": (
        [story()], 'file: the top level must be an object with an "articles" list, not a list'),
    "invalid JSON": (
        '{"articles": [\n  {"headline": "x",}\n]}',
        # The rest of the line is Python's own wording, which varies by version.
        "file: invalid JSON at line 2, column 19: "),
    "nested too deeply": (
        '{"articles": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "file: lists and objects are nested too deeply to read (the format has four levels "
        "at most)"),
    "key given twice": (
        '{"articles": [{"slug": "harbour-story", "headline": "H", "body": "B", '
        '"section": "World", "author": "robert-bye", "tags": ["a"], "tags": ["b"]}]}',
        f'{FIRST}: field "tags": given more than once'),
}


@pytest.fixture
def refusal_setup(copy_dir):
    UserFactory(username="reader1")
    staff("Moderators", username="mod")
    AuthorFactory(name="Bot", slug="bot", ai=True)
    AuthorFactory(name="Robert Bye", slug="robert-bye")
    (copy_dir / "images" / "truncated.jpg").write_bytes(
        (copy_dir / "images" / "hero.jpg").read_bytes()[:2000])  # header intact, data cut
    return copy_dir


@pytest.mark.parametrize("case", ARTICLE_REFUSALS, ids=list(ARTICLE_REFUSALS))
def test_bad_article_refuses_the_whole_file(settings, refusal_setup, case):
    article, expected = ARTICLE_REFUSALS[case]
    data = {"articles": [article, story(slug="fine", headline="Fine")]}
    lines = refused_lines(settings, refusal_setup, data)
    assert expected.replace("{folder}", str(refusal_setup)) in lines


@pytest.mark.parametrize("case", FILE_REFUSALS, ids=list(FILE_REFUSALS))
def test_bad_file_is_refused(settings, refusal_setup, case):
    data, expected = FILE_REFUSALS[case]
    lines = refused_lines(settings, refusal_setup, data)
    assert len(lines) == 1 and lines[0].startswith(expected)


def test_every_problem_is_listed_in_article_order(settings, copy_dir):
    lines = refused_lines(settings, copy_dir, {"articles": [
        story(slug="a", body=None, featured="no"),
        story(slug="b"),
        story(slug="c", section=None, related=["missing"]),
    ]})
    assert lines == [
        'article 1 (slug "a"): field "body": required',
        'article 1 (slug "a"): field "featured": must be true or false, not a string',
        'article 3 (slug "c"): field "section": required',
        'article 3 (slug "c"): field "related[0]": no article with slug "missing" in this '
        'file or on the site',
    ]


def test_an_integer_too_long_for_python_is_refused_by_its_field(settings, copy_dir):
    """Python's int() refuses more than 4,300 digits; no value of the format is a number."""
    text = json.dumps({"articles": [story(featured="FEATURED", tags=["TAG"]),
                                    story(slug="b", headline="HEADLINE")]})
    text = (text.replace('"FEATURED"', "9" * 5000).replace('"TAG"', "-" + "1" * 100_000)
            .replace('"HEADLINE"', "12"))
    assert refused_lines(settings, copy_dir, text) == [
        f'{FIRST}: field "featured": must be true or false, not a number',
        f'{FIRST}: field "tags[0]": must be a string, not a number',
        'article 2 (slug "b"): field "headline": must be a string, not a number',
    ]


def test_a_character_no_text_may_hold_is_found_with_every_other_problem(settings, copy_dir):
    """Checked with the rest, not met while writing with the database's own words."""
    lines = refused_lines(settings, copy_dir, {"articles": [
        story(slug="a", body=None), story(slug="b"), story(slug="c", dek="\udc80")]})
    assert lines == [
        'article 1 (slug "a"): field "body": required',
        'article 3 (slug "c"): field "dek": must not contain U+DC80 at character 1: a lone '
        'surrogate, half of a UTF-16 pair',
    ]


def test_each_problem_stays_on_one_line_whatever_the_file_holds(settings, copy_dir):
    """Line breaks and controls in what a line quotes are escaped: the terminal runs none."""
    lines = refused_lines(settings, copy_dir, {"articles": [
        story(slug="harbour\nstory", **{"\x1b[2Jimage": {}}),
        story(slug="b", status="live\r\nnow", author="robert\n-bye"),
    ]})
    assert lines == [
        'article 1 (slug "harbour\\nstory"): field "\\x1b[2Jimage": unknown field',
        'article 1 (slug "harbour\\nstory"): field "slug": may hold only the letters '
        'a–z and A–Z without accents, the digits 0–9, hyphens and underscores',
        'article 2 (slug "b"): field "status": must be one of "draft", "published", not '
        '"live\\r\\nnow"',
        'article 2 (slug "b"): field "author": no author with slug "robert\\n-bye"',
    ]


def test_tabs_line_breaks_and_characters_beyond_the_first_plane_are_text(copy_dir):
    """An emoji arrives escaped as a surrogate pair (json.dumps writes it so): one character."""
    run_import(copy_dir, {"articles": [story(
        headline="Harbour\treopens 🚢", body="Ferries\r\nrun.\n\n𝔉𝔢𝔯𝔯𝔦𝔢𝔰 \u2028again.",
        tags=["Ports \U0001f6a2"])]})
    article = Article.objects.get()
    assert article.headline == "Harbour\treopens 🚢"
    assert article.body == "Ferries\nrun.\n\n𝔉𝔢𝔯𝔯𝔦𝔢𝔰 \u2028again."
    assert list(article.tags.names()) == ["Ports 🚢"]


def test_missing_file_is_refused(tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem; nothing was imported."):
        call_command("import_articles", str(tmp_path / "nope.json"),
                     stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == (
        f"file: cannot read {tmp_path / 'nope.json'}: No such file or directory\n")


class TestAnAuthorsAIFlagIsFixedOnceAStoryIsOut:
    """The file and the site together: what the import would leave is what counts."""

    def test_a_story_published_in_the_file_then_its_author_made_a_persona(
            self, settings, copy_dir):
        person = AuthorFactory(name="Robert Bye", slug="robert-bye")
        lines = refused_lines(settings, copy_dir, {"articles": [
            story(author="robert-bye"),
            story(slug="b", status="draft", ai={"involvement": "generated"},
                  author={"name": "Robert Bye", "is_ai": True, "ai_disclosure": DISCLOSURE}),
        ]})
        assert lines == [f'article 2 (slug "b"): field "author.is_ai": {FLAG_FIXED}']
        person.refresh_from_db()
        assert not person.is_ai

    @pytest.mark.parametrize("scheduled", [False, True])
    def test_stories_already_on_the_site_count(self, settings, copy_dir, scheduled):
        person = AuthorFactory(name="Robert Bye", slug="robert-bye")
        ArticleFactory(author=person, published_at=timezone.now() + timedelta(
            days=1 if scheduled else -1))
        lines = refused_lines(settings, copy_dir, {"articles": [
            story(status="draft", ai={"involvement": "generated"},
                  author={"name": "robert bye", "is_ai": True, "ai_disclosure": DISCLOSURE}),
        ]})
        assert lines == [f'{FIRST}: field "author.is_ai": {FLAG_FIXED}']

    def test_a_persona_is_not_made_a_person_either(self, settings, copy_dir):
        persona = AuthorFactory(name="Bot", slug="bot", ai=True)
        ArticleFactory(author=persona, ai_involvement="generated")
        lines = refused_lines(settings, copy_dir, {"articles": [
            story(author={"name": "Bot", "is_ai": False})]})
        assert f'{FIRST}: field "author.is_ai": {FLAG_FIXED}' in lines

    def test_without_a_published_story_the_change_is_made_and_checked_on_every_story(
            self, settings, copy_dir):
        AuthorFactory(name="Robert Bye", slug="robert-bye")
        # The first story names the author by slug: it is checked as the persona the
        # second one makes of them.
        lines = refused_lines(settings, copy_dir, {"articles": [
            story(author="robert-bye", status="draft"),
            story(slug="b", status="draft", ai={"involvement": "generated"},
                  author={"name": "Robert Bye", "is_ai": True, "ai_disclosure": DISCLOSURE}),
        ]})
        assert lines == [
            f'{FIRST}: field "ai.involvement": a story by an AI persona cannot have AI '
            'involvement "none": give "assisted" or "generated"']
        run_import(copy_dir, {"articles": [
            story(author="robert-bye", status="draft", ai={"involvement": "assisted"}),
            story(slug="b", status="draft", ai={"involvement": "generated"},
                  author={"name": "Robert Bye", "is_ai": True, "ai_disclosure": DISCLOSURE}),
        ]})
        assert Author.objects.get(slug="robert-bye").is_ai


def test_ai_story_with_named_reviewer_or_left_as_draft_is_accepted(copy_dir):
    staff("Editors", username="jane")
    persona = {"name": "Li Wei", "is_ai": True, "ai_disclosure": DISCLOSURE}
    run_import(copy_dir, {"articles": [
        story(author=persona, ai={"involvement": "generated", "reviewed_by": "jane"}),
        story(slug="draft", author=persona, status="draft", ai={"involvement": "assisted"}),
    ]})
    assert Article.objects.count() == 2
    # As in the admin, a review without a time is dated when it is recorded.
    reviewed = Article.objects.get(slug="harbour-story")
    assert timezone.now() - reviewed.ai_reviewed_at < timedelta(minutes=1)


def test_failure_while_writing_rolls_back_and_deletes_stored_files(
        settings, copy_dir, monkeypatch, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    stored = []
    real_save = FileSystemStorage._save

    def full_disk_at_the_second_story(storage, name, content):
        if name.startswith("articles/") and any(n.startswith("articles/") for n in stored):
            raise OSError("No space left on device")
        stored.append(real_save(storage, name, content))
        return stored[-1]

    monkeypatch.setattr(FileSystemStorage, "_save", full_disk_at_the_second_story)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        lines = refused_lines(settings, copy_dir, {"articles": [story(), story(slug="b")]})
    assert lines == ['article 2 (slug "b"): could not be saved: No space left on device']
    # The avatar and the first story's picture had been stored; they are gone again,
    # and no renditions were queued for them.
    assert [name.split("/")[0] for name in stored] == ["avatars", "articles"]
    assert callbacks == [] and not DBTaskResult.objects.exists()


def test_renditions_are_queued_for_the_worker_when_the_import_commits(
        settings, copy_dir, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks() as callbacks:
        run_import(copy_dir, {"articles": [story()]})
    article = Article.objects.get()
    # The import stored the originals and no renditions; the commit queues them.
    assert article.image_renditions == {"source": article.image.name, "width": 640,
                                        "height": 360}
    originals = (article.image.name, article.author.avatar.name)
    assert media_files(settings) == sorted(Path(settings.MEDIA_ROOT) / name for name in originals)
    assert not DBTaskResult.objects.exists()
    for callback in callbacks:
        callback()
    assert sorted((task.task_path, task.args_kwargs["kwargs"]["source"])
                  for task in DBTaskResult.objects.all()) == [
        ("articles.tasks.make_hero_renditions", article.image.name),
        ("authors.tasks.make_avatar_renditions", article.author.avatar.name)]


def test_a_model_rule_the_checks_missed_still_stops_the_import(settings, copy_dir, monkeypatch):
    def refuse(article):
        if article.slug == "b":
            raise ValidationError({"image_alt": "Say more.", "headline": "Too vague."})

    monkeypatch.setattr(Article, "clean", refuse)
    lines = refused_lines(settings, copy_dir, {"articles": [story(), story(slug="b")]})
    assert lines == ['article 2 (slug "b"): field "image.alt": Say more.',
                     'article 2 (slug "b"): field "headline": Too vague.']


# ---------------------------------------------------------------------------
# The forms behind the import (articles/forms.py)


@pytest.mark.parametrize("article, expected", [
    (story(image={"alt": "The harbour"}), f'{FIRST}: field "image.file": required'),
    (story(author="robert\x00-bye"),
     f'{FIRST}: field "author": must not contain a NUL character'),
    (story(ai={"involvement": "assisted", "reviewed_by": 7}),
     f'{FIRST}: field "ai.reviewed_by": must be a string, not a number'),
    (story(tags=["One\ntwo"]), f'{FIRST}: field "tags[0]": must be one line'),
    (story(tags=["Ports", 'The "Ports"']),
     f'{FIRST}: field "tags[1]": must not hold a double quote (")'),
    (story(tags=["100%", "!!!"]),
     f'{FIRST}: field "tags[1]": needs a letter or a digit, which make the address of the '
     "tag's page"),
], ids=["image without a file", "NUL in an author slug", "reviewer not a string",
        "tag on two lines", "tag with a quote", "tag without a letter or a digit"])
def test_more_refusals(settings, refusal_setup, article, expected):
    assert expected in refused_lines(settings, refusal_setup, {"articles": [article]})


def test_null_is_not_given(copy_dir):
    run_import(copy_dir, {"articles": [story(
        dek=None, status=None, featured=None, tags=None, related=None,
        ai={"involvement": None, "reviewed_by": None, "reviewed_at": None})]})
    article = Article.objects.get()
    assert (article.dek, article.status, article.is_featured) == ("", "published", False)
    assert article.ai_involvement == Article.AIInvolvement.NONE


def test_a_published_story_cannot_be_reimported_with_less_ai_disclosure(settings, copy_dir):
    staff("Editors", username="jane")
    run_import(copy_dir, {"articles": [
        story(ai={"involvement": "generated", "reviewed_by": "jane"})]})
    before = Article.objects.values_list("ai_involvement", "headline").get()
    lines = refused_lines_keeping_files(settings, copy_dir, {"articles": [
        story(headline="Quietly rewritten", ai={"involvement": "none"})]})
    assert lines == [
        f'{FIRST}: field "ai.involvement": This story was published as “Generated: an AI '
        'system wrote it”. Its AI record is part of the public record and cannot be lowered '
        'while it is published: add a correction, or unpublish it first.']
    assert Article.objects.values_list("ai_involvement", "headline").get() == before


def refused_lines_keeping_files(settings, folder, data):
    """refused_lines for a site that already has pictures: the refusal adds none."""
    before = media_files(settings)
    path = folder / "articles.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"problems?; nothing was imported\."):
        call_command("import_articles", str(path), stdout=io.StringIO(), stderr=err)
    assert media_files(settings) == before
    return err.getvalue().splitlines()
