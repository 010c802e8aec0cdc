"""The edge cache in front of two app servers: a real varnishd with deploy/varnish/default.vcl.

Two gunicorn servers share one database and one cache (PostgreSQL and Redis
when the suite runs on PostgreSQL) behind a round-robin director, and purge
the edge by cache tag on every change (EDGE_PURGE_URLS, core/edge.py). The
edge's port is chosen before the servers start, so that they know where to
purge.

What reached the app servers is read from their own request logs (one JSON
line per request, REQUEST_LOG_LEVEL=INFO): gunicorn's access log is switched
off by gunicorn.conf.py's logging config, and an X-Edge-Cache header alone
would only be the edge's word for it. The log names the route, not the path,
so a test counts the requests for a route across both servers while it alone
is talking to them (the director's /healthz probes have a route of their own).

The last test has an edge cache, an app server and a task worker of its own:
the server purges the edge through a relay the test shuts and opens again.
"""

import json
import socket
import threading
import time
from html.parser import HTMLParser

import pytest

from core import edge as edge_purges
from tests.commenting import submission_token
from tests.redis_server import free_port
from tests.varnish import Varnish

from .conftest import Client, Worker

pytestmark = pytest.mark.integration

STORY_ROUTE = "articles/<slug:slug>/"
COMMENTS_ROUTE = "articles/<slug:slug>/comments/"
PURGE_SECONDS = 1  # an edit shows through the edge within this
SIGNED_IN = "Signed in as <strong>{}</strong>"

STORIES = """
from datetime import timedelta
from django.utils import timezone
from articles.models import Article, Section
from authors.models import Author

section, author = Section.objects.get(slug="world"), Author.objects.get(slug="ada-reporter")
body = "The ferry timetable changes on Monday.\\n\\nThe harbour master explained why."
now = timezone.now()
stories = {}
for minutes, (name, headline) in enumerate(PARAMS["stories"].items(), 1):
    story = Article.objects.create(headline=headline, slug=f"edge-{name}", body=body,
                                   section=section, author=author, status="published",
                                   published_at=now - timedelta(minutes=minutes))
    stories[name] = {"id": story.pk, "slug": story.slug, "headline": story.headline}
print("RESULT " + json.dumps(stories))
"""


class Edge:
    """The edge cache and the app servers behind it; url() as a Server's, for Client.login."""

    def __init__(self, varnish, servers):
        self.varnish = varnish
        self.servers = servers

    def url(self, path):
        return self.varnish.url + path

    def requests_for(self, route):
        """How many requests for route the app servers have logged, both together."""
        count = 0
        for server in self.servers:
            for line in server.log().splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # gunicorn's own lines, or a line still being written
                if entry.get("logger") == "evadaily.requests" and entry.get("route") == route:
                    count += 1
        return count


@pytest.fixture(scope="module")
def edge(site, newsroom):
    port = free_port()
    env = {"EDGE_PURGE_URLS": f"http://127.0.0.1:{port}/", "REQUEST_LOG_LEVEL": "INFO"}
    servers = [site.start(workers=2, env=env), site.start(workers=2, env=env)]
    with Varnish(backends=[("127.0.0.1", server.port) for server in servers],
                 port=port) as varnish:
        yield Edge(varnish, servers)
    assert site.server_errors() == []


@pytest.fixture(scope="module")
def stories(site, newsroom):
    """A public story of its own for each test, the newest first."""
    return site.shell(STORIES, stories={
        "unpublished": "Ferry service to Cape Mara suspended",
        "cached": "Harbour pilots agree new rota",
        "edited": "Fish market reopens after repairs",
        "signed-in": "Breakwater survey finds cracks",
        "comments": "Lighthouse fund reaches its target",
        "missed": "Coastal road reopens after landslide",
        "parameters": "Quay wall repairs begin in March",
    })


def cached_twice(edge, path):
    """An anonymous reader's two requests for path through the edge: (first, second)."""
    reader = Client()
    first, second = reader.get(edge.url(path)), reader.get(edge.url(path))
    assert (first.status, second.status) == (200, 200)
    assert (first.headers["X-Edge-Cache"], second.headers["X-Edge-Cache"]) == ("MISS", "HIT")
    return first, second


