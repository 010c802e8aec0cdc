"""The edge cache's rules (deploy/varnish/default.vcl) and the site's purge client (core/edge.py).

A real varnishd runs the shipped VCL in front of a tiny app server that counts
the requests reaching it and answers with the headers a test asks for. One
varnishd serves the whole module; each test uses paths and tags of its own.
Forms are sent through one of their own, in front of the site (live_server).
"""

import base64
import gzip
import hashlib
import http.client
import logging
import re
import socket
import time
from http.cookies import SimpleCookie
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from core import checks, edge, pagecache
from tests.factories import ArticleFactory, UserFactory
from tests.redis_server import free_port
from tests.tasks import DATABASE_QUEUE, queued_wait, run_due_tasks
from tests.varnish import CONFIG, PRIVATE, PUBLIC, TIMEOUT, Backend, Varnish

# The same on any database: CI runs it in one lane (tests/conftest.py).
pytestmark = pytest.mark.databaseless

# Seconds past its lifetime a page is still served while any app server answers.
EDGE_GRACE_WHILE_ANSWERED = 30


def fetch(varnish, path, method="GET", headers=None, source="127.0.0.1"):
    """(status, headers with lower-case names, body) of one request to the cache.

    headers: a dict, or (name, value) pairs when a name repeats.
    """
    connection = http.client.HTTPConnection("127.0.0.1", varnish.port, timeout=TIMEOUT,
                                            source_address=(source, 0))
    body = b"x=1" if method == "POST" else b""
    pairs = headers.items() if isinstance(headers, dict) else headers or []
    try:
        # http.client asks for identity unless a test names its own Accept-Encoding.
        named = {name.lower() for name, _ in pairs}
        connection.putrequest(method, path, skip_host="host" in named,
                              skip_accept_encoding="accept-encoding" in named)
        for name, value in pairs:
            connection.putheader(name, value)
        if body:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        body = response.read()
        if response.getheader("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        body = body.decode()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def purge(varnish, tags, source="127.0.0.1"):
    return fetch(varnish, "/", method="PURGE", headers={"xkey-purge": tags}, source=source)


def wait_for(condition, seconds=TIMEOUT):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# Caching ---------------------------------------------------------------------------------------


def test_anonymous_get_is_stored_and_shared(varnish, backend, unique):
    path = f"/{unique}/story/"
    first = fetch(varnish, path)
    second = fetch(varnish, path)
    head = fetch(varnish, path, method="HEAD")
    assert first[0] == second[0] == head[0] == 200
    assert (first[1]["x-edge-cache"], second[1]["x-edge-cache"]) == ("MISS", "HIT")
    assert head[1]["x-edge-cache"] == "HIT"
    assert second[2] == first[2] == f"{path} #1"
    assert backend.hits[path] == 1


@pytest.mark.parametrize("cookie", ["sessionid=abc", "messages=xyz",
                                    "csrftoken=t; sessionid=abc", "csrftoken=t;messages=xyz"])
def test_signed_in_readers_always_reach_the_site(varnish, backend, unique, cookie):
    """Never answered from the cache, and what they get is never stored for others."""
    path = f"/{unique}/story/"
    # Their page first: it must not be kept for anonymous readers.
    assert fetch(varnish, path, headers={"Cookie": cookie})[2] == f"{path} #1"
    assert fetch(varnish, path)[2] == f"{path} #2"  # anonymous, stored now
    for number in (3, 4):
        status, headers, body = fetch(varnish, path, headers={"Cookie": cookie})
        assert (status, body, headers["x-edge-cache"]) == (200, f"{path} #{number}", "MISS")
    # Their cookie reaches the site (it is not stripped as an anonymous one is).
    assert backend.seen[path]["Cookie"] == cookie
    assert backend.hits[path] == 4


def test_a_session_on_a_second_cookie_line_counts(varnish, backend, unique):
    path = f"/{unique}/story/"
    fetch(varnish, path)
    status, headers, body = fetch(varnish, path, headers=[("Cookie", "csrftoken=t"),
                                                          ("Cookie", "sessionid=abc")])
    assert (body, headers["x-edge-cache"]) == (f"{path} #2", "MISS")
    assert backend.seen[path]["Cookie"] == "csrftoken=t; sessionid=abc"


def test_requests_with_credentials_pass(varnish, backend, unique):
    path = f"/{unique}/story/"
    fetch(varnish, path)
    for number in (2, 3):
        status, headers, body = fetch(varnish, path, headers={"Authorization": "Basic eDp5",
                                                              "Cookie": "csrftoken=t"})
        assert (body, headers["x-edge-cache"]) == (f"{path} #{number}", "MISS")
        assert backend.seen[path]["Cookie"] == "csrftoken=t"


@pytest.mark.parametrize("cookie", ["csrftoken=t", "consent=yes; csrftoken=t", "oldsessionid=1"])
def test_other_cookies_are_dropped_and_the_page_shared(varnish, backend, unique, cookie):
    path = f"/{unique}/story/"
    fetch(varnish, path, headers={"Cookie": cookie})
    # The site rendered the stored page without anyone's cookie.
    assert "Cookie" not in backend.seen[path]
    status, headers, body = fetch(varnish, path, headers={"Cookie": cookie})
    assert (headers["x-edge-cache"], body) == ("HIT", f"{path} #1")
    assert fetch(varnish, path)[2] == f"{path} #1"
    assert backend.hits[path] == 1


@pytest.mark.parametrize("headers", [
    [("Cache-Control", PUBLIC), ("Set-Cookie", "csrftoken=t; Path=/")],
    [("Cache-Control", PRIVATE)],
    [("Cache-Control", "no-store")],
    [("Cache-Control", "public, no-cache, s-maxage=600")],
    [("Cache-Control", "private, s-maxage=600")],
    [("Cache-Control", "public, max-age=0, s-maxage=0")],
    [("Cache-Control", PUBLIC), ("Vary", "*")],
    # No Cache-Control at all: Varnish alone would keep it for default_ttl.
    [],
], ids=["set-cookie", "private-no-cache", "no-store", "no-cache", "private", "s-maxage-0",
        "vary-star", "no-cache-control"])
def test_personal_answers_are_not_stored(varnish, backend, unique, headers):
    path = f"/{unique}/page/"
    backend.answer(path, *headers, ("xkey", f"{unique}-tag"))
    bodies = [fetch(varnish, path)[2] for _ in range(3)]
    assert bodies == [f"{path} #{number}" for number in (1, 2, 3)]
    assert backend.hits[path] == 3


def test_post_passes_with_its_cookies(varnish, backend, unique):
    """An anonymous form post (a bias report) keeps the csrftoken it needs."""
    path = f"/{unique}/articles/a/report-bias/"
    assert fetch(varnish, path)[2] == f"{path} #1"  # a stored public page
    for number in (2, 3):
        status, headers, body = fetch(varnish, path, method="POST",
                                      headers={"Cookie": "csrftoken=t"})
        assert (body, headers["x-edge-cache"]) == (f"{path} #{number}", "MISS")
        assert backend.seen[path]["Cookie"] == "csrftoken=t"
    assert fetch(varnish, path)[2] == f"{path} #1"
    assert backend.hits[path] == 3


@pytest.mark.parametrize("prefix", ["/admin/", "/accounts/", "http://localhost/admin/"])
def test_newsroom_and_accounts_always_pass(varnish, backend, unique, prefix):
    """Even when an answer there claims to be public."""
    path = f"{prefix}{unique}/"
    bodies = [fetch(varnish, path)[2] for _ in range(2)]
    seen = path.removeprefix("http://localhost")  # how the site sees it
    assert bodies == [f"{seen} #1", f"{seen} #2"]


@pytest.mark.parametrize("path", [
    "/newsletter/", "/newsletter/confirm/abc/", "/newsletter/preferences/abc/",
    "/articles/{unique}/report-bias/?partial=1", "/articles/{unique}/report-bias/BR-12/",
])
def test_form_pages_the_site_never_caches_pass_with_their_cookies(varnish, backend, unique,
                                                                    path):
    """Their csrftoken reaches the site, which then keeps it rather than setting a new
    one; and they are never stored, even when an answer claims to be public."""
    path = path.format(unique=unique)
    for number in (1, 2):
        status, headers, body = fetch(varnish, path, headers={"Cookie": "csrftoken=t"})
        assert (body, headers["x-edge-cache"]) == (f"{path} #{number}", "MISS")
        assert backend.seen[path]["Cookie"] == "csrftoken=t"


def test_comments_and_stories_are_still_shared_without_cookies(varnish, backend, unique):
    """Anonymous readers get no form there (a comment form is for signed-in readers)."""
    for path in (f"/articles/{unique}/", f"/articles/{unique}/comments/?partial=1"):
        fetch(varnish, path, headers={"Cookie": "csrftoken=t"})
        assert "Cookie" not in backend.seen[path]
        assert fetch(varnish, path, headers={"Cookie": "csrftoken=t"})[1]["x-edge-cache"] == "HIT"


def test_a_host_name_in_any_case_or_with_a_final_dot_shares_one_copy(varnish, backend, unique):
    path = f"/{unique}/story/"
    answers = [fetch(varnish, path, headers={"Host": host})
               for host in ("example.org", "EXAMPLE.org", "example.org.", "Example.ORG.")]
    assert [headers["x-edge-cache"] for _, headers, _ in answers] == ["MISS"] + ["HIT"] * 3
    assert backend.hits[path] == 1 and backend.seen[path]["Host"] == "example.org"
    # Any port is the same site (tests/test_qa10_cache.py); the site still sees the port.
    port = fetch(varnish, path, headers={"Host": "EXAMPLE.org.:8080"})
    assert port[1]["x-edge-cache"] == "HIT"
    fetch(varnish, path, method="POST", headers={"Host": "EXAMPLE.org.:8080"})
    assert backend.seen[path]["Host"] == "example.org:8080"


def test_a_search_passes_and_its_busy_answer_reaches_the_reader(varnish, backend, unique):
    """Never stored, even when an answer claims to be public; the site's own 503 (search
    busy, the words kept in the box) is delivered, not the edge's "back in a moment"."""
    path = f"/search/?q={unique}"
    backend.answer(path, ("Cache-Control", PRIVATE), ("Retry-After", "5"), status=503)
    status, headers, body = fetch(varnish, path)
    assert (status, headers["retry-after"], body) == (503, "5", f"{path} #1")
    backend.answer(path, ("Cache-Control", PUBLIC), ("xkey", "site"))
    assert [fetch(varnish, path)[2] for _ in range(2)] == [f"{path} #2", f"{path} #3"]


def test_tags_are_not_shown_to_readers(varnish, backend, unique):
    path = f"/{unique}/story/"
    backend.answer(path, ("Cache-Control", PUBLIC), ("xkey", f"story-{unique} site"))
    for _ in range(2):  # a miss, then a hit
        status, headers, body = fetch(varnish, path)
        assert status == 200 and "xkey" not in headers
    assert backend.hits[path] == 1


def test_compressed_pages_are_stored_once_and_served_either_way(varnish, backend, unique):
    """The site answers gzip to whoever asks for it (Vary: Accept-Encoding); Varnish asks
    for it on every fetch, keeps the compressed copy and decompresses it for readers
    that do not accept gzip."""
    path = f"/{unique}/story/"
    backend.compressing.add(path)
    plain = fetch(varnish, path)
    assert backend.seen[path]["Accept-Encoding"] == "gzip"
    packed = fetch(varnish, path, headers={"Accept-Encoding": "gzip, deflate, br"})
    again = fetch(varnish, path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain[1] and "content-encoding" not in again[1]
    assert packed[1]["content-encoding"] == "gzip"
    assert plain[2] == packed[2] == again[2] == f"{path} #1"
    assert (packed[1]["x-edge-cache"], again[1]["x-edge-cache"]) == ("HIT", "HIT")
    assert backend.hits[path] == 1


def test_tracking_parameters_share_the_page_and_never_reach_the_site(varnish, backend, unique):
    """Readers from social sites and newsletters (a new fbclid on every click) get the
    stored page; the site is asked once, for the URL without them."""
    path = f"/{unique}/story/"
    arrivals = [f"{path}?utm_source=newsletter&utm_medium=email",
                f"{path}?fbclid=IwAR0abc", f"{path}?fbclid=IwAR1def",
                f"{path}?gclid=Cj0&utm_campaign=spring", f"{path}?utm_source=",
                f"{path}?msclkid=9&_ga=2.1&igshid=x", path]
    answers = [fetch(varnish, arrival) for arrival in arrivals]
    assert [headers["x-edge-cache"] for _, headers, _ in answers] == ["MISS"] + ["HIT"] * 6
    assert {body for _, _, body in answers} == {f"{path} #1"}
    assert [p for p in backend.hits if p.startswith(f"/{unique}/")] == [path]


def test_the_parameters_a_page_reads_are_kept_in_one_order(varnish, backend, unique):
    # A story's comments read page and partial (tests/core/test_edge_qa5_query.py: the rest).
    path = f"/articles/{unique}/comments/"
    first = fetch(varnish, f"{path}?partial=1&page=2")
    again = fetch(varnish, f"{path}?utm_source=x&page=2&fbclid=1&partial=1")
    other = fetch(varnish, f"{path}?partial=1&page=3&utm_content=y")
    assert [r[1]["x-edge-cache"] for r in (first, again, other)] == ["MISS", "HIT", "MISS"]
    assert backend.hits[f"{path}?page=2&partial=1"] == 1
    assert backend.hits[f"{path}?page=3&partial=1"] == 1


def test_look_alike_parameters_and_values_are_left_alone(varnish, backend, unique):
    """A search is passed with its query as written: never a reader's search for the
    words, nor a parameter whose name merely contains a tracking one, is taken off."""
    path = "/search/"
    for query in ("q=utm_source%3Dx", "q=fbclid=1", "xfbclid=1", "utm=1", "my_gclid=2"):
        query = f"{query}&u={unique}"
        status, _, body = fetch(varnish, f"{path}?{query}")
        assert status == 200 and body == f"{path}?{query} #1", query


def test_an_expired_page_is_served_while_one_fetch_refreshes_it(varnish, backend, unique):
    """Grace: readers do not wait on the site once s-maxage runs out.

    Varnish reads stale-while-revalidate as grace by itself; this page names
    none, so the grace seen here is the VCL's own.
    """
    path = f"/{unique}/popular/"
    backend.answer(path, ("Cache-Control", "public, max-age=1, s-maxage=1"), ("xkey", "site"))
    assert fetch(varnish, path)[2] == f"{path} #1"
    time.sleep(1.5)
    status, headers, body = fetch(varnish, path)
    assert (body, headers["x-edge-cache"]) == (f"{path} #1", "HIT")  # stale, at once
    wait_for(lambda: backend.hits[path] == 2)  # refreshed in the background
    wait_for(lambda: fetch(varnish, path)[2] == f"{path} #2")


# Forms, with the site itself behind the edge -----------------------------------------------------


class Browser:
    """An anonymous reader's browser as far as forms go: one cookie jar for all its tabs."""

    def __init__(self, varnish):
        self.varnish = varnish
        self.cookies = {}

    def request(self, method, path, form=None):
        """(status, body); the answer's cookies are kept, as a browser keeps them."""
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}"
                                          for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.varnish.port, timeout=TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    self.cookies.update((key, morsel.value)
                                        for key, morsel in SimpleCookie(value).items())
            return response.status, text
        finally:
            connection.close()

    def open_form(self, path):
        """The CSRF token of the form on the page at path."""
        status, text = self.request("GET", path)
        assert status == 200, (path, status)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)


