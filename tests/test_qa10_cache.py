"""QA round 10: the page cache and the edge cache off the happy path.

- Varnish keys a page on its host name without the port, as the site's own
  page cache does: Host: example.org:1, :2, :3... were each a copy of their
  own and a request to the app servers, a way to push readers' pages out.
- A write lost while Redis could not be reached (a story taken down) was
  undone only by the process that lost it; the task worker now empties the
  cache once Redis is back.
"""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import Article
from core import pagecache, redis_cache
from tests.factories import ArticleFactory
from tests.redis_server import RedisServer
from tests.tasks import DATABASE_QUEUE, run_due_tasks
from tests.test_edge_vcl import fetch

pytestmark = pytest.mark.databaseless

# The shipped VCL in front of a counting app server, a module's own: the fixtures backend,
# varnish and unique (tests/varnish.py).


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


# A write lost while Redis hung, in a process that never undid it ------------------------------


@pytest.fixture
def redis_site(settings, tmp_path, monkeypatch):
    """The page cache on a redis-server of the test's own, tasks in the database queue."""
    server = RedisServer(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {"BACKEND": "core.redis_cache.RedisCache", "LOCATION": f"{server.url}/0"},
        "security": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                     "LOCATION": f"qa10-{tmp_path.name}"},
    }
    settings.TASKS = DATABASE_QUEUE
    settings.PAGE_CACHE_ENABLED = True
    pagecache._local.clear()
    pagecache._log.clear()
    monkeypatch.setattr(redis_cache, "RETRY_AFTER", 0.2)
    # Back with what it held, as a Redis that hung or was cut off comes back
    # (a restart from a snapshot is noticed and empties it: _empty_if_restarted).
    monkeypatch.setattr(redis_cache, "EMPTY_IF_RESTARTED", "return 0")
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_a_takedown_another_process_lost_in_an_outage_is_not_served_once_redis_is_back(
        client, redis_site):
    """Only the process that lost a write knew to undo it. A command that unpublished a story
    while Redis hung, and ended, left every other process serving the story as fresh for up
    to PAGE_CACHE_SECONDS; now the task worker empties the cache once Redis answers."""
    story = ArticleFactory(slug="harbour", published_at=timezone.now() - timedelta(hours=1))
    client.get("/articles/harbour/")
    assert client.get("/articles/harbour/")["X-Page-Cache"] == "hit"
    redis_site.save()
    redis_site.stop()

    # Another process (its own record of the outage) takes the story down, and ends.
    shared = caches["default"]
    this_process = shared._outage
    shared._outage = redis_cache._Outage()
    shared._outage.alias = getattr(this_process, "alias", None)
    try:
        story.status = Article.Status.DRAFT
        story.save()
    finally:
        shared._outage = this_process

    redis_site.start()  # with what it held: this process never noticed the outage
    run_due_tasks()
    for _ in range(3):
        assert client.get("/articles/harbour/").status_code == 404
    assert client.get("/articles/").content.decode().count("/articles/harbour/") == 0
    # One task for the outage, done.
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["SUCCESSFUL"]


@pytest.mark.django_db(transaction=True)
def test_the_cache_is_emptied_only_once_redis_answers(client, redis_site):
    redis_site.save()
    redis_site.stop()
    caches["default"].set("session", "signed out meanwhile", 60)  # lost
    run_due_tasks()  # Redis still away: tried again later
    assert [(task.status, task.args_kwargs["kwargs"]["attempt"])
            for task in DBTaskResult.objects.order_by("enqueued_at")] == [
        ("SUCCESSFUL", 1), ("READY", 2)]
    redis_site.start()
    run_due_tasks()
    assert DBTaskResult.objects.filter(status="READY").count() == 0


class _PurgeServer:
    """A stand-in edge cache on 127.0.0.1 that answers every PURGE 200 and keeps its Host."""

    def __init__(self):
        import http.server
        import threading

        hosts = self.hosts = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PURGE(self):  # noqa: N802 (the method's name)
                hosts.append(self.headers["Host"])
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def purge_server():
    server = _PurgeServer()
    yield server
    server.close()


def test_an_edge_named_by_host_name_is_purged_at_the_address_found(settings, monkeypatch,
                                                                    purge_server):
    import socket

    from core import edge
    looked_up = []

    def getaddrinfo(host, port, *args, **kwargs):
        looked_up.append((host, port))
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    settings.EDGE_PURGE_URLS = [f"http://edge.test:{purge_server.port}/"]
    assert edge.purge(["story-1"])
    assert looked_up[0] == ("edge.test", purge_server.port)  # then its address, as is
    assert purge_server.hosts == [f"edge.test:{purge_server.port}"]  # the host's name


def test_a_host_name_that_cannot_be_looked_up_in_time_does_not_hold_the_save(
        settings, monkeypatch, purge_server):
    # socket.getaddrinfo() has no time limit: a resolver that hung held each save for its
    # own timeout. The lookup is let go after edge.TIMEOUT; the purge is sent again later.
    import socket
    import threading

    from core import edge
    released, answered = threading.Event(), threading.Event()
    resolve = socket.getaddrinfo

    def hung(host, *args, **kwargs):
        if host == "edge.test":
            released.wait(10)
            answered.set()
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", hung)
    monkeypatch.setattr(edge, "TIMEOUT", 0.2)
    retried = []
    monkeypatch.setattr(edge, "_retry_later", lambda url, *args, **kwargs: retried.append(url))
    url = f"http://edge.test:{purge_server.port}/"
    settings.EDGE_PURGE_URLS = [url]
    try:
        assert not edge.purge(["story-1"])
        assert not answered.is_set()  # the purge answered while the lookup still hung
    finally:
        released.set()
    assert retried == [url] and purge_server.hosts == []
