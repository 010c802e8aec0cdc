"""Image checks and renditions, made once per saved image by the task worker, never per request.

A save that brings a new image records only the original (its name and
size, read from the file's header) and queues the renditions for after the
commit (queue_renditions); until the worker has stored them (store_renditions),
pages show the original. Renditions are WebP and JPEG at several widths and,
where asked, JPEG centre crops at fixed aspect ratios for search engines.

The models keep originals in a PublicImageField, which stores them under a
name no one can guess, without what cameras and phones write beside the
pixels (where, when, with what), and deletes them with their renditions once
no row holds them (one cleared or replaced a week later: keep_after_commit),
or once a save that stored them is rolled back (discard_uncommitted). A
story's are served only while the story is public, or to its newsroom
(shown_with, who_may_see; the media view); an avatar's always.
"""

import hashlib
import io
import itertools
import logging
import os
import posixpath
import re
import stat
import tempfile
import warnings
from datetime import timedelta
from functools import partial

from django import forms
from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import DatabaseError, connections, models, router, transaction
from django.db.models import Q, signals
from django.db.models.fields.files import ImageFieldFile, ImageFileDescriptor
from django.tasks import task
from django.tasks.exceptions import InvalidTask
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.functional import LazyObject, empty
from django.utils.html import format_html
from django.utils.text import slugify
from PIL import Image, ImageMath, ImageOps, ImageSequence, JpegImagePlugin

from core import edge
from core.models import KeptImage
from core.storage_errors import NotStored

log = logging.getLogger("evadaily.media")

RENDITION_WIDTHS = (480, 960, 1600)
# Centre crops: (name, aspect width, aspect height, largest width in pixels).
# Google asks for 16:9, 4:3 and 1:1 versions of an article's image.
CROPS = (("16x9", 16, 9, 1200), ("4x3", 4, 3, 1200), ("1x1", 1, 1, 1200))
# What store_renditions did, as the task's return value.
STORED, STALE, GONE, DONE = "stored", "stale", "gone", "done already"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
TOO_MANY_PIXELS = "Images can be at most 40 megapixels; this one has %(mp).1f."
# An animation's frames, and their pixels all together (frames × width × height):
# each frame of a WebP or PNG animation is decoded and encoded again to take its
# metadata away (_pixels_again), and a reader's browser decodes every one. A GIF
# of 14 KB held 30 frames of 16 megapixels, which took 3.8 GB.
MAX_FRAMES = 1000
MAX_ANIMATION_PIXELS = 2 * MAX_PIXELS
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
# Pillow calls a JPEG that carries a Multi-Picture Format segment (the second
# picture that cameras and phones embed: a preview, a gain map) "MPO". Browsers
# show its first picture, as a JPEG, and Pillow reads that first picture.
SAME_AS = {"MPO": "JPEG"}

# Pillow's own guard: an image over twice this raises DecompressionBombError.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# A stored original is named for its format, whatever the upload was called:
# files are served with the type their name gives. The first is the one given.
FORMAT_EXTENSIONS = {"JPEG": (".jpg", ".jpeg", ".jpe"), "PNG": (".png",),
                     "WEBP": (".webp",), "GIF": (".gif",)}
# A story's image, as shown (width, height), at least: it is the story's picture
# in link previews, which take none under 200 × 200 (Facebook's og:image minimum).
HERO_MIN_SIZE = (200, 200)


def check_image(fileobj, widths=RENDITION_WIDTHS):
    """Raise ValidationError unless fileobj is a real raster image we accept.

    widths are those its renditions are made at: each must come out at
    least 1 px tall (check_proportions).
    """
    try:
        size = getattr(fileobj, "size", None)
    except OSError:
        # A stored name whose file is gone: a revision restored after its
        # story was deleted, or after its image was replaced.
        raise ValidationError("This image’s file is no longer stored. Upload the image again, "
                              "or clear it.", code="file_gone") from None
    if size is not None:
        check_upload_size(size)
    try:
        fileobj.seek(0)
        # Pillow warns from MAX_PIXELS up to its error at twice that; the
        # pixel count is refused below with a clearer message.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(fileobj)
        with image:
            image_format = SAME_AS.get(image.format, image.format)
            width, height = image.size
            image.verify()
    except Image.DecompressionBombError as error:
        # Over twice MAX_PIXELS, Pillow refuses before the size is read back: its message
        # names the pixel count (a 108-megapixel phone's photo is no attack, only too big).
        if counted := re.search(r"\((\d+) pixels\)", str(error)):
            raise ValidationError(TOO_MANY_PIXELS, params={"mp": int(counted[1]) / 1_000_000},
                                  code="too_many_pixels") from None
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
        raise ValidationError(TOO_MANY_PIXELS, params={"mp": width * height / 1_000_000},
                              code="too_many_pixels")
    _check_animation(fileobj, image_format, width, height)
    if max(width, height) > min(widths) * min(width, height):
        # A thin strip: which way it is shown is its EXIF orientation's to say,
        # read only now (for a PNG, that decodes it).
        try:
            with Image.open(fileobj) as image:
                width, height = _shown_size(image)
        except Exception:
            raise ValidationError("The image data is damaged or incomplete.",
                                  code="damaged") from None
        finally:
            fileobj.seek(0)
        check_proportions(width, height, widths)


def check_upload_size(size):
    """Raise ValidationError if a file of size bytes is over MAX_UPLOAD_BYTES."""
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError("Images can be at most 20 MB; this file is %(mb).1f MB.",
                              params={"mb": size / 1024 / 1024}, code="too_large")


def _check_animation(fileobj, image_format, width, height):
    """Raise ValidationError unless the image's frames fit MAX_FRAMES and MAX_ANIMATION_PIXELS."""
    frames = _frame_count(fileobj, image_format)
    if frames > MAX_FRAMES:
        raise ValidationError("Animations can have at most %(most)d frames; this one has more.",
                              params={"most": MAX_FRAMES}, code="too_many_frames")
    if frames * width * height > MAX_ANIMATION_PIXELS:
        raise ValidationError(
            "Animations can have at most %(most)d megapixels in all their frames together; "
            "this one has %(frames)d frames of %(width)d × %(height)d pixels, %(mp).1f "
            "megapixels in all.", code="too_many_frame_pixels", params={
                "most": MAX_ANIMATION_PIXELS // 1_000_000, "frames": frames, "width": width,
                "height": height, "mp": frames * width * height / 1_000_000})


