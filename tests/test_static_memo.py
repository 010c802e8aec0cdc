"""tests/static_memo.py, which keeps WhiteNoise's list of static files for the run,
answers as WhiteNoise does, and reads a folder afresh when a file or a setting changes,
whether inotify tells it or the files are read every time."""

import os

import pytest
from whitenoise import base
from whitenoise.middleware import WhiteNoiseMiddleware

from tests import static_memo


@pytest.fixture(params=["watched", "read every time"])
def static_root(request, settings, tmp_path, monkeypatch):
    """A static folder of a test's own, its changes told by inotify, or, as where inotify
    cannot tell, by its files read every time."""
    if request.param == "read every time":
        monkeypatch.setattr(static_memo._changes, "generation", lambda root: None)
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "css" / "site.css").write_text("body { color: black }")
    (root / "css" / "site.css.gz").write_bytes(b"not really gzip, but a compressed copy")
    (root / "robots.txt").write_text("User-agent: *")
    settings.STATIC_ROOT = root
    settings.STATIC_URL = "/static/"
    return root


def _served(middleware):
    """Each URL and the headers a GET of it is answered with."""
    return {url: sorted(static_file.get_response("GET", {}).headers)
            for url, static_file in middleware.files.items()}


def _unkept(monkeypatch):
    monkeypatch.setattr(base.WhiteNoise, "update_files_dictionary", static_memo.UPDATE)
    return WhiteNoiseMiddleware(lambda request: None)


def test_it_is_installed_for_the_suite():
    assert base.WhiteNoise.update_files_dictionary is not static_memo.UPDATE


def test_the_kept_list_is_what_whitenoise_works_out_and_is_kept(static_root, monkeypatch):
    first = WhiteNoiseMiddleware(lambda request: None)
    again = WhiteNoiseMiddleware(lambda request: None)
    assert set(first.files) == {"/static/css/site.css", "/static/robots.txt"}
    # Kept: the second middleware has the very same entries, not worked out again.
    assert all(again.files[url] is first.files[url] for url in first.files)
    assert _served(again) == _served(_unkept(monkeypatch))


def test_a_file_added_rewritten_or_removed_is_read_afresh(static_root, monkeypatch):
    before = WhiteNoiseMiddleware(lambda request: None)
    (static_root / "css" / "site.css").write_text("body { color: navy; background: white }")
    os.utime(static_root / "css" / "site.css", ns=(1, 1))
    (static_root / "new.js").write_text("console.log(1)")
    (static_root / "robots.txt").unlink()
    after = WhiteNoiseMiddleware(lambda request: None)
    assert set(after.files) == {"/static/css/site.css", "/static/new.js"}
    assert after.files["/static/css/site.css"] is not before.files["/static/css/site.css"]
    assert _served(after) == _served(_unkept(monkeypatch))
    assert ("Content-Length", "39") in _served(after)["/static/css/site.css"]


def test_a_setting_changed_is_read_afresh(static_root, settings, monkeypatch):
    settings.WHITENOISE_MAX_AGE = 60
    short = WhiteNoiseMiddleware(lambda request: None)
    settings.WHITENOISE_MAX_AGE = 3600
    long = WhiteNoiseMiddleware(lambda request: None)
    assert ("Cache-Control", "max-age=60, public") in _served(short)["/static/robots.txt"]
    assert ("Cache-Control", "max-age=3600, public") in _served(long)["/static/robots.txt"]
    assert _served(long) == _served(_unkept(monkeypatch))


def test_a_file_in_a_folder_made_since_is_read(static_root):
    WhiteNoiseMiddleware(lambda request: None)
    (static_root / "js" / "lib").mkdir(parents=True)
    WhiteNoiseMiddleware(lambda request: None)  # read with the folder still empty
    (static_root / "js" / "lib" / "menu.js").write_text("menu()")
    after = WhiteNoiseMiddleware(lambda request: None)
    assert "/static/js/lib/menu.js" in after.files
    (static_root / "js" / "lib" / "menu.js").write_text("menu(1)")
    assert ("Content-Length", "7") in _served(
        WhiteNoiseMiddleware(lambda request: None))["/static/js/lib/menu.js"]


def test_a_folder_removed_or_renamed_is_read_afresh(static_root):
    WhiteNoiseMiddleware(lambda request: None)
    (static_root / "css").rename(static_root / "styles")
    assert set(WhiteNoiseMiddleware(lambda request: None).files) == {
        "/static/styles/site.css", "/static/robots.txt"}
    for path in (static_root / "styles").iterdir():
        path.unlink()
    (static_root / "styles").rmdir()
    assert set(WhiteNoiseMiddleware(lambda request: None).files) == {"/static/robots.txt"}


def test_a_file_rewritten_alone_is_read_afresh(static_root):
    WhiteNoiseMiddleware(lambda request: None)
    (static_root / "robots.txt").write_text("User-agent: *\nDisallow: /admin/")
    assert ("Content-Length", "31") in _served(
        WhiteNoiseMiddleware(lambda request: None))["/static/robots.txt"]


def test_a_files_time_changed_alone_is_read_afresh(static_root):
    WhiteNoiseMiddleware(lambda request: None)
    os.utime(static_root / "robots.txt", (10**9, 10**9))
    assert ("Last-Modified", "Sun, 09 Sep 2001 01:46:40 GMT") in _served(
        WhiteNoiseMiddleware(lambda request: None))["/static/robots.txt"]


def test_a_folder_with_a_linked_file_is_read_every_time(tmp_path, settings):
    """A change to the file it points to happens in a folder not watched."""
    elsewhere = tmp_path / "elsewhere.css"
    elsewhere.write_text("a { color: red }")
    root = tmp_path / "linked"
    root.mkdir()
    (root / "site.css").symlink_to(elsewhere)
    settings.STATIC_ROOT, settings.STATIC_URL = root, "/static/"
    assert static_memo._changes.generation(str(root)) is None
    WhiteNoiseMiddleware(lambda request: None)
    elsewhere.write_text("a { color: darkred }")
    assert ("Content-Length", "20") in _served(
        WhiteNoiseMiddleware(lambda request: None))["/static/site.css"]


def test_a_watched_folder_keeps_its_generation_until_a_change(tmp_path):
    changes = static_memo.Changes()
    root = tmp_path / "watched"
    root.mkdir()
    first = changes.generation(str(root))
    assert first is not None and changes.generation(str(root)) == first
    (root / "a.txt").write_text("a")
    second = changes.generation(str(root))
    assert second not in (None, first) and changes.generation(str(root)) == second