def test_forms_opened_one_after_another_all_post(live_server):
    """A reader opens the sign-in page, then the newsletter's form in another tab, then a
    story and its Report Bias dialog, and sends each form. Each page with a form must
    keep the reader's csrftoken: one that set a new token refused every form opened
    before it ("Your form was not sent")."""
    reader_account = UserFactory(username="tabs")
    story = ArticleFactory()
    with Varnish(backends=[("127.0.0.1", urlsplit(live_server.url).port)]) as varnish:
        reader = Browser(varnish)
        sign_in = reader.open_form("/accounts/login/")
        newsletter = reader.open_form("/newsletter/")
        assert reader.request("GET", story.get_absolute_url())[0] == 200
        report = reader.open_form(f"/articles/{story.slug}/report-bias/?partial=1")

        status, text = reader.request("POST", f"/articles/{story.slug}/report-bias/", {
            "csrfmiddlewaretoken": report, "reason": "factual_error",
            "details": "The date of the vote is wrong."})
        assert status in (302, 303), text
        status, text = reader.request("POST", "/newsletter/", {
            "csrfmiddlewaretoken": newsletter, "email": "tabs@example.org", "is_daily": "on"})
        assert status == 302, text
        # Last: signing in gives the reader a new token, as Django does.
        status, text = reader.request("POST", "/accounts/login/", {
            "csrfmiddlewaretoken": sign_in, "username": reader_account.username,
            "password": "a-long-test-passphrase"})
        assert status == 302, text


