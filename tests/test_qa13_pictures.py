"""Story pictures over time (QA round 13): a picture cleared or replaced is kept a while
(core.images.keep_after_commit), served as its story is, then deleted."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from core import images
from core.models import KeptImage
from tests.articles.newsroom import article_form, change_url, form_errors, history_url, staff
from tests.factories import ArticleFactory
from tests.tasks import DATABASE_QUEUE, kept_pictures_time_up
from tests.test_image_privacy import clean_jpeg, stored_with_renditions, upload

pytestmark = pytest.mark.django_db


def status(client, name):
    return client.get(f"/media/{name}").status_code


@pytest.fixture
def desk(client):
    """A second client, signed in as an editor; `client` stays an anonymous reader."""
    from django.test import Client

    editor = Client()
    editor.force_login(staff("Editors", username="editor"))
    return editor


def replace(desk, story, capture, size=(1200, 800)):
    """Replace story's picture through the admin; the old files, as they were stored."""
    old = stored_with_renditions(story.image, story.image_renditions)
    with capture(execute=True):
        response = desk.post(change_url(story), article_form(
            story, image=upload("other.jpg", clean_jpeg(size))))
    assert response.status_code == 302, form_errors(response)
    story.refresh_from_db()
    return old


class TestAReplacedPicture:
    def test_is_served_while_pages_may_show_it_then_deleted(
            self, client, desk, settings, django_capture_on_commit_callbacks):
        settings.TASKS = DATABASE_QUEUE
        story = ArticleFactory(with_image=True)
        old = replace(desk, story, django_capture_on_commit_callbacks)

        # A page rendered a second ago, at the edge or in a reader's tab, still shows it.
        assert [status(client, name) for name in old] == [200] * len(old)
        kept = KeptImage.objects.get(name=old[0])
        assert kept.kept_until - timezone.now() > timedelta(
            seconds=settings.PAGE_CACHE_SECONDS + 6 * 3600)
        queued = DBTaskResult.objects.get(task_path="core.images.delete_kept_image")
        assert queued.run_after == kept.kept_until and queued.args_kwargs["kwargs"] == {
            "name": old[0]}

        assert images.delete_kept_image.call(name=old[0]) == "kept"  # not yet
        assert status(client, old[0]) == 200
        with time_machine.travel(kept.kept_until + timedelta(seconds=1)):
            assert images.delete_kept_image.call(name=old[0]) == "deleted"
        assert [status(client, name) for name in old] == [404] * len(old)
        assert not KeptImage.objects.exists()
        assert status(client, story.image.name) == 200

    def test_a_drafts_is_the_newsrooms_alone(self, client, desk,
                                             django_capture_on_commit_callbacks):
        story = ArticleFactory(with_image=True, draft=True)
        old = replace(desk, story, django_capture_on_commit_callbacks)
        assert [status(client, name) for name in old] == [404] * len(old)
        assert [status(desk, name) for name in old] == [200] * len(old)
        response = desk.get(f"/media/{old[0]}")
        assert "private" in response["Cache-Control"]

    def test_a_story_taken_down_takes_it_along(self, client, desk,
                                               django_capture_on_commit_callbacks):
        story = ArticleFactory(with_image=True)
        old = replace(desk, story, django_capture_on_commit_callbacks)
        Article.objects.filter(pk=story.pk).update(status=Article.Status.DRAFT)
        assert status(client, old[0]) == 404

    def test_a_story_deleted_takes_it_at_once(self, client, desk,
                                              django_capture_on_commit_callbacks):
        story = ArticleFactory(with_image=True)
        old = replace(desk, story, django_capture_on_commit_callbacks)
        new = stored_with_renditions(story.image, story.image_renditions)
        with django_capture_on_commit_callbacks(execute=True):
            Article.objects.filter(pk=story.pk).delete()
        assert [status(desk, name) for name in old + new] == [404] * len(old + new)
        assert not KeptImage.objects.exists()

    def test_a_revision_restored_meanwhile_brings_it_back(
            self, client, desk, django_capture_on_commit_callbacks):
        story = ArticleFactory(with_image=True)
        first = story.history.earliest("history_date")
        old = replace(desk, story, django_capture_on_commit_callbacks)
        url = f"{history_url(story)}{first.pk}/"
        page = desk.get(url)
        form = page.context["adminform"].form
        data = {**article_form(form.instance, tags=form.initial["tags"]), "_save": "Revert",
                "_edit_version": form.edit_version}
        with django_capture_on_commit_callbacks(execute=True):
            response = desk.post(url, data)
        assert response.status_code == 302, form_errors(response)
        story.refresh_from_db()
        assert story.image.name == old[0]
        assert status(client, old[0]) == 200

        kept = KeptImage.objects.get(name=old[0])
        with time_machine.travel(kept.kept_until + timedelta(seconds=1)):
            assert images.delete_kept_image.call(name=old[0]) == "held"
        assert status(client, old[0]) == 200


