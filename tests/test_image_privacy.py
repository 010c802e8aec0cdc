"""What an uploaded picture gives away (QA, defects 2 and 3; core.images.PublicImageField).

Originals are stored where, on object storage, anyone with the address
reads them, a draft's too (the site's own /media/ serves a story's only once
it is public: tests/test_qa12_images.py). So they are stored without the
metadata cameras and phones write (the GPS block first), under a name no one can guess from the headline, and they
are deleted with their renditions once no row holds them: an avatar cleared
or replaced, a story's image replaced, an author or a story deleted.
"""

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, PngImagePlugin

from articles.models import Article
from authors.models import Author
from core import images
from tests.articles.newsroom import ADD_URL, article_form, change_url, form_errors, staff
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory
from tests.tasks import kept_pictures_time_up

pytestmark = pytest.mark.django_db

GPS_IFD, ORIENTATION, MAKE = 0x8825, 0x0112, 0x010F
LATITUDE = (51.0, 30.0, 26.0)
ICC = b"a colour profile, kept"


def phone_jpeg(size=(300, 200), orientation=6):
    """A JPEG as a phone writes it: EXIF with where it was taken and which way is up,
    XMP, a comment and a colour profile."""
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: LATITUDE, 3: "W", 4: (0.0, 7.0, 39.0)})
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(
        buffer, "JPEG", exif=exif, icc_profile=ICC, comment=b"Home, back garden",
        xmp=b"<x:xmpmeta><rdf:Description photoshop:City='Lewes'/></x:xmpmeta>")
    return buffer.getvalue()


def clean_jpeg(size=(300, 200)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 30, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def stored_bytes(field_file):
    with field_file.storage.open(field_file.name, "rb") as stored:
        return stored.read()


def assert_no_metadata(data):
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()
        assert not {"exif", "xmp", "comment"} & image.info.keys(), image.info.keys()
    for secret in (b"PhoneMaker", b"Lewes", b"back garden", b"GPS"):
        assert secret not in data


def public(client, name):
    return client.get(f"/media/{name}").status_code == 200


def stored_with_renditions(field_file, renditions):
    return [field_file.name, *images.rendition_files(renditions)]


@pytest.fixture
def editor(client):
    user = staff("Editors", username="editor")
    client.force_login(user)
    return user


def author_form(author, **fields):
    data = {"name": author.name, "slug": author.slug, "title": author.title, "bio": author.bio,
            "ai_disclosure": author.ai_disclosure, "user": ""}
    data.update(fields)
    return data


class TestMetadataIsStripped:
    def test_an_avatar_through_the_admin(self, client, editor,
                                         django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/admin/authors/author/add/", {
                "name": "Li Wei", "slug": "li-wei", "avatar": upload("gps.jpg", phone_jpeg())})
        assert response.status_code == 302, response.context["adminform"].form.errors
        author = Author.objects.get()
        data = stored_bytes(author.avatar)
        assert_no_metadata(data)
        with Image.open(io.BytesIO(data)) as image:
            # Turned as the EXIF said, and shown so without it; its colour profile kept.
            assert image.size == (200, 300)
            assert image.info["icc_profile"] == ICC
        made = author.avatar_renditions
        assert (made["width"], made["height"]) == (200, 300)

    def test_a_story_image_through_the_admin(self, client, editor):
        data = article_form(headline="Night ferry timetable", slug="night-ferry-timetable",
                            body="Words.", section=SectionFactory(), author=AuthorFactory(),
                            image=upload("night-ferry-timetable.jpg", phone_jpeg()),
                            image_alt="The ferry")
        response = client.post(ADD_URL, data)
        assert response.status_code == 302, form_errors(response)
        assert_no_metadata(stored_bytes(Article.objects.get().image))

    def test_in_the_shell_and_the_importer_too(self):
        # Both store through the field's file: FieldFile.save.
        author = AuthorFactory()
        author.avatar.save("gps.jpg", ContentFile(phone_jpeg()))
        assert_no_metadata(stored_bytes(Author.objects.get(pk=author.pk).avatar))

    def test_a_clean_picture_is_stored_as_it_came(self):
        author = AuthorFactory(avatar=ContentFile(clean_jpeg(), name="clean.jpg"))
        assert stored_bytes(author.avatar) == clean_jpeg()

    def test_a_png_loses_its_text_and_keeps_its_pixels(self):
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "back garden")
        buffer = io.BytesIO()
        original = Image.new("RGBA", (20, 10), (10, 20, 30, 128))
        original.save(buffer, "PNG", pnginfo=info)
        data = images.without_metadata(buffer.getvalue())
        assert_no_metadata(data)
        with Image.open(io.BytesIO(data)) as image:
            assert image.tobytes() == original.tobytes()

    def test_an_animated_gif_keeps_every_frame_and_its_timing(self):
        buffer = io.BytesIO()
        colours = [(255, 0, 0), (0, 0, 255), (0, 255, 0)]
        frames = [Image.new("RGB", (10, 10), colour) for colour in colours]
        frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:],
                       duration=[100, 300, 200], loop=0, comment=b"back garden")
        data = images.without_metadata(buffer.getvalue())
        assert b"back garden" not in data
        with Image.open(io.BytesIO(data)) as image:
            seen = []
            for n in range(image.n_frames):
                image.seek(n)
                seen.append((image.info["duration"], image.convert("RGB").getpixel((5, 5))))
        assert seen == list(zip([100, 300, 200], colours))

    def test_a_camera_jpegs_second_picture_goes(self):
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), (200, 30, 30)).save(
            buffer, "MPO", save_all=True, append_images=[Image.new("RGB", (20, 15))])
        data = images.without_metadata(buffer.getvalue())
        with Image.open(io.BytesIO(data)) as image:
            assert (image.format, getattr(image, "n_frames", 1)) == ("JPEG", 1)

    def test_bytes_that_are_no_picture_are_left_as_they_are(self):
        assert images.without_metadata(b"not a picture") == b"not a picture"


