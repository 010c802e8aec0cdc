"""QA round 12, the edge cache: deploy/varnish/default.vcl against a real varnishd.

A path written with %-escapes (`/%61ccounts/login/`, `/admin%2F`) is one the site
reads decoded, as any page, the personal ones included; the masthead's date changes
at midnight and no copy from the day before may be served past it.
"""

import uuid
from urllib.parse import urlsplit

import pytest

from tests.factories import ArticleFactory
from tests.test_edge_vcl import Backend, Browser, fetch
from tests.varnish import Varnish

# The same on any database: CI runs it in one lane (tests/conftest.py).
pytestmark = pytest.mark.databaseless


@pytest.fixture(scope="module")
def backend():
    with Backend() as backend:
        yield backend


@pytest.fixture(scope="module")
def varnish(backend):
    with Varnish(backends=[backend.address]) as varnish:
        yield varnish


@pytest.fixture
def unique():
    """A prefix for this test's paths: the cache lives for the whole module."""
    return uuid.uuid4().hex[:12]


# A path the site reads decoded -------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "/%61ccounts/{unique}/", "/%61dmin/{unique}/", "/admin%2F{unique}/", "/admin%2f{unique}/",
    "/accounts%2F{unique}/", "/%6Eewsletter/{unique}/", "/%6eewsletter/{unique}/",
    "/articles/{unique}/report%2Dbias/", "/articles/{unique}/report-bias%2F",
    "/%73earch/?q={unique}",
])
def test_a_private_path_in_escapes_passes_with_its_cookies(varnish, backend, unique, path):
    """Each is a page the edge passes when written plainly: written with escapes, it
    passed as a public page, its csrftoken was dropped (the site set a new one, which
    voided the reader's open forms) and an answer claiming to be public was stored."""
    path = path.format(unique=unique)
    for number in (1, 2):
        status, headers, body = fetch(varnish, path, headers={"Cookie": "csrftoken=t"})
        assert (body, headers["x-edge-cache"]) == (f"{path} #{number}", "MISS")
        assert backend.seen[path]["Cookie"] == "csrftoken=t"


def test_a_public_page_with_letters_of_other_scripts_in_escapes_is_still_stored(
        varnish, backend, unique):
    """A tag's slug may be in any script (/tags/café/ is /tags/caf%C3%A9/): such escapes
    cannot spell a private path, and the page is shared as before."""
    path = f"/tags/caf%C3%A9-{unique}/"
    fetch(varnish, path, headers={"Cookie": "csrftoken=t"})
    status, headers, body = fetch(varnish, path, headers={"Cookie": "csrftoken=t"})
    assert (body, headers["x-edge-cache"]) == (f"{path} #1", "HIT")
    assert "Cookie" not in backend.seen[path]


def test_the_sign_in_page_in_escapes_keeps_the_readers_csrftoken(live_server):
    """The site itself behind the edge: /%61ccounts/login/ is the sign-in page, and the
    reader's other open forms still post after it was opened."""
    ArticleFactory()
    with Varnish(backends=[("127.0.0.1", urlsplit(live_server.url).port)]) as varnish:
        reader = Browser(varnish)
        newsletter = reader.open_form("/newsletter/")
        token = reader.cookies["csrftoken"]
        reader.open_form("/%61ccounts/login/")
        reader.open_form("/accounts%2Flogin/")
        assert reader.cookies["csrftoken"] == token
        status, text = reader.request("POST", "/newsletter/", {
            "csrfmiddlewaretoken": newsletter, "email": "tabs@example.org", "is_daily": "on"})
        assert status == 302, text


@pytest.mark.parametrize("scheme", ["https", "HTTPS", "ftp", "git+ssh"])
def test_a_private_path_in_absolute_form_passes_with_its_cookies(varnish, backend, unique,
                                                                 scheme):
    """GET https://host/accounts/login/: Varnish takes the scheme and host off an http://
    address alone, and the app servers read the path of any (gunicorn does), so the
    pass list never saw /accounts/ there."""
    path = f"/accounts/{unique}/"
    for number in (1, 2):
        status, headers, body = fetch(varnish, f"{scheme}://localhost{path}",
                                      headers={"Cookie": "csrftoken=t"})
        assert (body, headers["x-edge-cache"]) == (f"{path} #{number}", "MISS")
        assert backend.seen[path]["Cookie"] == "csrftoken=t"
        assert backend.seen[path]["Host"] == "localhost"


def test_a_public_page_in_absolute_form_shares_the_plain_copy(varnish, backend, unique):
    """Not one more copy for each way of writing it (https://host/..., HTTPS://host/...)."""
    path = f"/{unique}/story/"
    assert fetch(varnish, path)[2] == f"{path} #1"
    for address in (f"https://127.0.0.1:{varnish.port}{path}",
                    f"HTTPS://127.0.0.1{path}", f"ftp://127.0.0.1:1{path}"):
        status, headers, body = fetch(varnish, address)
        assert (body, headers["x-edge-cache"]) == (f"{path} #1", "HIT"), address
    assert backend.hits[path] == 1


def test_an_absolute_form_without_a_host_keeps_the_host_header(varnish, backend, unique):
    path = f"/accounts/{unique}/"
    fetch(varnish, f"https://{path}", headers={"Host": "example.org"})
    assert backend.seen[path]["Host"] == "example.org"
