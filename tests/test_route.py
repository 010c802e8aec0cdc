"""core.seo.route() gives what reverse() gives, for every named route it serves."""

import pytest
from django.urls import NoReverseMatch, get_resolver, reverse, set_script_prefix

from core.seo import route

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