class TestNamesCannotBeGuessed:
    def test_a_story_image_keeps_a_readable_name_with_a_random_part(self, client, editor):
        data = article_form(headline="Night ferry timetable", slug="night-ferry-timetable",
                            body="Words.", section=SectionFactory(), author=AuthorFactory(),
                            status="scheduled",
                            published_at=timezone.now() + timezone.timedelta(days=3),
                            image=upload("Night Ferry Timetable.JPG", clean_jpeg()),
                            image_alt="The ferry")
        response = client.post(ADD_URL, data)
        assert response.status_code == 302, form_errors(response)
        story = Article.objects.get()
        month = timezone.now().strftime("%Y/%m")
        assert re.fullmatch(rf"articles/{month}/night-ferry-timetable-[a-z0-9]{{10}}\.jpg",
                            story.image.name), story.image.name
        client.logout()
        assert client.get(story.get_absolute_url()).status_code == 404
        # The address made from the headline answers nothing.
        assert not public(client, f"articles/{month}/night-ferry-timetable.jpg")
        assert not public(client, f"articles/{month}/night-ferry-timetable-jpg-960w.webp")

    def test_an_avatar_and_the_same_name_twice(self):
        first = AuthorFactory(avatar=ContentFile(clean_jpeg(), name="me.jpg"))
        second = AuthorFactory(avatar=ContentFile(clean_jpeg(), name="me.jpg"))
        for author in (first, second):
            assert re.fullmatch(r"avatars/me-[a-z0-9]{10}\.jpg", author.avatar.name)
        assert first.avatar.name != second.avatar.name
        # Renditions are named after the original, so they are no easier to guess.
        assert all(name.startswith(first.avatar.name.removesuffix(".jpg"))
                   for name in images.rendition_files(first.avatar_renditions))

    def test_an_unreadable_or_empty_name(self):
        assert re.fullmatch(r"image-[a-z0-9]{10}\.png", images.unguessable_name("东京.PNG"))
        assert len(images.unguessable_name("x" * 300 + ".jpg")) == 40 + 1 + 10 + 4


class TestOldPicturesAreDeleted:
    @pytest.fixture
    def author(self):
        return AuthorFactory(name="Li Wei", slug="li-wei",
                             avatar=ContentFile(phone_jpeg(), name="gps.jpg"))

    def test_an_avatar_cleared_in_the_admin(self, client, editor, author,
                                            django_capture_on_commit_callbacks):
        old = stored_with_renditions(author.avatar, author.avatar_renditions)
        assert all(public(client, name) for name in old)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/admin/authors/author/{author.pk}/change/",
                                   author_form(author, **{"avatar-clear": "on"}))
        assert response.status_code == 302
        assert not Author.objects.get().avatar
        # Kept while pages rendered before may show it (core.images.keep_after_commit).
        assert all(public(client, name) for name in old)
        assert kept_pictures_time_up() == [old[0]]
        assert not any(public(client, name) for name in old)

    def test_an_avatar_replaced_in_the_admin(self, client, editor, author,
                                             django_capture_on_commit_callbacks):
        old = stored_with_renditions(author.avatar, author.avatar_renditions)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/admin/authors/author/{author.pk}/change/",
                                   author_form(author, avatar=upload("new.jpg", clean_jpeg())))
        assert response.status_code == 302
        author.refresh_from_db()
        assert kept_pictures_time_up() == [old[0]]
        assert not any(public(client, name) for name in old)
        assert all(public(client, name)
                   for name in stored_with_renditions(author.avatar, author.avatar_renditions))

    def test_an_author_deleted_in_the_admin(self, client, editor, author,
                                            django_capture_on_commit_callbacks):
        old = stored_with_renditions(author.avatar, author.avatar_renditions)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/admin/authors/author/{author.pk}/delete/",
                                   {"post": "yes"})
        assert response.status_code == 302
        assert not Author.objects.exists()
        assert not any(public(client, name) for name in old)

    def test_a_story_image_replaced_and_the_story_deleted(
            self, client, editor, django_capture_on_commit_callbacks):
        story = ArticleFactory(with_image=True)
        old = stored_with_renditions(story.image, story.image_renditions)
        assert len(old) == 1 + 6 + 3  # the original, three widths in two formats, three crops
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(change_url(story), article_form(
                story, image=upload("other.jpg", clean_jpeg((1200, 800)))))
        assert response.status_code == 302, form_errors(response)
        assert kept_pictures_time_up() == [old[0]]
        assert not any(public(client, name) for name in old)

        story.refresh_from_db()
        new = stored_with_renditions(story.image, story.image_renditions)
        assert all(public(client, name) for name in new)
        with django_capture_on_commit_callbacks(execute=True):
            Article.objects.filter(pk=story.pk).delete()
        assert not any(public(client, name) for name in new)

    def test_a_file_another_row_holds_is_kept(self, author, django_capture_on_commit_callbacks):
        twin = AuthorFactory(avatar=author.avatar.name)
        with django_capture_on_commit_callbacks(execute=True):
            author.avatar = ""
            author.save()
        assert twin.avatar.storage.exists(twin.avatar.name)

    def test_nothing_is_deleted_before_the_commit(self, author,
                                                  django_capture_on_commit_callbacks):
        name = author.avatar.name
        with django_capture_on_commit_callbacks(execute=False) as waiting:
            author.delete()
        assert author.avatar.storage.exists(name)
        for callback in waiting:  # as the commit runs them
            callback()
        assert not author.avatar.storage.exists(name)
