"""What the site hands out as files and feeds, QA round 13: CSV a spreadsheet opens as
written, feeds that print headlines as the pages do, and feeds and exports that stay
valid (and keep unpublished stories out) off the happy path.
"""

import csv
import io
from datetime import timedelta

import html
import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from articles.models import Article
from comments.models import ModerationAction
from tests.factories import (ArticleFactory, AuthorFactory, BiasReportFactory, SectionFactory,
                             UserFactory)
from tests.markup import parse_html, parse_xml

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"
EXPORTS = ["/admin/standards/biasreport/export.csv",
           "/admin/comments/moderationaction/export.csv"]


def staff(group, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def body(response):
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.fixture
def accented(client):
    """A bias report on a story and a moderation entry whose text is not ASCII."""
    story = ArticleFactory(headline="Café owners’ “rights” 🚀 ضد")
    BiasReportFactory(article=story, reason="other", status="new")
    moderator = staff("Moderators", "modé")
    ModerationAction.objects.create(moderator=moderator, action="comment hidden",
                                    target="comment 1 by zoë", reason="Abusé ’ 🚀")
    client.force_login(moderator)
    return client


@pytest.mark.parametrize("url", EXPORTS)
def test_a_csv_export_opens_in_a_spreadsheet_as_utf8(accented, url):
    """Excel reads a CSV without a byte order mark in the machine's legacy code page:
    "Café" showed as "CafÃ©". The export starts with the UTF-8 BOM, once."""
    data = body(accented.get(url))
    assert data.startswith(BOM)
    assert data.count(BOM) == 1
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] in ("reference", "created")
    assert any("🚀" in cell for row in rows[1:] for cell in row)


def test_the_bom_comes_once_in_a_streamed_export(client, monkeypatch):
    monkeypatch.setattr("core.admin.CSV_CHUNK_ROWS", 2)
    moderator = staff("Moderators", "mod")
    ModerationAction.objects.bulk_create(
        ModerationAction(moderator=moderator, action="comment hidden", target=f"comment {n}",
                         created_at=timezone.now() - timedelta(hours=n)) for n in range(5))
    client.force_login(moderator)
    response = client.get(EXPORTS[1])
    chunks = list(response.streaming_content)
    assert len(chunks) == 3
    assert chunks[0].startswith(BOM) and not any(BOM in chunk for chunk in chunks[1:])
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert rows[0] == ["created", "moderator", "action", "target", "reason"]
    assert len(rows) == 6


ATOM = "{http://www.w3.org/2005/Atom}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
RSS_FEEDS = ["/feeds/latest/", "/sections/world/feed/", "/authors/ines/feed/",
             "/tags/ports/feed/"]
FEEDS = [url for rss in RSS_FEEDS for url in (rss, rss + "atom/")]


@pytest.fixture
def quoted():
    """A public story whose headline and dek are typed with straight quotes."""
    world = SectionFactory(name="World", slug="world")
    ines = AuthorFactory(name="Ines Duarte", slug="ines")
    return ArticleFactory(slug="quoted", section=world, author=ines, tags=["ports"],
                          headline='The "quiet" harbour\'s return',
                          dek="Officials say 'not yet' to the port's plan.",
                          published_at=timezone.now() - timedelta(hours=1))


def entries(response):
    """[(title, description)] of an RSS or Atom feed's items, as a reader shows them."""
    root = parse_xml(response)
    if root.tag == "rss":
        return [(item.findtext("title"), item.findtext("description"))
                for item in root.findall("channel/item")]
    return [(entry.findtext(f"{ATOM}title"), entry.findtext(f"{ATOM}summary"))
            for entry in root.findall(f"{ATOM}entry")]


@pytest.mark.parametrize("url", FEEDS)
def test_feeds_print_the_headline_and_dek_as_the_page_does(client, quoted, url):
    """The page shows “quiet” and harbour’s; feed readers showed the straight quotes."""
    page = client.get(quoted.get_absolute_url()).content.decode()
    h1 = html.unescape(re.search(r'<h1 class="headline"[^>]*>(.*?)</h1>', page)[1])
    assert h1 == "The \u201cquiet\u201d harbour\u2019s return"
    [(title, description)] = entries(client.get(url))
    assert title == h1
    assert "Officials say \u2018not yet\u2019 to the port\u2019s plan." in description


def test_the_news_sitemap_titles_stories_as_their_pages_do(client, quoted):
    root = parse_xml(client.get("/sitemap-news.xml"))
    assert [title.text for title in root.iter(f"{NEWS}title")] == [
        "The \u201cquiet\u201d harbour\u2019s return"]


