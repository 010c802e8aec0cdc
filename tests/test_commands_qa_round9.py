"""QA round 9, the commands off the happy path: the demo's commands leave a real site alone,
and the import says plainly what is wrong with a file, a date or a body."""

import io
import json

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.models import BODY_MAX_CHARS, Article
from tests.articles.test_import import media_files, refused_lines, story
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


# The demo's commands ------------------------------------------------------------------------


def test_seed_scale_refuses_a_site_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match=r"^seed_scale publishes thousands of made-up "
                                           r"stories, readers and comments, so it runs only "
                                           r"with DEBUG on\. Pass --allow-without-debug"):
        call_command("seed_scale", articles=3, comments=0, readers=1, stdout=io.StringIO())
    assert not Article.objects.exists()


def test_seed_scale_runs_when_developing(settings):
    settings.DEBUG = True
    call_command("seed_scale", articles=3, comments=2, readers=1, stdout=io.StringIO())
    assert Article.objects.count() == 3


def test_seed_demo_if_empty_leaves_a_site_with_stories_and_its_accounts_alone():
    ArticleFactory()
    editor = UserFactory(username="editor", is_staff=False)  # rights taken away by an admin
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", "--allow-without-debug", stdout=out)
    assert "already has articles; the demo newsroom was not loaded again" in out.getvalue()
    editor.refresh_from_db()
    assert not editor.is_staff and not editor.groups.exists()
    assert not Group.objects.get(name="Editors").user_set.exists()
    assert not UserFactory._meta.model.objects.filter(username__in=["moderator",
                                                                    "reader"]).exists()


# The import: files --------------------------------------------------------------------------


def refused_bytes(settings, folder, raw):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "articles.json"
    path.write_bytes(raw)
    count = Article.objects.count()
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"problems?; nothing was imported\."):
        call_command("import_articles", str(path), stdout=io.StringIO(), stderr=err)
    assert Article.objects.count() == count and media_files(settings) == []
    return err.getvalue()


@pytest.mark.parametrize("raw", [b"", b"   \n\n", b"\xef\xbb\xbf\n"])
def test_an_empty_file_is_said_to_be_empty(settings, tmp_path, raw):
    said = refused_bytes(settings, tmp_path / "copy", raw)
    assert 'the file is empty: an import file holds {"articles": [...]}' in said
    assert "Expecting value" not in said


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_file_is_named_so(settings, tmp_path, encoding):
    text = json.dumps({"articles": [story()]})
    raw = text.encode(encoding)
    if encoding == "utf-16-be":
        raw = b"\xfe\xff" + raw
    said = refused_bytes(settings, tmp_path / "copy", raw)
    assert "UTF-16 text, not UTF-8: save the file again as UTF-8" in said


def test_a_latin1_file_says_the_line_of_its_first_bad_byte(settings, tmp_path):
    text = json.dumps({"articles": [story(headline="Café reopens")]}, indent=2,
                      ensure_ascii=False)
    line = next(number for number, row in enumerate(text.splitlines(), 1) if "Café" in row)
    column = text.splitlines()[line - 1].index("é") + 1
    said = refused_bytes(settings, tmp_path / "copy", text.encode("latin-1"))
    assert (f"not UTF-8 text (a byte that is none, 0xe9, at line {line}, byte {column} of "
            f"that line): save the file again as UTF-8") in said


# The import: values -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2026-12-01", "20261201", "2026-W49-2"])
def test_a_date_without_its_time_is_refused_not_read_as_midnight(settings, tmp_path, value):
    lines = refused_lines(settings, tmp_path, {"articles": [story(published_at=value)]})
    assert any(f'a date without its time: "{value}" would be read as midnight; give the '
               f'time too' in line for line in lines), lines


@pytest.mark.parametrize("value", ["2026-02-04T23:06:00Z", "2026-02-04 23:06:00+01:00",
                                   "2026-02-04T23:06"])
def test_dates_with_their_times_are_taken(tmp_path, settings, value):
    from tests.articles.test_import import run_import, write_image
    folder = tmp_path / "copy"
    write_image(folder / "images" / "hero.jpg")
    write_image(folder / "avatars" / "li-wei.jpg", size=(300, 300))
    run_import(folder, {"articles": [story(published_at=value)]})
    assert Article.objects.get().published_at is not None