def _frame_count(fileobj, image_format):
    """How many frames the image has, counted no further than MAX_FRAMES + 1, no pixel decoded."""
    if image_format == "JPEG":
        return 1  # of an MPO's pictures, only the first is kept
    try:
        fileobj.seek(0)
        if image_format == "GIF":
            # Pillow's n_frames reads every frame's header in Python: a GIF of 20 MB
            # holds 800,000 frames of one pixel, ten seconds of reading.
            frames = (kind for kind, *_ in _gif_blocks(fileobj.read()) if kind == b",")
            return sum(1 for _ in itertools.islice(frames, MAX_FRAMES + 1))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(fileobj) as image:
                return getattr(image, "n_frames", 1)  # read from a header (acTL, ANIM)
    except Exception:
        raise ValidationError("The image data is damaged or incomplete.",
                              code="damaged") from None
    finally:
        fileobj.seek(0)


def check_proportions(width, height, widths=RENDITION_WIDTHS):
    """Raise ValidationError unless an image of width × height (as shown) fits every rendition.

    Renditions are scaled to widths (never up), so only a wide image can
    fail: the narrowest rendition, n px wide, is height × n / width px tall,
    under 1 px once the image is more than n times as wide as it is tall.
    """
    narrowest = min(widths)
    if width > narrowest * height:
        raise ValidationError(
            "This image is %(width)d × %(height)d pixels, too thin a strip to show: images "
            "can be at most %(ratio)d times as wide as they are tall.",
            params={"width": width, "height": height, "ratio": narrowest},
            code="proportions")


def check_min_size(fileobj, min_size):
    """Raise ValidationError unless the image, as shown, is at least min_size (width, height)."""
    try:
        with Image.open(fileobj) as image:
            width, height = _shown_size(image)
    finally:
        fileobj.seek(0)
    min_width, min_height = min_size
    if width < min_width or height < min_height:
        raise ValidationError(
            "This image is %(width)d × %(height)d pixels, too small to show: use one at least "
            "%(min_width)d pixels wide and %(min_height)d tall.",
            params={"width": width, "height": height, "min_width": min_width,
                    "min_height": min_height}, code="too_small")


def _shown_size(image):
    """The image's width and height as shown: turned as its EXIF orientation says."""
    width, height = image.size
    # Orientations 5 to 8 turn the picture a quarter.
    if image.getexif().get(0x0112) in (5, 6, 7, 8):
        width, height = height, width
    return width, height


