"""Uploaded pictures, QA round 6 (core.images): what Pillow does not report, and long names.

1. A file was stored as uploaded when all it held beside its pixels was
   something Pillow does not read: a PNG chunk it does not know (a "gPSx"
   holding where the picture was taken, a tIME), bytes after a JPEG's end
   of image (a phone's motion photo) or after a PNG's IEND (a web page, a
   polyglot). Now any chunk or segment outside a short allow-list, or any
   byte after the image's end, has the picture written again.
2. A picture whose file name ran over 100 characters was refused ("Ensure
   this filename has at most 100 characters"), though the name stored is
   made short (unguessable_name).
"""

import io
import json
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from articles.models import Article
from authors.models import Author
from core import images
from tests.articles.newsroom import ADD_URL, article_form, form_errors
from tests.factories import AuthorFactory, SectionFactory

WHERE = b"lat=51.5074 lon=-0.1278 home"
PAGE = b"<html><script>alert(document.cookie)</script></html>"
BLUE = (30, 90, 200)


def encoded(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def plain_png(size=(300, 300)):
    return encoded(Image.new("RGB", size, BLUE), "PNG")


def png_with_chunks_pillow_ignores(size=(300, 300)):
    """A PNG with a public ancillary chunk of its own and a tIME before its pixels."""
    data = plain_png(size)
    pixels = data.index(b"IDAT") - 4
    time = png_chunk(b"tIME", struct.pack(">HBBBBB", 2026, 5, 4, 7, 30, 0))
    return data[:pixels] + png_chunk(b"gPSx", WHERE) + time + data[pixels:]


def jpeg_with_a_motion_photo(size=(300, 300)):
    """A JPEG without EXIF, and after its end of image what a phone appends."""
    return encoded(Image.new("RGB", size, BLUE), "JPEG") + b"MOTIONPHOTO " + WHERE


def png_with_a_page_after_it(size=(300, 300)):
    return plain_png(size) + PAGE


def jpeg_with_a_jfif_thumbnail(size=(300, 300)):
    """A JPEG whose JFIF segment carries a small picture of its own (2 × 2 pixels)."""
    data = encoded(Image.new("RGB", size, BLUE), "JPEG")
    assert data[2:4] == b"\xff\xe0" and data[6:11] == b"JFIF\0"
    length = int.from_bytes(data[4:6])
    thumbnail = bytes([2, 2]) + bytes([250, 10, 10]) * 4
    segment = data[6:4 + length - 2] + thumbnail
    return data[:2] + b"\xff\xe0" + (len(segment) + 2).to_bytes(2) + segment + data[4 + length:]


def webp_with_extras(size=(300, 300)):
    """A lossless WebP with an unknown chunk inside its RIFF container, and a page after it."""
    data = encoded(Image.new("RGB", size, BLUE), "WEBP", lossless=True)
    extra = b"gPSx" + len(WHERE).to_bytes(4, "little") + WHERE
    riff = data[:4] + (len(data) - 8 + len(extra)).to_bytes(4, "little") + data[8:] + extra
    return riff + PAGE


def stored_bytes(field_file):
    with field_file.storage.open(field_file.name, "rb") as stored:
        return stored.read()


def assert_only_the_picture(data, size=(300, 300)):
    """data holds the picture, blue all over, and nothing beside it; stored so once more."""
    for secret in (WHERE, b"MOTIONPHOTO", b"gPSx", b"tIME", b"<html", b"\xfa\x0a\x0a" * 4):
        assert secret not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == size
        red, green, blue = image.convert("RGB").getpixel((150, 150))
        assert abs(red - BLUE[0]) + abs(green - BLUE[1]) + abs(blue - BLUE[2]) <= 12
    assert images.without_metadata(data) == data


UNCLEAN = {
    "png-chunks": ("where.png", png_with_chunks_pillow_ignores),
    "jpeg-motion-photo": ("where.jpg", jpeg_with_a_motion_photo),
    "png-polyglot": ("page.png", png_with_a_page_after_it),
    "jpeg-jfif-thumbnail": ("thumb.jpg", jpeg_with_a_jfif_thumbnail),
    "webp-extras": ("where.webp", webp_with_extras),
}


@pytest.mark.parametrize("name,make", UNCLEAN.values(), ids=UNCLEAN)
def test_what_pillow_does_not_report_is_taken_away(name, make):
    data = make()
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert set(image.info) <= images.SHOWN_AS  # nothing Pillow tells of
    assert_only_the_picture(images.without_metadata(data))


@pytest.mark.django_db
@pytest.mark.parametrize("name,make", list(UNCLEAN.values())[:3], ids=list(UNCLEAN)[:3])
def test_an_avatar_uploaded_in_the_admin_is_stored_and_served_without_them(
        client, editor, name, make):
    response = client.post("/admin/authors/author/add/", {
        "name": "Li Wei", "slug": "li-wei",
        "avatar": SimpleUploadedFile(name, make(), content_type="image/png")})
    assert response.status_code == 302, response.context["adminform"].form.errors
    avatar = Author.objects.get().avatar
    assert_only_the_picture(stored_bytes(avatar))
    served = client.get(f"/media/{avatar.name}")
    assert served.status_code == 200
    assert_only_the_picture(b"".join(served.streaming_content))


@pytest.mark.django_db
def test_an_imported_story_image_and_avatar_are_stored_without_them(tmp_path):
    (tmp_path / "hero.png").write_bytes(png_with_a_page_after_it((640, 360)))
    (tmp_path / "face.jpg").write_bytes(jpeg_with_a_motion_photo())
    (tmp_path / "articles.json").write_text(json.dumps({"articles": [{
        "slug": "harbour-story", "headline": "Harbour reopens", "body": "Ferries run.",
        "section": "World", "author": {"name": "Li Wei", "avatar": "face.jpg"},
        "image": {"file": "hero.png", "alt": "The harbour"}}]}), encoding="utf-8")
    call_command("import_articles", str(tmp_path / "articles.json"), stdout=io.StringIO())
    article = Article.objects.get()
    assert_only_the_picture(stored_bytes(article.image), size=(640, 360))
    assert_only_the_picture(stored_bytes(article.author.avatar))


def test_a_picture_stored_before_is_cleaned_by_make_renditions_too(settings):
    from django.core.files.storage import default_storage

    name = default_storage.save("avatars/old.png", io.BytesIO(png_with_chunks_pillow_ignores()))
    assert images.strip_stored_metadata(default_storage, name) is True
    with default_storage.open(name, "rb") as stored:
        assert_only_the_picture(stored.read())


# ---------------------------------------------------------------------------
# 2. A long file name


LONG_STEM = "Harbour ferry timetable, photographed at the quay on the morning of the storm v2"
LONG_NAME = (LONG_STEM + " " + "x" * 100)[:97] + ".png"  # 101 characters


@pytest.mark.django_db
def test_an_avatar_with_a_long_name_is_taken_in_the_admin(client, editor):
    assert len(LONG_NAME) == 101
    response = client.post("/admin/authors/author/add/", {
        "name": "Li Wei", "slug": "li-wei",
        "avatar": SimpleUploadedFile(LONG_NAME, plain_png(), content_type="image/png")})
    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = Author.objects.get().avatar.name
    assert stored.startswith("avatars/harbour-ferry-timetable-photographed-at-")
    assert len(stored) < 100


@pytest.mark.django_db
def test_a_story_image_with_a_long_name_is_taken_in_the_admin(client, editor):
    data = article_form(headline="Night ferry", slug="night-ferry", body="Words.",
                        section=SectionFactory(), author=AuthorFactory(),
                        image=SimpleUploadedFile(LONG_NAME, plain_png((640, 360)),
                                                 content_type="image/png"),
                        image_alt="The ferry")
    response = client.post(ADD_URL, data)
    assert response.status_code == 302, form_errors(response)
    stored = Article.objects.get().image.name
    assert Path(stored).name.startswith("harbour-ferry-timetable-photographed-at-")
    assert len(stored) < 100