def test_a_null_tag_is_named_as_null(settings, tmp_path):
    lines = refused_lines(settings, tmp_path, {"articles": [story(tags=["Port", None])]})
    assert any(line.endswith('field "tags[1]": must be a string, not null') for line in lines), \
        lines


def test_a_body_over_the_limit_is_refused_by_its_length(settings, tmp_path):
    body = "word " * (BODY_MAX_CHARS // 5 + 1)
    lines = refused_lines(settings, tmp_path, {"articles": [story(body=body)]})
    assert any(f"This body has {len(body.strip()):,} characters; a story holds at most "
               f"300,000 (some 50,000 words)" in line for line in lines), lines
    assert not any("brackets" in line for line in lines)


@pytest.mark.parametrize(("text", "slug"), [
    ("Straße der Einheit", "strasse-der-einheit"), ("Søren Ærø", "soren-aero"),
    ("Łódź", "lodz"), ("Þórður", "thordur"), ("Café", "cafe"), ("李伟", ""),
])
def test_latin_letters_that_do_not_decompose_are_kept_in_addresses(text, slug):
    from core.text import ascii_slug
    assert ascii_slug(text) == slug


def test_an_imported_section_and_story_keep_their_letters(settings, tmp_path):
    from tests.articles.test_import import run_import, write_image
    folder = tmp_path / "copy"
    write_image(folder / "images" / "hero.jpg")
    write_image(folder / "avatars" / "li-wei.jpg", size=(300, 300))
    run_import(folder, {"articles": [story(slug=None, headline="Straße reopens",
                                           section="Økonomi")]})
    article = Article.objects.get()
    assert (article.slug, article.section.slug) == ("strasse-reopens", "okonomi")


# Review of the above ------------------------------------------------------------------


def test_a_story_imported_before_addresses_kept_their_letters_is_updated_not_doubled(
        settings, tmp_path):
    from tests.articles.test_import import run_import, write_image
    folder = tmp_path / "copy"
    write_image(folder / "images" / "hero.jpg")
    write_image(folder / "avatars" / "li-wei.jpg", size=(300, 300))
    headline = "Die Straße nach Søndersø"
    # As yesterday's import made it from the headline: slugify() dropped ß and ø.
    run_import(folder, {"articles": [story(slug="die-strae-nach-snders", headline=headline)]})
    run_import(folder, {"articles": [story(slug=None, headline=headline, dek="Corrected.")]})
    article = Article.objects.get()
    assert (article.slug, article.dek) == ("die-strae-nach-snders", "Corrected.")


@pytest.mark.parametrize("value", ["2026-02-04t23:06:00Z", "2026-02-04_23:06:00Z"])
def test_any_separator_python_reads_is_a_time_not_a_date_alone(tmp_path, settings, value):
    from tests.articles.test_import import run_import, write_image
    folder = tmp_path / "copy"
    write_image(folder / "images" / "hero.jpg")
    write_image(folder / "avatars" / "li-wei.jpg", size=(300, 300))
    # Refused as "a date without its time", with "2026-02-04t…ZT09:00:00Z" to try.
    run_import(folder, {"articles": [story(published_at=value)]})
    assert Article.objects.get().published_at.hour == 23


def test_a_long_body_fits_the_admins_form_and_a_longer_one_is_refused_by_its_length(client):
    from django.contrib.auth.models import Group as Groups

    from tests.test_edit_conflicts import Editor
    editor = Editor("longreads", "Lena Long")
    assert Groups.objects.get(name="Editors").user_set.filter(username="longreads").exists()
    article = ArticleFactory(draft=True)
    editor.open(f"/admin/articles/article/{article.pk}/change/")
    body = "Ein langer Text über die Straße. " * 8_000  # 264,000 characters, ß included
    response = editor.save(body=body)
    assert response.status_code == 302, response.status_code  # it was a 400: too big to read
    article.refresh_from_db()
    assert article.body == body.strip()
    editor.open(f"/admin/articles/article/{article.pk}/change/")  # as saved
    response = editor.save(body=body + "x" * 40_000)
    assert response.status_code == 200
    assert "This body has 304,000 characters; a story holds at most 300,000" in \
        response.content.decode().replace("\u202f", " ")
