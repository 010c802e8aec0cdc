"""QA round 12, the edge cache: deploy/varnish/default.vcl against a real varnishd.

A path written with %-escapes (`/%61ccounts/login/`, `/admin%2F`) is one the site
reads decoded, as any page, the personal ones included; the masthead's date changes
at midnight and no copy from the day before may be served past it.
"""

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.cache import cache
from django.test import RequestFactory

from core import pagecache

from tests.factories import ArticleFactory
from tests.test_edge_vcl import Browser, fetch, wait_for
from tests.varnish import PUBLIC, Backend, Varnish

# The same on any database: CI runs it in one lane (tests/conftest.py).
pytestmark = pytest.mark.databaseless


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



def test_escapes_in_either_case_share_one_copy(varnish, backend, unique):
    """/tags/caf%c3%a9/ is /tags/caf%C3%A9/ to the site: one copy, not one for each way of
    writing every escape (a tag of ten Cyrillic letters had thousands)."""
    path = f"/tags/caf%C3%A9-{unique}/%D0%BD/"
    assert fetch(varnish, path)[2] == f"{path} #1"
    for variant in (f"/tags/caf%c3%a9-{unique}/%d0%bd/", f"/tags/caf%C3%a9-{unique}/%D0%Bd/",
                    f"/tags/caf%c3%A9-{unique}/%d0%BD/",
                    f"/tags/caf%c3%a9-{unique}/%d0%bd/?utm=%aa"):
        status, headers, body = fetch(varnish, variant)
        assert (body, headers["x-edge-cache"]) == (f"{path} #1", "HIT"), variant
    assert backend.hits[path] == 1
    # A passed path's query string reaches the site as it came.
    search = f"/search/caf%c3%a9/?q=caf%c3%a9&u={unique}"
    assert fetch(varnish, search)[2] == f"/search/caf%C3%A9/?q=caf%c3%a9&u={unique} #1"


# Midnight --------------------------------------------------------------------------------------

# What the site sends a second before midnight in TIME_ZONE, when the masthead's date
# changes: its lifetime ends then, and so does any time a cache may serve it stale
# (core.pagecache._public_headers).
LAST_SECOND = ("Cache-Control", "public, max-age=1, s-maxage=1, stale-while-revalidate=0")


def test_a_page_is_never_served_stale_past_the_end_the_site_gives(varnish, backend, unique):
    """The VCL's 30 s of grace once served yesterday's front page after midnight."""
    path = f"/{unique}/front/"
    backend.answer(path, LAST_SECOND, ("xkey", "site"))
    assert fetch(varnish, path)[2] == f"{path} #1"
    time.sleep(1.5)
    status, headers, body = fetch(varnish, path)
    assert (status, body) == (200, f"{path} #2")
    # The new day's copy is stored as any other.
    status, headers, body = fetch(varnish, path)
    assert (body, headers["x-edge-cache"]) == (f"{path} #2", "HIT")
    assert backend.hits[path] == 2
    assert not any(name.startswith("eva-") for name in headers)  # the edge's own notes


def test_a_page_is_served_stale_no_longer_than_the_site_allows(varnish, backend, unique):
    """Ten seconds before midnight: a second of life, then at most nine stale."""
    path = f"/{unique}/late/"
    backend.answer(path, ("Cache-Control", "public, max-age=1, s-maxage=1, "
                                           "stale-while-revalidate=2"), ("xkey", "site"))
    assert fetch(varnish, path)[2] == f"{path} #1"
    backend.answer(path, LAST_SECOND, ("xkey", "site"))
    time.sleep(3.5)  # past its lifetime and the two seconds after it
    assert fetch(varnish, path)[2] == f"{path} #2"


def test_a_page_that_allows_no_grace_is_still_served_while_no_app_server_answers(unique):
    """Yesterday's page is better than an error while the site is down: the outage grace
    (vcl_backend_response's 6 hours) is kept."""
    with Backend() as first, Backend() as second, \
            Varnish(backends=[first.address, second.address]) as varnish:
        path = f"/{unique}/outage/"
        for backend in (first, second):
            backend.answer(path, LAST_SECOND, ("xkey", "site"))
        assert fetch(varnish, path)[2] == f"{path} #1"
        time.sleep(1.5)
        first.down = second.down = True
        wait_for(lambda: fetch(varnish, path)[:3:2] == (200, f"{path} #1"))
        first.down = second.down = False
        for backend in (first, second):
            backend.answer(path, ("Cache-Control", PUBLIC), ("xkey", "site"))
        wait_for(lambda: fetch(varnish, path)[2] != f"{path} #1")


def test_a_page_that_names_no_grace_keeps_the_edges_thirty_seconds(varnish, backend, unique):
    """A picture under /media/ says max-age alone: served stale while it is fetched anew."""
    path = f"/{unique}/picture/"
    backend.answer(path, ("Cache-Control", "public, max-age=1"), ("xkey", "site"))
    assert fetch(varnish, path)[2] == f"{path} #1"
    time.sleep(1.5)
    status, headers, body = fetch(varnish, path)
    assert (body, headers["x-edge-cache"]) == (f"{path} #1", "HIT")
    wait_for(lambda: fetch(varnish, path)[2] == f"{path} #2")


@pytest.mark.django_db
@pytest.mark.usefixtures("page_cache_on")
@pytest.mark.parametrize("edited", [False, True], ids=["unchanged", "edited-before-midnight"])
def test_the_site_never_serves_yesterdays_copy_while_it_renders_todays(client, settings,
                                                                        edited):
    """The edge asks the site after midnight: while another request renders the page, the
    site answered with its previous copy (for up to 10 s, core.pagecache.GRACE), which
    still had yesterday's date on its masthead."""
    settings.TIME_ZONE = "Asia/Tokyo"
    midnight = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # in Tokyo, Wednesday begins
    with time_machine.travel(midnight - timedelta(hours=1), tick=False):
        story = ArticleFactory(slug="harbour")
    with time_machine.travel(midnight - timedelta(seconds=30), tick=False) as clock:
        assert "Tuesday, March 10, 2026" in client.get("/articles/").content.decode()
        clock.shift(timedelta(seconds=27))
        if edited:
            pagecache.changed({f"story-{story.pk}"})
        clock.shift(timedelta(seconds=5))  # two seconds into Wednesday
        # Another request is rendering the page.
        request = RequestFactory().get("/articles/")
        assert pagecache._public_view(request)
        assert cache.add(f"{pagecache._key(request)}:rendering", 1, 10)
        response = client.get("/articles/")
        assert "Tuesday, March 10" not in response.content.decode(), response["X-Page-Cache"]
        assert "Wednesday, March 11, 2026" in response.content.decode()
        assert response["X-Page-Cache"] == "miss"