def check_image_decodes(fileobj, widths=RENDITION_WIDTHS):
    """check_image, then decode every pixel: raise ValidationError unless the whole image reads.

    verify() does not decode the pixels; the renditions made on save will, so
    a truncated file is refused now rather than failing halfway through them.
    """
    check_image(fileobj, widths)
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
    its checks run before the model's validators, so ours go first. widths
    are those the image's renditions are made at (check_image); min_size, the
    least (width, height) a new upload may have (an image already stored is
    not checked again).
    """

    def __init__(self, *, widths=RENDITION_WIDTHS, min_size=None, **kwargs):
        super().__init__(**kwargs)
        self.widths = widths
        self.min_size = min_size

    def widget_attrs(self, widget):
        # For static/js/upload_size.js, which refuses a larger file as it is chosen: sent,
        # it was refused only once the whole form had gone, and past the admin's request
        # limit the form's text went with it (core.middleware.too_large_message).
        return {**super().widget_attrs(widget), "data-max-bytes": MAX_UPLOAD_BYTES}

    def to_python(self, data):
        if data not in self.empty_values:
            check_image_decodes(data, self.widths)
            if self.min_size is not None:
                check_min_size(data, self.min_size)
        upload = super().to_python(data)
        # Object storage serves the file with this type: a JPEG's, not "image/mpo".
        image = getattr(upload, "image", None)
        if image is not None and image.format in SAME_AS:
            upload.content_type = Image.MIME[SAME_AS[image.format]]
        return upload


def _looks_like_svg(fileobj):
    fileobj.seek(0)
    head = fileobj.read(1024)
    if isinstance(head, str):
        head = head.encode()
    return b"<svg" in head.lower()


def rendition_name(original, width, ext, crop=""):
    """photo.jpg at 480 px as WebP: photo-jpg-480w.webp (photo.png's never collide).

    A crop names its ratio: photo-jpg-16x9-1200w.jpeg.
    """
    stem, original_ext = posixpath.splitext(original)
    crop = f"-{crop}" if crop else ""
    return f"{stem}-{original_ext.lstrip('.').lower()}{crop}-{width}w.{ext}"


def delete_with_renditions(storage, name):
    """Delete a stored original and every rendition and crop made from it, and drop them
    from the edge caches (purge_from_edge)."""
    folder, filename = posixpath.split(name)
    prefix = posixpath.basename(rendition_name(name, 0, "x")).removesuffix("-0w.x")
    crops = "|".join(re.escape(crop) for crop, *_ in CROPS)
    rendition = re.compile(rf"{re.escape(prefix)}(?:-(?:{crops}))?-\d+w\.(?:webp|jpeg)")
    try:
        _, files = storage.listdir(folder)
    except OSError:
        files = []
    deleted = [name]
    try:
        for other in files:
            if other == filename or rendition.fullmatch(other):
                storage.delete(posixpath.join(folder, other))
                deleted.append(posixpath.join(folder, other))
    finally:
        # After the files, never before: a reader in between would store them again.
        purge_from_edge(deleted)


# How long, in seconds, browsers and edge caches keep an original or a rendition
# (core.views.media): a day. Its name never changes with its content. A file
# deleted or written again leaves the edge caches at once (purge_from_edge),
# and a browser that loaded it keeps it for this long at most.
MEDIA_MAX_AGE = 24 * 3600


def media_tag(name):
    """The edge caches' tag of stored file `name` (core.views.media, core/edge.py).

    A hash of the name, since a name may hold what a tag cannot (spaces,
    letters outside ASCII); the same for every way of writing the path that
    the media view serves the file under (a/./b.jpg, a//b.jpg).
    """
    normal = posixpath.normpath(name).lstrip("/")
    digest = hashlib.sha256(normal.encode("utf-8", "surrogatepass")).hexdigest()
    return f"media-{digest[:32]}"


class Shown:
    """Which rows' readers see the stored pictures of `field` (shown_with)."""

    def __init__(self, field, public, tags, permission):
        self.field, self.public, self.tags, self.permission = field, public, tags, permission


# The picture fields whose files are served only while a row holding them is public.
_SHOWN_WITH = []


def shown_with(field, public, tags, permission):
    """Serve the pictures of model field `field` only while a row holding them is public.

    public(queryset) gives the public rows of a queryset; tags(pk) the edge
    caches' tags that go stale when that row changes (a file is kept there
    under them too, so a row taken down takes its pictures with it); staff
    with `permission` see every row's (the admin, a preview). For an app's
    AppConfig.ready(): core knows no app's models.
    """
    _SHOWN_WITH.append(Shown(field, public, tags, permission))


class Visibility:
    """What the media view needs to know of a stored file that rows hold (who_may_see)."""

    def __init__(self, public, tags, permission):
        self.public, self.tags, self.permission = public, tags, permission


def originals_of(name):
    """The stored names a served file `name` may be: itself, or the original it is a
    rendition or crop of (rendition_name; an original named before names were
    lower-cased may have its extension in capitals)."""
    normal = posixpath.normpath(name).lstrip("/")
    names = {normal}
    if found := _RENDITION_NAME.fullmatch(normal):
        names |= {f"{found['stem']}.{found['ext']}", f"{found['stem']}.{found['ext'].upper()}"}
    return names


_RENDITION_NAME = re.compile(
    r"(?P<stem>.+)-(?P<ext>[a-z]+)(?:-(?:%s))?-\d+w\.(?:webp|jpeg)"
    % "|".join(re.escape(crop) for crop, *_ in CROPS), re.DOTALL)


def who_may_see(name):
    """Who may see stored file `name` (an original, a rendition, a crop): None when no
    row of a field registered with shown_with() holds it, so anyone; else a Visibility.

    One query per registered field, by an indexed column (articles 0030),
    and for a file no row holds one more, by its name (KeptImage): a
    draft's, a scheduled or a taken-down story's pictures were served to
    whoever had their address (a preview shared, a page saved before the
    takedown, an edge cache), as its story was not.
    """
    originals = originals_of(name)
    for shown in _SHOWN_WITH:
        rows = shown.field.model._default_manager.filter(**{f"{shown.field.name}__in": originals})
        public = shown.public(shown.field.model._default_manager.filter(pk=models.OuterRef("pk")))
        held = list(rows.order_by().values_list("pk", models.Exists(public)))
        if held:
            return Visibility(public=any(is_public for _, is_public in held),
                              tags=[tag for pk, _ in held for tag in shown.tags(pk)],
                              permission=shown.permission)
    # No row holds it: a picture kept a while after it was replaced is its old row's,
    # shown as that row is (keep_after_commit). A draft's was anyone's.
    kept = KeptImage.objects.filter(name__in=originals).values_list("field", "row").first()
    for shown in _SHOWN_WITH if kept else ():
        if _field_label(shown.field) == kept[0]:
            manager = shown.field.model._default_manager
            pk = shown.field.model._meta.pk.to_python(kept[1])
            return Visibility(public=shown.public(manager.filter(pk=pk)).exists(),
                              tags=shown.tags(pk), permission=shown.permission)
    return None


def purge_from_edge(names):
    """Drop the stored files `names` from every edge cache, now and, if a cache missed it,
    for as long as it may keep them (MEDIA_MAX_AGE)."""
    edge.purge([media_tag(name) for name in names], kept_for=MEDIA_MAX_AGE)


# A stored original's name: the uploaded file's, readable, then NAME_TOKEN_LENGTH
# random characters of these (36 ** 10: about 3.7 × 10^15 names to try).
NAME_TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
NAME_TOKEN_LENGTH = 10
NAME_STEM_LENGTH = 40  # characters kept of the uploaded name: the stored one stays under 100


def named_for_format(filename, data):
    """filename with the extension of the format data is in: a PNG uploaded as x.jpg is x.png.

    Unchanged when its extension already names that format (photo.jpeg), or
    when data is no image Pillow reads.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                extensions = FORMAT_EXTENSIONS.get(SAME_AS.get(image.format, image.format))
    except Exception:
        return filename
    stem, ext = posixpath.splitext(filename)
    if extensions is None or ext.lower() in extensions:
        return filename
    return stem + extensions[0]


def unguessable_name(filename):
    """Night Ferry Timetable.JPG -> night-ferry-timetable-k3j9x2q7mz.jpg.

    Object storage serves media to whoever asks, a draft's or a scheduled
    story's image too (the site's own media view does not: who_may_see):
    without the random part, an embargoed picture is found by guessing its
    name from the headline. Its renditions' names follow (rendition_name).
    """
    stem, ext = posixpath.splitext(posixpath.basename(filename))
    stem = slugify(stem)[:NAME_STEM_LENGTH].strip("-") or "image"
    return f"{stem}-{get_random_string(NAME_TOKEN_LENGTH, NAME_TOKEN_CHARS)}{ext.lower()}"


# What an original keeps of what its file says beside the pixels: how to show
# them (colour profile, transparency, resolution, animation), never where, when
# or with what the picture was taken. Anything else (EXIF with its GPS block,
# XMP, IPTC, comments, text chunks, a JPEG's second picture) has it made again.
SHOWN_AS = {"icc_profile", "transparency", "gamma", "srgb", "chromaticity", "dpi", "aspect",
            "jfif", "jfif_version", "jfif_unit", "jfif_density", "adobe", "adobe_transform",
            "progressive", "progression", "interlace", "version", "background", "loop",
            "duration", "timestamp", "disposal", "blend", "default_image", "bbox"}
# A GIF's application extensions that only say how to loop.
_GIF_LOOPING = (b"NETSCAPE2.0", b"ANIMEXTS1.0")
# A JPEG's segments that only say how to show its pixels (Pillow's applist).
_JPEG_SHOWN_AS = (("APP0", b"JFIF\0"), ("APP2", b"ICC_PROFILE\0"), ("APP14", b"Adobe"))
# What a file may hold and be stored as it came (_beyond_the_picture): the pixels and
# what SHOWN_AS keeps. Pillow reports only what it reads: a chunk it does not know (a
# "gPSx" holding where the picture was taken, a tIME) or bytes after the image's end
# (a phone's motion-photo video, a web page) were stored, and served, as uploaded.
_PNG_CHUNKS = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB",
               b"iCCP", b"pHYs", b"acTL", b"fcTL", b"fdAT"}
# A JPEG's markers that decode its pixels (frames, tables, scans, restart intervals);
# of its APPn segments, only _JPEG_SHOWN_AS's, and never a comment.
_JPEG_DECODING = {*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC),
                  *range(0xCD, 0xD0), 0xC4, 0xCC, 0xDA, 0xDB, 0xDC, 0xDD}
_JPEG_SOS, _JPEG_EOI, _JPEG_APP0 = 0xDA, 0xD9, 0xE0
_JFIF_WITHOUT_THUMBNAIL = 14  # bytes: a JFIF segment's longer ones carry a small picture
# Where a scan's entropy-coded data ends: a marker other than a stuffed 0 or a restart.
_JPEG_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_WEBP_CHUNKS = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
_WEBP_FRAME_CHUNKS = {b"VP8 ", b"VP8L", b"ALPH"}
_WEBP_FRAME_HEADER = 16  # bytes of an ANMF chunk before its frame's own chunks


def without_metadata(data):
    """An image file's bytes with nothing beside what shows its pixels (SHOWN_AS).

    Nothing else means none of what Pillow reports, no chunk or segment it
    passes over and no byte after the image's end (_beyond_the_picture).
    Unchanged when it has nothing else: a re-upload of the same clean file
    stores the same bytes. Otherwise the pixels are written again in the
    file's format, turned as its EXIF orientation said (the orientation goes
    with the rest), its colour profile kept: a JPEG with its own quantisation
    tables, so the picture loses next to nothing; PNG and WebP losslessly,
    every frame of an animation; a GIF keeps its frames' bytes as they are,
    without the blocks beside them (_gif_without_metadata). Bytes Pillow
    cannot read are returned as they are: the upload fields refuse them
    (check_image), and they carry nothing Pillow could take away.
    """
    try:
        image = Image.open(io.BytesIO(data))
        image.load()  # a PNG's chunks after its pixels are read with them
    except Exception:
        return data
    with image:
        return _without_metadata(image, data)


def _without_metadata(image, data):
    """data, the bytes image was read from, as without_metadata returns them."""
    if image.format == "GIF":
        return _gif_without_metadata(data)
    if not _carries_metadata(image) and not _beyond_the_picture(image.format, data):
        return data
    return _pixels_again(image)


def _beyond_the_picture(image_format, data):
    """Whether data, a PNG, JPEG or WebP file, holds more than its picture needs: a chunk or
    segment outside the allow-lists (_PNG_CHUNKS, _JPEG_DECODING, _WEBP_CHUNKS), or bytes
    after the image's end.

    Read from the bytes themselves, not from what Pillow reports: Pillow
    passes over what it does not know, and stops reading at the image's end.
    """
    read = {"PNG": _png_beyond, "JPEG": _jpeg_beyond, "WEBP": _webp_beyond}.get(image_format)
    return read is not None and read(data)


def _png_beyond(data):
    position = 8  # after the signature
    while position + 12 <= len(data):  # length, type, data, CRC
        length = int.from_bytes(data[position:position + 4])
        kind = data[position + 4:position + 8]
        if kind not in _PNG_CHUNKS:
            return True
        position += 12 + length
        if kind == b"IEND":
            return position != len(data)
    return True  # no IEND: cut short, or not a PNG's chunks at all


def _jpeg_beyond(data):
    position = 2  # after the start of image
    while position + 2 <= len(data):
        if data[position] != 0xFF:
            return True  # bytes between segments
        marker = data[position + 1]
        if marker == 0xFF:  # a fill byte before a marker
            position += 1
            continue
        if marker == _JPEG_EOI:
            return position + 2 != len(data)
        end = position + 2 + int.from_bytes(data[position + 2:position + 4])
        if not _jpeg_segment_kept(marker, data[position + 4:end]):
            return True
        if marker == _JPEG_SOS:
            found = _JPEG_NEXT_MARKER.search(data, end)
            if found is None:
                return True
            end = found.start()
        position = end
    return True  # no end of image


def _jpeg_segment_kept(marker, content):
    """Whether a JPEG segment only decodes or shows the pixels (its content after its length)."""
    if marker in _JPEG_DECODING:
        return True
    if marker == _JPEG_APP0 and content.startswith(b"JFIF\0"):
        return len(content) == _JFIF_WITHOUT_THUMBNAIL
    return any(f"APP{marker - _JPEG_APP0}" == kept and content.startswith(prefix)
               for kept, prefix in _JPEG_SHOWN_AS)


def _webp_beyond(data):
    # The RIFF header's size counts what follows its first 8 bytes.
    if int.from_bytes(data[4:8], "little") + 8 != len(data):
        return True
    return _riff_beyond(data, 12, len(data), _WEBP_CHUNKS)


def _riff_beyond(data, position, end, allowed):
    """Whether RIFF chunks from position to end include one not in allowed, or do not fill it."""
    while position + 8 <= end:
        kind = data[position:position + 4]
        size = int.from_bytes(data[position + 4:position + 8], "little")
        body = position + 8
        if kind not in allowed or (kind == b"ANMF" and _riff_beyond(
                data, body + _WEBP_FRAME_HEADER, body + size, _WEBP_FRAME_CHUNKS)):
            return True
        position = body + size + size % 2  # a chunk of odd size is padded to even
    return position != end


def _gif_header_length(data):
    """The length of a GIF's signature, screen descriptor and global colour table."""
    flags = data[10] if len(data) > 10 else 0
    return 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)


