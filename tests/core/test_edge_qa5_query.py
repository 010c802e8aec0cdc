"""What the edge cache (deploy/varnish/default.vcl) keeps of a URL's query string, and of
Cache-Control for readers (QA round 5, findings 2 and 3).

A public page reads at most `page`, `partial` or `p`; every other parameter
(?ref=, a tracking parameter the VCL did not list, a cache-buster) made one
more copy at the edge and one more request to the app servers, so anyone could
push real pages out of the cache. The VCL keeps, per path, the parameters the
page reads, as the site's own page cache keys on them (core.pagecache._key),
and these tests check its list against the URLconf. s-maxage was the edge's
lifetime only: a CDN or proxy in front kept pages by it, with no purge.

A real varnishd runs the shipped VCL in front of tests/varnish.py's app
server, which counts the requests per URL reaching it; one varnishd serves the
module, and each test uses paths of its own.
"""

import re

import pytest
from django.urls import URLResolver, get_resolver

from tests.test_edge_vcl import fetch
from tests.varnish import PUBLIC

# Paths the VCL passes with their query strings as they came (forms, the search, personal pages).
PASSED = ("admin/", "accounts/", "newsletter/", "search/")
REPORT_BIAS = re.compile(r"articles/<slug:slug>/report-bias/")
# Views that answer GET outside those paths and are no public page: never stored at the
# edge, and they read no query parameter (the VCL takes every one off there). A new one
# must be checked: does it read one? Then the VCL must keep it for its path.
READ_NOTHING = {"healthz", "favicon.ico", "comments/<int:pk>/report/", "^media/(?P<path>.*)$"}
# A value each declared parameter can take that names another page than without it.
VALUES = {"page": "2", "p": "2", "partial": "1"}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.callback


def cached_routes():
    """(route, the query parameters its view reads) of every view the edge may store."""
    return [(route, [name for name, _ in view.page_cache_params])
            for route, view in _routes(get_resolver().url_patterns)
            if getattr(view, "is_public_page", False)]


def sample_path(route, unique):
    """A path the route matches, its <...> parts filled with unique (a number for <int:>)."""
    return "/" + re.sub(r"<(\w+):\w+>",
                        lambda m: "1" if m.group(1) == "int" else unique, route)


def test_the_routes_are_the_sites():
    """So the checks below cover every page the site caches, and a new one with them."""
    routes = dict(cached_routes())
    assert routes["articles/"] == ["page"]
    assert routes["articles/<slug:slug>/comments/"] == ["page", "partial"]
    assert routes["sitemap-<slug:section>.xml"] == ["p"]
    assert routes["articles/<slug:slug>/"] == []
    assert len(routes) >= 25


def test_every_other_view_outside_the_passed_paths_reads_no_parameter():
    others = {route for route, view in _routes(get_resolver().url_patterns)
              if not getattr(view, "is_public_page", False)
              and not route.startswith(PASSED) and not REPORT_BIAS.match(route)}
    assert others == READ_NOTHING


@pytest.mark.parametrize(("route", "declared"), cached_routes(), ids=lambda value: str(value))
def test_each_cached_page_gets_the_parameters_it_reads_and_no_other(varnish, backend, unique,
                                                                    route, declared):
    path = sample_path(route, unique)
    kept = "&".join(f"{name}={VALUES[name]}" for name in sorted(declared))
    expected = f"{path}?{kept}" if kept else path
    noise = "ref=1&srsltid=AfmBOo&_hsenc=p2A&_hsmi=9&mkt_tok=eyJ&li_fat_id=c0&ref_src=twsrc"
    for query in (f"{noise}&{kept}&UTM_SOURCE=x", f"{kept}&ref=2&xpage=3&pages=4&pp=5"):
        status, headers, body = fetch(varnish, f"{path}?{query}")
        assert status == 200
        assert backend.seen.get(expected) is not None, (route, list(backend.seen)[-3:])
    assert backend.hits[expected] == 1  # the second was the first's copy
    assert [seen for seen in backend.hits if seen.startswith(path + "?")] == (
        [expected] if kept else [])


def test_ref_1_and_ref_2_are_one_copy_and_a_hundred_more_still_one(varnish, backend, unique):
    """The finding: /articles/x/?ref=1..150 made 150 copies and 150 requests to the site."""
    path = f"/articles/{unique}/"
    answers = [fetch(varnish, f"{path}?ref={number}") for number in range(1, 101)]
    assert [headers["x-edge-cache"] for _, headers, _ in answers] == ["MISS"] + ["HIT"] * 99
    assert {body for _, _, body in answers} == {f"{path} #1"}
    assert [seen for seen in backend.hits if unique in seen] == [path]


def test_page_2_is_another_page_and_written_one_way(varnish, backend, unique):
    path = f"/sections/{unique}/"
    first = fetch(varnish, f"{path}?page=2")
    others = [fetch(varnish, f"{path}?{query}") for query in
              ("page=02", "ref=1&page=2", "page=1&page=2", "page=0002&utm_source=x")]
    page_3 = fetch(varnish, f"{path}?page=2&page=3")  # the last, as the site reads it
    without = fetch(varnish, path)
    assert first[2] == f"{path}?page=2 #1"
    assert [headers["x-edge-cache"] for _, headers, _ in others] == ["HIT"] * 4
    assert page_3[2] == f"{path}?page=3 #1"
    assert without[2] == f"{path} #1"
    assert fetch(varnish, f"{path}?page=0")[2] == f"{path}?page=0 #1"  # 0 stays 0 (a 404)
    # A page the site answers 404 reaches it as written: not "1" for "1x".
    assert fetch(varnish, f"{path}?page=01x")[2] == f"{path}?page=01x #1"