# While the site fails --------------------------------------------------------------------------

# What the tests below store: a page that runs out after a second.
SHORT_LIVED = ("Cache-Control", "public, max-age=1, s-maxage=1")


@pytest.mark.parametrize("failed", [
    # While its database is away the site answers 503: readers keep the copy they had.
    {"headers": [("Cache-Control", PRIVATE)], "status": 503},
    # While one of its workers renders the page anew (or its database is away) the site
    # answers with its previous copy, marked stale and no-cache: readers keep the edge's
    # copy, rather than all being sent to the site.
    {"headers": [("Cache-Control", PRIVATE), ("X-Page-Cache", "stale")], "status": 200},
], ids=["503", "the site's previous copy"])
def test_a_refresh_that_gets_no_new_page_keeps_the_stale_one(varnish, backend, unique, failed):
    """Readers get the edge's copy, not what the refresh got, and the page anew once the
    site answers with it."""
    path = f"/{unique}/refresh/"
    backend.answer(path, SHORT_LIVED, ("xkey", "site"))
    assert fetch(varnish, path)[2] == f"{path} #1"
    backend.answer(path, *failed["headers"], status=failed["status"])
    time.sleep(1.5)
    assert fetch(varnish, path)[:3:2] == (200, f"{path} #1")  # stale; one refresh asks the site
    wait_for(lambda: backend.hits[path] == 2)
    time.sleep(0.2)  # the refresh's answer has been read and dropped
    status, headers, body = fetch(varnish, path)
    assert (status, body, headers["x-edge-cache"]) == (200, f"{path} #1", "HIT")

    backend.answer(path, SHORT_LIVED, ("xkey", "site"))
    wait_for(lambda: fetch(varnish, path)[2] not in (f"{path} #1", f"{path} #2", f"{path} #3"))


