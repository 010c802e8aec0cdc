"""Crawl every public URL and find no trace of a draft or scheduled story.

Hidden stories share their section, author and tags with public ones, are
linked to as an editor's related pick, carry corrections and a tag of their
own, and are scheduled for a recognisable date. The crawl starts where a
reader or a crawler would (front page, robots.txt, sitemaps, feeds, search)
and follows every same-site link it finds in pages, sitemaps and feeds.
"""

import re
from collections import deque
from datetime import datetime, timedelta, timezone as dt_timezone
from urllib.parse import urljoin, urlsplit

import pytest
import time_machine

from tests.factories import ArticleFactory, AuthorFactory, CorrectionFactory, SectionFactory
from tests.markup import Page

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 24, 20, 0, tzinfo=dt_timezone.utc)
SITE = "https://news.example"
SCHEDULED_AT = datetime(2026, 2, 27, 9, 30, tzinfo=dt_timezone.utc)

# Words that appear only in hidden stories.
TRACES = [
    "Quillfeather", "quillfeather-draft", "embargoed-zephyr", "Zephyrine",
    "Marzipan Accord", "obsidianwatch", "Obsidianwatch", "Cormorant inquiry",
    "hidden-only-tag", "Hidden Only Tag",
    # The scheduled story's date, in every format the site uses.
    "2026-02-27", "Feb 27, 2026", "February 27, 2026", "27 Feb 2026",
]
SKIP_PREFIXES = ("/admin/", "/static/", "/media/", "/accounts/")
MAX_URLS = 600


@pytest.fixture
def newsroom():
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        world = SectionFactory(name="World", slug="world", position=1)
        SectionFactory(name="Politics", slug="politics", position=2)
        human = AuthorFactory(name="Shared Author", slug="shared-author")
        persona = AuthorFactory(name="EVA Persona", slug="eva-persona", ai=True)
        public = [
            ArticleFactory(headline=f"Public harbour story {i}", slug=f"public-{i}",
                           dek="A public dek about the harbour.",
                           body="The harbour opened to ferries again.",
                           section=world, author=(human, persona)[i % 2],
                           tags=["harbour", "ports"], with_image=(i == 0),
                           published_at=NOW - timedelta(hours=i + 1))
            for i in range(23)  # more than a page, so page 2 is crawled too
        ]
        draft = ArticleFactory(
            headline="Quillfeather harbour plan leaked", slug="quillfeather-draft",
            dek="Marzipan Accord details.", body="The obsidianwatch harbour memo.",
            section=world, author=human, tags=["harbour", "ports", "Hidden Only Tag"],
            draft=True, with_image=True, is_featured=True,
        )
        scheduled = ArticleFactory(
            headline="Zephyrine harbour deal", slug="embargoed-zephyr",
            dek="Obsidianwatch sources.", body="The Cormorant inquiry opens on Friday.",
            section=world, author=persona, tags=["harbour", "Hidden Only Tag"],
            published_at=SCHEDULED_AT, is_featured=True,
        )
    # An editor's pick pointing at hidden stories, and corrections on them.
    public[0].related_links.create(to_article=draft, position=0)
    public[0].related_links.create(to_article=scheduled, position=1)
    draft.related_links.create(to_article=public[1], position=0)
    CorrectionFactory(article=draft, text="Cormorant inquiry date corrected.")
    CorrectionFactory(article=scheduled, text="Quillfeather spelling corrected.",
                      date=NOW - timedelta(hours=1))
    return public, draft, scheduled


