"""The desk, QA round 3: 16-bit grey images make grey renditions, not white ones; a deleted
story's revision keeps its tags, and a revision's tags follow renames, merges and deletions
or are named before a revert brings them back; bulk actions leave unchanged stories alone;
tags' slugs are lower case and differ in more than capitals."""

import struct
import zlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image
from taggit.models import Tag

from articles.models import Article, RelatedArticle
from core import images
from tests.articles.newsroom import ADD_URL, LIST_URL, article_form, history_url, staff
from tests.factories import ArticleFactory, AuthorFactory, CorrectionFactory, SectionFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
TAGS = "/admin/taggit/tag/"
MERGE = "/admin/taggit/tag/merge-tags/"


@pytest.fixture(autouse=True)
def clock(settings):
    settings.TIME_ZONE = "UTC"
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def editor(client):
    client.force_login(staff("Editors", username="editor", first_name="Jane",
                             last_name="Editor"))
    return client


def html(response):
    return response.content.decode()


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


# ---------------------------------------------------------------------------
# 1. 16-bit grey images


def _chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def grey16_png(width=800, height=600, transparent=False, name="grad16.png"):
    """A PNG of 16-bit grey samples, black at the left to white at the right.

    transparent: its left half is black, and black is transparent (its tRNS chunk).
    """
    def sample(x):
        if transparent and x < width // 2:
            return 0
        return x * 65535 // (width - 1)

    row = b"\0" + b"".join(struct.pack(">H", sample(x)) for x in range(width))
    trns = _chunk(b"tRNS", struct.pack(">H", 0)) if transparent else b""
    data = (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 0, 0, 0, 0))
            + trns + _chunk(b"IDAT", zlib.compress(row * height)) + _chunk(b"IEND", b""))
    return ContentFile(data, name=name)


def opened(rendition):
    with default_storage.open(rendition["name"]) as file:
        image = Image.open(file)
        image.load()
    return image