def test_while_no_app_server_answers_pages_are_served_long_past_their_grace(unique):
    """Once the health probes find every app server failing, readers get every page the
    edge still holds, however old, instead of an error; while any answers, no page is
    served more than 30 seconds past its lifetime, and this test waits that long.

    Until the probes notice, a page past that grace is fetched, and the error answered
    with the copy the edge holds (tests/test_qa13_edge.py), which it must not drop."""
    with Backend() as first, Backend() as second, \
            Varnish(backends=[first.address, second.address]) as varnish:
        path, unknown = f"/{unique}/outage/", f"/{unique}/never-stored/"
        for backend in (first, second):
            backend.answer(path, SHORT_LIVED, ("xkey", "site"))
        assert fetch(varnish, path)[2] == f"{path} #1"
        time.sleep(1 + EDGE_GRACE_WHILE_ANSWERED + 0.5)
        for backend in (first, second):
            backend.answer(path, ("Cache-Control", PRIVATE), status=503)
        # The probes still find the servers healthy: the site's 503 is fetched.
        assert fetch(varnish, path)[:3:2] == (200, f"{path} #1")

        first.down = second.down = True
        wait_for(lambda: fetch(varnish, path)[:3:2] == (200, f"{path} #1"))
        assert fetch(varnish, path)[:3:2] == (200, f"{path} #1")
        assert fetch(varnish, unknown)[0] == 503  # nothing stored: nothing to serve

        first.down = second.down = False
        for backend in (first, second):
            backend.answer(path, ("Cache-Control", PUBLIC), ("xkey", "site"))
        # Healthy again within a few probes; the page is fetched anew, not served stale.
        wait_for(lambda: fetch(varnish, path)[2] not in (f"{path} #1", f"{path} #2"))