def test_the_json_ld_headline_is_the_one_the_page_shows(client, quoted):
    """Search engines compare the NewsArticle's headline with the page's own."""
    response = client.get(quoted.get_absolute_url())
    page = response.content.decode()
    h1 = html.unescape(re.search(r'<h1 class="headline"[^>]*>(.*?)</h1>', page)[1])
    [story] = [data for data in parse_html(response).json_ld()
               if data["@type"] == "NewsArticle"]
    assert story["headline"] == h1 == "The \u201cquiet\u201d harbour\u2019s return"


def test_the_json_ld_caption_is_the_one_the_page_shows(client):
    story = ArticleFactory(with_image=True, image_caption='The "old" quay at dawn')
    response = client.get(story.get_absolute_url())
    assert "<figcaption>The \u201cold\u201d quay at dawn" in response.content.decode()
    [data] = [data for data in parse_html(response).json_ld() if data["@type"] == "NewsArticle"]
    assert {image["caption"] for image in data["image"]} == {"The \u201cold\u201d quay at dawn"}


# Stored before text was saved without them (core.text.LineFeeds), or written past save().
# No NUL: PostgreSQL refuses one in text.
HOSTILE = ("Ctl\x01\x0b\x0c\x1b\x7f\x85\ufffe\ufdd0 \u202bعربي\u202c עברית "
           "🚀👩\u200d👩\u200d👧 \"x\" & <b> ]]>")


def test_every_feed_stays_well_formed_and_shows_only_public_stories(client):
    world = SectionFactory(name="World", slug="world")
    ines = AuthorFactory(name="Ines Duarte", slug="ines")
    hostile = ArticleFactory(slug="hostile", section=world, author=ines, tags=["ports"])
    long_one = ArticleFactory(slug="long", section=world, author=ines, tags=["ports"],
                              headline="L" * 200, with_image=True)
    ArticleFactory(slug="bare", section=world, author=ines, tags=["ports"], dek="",
                   headline="No dek, no picture")
    ArticleFactory(slug="soon", section=world, author=ines, tags=["ports", "embargo"],
                   headline="Embargoed SECRET", scheduled=True)
    ArticleFactory(slug="unsure", section=world, author=ines, tags=["ports"],
                   headline="Draft SECRET", draft=True)
    Article.objects.filter(pk=hostile.pk).update(headline=HOSTILE, dek=HOSTILE)
    Article.objects.filter(pk=long_one.pk).update(image_alt=HOSTILE, image_caption=HOSTILE,
                                                  image_credit_photographer=HOSTILE)
    for url in [*FEEDS, "/sitemap-news.xml"]:
        response = client.get(url)
        assert response.status_code == 200, url
        root = parse_xml(response)  # fails on any character XML 1.0 cannot carry
        text = "".join(root.itertext()) + "".join(
            value for element in root.iter() for value in element.attrib.values())
        assert "SECRET" not in text and "embargo" not in text, url
        assert "\u202bعربي\u202c" in text and "👩\u200d👩\u200d👧" in text, url
        assert "\x01" not in text and "\ufffe" not in text, url
    for url in ["/tags/embargo/feed/", "/tags/embargo/feed/atom/"]:
        assert client.get(url).status_code == 404
    titles = [title for title, _ in entries(client.get("/feeds/latest/"))]
    assert "L" * 200 in titles and "No dek, no picture" in titles


def test_the_daily_edition_prints_headlines_as_the_pages_do():
    """The edition is the site's feed by email: its story blocks, like the story cards
    on the site, showed the straight quotes typed."""
    from django.core import mail
    from django.core.management import call_command

    from newsletter.edition import due_moment
    from newsletter.models import Subscriber

    world = SectionFactory(name="World", slug="world")
    ArticleFactory(section=world, slug="quiet", headline='The "quiet" harbour\'s return',
                   dek="Officials say 'not yet'.", published_at=due_moment() - timedelta(hours=2))
    reader = Subscriber.objects.create(email="world@example.org", confirmed_at=timezone.now())
    reader.sections.set([world])
    call_command("send_edition", stdout=io.StringIO())
    [message] = mail.outbox
    html_part = html.unescape(message.alternatives[0].content)
    for part in (message.body, html_part):
        assert "The \u201cquiet\u201d harbour\u2019s return" in part
        assert "Officials say \u2018not yet\u2019." in part
        assert '"quiet"' not in part and "'not yet'" not in part
