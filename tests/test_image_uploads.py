"""Which uploaded pictures the site takes (core.images.check_image), end to end.

A phone or camera JPEG with a second, embedded picture (Pillow calls it MPO)
is a JPEG; a strip too thin for its smallest rendition to be 1 px tall is
refused, with its size and the rule.
"""

import io
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from articles.models import Article
from authors.models import Author
from core import images
from tests.articles.newsroom import ADD_URL, article_form, form_errors, staff
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

RED, BLUE = (200, 30, 30), (30, 30, 200)
THIN = "This image is 40000 × 1 pixels, too thin a strip to show: images can be at most " \
       "480 times as wide as they are tall."


def camera_jpeg(size=(1200, 800), colour=RED):
    """A JPEG as cameras and phones write it: its picture, then a second one (MPF segment)."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "MPO", save_all=True,
                                        append_images=[Image.new("RGB", (320, 240), BLUE)])
    with Image.open(io.BytesIO(buffer.getvalue())) as check:
        assert (check.format, check.n_frames) == ("MPO", 2)  # what Pillow says of such files
    return buffer.getvalue()


def picture_bytes(size, fmt="PNG", exif=None):
    buffer = io.BytesIO()
    Image.new("RGB", size, RED).save(buffer, fmt, **({"exif": exif} if exif else {}))
    return buffer.getvalue()


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def media(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def colour_of(storage, name):
    with storage.open(name) as stored, Image.open(stored) as image:
        return image.convert("RGB").getpixel((image.width // 2, image.height // 2))


def near(colour, expected):
    return all(abs(a - b) <= 12 for a, b in zip(colour, expected))


@pytest.fixture
def editor(client):
    user = staff("Editors", username="editor")
    client.force_login(user)
    return user


def post_story(client, image, **fields):
    data = article_form(headline="A story", slug="a-story", body="Words.",
                        section=SectionFactory(), author=AuthorFactory(),
                        image=image, image_alt="Alt", **fields)
    return client.post(ADD_URL, data)


def run_import(folder, image, avatar, err):
    """Import one story with this image and author's avatar (files in folder); return stdout."""
    path = folder / "articles.json"
    path.write_text(json.dumps({"articles": [{
        "slug": "harbour-story", "headline": "Harbour reopens", "body": "Ferries run.",
        "section": "World", "author": {"name": "Li Wei", "avatar": avatar},
        "image": {"file": image, "alt": "The harbour"}}]}), encoding="utf-8")
    out = io.StringIO()
    call_command("import_articles", str(path), stdout=out, stderr=err)
    return out.getvalue()


class TestCameraJpegs:
    """A JPEG with an MPF segment is taken as any JPEG is; its first picture is the image."""

    def test_checked_as_a_jpeg_and_handed_to_storage_as_one(self):
        images.check_image_decodes(ContentFile(camera_jpeg(), name="camera.jpg"))
        cleaned = images.CheckedImageField().clean(upload("camera.jpg", camera_jpeg()))
        # Object storage serves an upload with the type the form gives it.
        assert cleaned.content_type == "image/jpeg"

    @pytest.mark.django_db
    def test_a_story_image_through_the_admin_is_stored_and_rendered_from_its_first_picture(
            self, client, editor, settings, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_story(client, upload("camera.jpg", camera_jpeg()))
        assert response.status_code == 302, form_errors(response)
        article = Article.objects.get()
        assert article.image.name.endswith(".jpg")
        made = article.image_renditions
        assert (made["width"], made["height"]) == (1200, 800)
        assert [(r["width"], r["height"]) for r in made["jpeg"]] == [
            (480, 320), (960, 640), (1200, 800)]
        assert sorted(made["crops"]) == ["16x9", "1x1", "4x3"]
        storage = article.image.storage
        for name in images.rendition_files(made):
            assert near(colour_of(storage, name), RED), name  # the first picture, not the second
        assert set(media(settings)) == {article.image.name, *images.rendition_files(made)}

    @pytest.mark.django_db
    def test_an_avatar_through_the_admin(self, client, editor, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/admin/authors/author/add/", {
                "name": "New Writer", "slug": "new-writer",
                "avatar": upload("face.jpg", camera_jpeg((300, 300)))})
        assert response.status_code == 302, response.context["adminform"].form.errors
        author = Author.objects.get()
        assert [r["width"] for r in author.avatar_renditions["jpeg"]] == [96, 192]
        author.full_clean()  # the model's own check takes it too

    @pytest.mark.django_db
    def test_an_imported_story_image_and_avatar(self, tmp_path, django_capture_on_commit_callbacks):
        (tmp_path / "camera.jpg").write_bytes(camera_jpeg())
        (tmp_path / "face.jpg").write_bytes(camera_jpeg((300, 300)))
        err = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            out = run_import(tmp_path, "camera.jpg", "face.jpg", err)
        assert err.getvalue() == "" and out.strip().endswith("(1 created, 0 updated).")
        article = Article.objects.get()
        assert [r["width"] for r in article.image_renditions["jpeg"]] == [480, 960, 1200]
        assert near(colour_of(article.image.storage, article.image_renditions["jpeg"][0]["name"]),
                    RED)
        assert images.is_made(article.author.avatar_renditions)