def _same_site(url):
    """The path and query of a link on this site, or None."""
    if url.startswith(SITE):
        url = url[len(SITE):] or "/"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(SKIP_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _links(response, text):
    kind = response.get("Content-Type", "")
    if "html" in kind:
        return Page(text).hrefs
    if "xml" in kind:
        # Sitemap locations, feed links, guids and ids, media URLs.
        return re.findall(r"<(?:loc|link|guid|id)>([^<]+)</", text) + re.findall(
            r'(?:href|url)="([^"]+)"', text)
    if "text/plain" in kind:
        return re.findall(r"^Sitemap: (\S+)$", text, re.MULTILINE)
    return []


def _crawl(client, seeds):
    seen, queue, pages = set(), deque(seeds), {}
    while queue and len(seen) < MAX_URLS:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code < 500, url
        text = response.content.decode()
        pages[url] = (response.status_code, text)
        if response.status_code == 200:
            for link in _links(response, text):
                target = _same_site(urljoin(url, link.replace("&amp;", "&")))
                if target and target not in seen:
                    queue.append(target)
    assert len(seen) < MAX_URLS, "the crawl did not finish"
    return pages


def test_no_trace_of_hidden_stories_on_any_public_url(client, settings, newsroom):
    settings.SITE_URL = SITE
    public, draft, scheduled = newsroom
    seeds = [
        "/", "/robots.txt", "/sitemap.xml", "/sitemap-news.xml",
        "/feeds/latest/", "/feeds/latest/atom/",
        # What someone who guessed a word or a slug might try.
        *(f"/search/?q={word}" for word in ("harbour", "Quillfeather", "obsidianwatch",
                                            "Zephyrine", "Marzipan", "Cormorant", "inquiry")),
        "/search/?q=harbour&page=2", "/search/?q=harbour&author=eva-persona",
        "/tags/hidden-only-tag/", "/tags/hidden-only-tag/feed/",
        "/tags/hidden-only-tag/feed/atom/",
        draft.get_absolute_url(), scheduled.get_absolute_url(),
        f"{draft.get_absolute_url()}comments/", f"{scheduled.get_absolute_url()}comments/",
        f"{draft.get_absolute_url()}report-bias/",
    ]
    with time_machine.travel(NOW, tick=False):
        pages = _crawl(client, seeds)

    # A page may echo its own address (a 404's canonical link, a search box): what
    # the visitor typed is not a leak.
    leaks = [(url, trace) for url, (_, text) in pages.items() for trace in TRACES
             if trace.lower() in text.lower() and trace.lower() not in url.lower()]
    assert leaks == [], "\n".join(map(str, leaks))

    # The crawl saw the whole public site, so the check above means something.
    ok = {url for url, (status, _) in pages.items() if status == 200}
    must_visit = {
        "/", "/articles/", "/articles/?page=2", "/sections/world/", "/sections/politics/",
        "/tags/harbour/", "/tags/ports/", "/authors/", "/authors/shared-author/",
        "/authors/eva-persona/", "/about/", "/standards/", public[0].get_absolute_url(),
        public[22].get_absolute_url(), "/sitemap-articles.xml", "/sitemap-sections.xml",
        "/sitemap-tags.xml", "/sitemap-authors.xml", "/sitemap-news.xml",
        "/sections/world/feed/", "/sections/world/feed/atom/", "/tags/harbour/feed/",
        "/tags/ports/feed/atom/", "/authors/shared-author/feed/",
        "/authors/eva-persona/feed/atom/", "/search/?q=harbour",
    }
    assert must_visit <= ok, must_visit - ok
    public_headline = public[0].headline
    for url in ("/feeds/latest/", "/sitemap-news.xml", "/search/?q=harbour", "/tags/ports/"):
        assert public_headline in pages[url][1], url

    # Hidden stories and their own tag answer 404.
    for url in (draft.get_absolute_url(), scheduled.get_absolute_url(),
                "/tags/hidden-only-tag/", "/tags/hidden-only-tag/feed/"):
        assert pages[url][0] == 404, url

    # Counts are of public stories only.
    assert "23 results for “<bdi>harbour</bdi>”" in pages["/search/?q=harbour"][1]
    assert pages["/sitemap-articles.xml"][1].count("<url>") == 23
    assert "12 stories" in pages["/authors/"][1]  # shared-author: i = 0, 2, ..., 22
    assert "11 stories" in pages["/authors/"][1]  # eva-persona


def test_the_scheduled_story_appears_everywhere_at_its_time(client, settings, newsroom):
    """The same crawl after the embargo lifts finds it: the test above is not vacuous."""
    settings.SITE_URL = SITE
    with time_machine.travel(SCHEDULED_AT + timedelta(minutes=1), tick=False):
        pages = _crawl(client, ["/", "/robots.txt", "/feeds/latest/", "/search/?q=Zephyrine"])
    found = {url for url, (_, text) in pages.items() if "Zephyrine harbour deal" in text}
    assert {"/", "/feeds/latest/", "/sitemap-news.xml", "/search/?q=Zephyrine",
            "/articles/embargoed-zephyr/", "/tags/hidden-only-tag/"} <= found
    # The draft stays hidden.
    assert not any("Quillfeather harbour plan" in text for _, text in pages.values())
