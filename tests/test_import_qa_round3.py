"""import_articles, QA round 3 (DESIGN.md section 8): null nested objects and dotted keys,
empty slugs, reviewer lines, files read before their size is known, look-alike names,
bodies that cannot be rendered, files changed while the import runs, overlapping imports,
and animations whose frames hold gigabytes."""

import re
import io
import json

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image, ImageFile
from taggit.models import Tag

from articles import importer
from articles.models import Article, RelatedArticle, Section
from authors.models import Author
from tests.articles.newsroom import staff
from tests.articles.test_import import media_files, refused_lines, run_import, story, write_image
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

FIRST = 'article 1 (slug "harbour-story")'


@pytest.fixture
def copy_dir(tmp_path):
    """The import's folder, with story()'s picture and avatar and a second picture."""
    folder = tmp_path / "copy"
    write_image(folder / "images" / "hero.jpg")
    write_image(folder / "images" / "green.png", colour=(20, 200, 40), fmt="PNG")
    write_image(folder / "avatars" / "li-wei.jpg", size=(300, 300))
    return folder


def plain(slug, **fields):
    """A story by an author on the site, without pictures."""
    article = {"slug": slug, "headline": f"Story {slug}", "body": "Words.", "section": "World",
               "author": "li-wei", "published_at": "2026-02-04T23:06:00Z"}
    article.update(fields)
    return {key: value for key, value in article.items() if value is not None}


@pytest.fixture
def li_wei():
    return AuthorFactory(name="Li Wei", slug="li-wei")


# ---------------------------------------------------------------------------
# 5. null for "image" or "ai" is not given; "image.file" beside "image" is unknown


@pytest.mark.parametrize("key", ["image", "ai"])
def test_null_for_a_nested_object_is_not_given(copy_dir, li_wei, key):
    run_import(copy_dir, {"articles": [{**plain("a"), key: None}]})
    article = Article.objects.get(slug="a")
    assert not article.image and article.ai_involvement == "none"


def test_a_dotted_key_at_the_top_level_is_unknown(settings, copy_dir):
    lines = refused_lines(settings, copy_dir, {"articles": [
        {**story(), "image.file": "images/green.png", "ai.involvement": "generated"}]})
    assert lines == [f'{FIRST}: field "image.file": unknown field',
                     f'{FIRST}: field "ai.involvement": unknown field']


# ---------------------------------------------------------------------------
# 2. "slug": "" is no slug given: the one made from the headline keys the story


def test_empty_slugs_are_made_from_the_headlines_and_keep_tags_and_related(copy_dir, li_wei):
    ArticleFactory(slug="on-site")
    articles = [plain("", headline="Empty slug alpha", tags=["AlphaTag"], related=["on-site"]),
                plain("", headline="Empty slug beta", tags=["BetaTag"])]
    run_import(copy_dir, {"articles": articles})
    alpha = Article.objects.get(slug="empty-slug-alpha")
    beta = Article.objects.get(slug="empty-slug-beta")
    assert list(alpha.tags.names()) == ["AlphaTag"] and list(beta.tags.names()) == ["BetaTag"]
    assert [r.to_article.slug for r in RelatedArticle.objects.filter(from_article=alpha)] == [
        "on-site"]

    out, _ = run_import(copy_dir, {"articles": articles})  # the same file again replaces them
    assert "(0 created, 2 updated)" in out
    assert Article.objects.filter(slug__startswith="empty-slug-").count() == 2


def test_two_stories_whose_made_slugs_are_the_same_are_refused_while_checking(
        settings, copy_dir, li_wei):
    lines = refused_lines(settings, copy_dir, {"articles": [
        plain("", headline="Same headline"), plain(None, headline="Same headline")]})
    assert lines == ['article 2 (slug "same-headline"): field "slug": article 1 has the same '
                     'slug, "same-headline", made from the headline where none is given; each '
                     "article needs its own"]


# ---------------------------------------------------------------------------
# 9. A reviewer who may not review is named, on one line


@pytest.fixture
def reviewers():
    staff("Moderators", username="mod")
    staff("Editors", username="gone", is_active=False)
    staff(username="nogroup")


@pytest.mark.parametrize("username", ["mod", "gone", "nogroup"])
def test_a_reviewer_who_may_not_change_stories_is_named(settings, copy_dir, reviewers,
                                                        username):
    lines = refused_lines(settings, copy_dir, {"articles": [
        story(ai={"involvement": "generated", "reviewed_by": username})]})
    assert lines == [f'{FIRST}: field "ai.reviewed_by": "{username}" cannot review: the '
                     "reviewing editor must be an active newsroom editor who may change "
                     "stories"]


