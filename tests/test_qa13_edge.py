"""QA round 13, the edge cache: deploy/varnish/default.vcl against a real varnishd, and the
app servers' own headers where gunicorn answers readers without it.

Readers learn nothing of the software that answers them; a public page whose refresh
fails past its grace is served from the last good copy, never one taken down; the
site's own stale copy does not send a page's readers past the edge for minutes.
"""

import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.conftest import REQUEST_TIMEOUT, gunicorn_alone
from tests.test_edge_vcl import fetch, purge, wait_for
from tests.test_gunicorn_worker_qa_round import _answer
from tests.varnish import PRIVATE, PUBLIC

# The same on any database: CI runs it in one lane (tests/conftest.py).
pytestmark = pytest.mark.databaseless

# Headers that name the software (and its version) that answered.
SOFTWARE_HEADERS = ("server", "x-varnish", "via", "x-powered-by")


def _named(headers):
    return {name: headers[name] for name in SOFTWARE_HEADERS if name in headers}


# No software named ---------------------------------------------------------------------------


def test_no_answer_of_the_edge_names_the_software(varnish, backend, unique):
    """The test's app server says `Server: BaseHTTP/0.6 Python/3...`, as gunicorn says
    `Server: gunicorn`; Varnish added X-Varnish, `Via: 1.1 varnish (Varnish/7.1)` and, on
    its own answers, `Server: Varnish` and a page signed "Varnish cache server"."""
    path, failing = f"/{unique}/story/", f"/{unique}/failing/"
    backend.answer(path, ("Cache-Control", PUBLIC), ("xkey", "site"),
                   ("X-Powered-By", "Django"))
    backend.answer(failing, ("Cache-Control", PRIVATE), status=503)
    answers = {
        "miss": fetch(varnish, path),
        "hit": fetch(varnish, path),
        "head": fetch(varnish, path, method="HEAD"),
        "post": fetch(varnish, path, method="POST"),
        "edge 503": fetch(varnish, failing),
        "purge refused": purge(varnish, "site", source="127.0.0.2"),
    }
    assert answers["hit"][1]["x-edge-cache"] == "HIT"
    assert answers["edge 503"][0] == 503 and answers["purge refused"][0] == 403
    for name, (status, headers, body) in answers.items():
        assert _named(headers) == {}, name
        assert "varnish" not in body.lower(), name
    head, body = _without_host(varnish, path)
    assert head.startswith(b"HTTP/1.1 400 ")
    assert not any(line.lower().startswith((b"server:", b"x-varnish:", b"via:"))
                   for line in head.split(b"\r\n"))
    assert b"varnish" not in body.lower()


def _without_host(varnish, path):
    """(head, body) of an HTTP/1.1 request without a Host header, which Varnish refuses."""
    with socket.create_connection(("127.0.0.1", varnish.port), timeout=REQUEST_TIMEOUT) as c:
        c.sendall(b"GET %s HTTP/1.1\r\nConnection: close\r\n\r\n" % path.encode())
        head, _, body = _answer(c).partition(b"\r\n\r\n")
    return head, body


def test_the_edges_own_refusals_are_plain_words(varnish, unique):
    """A request without a Host header got Varnish's "Guru Meditation" page."""
    head, body = _without_host(varnish, f"/{unique}/")
    assert (head.split(b"\r\n")[0], body) == (b"HTTP/1.1 400 Bad Request", b"Bad Request\n")
    assert b"\r\nContent-Type: text/plain; charset=utf-8\r\n" in head + b"\r\n"
    assert b"\r\nX-Content-Type-Options: nosniff\r\n" in head + b"\r\n"


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    with gunicorn_alone(tmp_path_factory.mktemp("unnamed")) as server:
        yield server