def grey_at(image, fraction):
    """The first channel of the pixel fraction of the way across, in the middle row."""
    return image.getpixel((round((image.width - 1) * fraction), image.height // 2))[0]


def assert_a_gradient(image, whole=True):
    """Black, mid-grey and white where the original was; not white from 1/256th across.

    A crop (not whole) is of the middle: mid-grey in the middle, darker and lighter
    at its edges.
    """
    assert 110 < grey_at(image, 0.5) < 145
    assert grey_at(image, 0) < grey_at(image, 0.25) < grey_at(image, 0.5) \
        < grey_at(image, 0.75) < grey_at(image, 1)
    if whole:
        assert grey_at(image, 0) < 12 and grey_at(image, 1) > 243
    else:
        assert grey_at(image, 0) < 100 and grey_at(image, 1) > 155


class TestSixteenBitGrey:
    def test_pillow_opens_the_file_as_16_bit_grey(self):
        with Image.open(grey16_png()) as image:
            assert image.mode == "I;16"

    def test_a_story_images_renditions_and_crops_keep_the_gradient(self):
        story = ArticleFactory(image=grey16_png())
        record = story.image_renditions
        assert images.is_made(record, images.CROPS)
        for rendition in record["jpeg"] + record["webp"]:
            assert_a_gradient(opened(rendition).convert("RGB"))
        for crop in record["crops"].values():
            assert_a_gradient(opened(crop).convert("RGB"), whole=False)

    def test_an_avatars_renditions_keep_the_gradient(self):
        author = AuthorFactory(avatar=grey16_png(300, 300))
        for rendition in author.avatar_renditions["jpeg"] + author.avatar_renditions["webp"]:
            assert_a_gradient(opened(rendition).convert("RGB"))

    def test_its_transparent_value_stays_transparent(self):
        author = AuthorFactory(avatar=grey16_png(300, 300, transparent=True))
        for rendition in author.avatar_renditions["webp"]:
            webp = opened(rendition)
            assert webp.mode == "RGBA"
            assert webp.getpixel((2, webp.height // 2))[3] == 0
            assert webp.getpixel((webp.width * 3 // 4, webp.height // 2))[3] == 255
            assert 170 < webp.getpixel((webp.width * 3 // 4, webp.height // 2))[0] < 210
        for rendition in author.avatar_renditions["jpeg"]:
            jpeg = opened(rendition)
            assert min(jpeg.getpixel((2, jpeg.height // 2))) > 240  # on white
            assert 170 < grey_at(jpeg, 0.75) < 210

    def test_an_editor_uploads_it_and_the_worker_makes_grey_renditions(self, editor):
        data = article_form(headline="Grey harbour", slug="grey-harbour", body="The pier.",
                            section=SectionFactory(), author=AuthorFactory(),
                            image=grey16_png(), image_alt="A gradient")
        response = editor.post(ADD_URL, data)
        assert response.status_code == 302, html(response)
        story = Article.objects.get(slug="grey-harbour")
        assert images.store_renditions(Article, story.pk, "image", story.image.name,
                                       crops=images.CROPS) == images.STORED
        story.refresh_from_db()
        assert_a_gradient(opened(story.image_renditions["jpeg"][-1]).convert("RGB"))

    @pytest.mark.parametrize("mode", ["I;16B", "I;16L", "I", "F"])
    def test_every_mode_of_more_than_8_bits_is_scaled_to_8(self, mode):
        width = 256
        samples = [x * 65535 // (width - 1) for x in range(width)]
        if mode in ("I;16B", "I;16L"):
            order = ">" if mode == "I;16B" else "<"
            image = Image.frombytes(mode, (width, 1),
                                    b"".join(struct.pack(order + "H", v) for v in samples))
        else:
            image = Image.frombytes("I;16", (width, 1), b"".join(
                struct.pack("<H", v) for v in samples)).convert("I").convert(mode)
        eight = images._eight_bit(image)
        assert eight.mode == "L"
        assert [eight.getpixel((x, 0)) for x in (0, 128, 255)] == [0, 128, 255]

    def test_only_the_transparent_value_itself_is_transparent(self):
        # 4660, 4661 and 4700 are all 18 in 8 bits: only the first is transparent.
        image = Image.frombytes("I;16", (3, 1), struct.pack("<3H", 4660, 4661, 4700))
        image.info["transparency"] = 4660
        eight = images._eight_bit(image)
        assert eight.mode == "LA"
        assert [eight.getpixel((x, 0)) for x in range(3)] == [(18, 0), (18, 255), (18, 255)]

    @pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA", "P", "1"])
    def test_an_8_bit_image_is_left_as_it_is(self, mode):
        image = Image.new(mode, (4, 4))
        assert images._eight_bit(image) is image


# ---------------------------------------------------------------------------
# 2. Tags in revisions


def revision_form(client, url):
    """The revert form, and the POST that presses Revert with what it shows."""
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = article_form(form.instance, tags=form.initial["tags"])
    return page, {**data, "_save": "Revert", "_edit_version": form.edit_version}


def latest_revision(story_pk):
    return Article.history.filter(id=story_pk).order_by("-history_date", "-history_id").first()


class TestADeletedStorysRevision:
    @pytest.mark.parametrize("with_rows", ["correction", "related story", "nothing else"])
    def test_keeps_its_tags_and_reverting_it_brings_them_back(self, editor, with_rows):
        story = ArticleFactory(headline="Ferry strike ends", tags=["Ports", "New York"],
                               published_at=NOW - timedelta(days=2), status="published")
        # Rows that point at the story are deleted before it, and its taggings then too:
        # the revision written when it is deleted found it with no tags.
        if with_rows == "correction":
            CorrectionFactory(article=story, date=NOW - timedelta(days=1))
            # A public story keeps its corrections on record: taken down before it is deleted.
            Article.objects.filter(pk=story.pk).update(status="draft")
        elif with_rows == "related story":
            RelatedArticle.objects.create(from_article=story, to_article=ArticleFactory(),
                                          position=1)
        pk = story.pk
        assert editor.post(f"/admin/articles/article/{pk}/delete/",
                           {"post": "yes"}).status_code == 302
        deleted = Article.history.get(id=pk, history_type="-")
        assert deleted.tag_names == '"New York", Ports'

        page, data = revision_form(editor, f"{history_url(story)}{deleted.pk}/")
        assert "This story was deleted." in html(page)
        assert editor.post(f"{history_url(story)}{deleted.pk}/", data).status_code == 302
        assert set(Article.objects.get(pk=pk).tags.names()) == {"Ports", "New York"}


def choose_tags(client, *tags):
    """Run "Merge selected tags" on tags; the ids its page's form carries."""
    client.post(TAGS, {"action": "render_tag_form", "_selected_action": [tag.pk for tag in tags]})
    return [tag.pk for tag in tags]


class TestTagChangesInRevisions:
    def test_a_merge_updates_the_latest_revision_and_its_revert_keeps_the_merged_tag(
            self, editor):
        story = ArticleFactory(headline="Storm closes the pier", tags=["Storms", "Ports"])
        other = ArticleFactory(headline="Sunny week", tags=["Weather"])
        chosen = choose_tags(editor, Tag.objects.get(name="Storms"),
                             Tag.objects.get(name="Weather"))
        assert editor.post(MERGE, {"into": "Weather", "tags": chosen}).status_code == 302
        assert latest_revision(story.pk).tag_names == "Ports, Weather"
        assert latest_revision(other.pk).tag_names == "Weather"

        latest = latest_revision(story.pk)
        page, data = revision_form(editor, f"{history_url(story)}{latest.pk}/")
        assert not any("no longer on the site" in m for m in messages_of(page))
        assert editor.post(f"{history_url(story)}{latest.pk}/", data).status_code == 302
        assert not Tag.objects.filter(name="Storms").exists()  # not made again
        assert set(story.tags.names()) == {"Ports", "Weather"}

    def test_a_rename_updates_the_latest_revision(self, editor):
        story = ArticleFactory(headline="Storm closes the pier", tags=["Storms"])
        tag = Tag.objects.get(name="Storms")
        response = editor.post(f"{TAGS}{tag.pk}/change/", {"name": "Gales", "slug": "gales"})
        assert response.status_code == 302, html(response)
        assert latest_revision(story.pk).tag_names == "Gales"

    def test_a_deletion_updates_the_latest_revision(self, editor):
        story = ArticleFactory(headline="Storm closes the pier", tags=["Storms", "Ports"])
        tag = Tag.objects.get(name="Storms")
        assert editor.post(f"{TAGS}{tag.pk}/delete/", {"post": "yes"}).status_code == 302
        assert latest_revision(story.pk).tag_names == "Ports"

    def test_deleting_tags_from_the_list_updates_the_latest_revisions(self, editor):
        story = ArticleFactory(headline="Storm closes the pier", tags=["Storms", "Ports"])
        tag = Tag.objects.get(name="Storms")
        response = editor.post(TAGS, {"action": "delete_selected", "_selected_action": [tag.pk],
                                      "post": "yes"})
        assert response.status_code == 302
        assert latest_revision(story.pk).tag_names == "Ports"

    def test_an_older_revision_names_the_tags_gone_before_its_revert(self, editor):
        story = ArticleFactory(headline="Storm closes the pier", tags=["Storms", "Ports"])
        older = latest_revision(story.pk)
        story.headline = "Storm closes the pier again"
        story.save()
        chosen = choose_tags(editor, Tag.objects.get(name="Storms"))
        editor.post(MERGE, {"into": "Weather", "tags": chosen})
        page, _ = revision_form(editor, f"{history_url(story)}{older.pk}/")
        assert ("This revision’s tag “Storms” is no longer on the site (renamed, merged into "
                "another tag or deleted since): Revert would create it again. Take it out of "
                "Tags below unless it should come back.") in messages_of(page)

    def test_a_tag_in_another_case_is_still_on_the_site(self, editor):
        story = ArticleFactory(headline="Storm closes the pier", tags=["Storms"])
        Tag.objects.filter(name="Storms").update(name="STORMS")
        page, _ = revision_form(editor, f"{history_url(story)}{latest_revision(story.pk).pk}/")
        assert not any("no longer on the site" in m for m in messages_of(page))


# ---------------------------------------------------------------------------
# 3. Bulk actions on stories they do not change


def act(client, action, stories):
    response = client.post(LIST_URL, {"action": action,
                                      "_selected_action": [story.pk for story in stories]},
                           follow=True)
    assert response.status_code == 200
    return messages_of(response)


class TestBulkActionsLeaveUnchangedStoriesAlone:
    @pytest.mark.parametrize("action, status, featured, message", [
        ("publish_now", "published", False, "1 story was already published."),
        ("unpublish", "draft", False, "1 story was already a draft."),
        ("feature", "draft", True, "1 story was already featured."),
        ("unfeature", "draft", False, "1 story was not featured."),
    ])
    def test_no_revision_and_no_new_updated_at(self, editor, action, status, featured,
                                               message):
        story = ArticleFactory(status=status, is_featured=featured,
                               published_at=NOW - timedelta(days=1)
                               if status == "published" else None)
        revisions, updated = story.history.count(), story.updated_at
        with time_machine.travel(NOW + timedelta(hours=1), tick=False):
            assert act(editor, action, [story]) == [message]
        story.refresh_from_db()
        assert story.updated_at == updated
        assert story.history.count() == revisions

    def test_the_changed_and_the_unchanged_are_counted_apart(self, editor):
        public = [ArticleFactory(status="published", published_at=NOW - timedelta(days=1))
                  for _ in range(2)]
        draft = ArticleFactory(status="draft")
        assert act(editor, "publish_now", [*public, draft]) == [
            "Published 1 story.", "2 stories were already published."]
        draft.refresh_from_db()
        assert draft.state == Article.State.PUBLISHED


# ---------------------------------------------------------------------------
# 4. Tags' slugs


def tag_form(name, slug):
    return {"name": name, "slug": slug}


class TestTagSlugs:
    def test_a_slug_in_capitals_is_refused(self, editor):
        response = editor.post(f"{TAGS}add/", tag_form("Storms", "Storms"))
        assert response.status_code == 200
        assert "storms" in str(response.context["adminform"].form.errors["slug"])
        assert not Tag.objects.exists()

    def test_a_slug_differing_only_in_capitals_is_refused(self, editor):
        Tag.objects.create(name="Weather news", slug="WEATHER")  # stored before the rule
        response = editor.post(f"{TAGS}add/", tag_form("Weather", "weather"))
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["slug"] == [
            "The tag “Weather news” has the slug “WEATHER”: two tags’ slugs must differ in "
            "more than capitals. Choose another slug."]
        assert Tag.objects.count() == 1

    def test_a_unicode_slug_in_another_case_is_refused(self, editor):
        Tag.objects.create(name="Ärzte", slug="ÄRZTE")
        response = editor.post(f"{TAGS}add/", tag_form("Aerzte", "ärzte"))
        assert "slug" in response.context["adminform"].form.errors

    def test_a_lower_case_slug_is_saved(self, editor):
        assert editor.post(f"{TAGS}add/", tag_form("Storms", "storms")).status_code == 302
        assert Tag.objects.get().slug == "storms"

    def test_a_slug_stored_in_capitals_is_left_when_the_name_changes(self, editor):
        tag = Tag.objects.create(name="Storms", slug="Storms")
        response = editor.post(f"{TAGS}{tag.pk}/change/", tag_form("Gales", "Storms"))
        assert response.status_code == 302
        tag.refresh_from_db()
        assert (tag.name, tag.slug) == ("Gales", "Storms")

    def test_a_merge_makes_a_lower_case_slug(self, editor):
        ArticleFactory(tags=["Storms"])
        chosen = choose_tags(editor, Tag.objects.get(name="Storms"))
        editor.post(MERGE, {"into": "Bad WEATHER", "tags": chosen})
        assert Tag.objects.get(name="Bad WEATHER").slug == "bad-weather"

