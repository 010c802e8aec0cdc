"""The site itself behind a real varnishd running deploy/varnish/default.vcl (QA round 5).

- A picture deleted (its story deleted, an avatar cleared or replaced) was served by
  the edge for up to a week: /media/ answers carried no cache tag and a deletion
  purged nothing. They carry `xkey: media-<hash>` now, and a deletion purges the
  file and its renditions after the commit (core.images.delete_with_renditions).
- ?ref=1 and ?ref=2 are one copy at the edge, while ?page=2 is the list's second
  page, which the view gets.

The app server runs in a thread of this process, as pytest-django's live_server
does (settings changed here are its settings), but without the live server's own
handler for /media/, which answered before the site's view.
"""

import http.client
import threading
import time

import pytest
from django.core.files.base import ContentFile
from django.db import connections, transaction
from django.test.testcases import LiveServerThread

from articles.models import Article
from authors.models import Author
from core import images
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, image_file
from tests.tasks import kept_pictures_time_up
from tests.varnish import Varnish

TIMEOUT = 5


def get(varnish, path, headers=None):
    """(status, headers with lower-case names, body bytes) of an anonymous reader's GET."""
    connection = http.client.HTTPConnection("127.0.0.1", varnish.port, timeout=TIMEOUT)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


@pytest.fixture
def app_server(transactional_db, settings):
    """The site on a port of its own: (host, port). /media/ reaches core.views.media."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    shared = {connection.alias: connection for connection in connections.all()
              if connection.vendor == "sqlite" and connection.is_in_memory_db()}
    # LiveServerThread serves static_handler(_MediaFilesHandler(site)): the site alone here.
    thread = LiveServerThread("127.0.0.1", lambda media_files: media_files.application, shared)
    thread.daemon = True
    for connection in shared.values():
        connection.inc_thread_sharing()
    thread.start()
    thread.is_ready.wait()
    try:
        if thread.error:
            raise thread.error
        yield ("127.0.0.1", thread.port)
    finally:
        thread.terminate()
        # Its request threads are daemons the server does not wait for: one still closing
        # its connections (a picture the browser asked for last) once the sharing ends
        # failed the test with "created in a thread can only be used in that same thread".
        deadline = time.monotonic() + 10
        for running in threading.enumerate():
            if running.name.endswith("(process_request_thread)"):
                running.join(max(0, deadline - time.monotonic()))
        for connection in shared.values():
            connection.dec_thread_sharing()


@pytest.fixture
def edge(app_server, settings):
    """Varnish in front of the site, which purges it, its pages cached as in production."""
    settings.PAGE_CACHE_ENABLED = True
    with Varnish(backends=[app_server]) as varnish:
        settings.EDGE_PURGE_URLS = [varnish.purge_url]
        yield varnish


def stored_at_the_edge(varnish, name):
    """Fetch /media/<name> twice through the edge: the second is its copy."""
    first, second = get(varnish, f"/media/{name}"), get(varnish, f"/media/{name}")
    assert (first[0], second[0]) == (200, 200), name
    assert (first[1]["x-edge-cache"], second[1]["x-edge-cache"]) == ("MISS", "HIT"), name
    return second


def gone_from_the_edge(varnish, name):
    status, headers, _ = get(varnish, f"/media/{name}")
    return status == 404 and headers["x-edge-cache"] == "MISS"


# Pictures -------------------------------------------------------------------------------------


def test_a_deleted_storys_picture_and_its_renditions_leave_the_edge(edge):
    story = ArticleFactory(with_image=True)
    files = [story.image.name, *images.rendition_files(story.image_renditions)]
    assert len(files) > 5  # WebP and JPEG at each width, and the crops
    for name in files:
        status, headers, _ = stored_at_the_edge(edge, name)
        # Readers keep it a day; the tag is for the edge alone.
        assert headers["cache-control"] == "public, max-age=86400"
        assert "xkey" not in headers and "surrogate-key" not in headers
    other = ArticleFactory(with_image=True)
    stored_at_the_edge(edge, other.image.name)

    Article.objects.get(pk=story.pk).delete()

    for name in files:
        assert gone_from_the_edge(edge, name), name
    assert get(edge, f"/media/{other.image.name}")[1]["x-edge-cache"] == "HIT"


def test_an_avatar_cleared_or_replaced_leaves_the_edge_once_its_time_is_up(edge):
    author = AuthorFactory(avatar=image_file("me.jpg", size=(400, 400)))
    cleared = [author.avatar.name, *images.rendition_files(author.avatar_renditions)]
    for name in cleared:
        stored_at_the_edge(edge, name)
    with transaction.atomic():
        author.avatar = ""
        author.save()
    # Kept a while for the pages that show it (core.images.keep_after_commit).
    assert get(edge, f"/media/{cleared[0]}")[1]["x-edge-cache"] == "HIT"
    kept_pictures_time_up()
    for name in cleared:
        assert gone_from_the_edge(edge, name), name

    author.avatar.save("new.jpg", image_file("new.jpg", size=(300, 300)))
    replaced = Author.objects.get(pk=author.pk).avatar.name
    stored_at_the_edge(edge, replaced)
    Author.objects.get(pk=author.pk).avatar.save("newer.jpg", ContentFile(
        image_file("newer.jpg", size=(300, 300)).read(), name="newer.jpg"))
    kept_pictures_time_up()
    assert gone_from_the_edge(edge, replaced)


# Query strings --------------------------------------------------------------------------------


def test_ref_1_and_ref_2_are_one_copy_and_page_2_is_the_second_page(edge):
    section = SectionFactory(slug="harbours")
    for number in range(21):  # a page holds 20 (ARTICLES_PER_PAGE)
        ArticleFactory(section=section, headline=f"Harbour story number {number:02}")
    path = "/sections/harbours/"
    first = get(edge, f"{path}?ref=1")
    second = get(edge, f"{path}?ref=2&srsltid=AfmBOo")
    plain = get(edge, path)
    assert [answer[0] for answer in (first, second, plain)] == [200, 200, 200]
    assert [answer[1]["x-edge-cache"] for answer in (first, second, plain)] == [
        "MISS", "HIT", "HIT"]
    assert first[2] == second[2] == plain[2]

    page_2 = get(edge, f"{path}?ref=3&page=2")
    assert (page_2[0], page_2[1]["x-edge-cache"]) == (200, "MISS")
    oldest = "Harbour story number 00"  # the 21st, newest first
    assert oldest.encode() in page_2[2] and oldest.encode() not in first[2]
    assert get(edge, f"{path}?page=02&utm_source=x")[1]["x-edge-cache"] == "HIT"
    assert get(edge, f"{path}?page=3")[0] == 404


def test_the_comments_block_is_the_block_and_the_page_the_page(edge):
    story = ArticleFactory()
    path = f"/articles/{story.slug}/comments/"
    block = get(edge, f"{path}?partial=1&ref=1")
    page = get(edge, f"{path}?ref=1")
    assert (block[0], page[0]) == (200, 200)
    assert b"<!doctype" not in block[2].lower() and b"<!doctype" in page[2].lower()
    assert get(edge, f"{path}?ref=2&partial=1")[1]["x-edge-cache"] == "HIT"