def test_partial_is_on_as_1_and_otherwise_not_there(varnish, backend, unique):
    path = f"/articles/{unique}/comments/"
    block = fetch(varnish, f"{path}?partial=1&ref=x")
    page = fetch(varnish, f"{path}?partial=yes")
    assert (block[2], page[2]) == (f"{path}?partial=1 #1", f"{path} #1")
    for query in ("partial=0", "partial", "partial=10", "partial=1&partial=0", "partial="):
        assert fetch(varnish, f"{path}?{query}")[1]["x-edge-cache"] == "HIT", query
    assert fetch(varnish, f"{path}?partial=0&partial=1")[1]["x-edge-cache"] == "HIT"
    assert backend.hits[f"{path}?partial=1"] == 1 and backend.hits[path] == 1


def test_a_sitemap_keeps_p_and_not_page(varnish, backend, unique):
    path = f"/sitemap-{unique}.xml"
    assert fetch(varnish, f"{path}?page=2&p=2&ref=1")[2] == f"{path}?p=2 #1"


def test_escaped_parameters_reach_the_site_as_written_and_are_never_stored(varnish, backend,
                                                                          unique):
    """%32 is 2 to the site, and pa%67e is page: the edge cannot read them so, so it neither
    takes them off (the reader would get page 1) nor keeps a copy per spelling."""
    path = f"/sections/{unique}/"
    for query in ("page=%32", "pa%67e=2&ref=1", "page=%30%32"):
        for number in (1, 2):
            status, headers, body = fetch(varnish, f"{path}?{query}")
            assert (body, headers["x-edge-cache"]) == (f"{path}?{query} #{number}", "MISS")


def test_a_path_without_its_final_slash_keeps_the_parameters_for_the_redirect(varnish,
                                                                             backend, unique):
    """The site redirects /sections/x?page=2 to /sections/x/?page=2 (APPEND_SLASH)."""
    for path, query in ((f"/sections/{unique}", "page=2"),
                        (f"/articles/{unique}/comments", "page=2&partial=1"),
                        (f"/articles/{unique}/report-bias", "partial=1&ref=1"),
                        ("/search", f"q={unique}&ref=1")):
        assert fetch(varnish, f"{path}?{query}&utm_source=x")[2] == (
            f"{path}?{query}&utm_source=x #1"
            if "report-bias" in path or path == "/search" else f"{path}?{query} #1")


def test_other_paths_keep_no_parameter(varnish, backend, unique):
    for path in (f"/media/{unique}.jpg", f"/static/{unique}.css", f"/{unique}/unknown/"):
        for query in ("v=1", "v=2&page=3"):
            status, headers, body = fetch(varnish, f"{path}?{query}")
        assert backend.hits[path] == 1 and headers["x-edge-cache"] == "HIT"


# Cache-Control for readers -------------------------------------------------------------------


@pytest.mark.parametrize(("sent", "seen"), [
    (PUBLIC, "public, max-age=60, stale-while-revalidate=30"),
    ("s-maxage=600, public, max-age=60", "public, max-age=60"),
    ("public, max-age=60, S-MaxAge=600", "public, max-age=60"),
], ids=["the-sites", "first", "last-in-capitals"])
def test_readers_never_see_the_edges_lifetime(varnish, backend, unique, sent, seen):
    path = f"/{unique}/story/"
    backend.answer(path, ("Cache-Control", sent), ("xkey", "site"))
    miss, hit = fetch(varnish, path), fetch(varnish, path)
    assert (miss[1]["x-edge-cache"], hit[1]["x-edge-cache"]) == ("MISS", "HIT")
    assert miss[1]["cache-control"] == hit[1]["cache-control"] == seen
    # A revalidation the edge answers itself (304) says the same.
    etagged = f"/{unique}/etag/"
    backend.answer(etagged, ("Cache-Control", sent), ("ETag", '"v1"'))
    fetch(varnish, etagged)
    status, headers, _ = fetch(varnish, etagged, headers={"If-None-Match": '"v1"'})
    assert (status, headers["cache-control"]) == (304, seen)


def test_an_answer_with_s_maxage_alone_reaches_readers_without_cache_control(varnish,
                                                                             backend, unique):
    path = f"/{unique}/story/"
    backend.answer(path, ("Cache-Control", "s-maxage=600"))
    status, headers, body = fetch(varnish, path)
    assert status == 200 and "cache-control" not in headers
    assert fetch(varnish, path)[1]["x-edge-cache"] == "HIT"


def test_a_look_alike_directive_and_personal_answers_are_left_as_they_are(varnish, backend,
                                                                         unique):
    path = f"/{unique}/page/"
    backend.answer(path, ("Cache-Control", "private, no-cache, x-s-maxage=1"))
    assert fetch(varnish, path)[1]["cache-control"] == "private, no-cache, x-s-maxage=1"
