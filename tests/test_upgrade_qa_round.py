"""A site built from an older commit, upgraded to today's (QA, upgrade round).

Migration articles 0019 refills the search vectors while the site serves;
`make_renditions --strip-metadata` cleans originals stored with their EXIF;
articles 0021 gives stories renamed before 0018 their old addresses; pages
0007 brings a page stored with CR LF the privacy wording 0006 missed.
"""

import datetime
import importlib
import io

import pytest
from django.apps import apps as django_apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from PIL import Image, PngImagePlugin

from articles.models import Article, OldSlug
from authors.models import Author
from pages.models import Page
from tests.factories import ArticleFactory, AuthorFactory
from tests.test_image_privacy import ICC, assert_no_metadata, phone_jpeg

SEARCH = importlib.import_module("articles.migrations.0019_search_visible_text")
T = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


class TestSearchRefillKeepsTheSiteServing:
    def test_0019_runs_outside_one_transaction(self):
        # In one transaction, its DROP INDEX locked the stories' table until the commit.
        assert SEARCH.Migration.atomic is False

    @pytest.mark.postgresql
    @pytest.mark.django_db(transaction=True)
    def test_the_index_is_dropped_and_built_concurrently_and_every_vector_refilled(self):
        stories = [ArticleFactory(headline=f"Harbour news {n}", slug=f"harbour-{n}")
                   for n in range(3)]
        _migrate([("articles", "0018_old_slugs")])
        Article.objects.update(search_vector=None)
        with CaptureQueriesContext(connection) as queries:
            _migrate(_leaves())
        sql = [query["sql"] for query in queries.captured_queries]
        index_sql = [s for s in sql if "article_search_idx" in s]
        assert index_sql == [
            "DROP INDEX CONCURRENTLY IF EXISTS article_search_idx",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS article_search_idx ON articles_article "
            "USING gin (search_vector) WITH (fastupdate = off)"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                           ["article_search_idx"])
            assert cursor.fetchall() == [(
                "CREATE INDEX article_search_idx ON public.articles_article USING gin "
                "(search_vector) WITH (fastupdate=off)",)]
        vectors = dict(Article.objects.values_list("pk", "search_vector"))
        assert all("'harbour':1A" in vectors[story.pk] for story in stories)

    @pytest.mark.postgresql
    @pytest.mark.django_db(transaction=True)
    def test_the_vectors_are_refilled_in_batches_by_primary_key(self, monkeypatch):
        stories = [ArticleFactory(headline=f"Ferry news {n}") for n in range(5)]
        Article.objects.filter(pk=stories[2].pk).delete()  # a gap in the ids
        Article.objects.update(search_vector=None)
        monkeypatch.setattr(SEARCH, "BATCH", 2)
        with connection.schema_editor(atomic=False) as editor, \
                CaptureQueriesContext(connection) as queries:
            SEARCH.fill_search_vectors(django_apps, editor)
        updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
        assert len(updates) == 3  # ids first..first+5 in ranges of 2
        assert all('"articles_article"."id" >=' in s and '"articles_article"."id" <' in s
                   for s in updates)
        assert not Article.objects.filter(search_vector=None).exists()

    @pytest.mark.django_db(transaction=True)
    def test_sqlite_and_postgresql_migrate_through_it_both_ways(self):
        ArticleFactory(headline="Council news")
        _migrate([("articles", "0018_old_slugs")])
        _migrate(_leaves())
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, "articles_article")
        assert constraints["article_search_idx"]["index"]


def _stored(name, data):
    """An original written as uploads were before they lost their metadata."""
    return default_storage.save(name, ContentFile(data))


def _png_with_text():
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "Lewes, back garden")
    info.add_itxt("Comment", "PhoneMaker")
    buffer = io.BytesIO()
    Image.new("RGBA", (120, 80), (10, 200, 10, 128)).save(
        buffer, "PNG", pnginfo=info, icc_profile=ICC)
    return buffer.getvalue()


