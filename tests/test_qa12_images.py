"""Uploaded pictures (QA round 12, helper 5; core.images, core.views.media).

1. A draft's, a scheduled or a taken-down story's pictures were served at
   /media/ to anyone with their address (a preview shared, a page saved or an
   edge cache's copy from before the takedown): only the names were hard to
   guess. They are now served only while a story holding them is public, and
   to the newsroom before; at the edge they go stale with their story.
2. A save rolled back after its upload was stored (a database error, a
   failing related save) left the file on disk for good, served to anyone.
   The originals a thread stores are deleted once its request or task ends
   if no committed row holds them; another thread's, still being saved, are
   not its to touch.
"""

import io
import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import DatabaseError, transaction
from django.test import Client
from django.utils import timezone

from articles.admin import ArticleAdmin
from articles.models import Article
from core import images
from tests.articles.newsroom import ADD_URL, article_form, change_url, staff
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, UserFactory
from tests.core import test_edge_qa5_site as through_varnish
from tests.tasks import kept_pictures_time_up
from tests.test_image_privacy import clean_jpeg

pytestmark = pytest.mark.django_db

# The site behind a real varnishd, as round 5's edge tests run it.
app_server, edge = through_varnish.app_server, through_varnish.edge
get, stored_at_the_edge = through_varnish.get, through_varnish.stored_at_the_edge


def files_of(story):
    return [story.image.name, *images.rendition_files(story.image_renditions)]


def answers(client, names):
    return {client.get(f"/media/{name}").status_code for name in names}


class TestAStorysPicturesAreItsReaders:
    def test_a_drafts_pictures_answer_404_to_readers_and_are_kept_by_no_cache(self):
        story = ArticleFactory(with_image=True, draft=True)
        names = files_of(story)
        assert len(names) == 1 + 6 + 3  # the original, its renditions and crops
        assert answers(Client(), names) == {404}
        response = Client().get(f"/media/{story.image.name}")
        assert response["Cache-Control"] == "private, no-cache"
        # A signed-in reader is a reader.
        reader = Client()
        reader.force_login(UserFactory())
        assert answers(reader, names) == {404}

    def test_a_scheduled_storys_until_its_time(self):
        story = ArticleFactory(with_image=True, scheduled=True)
        assert answers(Client(), files_of(story)) == {404}
        Article.objects.filter(pk=story.pk).update(
            published_at=timezone.now() - timedelta(minutes=1))
        assert answers(Client(), files_of(story)) == {200}

    def test_a_taken_down_storys_no_longer(self):
        story = ArticleFactory(with_image=True)
        assert answers(Client(), files_of(story)) == {200}
        story.status = Article.Status.DRAFT
        story.save()
        assert answers(Client(), files_of(story)) == {404}

    def test_the_newsroom_sees_them_and_no_shared_cache_keeps_them(self):
        story = ArticleFactory(with_image=True, draft=True)
        editor = Client()
        editor.force_login(staff("Editors", username="editor"))
        assert answers(editor, files_of(story)) == {200}
        response = editor.get(f"/media/{story.image.name}")
        assert response["Cache-Control"] == "private, no-cache"
        assert "xkey" not in response
        # Staff without the right to view stories do not.
        other = Client()
        other.force_login(UserFactory(is_staff=True))
        assert answers(other, files_of(story)) == {404}

    def test_a_file_a_public_story_shares_with_a_draft_is_served(self):
        story = ArticleFactory(with_image=True)
        ArticleFactory(draft=True, image=story.image.name)
        assert answers(Client(), files_of(story)) == {200}

    def test_avatars_and_files_no_story_holds_are_served_as_before(self):
        author = AuthorFactory(avatar=ContentFile(clean_jpeg(), name="me.jpg"))
        assert answers(Client(), [author.avatar.name]) == {200}

    def test_at_the_edge_a_picture_goes_stale_with_its_story(self, settings):
        settings.EDGE_CACHE_TAGS = True
        story = ArticleFactory(with_image=True)
        for name in files_of(story):
            response = Client().get(f"/media/{name}")
            assert response["xkey"] == f"{images.media_tag(name)} story-{story.pk}"
            assert response["Cache-Control"] == "public, max-age=86400"

    def test_one_query_by_an_index_for_a_published_picture(self, django_assert_num_queries):
        story = ArticleFactory(with_image=True)
        with django_assert_num_queries(1):
            assert Client().get(f"/media/{story.image.name}").status_code == 200

    def test_a_rendition_is_told_from_its_original_by_name(self):
        names = images.originals_of("articles/2026/12/ferry-k3j9x2q7mz-jpg-16x9-1200w.jpeg")
        assert "articles/2026/12/ferry-k3j9x2q7mz.jpg" in names
        names = images.originals_of("a/./b-png-480w.webp")
        assert names == {"a/b-png-480w.webp", "a/b.png", "a/b.PNG"}