@pytest.mark.parametrize("request_head", [
    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    b"GET /no-such-page/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    b"HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    b"GET / HTTP/1.0\r\n\r\n",
    b"GET /\xff HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",  # refused by gunicorn's parser
], ids=["healthz", "404", "head", "http/1.0", "refused"])
def test_gunicorn_names_no_software_where_it_serves_readers_itself(gunicorn, request_head):
    """The Dockerfile runs gunicorn with nothing in front: every answer said
    `Server: gunicorn`."""
    with socket.create_connection(("127.0.0.1", gunicorn.port), timeout=REQUEST_TIMEOUT) as c:
        c.sendall(request_head)
        answer = _answer(c)
    head = answer.split(b"\r\n\r\n")[0]
    assert head.startswith(b"HTTP/1."), answer[:200]
    lines = [line.lower() for line in head.split(b"\r\n")[1:]]
    assert [line for line in lines if line.startswith((b"server:", b"x-powered-by:"))] == []
    assert any(line.startswith(b"date:") for line in lines) or b" 400 " in head[:20]
    assert b"gunicorn" not in answer.lower()


# A page whose refresh fails past its grace ----------------------------------------------------

# Past its lifetime at once: vcl_hit then asks for the page anew and has the reader wait
# for it, as for any page past its own grace (30 seconds at most, or midnight).
NO_GRACE = ("Cache-Control", "public, max-age=1, s-maxage=1, stale-while-revalidate=0")


def _stored_past_its_grace(varnish, backend, path, tag):
    backend.answer(path, NO_GRACE, ("xkey", tag))
    assert fetch(varnish, path)[2] == f"{path} #1"
    time.sleep(1.5)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_site_error_past_the_grace_serves_the_last_good_copy(varnish, backend, unique,
                                                                status):
    """The probes find the site healthy, so vcl_recv gave 30 seconds of grace at most:
    the site's 503 reached the reader as the edge's 503 page, a 500 as the site's own
    error page (and a hit-for-miss that hid the good copy for two minutes)."""
    path = f"/{unique}/story/"
    _stored_past_its_grace(varnish, backend, path, f"story-{unique}")
    backend.answer(path, ("Cache-Control", PRIVATE), status=status)
    for _ in range(3):
        status_seen, headers, body = fetch(varnish, path)
        assert (status_seen, body) == (200, f"{path} #1")
    assert "server" not in headers

    # Once the site answers again, the page is fetched anew, not served stale.
    backend.answer(path, NO_GRACE, ("xkey", f"story-{unique}"))
    wait_for(lambda: fetch(varnish, path)[2] not in
             {f"{path} #{number}" for number in range(1, 5)})


def test_a_page_taken_down_is_never_served_stale_when_the_site_errs(varnish, backend, unique):
    """The purge is hard: no copy is left for an error to bring back."""
    path = f"/{unique}/takedown/"
    _stored_past_its_grace(varnish, backend, path, f"story-{unique}")
    assert purge(varnish, f"story-{unique}")[2] == "Invalidated 1 objects\n"
    backend.answer(path, ("Cache-Control", PRIVATE), status=500)
    status, headers, body = fetch(varnish, path)
    assert status == 503 and "<h1>We are back in a moment</h1>" in body
    assert f"{path} #1" not in body


def test_a_site_error_with_no_copy_kept_asks_the_site_once(varnish, backend, unique):
    """The edge's 503 page, after one request to the site: looking again for a copy
    does not fetch the page a second time."""
    path = f"/{unique}/never-stored/"
    backend.answer(path, ("Cache-Control", PRIVATE), status=500)
    status, headers, body = fetch(varnish, path)
    assert status == 503 and "<h1>We are back in a moment</h1>" in body
    assert backend.hits[path] == 1


def test_a_post_that_errs_is_sent_once_and_gets_the_sites_answer(varnish, backend, unique):
    path = f"/{unique}/comments/"
    backend.answer(path, ("Cache-Control", PRIVATE), status=503)
    status, headers, body = fetch(varnish, path, method="POST",
                                  headers={"eva-missed": "1", "Cookie": "csrftoken=t"})
    assert (status, body) == (503, f"{path} #1")
    assert backend.hits[path] == 1


