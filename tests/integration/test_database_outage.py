"""While its database is away, an app server serves what it keeps and says when to come back.

A gunicorn instance reaches PostgreSQL through a TCP proxy of the test's
own (tcp_proxy.py); stopping the proxy cuts its connections, as a restart
or a fail-over of the database does. Pages the page cache keeps are still
served, and a page gone stale as it was; anything else is a 503 with
Retry-After, and the health check says so. When the proxy is back, so is
the site, showing what changed.
"""

import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.varnish import Varnish

from .conftest import Client, until

pytestmark = [pytest.mark.integration, pytest.mark.postgresql]

EDIT = """
from articles.models import Article
story = Article.objects.get(slug=PARAMS["slug"])
story.headline = "Harbour story, corrected headline"
story.save()
print("RESULT " + json.dumps(story.pk))
"""

# Two stories no other test has read: their pages are in no cache yet.
STORIES = """
from django.utils import timezone
from articles.models import Article, Section
from authors.models import Author

section, author = Section.objects.get(slug="world"), Author.objects.get(slug="ada-reporter")
slugs = []
for name in ("outage-kept", "outage-unseen"):
    Article.objects.create(headline=f"Harbour story {name}", slug=name, section=section,
                           author=author, body="The harbour master explained.",
                           status="published", published_at=timezone.now())
    slugs.append(name)
print("RESULT " + json.dumps(slugs))
"""


class Proxy:
    """tcp_proxy.py on a free port of 127.0.0.1, stopped and started again by its PID."""

    def __init__(self, host, port):
        self.target = (host, port)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("tcp_proxy.py")), str(self.port),
             self.target[0], str(self.target[1])])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the proxy did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def proxy(site):
    database = urlsplit(site.env["DATABASE_URL"])
    proxy = Proxy(database.hostname, database.port or 5432)
    proxy.start()
    yield proxy
    proxy.stop()


def _through(url, proxy):
    parts = urlsplit(url)
    login = parts.netloc.rpartition("@")[0]
    return parts._replace(netloc=f"{login}@127.0.0.1:{proxy.port}" if login
                          else f"127.0.0.1:{proxy.port}").geturl()


def test_reading_goes_on_while_the_database_is_away(site, newsroom, proxy):
    server = site.start(workers=2, env={"DATABASE_URL": _through(site.env["DATABASE_URL"],
                                                                 proxy)})
    kept, edited, unseen = newsroom["published"]
    reader = Client()
    for slug in (kept, edited):
        for _ in range(2):  # stored, then a hit
            assert reader.get(server.url(f"/articles/{slug}/")).status == 200
    site.shell(EDIT, slug=edited)  # straight to the database: the page is now stale
    proxy.stop()

    page = reader.get(server.url(f"/articles/{kept}/"))
    assert page.status == 200 and page.headers["X-Page-Cache"] == "hit"
    stale = reader.get(server.url(f"/articles/{edited}/"))
    assert stale.status == 200 and stale.headers["X-Page-Cache"] == "stale"
    assert "Harbour story number 1" in stale.text and "corrected headline" not in stale.text
    assert "no-cache" in stale.headers["Cache-Control"]
    away = reader.get(server.url(f"/articles/{unseen}/"))
    assert away.status == 503 and away.headers["Retry-After"] == "30"
    assert "We are back in a moment" in away.text
    health = reader.get(server.url("/healthz"))
    assert health.status == 503 and "database unavailable" in health.text

    proxy.start()

    def shows_the_edit():
        page = reader.get(server.url(f"/articles/{edited}/"))
        return page.status == 200 and "corrected headline" in page.text

    assert until(shows_the_edit, seconds=15), "the edit did not show once the database was back"
    assert reader.get(server.url(f"/articles/{unseen}/")).status == 200
    assert reader.get(server.url("/healthz")).text == "ok"
    # Told as the outage it was, never as the site's own fault (a 500, a dead worker).
    assert [line for line in site.server_errors() if '"status_code": 503' not in line] == []


def test_the_edge_serves_what_it_keeps_while_no_app_server_reaches_the_database(
        site, newsroom, proxy):
    """Varnish (deploy/varnish/) in front of two app servers whose database goes away:
    once the /healthz probes find neither answering, a page the edge keeps is served
    however long past its lifetime, and a page it never kept gets its 503 page."""
    env = {"DATABASE_URL": _through(site.env["DATABASE_URL"], proxy),
           "PAGE_CACHE_SECONDS": "2"}  # an s-maxage of 1 s at the edge
    kept, unseen = site.shell(STORIES)
    servers = [site.start(workers=1, env=env), site.start(workers=1, env=env)]
    reader = Client()
    with Varnish(backends=[("127.0.0.1", server.port) for server in servers]) as edge:
        first = reader.get(f"{edge.url}/articles/{kept}/")
        # Readers are given max-age alone (the edge takes s-maxage off).
        assert first.status == 200 and "max-age=1," in first.headers["Cache-Control"]
        # Past its lifetime and past the 30 s a page is served stale while a server answers.
        time.sleep(1 + 30 + 1)
        proxy.stop()
        assert until(lambda: set(edge.health().values()) == {"sick"}, seconds=15)

        page = reader.get(f"{edge.url}/articles/{kept}/")
        assert (page.status, page.headers["X-Edge-Cache"]) == (200, "HIT")
        assert page.text == first.text
        away = reader.get(f"{edge.url}/articles/{unseen}/")
        assert away.status == 503 and away.headers["Retry-After"] == "30"
        assert "We are back in a moment" in away.text

        proxy.start()
        assert until(lambda: set(edge.health().values()) == {"healthy"}, seconds=15)
        assert until(lambda: reader.get(f"{edge.url}/articles/{unseen}/").status == 200,
                     seconds=15)
    assert [line for line in site.server_errors() if '"status_code": 503' not in line] == []