def _strip(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("make_renditions", "--strip-metadata", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
class TestOriginalsStoredWithMetadata:
    def test_are_cleaned_once_keeping_their_name_and_colour_profile(self):
        jpeg = _stored("avatars/old-phone-photo.jpg", phone_jpeg())
        png = _stored("articles/2025/01/old-map.png", _png_with_text())
        author = AuthorFactory()
        story = ArticleFactory(image_alt="A map")
        Author.objects.filter(pk=author.pk).update(avatar=jpeg)
        Article.objects.filter(pk=story.pk).update(image=png)
        with default_storage.open(jpeg) as before:
            assert Image.open(before).getexif().get_ifd(0x8825)  # the GPS block is there

        out, err = _strip()
        assert out.startswith("Took the metadata away from 2 originals stored with it")
        assert err == ""
        with default_storage.open(jpeg) as cleaned:
            data = cleaned.read()
        assert_no_metadata(data)
        with Image.open(io.BytesIO(data)) as image:
            assert image.info["icc_profile"] == ICC
            assert image.size == (200, 300)  # turned as its EXIF said
        with default_storage.open(png) as cleaned:
            data = cleaned.read()
        assert b"Lewes" not in data and b"PhoneMaker" not in data
        with Image.open(io.BytesIO(data)) as image:
            assert image.info["icc_profile"] == ICC
            assert not image.text
            assert image.mode == "RGBA" and image.getpixel((0, 0)) == (10, 200, 10, 128)
        # The rows still point at the same files.
        assert Author.objects.get(pk=author.pk).avatar.name == jpeg
        assert Article.objects.get(pk=story.pk).image.name == png

        # Run again: nothing to do, nothing written.
        stamps = {name: default_storage.get_modified_time(name) for name in (jpeg, png)}
        assert _strip()[0].startswith("Took the metadata away from 0 originals")
        assert stamps == {name: default_storage.get_modified_time(name)
                          for name in (jpeg, png)}

    def test_a_missing_or_unreadable_file_is_reported_and_the_others_cleaned(self):
        jpeg = _stored("avatars/old-phone-photo.jpg", phone_jpeg())
        broken = _stored("articles/2025/01/broken.jpg", b"\xff\xd8\xff not really a JPEG")
        Author.objects.filter(pk=AuthorFactory().pk).update(avatar=jpeg)
        Article.objects.filter(pk=ArticleFactory(image_alt="Gone").pk).update(
            image="articles/2025/01/gone.jpg")
        Article.objects.filter(pk=ArticleFactory(image_alt="Broken").pk).update(image=broken)

        out, err = io.StringIO(), io.StringIO()
        with pytest.raises(CommandError, match=r"^2 originals could not be read"):
            call_command("make_renditions", "--strip-metadata", stdout=out, stderr=err)
        assert out.getvalue().startswith("Took the metadata away from 1 original stored")
        assert "article: 'articles/2025/01/gone.jpg' could not be read" in err.getvalue()
        assert ("article: 'articles/2025/01/broken.jpg' is not an image that can be read"
                in err.getvalue())
        assert "Traceback" not in err.getvalue()
        with default_storage.open(broken) as left:
            assert left.read() == b"\xff\xd8\xff not really a JPEG"
        with default_storage.open(jpeg) as cleaned:
            assert_no_metadata(cleaned.read())

    def test_without_the_option_no_original_is_read(self):
        jpeg = _stored("avatars/old-phone-photo.jpg", phone_jpeg())
        Author.objects.filter(pk=AuthorFactory().pk).update(avatar=jpeg)
        call_command("make_renditions", stdout=io.StringIO(), stderr=io.StringIO())
        with default_storage.open(jpeg) as kept:
            assert b"PhoneMaker" in kept.read()


def _revision(story, slug, when, status="published", published_at=T, history_type="~"):
    Article.history.model.objects.create(
        id=story.pk, headline=story.headline, slug=slug, body=story.body,
        section_id=story.section_id, author_id=story.author_id, status=status,
        published_at=published_at, created_at=T, updated_at=when, history_date=when,
        history_type=history_type)


@pytest.mark.django_db(transaction=True)
def test_0021_gives_stories_renamed_before_0018_their_old_slugs():
    day = datetime.timedelta(days=1)
    renamed = ArticleFactory(slug="ferry-times-final", published_at=T)
    scheduled = ArticleFactory(slug="budget-final", published_at=T + 10 * day)
    first, last = ArticleFactory(slug="first-now"), ArticleFactory(slug="last-now")
    taken = ArticleFactory(slug="port-old")  # another story's current slug now
    porter = ArticleFactory(slug="port-new")
    kept = ArticleFactory(slug="kept-now")
    gone = ArticleFactory(slug="gone-now")
    takedown = ArticleFactory(slug="takedown-now", draft=True)
    Article.history.model.objects.all().delete()
    OldSlug.objects.all().delete()
    OldSlug.objects.create(slug="kept-old", article=kept)  # kept by a save since 0018

    _revision(renamed, "ferry-draft", T - day, status="draft", published_at=None)
    _revision(renamed, "ferry-times", T + day)  # public
    _revision(renamed, "ferry-times-final", T + 2 * day)
    # Renamed while scheduled, before its time: that address never worked.
    _revision(scheduled, "budget-draft", T, published_at=T + 10 * day)
    _revision(scheduled, "budget-final", T + day, published_at=T + 10 * day)
    # Two stories were public under "shared": the one that left it last has it.
    _revision(last, "shared", T)
    _revision(first, "shared", T + day)
    _revision(first, "first-now", T + 2 * day)
    _revision(last, "last-now", T + 3 * day)
    _revision(porter, "port-old", T)
    _revision(porter, "port-new", T + day)
    _revision(kept, "kept-old", T)
    _revision(kept, "kept-now", T + day)
    _revision(gone, "gone-old", T)
    _revision(gone, "gone-now", T + day)
    gone_pk = gone.pk
    Article.objects.filter(pk=gone_pk).delete()  # its revisions stay
    # A draft's address never worked.
    _revision(taken, "port-old-draft", T, status="draft", published_at=None)
    # Taken down, then renamed: its address was public until the takedown.
    _revision(takedown, "takedown-old", T)
    _revision(takedown, "takedown-old", T + day, status="draft")
    _revision(takedown, "takedown-now", T + 2 * day, status="draft")

    # Back to before 0021 once the stories are written, with the columns added since.
    _migrate([("articles", "0020_strip_control_characters")])
    _migrate(_leaves())
    assert dict(OldSlug.objects.values_list("slug", "article_id")) == {
        "ferry-times": renamed.pk, "shared": last.pk, "kept-old": kept.pk,
        "takedown-old": takedown.pk}


@pytest.mark.django_db(transaction=True)
def test_0021_reads_the_revisions_in_a_fixed_number_of_queries():
    module = importlib.import_module("articles.migrations.0021_old_slugs_from_revisions")
    counts = []
    for stories in (3, 12):
        Article.history.model.objects.all().delete()
        for n in range(stories):
            story = ArticleFactory(slug=f"now-{stories}-{n}")
            _revision(story, f"was-{stories}-{n}", T)
        OldSlug.objects.all().delete()
        with connection.schema_editor() as editor, \
                CaptureQueriesContext(connection) as queries:
            module.old_slugs_from_revisions(django_apps, editor)
        counts.append(len(queries.captured_queries))
        assert OldSlug.objects.count() == stories
    assert counts[0] == counts[1]


PRIVACY = importlib.import_module("pages.migrations.0006_privacy_comments_and_queue")
# Migrating to the leaves runs the later wording changes too.
LATER_PRIVACY = importlib.import_module(
    "pages.migrations.0009_privacy_sessions_proven_addresses_cookies")


@pytest.mark.django_db(transaction=True)
def test_0007_turns_cr_lf_into_lf_and_updates_the_privacy_wording():
    _migrate([("pages", "0006_privacy_comments_and_queue")])
    old = "## What we keep\n\n" + "\n".join(before for before, _after in PRIVACY.CHANGES)
    privacy = Page.objects.get_or_create(slug="privacy", defaults={"title": "Privacy"})[0]
    about = Page.objects.get_or_create(slug="about", defaults={"title": "About"})[0]
    standards = Page.objects.get_or_create(slug="standards", defaults={"title": "Standards"})[0]
    Page.objects.filter(pk=privacy.pk).update(body=old.replace("\n", "\r\n"))
    Page.objects.filter(pk=about.pk).update(body="About us.\rSecond line.\r\n")
    Page.objects.filter(pk=standards.pk).update(body="Kept as it is.\n", body_html="<p>x</p>")
    untouched = Page.objects.get(pk=standards.pk).updated_at

    _migrate(_leaves())
    privacy.refresh_from_db()
    assert "\r" not in privacy.body
    expected = "## What we keep\n\n" + "\n".join(after for _before, after in PRIVACY.CHANGES)
    for before, after in LATER_PRIVACY.CHANGES:
        expected = expected.replace(before, after)
    assert privacy.body == expected
    assert "The Report Bias form sets one" in privacy.body_html
    assert 'id="what-we-keep"' in privacy.body_html
    about.refresh_from_db()
    assert about.body == "About us.\nSecond line.\n"
    standards.refresh_from_db()
    assert (standards.body_html, standards.updated_at) == ("<p>x</p>", untouched)


@pytest.mark.django_db
def test_a_bias_report_written_by_code_before_standards_0005_is_accepted():
    """While a deploy runs, servers not yet restarted insert reports without reporter_key:
    NOT NULL with no default in the database made each one an IntegrityError."""
    from django.db import connection

    from standards.models import BiasReport
    from tests.factories import ArticleFactory, BiasReportFactory

    unsaved = BiasReportFactory.build(article=ArticleFactory())
    fields = [field for field in BiasReport._meta.concrete_fields
              if field.name not in ("id", "reporter_key")]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    values = [field.get_db_prep_save(getattr(unsaved, field.attname), connection)
              for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {connection.ops.quote_name(BiasReport._meta.db_table)} "
                       f"({columns}) VALUES ({', '.join(['%s'] * len(fields))})", values)
    assert BiasReport.objects.get().reporter_key == ""


def test_an_original_in_object_storage_is_stored_again_under_its_name():
    """Storage with no file path (S3 and the like) gets a new object under the same name."""
    from django.core.files.storage import InMemoryStorage

    from core.images import strip_stored_metadata

    storage = InMemoryStorage()
    name = storage.save("avatars/old-phone-photo.jpg", ContentFile(phone_jpeg()))
    assert strip_stored_metadata(storage, name) is True
    with storage.open(name) as cleaned:
        assert_no_metadata(cleaned.read())
    assert storage.listdir("avatars") == ([], ["old-phone-photo.jpg"])
    assert strip_stored_metadata(storage, name) is False  # nothing left to take away