def _gif_blocks(data):
    """(kind, start, end) for each block of GIF data up to its trailer: kind b"," for
    a frame, b"!" and its label for an extension (b"!\\xfe" a comment).

    A byte between blocks that begins none is passed over, as Pillow does; a
    block cut short ends with the data.
    """
    position = _gif_header_length(data)
    while position < len(data):
        start, kind = position, data[position:position + 1]
        if kind == b";":
            return
        if kind == b"!":
            kind, position = data[start:start + 2], start + 2
        elif kind == b",":
            flags = data[start + 9] if start + 9 < len(data) else 0
            # The image descriptor, its colour table, the LZW code size.
            position = start + 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1
        else:
            position += 1
            continue
        while position < len(data) and data[position]:  # sub-blocks, each after its length
            position += data[position] + 1
        position += 1  # the empty sub-block that ends the block
        yield kind, start, min(position, len(data))


def _gif_without_metadata(data):
    """A GIF's bytes with its frames, how long each shows, which colour is transparent
    (graphic control extensions) and how often it loops, and nothing else: no comment,
    no other application's block (XMP), no plain text; data itself when it had nothing else.

    The frames' bytes are kept as they are: decoding every frame of an
    animation to write it again took minutes and gigabytes.
    """
    kept = [data[:_gif_header_length(data)]]
    for kind, start, end in _gif_blocks(data):
        if kind in (b",", b"!\xf9") or (kind == b"!\xff"
                                       and data[start + 3:start + 14] in _GIF_LOOPING):
            kept.append(data[start:end])
    clean = b"".join([*kept, b";"])
    return data if clean == data else clean


