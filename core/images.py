"""Image checks and renditions, made once when an image is saved, never per request."""

import io
import posixpath
import re
import warnings

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.html import format_html
from PIL import Image, ImageOps

RENDITION_WIDTHS = (480, 960, 1600)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}

# Pillow's own guard: an image over twice this raises DecompressionBombError.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def check_image(fileobj):
    """Raise ValidationError unless fileobj is a real raster image we accept."""
    size = getattr(fileobj, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationError("Images can be at most 20 MB; this file is %(mb).1f MB.",
                              params={"mb": size / 1024 / 1024}, code="too_large")
    try:
        fileobj.seek(0)
        # Pillow warns from MAX_PIXELS up to its error at twice that; the
        # pixel count is refused below with a clearer message.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(fileobj)
        with image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except Image.DecompressionBombError:
        raise ValidationError("This image has too many pixels to be safe to open.",
                              code="bomb") from None
    except Exception:
        if _looks_like_svg(fileobj):
            raise ValidationError("SVG drawings are not accepted: they can carry scripts. "
                                  "Use a JPEG, PNG, WebP or GIF image.", code="not_image") from None
        raise ValidationError("This file is not an image (JPEG, PNG, WebP or GIF).",
                              code="not_image") from None
    finally:
        fileobj.seek(0)
    if image_format not in ACCEPTED_FORMATS:
        raise ValidationError("Use a JPEG, PNG, WebP or GIF image; %(format)s is not accepted.",
                              params={"format": image_format}, code="format")
    if width * height > MAX_PIXELS:
        raise ValidationError("Images can be at most 40 megapixels; this one has %(mp).1f.",
                              params={"mp": width * height / 1_000_000}, code="too_many_pixels")


def check_image_decodes(fileobj):
    """check_image, then decode every pixel: raise ValidationError unless the whole image reads.

    verify() does not decode the pixels; the renditions made on save will, so
    a truncated file is refused now rather than failing halfway through them.
    """
    check_image(fileobj)
    try:
        with Image.open(fileobj) as image:
            image.load()
    except Exception:
        raise ValidationError("The image data is damaged or incomplete.",
                              code="damaged") from None
    finally:
        fileobj.seek(0)


class CheckedImageField(forms.ImageField):
    """An upload field that gives the newsroom's reason for refusing a file.

    Django's own ImageField answers every refusal with one generic message, and
    its checks run before the model's validators, so ours go first.
    """

    def to_python(self, data):
        if data not in self.empty_values:
            check_image_decodes(data)
        return super().to_python(data)


def _looks_like_svg(fileobj):
    fileobj.seek(0)
    head = fileobj.read(1024)
    if isinstance(head, str):
        head = head.encode()
    return b"<svg" in head.lower()


def rendition_name(original, width, ext):
    """photo.jpg at 480 px as WebP: photo-jpg-480w.webp (photo.png's never collide)."""
    stem, original_ext = posixpath.splitext(original)
    return f"{stem}-{original_ext.lstrip('.').lower()}-{width}w.{ext}"


def delete_with_renditions(storage, name):
    """Delete a stored original and every rendition made from it."""
    folder, filename = posixpath.split(name)
    prefix = posixpath.basename(rendition_name(name, 0, "x")).removesuffix("-0w.x")
    rendition = re.compile(rf"{re.escape(prefix)}-\d+w\.(?:webp|jpeg)")
    try:
        _, files = storage.listdir(folder)
    except OSError:
        files = []
    for other in files:
        if other == filename or rendition.fullmatch(other):
            storage.delete(posixpath.join(folder, other))


def make_renditions(field_file, widths=RENDITION_WIDTHS):
    """Write WebP and JPEG renditions of field_file; return what templates need.

    EXIF orientation is applied and metadata dropped (renditions are re-encoded
    from pixels only). Widths larger than the original are not upscaled.
    """
    storage = field_file.storage
    field_file.open("rb")
    try:
        with Image.open(field_file) as original:
            image = ImageOps.exif_transpose(original).convert("RGB")
    finally:
        field_file.close()

    sizes = sorted({min(w, image.width) for w in widths})
    result = {"source": field_file.name, "width": image.width, "height": image.height,
              "webp": [], "jpeg": []}
    for width in sizes:
        height = round(image.height * width / image.width)
        resized = image if width == image.width else image.resize((width, height), Image.LANCZOS)
        for fmt, ext, options in (("WEBP", "webp", {"quality": 80, "method": 4}),
                                  ("JPEG", "jpeg", {"quality": 82, "optimize": True,
                                                    "progressive": True})):
            buffer = io.BytesIO()
            resized.save(buffer, fmt, **options)
            name = rendition_name(field_file.name, width, ext)
            if storage.exists(name):
                storage.delete(name)
            saved = storage.save(name, ContentFile(buffer.getvalue()))
            result[ext].append({"name": saved, "width": width, "height": height})
    return result


def srcset(renditions, fmt, storage):
    """The srcset attribute for one format of stored renditions (no I/O)."""
    return ", ".join(f"{storage.url(r['name'])} {r['width']}w" for r in renditions.get(fmt, []))


def fallback(renditions, storage, target=960):
    """The JPEG rendition closest to target width, for the img src."""
    jpegs = renditions.get("jpeg") or []
    if not jpegs:
        return None
    best = min(jpegs, key=lambda r: abs(r["width"] - target))
    return {"url": storage.url(best["name"]), "width": best["width"], "height": best["height"]}


def thumbnail(renditions, storage, alt, width):
    """An <img> of the smallest stored rendition (no file look-ups), or an empty string."""
    image = fallback(renditions, storage, target=0)
    if image is None:
        return ""
    height = round(image["height"] * width / image["width"])
    return format_html('<img src="{}" alt="{}" width="{}" height="{}" class="admin-thumbnail">',
                       image["url"], alt, width, height)
