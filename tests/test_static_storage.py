import json
from unittest import mock

import pytest

from core.storage import StaticFilesStorage


@pytest.fixture
def storage(tmp_path):
    """The site's static storage over a collected folder of one file."""
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.abc123.css").write_text("body {}")
    manifest = {"paths": {"css/site.css": "css/site.abc123.css"}, "version": "1.1"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return StaticFilesStorage(location=tmp_path, base_url="/static/")


def test_a_file_url_is_worked_out_once(storage, settings):
    settings.DEBUG = False
    with mock.patch.object(storage, "stored_name", wraps=storage.stored_name) as stored_name:
        urls = {storage.url("css/site.css") for _ in range(3)}
    assert urls == {"/static/css/site.abc123.css"}
    assert stored_name.call_count == 1


def test_in_debug_every_call_asks_the_storage(storage, settings):
    settings.DEBUG = True
    assert storage.url("css/site.css") == "/static/css/site.css"
    assert storage._urls == {}
    settings.DEBUG = False
    assert storage.url("css/site.css") == "/static/css/site.abc123.css"


def test_a_missing_file_still_fails_and_is_not_kept(storage, settings):
    settings.DEBUG = False
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
    assert storage._urls == {}


def test_only_so_many_urls_are_kept(storage, settings):
    settings.DEBUG = False
    storage.max_urls = 0
    assert storage.url("css/site.css") == "/static/css/site.abc123.css"
    assert storage._urls == {}