def _carries_metadata(image):
    if image.format == "MPO":  # the second picture has metadata of its own
        return True
    extra = image.info.keys() - SHOWN_AS
    if "extension" in extra and image.info["extension"][0] in _GIF_LOOPING:
        extra.remove("extension")
    segments = getattr(image, "applist", ())
    return bool(extra or getattr(image, "private_chunks", None) or any(
        not any(marker == kept and content.startswith(prefix)
                for kept, prefix in _JPEG_SHOWN_AS) for marker, content in segments))


def _pixels_again(image):
    """The image's first picture (every frame of an animation) written again, as SHOWN_AS."""
    fmt = SAME_AS.get(image.format, image.format)
    options = {key: image.info[key] for key in ("icc_profile", "dpi", "transparency", "loop")
               if key in image.info}
    if fmt == "JPEG":
        options.update(qtables=image.quantization, progressive="progressive" in image.info)
        if (sampling := JpegImagePlugin.get_sampling(image)) != -1:
            options["subsampling"] = sampling
    elif fmt == "WEBP":
        options.update(lossless=True, exact=True)
    first = _frame_as_shown(image)
    if getattr(image, "is_animated", False) and fmt != "JPEG":
        durations = [frame.info.get("duration", 0) for frame in ImageSequence.Iterator(image)]
        # One frame at a time: a list of every frame, copied in full, held gigabytes.
        rest = (_frame_as_shown(frame) for number, frame
                in enumerate(ImageSequence.Iterator(image)) if number)
        options.update(save_all=True, append_images=rest, duration=durations)
    buffer = io.BytesIO()
    first.save(buffer, fmt, **options)
    return buffer.getvalue()


def _frame_as_shown(frame):
    """A copy of the frame, turned as its EXIF orientation says, with nothing in its info."""
    shown = ImageOps.exif_transpose(frame)
    shown.info = {}  # some formats write what info holds (a GIF's comment)
    return shown


class MetadataError(Exception):
    """A stored original could not be read to take its metadata away: says which, and why."""


def strip_stored_metadata(storage, name):
    """Take the metadata away from stored original `name`, as an upload's is
    (without_metadata); True when the file was written again, False when it had none.

    For originals stored before uploads lost their metadata (manage.py
    make_renditions). The file keeps its name, so pages and renditions keep
    pointing at it; on local disk it is replaced in one step (a crash leaves
    the old file or the new one, never neither). One file in memory at a time.
    A file missing or not an image raises MetadataError and is left as it is.
    """
    try:
        with storage.open(name, "rb") as stored:
            data = stored.read()
    except OSError as error:
        raise MetadataError(f"{name!r} could not be read: {error.strerror or error}") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # a PNG's chunks after its pixels are read with them
                clean = _without_metadata(image, data)
                if clean == data:
                    return False
    except Exception as error:
        raise MetadataError(f"{name!r} is not an image that can be read ({error}); "
                            "left as it is.") from None
    _write_over(storage, name, clean)
    purge_from_edge([name])  # the copy with its metadata, kept under the same name
    return True


def _write_over(storage, name, data):
    """Store data under name in place of the file there."""
    if not isinstance(storage, FileSystemStorage):
        # Object storage (MEDIA_STORAGE=s3): a new object replaces the old one.
        storage.delete(name)
        saved = storage.save(name, ContentFile(data))
        if saved != name:
            raise MetadataError(f"{name!r} was stored again as {saved!r}: another file took "
                                "its name meanwhile.")
        return
    path = storage.path(name)
    mode = stat.S_IMODE(os.stat(path).st_mode)
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".strip-")
    try:
        with os.fdopen(handle, "wb") as written:
            written.write(data)
        os.chmod(temporary, mode)  # as the server was able to read the old file
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


class PublicImageFieldFile(ImageFieldFile):
    def save(self, name, content, save=True):
        # The name this row held, stored: replaced, it is deleted after the commit.
        if self._committed and self.name:
            _remember_stored(self.instance, self.field, self.name)
        content.seek(0)
        data = without_metadata(content.read())
        try:
            super().save(named_for_format(name, data), ContentFile(data), save=False)
        except OSError as error:
            # The admin sends its form back with this on the field (core.storage_errors).
            raise NotStored(self.field.name, error) from error
        using = self.instance._state.db or router.db_for_write(type(self.instance),
                                                                instance=self.instance)
        _uncommitted(connections[using])[self.name] = self.field
        if save:
            self.instance.save()


class PublicImageDescriptor(ImageFileDescriptor):
    def __set__(self, instance, value):
        previous = instance.__dict__.get(self.field.attname)
        if isinstance(previous, str) or getattr(previous, "_committed", False):
            _remember_stored(instance, self.field, getattr(previous, "name", previous))
        super().__set__(instance, value)


def _remember_stored(instance, field, name):
    """Keep the name a saved row held before its image was cleared or replaced."""
    if name and not instance._state.adding:
        instance.__dict__.setdefault("_stored_images", {}).setdefault(field.attname, name)


