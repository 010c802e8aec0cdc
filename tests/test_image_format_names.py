"""A stored original is named for its real format (core.images.named_for_format), so it is
served with its type: a PNG uploaded as x.jpg was stored as .jpg and served as image/jpeg."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.models import Article
from authors.models import Author
from core import images
from tests.articles.newsroom import ADD_URL, article_form, form_errors, staff
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory


def picture(fmt, size=(640, 480), **options):
    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 90, 140)).save(buffer, fmt, **options)
    return buffer.getvalue()


@pytest.mark.parametrize(("uploaded", "fmt", "stored"), [
    ("x.jpg", "PNG", "x.png"),
    ("photo.png", "JPEG", "photo.jpg"),
    ("photo", "WEBP", "photo.webp"),
    ("anim.webp", "GIF", "anim.gif"),
    ("camera.png", "MPO", "camera.jpg"),  # a camera's JPEG is a JPEG
    # Already right: unchanged.
    ("photo.jpeg", "JPEG", "photo.jpeg"),
    ("PHOTO.JPG", "JPEG", "PHOTO.JPG"),
    ("chart.png", "PNG", "chart.png"),
])
def test_named_for_its_format(uploaded, fmt, stored):
    assert images.named_for_format(f"articles/2026/03/{uploaded}", picture(fmt)) == (
        f"articles/2026/03/{stored}")


def test_bytes_that_are_no_image_keep_their_name():
    assert images.named_for_format("notes.jpg", b"not a picture") == "notes.jpg"


@pytest.mark.django_db
class TestStored:
    def test_a_story_image_and_an_avatar(self):
        story = ArticleFactory(image=ContentFile(picture("PNG"), name="x.jpg"), image_alt="A")
        author = AuthorFactory(avatar=ContentFile(picture("PNG", (300, 300)), name="me.JPG"))
        assert re.fullmatch(r"articles/\d{4}/\d{2}/x-[a-z0-9]{10}\.png", story.image.name)
        assert re.fullmatch(r"avatars/me-[a-z0-9]{10}\.png", author.avatar.name)
        assert story.image.storage.exists(story.image.name)
        # Renditions are named after the stored original.
        assert all(name.startswith(story.image.name.removesuffix(".png") + "-png-")
                   for name in images.rendition_files(story.image_renditions))

    def test_uploaded_in_the_admin_and_served_with_its_type(self, client):
        client.force_login(staff("Editors"))
        upload = SimpleUploadedFile("x.jpg", picture("PNG"), content_type="image/jpeg")
        response = client.post(ADD_URL, article_form(
            headline="A story", slug="a-story", body="Words.", section=SectionFactory(),
            author=AuthorFactory(), image=upload, image_alt="The harbour"))
        assert response.status_code == 302, form_errors(response)
        name = Article.objects.get().image.name
        assert name.endswith(".png")
        served = client.get(f"/media/{name}")
        assert served.status_code == 200 and served["Content-Type"] == "image/png"

    def test_an_avatar_in_the_admin(self, client):
        client.force_login(staff("Editors"))
        upload = SimpleUploadedFile("face.png", picture("JPEG", (300, 300)),
                                    content_type="image/png")
        response = client.post("/admin/authors/author/add/", {
            "name": "New Writer", "slug": "new-writer", "avatar": upload})
        assert response.status_code == 302
        assert Author.objects.get().avatar.name.endswith(".jpg")