def test_an_unknown_reviewer_is_one_line(settings, copy_dir):
    lines = refused_lines(settings, copy_dir, {"articles": [
        story(ai={"involvement": "generated", "reviewed_by": "ghost",
                  "reviewed_at": "2026-02-04T22:50:00Z"})]})
    assert lines == [f'{FIRST}: field "ai.reviewed_by": no user with username "ghost"']


# ---------------------------------------------------------------------------
# 6. Names that look the same are the same author, section and tag


def test_look_alike_names_are_the_author_section_and_tag_on_the_site(copy_dir):
    jonah = AuthorFactory(name="Jonah Ferrell", slug="jonah-ferrell")
    world = SectionFactory(name="World", slug="world")
    port = Tag.objects.create(name="Port Evander")
    run_import(copy_dir, {"articles": [
        plain("a", author={"name": "Jonah\u00a0Ferrell"}, section="Wor\u200bld",
              tags=["Port\u00a0Evander", "Port  Evander"]),
        plain("b", author={"name": "JONAH  FERRELL"}, section="world\u00a0",
              tags=["\uff30\uff4f\uff52\uff54 Evander"]),
    ]})
    assert list(Author.objects.all()) == [jonah]
    assert list(Section.objects.all()) == [world]
    assert list(Tag.objects.all()) == [port]
    for slug in ("a", "b"):
        article = Article.objects.get(slug=slug)
        assert (article.author, article.section) == (jonah, world)
        assert list(article.tags.all()) == [port]


def test_a_new_name_is_stored_with_plain_spaces_and_no_zero_width_characters(copy_dir):
    run_import(copy_dir, {"articles": [
        plain("a", author={"name": "Ada\u00a0 Lovelace"}, section="Harbour\u2060 Desk",
              tags=["Tide\u00a0\u200bTables"]),
        plain("b", author={"name": "Ada Lovelace"}, section="Harbour Desk",
              tags=["tide tables"]),
    ]})
    assert list(Author.objects.values_list("name", flat=True)) == ["Ada Lovelace"]
    assert list(Section.objects.values_list("name", flat=True)) == ["Harbour Desk"]
    assert list(Tag.objects.values_list("name", flat=True)) == ["Tide Tables"]


