"""Pictures at the edge caches (QA round 5, finding 1; core.views.media, core.images).

A deleted picture was served by the edge for up to a week: /media/ answered
`public, max-age=604800` with no cache tag, and deleting a file purged nothing.
Now each file carries a tag of its own (for edge caches alone), a file deleted
or written again is purged by it after the files are gone (which is after the
change commits), a purge a cache missed is sent again for as long as the cache
may keep the file, and browsers keep a picture a day.
tests/core/test_edge_qa5_site.py runs the same through a real varnishd.
"""

import time
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from authors.models import Author
from core import edge, images
from tests.factories import ArticleFactory, AuthorFactory
from tests.redis_server import free_port
from tests.tasks import DATABASE_QUEUE, kept_pictures_time_up
from tests.test_image_privacy import phone_jpeg

pytestmark = pytest.mark.django_db


class Purges(list):
    """Every edge purge sent: SimpleNamespace(tags, kept_for, still_stored), still_stored
    being which of the watched files (storage, names) still existed when it was sent."""

    watched = (None, ())


@pytest.fixture
def purges(monkeypatch):
    sent = Purges()

    def purge(tags, kept_for=None):
        storage, names = sent.watched
        sent.append(SimpleNamespace(tags=list(tags), kept_for=kept_for, still_stored={
            name for name in names if storage.exists(name)}))
        return True

    monkeypatch.setattr(edge, "purge", purge)
    return sent


def media_purges(purges):
    return [sent for sent in purges if any(tag.startswith("media-") for tag in sent.tags)]


def files_of(field_file, renditions):
    return [field_file.name, *images.rendition_files(renditions)]


# The answers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("edge_settings", [{"EDGE_PURGE_URLS": ["http://127.0.0.1:6081/"]},
                                           {"EDGE_CACHE_TAGS": True}], ids=["varnish", "cdn"])
def test_a_picture_names_its_tag_for_edge_caches_and_readers_keep_it_a_day(settings,
                                                                         edge_settings):
    for name, value in edge_settings.items():
        setattr(settings, name, value)
    story = ArticleFactory(with_image=True)
    for name in files_of(story.image, story.image_renditions):
        response = Client().get(f"/media/{name}")
        assert response.status_code == 200
        assert response["Cache-Control"] == "public, max-age=86400"
        # And its story's: taken down, the story takes it along (QA round 12).
        assert response["xkey"] == response["Surrogate-Key"] == (
            f"{images.media_tag(name)} story-{story.pk}")
    # One file, one tag, however its path is written.
    name = story.image.name
    folder, _, base = name.rpartition("/")
    for spelling in (f"{folder}/./{base}", f"{folder}//{base}", f"./{name}"):
        response = Client().get(f"/media/{spelling}")
        assert (response.status_code, response["xkey"]) == (
            200, f"{images.media_tag(name)} story-{story.pk}")


def test_without_an_edge_cache_readers_get_no_tag(settings):
    settings.EDGE_PURGE_URLS, settings.EDGE_CACHE_TAGS = [], False
    story = ArticleFactory(with_image=True)
    response = Client().get(f"/media/{story.image.name}")
    assert response["Cache-Control"] == "public, max-age=86400"
    assert "xkey" not in response and "Surrogate-Key" not in response


def test_tags_are_short_and_what_xkey_reads_as_one_tag():
    for name in ("avatars/me-k3j9x2q7mz.jpg", "old name with spaces.JPG", "东京/写真.png",
                 "a,b.jpg", "x" * 500):
        tag = images.media_tag(name)
        assert edge._unique([tag]) == [tag] and len(tag) == len("media-") + 32
    assert images.media_tag("a/b.jpg") != images.media_tag("a/b.jpeg")


# The purges -----------------------------------------------------------------------------------


def test_a_story_deleted_purges_its_picture_and_every_rendition_once_the_files_are_gone(
        purges, django_capture_on_commit_callbacks):
    story = ArticleFactory(with_image=True)
    names = files_of(story.image, story.image_renditions)
    assert len(names) == 1 + 6 + 3
    purges.watched = (story.image.storage, names)
    with django_capture_on_commit_callbacks(execute=False) as waiting:
        Article.objects.get(pk=story.pk).delete()
    assert media_purges(purges) == []  # until the commit the picture is the story's
    for callback in waiting:  # as the commit runs them
        callback()
    (sent,) = media_purges(purges)
    assert set(sent.tags) == {images.media_tag(name) for name in names}
    assert sent.kept_for == images.MEDIA_MAX_AGE
    assert sent.still_stored == set()  # purged after the deletion, never before


@pytest.mark.parametrize("change", ["cleared", "replaced", "deleted"])
def test_an_avatar_cleared_replaced_or_deleted_is_purged(purges, change,
                                                        django_capture_on_commit_callbacks):
    author = AuthorFactory(avatar=ContentFile(phone_jpeg(), name="me.jpg"))
    names = files_of(author.avatar, author.avatar_renditions)
    with django_capture_on_commit_callbacks(execute=True):
        author = Author.objects.get(pk=author.pk)
        if change == "cleared":
            author.avatar = ""
            author.save()
        elif change == "replaced":
            author.avatar.save("new.jpg", ContentFile(phone_jpeg(), name="new.jpg"))
        else:
            author.delete()
    if change != "deleted":  # kept a while first (core.images.keep_after_commit)
        assert media_purges(purges) == []
        kept_pictures_time_up()
    (sent,) = media_purges(purges)
    assert set(sent.tags) == {images.media_tag(name) for name in names}


def test_a_file_written_again_without_its_metadata_is_purged(purges):
    """make_renditions --strip-metadata keeps the name: the edge's copy still had the GPS."""
    storage = Author._meta.get_field("avatar").storage
    name = storage.save("avatars/old-phone-photo.jpg", ContentFile(phone_jpeg()))
    assert images.strip_stored_metadata(storage, name) is True
    assert [sent.tags for sent in purges] == [[images.media_tag(name)]]
    purges.clear()
    assert images.strip_stored_metadata(storage, name) is False  # unchanged: nothing to purge
    assert purges == []


def test_a_purge_the_edge_missed_is_sent_again_while_it_may_keep_the_picture(
        settings, transactional_db):
    """A page leaves the edge after PAGE_CACHE_SECONDS at most; a picture after a day."""
    settings.TASKS = DATABASE_QUEUE
    settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{free_port()}/"]  # nothing listens there
    images.purge_from_edge(["avatars/me.jpg"])
    (task,) = DBTaskResult.objects.all()
    kwargs = task.args_kwargs["kwargs"]
    assert kwargs["tags"] == [images.media_tag("avatars/me.jpg")]
    assert kwargs["deadline"] == pytest.approx(
        time.time() + images.MEDIA_MAX_AGE + edge.EDGE_GRACE, abs=5)
    DBTaskResult.objects.all().delete()
    edge.purge(["story-1"])
    assert DBTaskResult.objects.get().args_kwargs["kwargs"]["deadline"] == pytest.approx(
        time.time() + settings.PAGE_CACHE_SECONDS + edge.EDGE_GRACE, abs=5)
