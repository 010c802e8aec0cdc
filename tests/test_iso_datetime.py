"""Machine-readable times carry no microseconds: the HTML standard allows three digits."""

import re
import zoneinfo
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.template import engines
from django.utils import timezone

from core.seo import iso_datetime
from standards.models import Correction
from tests.factories import ArticleFactory, CommentFactory, CorrectionFactory
from tests.markup import parse_html

MOMENT = datetime(2026, 2, 4, 23, 6, 7, 891234, tzinfo=dt_timezone.utc)


def test_to_the_second_in_the_site_time_zone(settings):
    assert iso_datetime(MOMENT) == "2026-02-04T23:06:07+00:00"
    settings.TIME_ZONE = "Europe/Berlin"
    assert iso_datetime(MOMENT) == "2026-02-05T00:06:07+01:00"


def test_one_instant_in_any_zone_and_the_zone_in_force(settings):
    berlin = MOMENT.astimezone(zoneinfo.ZoneInfo("Europe/Berlin"))
    assert iso_datetime(berlin) == iso_datetime(MOMENT) == "2026-02-04T23:06:07+00:00"
    with timezone.override("America/New_York"):  # the zone in force, not the first one asked
        assert iso_datetime(MOMENT) == iso_datetime(berlin) == "2026-02-04T18:06:07-05:00"
    assert iso_datetime(berlin) == "2026-02-04T23:06:07+00:00"


def test_dates_naive_times_and_nothing():
    assert iso_datetime(date(2026, 2, 4)) == "2026-02-04"
    assert iso_datetime(datetime(2026, 2, 4, 23, 6, 7, 5)) == "2026-02-04T23:06:07"
    assert iso_datetime(None) == "" and iso_datetime("") == ""


def test_template_filter():
    template = engines["django"].from_string(
        "{% load seo_tags %}<time datetime=\"{{ at|iso_datetime }}\">")
    assert (template.render({"at": MOMENT})
            == '<time datetime="2026-02-04T23:06:07+00:00">')


# Six digits of a second, or any fraction at all.
FRACTION = re.compile(r"\d\d:\d\d:\d\d\.\d")


@pytest.mark.django_db
def test_pages_print_no_fraction_of_a_second(client):
    now = timezone.now().replace(microsecond=654321)
    story = ArticleFactory(slug="harbour", published_at=now - timedelta(hours=2),
                           ai_involvement="assisted", ai_reviewed_at=now - timedelta(hours=3))
    CorrectionFactory(article=story, date=now - timedelta(hours=1))
    CorrectionFactory(article=story, kind=Correction.Kind.EDITORS_NOTE, date=now)
    CommentFactory(article=story, created_at=now)

    article = client.get("/articles/harbour/").content.decode()
    times = re.findall(r'datetime="([^"]*)"', article)
    assert not [t for t in times if FRACTION.search(t)]
    # The dateline and both corrections, to the second.
    assert {iso_datetime(story.published_at), iso_datetime(now - timedelta(hours=1)),
            iso_datetime(now)} <= set(times)
    assert iso_datetime(now).endswith(f"{now:%H:%M:%S}+00:00")
    page = parse_html(client.get("/articles/harbour/"))
    assert page.meta["article:published_time"] == iso_datetime(story.published_at)
    [news] = [block for block in page.json_ld() if block.get("@type") == "NewsArticle"]
    assert news["datePublished"] == iso_datetime(story.published_at)
    assert not FRACTION.search(news["dateModified"])
    assert not any(FRACTION.search(c["datePublished"]) for c in news["correction"])

    for url in ("/", "/articles/", "/articles/harbour/comments/", "/corrections/",
                "/search/?q=harbour", "/transparency/", "/sitemap-news.xml"):
        text = client.get(url).content.decode()
        assert "datetime=" in text or "publication_date" in text, url
        assert not FRACTION.search(text), url