def test_the_section_admin_refuses_a_look_alike_of_a_section(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    SectionFactory(name="World", slug="world")
    response = client.post("/admin/articles/section/add/",
                           {"name": "Wor\u200bld", "slug": "world-2", "position": 3})
    assert response.status_code == 200
    assert "There is already a section “World”" in response.content.decode()


# ---------------------------------------------------------------------------
# 8. A file's size is known before it is read

HUGE = 1 << 40  # bytes: a sparse file, which takes no room on disk


def test_a_huge_picture_is_refused_by_its_size_without_being_read(settings, copy_dir):
    huge = copy_dir / "images" / "huge.jpg"
    with huge.open("wb") as handle:
        handle.truncate(HUGE)
    lines = refused_lines(settings, copy_dir, {"articles": [
        story(image={"file": "images/huge.jpg", "alt": "The harbour"})]})
    assert lines == [f'{FIRST}: field "image.file": Images can be at most 20 MB; this file '
                     "is 1048576.0 MB."]


def test_a_huge_import_file_is_one_problem_not_a_traceback(settings, copy_dir):
    copy_dir.mkdir(parents=True, exist_ok=True)
    path = copy_dir / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(HUGE)
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem; nothing was imported"):
        call_command("import_articles", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        "file: the file is 1048576.0 MB; an import file can be at most 100 MB: split it into "
        "several files"]


# ---------------------------------------------------------------------------
# 4. What is stored is what was checked


@pytest.fixture
def changed_after_checking(monkeypatch):
    """Once the file is checked, before it is written, `path` is overwritten with `data`."""
    changes = []
    real_validate = importer.validate

    def validate_then_change(*args, **kwargs):
        plan = real_validate(*args, **kwargs)
        for path, data in changes:
            path.write_bytes(data)
        return plan

    monkeypatch.setattr(importer, "validate", validate_then_change)
    return changes


def test_a_picture_changed_after_it_was_checked_is_not_stored(settings, copy_dir,
                                                              changed_after_checking):
    changed_after_checking.append((copy_dir / "images" / "hero.jpg", b"<html>not a picture"))
    lines = refused_lines(settings, copy_dir, {"articles": [story()]})
    assert lines == [f'{FIRST}: field "image.file": the file changed after it was checked; '
                     "run the import again"]


def test_an_avatar_changed_after_it_was_checked_is_not_stored(settings, copy_dir,
                                                             changed_after_checking):
    changed_after_checking.append((copy_dir / "avatars" / "li-wei.jpg", b"<html>"))
    lines = refused_lines(settings, copy_dir, {"articles": [story()]})
    assert lines == [f'{FIRST}: field "author.avatar": the file changed after it was '
                     "checked; run the import again"]


# ---------------------------------------------------------------------------
# 3. An import that overlapped another does not write over what it did not check


def planned(folder, articles, name="articles.json"):
    """The file checked, as import_file checks it, not yet written."""
    path = folder / name
    path.write_text(json.dumps({"articles": articles}), encoding="utf-8")
    return importer.validate(importer.read_json(path), folder)


def unheld_originals(settings):
    """Pictures in media that no row holds (renditions left out)."""
    held = {*Article.objects.exclude(image="").values_list("image", flat=True),
            *Author.objects.exclude(avatar="").values_list("avatar", flat=True)}
    return [path for path in media_files(settings)
            if "w." not in path.name[-12:]
            and str(path.relative_to(settings.MEDIA_ROOT)) not in held]


def changed(number, slug):
    return f'article {number} (slug "{slug}"): {importer.CHANGED_MEANWHILE}'


def test_an_import_checked_before_another_wrote_is_refused_and_stores_nothing(
        settings, copy_dir, li_wei, django_capture_on_commit_callbacks):
    write_image(copy_dir / "images" / "red.jpg", colour=(200, 20, 20))
    write_image(copy_dir / "images" / "gps.jpg", colour=(20, 20, 200))
    red = plain("race-story", image={"file": "images/red.jpg", "alt": "Red"})
    run_import(copy_dir, {"articles": [red]})
    first = planned(copy_dir, [plain("race-story",
                                     image={"file": "images/gps.jpg", "alt": "Blue"})])
    second = planned(copy_dir, [red, plain("filler")])
    with django_capture_on_commit_callbacks(execute=True):
        importer.write(first)
    stored = Article.objects.get(slug="race-story").image.name

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(importer.ImportFailed) as refused:
            importer.write(second)
    assert [str(problem) for problem in refused.value.problems] == [changed(1, "race-story")]
    story_now = Article.objects.get(slug="race-story")
    assert story_now.image.name == stored and story_now.image.storage.exists(stored)
    assert not Article.objects.filter(slug="filler").exists()
    assert unheld_originals(settings) == []


def test_a_story_edited_while_the_file_was_checked_is_not_written_over(copy_dir, li_wei):
    on_site = ArticleFactory(slug="edited", headline="As checked")
    plan = planned(copy_dir, [plain("other"), plain("edited", headline="From the file")])
    on_site.headline = "Edited meanwhile"
    on_site.save()
    with pytest.raises(importer.ImportFailed) as refused:
        importer.write(plan)
    assert [str(problem) for problem in refused.value.problems] == [changed(2, "edited")]
    assert Article.objects.get(slug="edited").headline == "Edited meanwhile"
    assert not Article.objects.filter(slug="other").exists()


def test_a_slug_taken_while_the_file_was_checked_is_named(copy_dir, li_wei):
    plan = planned(copy_dir, [plain("fresh")])
    ArticleFactory(slug="fresh")
    with pytest.raises(importer.ImportFailed) as refused:
        importer.write(plan)
    assert [str(problem) for problem in refused.value.problems] == [
        'article 1 (slug "fresh"): field "slug": another story took this slug while this '
        "file was checked; nothing was written: run the import again"]


def test_an_author_added_or_changed_while_the_file_was_checked_is_named(copy_dir):
    old = AuthorFactory(name="Old Writer", slug="old-writer", title="Reporter")
    plan = planned(copy_dir, [plain("a", author={"name": "New Writer"}),
                              plain("b", author={"name": "Old Writer", "title": "Desk"})])
    AuthorFactory(name="New Writer", slug="new-writer")
    old.bio = "Written meanwhile."
    old.save()
    with pytest.raises(importer.ImportFailed) as refused:
        importer.write(plan)
    assert [str(problem) for problem in refused.value.problems] == [
        'article 1: author "New Writer" was added by someone else while this file was '
        "checked; nothing was written: run the import again",
        f'article 2: author "Old Writer" {importer.CHANGED_MEANWHILE}']
    assert Author.objects.get(pk=old.pk).title == "Reporter"


@pytest.mark.postgresql  # SQLite's IMMEDIATE transactions write one at a time already
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_one_import_writes_at_a_time(copy_dir, li_wei):
    from django.db import connection, connections, transaction
    import threading
    locked, release = threading.Event(), threading.Event()

    def another_import_writing():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [importer.IMPORT_LOCK])
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    def this_import():
        try:
            importer.write(plan)
        finally:
            connections.close_all()

    plan = planned(copy_dir, [plain("waits")])
    other = threading.Thread(target=another_import_writing)
    other.start()
    assert locked.wait(10)
    writer = threading.Thread(target=this_import)
    writer.start()
    try:
        writer.join(1)
        assert writer.is_alive() and not Article.objects.filter(slug="waits").exists()
    finally:
        release.set()
        writer.join(30)
        other.join(30)
    assert Article.objects.filter(slug="waits").exists()