def edit_headline(client, server, story_id, headline):
    """Save the story's admin change form with a new headline, as an editor's browser would.

    Every field goes back as the form showed it (inlines' management forms
    included), so the admin's own save runs: a 302 means it was accepted.
    """
    url = server.url(f"/admin/articles/article/{story_id}/change/")
    page = client.get(url)
    assert page.status == 200, page.status
    fields = AdminForm(page.text, "article_form").fields
    assert any(name == "headline" for name, _ in fields), "no headline field in the change form"
    data = [(name, headline if name == "headline" else value) for name, value in fields
            if name != "csrfmiddlewaretoken"]  # sent below, from the cookie
    token = client.cookie("csrftoken")
    response = client.request("POST", url, [*data, ("csrfmiddlewaretoken", token),
                                            ("_save", "Save")], headers={"X-CSRFToken": token})
    assert response.status == 302, response.text[-3000:]


class AdminForm(HTMLParser):
    """The (name, value) pairs a browser would send for one form of a page, files aside."""

    def __init__(self, html, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.fields = []
        self._inside = False
        self._select = None  # (name, multiple, [(value, selected)])
        self._option = None
        self._textarea = None  # (name, [text])
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._inside = attrs.get("id") == self.form_id
        if not self._inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and "__prefix__" not in name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value") or "on"))
            elif kind not in ("file", "submit", "button", "image", "reset"):
                self.fields.append((name, attrs.get("value") or ""))
        elif tag == "textarea" and name and "__prefix__" not in name:
            self._textarea = (name, [])
        elif tag == "select" and name and "__prefix__" not in name:
            self._select = (name, "multiple" in attrs, [])
        elif tag == "option" and self._select is not None:
            self._option = [attrs.get("value"), "selected" in attrs, []]
            self._select[2].append(self._option)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)
        elif self._option is not None:
            self._option[2].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "textarea" and self._textarea is not None:
            name, parts = self._textarea
            # Browsers drop the newline that Django writes after <textarea>.
            self.fields.append((name, "".join(parts).removeprefix("\r\n").removeprefix("\n")))
            self._textarea = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            name, multiple, options = self._select
            values = [(value if value is not None else "".join(text).strip())
                      for value, selected, text in options if selected]
            if not values and options and not multiple:
                value, _, text = options[0]  # a browser sends the first option
                values = [value if value is not None else "".join(text).strip()]
            self.fields += [(name, value) for value in values]
            self._select = None


def test_a_cached_page_is_served_by_the_edge_without_reaching_the_app_servers(edge, stories):
    story = stories["cached"]
    path = f"/articles/{story['slug']}/"
    before = edge.requests_for(STORY_ROUTE)

    first, second = cached_twice(edge, path)

    assert edge.requests_for(STORY_ROUTE) == before + 1
    assert story["headline"] in second.text
    assert second.text == first.text
    # The tags are for the edge alone.
    for name in ("xkey", "Surrogate-Key"):
        assert first.headers.get(name) is None and second.headers.get(name) is None
    # Its own lifetime too: a cache in front of it would keep the page by s-maxage, unpurged.
    assert second.headers["Cache-Control"].startswith("public, max-age=")
    assert "s-maxage" not in second.headers["Cache-Control"]


def test_a_parameter_no_page_reads_makes_no_second_copy_at_the_edge(edge, stories):
    """?ref=1 and ?ref=2 (or any tracking parameter) are the page the edge keeps; a list's
    ?page=2 is another page, which its view reads (World holds fewer than 21 stories: 404)."""
    story = stories["parameters"]
    path = f"/articles/{story['slug']}/"
    reader = Client()
    first = reader.get(edge.url(f"{path}?ref=1"))
    assert (first.status, first.headers["X-Edge-Cache"]) == (200, "MISS")
    before = edge.requests_for(STORY_ROUTE)
    for query in ("ref=2", "srsltid=AfmBOo&UTM_SOURCE=x", "page=2", ""):
        answer = reader.get(edge.url(f"{path}?{query}"))
        assert (answer.status, answer.headers["X-Edge-Cache"]) == (200, "HIT"), query
        assert answer.text == first.text
    assert edge.requests_for(STORY_ROUTE) == before
    assert reader.get(edge.url("/sections/world/?ref=1")).status == 200
    assert reader.get(edge.url("/sections/world/?ref=2")).headers["X-Edge-Cache"] == "HIT"
    assert reader.get(edge.url("/sections/world/?page=2&ref=3")).status == 404