def test_a_503_while_fetching_is_answered_with_the_edge_page(varnish, backend, unique):
    """What the site answers while its database is away is dropped, not stored (it would
    drop the copy kept for outages); the reader gets the edge's own 503 page. A post
    passes and gets the site's own answer, which says whether it was saved."""
    path = f"/{unique}/away/"
    backend.answer(path, ("Cache-Control", PRIVATE), status=503)
    status, headers, body = fetch(varnish, path)
    assert status == 503 and "<h1>We are back in a moment</h1>" in body
    status, headers, body = fetch(varnish, path, method="POST")
    assert (status, body) == (503, f"{path} #2")


def test_with_no_app_server_answering_readers_get_a_page_that_says_so(unique):
    """Not Varnish's "Guru Meditation": the site's words, self-contained, with a
    Retry-After, never stored, and a policy that allows its one style block only."""
    with Varnish(backends=[("127.0.0.1", free_port())]) as varnish:  # nothing listens there
        status, headers, body = fetch(varnish, f"/{unique}/story/")
        assert status == 503
        assert "<title>Back in a moment · EVA DAILY</title>" in body
        assert "<h1>We are back in a moment</h1>" in body
        assert "Our servers are not answering just now. Please try again in a minute." in body
        assert "Guru Meditation" not in body
        assert (headers["retry-after"], headers["cache-control"]) == ("30", "no-store")
        assert headers["content-type"] == "text/html; charset=utf-8"
        (style,) = re.findall(r"<style>(.*?)</style>", body, re.DOTALL)
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        policy = headers["content-security-policy"]
        assert f"style-src 'sha256-{digest}'" in policy and "default-src 'none'" in policy
        assert "<script" not in body

        status, headers, body = fetch(varnish, f"/{unique}/story/comments/", method="POST")
        assert status == 503
        assert "What you sent was not saved: please send it again in a minute." in body