# ---------------------------------------------------------------------------
# 7. A body is rendered when it is checked, quickly, and not nested past reading


def nested_list(depth):
    return "".join("    " * level + "- item\n" for level in range(depth))


def test_a_body_nested_too_deeply_is_refused_while_checking_with_the_other_problems(
        settings, copy_dir, li_wei):
    lines = refused_lines(settings, copy_dir, {"articles": [
        plain("dl-1", body=nested_list(25)), plain("dl-2", body=nested_list(300)),
        plain("dl-3", section="")]})
    assert len(lines) == 3
    assert lines[0] == ('article 1 (slug "dl-1"): field "body": Lists and quotes can be nested '
                        "at most 20 deep; this body nests them 25 deep.")
    # 300 deep is near Python's recursion limit: the renderer either gives up (RecursionError:
    # "far too") or stops nesting short of 300 (200-odd levels, by how deep the stack already
    # was when it began). Refused either way, with the others.
    assert re.fullmatch(r'article 2 \(slug "dl-2"\): field "body": Lists and quotes can be '
                        r"nested at most 20 deep; this body nests them (far too|\d{3}) deep\.",
                        lines[1]), lines[1]
    assert lines[2] == 'article 3 (slug "dl-3"): field "section": must not be blank'


def test_twenty_levels_are_taken_and_the_body_is_rendered_once(copy_dir, li_wei, monkeypatch):
    from articles import models
    renders = []
    monkeypatch.setattr(models, "markdown_html",
                        lambda body: renders.append(body) or f"<p>{len(renders)}</p>")
    run_import(copy_dir, {"articles": [plain("deep", body=nested_list(20))]})
    assert renders == [nested_list(20).rstrip()]  # stored trimmed


def test_a_body_that_renders_too_slowly_is_refused(settings, copy_dir, li_wei, monkeypatch):
    from articles import models
    monkeypatch.setattr(models, "BODY_RENDER_SECONDS", -1)
    lines = refused_lines(settings, copy_dir, {"articles": [plain("slow")]})
    assert len(lines) == 1
    assert lines[0].startswith('article 1 (slug "slow"): field "body": This body takes 0 '
                               "seconds to turn into a page, more than -1: look for")


@pytest.mark.parametrize("body", ["[a](b " * 4000, "[a][" * 4000, "[" * 6000,
                                  "![a](b " * 4000, "[a](b (x) " * 2000])
def test_unclosed_links_render_in_linear_time(body):
    import time

    from core.text import render_markdown
    started = time.monotonic()
    render_markdown(body)
    assert time.monotonic() - started < 3  # seconds; up to a minute before


@pytest.mark.parametrize("body, html", [
    ("[a [b] c](https://example.com/(x) 'T')",
     '<p><a href="https://example.com/(x)" title="T" rel="noopener noreferrer">a [b] c</a>'
     "</p>"),
    ("[ref] and [text][ref]\n\n[ref]: https://example.com/r",
     '<p><a href="https://example.com/r" rel="noopener noreferrer">ref</a> and '
     '<a href="https://example.com/r" rel="noopener noreferrer">text</a></p>'),
    ("[never closed (https://example.com", "<p>[never closed (https://example.com</p>"),
])
def test_links_within_reach_render_as_before(body, html):
    from core.text import render_markdown
    assert render_markdown(body) == html


def test_the_story_admin_refuses_a_body_nested_too_deeply(client):
    from tests.articles.newsroom import ADD_URL, article_form, form_errors
    client.force_login(staff("Editors", username="editor"))
    response = client.post(ADD_URL, article_form(
        headline="Deep", slug="deep", body=nested_list(30), section=SectionFactory(),
        author=AuthorFactory()))
    assert response.status_code == 200
    assert ("Lists and quotes can be nested at most 20 deep; this body nests them 30 deep."
            in form_errors(response))


# ---------------------------------------------------------------------------
# 1. An animation is refused by its frames' pixels before they are decoded, and a
# GIF's metadata goes without decoding its frames


