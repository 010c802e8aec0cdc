"""Renditions are the task worker's work: a save queues them, pages show the original meanwhile.

The queue tests use django-tasks-db as production does and run its db_worker
in-process (`--batch`: until the queue is empty), as tests/newsletter/test_queue.py.
"""

import io
import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image

from articles.models import Article
from articles.tasks import make_hero_renditions
from authors.models import Author
from authors.tasks import make_avatar_renditions
from core import images
from tests.articles.newsroom import ADD_URL, article_form, change_url, staff
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, image_file


def media(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def run_worker(verbosity=0):
    call_command("db_worker", batch=True, startup_delay=False, reload=False,
                 verbosity=verbosity, stdout=io.StringIO())


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def hero_tag(page, alt="Cranes at dawn"):
    """The <picture> whose image has this alt text."""
    [picture] = re.findall(rf'<picture>(?:(?!</picture>).)*alt="{alt}".*?</picture>', page, re.S)
    return picture


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("database_queue")
class TestTheQueue:
    def test_an_upload_is_queued_and_the_page_shows_the_original_until_the_worker_runs(
            self, client, settings):
        editor = staff("Editors", username="editor")
        client.force_login(editor)
        data = article_form(headline="Harbour talks", slug="harbour-talks", body="Words.",
                            section=SectionFactory(), author=AuthorFactory(),
                            status="published",
                            published_at=timezone.now() - timedelta(minutes=1),
                            image=image_file("hero.jpg"), image_alt="Cranes at dawn")
        assert client.post(ADD_URL, data).status_code == 302
        article = Article.objects.get()
        original = article.image.name

        # The request stored the original and queued its renditions: it made none.
        assert media(settings) == [original]
        assert article.image_renditions == {"source": original, "width": 1200, "height": 800}
        (task,) = DBTaskResult.objects.all()
        assert task.task_path == "articles.tasks.make_hero_renditions"
        assert task.args_kwargs["kwargs"] == {"pk": article.pk, "source": original}

        client.logout()
        figure = hero_tag(client.get(article.get_absolute_url()).content.decode())
        assert (f'<img src="/media/{original}" srcset="/media/{original} 1200w"' in figure
                and 'width="1200" height="800"' in figure)
        assert "image/webp" not in figure  # no WebP yet, and no empty srcset
        card = client.get("/articles/").content.decode()
        assert f'src="/media/{original}"' in card

        run_worker()
        assert DBTaskResult.objects.get().status == "SUCCESSFUL"
        article.refresh_from_db()
        renditions = article.image_renditions
        assert renditions["source"] == original
        assert [r["width"] for r in renditions["jpeg"]] == [480, 960, 1200]
        assert sorted(renditions["crops"]) == ["16x9", "1x1", "4x3"]
        assert set(media(settings)) == {original, *images.rendition_files(renditions)}
        figure = hero_tag(client.get(article.get_absolute_url()).content.decode())
        assert '<source type="image/webp" srcset="/media/articles/' in figure
        assert "-960w.jpeg" in figure and f'src="/media/{original}"' not in figure
        assert 'width="1200" height="800"' in figure

        # An edit that keeps the image queues nothing.
        client.force_login(editor)
        assert client.post(change_url(article), article_form(
            article, headline="Harbour talks resume")).status_code == 302
        assert DBTaskResult.objects.count() == 1
        article.refresh_from_db()
        assert article.image_renditions == renditions

    def test_a_new_avatar_is_queued_and_bylines_show_the_original_until_then(self, client):
        author = AuthorFactory(name="Li Wei", slug="li-wei")
        story = ArticleFactory(author=author)
        author.avatar = image_file("li.png", size=(400, 300), fmt="PNG")
        author.save()
        original = author.avatar.name
        assert author.avatar_renditions == {"source": original, "width": 400, "height": 300}
        (task,) = DBTaskResult.objects.all()
        assert task.task_path == "authors.tasks.make_avatar_renditions"
        for url in (story.get_absolute_url(), "/authors/", "/authors/li-wei/"):
            page = client.get(url).content.decode()
            assert f'src="/media/{original}"' in page, url

        run_worker()
        author.refresh_from_db()
        assert [r["width"] for r in author.avatar_renditions["webp"]] == [96, 192]
        assert "crops" not in author.avatar_renditions
        for url in (story.get_absolute_url(), "/authors/", "/authors/li-wei/"):
            page = client.get(url).content.decode()
            assert f'src="/media/{original}"' not in page, url
            assert "-96w.jpeg" in page and "-192w.webp 192w" in page, url

    def test_a_file_that_cannot_be_read_fails_its_task_once_and_is_logged(
            self, client, caplog):
        story = ArticleFactory(image=ContentFile(b"\xff\xd8\xff not really a JPEG",
                                                 name="broken.jpg"), image_alt="Broken",
                               renditions=False)
        # The header cannot be read: no size, so no image on the page, and no error.
        assert story.image_renditions == {"source": story.image.name}
        assert story.hero is None
        page = client.get(story.get_absolute_url())
        assert page.status_code == 200 and "broken" not in page.content.decode()

        with caplog.at_level(logging.ERROR, logger="django.tasks"):
            run_worker(verbosity=1)  # as `make run` and deployments run it
        task = DBTaskResult.objects.get()
        assert task.status == "FAILED"
        [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert "articles.tasks.make_hero_renditions" in record.getMessage()
        assert (f"article {story.pk}: the renditions of '{story.image.name}' could not be made"
                in str(record.exc_info[1]))
        # It is not tried again and again.
        run_worker()
        assert DBTaskResult.objects.get().status == "FAILED"
        story.refresh_from_db()
        assert story.image_renditions == {"source": story.image.name}


@pytest.mark.django_db
class TestTheTask:
    def test_an_image_replaced_before_the_task_ran_gets_no_stale_renditions(self, settings):
        story = ArticleFactory(with_image=True, renditions=False)
        first = story.image.name
        story.image = image_file("second.jpg", size=(800, 600))
        story.save()
        second = story.image.name

        assert make_hero_renditions.call(pk=story.pk, source=first) == images.STALE
        story.refresh_from_db()
        assert story.image_renditions == {"source": second, "width": 800, "height": 600}
        assert media(settings) == sorted([first, second])  # nothing made for the first

        assert make_hero_renditions.call(pk=story.pk, source=second) == images.STORED
        story.refresh_from_db()
        assert story.image_renditions["source"] == second
        assert {r["width"] for r in story.image_renditions["jpeg"]} == {480, 800}

    def test_an_image_replaced_while_the_task_ran_keeps_nothing_it_made(
            self, settings, monkeypatch):
        story = ArticleFactory(with_image=True, renditions=False)
        first = story.image.name
        real = images.make_renditions

        def replaced_meanwhile(field_file, **options):
            made = real(field_file, **options)
            Article.objects.filter(pk=story.pk).update(image="articles/other.jpg")
            return made

        monkeypatch.setattr(images, "make_renditions", replaced_meanwhile)
        assert make_hero_renditions.call(pk=story.pk, source=first) == images.STALE
        assert media(settings) == [first]
        assert Article.objects.get(pk=story.pk).image_renditions == {
            "source": first, "width": 1200, "height": 800}

    def test_a_deleted_story_or_author_is_left_alone(self, settings):
        story = ArticleFactory(with_image=True, renditions=False)
        pk, source = story.pk, story.image.name
        story.delete()
        assert make_hero_renditions.call(pk=pk, source=source) == images.GONE
        author = AuthorFactory(avatar=image_file("face.jpg"), renditions=False)
        pk, source = author.pk, author.avatar.name
        author.delete()
        assert make_avatar_renditions.call(pk=pk, source=source) == images.GONE
        # Nothing but the originals (Django leaves them to the newsroom's clean-up).
        assert media(settings) == sorted([story.image.name, author.avatar.name])

    def test_a_story_loaded_before_the_worker_ran_keeps_its_renditions_when_saved_after(self):
        story = ArticleFactory(with_image=True, renditions=False)
        loaded = Article.objects.get(pk=story.pk)  # an editor's form, a script
        assert make_hero_renditions.call(pk=story.pk, source=story.image.name) == images.STORED
        made = Article.objects.get(pk=story.pk).image_renditions
        loaded.headline = "A later edit"
        loaded.save()
        assert Article.objects.get(pk=story.pk).image_renditions == made
        # The same for an author's avatar.
        author = AuthorFactory(avatar=image_file("face.jpg"), renditions=False)
        loaded = Author.objects.get(pk=author.pk)
        assert make_avatar_renditions.call(pk=author.pk, source=author.avatar.name) == (
            images.STORED)
        loaded.title = "Harbour desk"
        loaded.save()
        assert images.is_made(Author.objects.get(pk=author.pk).avatar_renditions)

    def test_an_upload_spooled_to_a_temporary_file_records_its_size(self, client, settings):
        settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # large uploads are written to disk first
        client.force_login(staff("Editors", username="editor"))
        data = article_form(headline="Harbour talks", slug="harbour-talks", body="Words.",
                            section=SectionFactory(), author=AuthorFactory(),
                            image=image_file("hero.jpg", size=(900, 1200)), image_alt="Cranes")
        assert client.post(ADD_URL, data).status_code == 302
        article = Article.objects.get()
        assert article.image_renditions == {"source": article.image.name, "width": 900,
                                            "height": 1200}

    def test_the_original_is_shown_turned_as_its_exif_orientation_says(self):
        buffer = io.BytesIO()
        exif = Image.Exif()
        exif[0x0112] = 6  # turned a quarter: shown 600 wide and 800 high
        Image.new("RGB", (800, 600), (40, 90, 140)).save(buffer, "JPEG", exif=exif)
        story = ArticleFactory(image=ContentFile(buffer.getvalue(), name="phone.jpg"),
                               image_alt="A phone picture", renditions=False)
        assert (story.hero["width"], story.hero["height"]) == (600, 800)
        assert make_hero_renditions.call(pk=story.pk, source=story.image.name) == images.STORED
        story.refresh_from_db()
        made = story.image_renditions
        assert (made["width"], made["height"]) == (600, 800)
        assert [(r["width"], r["height"]) for r in made["jpeg"]] == [(480, 640), (600, 800)]

    def test_a_second_run_for_the_same_image_does_nothing(self, settings):
        story = ArticleFactory(with_image=True)
        made = set(media(settings))
        assert make_hero_renditions.call(pk=story.pk, source=story.image.name) == images.DONE
        assert set(media(settings)) == made

    def test_saving_queues_the_task_only_when_the_transaction_commits(
            self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as callbacks:
            story = ArticleFactory(with_image=True, renditions=False)
        queued = [c for c in callbacks if getattr(c, "func", None) == make_hero_renditions.enqueue]
        assert [c.keywords for c in queued] == [{"pk": story.pk, "source": story.image.name}]
        assert not images.is_made(Article.objects.get(pk=story.pk).image_renditions)
        with django_capture_on_commit_callbacks(execute=True):
            story.image = image_file("new.jpg", size=(640, 480))
            story.save()
        assert [r["width"] for r in Article.objects.get(pk=story.pk).image_renditions["jpeg"]] \
            == [480, 640]


def test_crops_are_centred_and_never_enlarged(settings):
    # A small portrait picture: red at the top, blue at the bottom, green between.
    picture = Image.new("RGB", (300, 600), (0, 160, 0))
    picture.paste((200, 0, 0), (0, 0, 300, 100))
    picture.paste((0, 0, 200), (0, 500, 300, 600))
    Path(settings.MEDIA_ROOT).mkdir(parents=True)
    picture.save(Path(settings.MEDIA_ROOT) / "tall.png")
    field_file = Article(image="tall.png").image

    made = images.make_renditions(field_file, widths=(480,), crops=images.CROPS)
    sizes = {crop: (made["crops"][crop]["width"], made["crops"][crop]["height"])
             for crop in made["crops"]}
    assert sizes == {"16x9": (300, 169), "4x3": (300, 225), "1x1": (300, 300)}
    assert [r["width"] for r in made["jpeg"]] == [300]  # not enlarged to 480
    for crop in made["crops"].values():
        with Image.open(field_file.storage.path(crop["name"])) as stored:
            assert (stored.format, stored.size) == ("JPEG", (crop["width"], crop["height"]))
            # The middle of the picture: neither the red top nor the blue bottom.
            for y in (1, crop["height"] - 2):
                assert all(abs(a - b) < 40 for a, b in zip(stored.getpixel((150, y)),
                                                            (0, 160, 0), strict=True))
    images.delete_with_renditions(field_file.storage, "tall.png")
    assert media(settings) == []


@pytest.mark.parametrize("base_url", [None, "https://cdn.example/media/"])
def test_rendition_urls_are_what_the_storage_gives(base_url):
    from django.core.files.storage import FileSystemStorage, default_storage

    storage = FileSystemStorage(base_url=base_url) if base_url else default_storage
    names = ["articles/2026/02/photo-jpg-480w.webp", "avatars/face.png", "dir/a.b.c",
             "~x/y-z_1.JPEG", "a b.jpg", "x/../y.jpg", "./z.jpg", "é.jpg", "a:b.jpg",
             "a?b#c.jpg", "/abs.jpg", "a//b.jpg", "back\\slash.jpg", ".hidden/x.jpg"]
    url = images.url_maker(storage)
    assert [url(name) for name in names] == [storage.url(name) for name in names]
    assert images.srcset({"jpeg": [{"name": names[3], "width": 480}]}, "jpeg", storage) \
        == f"{storage.url(names[3])} 480w"