class PublicImageField(models.ImageField):
    """An ImageField for the pictures readers see: avatars and stories' images.

    An original is served from the moment it is stored, and its renditions
    after it (a story's only while the story is public, or to its newsroom:
    shown_with). So a new upload is stored under a name no one can
    guess (unguessable_name) and without its metadata (without_metadata), and
    an original deleted with its row is deleted with its renditions once the
    transaction commits, unless another row holds it; one cleared or replaced,
    once its time is up (keep_after_commit).
    Names stored before these rules keep working as they are.
    """

    attr_class = PublicImageFieldFile
    descriptor_class = PublicImageDescriptor

    def generate_filename(self, instance, filename):
        return super().generate_filename(instance, unguessable_name(filename))

    def formfield(self, **kwargs):
        # No limit on the uploaded file's name: the name stored is made from it, and
        # short (unguessable_name). A phone's 101 characters were refused.
        return super().formfield(**{**kwargs, "max_length": None})

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        if not cls._meta.abstract:
            signals.post_save.connect(self._discard_replaced, sender=cls)
            signals.post_delete.connect(self._discard_deleted, sender=cls)

    def _discard_replaced(self, instance, using, **kwargs):
        stored = instance.__dict__.get("_stored_images", {}).pop(self.attname, None)
        if stored and stored != getattr(instance, self.attname).name:
            keep_after_commit(self, stored, instance.pk, using)
        # The row holding a new upload is saved: the upload is kept once it commits.
        uncommitted = _uncommitted(connections[using])
        if (name := getattr(instance, self.attname).name) in uncommitted:
            transaction.on_commit(partial(uncommitted.pop, name, None), using=using)

    def _discard_deleted(self, instance, using, **kwargs):
        stored = instance.__dict__.get("_stored_images", {}).pop(self.attname, None)
        for name in {stored, getattr(instance, self.attname).name} - {None, ""}:
            discard_after_commit(self, name, using)
        discard_after_commit(self, "", using, pk=instance.pk)  # what was kept for it


def _uncommitted(connection):
    """{name: model field} of the originals stored through `connection` that no committed
    row holds yet (PublicImageFieldFile.save); kept on the connection, as each thread,
    request or task, has its own."""
    return connection.__dict__.setdefault("_images_uncommitted", {})


def discard_uncommitted(**kwargs):
    """Delete the originals this thread stored that no committed row holds: their row's
    save was rolled back (a database error, a form or a related save failing after the
    file was written), or never came. For request_finished and task_finished.

    Left while a transaction is open on the connection: its rows may commit
    yet. Another thread's uploads, which may be still being saved, are not
    this thread's to see. A file a row holds after all (pointed at it since)
    is kept; while the database cannot be asked, the name is asked about
    again when the next request ends.
    """
    for connection in connections.all(initialized_only=True):
        uncommitted = connection.__dict__.get("_images_uncommitted")
        if not uncommitted or connection.in_atomic_block:
            continue
        for name, field in list(uncommitted.items()):
            try:
                held = field.model._default_manager.using(connection.alias).filter(
                    **{field.name: name}).exists()
            except DatabaseError:
                continue
            del uncommitted[name]
            if not held:
                try:
                    delete_with_renditions(field.storage, name)
                except OSError:  # after the answer was sent: logged, not raised
                    log.exception("A picture whose save was rolled back could not be "
                                  "deleted: %s", name)


def discard_after_commit(field, name, using, pk=None):
    """Once the transaction commits, delete original `name` of model field `field` and its
    renditions, unless a row holds it then (a copy pointed at the same file); with the pk
    of the row that held it, delete the pictures kept for that row too (keep_after_commit)."""
    def discard():
        if not field.model._default_manager.using(using).filter(**{field.name: name}).exists():
            delete_with_renditions(field.storage, name)

    if name:
        transaction.on_commit(discard, using=using)
    if pk is not None:
        transaction.on_commit(partial(_discard_kept_for, field, pk, using), using=using)


def _discard_kept_for(field, pk, using):
    kept = KeptImage.objects.using(using).filter(field=_field_label(field), row=str(pk))
    for name in kept.values_list("name", flat=True):
        if not field.model._default_manager.using(using).filter(**{field.name: name}).exists():
            delete_with_renditions(field.storage, name)
    kept.delete()


# How long, in seconds, a picture cleared or replaced is kept (keep_after_commit): a
# week, so that a revision restored meanwhile brings it back, and never less than a
# page showing it may still be served, by the page cache or, while no app server
# answers, an edge cache (core.edge.EDGE_GRACE). Deleted at once, it was a broken
# picture on those pages, and in a reader's tab opened before.
REPLACED_KEPT = 7 * 24 * 3600


def replaced_kept_for():
    """Seconds a picture cleared or replaced is kept (REPLACED_KEPT, or longer)."""
    return max(REPLACED_KEPT, settings.PAGE_CACHE_SECONDS + edge.EDGE_GRACE)


def _field_label(field):
    return f"{field.model._meta.label_lower}.{field.name}"


def _field_of(label):
    app_label, model_name, name = label.rsplit(".", 2)
    return django_apps.get_model(app_label, model_name)._meta.get_field(name)


def keep_after_commit(field, name, pk, using):
    """Once the transaction commits, keep original `name`, which row pk of model field
    `field` held until it was cleared or replaced, for replaced_kept_for() seconds, unless
    a row holds it then; delete it and its renditions after that (delete_kept_image, or
    manage.py delete_orphan_images). Meanwhile it is served as row pk's (who_may_see)."""
    def keep():
        if field.model._default_manager.using(using).filter(**{field.name: name}).exists():
            return
        until = timezone.now() + timedelta(seconds=replaced_kept_for())
        KeptImage.objects.using(using).update_or_create(name=name, defaults={
            "field": _field_label(field), "row": str(pk), "kept_until": until})
        try:
            delete_kept_image.using(run_after=until).enqueue(name=name)
        except (InvalidTask, DatabaseError) as error:
            # The task backend runs nothing later (the immediate one), or its table is
            # out of reach: delete_orphan_images deletes the picture once its time is up.
            log.warning("A replaced picture's deletion could not be queued (%s: %s); "
                        "manage.py delete_orphan_images deletes it after %s: %s",
                        type(error).__name__, error, until.isoformat(), name)

    transaction.on_commit(keep, using=using)


@task
def delete_kept_image(name):
    """Delete kept picture `name` and its renditions once its time is up (keep_after_commit),
    unless a row holds it again (a revision restored): kept again since, it waits."""
    kept = KeptImage.objects.filter(name=name).first()
    if kept is None or kept.kept_until > timezone.now():
        return "kept"
    return "deleted" if delete_kept(kept) else "held"


def delete_kept(kept):
    """Delete a KeptImage's picture, unless a row holds it now, and the record; True when
    the picture was deleted."""
    field = _field_of(kept.field)
    held = field.model._default_manager.filter(**{field.name: kept.name}).exists()
    if not held:
        delete_with_renditions(field.storage, kept.name)
    kept.delete()
    return not held


