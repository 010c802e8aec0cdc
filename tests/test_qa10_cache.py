"""QA round 10: the page cache and the edge cache off the happy path.

- Varnish keys a page on its host name without the port, as the site's own
  page cache does: Host: example.org:1, :2, :3... were each a copy of their
  own and a request to the app servers, a way to push readers' pages out.
"""

import uuid

import pytest

from tests.test_edge_vcl import Backend, fetch
from tests.varnish import Varnish

pytestmark = pytest.mark.databaseless


@pytest.fixture(scope="module")
def backend():
    with Backend() as backend:
        yield backend


@pytest.fixture(scope="module")
def varnish(backend):
    """The shipped VCL in front of a counting app server (tests/test_edge_vcl.py)."""
    with Varnish(backends=[backend.address]) as varnish:
        yield varnish


@pytest.fixture
def unique():
    return uuid.uuid4().hex[:12]


def test_a_page_asked_for_on_any_port_is_one_copy_at_the_edge(varnish, backend, unique):
    path = f"/{unique}/story/"
    hosts = ["example.org", "example.org:8080", "EXAMPLE.org.:1", "example.org:65535"]
    answers = [fetch(varnish, path, headers={"Host": host}) for host in hosts]
    assert [headers["x-edge-cache"] for _, headers, _ in answers] == ["MISS"] + ["HIT"] * 3
    assert {body for _, _, body in answers} == {f"{path} #1"}
    assert backend.hits[path] == 1
    # Another host name is still another copy.
    other = fetch(varnish, path, headers={"Host": "example.net:8080"})
    assert (other[1]["x-edge-cache"], other[2]) == ("MISS", f"{path} #2")
    assert backend.seen[path]["Host"] == "example.net:8080"  # the site sees the port


def test_a_bracketed_address_keeps_its_colons(varnish, backend, unique):
    """[::1] is not [: with a port: two addresses are two copies."""
    path = f"/{unique}/story/"
    first = fetch(varnish, path, headers={"Host": "[::1]"})
    second = fetch(varnish, path, headers={"Host": "[::2]"})
    third = fetch(varnish, path, headers={"Host": "[::2]:8080"})
    assert [a[1]["x-edge-cache"] for a in (first, second, third)] == ["MISS", "MISS", "HIT"]