class TestThinStrips:
    """No rendition may come out under 1 px tall: the rule comes from the rendition widths."""

    def test_the_rule_is_the_narrowest_rendition_width(self):
        assert min(images.RENDITION_WIDTHS) == 480
        for fits in ((480, 1), (4800, 10), (4000, 1000), (1, 40000), (300, 1)):
            images.check_proportions(*fits)
        for too_thin in ((481, 1), (4801, 10)):
            with pytest.raises(ValidationError) as refused:
                images.check_proportions(*too_thin)
            assert "at most 480 times as wide as they are tall" in refused.value.messages[0]
        # Avatars' renditions are narrower: so is what fits them.
        images.check_proportions(96, 1, widths=(96, 192))
        with pytest.raises(ValidationError, match="at most 96 times"):
            images.check_proportions(97, 1, widths=(96, 192))

    def test_a_strip_is_refused_as_it_is_shown_turned_by_its_exif_orientation(self):
        turned = Image.Exif()
        turned[0x0112] = 6  # stored 1 × 600, shown 600 × 1
        with pytest.raises(ValidationError, match=r"This image is 600 × 1 pixels, too thin"):
            images.check_image(ContentFile(picture_bytes((1, 600), "JPEG", turned), name="a.jpg"))
        images.check_image(ContentFile(picture_bytes((1, 600), "JPEG"), name="b.jpg"))

    @pytest.mark.django_db
    def test_a_thin_story_image_is_refused_with_its_size_and_the_rule(self, client, editor,
                                                                      settings):
        response = post_story(client, upload("wide.png", picture_bytes((40000, 1))))
        assert response.status_code == 200
        assert THIN in form_errors(response)
        assert not Article.objects.exists() and media(settings) == []

    @pytest.mark.django_db
    def test_a_thin_avatar_is_refused(self, client, editor, settings):
        response = client.post("/admin/authors/author/add/", {
            "name": "New Writer", "slug": "new-writer",
            "avatar": upload("face.png", picture_bytes((40000, 1)))})
        assert response.status_code == 200
        assert THIN in response.context["adminform"].form.errors["avatar"]
        assert not Author.objects.exists() and media(settings) == []

    @pytest.mark.django_db
    def test_a_thin_imported_image_is_refused(self, tmp_path, settings):
        (tmp_path / "wide.png").write_bytes(picture_bytes((40000, 1)))
        (tmp_path / "face.jpg").write_bytes(picture_bytes((300, 300), "JPEG"))
        err = io.StringIO()
        with pytest.raises(CommandError, match=r"nothing was imported"):
            run_import(tmp_path, "wide.png", "face.jpg", err)
        assert f'field "image.file": {THIN}' in err.getvalue()
        assert not Article.objects.exists() and media(settings) == []

    @pytest.mark.django_db
    def test_a_panorama_is_taken_and_rendered(self, client, editor,
                                              django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_story(client, upload("pano.png", picture_bytes((4000, 1000))))
        assert response.status_code == 302, form_errors(response)
        made = Article.objects.get().image_renditions
        assert [(r["width"], r["height"]) for r in made["jpeg"]] == [
            (480, 120), (960, 240), (1600, 400)]

    @pytest.mark.django_db
    def test_a_strip_stored_before_the_rule_gets_its_renditions(self):
        # Saved without the form's checks, as before this rule (or from the shell).
        strip = ArticleFactory(image=ContentFile(picture_bytes((40000, 1)), name="wide.png"),
                               image_alt="A strip", renditions=False)
        other = ArticleFactory(with_image=True, renditions=False)
        out, err = io.StringIO(), io.StringIO()
        call_command("make_renditions", "--now", stdout=out, stderr=err)
        assert (out.getvalue(), err.getvalue()) == (
            "Made the renditions of 0 authors and 2 articles.\n", "")
        strip.refresh_from_db()
        assert [(r["width"], r["height"]) for r in strip.image_renditions["jpeg"]] == [
            (480, 1), (960, 1), (1600, 1)]
        other.refresh_from_db()
        assert images.is_made(other.image_renditions, images.CROPS)

    @pytest.mark.django_db
    def test_an_avatar_fits_the_story_rule_but_its_narrower_renditions_are_still_made(self):
        # 200 times as wide as tall: the 96 px rendition would round to 0 px tall.
        author = AuthorFactory(avatar=ContentFile(picture_bytes((10000, 50)), name="face.png"))
        Author.objects.get(pk=author.pk).full_clean()
        assert [(r["width"], r["height"]) for r in author.avatar_renditions["jpeg"]] == [
            (96, 1), (192, 1)]