class TestThroughARealEdgeCache:
    """deploy/varnish/default.vcl in front of the site (tests/core/test_edge_qa5_site.py)."""

    @pytest.mark.django_db(transaction=True)
    def test_a_story_taken_down_takes_its_pictures_from_the_edge(self, edge):
        story = ArticleFactory(with_image=True)
        names = files_of(story)
        for name in names:
            stored_at_the_edge(edge, name)
        story.status = Article.Status.DRAFT
        story.save()
        for name in names:
            assert get(edge, f"/media/{name}")[0] == 404, name

    @pytest.mark.django_db(transaction=True)
    def test_a_drafts_picture_is_never_kept_at_the_edge(self, edge):
        story = ArticleFactory(with_image=True, scheduled=True)
        assert get(edge, f"/media/{story.image.name}")[0] == 404
        Article.objects.filter(pk=story.pk).update(
            published_at=timezone.now() - timedelta(minutes=1))
        # Public at its time, with no purge: the 404 was not kept.
        assert get(edge, f"/media/{story.image.name}")[0] == 200


def stored(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.fixture
def failing_editor(client, monkeypatch):
    """An editor whose every story save fails after the story's row, and its upload,
    were written: the admin's transaction rolls back."""
    client.force_login(staff("Editors", username="editor"))

    def save_related(*args, **kwargs):
        raise DatabaseError("could not serialize access due to concurrent update")

    monkeypatch.setattr(ArticleAdmin, "save_related", save_related)
    client.raise_request_exception = False
    return client


@pytest.mark.django_db(transaction=True)
class TestAnUploadRolledBackIsNotKept:
    def test_a_new_story_whose_save_failed(self, failing_editor, settings):
        response = failing_editor.post(ADD_URL, article_form(
            headline="A story", slug="a-story", body="Words.", section=SectionFactory(),
            author=AuthorFactory(), image_alt="Alt",
            image=SimpleUploadedFile("embargoed.jpg", clean_jpeg((400, 300)))))
        assert response.status_code == 500
        assert not Article.objects.exists()
        assert stored(settings) == []

    def test_a_replacement_whose_save_failed_and_the_picture_kept(self, failing_editor,
                                                                   settings):
        story = ArticleFactory(with_image=True)
        before = stored(settings)
        assert story.image.name in before
        response = failing_editor.post(change_url(story), article_form(
            story, image=SimpleUploadedFile("other.jpg", clean_jpeg((400, 300)))))
        assert response.status_code == 500
        assert Article.objects.get().image.name == story.image.name
        assert stored(settings) == before

    def test_a_save_undone_inside_a_transaction_that_commits(self, settings):
        story = ArticleFactory()
        with transaction.atomic():
            try:
                with transaction.atomic():
                    story.image.save("undone.jpg", ContentFile(clean_jpeg((400, 300))))
                    raise DatabaseError("a constraint refused the row")
            except DatabaseError:
                pass
        request_finished.send(sender=None)
        assert stored(settings) == []
        assert not Article.objects.get().image

    def test_a_file_that_cannot_be_deleted_is_logged_not_raised(self, monkeypatch, caplog):
        def refuse(storage, name):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(images, "delete_with_renditions", refuse)
        story = ArticleFactory()
        with pytest.raises(DatabaseError), transaction.atomic():
            story.image.save("undone.jpg", ContentFile(clean_jpeg((400, 300))))
            raise DatabaseError("a constraint refused the row")
        request_finished.send(sender=None)
        assert "could not be deleted" in caplog.text

    def test_a_committed_picture_stays(self, settings):
        story = ArticleFactory()
        story.image.save("kept.jpg", ContentFile(clean_jpeg((400, 300))))
        request_finished.send(sender=None)
        assert Article.objects.get().image.name in stored(settings)

    def test_another_threads_picture_still_being_saved_stays(self, settings):
        story = ArticleFactory()
        with transaction.atomic():
            story.image.save("pending.jpg", ContentFile(clean_jpeg((400, 300))))
            # Another request ends meanwhile, in a thread of its own.
            other = threading.Thread(target=request_finished.send, kwargs={"sender": None})
            other.start()
            other.join()
            assert story.image.name in stored(settings)
        request_finished.send(sender=None)
        assert Article.objects.get().image.name in stored(settings)


class TestAReplacedPictureGoesAfterTheCommit:
    """3. Checked, found right: the old picture and its renditions are deleted once the
    replacement commits, never before; a reader in between still gets them."""

    def test_through_the_admin(self, client, django_capture_on_commit_callbacks):
        client.force_login(staff("Editors", username="editor"))
        story = ArticleFactory(with_image=True)
        old = files_of(story)
        with django_capture_on_commit_callbacks(execute=False) as at_commit:
            response = client.post(change_url(story), article_form(
                story, image=SimpleUploadedFile("other.jpg", clean_jpeg((1200, 800)))))
        assert response.status_code == 302
        assert Article.objects.get().image.name != old[0]
        # Not committed yet: a reader of the page as it was gets every picture.
        assert answers(Client(), old) == {200}
        for callback in at_commit:
            callback()
        # Kept while pages rendered before may show it (core.images.keep_after_commit).
        assert answers(Client(), old) == {200}
        kept_pictures_time_up()
        assert answers(Client(), old) == {404}
        story.refresh_from_db()
        assert answers(Client(), files_of(story)) == {200}


class TestOrphansLeftByAProcessThatDied:
    """A process killed between storing an upload and its commit left the file for good:
    manage.py delete_orphan_images finds and deletes what no row holds."""

    @staticmethod
    def orphan(settings, name, hours_old):
        """An original and its renditions that no row holds, written hours_old ago."""
        story = ArticleFactory(with_image=True, image=ContentFile(clean_jpeg((800, 600)),
                                                                  name=name))
        names = files_of(story)
        Article.objects.filter(pk=story.pk).update(image="")  # as if never committed
        written = time.time() - hours_old * 3600
        for stored_name in names:
            os.utime(Path(settings.MEDIA_ROOT) / stored_name, (written, written))
        return names

    def test_what_no_row_holds_goes_and_everything_else_stays(self, settings):
        held = files_of(ArticleFactory(with_image=True))
        avatar = AuthorFactory(avatar=ContentFile(clean_jpeg(), name="me.jpg")).avatar.name
        old = self.orphan(settings, "left.jpg", hours_old=30)
        recent = self.orphan(settings, "still-saving.jpg", hours_old=1)
        out = io.StringIO()
        call_command("delete_orphan_images", "--dry-run", stdout=out)
        assert f"would delete {old[0]}" in out.getvalue()
        assert f"{len(old)} files no row holds (nothing deleted: --dry-run)." in out.getvalue()
        assert set(old) <= set(stored(settings))

        call_command("delete_orphan_images", stdout=io.StringIO())
        left = set(stored(settings))
        assert not set(old) & left
        assert {*held, avatar, *recent} <= left

    def test_a_row_pointed_at_it_keeps_it(self, settings):
        old = self.orphan(settings, "kept.jpg", hours_old=30)
        ArticleFactory(image=old[0], renditions=False)
        call_command("delete_orphan_images", stdout=io.StringIO())
        assert set(old) <= set(stored(settings))
