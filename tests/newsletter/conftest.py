"""A small newsroom on a pinned clock, and helpers to subscribe through the real views.

The clock stands at 07:30 UTC on Wednesday, December 2, 2026: the edition of
06:00 that morning is due, and it carries what was published since 06:00 the
day before (for a first edition).
"""

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from articles.models import Article
from standards.models import Correction
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    CorrectionFactory,
    SectionFactory,
    UserFactory,
)

NOW = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
EDITION = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
LINK = re.compile(r"https?://[^\s\"<>]+")


@pytest.fixture
def clock(settings):
    settings.TIME_ZONE = "UTC"
    settings.EDITION_TIME = datetime.strptime("06:00", "%H:%M").time()
    settings.SITE_URL = "https://news.example"
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def newsroom(db, clock):
    """Two sections, a human and an AI author, and stories on both sides of each boundary."""
    world = SectionFactory(name="World", slug="world", position=0)
    business = SectionFactory(name="Business", slug="business", position=1)
    human = AuthorFactory(name="Margaret Okonkwo", slug="margaret-okonkwo")
    ai = AuthorFactory(ai=True, name="Li Wei", slug="li-wei")
    reviewer = UserFactory(username="jane", first_name="Jane", last_name="Editor",
                           is_staff=True, is_superuser=True)
    stories = {
        "world": ArticleFactory(
            slug="harbour-ferries", headline="Harbour authority shortens ferry crossings",
            dek="Crossings will be twelve minutes shorter from March.", section=world,
            author=human, published_at=EDITION - timedelta(hours=1)),
        "business": ArticleFactory(
            slug="port-profits", headline="Port operator reports record profits",
            dek="Container traffic rose by a fifth.", section=business, author=ai,
            ai_involvement=Article.AIInvolvement.GENERATED, ai_reviewed_by=reviewer,
            published_at=EDITION - timedelta(hours=3)),
        "old": ArticleFactory(slug="old-news", headline="Ferry tender opens",
                              section=world, author=human,
                              published_at=EDITION - timedelta(days=2)),
        "after": ArticleFactory(slug="after-the-cut", headline="Late ferry delayed by fog",
                                section=world, author=human,
                                published_at=EDITION + timedelta(minutes=30)),
        "draft": ArticleFactory(draft=True, slug="draft-story", headline="Draft lighthouse",
                                section=world, author=human),
        "scheduled": ArticleFactory(slug="tomorrow", headline="Scheduled bridge opening",
                                    section=world, author=human,
                                    published_at=NOW + timedelta(days=1)),
    }
    corrections = {
        "new": CorrectionFactory(article=stories["old"], date=EDITION - timedelta(hours=2),
                                 text="An earlier version gave the wrong tender date."),
        "old": CorrectionFactory(article=stories["old"], kind=Correction.Kind.CLARIFICATION,
                                 date=EDITION - timedelta(days=2),
                                 text="A clarification from long ago."),
    }
    return {"world": world, "business": business, "human": human, "ai": ai,
            "stories": stories, "corrections": corrections}


_addresses = itertools.count(1)


def post_subscribe(client, email, daily=True, sections=(), authors=(), address=None, **extra):
    """POST the subscription form; each call from a new network address unless told."""
    number = next(_addresses)
    data = {"email": email, "sections": [s.pk for s in sections],
            "authors": [a.pk for a in authors], **extra}
    if daily:
        data["is_daily"] = "on"
    return client.post("/newsletter/", data,
                       REMOTE_ADDR=address or f"10.0.{number // 250}.{number % 250 + 1}")


def links(message, fragment):
    """The links in a message's text that contain fragment, as paths on the test server."""
    return [url.split("news.example", 1)[1] for url in LINK.findall(message.body)
            if fragment in url]


def subscribe_and_confirm(client, email, **choices):
    """A confirmed subscriber, made through the views; returns its preferences path."""
    sent = len(mail.outbox)
    response = post_subscribe(client, email, **choices)
    assert response.status_code == 302, response.content.decode()[:2000]
    (confirm,) = links(mail.outbox[sent], "/newsletter/confirm/")
    response = client.post(confirm)
    assert response.status_code == 302
    return response["Location"]