def test_an_edit_through_one_server_shows_through_the_edge_within_a_second(edge, stories):
    story, bystander = stories["edited"], stories["cached"]
    path, other = f"/articles/{story['slug']}/", f"/articles/{bystander['slug']}/"
    cached_twice(edge, path)
    reader = Client()
    reader.get(edge.url(other))  # stored, if no earlier test stored it
    editor = Client()
    editor.login(edge.servers[0], "it_editor")
    headline = "Fish market reopens after repairs, a week early"

    edit_headline(editor, edge.servers[0], story["id"], headline)
    saved = time.monotonic()
    page = reader.get(edge.url(path))
    while headline not in page.text and time.monotonic() - saved < PURGE_SECONDS:
        time.sleep(0.05)
        page = reader.get(edge.url(path))

    assert page.status == 200
    assert headline in page.text, f"the edge still served the old story after {PURGE_SECONDS} s"
    assert reader.get(edge.url(path)).headers["X-Edge-Cache"] == "HIT"  # stored anew
    # Only the pages showing the story were purged.
    untouched = reader.get(edge.url(other))
    assert (untouched.status, untouched.headers["X-Edge-Cache"]) == (200, "HIT")


def test_an_unpublished_story_answers_404_at_the_edge_at_once(edge, stories):
    story = stories["unpublished"]
    path = f"/articles/{story['slug']}/"
    cached_twice(edge, path)
    reader = Client()
    reader.get(edge.url("/"))
    front = reader.get(edge.url("/"))
    assert front.headers["X-Edge-Cache"] == "HIT"
    assert story["headline"] in front.text  # the newest story leads the front page
    editor = Client()
    editor.login(edge.servers[0], "it_editor")
    changelist = edge.servers[0].url("/admin/articles/article/")
    assert editor.get(changelist).status == 200

    response = editor.post(changelist, {"action": "unpublish", "index": "0",
                                        "select_across": "0",
                                        "_selected_action": str(story["id"])})
    assert response.status == 302, response.text[-2000:]

    gone = reader.get(edge.url(path))  # the first request after the unpublish
    assert (gone.status, gone.headers["X-Edge-Cache"]) == (404, "MISS")
    assert reader.get(edge.url(path)).status == 404
    front = reader.get(edge.url("/"))
    assert front.status == 200
    assert story["headline"] not in front.text
    assert "Unpublished 1 story." in editor.get(changelist).text


def test_a_signed_in_reader_never_gets_a_cached_page(edge, stories):
    story = stories["signed-in"]
    path = f"/articles/{story['slug']}/"
    anonymous_copy = cached_twice(edge, path)[1].text
    reader = Client()
    reader.login(edge, "reader_a")  # through the edge: /accounts/ always passes
    before = edge.requests_for(STORY_ROUTE)

    pages = [reader.get(edge.url(path)) for _ in range(2)]

    assert edge.requests_for(STORY_ROUTE) == before + 2
    for page in pages:
        assert (page.status, page.headers["X-Edge-Cache"]) == (200, "MISS")
        assert SIGNED_IN.format("reader_a") in page.text
        assert story["headline"] in page.text
        assert page.text != anonymous_copy
    # Their page was not stored for anyone else either.
    after = Client().get(edge.url(path))
    assert (after.headers["X-Edge-Cache"], after.text) == ("HIT", anonymous_copy)
    assert "Signed in as" not in after.text