class TestDeleteOrphanImages:
    def test_leaves_a_kept_picture_until_its_time_is_up(
            self, client, desk, settings, django_capture_on_commit_callbacks):
        story = ArticleFactory(with_image=True)
        old = replace(desk, story, django_capture_on_commit_callbacks)
        call_command("delete_orphan_images", "--older-than", "0", stdout=io.StringIO())
        assert [status(client, name) for name in old] == [200] * len(old)

        kept = KeptImage.objects.get(name=old[0])
        with time_machine.travel(kept.kept_until + timedelta(seconds=1)):
            out = io.StringIO()
            call_command("delete_orphan_images", "--older-than", "0", stdout=out)
        assert f"deleted {old[0]}" in out.getvalue()
        assert [status(client, name) for name in old] == [404] * len(old)
        assert not KeptImage.objects.exists()
        assert status(client, story.image.name) == 200


    def test_replaced_now_deletes_a_kept_picture_before_its_time(
            self, client, desk, django_capture_on_commit_callbacks):
        """A picture taken off a story for legal reasons need not wait out its week."""
        story = ArticleFactory(with_image=True)
        old = replace(desk, story, django_capture_on_commit_callbacks)
        out = io.StringIO()
        call_command("delete_orphan_images", "--replaced-now", "--dry-run", stdout=out)
        assert f"would delete {old[0]} (replaced)" in out.getvalue()
        assert status(client, old[0]) == 200

        out = io.StringIO()
        call_command("delete_orphan_images", "--replaced-now", stdout=out)
        assert f"deleted {old[0]} (replaced)" in out.getvalue()
        assert [status(client, name) for name in old] == [404] * len(old)
        assert not KeptImage.objects.exists()
        assert status(client, story.image.name) == 200

@pytest.mark.postgresql
def test_two_editors_replacing_one_picture_at_once(transactional_db, settings, monkeypatch):
    """The second save waits for the first's lock, then is a conflict: one new picture is
    held, the one replaced is kept, the refused upload is not stored."""
    import threading
    from pathlib import Path

    from django.db import connection
    from django.test import Client

    story = ArticleFactory(with_image=True)
    old = stored_with_renditions(story.image, story.image_renditions)
    clients = {}
    for name in ("first", "second"):
        clients[name] = Client()
        clients[name].force_login(staff("Editors", username=name))
    forms = {name: {**article_form(story), "_edit_version": clients[name].get(
        change_url(story)).context["adminform"].form.edit_version} for name in clients}
    saving, go_on, answers = threading.Event(), threading.Event(), {}
    real_save = Article.save

    def save(self, *args, **kwargs):
        real_save(self, *args, **kwargs)
        if threading.current_thread().name == "first":
            saving.set()
            go_on.wait(10)

    monkeypatch.setattr(Article, "save", save)

    def post(name, size):
        try:
            answers[name] = clients[name].post(change_url(story), {
                **forms[name], "image": upload(f"{name}.jpg", clean_jpeg(size))})
        finally:
            connection.close()

    first = threading.Thread(target=post, name="first", args=("first", (1200, 800)))
    first.start()
    assert saving.wait(10)
    second = threading.Thread(target=post, name="second", args=("second", (1000, 700)))
    second.start()
    second.join(1)
    assert second.is_alive()  # waiting for the first save's lock
    go_on.set()
    first.join(10)
    second.join(10)

    assert answers["first"].status_code == 302
    assert answers["second"].status_code == 200
    assert "Someone else saved this article" in answers["second"].content.decode()
    story.refresh_from_db()
    assert story.image.name.startswith("articles/") and "first" in story.image.name
    assert list(KeptImage.objects.values_list("name", flat=True)) == [old[0]]
    stored = {str(p.relative_to(settings.MEDIA_ROOT)) for p in
              Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}
    assert not [name for name in stored if "second" in name]
    assert set(old) <= stored


class TestAnOlderRevisionsPicture:
    """Its page in the admin showed the story's picture of today as its "current image"."""

    def test_is_the_one_shown_on_its_page(self, desk, django_capture_on_commit_callbacks):
        story = ArticleFactory(with_image=True)
        first = story.history.earliest("history_date")
        old = replace(desk, story, django_capture_on_commit_callbacks)
        url = f"{history_url(story)}{first.pk}/"

        preview = preview_of(desk.get(url))
        assert f'src="/media/{old[0]}"' in preview, preview
        assert story.image.name.rsplit(".", 1)[0] not in preview
        # The story's own page shows its picture of today, by its rendition.
        preview = preview_of(desk.get(change_url(story)))
        assert f'src="/media/{story.image_renditions["jpeg"][0]["name"]}"' in preview

        kept_pictures_time_up()
        preview = preview_of(desk.get(url))
        assert "<img" not in preview
        assert "This image’s file is no longer stored." in preview


def preview_of(response):
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index('class="form-row field-image_preview"')
    return page[start:page.index("</div>\n", page.index('class="readonly"', start))]