_FORMATS = (("WEBP", "webp", {"quality": 80, "method": 4}),
            ("JPEG", "jpeg", {"quality": 82, "optimize": True, "progressive": True}))
_JPEG_OPTIONS = _FORMATS[1][2]


def make_renditions(field_file, widths=RENDITION_WIDTHS, crops=()):
    """Write WebP and JPEG renditions of field_file, and JPEG crops; return what templates need.

    EXIF orientation is applied and metadata dropped (renditions are re-encoded
    from pixels only). Widths larger than the original are not upscaled.
    crops are CROPS entries: each is the largest centred box of its ratio,
    scaled down to its width when wider, never up. A transparent image stays
    transparent in WebP; JPEG has no transparency, so it shows it on white.
    """
    storage = field_file.storage
    field_file.open("rb")
    try:
        with Image.open(field_file) as original:
            image = _eight_bit(ImageOps.exif_transpose(original))
            # RGBA for any transparency (an alpha channel, a palette's transparent
            # colour): RGB alone would show what is transparent as the black under it.
            image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    finally:
        field_file.close()

    def store(pixels, name, fmt, options):
        buffer = io.BytesIO()
        pixels.save(buffer, fmt, **options)
        if storage.exists(name):
            storage.delete(name)
        return storage.save(name, ContentFile(buffer.getvalue()))

    sizes = sorted({min(w, image.width) for w in widths})
    result = {"source": field_file.name, "width": image.width, "height": image.height,
              "webp": [], "jpeg": []}
    for width in sizes:
        # At least 1 px: a strip stored before check_proportions, or checked
        # for wider renditions than these, still gets its renditions.
        height = max(1, round(image.height * width / image.width))
        resized = image if width == image.width else image.resize((width, height), Image.LANCZOS)
        for fmt, ext, options in _FORMATS:
            pixels = resized if fmt == "WEBP" else _on_white(resized)
            saved = store(pixels, rendition_name(field_file.name, width, ext), fmt, options)
            result[ext].append({"name": saved, "width": width, "height": height})
    if crops:
        result["crops"] = {}
    for crop, ratio_w, ratio_h, max_width in crops:
        box_w = min(image.width, image.height * ratio_w // ratio_h)
        box_h = min(image.height, round(box_w * ratio_h / ratio_w))
        left, top = (image.width - box_w) // 2, (image.height - box_h) // 2
        width = min(box_w, max_width)
        height = round(box_h * width / box_w)
        cropped = image.resize((width, height), Image.LANCZOS,
                               box=(left, top, left + box_w, top + box_h))
        saved = store(_on_white(cropped), rendition_name(field_file.name, width, "jpeg", crop),
                      "JPEG", _JPEG_OPTIONS)
        result["crops"][crop] = {"name": saved, "width": width, "height": height}
    return result


# Modes of more than 8 bits a sample. Of the formats accepted, Pillow gives
# one only for a PNG's 16-bit grey ("I;16"): its 16-bit colour, and grey with
# alpha, it reduces to 8 bits itself. "I" is what it gave for that PNG before.
_HIGH_BIT = {"I;16", "I;16L", "I;16B", "I;16N", "I", "F"}


def _eight_bit(image):
    """A grey image of more than 8 bits a sample as 8-bit grey ("L", or "LA" with its
    transparency); any other image as it is.

    convert("RGB") keeps such samples' values and clips them at 255: all but
    the darkest 1/256th of a 16-bit grey photo came out white. The samples
    are scaled from 16 bits to 8 instead ("I" and "F" taken as 16-bit too).
    """
    if image.mode not in _HIGH_BIT:
        return image
    samples = image if image.mode == "F" else image.convert("I")
    grey = samples.point(lambda value: value / 257).convert("L")
    transparent = image.info.get("transparency")
    if not isinstance(transparent, (int, float)):
        return grey
    # A 16-bit grey PNG's transparent sample value (its tRNS chunk): its pixels,
    # and only they, are transparent, told apart before they are scaled
    # together with their neighbours (4660 and 4661 are both 18 in 8 bits).
    # Pillow's own RGBA conversion compares the value with samples clipped at 255.
    alpha = ImageMath.lambda_eval(
        lambda args: args["min"](abs(args["samples"] - transparent), 1) * 255, samples=samples)
    return Image.merge("LA", (grey, alpha.convert("L")))


def _on_white(image):
    """An RGBA image as RGB, over white, for JPEG; any other image as it is."""
    if image.mode != "RGBA":
        return image
    return Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("RGB")


def rendition_files(renditions):
    """The stored names of every rendition and crop in renditions (not the original)."""
    return [r["name"] for fmt in ("webp", "jpeg") for r in renditions.get(fmt, [])] + [
        crop["name"] for crop in renditions.get("crops", {}).values()]


def original_only(field_file):
    """What a newly saved image records until its renditions are made: its name and size.

    The size is read from the file's header (no pixels are decoded), turned as
    the EXIF orientation turns it, so pages can show the original meanwhile.
    An unreadable header records the name alone: pages then show no image,
    and the renditions task reports the file.
    """
    record = {"source": field_file.name}
    try:
        field_file.open("rb")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                with Image.open(field_file) as image:
                    width, height = _shown_size(image)
        finally:
            field_file.close()
    except Exception:  # not an image, a decompression bomb, a missing file
        return record
    return record | {"width": width, "height": height}


def is_made(renditions, crops=()):
    """True when the worker has stored renditions for the recorded source, and every crop asked.

    crops are CROPS entries, as make_renditions takes them: renditions made
    before the site made crops are not made for a task that asks for them.
    """
    return "jpeg" in renditions and all(
        crop in renditions.get("crops", {}) for crop, *_ in crops)


def made_filter(field, crops=()):
    """The rows whose image's record is_made(record, crops), as a filter in SQL."""
    attname = f"{field}_renditions"
    if not crops:
        return Q(**{f"{attname}__has_key": "jpeg"})
    # "crops" is asked for beside "jpeg" so that a record without it is simply
    # not made: a lookup into a missing key is NULL on PostgreSQL, and NOT NULL
    # would leave the row out of an exclude().
    return Q(**{f"{attname}__has_keys": ["jpeg", "crops"],
                f"{attname}__crops__has_keys": [crop for crop, *_ in crops]})


def queue_renditions(instance, field, task, using=None):
    """After instance is saved: if its image changed, record the original and queue its renditions.

    The image's record is `<field>_renditions`. The task, task(pk=..., source=...),
    is queued when the transaction commits: a rolled-back save queues nothing.
    update() writes the record without signals or a new revision.
    """
    attname = f"{field}_renditions"
    field_file = getattr(instance, field)
    source = field_file.name if field_file else ""
    if source == getattr(instance, attname).get("source", ""):
        return
    record = original_only(field_file) if source else {}
    setattr(instance, attname, record)
    manager = type(instance)._default_manager.using(using or instance._state.db)
    manager.filter(pk=instance.pk).update(**{attname: record})
    if source:
        transaction.on_commit(partial(task.enqueue, pk=instance.pk, source=source),
                              using=using or instance._state.db)


def keep_made_renditions(instance, field, using=None, crops=()):
    """Before instance is saved: if its record still lacks what the worker makes (the
    renditions, or the crops of a record made before them), take what the worker has
    stored since, rather than write the record over it."""
    attname = f"{field}_renditions"
    record = getattr(instance, attname)
    field_file = getattr(instance, field)
    if (instance._state.adding or is_made(record, crops) or not record.get("source")
            or not field_file or field_file.name != record["source"]):
        return
    stored = (type(instance)._default_manager.using(using or instance._state.db)
              .filter(pk=instance.pk).values_list(attname, flat=True).first())
    if not stored or stored.get("source") != record["source"]:
        return
    # Stored holds more: every crop, or at least the renditions the record lacks.
    if is_made(stored, crops) or (is_made(stored) and not is_made(record)):
        setattr(instance, attname, stored)


class RenditionError(Exception):
    """An image's renditions could not be made: the task fails, and says why."""


def store_renditions(model, pk, field, source, **options):
    """Make the renditions of row pk's image and store them, unless it changed meanwhile.

    For the task worker. Returns GONE (the row was deleted), STALE (the row
    holds another image now; nothing is kept), DONE (they were stored
    already, with every crop asked) or STORED. Renditions stored before the
    site made crops are all made again, with the crops. A file that cannot be
    read raises RenditionError, naming the row and the file; the task fails
    once and is logged.
    """
    attname = f"{field}_renditions"
    manager = model._default_manager
    row = manager.filter(pk=pk).values_list(field, attname).first()
    if row is None:
        return GONE
    name, record = row
    if name != source:
        return STALE
    if record.get("source") == source and is_made(record, options.get("crops", ())):
        return DONE
    field_file = getattr(model(pk=pk, **{field: source}), field)
    try:
        made = make_renditions(field_file, **options)
    except Exception as error:
        raise RenditionError(f"{model._meta.verbose_name} {pk}: the renditions of {source!r} "
                             f"could not be made: {error}") from error
    # Stored only while the row still holds this image: an editor may have
    # replaced it while the renditions were made.
    if not manager.filter(pk=pk, **{field: source}).update(**{attname: made}):
        for made_name in rendition_files(made):
            field_file.storage.delete(made_name)
        purge_from_edge(rendition_files(made))
        return GONE if not manager.filter(pk=pk).exists() else STALE
    return STORED


def picture(renditions, storage, target=960):
    """What a <picture> shows (no I/O): the JPEG closest to target width as src, the srcsets,
    and the original's width and height; the original alone until renditions are made.

    None when there is nothing to show (no record, or an unreadable original).
    """
    url = url_maker(storage)
    image = _fallback(renditions, url, target)
    if image is None:
        return None
    if is_made(renditions):
        image["jpeg_srcset"] = _srcset(renditions, "jpeg", url)
        image["webp_srcset"] = _srcset(renditions, "webp", url)
    else:
        image["jpeg_srcset"] = f"{image['url']} {image['width']}w"
        image["webp_srcset"] = ""
    # width and height keep the original's aspect ratio for layout.
    image["width"], image["height"] = renditions["width"], renditions["height"]
    return image


def srcset(renditions, fmt, storage):
    """The srcset attribute for one format of stored renditions (no I/O)."""
    return _srcset(renditions, fmt, url_maker(storage))


def _srcset(renditions, fmt, url):
    return ", ".join(f"{url(r['name'])} {r['width']}w" for r in renditions.get(fmt, []))


def fallback(renditions, storage, target=960):
    """The JPEG rendition closest to target width, for the img src (no I/O).

    Until the renditions are made, the original, at its own size; None when
    its size could not be read.
    """
    return _fallback(renditions, url_maker(storage), target)


def _fallback(renditions, url, target):
    jpegs = renditions.get("jpeg") or []
    if not jpegs:
        if renditions.get("source") and renditions.get("width"):
            return {"url": url(renditions["source"]), "width": renditions["width"],
                    "height": renditions["height"]}
        return None
    best = min(jpegs, key=lambda r: abs(r["width"] - target))
    return {"url": url(best["name"]), "width": best["width"], "height": best["height"]}


# A stored name that FileSystemStorage.url() puts after its base URL unchanged:
# path segments of safe characters, none of them "." or "..".
_PLAIN_NAME = re.compile(r"[\w~-]+(?:\.[\w~-]+)*(?:/[\w~-]+(?:\.[\w~-]+)*)*", re.ASCII)


def url_maker(storage):
    """storage.url, or a function giving the same URLs faster for files on local disk.

    A story page shows some forty renditions, and FileSystemStorage.url()
    quotes each name and joins it to the base URL with urljoin(). A plain
    name (most are: rendition_name() and the upload paths make them) is
    simply appended to the base URL, which is what urljoin() would do.
    """
    if isinstance(storage, LazyObject):  # default_storage: each look through it costs 1 µs
        if storage._wrapped is empty:
            storage._setup()
        storage = storage._wrapped
    if not isinstance(storage, FileSystemStorage):
        return storage.url
    base = storage.base_url
    if base is None or not base.endswith("/"):
        return storage.url

    def url(name):
        if _PLAIN_NAME.fullmatch(name):
            return base + name
        return storage.url(name)

    return url


def thumbnail(renditions, storage, alt, width):
    """An <img> of the smallest stored rendition (no file look-ups), or an empty string."""
    image = fallback(renditions, storage, target=0)
    if image is None:
        return ""
    height = max(1, round(image["height"] * width / image["width"]))
    return format_html('<img src="{}" alt="{}" width="{}" height="{}" class="admin-thumbnail">',
                       image["url"], alt, width, height)
