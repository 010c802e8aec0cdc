"""tests/static_memo.py, which keeps WhiteNoise's list of static files for the run,
answers as WhiteNoise does, and reads a folder afresh when a file or a setting changes."""

import os

import pytest
from whitenoise import base
from whitenoise.middleware import WhiteNoiseMiddleware

from tests import static_memo


@pytest.fixture
def static_root(settings, tmp_path):
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