def test_a_new_comment_shows_in_the_comments_block_at_the_edge_at_once(edge, stories):
    story = stories["comments"]
    path = f"/articles/{story['slug']}/"
    block = f"/articles/{story['slug']}/comments/?partial=1"
    cached_twice(edge, path)
    cached_twice(edge, block)
    reader = Client()
    reader.login(edge.servers[1], "reader_c")
    form = reader.get(edge.servers[1].url(block))
    assert form.status == 200
    body = "The fund was started by the families of the keepers in 1998."

    response = reader.post(edge.servers[1].url(f"/articles/{story['slug']}/comments/"),
                           {"body": body, "submission_token": submission_token(form.text)})
    assert response.status == 303, response.text[-2000:]

    anonymous = Client()
    before = edge.requests_for(STORY_ROUTE), edge.requests_for(COMMENTS_ROUTE)
    comments = anonymous.get(edge.url(block))  # the first request after the comment
    assert (comments.status, comments.headers["X-Edge-Cache"]) == (200, "MISS")
    assert body in comments.text
    page = anonymous.get(edge.url(path))
    assert (page.status, page.headers["X-Edge-Cache"]) == (200, "HIT")
    assert (edge.requests_for(STORY_ROUTE), edge.requests_for(COMMENTS_ROUTE)) == (
        before[0], before[1] + 1)


class Door:
    """A relay from a port of its own to the edge cache's, which a test opens and shuts.

    The app servers purge through it, so that purges can fail to reach the
    edge while readers still reach it.
    """

    def __init__(self, target_port):
        self.target_port = target_port
        self.port = free_port()
        self._shut = None

    def open(self):
        listener = socket.create_server(("127.0.0.1", self.port))
        listener.settimeout(0.1)
        self._shut = threading.Event()
        threading.Thread(target=self._accept, args=(listener, self._shut), daemon=True).start()

    def shut(self):
        """From now on a connection is refused; it is as soon as this returns."""
        self._shut.set()
        while self._shut.is_set():  # until the listener is closed
            time.sleep(0.01)

    def _accept(self, listener, shut):
        with listener:
            while not shut.is_set():
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                client.settimeout(None)
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                for source, sink in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()
        shut.clear()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def test_a_takedown_the_edge_missed_leaves_it_once_purges_reach_it_again(site, newsroom,
                                                                         stories):
    """A purge that cannot reach the edge is sent again by the task worker (core/edge.py)."""
    story = stories["missed"]
    path = f"/articles/{story['slug']}/"
    edge_port = free_port()
    door = Door(edge_port)
    door.open()
    env = {"EDGE_PURGE_URLS": f"http://127.0.0.1:{door.port}/"}
    server = site.start(workers=2, env=env)
    worker = Worker({**site.env, **env}, site.folder / "edge-worker.log")
    try:
        with Varnish(backends=[("127.0.0.1", server.port)], port=edge_port) as varnish:
            edge = Edge(varnish, [server])
            cached_twice(edge, path)
            door.shut()
            editor = Client()
            editor.login(server, "it_editor")
            changelist = server.url("/admin/articles/article/")
            assert editor.get(changelist).status == 200
            response = editor.post(changelist, {"action": "unpublish", "index": "0",
                                                "select_across": "0",
                                                "_selected_action": str(story["id"])})
            assert response.status == 302, response.text[-2000:]
            assert "Edge purge to" in server.log()  # ... failed: ConnectionRefusedError

            # The edge could not be told: it still serves the story it holds.
            stale = Client().get(edge.url(path))
            assert (stale.status, stale.headers["X-Edge-Cache"]) == (200, "HIT")

            door.open()
            missed_at = time.monotonic()
            while time.monotonic() - missed_at < edge_purges.FIRST_RETRY + 15:
                answer = Client().get(edge.url(path))
                if answer.status == 404:
                    break
                time.sleep(0.25)
            assert answer.status == 404, worker.log_path.read_text()[-3000:]
            assert answer.headers["X-Edge-Cache"] == "MISS"
    finally:
        worker.stop()
        server.stop()
    assert "Traceback" not in worker.log_path.read_text()
