"""A newsroom with known figures for the transparency report, in New York time.

The clock is pinned at NOW (March 10, 2026, in New York); the report shows
April 2025 to March 2026. Boundary rows sit minutes either side of midnight
in New York, where UTC has already moved to the next day or month.
"""

from datetime import datetime, timedelta, timezone as dt_timezone
from html.parser import HTMLParser

import pytest
import time_machine

from articles.models import Article
from standards.models import Correction
from tests.factories import (ArticleFactory, AuthorFactory, BiasReportFactory,
                             CommentFactory, CorrectionFactory, UserFactory)

NOW = datetime(2026, 3, 10, 16, 0, tzinfo=dt_timezone.utc)  # 12:00 in New York (EDT)


def utc(*args):
    return datetime(*args, tzinfo=dt_timezone.utc)


@pytest.fixture
def clock(settings):
    settings.TIME_ZONE = "America/New_York"
    with time_machine.travel(NOW, tick=False):
        yield


def _report(article, reason, created, status="new", days=None):
    resolved = created + timedelta(days=days) if days is not None else None
    return BiasReportFactory(article=article, reason=reason, status=status,
                             created_at=created, resolved_at=resolved)


@pytest.fixture
def newsroom(clock):
    """Stories, reports, corrections and comments with the figures listed in each test."""
    human = AuthorFactory(name="Hana Human", slug="hana")
    ada = AuthorFactory(ai=True, name="Ada Persona", slug="ada")
    zed = AuthorFactory(ai=True, name="Zed Persona", slug="zed")
    ghost = AuthorFactory(ai=True, name="Ghost Persona", slug="ghost")  # nothing public
    none, assisted, generated = (Article.AIInvolvement.NONE, Article.AIInvolvement.ASSISTED,
                                 Article.AIInvolvement.GENERATED)

    s1 = ArticleFactory(author=human, ai_involvement=none, published_at=utc(2026, 3, 5, 15))
    s2 = ArticleFactory(author=human, ai_involvement=assisted,
                        published_at=utc(2026, 2, 10, 15))
    # 03:00 UTC on March 1 is 22:00 on February 28 in New York.
    s3 = ArticleFactory(author=human, ai_involvement=none, published_at=utc(2026, 3, 1, 3))
    s4 = ArticleFactory(author=human, ai_involvement=none, published_at=utc(2024, 6, 1, 15))
    a1 = ArticleFactory(author=ada, ai_involvement=generated,
                        published_at=utc(2026, 3, 2, 15))
    # A persona's story recorded as "none" is shown, and counted, as generated.
    ArticleFactory(author=ada, ai_involvement=none, published_at=utc(2026, 1, 15, 15))
    ArticleFactory(author=zed, ai_involvement=assisted, published_at=utc(2026, 3, 3, 15))

    # Not public: none of these, nor anything on them, may count.
    draft = ArticleFactory(author=human, draft=True, headline="Secret draft")
    scheduled = ArticleFactory(author=ghost, ai_involvement=generated,
                               published_at=NOW + timedelta(days=1), headline="Embargoed")
    unpublished = ArticleFactory(author=ada, ai_involvement=generated,
                                 status=Article.Status.DRAFT, published_at=utc(2026, 3, 4))

    r1 = _report(s1, "factual_error", utc(2026, 3, 6, 12), "upheld", days=2)
    r2 = _report(s1, "loaded_language", utc(2026, 3, 7, 12), "dismissed", days=1)
    _report(a1, "political_slant", utc(2026, 3, 9, 12))
    _report(a1, "political_slant", utc(2026, 3, 9, 13), "in_review")
    # 05:30 UTC on February 1 is 00:30 in New York: February.
    r5 = _report(s2, "factual_error", utc(2026, 2, 1, 5, 30), "upheld", days=4)
    # 04:30 UTC on February 1 is 23:30 on January 31 in New York: January.
    _report(s3, "missing_context", utc(2026, 2, 1, 4, 30), "dismissed", days=1)
    _report(s4, "other", utc(2024, 7, 1, 12), "dismissed", days=10)
    hidden_report = _report(draft, "factual_error", utc(2026, 3, 2, 12), "upheld", days=1)
    _report(scheduled, "other", utc(2026, 3, 2, 12), "dismissed", days=1)
    _report(unpublished, "other", utc(2026, 3, 5, 12))

    CorrectionFactory(article=s1, bias_report=r1, date=utc(2026, 3, 8, 13))
    CorrectionFactory(article=s2, bias_report=r5, kind=Correction.Kind.CLARIFICATION,
                      date=utc(2026, 2, 6, 12))
    CorrectionFactory(article=a1, kind=Correction.Kind.EDITORS_NOTE, date=utc(2026, 3, 9, 12))
    # Cites a dismissed report: a correction, but not one after an upheld report.
    CorrectionFactory(article=s1, bias_report=r2, date=utc(2026, 3, 9, 14))
    CorrectionFactory(article=s4, date=utc(2024, 7, 15, 12))
    CorrectionFactory(article=draft, bias_report=hidden_report, date=utc(2026, 3, 3, 12))
    CorrectionFactory(article=unpublished, date=utc(2026, 3, 5, 12))

    reader = UserFactory(username="someone")
    for status in ("approved", "approved", "approved", "pending", "hidden"):
        CommentFactory(article=s1, reader=reader, status=status, created_at=utc(2026, 3, 6))
    for status in ("approved", "approved", "hidden"):
        CommentFactory(article=s2, reader=reader, status=status, created_at=utc(2026, 2, 12))
    # 04:59 UTC on March 1 is 23:59 on February 28 in New York: February.
    CommentFactory(article=s3, reader=reader, created_at=utc(2026, 3, 1, 4, 59))
    CommentFactory(article=s4, reader=reader, created_at=utc(2024, 7, 2))
    CommentFactory(article=draft, reader=reader, status="hidden", created_at=utc(2026, 3, 6))
    CommentFactory(article=unpublished, reader=reader, created_at=utc(2026, 3, 6))
    return {"human": human, "ada": ada, "zed": zed, "ghost": ghost, "s1": s1, "s2": s2,
            "a1": a1, "draft": draft, "scheduled": scheduled, "unpublished": unpublished}


class Tables(HTMLParser):
    """The page's tables by the id that labels them: {row header: [cell texts]}."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tables = {}
        self.headers = {}
        self._table = self._row = self._cell = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs["aria-labelledby"]
            self.tables[self._table] = {}
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._table not in self.headers:
                self.headers[self._table] = self._row
            else:
                self.tables[self._table][self._row[0]] = self._row[1:]
            self._row = None
        elif tag == "table":
            self._table = None


def tables(response):
    assert response.status_code == 200
    parsed = Tables(response.content.decode())
    return parsed.tables, parsed.headers