def test_the_purge_retries_cover_the_edge_grace():
    """core.edge retries a missed purge for as long as the VCL may serve a page stored
    before the change: its lifetime and the grace kept for outages."""
    vcl = (CONFIG / "default.vcl").read_text()
    assert re.search(r"set beresp\.grace = (\d+)h;", vcl).group(1) == str(edge.EDGE_GRACE // 3600)
    assert f"set req.grace = {EDGE_GRACE_WHILE_ANSWERED}s;" in vcl


# Purging ---------------------------------------------------------------------------------------


def _stored(varnish, backend, path, tags):
    backend.answer(path, ("Cache-Control", PUBLIC), ("xkey", tags))
    fetch(varnish, path)
    assert fetch(varnish, path)[1]["x-edge-cache"] == "HIT"


def test_purge_drops_exactly_the_pages_with_the_tag(varnish, backend, unique):
    one, two, other = (f"/{unique}/{name}/" for name in ("one", "two", "other"))
    _stored(varnish, backend, one, f"story-{unique}-1 section-{unique}-1 site")
    _stored(varnish, backend, two, f"story-{unique}-2 section-{unique}-1 site")
    _stored(varnish, backend, other, f"story-{unique}-3 section-{unique}-2 site")

    status, headers, body = purge(varnish, f"section-{unique}-1")
    assert (status, body) == (200, "Invalidated 2 objects\n")

    assert fetch(varnish, one)[2] == f"{one} #2"
    assert fetch(varnish, two)[2] == f"{two} #2"
    assert fetch(varnish, other)[1]["x-edge-cache"] == "HIT"
    assert fetch(varnish, other)[2] == f"{other} #1"


def test_purge_is_hard_even_within_grace(varnish, backend, unique):
    """A page taken down is never served again, not even stale while the site answers."""
    path = f"/{unique}/takedown/"
    _stored(varnish, backend, path, f"story-{unique}")
    assert purge(varnish, f"story-{unique}")[2] == "Invalidated 1 objects\n"
    status, headers, body = fetch(varnish, path)
    assert (body, headers["x-edge-cache"]) == (f"{path} #2", "MISS")


def test_purge_only_from_the_purgers_acl(varnish, backend, unique):
    """127.0.0.2 is this host too, but not in the ACL (which lists 127.0.0.1 and ::1)."""
    path = f"/{unique}/story/"
    _stored(varnish, backend, path, f"story-{unique}")
    status, headers, body = purge(varnish, f"story-{unique}", source="127.0.0.2")
    assert status == 403
    assert fetch(varnish, path)[1]["x-edge-cache"] == "HIT"
    assert purge(varnish, f"story-{unique}")[0] == 200
    assert fetch(varnish, path)[1]["x-edge-cache"] == "MISS"
    # A purge never reaches the site.
    assert backend.hits["/"] == 0


def test_purge_without_tags_is_refused(varnish):
    assert fetch(varnish, "/", method="PURGE")[0] == 400


# The site's purge client (core/edge.py) --------------------------------------------------------


def test_edge_purge_drops_tagged_pages(varnish, backend, unique, settings):
    settings.EDGE_PURGE_URLS = [varnish.purge_url]
    kept, gone = f"/{unique}/kept/", f"/{unique}/gone/"
    _stored(varnish, backend, kept, f"story-{unique}-1")
    _stored(varnish, backend, gone, f"story-{unique}-2")
    assert edge.purge([f"story-{unique}-2"]) is True
    assert fetch(varnish, gone)[2] == f"{gone} #2"
    assert fetch(varnish, kept)[2] == f"{kept} #1"


def test_edge_purge_splits_long_tag_lists(varnish, backend, unique, settings):
    """Over Varnish's 8 KB header limit in one piece; the tag that matters comes last."""
    settings.EDGE_PURGE_URLS = [varnish.purge_url]
    path = f"/{unique}/story/"
    _stored(varnish, backend, path, f"story-{unique}-last")
    tags = [f"story-{unique}-{number}" for number in range(1000)] + [f"story-{unique}-last"]
    assert edge.purge(tags) is True
    assert fetch(varnish, path)[2] == f"{path} #2"


def test_edge_purge_sends_each_tag_once_to_every_cache(settings):
    with Backend() as first, Backend() as second:
        settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{first.address[1]}/",
                                    f"http://127.0.0.1:{second.address[1]}"]
        tags = [f"tag-{number % 700}" for number in range(2100)]  # every tag three times
        assert edge.purge(tags) is True
        for cache in (first, second):
            sent = [tag for header in cache.purges for tag in header.split(" ")]
            assert sorted(sent) == sorted(f"tag-{number}" for number in range(700))
            assert len(cache.purges) > 1
            assert all(len(header) <= edge.HEADER_LIMIT for header in cache.purges)


