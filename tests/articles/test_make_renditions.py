"""Renditions still waiting, and `manage.py make_renditions`, which queues or makes them.

A story whose renditions were made before the site made crops is waiting
too: its search-engine crops and link preview come only once they are made.
"""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from articles.tasks import make_hero_renditions, make_waiting_renditions, waiting_renditions
from authors.models import Author
from authors.tasks import make_avatar_renditions
from core import images, seo
from tests.articles.test_renditions import media, run_worker
from tests.factories import ArticleFactory, AuthorFactory, image_file

CROP_NAMES = ["16x9", "1x1", "4x3"]


def made_before_crops(**kwargs):
    """A story whose renditions were made (and its files written) before the site made crops."""
    story = ArticleFactory(with_image=True, renditions=False, **kwargs)
    Article.objects.filter(pk=story.pk).update(
        image_renditions=images.make_renditions(story.image))
    story.refresh_from_db()
    assert "jpeg" in story.image_renditions and "crops" not in story.image_renditions
    return story


def waiting():
    """What waits, by model: [(pk, source), ...]."""
    return {model: list(rows) for model, _task, rows in waiting_renditions()}


@pytest.fixture
def database_queue(settings):
    """The database queue production uses, so that queued tasks can be seen."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def make_renditions(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("make_renditions", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_renditions_are_made_only_with_every_crop_asked_for():
    record = {"source": "a.jpg", "jpeg": [], "webp": []}
    assert images.is_made(record)  # an avatar's: no crops asked
    assert not images.is_made(record, images.CROPS)
    some = record | {"crops": {"16x9": {"name": "a-jpg-16x9-1200w.jpeg"}}}
    assert not images.is_made(some, images.CROPS)
    assert images.is_made(some, images.CROPS[:1])
    every = record | {"crops": {name: {} for name in CROP_NAMES}}
    assert images.is_made(every, images.CROPS)
    assert not images.is_made({"source": "a.jpg", "crops": every["crops"]}, images.CROPS)


@pytest.mark.django_db
class TestWhatIsWaiting:
    def test_stories_without_every_crop_and_avatars_without_renditions_wait(self):
        old = made_before_crops()
        partly = made_before_crops()
        record = partly.image_renditions | {"crops": {"16x9": {"name": "x.jpeg", "width": 1200,
                                                               "height": 675}}}
        Article.objects.filter(pk=partly.pk).update(image_renditions=record)
        uploaded = ArticleFactory(with_image=True, renditions=False)
        ArticleFactory(with_image=True)  # finished
        ArticleFactory()  # no image
        avatar = AuthorFactory(avatar=image_file("face.jpg"), renditions=False)
        AuthorFactory(avatar=image_file("done.jpg"))  # finished
        assert waiting() == {
            Author: [(avatar.pk, avatar.avatar.name)],
            Article: [(s.pk, s.image.name) for s in (old, partly, uploaded)],
        }

    def test_the_task_makes_the_crops_a_story_lacks_and_leaves_finished_images_alone(
            self, settings):
        story = made_before_crops()
        assert seo.hero_crops(story) == []
        assert make_hero_renditions.call(pk=story.pk, source=story.image.name) == images.STORED
        story.refresh_from_db()
        assert sorted(story.image_renditions["crops"]) == CROP_NAMES
        assert [c["width"] for c in seo.hero_crops(story)] == [1200, 1066, 800]
        assert set(media(settings)) == {story.image.name,
                                        *images.rendition_files(story.image_renditions)}
        assert make_hero_renditions.call(pk=story.pk, source=story.image.name) == images.DONE
        # An avatar has no crops, and is done once its renditions are made.
        author = AuthorFactory(avatar=image_file("face.jpg"))
        assert make_avatar_renditions.call(pk=author.pk, source=author.avatar.name) == (
            images.DONE)
        assert waiting() == {Author: [], Article: []}

    def test_a_story_loaded_before_its_crops_were_made_keeps_them_when_saved_after(self):
        story = made_before_crops()
        loaded = Article.objects.get(pk=story.pk)  # an editor's form, a script
        assert make_hero_renditions.call(pk=story.pk, source=story.image.name) == images.STORED
        made = Article.objects.get(pk=story.pk).image_renditions
        loaded.headline = "A later edit"
        loaded.save()
        assert Article.objects.get(pk=story.pk).image_renditions == made
        assert waiting()[Article] == []

    def test_seed_demo_makes_the_crops_too(self):
        story = made_before_crops()
        make_waiting_renditions()
        story.refresh_from_db()
        assert sorted(story.image_renditions["crops"]) == CROP_NAMES


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database_queue")
def test_the_command_queues_what_waits_for_the_worker():
    story = made_before_crops()
    finished = ArticleFactory(with_image=True)
    author = AuthorFactory(avatar=image_file("face.jpg"), renditions=False)
    # The saves queued their own tasks; as after an upgrade, the queue is empty.
    DBTaskResult.objects.all().delete()

    out, err = make_renditions()
    assert out == ("Queued the renditions of 1 author and 1 article; the task worker "
                   "(manage.py db_worker) makes them.\n") and err == ""
    queued = {(t.task_path, tuple(sorted(t.args_kwargs["kwargs"].items())))
              for t in DBTaskResult.objects.all()}
    assert queued == {
        ("authors.tasks.make_avatar_renditions",
         (("pk", author.pk), ("source", author.avatar.name))),
        ("articles.tasks.make_hero_renditions",
         (("pk", story.pk), ("source", story.image.name))),
    }
    # Nothing was made here: the worker makes it.
    story.refresh_from_db()
    assert "crops" not in story.image_renditions

    run_worker()
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    story.refresh_from_db()
    author.refresh_from_db()
    assert sorted(story.image_renditions["crops"]) == CROP_NAMES
    assert images.is_made(author.avatar_renditions)
    finished_record = finished.image_renditions
    finished.refresh_from_db()
    assert finished.image_renditions == finished_record

    assert make_renditions() == ("No renditions are waiting: every avatar and story image "
                                 "has them all.\n", "")
    assert DBTaskResult.objects.count() == 2


@pytest.mark.django_db
class TestMakingThemNow:
    @pytest.mark.usefixtures("database_queue")
    def test_now_makes_them_in_this_process(self):
        story = made_before_crops()
        finished = ArticleFactory(with_image=True)
        finished_record = finished.image_renditions
        author = AuthorFactory(avatar=image_file("face.png", size=(400, 300), fmt="PNG"),
                               renditions=False)

        assert make_renditions("--now") == (
            "Made the renditions of 1 author and 1 article.\n", "")
        assert not DBTaskResult.objects.exists()  # nothing queued
        story.refresh_from_db()
        assert sorted(story.image_renditions["crops"]) == CROP_NAMES
        finished.refresh_from_db()
        assert finished.image_renditions == finished_record
        author.refresh_from_db()
        assert [r["width"] for r in author.avatar_renditions["webp"]] == [96, 192]
        assert "crops" not in author.avatar_renditions

        assert make_renditions("--now") == (
            "No renditions are waiting: every avatar and story image has them all.\n", "")

    def test_a_file_that_cannot_be_read_is_reported_and_the_others_are_made(self):
        first = made_before_crops()
        broken = ArticleFactory(image=ContentFile(b"\xff\xd8\xff not really a JPEG",
                                                  name="broken.jpg"), image_alt="Broken",
                                renditions=False)
        last = made_before_crops()
        author = AuthorFactory(avatar=image_file("face.jpg"), renditions=False)

        out, err = io.StringIO(), io.StringIO()
        with pytest.raises(CommandError, match=r"^The renditions of 1 image could not be made"):
            call_command("make_renditions", "--now", stdout=out, stderr=err)
        assert out.getvalue() == "Made the renditions of 1 author and 2 articles.\n"
        assert err.getvalue().startswith(f"article {broken.pk}: the renditions of "
                                         f"'{broken.image.name}' could not be made: ")
        for story in (first, last):
            story.refresh_from_db()
            assert sorted(story.image_renditions["crops"]) == CROP_NAMES
        author.refresh_from_db()
        assert images.is_made(author.avatar_renditions)
        assert waiting() == {Author: [], Article: [(broken.pk, broken.image.name)]}
