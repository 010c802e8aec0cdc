"""Image checks and renditions, made once when an image is saved, never per request."""

import io
import posixpath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
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
        with Image.open(fileobj) as image:
            image_format = image.format
            width, height = image.size
            image.verify()
    except Image.DecompressionBombError:
        raise ValidationError("This image has too many pixels to be safe to open.",
                              code="bomb") from None
    except Exception:
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


def make_renditions(field_file, widths=RENDITION_WIDTHS):
    """Write WebP and JPEG renditions of field_file; return what templates need.

    EXIF orientation is applied and metadata dropped (renditions are re-encoded
    from pixels only). Widths larger than the original are not upscaled.
    """
    storage = field_file.storage
    stem, _ = posixpath.splitext(field_file.name)
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
            name = f"{stem}-{width}w.{ext}"
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
