"""core.seo.route() gives what reverse() gives, for every named route it serves."""

import pytest
from django.urls import NoReverseMatch, get_resolver, reverse, set_script_prefix

from core.seo import forget_request_routes, keep_request_routes, route
from tests.factories import ArticleFactory

SLUGS = ["harbour", "a", "ferry-2026", "ÄNDERUNG".lower(), "x" * 80]


def _named_routes():
    """(name, takes a slug) for every named route with no argument or one slug."""
    resolver = get_resolver()
    found = []
    for namespace, (_, sub) in [(None, (None, resolver)), *resolver.namespace_dict.items()]:
        for name in sub.reverse_dict:
            if not isinstance(name, str):
                continue
            for _, _, _, converters in sub.reverse_dict.getlist(name):
                if set(converters) <= {"slug"}:
                    found.append((f"{namespace}:{name}" if namespace else name,
                                  bool(converters)))
    return sorted(set(found))


@pytest.mark.parametrize("prefix", ["/", "/news/"])
def test_route_matches_reverse_for_every_route(prefix):
    set_script_prefix(prefix)
    try:
        checked = 0
        for name, takes_slug in _named_routes():
            if takes_slug:
                for slug in SLUGS:
                    try:
                        expected = reverse(name, kwargs={"slug": slug})
                    except NoReverseMatch:
                        with pytest.raises(NoReverseMatch):
                            route(name, slug)
                        continue
                    assert route(name, slug) == expected, (name, slug)
                    checked += 1
            else:
                try:
                    expected = reverse(name)
                except NoReverseMatch:
                    continue
                assert route(name) == expected, name
                checked += 1
        assert checked > 30
    finally:
        set_script_prefix("/")


def test_a_slug_the_converter_refuses_fails_as_reverse_does():
    with pytest.raises(NoReverseMatch):
        route("articles:detail", "not a slug/")


@pytest.mark.django_db
def test_a_page_links_under_its_own_script_prefix_and_no_later_one(client):
    """route() reads the request's script prefix once (core.middleware.RouteMiddleware):
    each request its own, and nothing of it once the request is answered. (The WSGI
    handler sets the prefix from SCRIPT_NAME; the test client leaves it as it is.)"""
    story = ArticleFactory(slug="harbour")
    try:
        set_script_prefix("/news/")
        under = client.get("/articles/harbour/").content.decode()
        set_script_prefix("/")
        plain = client.get("/articles/harbour/").content.decode()
        set_script_prefix("/elsewhere/")
        after = route("articles:detail", story.slug)
    finally:
        set_script_prefix("/")
    assert 'href="/news/articles/harbour/comments/"' in under and 'href="/news/about/"' in under
    assert 'href="/about/"' not in under
    assert 'href="/about/"' in plain and 'href="/news/' not in plain
    assert after == "/elsewhere/articles/harbour/"


def test_the_request_routes_are_read_once_and_forgotten():
    keep_request_routes()
    try:
        set_script_prefix("/later/")  # within the request: its links keep its own prefix
        assert route("articles:list") == "/articles/"
    finally:
        forget_request_routes()
        set_script_prefix("/")
    set_script_prefix("/later/")
    try:
        assert route("articles:list") == "/later/articles/"
    finally:
        set_script_prefix("/")