def test_edge_purge_reads_tags_as_xkey_does(settings):
    with Backend() as cache:
        settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{cache.address[1]}/"]
        assert edge.purge("story-1 site") is True
        assert edge.purge(["story-1,section-2", "site", "café", "", "bad\r\nheader"]) is True
        assert cache.purges == ["story-1 site", "story-1 section-2 site bad header"]


def test_edge_purge_without_caches_sends_nothing(settings, monkeypatch):
    settings.EDGE_PURGE_URLS = []

    def refuse(*args, **kwargs):
        raise AssertionError("no edge cache is set: nothing to send")

    monkeypatch.setattr(http.client, "HTTPConnection", refuse)
    assert edge.purge(["story-1"]) is True


def test_edge_purge_to_a_dead_or_silent_cache_logs_and_returns(varnish, backend, unique,
                                                                settings, caplog):
    """Refused at once, or accepted and never answered: at most TIMEOUT each, and no exception.

    The live cache listed after them is still purged.
    """
    path = f"/{unique}/story/"
    _stored(varnish, backend, path, f"story-{unique}")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # the kernel accepts connections; nobody reads or answers
        settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{free_port()}/",
                                    f"http://127.0.0.1:{silent.getsockname()[1]}/",
                                    "not a url",
                                    varnish.purge_url]
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="core.edge"):
            # Long enough for two headers: a failing cache is not tried again in one call.
            confirmed = edge.purge([f"story-{unique}"] + [f"x-{n:05}" for n in range(500)])
        elapsed = time.monotonic() - started
    assert confirmed is False
    assert elapsed < 2 * edge.TIMEOUT + 1
    messages = [record.getMessage() for record in caplog.records]
    failures = [message for message in messages if " failed: " in message]
    assert len(failures) == 3, messages
    assert fetch(varnish, path)[2] == f"{path} #2"
    # The tests' task backend runs nothing later: the two caches' purges cannot be
    # sent again, and say so. What is not an address is not tried again at all.
    unsent = [message for message in messages if "cannot be sent again" in message]
    assert len(unsent) == 2, messages
    assert not any("not a url" in message for message in unsent)


def test_edge_purge_reports_a_refusal(varnish, settings, monkeypatch, caplog):
    """A cache that refuses (here: a request that is not from its ACL) is logged."""
    settings.EDGE_PURGE_URLS = [varnish.purge_url]
    original = http.client.HTTPConnection

    def from_outside_the_acl(*args, **kwargs):
        return original(*args, source_address=("127.0.0.2", 0), **kwargs)

    monkeypatch.setattr(http.client, "HTTPConnection", from_outside_the_acl)
    with caplog.at_level(logging.WARNING, logger="core.edge"):
        assert edge.purge(["story-1"]) is False
    assert "answered 403" in caplog.text


# A purge a cache missed, sent again by the task worker ----------------------------------------


@pytest.fixture
def database_queue(settings, transactional_db):
    """Queued tasks wait in the database for the worker, as in production (which commits)."""
    settings.TASKS = DATABASE_QUEUE


