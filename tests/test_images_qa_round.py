"""Transparent images keep their look in their renditions.

Renditions were made from the pixels converted to RGB, which drops
transparency: what is transparent in a PNG is black underneath, so a
transparent avatar came out a black square. JPEG has no transparency: it
shows such pixels on white. WebP keeps them transparent.
"""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from authors.tasks import AVATAR_WIDTHS
from core import images
from tests.factories import ArticleFactory, AuthorFactory

WHITE = (255, 255, 255)


def png(image):
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name="logo.png")


def opened(rendition):
    with default_storage.open(rendition["name"]) as file:
        image = Image.open(file)
        image.load()
    return image


def half_transparent(size, mode="RGBA"):
    """Left half transparent, right half opaque red: what is transparent must not turn black."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    if mode == "P":  # a palette image with one transparent colour, as GIFs and small PNGs are
        image = image.convert("RGB").quantize(2)
        image.info["transparency"] = image.getpixel((0, 0))
    elif mode == "LA":
        image = image.convert("LA")
    return image


@pytest.mark.django_db
def test_a_fully_transparent_avatar_is_white_in_jpeg_and_transparent_in_webp():
    author = AuthorFactory(avatar=png(Image.new("RGBA", (300, 300), (0, 0, 0, 0))))
    record = author.avatar_renditions
    assert [r["width"] for r in record["jpeg"]] == list(AVATAR_WIDTHS)
    for rendition in record["jpeg"]:
        jpeg = opened(rendition)
        assert jpeg.mode == "RGB"
        assert jpeg.getextrema() == ((255, 255),) * 3, rendition["name"]  # white, not black
    for rendition in record["webp"]:
        webp = opened(rendition)
        assert webp.mode == "RGBA"
        assert webp.getchannel("A").getextrema() == (0, 0), rendition["name"]


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_what_is_transparent_shows_white_and_the_rest_as_it_is(mode):
    author = AuthorFactory(avatar=png(half_transparent((300, 300), mode)))
    for rendition in author.avatar_renditions["jpeg"]:
        jpeg = opened(rendition)
        left, right = jpeg.getpixel((2, 20)), jpeg.getpixel((jpeg.width - 3, 20))
        assert all(channel > 245 for channel in left), (mode, left)
        if mode != "LA":  # grey and alpha: the opaque half is grey
            assert right[0] > 180 and right[1] < 40 and right[2] < 40, (mode, right)
    for rendition in author.avatar_renditions["webp"]:
        webp = opened(rendition)
        assert webp.getpixel((2, 20))[3] == 0
        assert webp.getpixel((webp.width - 3, 20))[3] == 255


@pytest.mark.django_db
def test_a_transparent_story_images_crops_are_white_too():
    story = ArticleFactory(with_image=True, renditions=False)
    story.image.save("logo.png", png(half_transparent((800, 450))), save=False)
    made = images.make_renditions(story.image, widths=(480,), crops=images.CROPS)
    for crop in made["crops"].values():
        jpeg = opened(crop)
        assert all(channel > 245 for channel in jpeg.getpixel((2, jpeg.height // 2)))


@pytest.mark.django_db
def test_an_opaque_image_is_unchanged_rgb():
    author = AuthorFactory(avatar=png(Image.new("RGB", (300, 300), (10, 120, 30))))
    webp = opened(author.avatar_renditions["webp"][0])
    assert webp.mode == "RGB"  # no alpha channel added to what had none
    jpeg = opened(author.avatar_renditions["jpeg"][0])
    assert all(abs(a - b) < 6 for a, b in zip(jpeg.getpixel((50, 50)), (10, 120, 30)))