def animated_gif(path, size=(300, 200), frames=3, comments=(b"back garden",), xmp=False):
    """A GIF whose frames each change one pixel, with a comment on its first frame and
    any further comments on its last (Pillow reads only the first frame's)."""
    base = Image.new("P", size, 0)
    base.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255] + [0] * (256 * 3 - 9))
    pictures = []
    for number in range(frames):
        picture = base.copy()
        picture.putpixel((number % size[0], 0), 1 + number % 2)
        pictures.append(picture)
    buffer = io.BytesIO()
    pictures[0].save(buffer, "GIF", save_all=True, append_images=pictures[1:], duration=100,
                     loop=0, comment=comments[0])
    data = buffer.getvalue()
    for comment in comments[1:]:  # before the last frame's image descriptor
        last = data.rindex(b"!\xf9")
        data = data[:last] + b"!\xfe" + bytes([len(comment)]) + comment + b"\0" + data[last:]
    if xmp:  # an application's block, as XMP is written in a GIF
        data = data[:-1] + b"!\xff\x0bXMP DataXMP\x05Lewes\0;"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def frames_of(data):
    from core.images import _gif_blocks
    return [data[start:end] for kind, start, end in _gif_blocks(data) if kind == b","]


def test_an_animation_over_the_pixel_limit_is_refused_before_its_frames_are_read(
        settings, copy_dir, monkeypatch):
    from core import images
    monkeypatch.setattr(images, "MAX_ANIMATION_PIXELS", 2 * 300 * 200)
    animated_gif(copy_dir / "images" / "anim.gif", frames=3)
    real_load = ImageFile.ImageFile.load

    def load(image):
        if image.format == "GIF":
            pytest.fail("a frame was decoded")
        return real_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    lines = refused_lines(settings, copy_dir, {"articles": [
        story(image={"file": "images/anim.gif", "alt": "The harbour"})]})
    assert lines == [f'{FIRST}: field "image.file": Animations can have at most 0 megapixels '
                     "in all their frames together; this one has 3 frames of 300 × 200 "
                     "pixels, 0.2 megapixels in all."]


def test_an_animation_of_too_many_frames_is_refused(settings, copy_dir, monkeypatch):
    from core import images
    monkeypatch.setattr(images, "MAX_FRAMES", 4)
    animated_gif(copy_dir / "images" / "anim.gif", frames=5)
    lines = refused_lines(settings, copy_dir, {"articles": [
        story(image={"file": "images/anim.gif", "alt": "The harbour"})]})
    assert lines == [f'{FIRST}: field "image.file": Animations can have at most 4 frames; '
                     "this one has more."]


def test_the_admin_refuses_an_animation_over_the_pixel_limit(tmp_path, monkeypatch):
    from django.core.exceptions import ValidationError

    from core import images
    monkeypatch.setattr(images, "MAX_ANIMATION_PIXELS", 2 * 300 * 200)
    data = animated_gif(tmp_path / "anim.gif", frames=3).read_bytes()
    with pytest.raises(ValidationError, match="Animations can have at most"):
        images.check_image_decodes(ContentFile(data, name="anim.gif"))


def test_a_gifs_metadata_goes_in_every_frame_and_its_frames_are_kept_as_they_are(tmp_path):
    from core import images
    data = animated_gif(tmp_path / "anim.gif", frames=4,
                        comments=(b"back garden", b"Lewes, later"), xmp=True).read_bytes()
    clean = images.without_metadata(data)
    for secret in (b"back garden", b"Lewes"):
        assert secret not in clean
    assert frames_of(clean) == frames_of(data)  # not decoded and encoded again
    with Image.open(io.BytesIO(clean)) as image:
        assert (image.n_frames, image.info["loop"], image.info["duration"]) == (4, 0, 100)
    assert images.without_metadata(clean) == clean  # nothing more to take away


def test_a_large_animated_gif_with_a_comment_is_stored_without_decoding_its_frames(
        copy_dir, li_wei, monkeypatch):
    animated_gif(copy_dir / "images" / "anim.gif", size=(1600, 1000), frames=40)
    real_copy = Image.Image.copy
    copies = []
    monkeypatch.setattr(Image.Image, "copy", lambda image: copies.append(1) or real_copy(image))
    run_import(copy_dir, {"articles": [
        plain("anim", image={"file": "images/anim.gif", "alt": "A harbour, animated"})]})
    stored = Article.objects.get(slug="anim").image
    with stored.open("rb") as handle:
        data = handle.read()
    assert b"back garden" not in data
    assert len(frames_of(data)) == 40 and copies == []
