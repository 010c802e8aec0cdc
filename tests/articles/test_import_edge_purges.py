"""An import's purges reach each edge cache as one request, not one for each picture and
page (core.edge.purges_gathered around articles.importer.write): the files a failed import
wrote, and the pictures and pages a re-import changed. One request each had cost a second
each while an edge cache hung."""

import json
from unittest import mock

import pytest
from django.db import DatabaseError

from articles import importer
from articles.models import Article
from core import edge, images
from tests.articles.test_import import media_files, run_import, story, write_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def copy_dir(tmp_path):
    folder = tmp_path / "copy"
    write_image(folder / "images" / "hero.jpg")
    write_image(folder / "images" / "other.jpg", colour=(200, 120, 40))
    write_image(folder / "avatars" / "li-wei.jpg", size=(300, 300))
    return folder


@pytest.fixture
def purges(settings, monkeypatch):
    """The requests sent to the one edge cache: each one's tags."""
    settings.EDGE_PURGE_URLS = ["http://127.0.0.1:9/"]
    sent = []

    def purge_at(url, tags):
        sent.append(list(tags))
        return True

    monkeypatch.setattr(edge, "_purge_at", purge_at)
    return sent


def stories(picture):
    return [story(slug=f"story-{n}", image={"file": picture, "alt": "Boats"})
            for n in range(3)]


def test_a_failed_import_purges_every_file_it_wrote_at_once(settings, copy_dir, purges):
    path = copy_dir / "articles.json"
    path.write_text(json.dumps({"articles": stories("images/hero.jpg")}), encoding="utf-8")
    with mock.patch.object(importer, "_save_tags", side_effect=DatabaseError("disk I/O error")), \
            pytest.raises(importer.ImportFailed):
        importer.import_file(path)
    assert media_files(settings) == []
    assert len(purges) == 1  # three pictures and an avatar, one request
    assert len(purges[0]) == 4 and all(tag.startswith("media-") for tag in purges[0])


@pytest.mark.django_db(transaction=True)  # the import commits, as the command's does
def test_pictures_and_pages_a_re_import_changed_are_purged_at_once(copy_dir, purges):
    run_import(copy_dir, {"articles": stories("images/hero.jpg")})
    old = set(Article.objects.values_list("image", flat=True))
    purges.clear()
    run_import(copy_dir, {"articles": stories("images/other.jpg")})
    assert set(Article.objects.values_list("image", flat=True)).isdisjoint(old)
    # The pages (kept a page's time) and the pictures (kept a picture's): two requests.
    assert len(purges) == 2
    pictures, pages = sorted(purges, key=lambda tags: not tags[0].startswith("media-"))
    assert {f"story-{pk}" for pk in Article.objects.values_list("pk", flat=True)} <= set(pages)
    assert {images.media_tag(name) for name in old} <= set(pictures)


@pytest.mark.django_db(transaction=True)
def test_a_cache_that_hangs_costs_one_wait_not_one_for_each_picture(settings, copy_dir,
                                                                    monkeypatch):
    settings.EDGE_PURGE_URLS = ["http://127.0.0.1:9/"]
    run_import(copy_dir, {"articles": stories("images/hero.jpg")})
    waits = []
    monkeypatch.setattr(edge, "_send", lambda url, header: waits.append(header) and False)
    monkeypatch.setattr(edge, "_retry_later", lambda *args, **kwargs: None)
    run_import(copy_dir, {"articles": stories("images/other.jpg")})
    assert len(waits) == 2  # one failed request for the pages, one for the pictures
