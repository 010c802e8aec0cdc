"""tests/image_memo.py, which keeps the suite's resized and encoded pictures, answers as
Pillow does: the same bytes and pixels, a copy of its own to each caller, and pictures
that differ in anything an encoder reads are never taken for each other."""

import io

import pytest
from PIL import Image

from tests import image_memo

RENDITIONS = [("WEBP", {"quality": 80, "method": 4}),
              ("JPEG", {"quality": 82, "optimize": True, "progressive": True}), ("PNG", {})]


def encoded(save, image, fmt, **params):
    buffer = io.BytesIO()
    save(image, buffer, fmt, **params)
    return buffer.getvalue()


def picture(colour=(40, 90, 140)):
    gradient = Image.linear_gradient("L").convert("RGB")
    return Image.blend(gradient, Image.new("RGB", gradient.size, colour), 0.5)


def test_the_suite_runs_with_it():
    assert Image.Image.save is not image_memo.SAVE
    assert Image.Image.resize is not image_memo.RESIZE


@pytest.mark.parametrize("fmt, params", RENDITIONS, ids=[fmt for fmt, _ in RENDITIONS])
def test_a_kept_encoding_is_pillows(fmt, params):
    image = picture()
    first = encoded(Image.Image.save, image, fmt, **params)
    kept = encoded(Image.Image.save, image.copy(), fmt, **params)
    assert first == kept == encoded(image_memo.SAVE, image, fmt, **params)


def test_a_kept_resize_is_pillows_and_each_caller_gets_a_copy():
    image = picture()
    first = image.resize((100, 60), Image.LANCZOS)
    first.putpixel((0, 0), (255, 0, 0))  # a caller changes what it got
    again = image.resize((100, 60), Image.LANCZOS)
    assert again.tobytes() == image_memo.RESIZE(image, (100, 60), Image.LANCZOS).tobytes()
    assert again.getpixel((0, 0)) != (255, 0, 0)


def test_pictures_that_differ_are_not_taken_for_each_other():
    image = picture()
    other = picture(colour=(40, 90, 141))
    assert encoded(Image.Image.save, image, "PNG") != encoded(Image.Image.save, other, "PNG")
    transparent = image.copy()
    transparent.info["transparency"] = (0, 0, 0)  # the PNG encoder writes it from info
    assert (encoded(Image.Image.save, transparent, "PNG")
            == encoded(image_memo.SAVE, transparent, "PNG")
            != encoded(Image.Image.save, image, "PNG"))
    noise = Image.effect_noise((256, 256), 64).convert("RGB")
    assert (noise.resize((50, 30), Image.LANCZOS).tobytes()
            != noise.resize((50, 30), Image.BILINEAR).tobytes())


def test_what_it_does_not_keep_goes_to_pillow(tmp_path):
    image = picture()
    image.save(tmp_path / "picture.png")  # a file, not memory
    buffer = io.BytesIO(b"already written")
    buffer.seek(0, io.SEEK_END)
    image.save(buffer, "PNG")  # appended to what the buffer holds
    assert buffer.getvalue().startswith(b"already written\x89PNG")
    frames = io.BytesIO()
    image.save(frames, "GIF", save_all=True, append_images=[picture(colour=(0, 0, 0))])
    assert Image.open(frames).n_frames == 2