def test_the_edges_flags_never_reach_the_site(varnish, backend, unique):
    """A reader cannot set them, and the site never sees them."""
    path = f"/{unique}/flags/"
    _stored_past_its_grace(varnish, backend, path, f"story-{unique}")
    backend.answer(path, ("Cache-Control", PRIVATE), status=500)
    assert fetch(varnish, path, headers={"eva-error": "1"})[2] == f"{path} #1"
    wait_for(lambda: backend.hits[path] >= 2)
    assert not {"eva-error", "eva-missed", "eva-fresh"} & {
        name.lower() for name in backend.seen[path].keys()}
    fresh = f"/{unique}/fresh/"
    assert fetch(varnish, fresh, headers={"eva-error": "1", "eva-missed": "1"})[2] == \
        f"{fresh} #1"
    assert not {"eva-error", "eva-missed"} & {name.lower() for name in backend.seen[fresh]}


# The site's own stale copy ---------------------------------------------------------------------

SITES_STALE_COPY = (("Cache-Control", "no-cache"), ("X-Page-Cache", "stale"))


def test_the_sites_stale_copy_leaves_the_edges_copy_served(varnish, backend, unique):
    """While a worker renders a page anew, the site answers others with its previous copy,
    marked no-cache and `X-Page-Cache: stale`. A page's fetch answered so past its grace
    dropped the copy the edge kept, and left a hit-for-miss for 120 seconds: every reader
    of the page went to the site, and once the site failed (its database away, 503) they
    got the edge's 503 page. The edge's copy is served instead, and kept."""
    path = f"/{unique}/rendering/"
    backend.answer(path, NO_GRACE, ("xkey", f"story-{unique}"), ("ETag", '"one"'))
    assert fetch(varnish, path)[2] == f"{path} #1"
    time.sleep(1.5)
    backend.answer(path, *SITES_STALE_COPY, ("ETag", '"two"'))
    status, headers, body = fetch(varnish, path)
    assert (status, body) == (200, f"{path} #1")
    assert backend.seen[path]["If-None-Match"] == '"one"'  # the site was asked

    backend.answer(path, ("Cache-Control", PRIVATE), status=503)
    assert fetch(varnish, path)[:3:2] == (200, f"{path} #1")

    backend.answer(path, NO_GRACE, ("xkey", f"story-{unique}"), ("ETag", '"three"'))
    wait_for(lambda: fetch(varnish, path)[2] not in
             {f"{path} #{number}" for number in range(1, 6)})


def test_the_page_rendered_anew_is_stored_after_the_sites_stale_copy(varnish, backend, unique):
    """With no copy kept, the reader gets the site's; the next fetch stores the page."""
    path = f"/{unique}/rendered/"
    backend.answer(path, *SITES_STALE_COPY)
    assert fetch(varnish, path)[2] == f"{path} #1"
    backend.answer(path, ("Cache-Control", PUBLIC), ("xkey", f"story-{unique}"))
    assert fetch(varnish, path)[2] == f"{path} #2"
    status, headers, body = fetch(varnish, path)
    assert (body, headers["x-edge-cache"]) == (f"{path} #2", "HIT")


def test_readers_after_the_sites_stale_copy_share_one_fetch_again_soon(varnish, backend,
                                                                       unique):
    """With no copy kept, the hit-for-miss the site's stale copy leaves sent every reader
    of the page to the site, side by side, for 120 seconds: after an edit (the page
    purged) a popular page was rendered for each of them. One second now; then readers
    wait for one fetch again."""
    path = f"/{unique}/popular/"
    backend.answer(path, *SITES_STALE_COPY)
    assert fetch(varnish, path)[2] == f"{path} #1"
    time.sleep(1.5)
    backend.answer(path, ("Cache-Control", PUBLIC), ("xkey", f"story-{unique}"))
    backend.delays[path] = 1
    with ThreadPoolExecutor(max_workers=4) as readers:
        bodies = list(readers.map(lambda _: fetch(varnish, path)[2], range(4)))
    assert bodies == [f"{path} #2"] * 4
    assert backend.hits[path] == 2