def test_a_missed_purge_is_sent_again_once_the_cache_answers(settings, database_queue,
                                                              caplog):
    port = free_port()
    settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{port}/"]
    assert edge.purge(["story-1", "site"]) is False  # nothing listens there yet

    (task,) = DBTaskResult.objects.all()
    assert task.task_path == "core.edge.purge_again"
    assert task.priority == edge.PRIORITY_PURGE
    kwargs = task.args_kwargs["kwargs"]
    assert (kwargs["url"], kwargs["tags"], kwargs["attempt"]) == (
        f"http://127.0.0.1:{port}/", ["story-1", "site"], 1)
    assert queued_wait(task) == edge.FIRST_RETRY
    # Until every page stored before the change has run out at the edge.
    assert kwargs["deadline"] == pytest.approx(
        time.time() + settings.PAGE_CACHE_SECONDS + edge.EDGE_GRACE, abs=5)

    with Backend(port=port) as cache, caplog.at_level(logging.INFO, logger="core.edge"):
        run_due_tasks()
        assert cache.purges == ["story-1 site"]
    assert f"Edge purge to http://127.0.0.1:{port}/ went through, sent again 1 time(s)" \
        in caplog.text
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["SUCCESSFUL"]


def test_a_purge_missed_again_waits_twice_as_long_until_no_page_can_be_left(
        settings, database_queue, monkeypatch, caplog):
    settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{free_port()}/"]
    settings.PAGE_CACHE_SECONDS = 150  # the longest a cache keeps a page
    monkeypatch.setattr(edge, "EDGE_GRACE", 30)  # then this much grace
    clock = SimpleNamespace(now=time.time())  # core.edge's clock, moved on as the worker's
    monkeypatch.setattr(edge, "time", SimpleNamespace(time=lambda: clock.now))
    edge.purge(["story-1"])
    waits = []
    with caplog.at_level(logging.INFO, logger="core.edge"):
        while (waiting := DBTaskResult.objects.filter(status="READY")) and len(waits) < 10:
            waits.append(queued_wait(waiting.get()))
            clock.now += waits[-1]  # the worker runs it when it is due
            run_due_tasks()
    # Sent again 5, 15, 35, 75 and 155 s after the change; 160 s more is past its 180.
    assert waits == [5, 10, 20, 40, 80]
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 5
    assert ("not sent again: what that cache may hold from before the change runs out "
            "within 25 seconds") in caplog.text
    assert "went through" not in caplog.text


def test_missed_purges_never_wait_more_than_the_longest_retry(settings, database_queue):
    settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{free_port()}/"]
    edge.purge_again.call(url=settings.EDGE_PURGE_URLS[0], tags=["story-1"],
                          deadline=time.time() + 3600, attempt=9)
    assert queued_wait(DBTaskResult.objects.get()) == edge.LONGEST_RETRY


def test_a_change_purges_the_edge_once_it_commits_and_retries_what_a_cache_missed(
        settings, database_queue):
    """Until the commit the page an edge cache holds is the current one."""
    with Backend() as live:
        dead = [f"http://127.0.0.1:{free_port()}/", f"http://127.0.0.1:{free_port()}/"]
        settings.EDGE_PURGE_URLS = [*dead, f"http://127.0.0.1:{live.address[1]}/"]
        with transaction.atomic():
            pagecache.changed({"story-7"}, takedown=True)
            assert live.purges == []
            assert not DBTaskResult.objects.exists()
        assert live.purges == ["story-7"]
    queued = DBTaskResult.objects.order_by("args_kwargs__kwargs__url")
    assert [task.args_kwargs["kwargs"]["url"] for task in queued] == sorted(dead)


def test_a_malformed_cache_address_is_reported_by_manage_py_check(settings):
    settings.EDGE_PURGE_URLS = ["http://10.0.0.5:6081/", "https://edge.example/",
                                "10.0.0.6:6081", "http://10.0.0.7:608100/", "ftp://edge/"]
    errors = checks.edge_purge_urls_are_addresses(None)
    assert [error.id for error in errors] == ["core.E002"] * 3
    assert "'10.0.0.6:6081' is not an edge cache's address" in errors[0].msg
    assert "Port out of range" in errors[1].msg
    assert "'ftp://edge/'" in errors[2].msg


# Several app servers ---------------------------------------------------------------------------


def test_several_backends_share_the_misses(unique):
    """backends.vcl's round-robin director works with the shipped default.vcl."""
    with Backend() as first, Backend() as second, \
            Varnish(backends=[first.address, second.address]) as varnish:
        paths = [f"/{unique}/{number}/" for number in range(4)]
        for path in paths:
            fetch(varnish, path)
            assert fetch(varnish, path)[1]["x-edge-cache"] == "HIT"
        served = [sum(backend.hits[path] for path in paths) for backend in (first, second)]
        assert served == [2, 2]
