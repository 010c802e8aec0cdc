"""The edge cache and the schedule, and feeds' dates through it: a real varnishd running
deploy/varnish/default.vcl in front of an app server that purges it (EDGE_PURGE_URLS).

The site tells the edge how long to keep a page (Surrogate-Control: until the next
scheduled story) and readers nothing of the schedule; a feed that loses a story is
never answered 304 by its old date, by the edge either.
"""

import re
import time

import pytest

from tests.redis_server import free_port
from tests.varnish import Varnish

from .conftest import Client, Site, until

pytestmark = pytest.mark.integration

SECONDS = 8  # until the scheduled story goes public
EMBARGOED = "Ferry company announces new crossing"

SCHEDULE = """
from datetime import timedelta
from django.utils import timezone
from articles.models import Article, Section
from authors.models import Author

at = timezone.now() + timedelta(seconds=PARAMS["seconds"])
Article.objects.create(headline=PARAMS["headline"], slug="embargoed-crossing",
                       body="The crossing opens in May.\\n\\nTickets go on sale today.",
                       section=Section.objects.get(slug="world"),
                       author=Author.objects.get(slug="ada-reporter"),
                       status="published", published_at=at)
print("RESULT " + json.dumps(at.timestamp()))
"""

UNPUBLISH = """
from articles.models import Article

story = Article.objects.get(slug=PARAMS["slug"])
story.status = "draft"
story.save()
print("RESULT " + json.dumps(story.pk))
"""


@pytest.fixture(scope="module")
def edge(site, newsroom):
    port = free_port()
    server = site.start(workers=1, env={"EDGE_PURGE_URLS": f"http://127.0.0.1:{port}/"})
    with Varnish(backends=[("127.0.0.1", server.port)], port=port) as varnish:
        yield varnish, server
    assert site.server_errors() == []


def _lifetimes(response):
    return [int(age) for age in re.findall(r"max-age=(\d+)", response.headers["Cache-Control"])]


def test_the_edge_keeps_a_page_until_the_next_scheduled_story_and_readers_learn_nothing(
        site, edge):
    varnish, server = edge
    at = site.shell(SCHEDULE, seconds=SECONDS, headline=EMBARGOED)
    reader = Client()
    first, second = reader.get(varnish.url + "/"), reader.get(varnish.url + "/")
    assert (first.status, second.status) == (200, 200)
    assert (first.headers["X-Edge-Cache"], second.headers["X-Edge-Cache"]) == ("MISS", "HIT")
    assert EMBARGOED not in second.text
    # The site tells the edge when to ask again...
    told = reader.get(server.url("/")).headers["Surrogate-Control"]
    assert 0 < int(told.removeprefix("max-age=")) <= SECONDS
    # ...and readers, through the edge, nothing of it: their lifetimes are the page's own.
    for response in (first, second):
        assert response.headers["Surrogate-Control"] is None
        assert response.headers["xkey"] is None
        assert min(_lifetimes(response)) > SECONDS + 30, response.headers["Cache-Control"]
    # The edge asks again at the story's time: it shows then, not when s-maxage ends.
    time.sleep(max(0, at - time.time()))
    assert until(lambda: EMBARGOED in reader.get(varnish.url + "/").text, seconds=10), \
        "the edge kept the front page past the scheduled story"


def test_a_feed_that_lost_a_story_is_not_answered_304_by_the_edge(site, edge, newsroom):
    varnish, _ = edge
    reader = Client()
    url = varnish.url + "/feeds/latest/"
    # A feed rendered in the second of a change (the story the test before scheduled
    # went public) is not dated (core.pagecache): render this one in a later second.
    time.sleep(1.1)
    assert reader.get(url).status == 200
    cached = reader.get(url)
    assert cached.headers["X-Edge-Cache"] == "HIT"
    since = cached.headers["Last-Modified"]
    older = newsroom["published"][-1]  # not the newest: the feed's newest item stays
    assert f"/articles/{older}/" in cached.text
    assert reader.request("GET", url, headers={"If-Modified-Since": since}).status == 304
    # Taken down where the newsroom works, which purges the edge as the app servers do.
    Site({**site.env, "EDGE_PURGE_URLS": varnish.purge_url}, site.folder).shell(
        UNPUBLISH, slug=older)
    after = until(lambda: (lambda r: r if r.status == 200 else None)(
        reader.request("GET", url, headers={"If-Modified-Since": since})), seconds=5)
    assert after, "the edge still answers 304 for the feed that lost a story"
    assert f"/articles/{older}/" not in after.text
