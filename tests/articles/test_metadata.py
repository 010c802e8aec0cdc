from datetime import datetime, timedelta, timezone as dt_timezone
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import Group

from PIL import Image

from core.images import delete_with_renditions
from tests.factories import (ArticleFactory, AuthorFactory, CorrectionFactory, SectionFactory,
                             image_file)
from tests.markup import parse_html

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 2, 24, 20, 0, tzinfo=dt_timezone.utc)
SITE = "https://news.example"


@pytest.fixture(autouse=True)
def _site_and_clock(settings):
    settings.SITE_URL = SITE
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def story():
    with time_machine.travel(NOW - timedelta(hours=2), tick=False):
        story = ArticleFactory(
            headline="Harbour talks resume", slug="harbour-talks",
            dek="Negotiators return to the table after a week.",
            section=SectionFactory(name="World", slug="world"),
            author=AuthorFactory(name="Li Wei", slug="li-wei", title="Asia correspondent",
                                 ai=True),
            with_image=True, tags=["Trade", "Ports"], published_at=NOW - timedelta(hours=3),
        )
    CorrectionFactory(article=story, text="The talks began on a Monday.",
                      date=NOW - timedelta(hours=1))
    return story


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return parse_html(response)


def _article_ld(page):
    [data] = page.json_ld()
    return data


class TestArticlePage:
    def test_title_description_canonical(self, client, story):
        page = _page(client, story.get_absolute_url())
        assert page.title == "Harbour talks resume · EVA DAILY"
        assert page.meta["description"] == "Negotiators return to the table after a week."
        assert page.link("canonical") == f"{SITE}/articles/harbour-talks/"

    def test_open_graph_and_twitter_tags_are_absolute(self, client, story):
        meta = _page(client, story.get_absolute_url()).meta
        assert meta["og:type"] == "article"
        assert meta["og:title"] == "Harbour talks resume"
        assert meta["og:description"] == "Negotiators return to the table after a week."
        assert meta["og:url"] == f"{SITE}/articles/harbour-talks/"
        assert meta["og:site_name"] == "EVA DAILY"
        assert meta["og:image"].startswith(f"{SITE}/media/articles/")
        # The 16:9 crop of the 1200 x 800 picture.
        assert meta["og:image"].endswith("-16x9-1200w.jpeg")
        assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "675")
        assert meta["og:image:alt"] == "A harbour at dawn"
        assert meta["twitter:card"] == "summary_large_image"
        assert meta["twitter:image"] == meta["og:image"]
        assert meta["twitter:title"] == "Harbour talks resume"
        assert meta["article:author"] == f"{SITE}/authors/li-wei/"
        assert meta["article:section"] == "World"

    def test_a_story_without_image_shares_the_site_image(self, client):
        story = ArticleFactory()
        meta = _page(client, story.get_absolute_url()).meta
        assert meta["og:image"] == f"{SITE}/static/img/og-default.png"
        assert meta["twitter:image"] == meta["og:image"]
        ld = _article_ld(_page(client, story.get_absolute_url()))
        assert ld["image"][0]["url"] == f"{SITE}/static/img/og-default.png"

    def test_json_ld_news_article(self, client, story):
        ld = _article_ld(_page(client, story.get_absolute_url()))
        assert ld["@context"] == "https://schema.org"
        assert ld["@type"] == "NewsArticle"
        assert ld["headline"] == "Harbour talks resume"
        assert ld["description"] == "Negotiators return to the table after a week."
        assert ld["mainEntityOfPage"]["@id"] == ld["url"] == f"{SITE}/articles/harbour-talks/"
        [wide, standard, square] = ld["image"]
        assert wide["url"].startswith(f"{SITE}/media/") and wide["width"] == 1200
        assert all(image["creditText"] == "Photo: Unsplash / Robert Bye"
                   for image in (wide, standard, square))
        assert datetime.fromisoformat(ld["datePublished"]) == NOW - timedelta(hours=3)
        # The correction is the latest change.
        assert datetime.fromisoformat(ld["dateModified"]) == NOW - timedelta(hours=1)
        [author] = ld["author"]
        # Still a Person, on purpose: schema.org's author is a Person or an Organization,
        # and its Person may be fictional. What says the persona is no human is its
        # description, the story's backstory and the human editor named beside it
        # (tests/articles/test_feeds2_ai_disclosure.py).
        assert author["@type"] == "Person"
        assert author["name"] == "Li Wei"
        assert author["url"] == f"{SITE}/authors/li-wei/"
        assert "AI persona" in author["description"]
        assert ld["backstory"] == ("AI involvement: generated. An AI system wrote this story, "
                                   "writing as the persona Li Wei.")
        assert ld["editor"]["@type"] == "Person"
        assert ld["articleSection"] == "World"
        assert sorted(ld["keywords"]) == ["Ports", "Trade"]
        assert ld["publisher"]["@type"] == "NewsMediaOrganization"
        assert ld["publisher"]["name"] == "EVA DAILY"
        assert ld["publisher"]["logo"]["url"] == f"{SITE}/static/img/logo.png"
        [correction] = ld["correction"]
        assert correction["@type"] == "CorrectionComment"
        assert correction["text"] == "The talks began on a Monday."
        assert datetime.fromisoformat(correction["datePublished"]) == NOW - timedelta(hours=1)

    def test_json_ld_lists_16_9_4_3_and_1_1_crops_of_the_hero(self, client, story, settings):
        ld = _article_ld(_page(client, story.get_absolute_url()))
        images = ld["image"]
        # Centre crops of the 1200 x 800 picture, at most 1200 wide, never enlarged.
        sizes = [(1200, 675), (1066, 800), (800, 800)]
        assert [(image["width"], image["height"]) for image in images] == sizes
        assert [image["url"].rsplit("-", 2)[-2:] for image in images] == [
            ["16x9", "1200w.jpeg"], ["4x3", "1066w.jpeg"], ["1x1", "800w.jpeg"]]
        assert all(image["@type"] == "ImageObject" for image in images)
        assert all(image["caption"] == "The harbour before the ferries leave." for image in images)
        for image, size in zip(images, sizes, strict=True):
            path = Path(settings.MEDIA_ROOT) / image["url"].removeprefix(f"{SITE}/media/")
            with Image.open(path) as stored:
                assert (stored.format, stored.size) == ("JPEG", size)
        # The crops sit beside the renditions, and go with the original.
        stored = story.image_renditions["crops"]
        assert sorted(stored) == ["16x9", "1x1", "4x3"]
        delete_with_renditions(story.image.storage, story.image.name)
        assert list((Path(settings.MEDIA_ROOT) / "articles").rglob("*.*")) == []

    def test_before_the_worker_runs_the_original_is_the_shared_image(self, client):
        story = ArticleFactory(with_image=True, renditions=False,
                               image=image_file("wide.png", size=(1600, 900), fmt="PNG"))
        assert client.get(story.get_absolute_url()).status_code == 200
        page = _page(client, story.get_absolute_url())
        original = f"{SITE}/media/{story.image.name}"
        assert page.meta["og:image"] == original
        assert (page.meta["og:image:width"], page.meta["og:image:height"]) == ("1600", "900")
        [image] = _article_ld(page)["image"]
        assert (image["url"], image["width"], image["height"]) == (original, 1600, 900)

    def test_json_ld_without_corrections_has_none(self, client):
        ld = _article_ld(_page(client, ArticleFactory().get_absolute_url()))
        assert "correction" not in ld

    def test_json_ld_cannot_be_broken_out_of(self, client):
        hostile = 'Talks </script><script>alert("x")</script> & <!-- end'
        story = ArticleFactory(headline=hostile, dek="</SCRIPT> too")
        text = client.get(story.get_absolute_url()).content.decode()
        start = text.index('<script type="application/ld+json">')
        block = text[start:text.index("</script>", start)]
        assert "<" not in block.removeprefix('<script type="application/ld+json">')
        assert ">" not in block.removeprefix('<script type="application/ld+json">')
        assert "\\u003C/script\\u003E" in block
        page = parse_html(client.get(story.get_absolute_url()))
        ld = _article_ld(page)
        # The headline as the page's h1 prints it: alert(“x”).
        assert ld["headline"] == hostile.replace('"x"', "\u201cx\u201d")
        assert ld["description"] == "</SCRIPT> too"
        assert not any("alert" in text for attrs, text in page.scripts
                       if attrs.get("type") != "application/ld+json")

    def test_preview_is_not_indexed(self, client, django_user_model):
        draft = ArticleFactory(draft=True)
        editor = django_user_model.objects.create_user("ed", is_staff=True)
        editor.groups.add(Group.objects.get(name="Editors"))
        client.force_login(editor)
        page = _page(client, draft.get_absolute_url())
        assert page.meta["robots"] == "noindex, nofollow"
        assert "datePublished" not in _article_ld(page)


class TestFrontPage:
    def test_news_media_organization(self, client):
        ld = _page(client, "/").json_ld()
        [org] = ld
        assert org["@context"] == "https://schema.org"
        assert org["@type"] == "NewsMediaOrganization"
        assert org["name"] == "EVA DAILY"
        assert org["url"] == f"{SITE}/"
        assert org["logo"]["url"] == f"{SITE}/static/img/logo.png"
        assert org["masthead"] == f"{SITE}/about/"
        assert org["publishingPrinciples"] == f"{SITE}/standards/"
        for key in ("ethicsPolicy", "correctionsPolicy", "actionableFeedbackPolicy"):
            assert org[key].startswith(f"{SITE}/standards/#"), key

    def test_policy_links_land_on_their_sections(self, client):
        org = _page(client, "/").json_ld()[0]
        standards = _page(client, "/standards/")
        for key in ("ethicsPolicy", "correctionsPolicy", "actionableFeedbackPolicy",
                    "verificationFactCheckingPolicy"):
            assert org[key].split("#")[1] in standards.ids, key


class TestEveryPage:
    @pytest.fixture
    def urls(self, story):
        return ["/", "/articles/", story.get_absolute_url(), "/sections/world/",
                "/tags/ports/", "/authors/", "/authors/li-wei/", "/about/", "/standards/",
                "/search/", "/search/?q=harbour", "/corrections/"]

    def test_title_description_canonical_and_og(self, client, urls):
        for url in urls:
            page = _page(client, url)
            assert "EVA DAILY" in page.title and page.title.strip(), url
            assert page.meta["description"].strip(), url
            canonical = page.link("canonical")
            assert canonical == SITE + url.split("?")[0], url
            for key in ("og:title", "og:description", "og:type", "og:site_name",
                        "twitter:card", "twitter:title"):
                assert page.meta.get(key, "").strip(), (url, key)
            assert page.meta["og:url"] == canonical, url
            assert page.meta["og:image"].startswith(f"{SITE}/"), url

    def test_no_inline_scripts_or_styles(self, client, urls):
        for url in urls:
            page = _page(client, url)
            for attrs, text in page.scripts:
                assert attrs.get("src") or attrs.get("type") == "application/ld+json", url
                assert attrs.get("src") is None or not text.strip(), url
            assert page.styles == 0, url
            assert page.inline_handlers == [], url

    def test_later_list_pages_are_their_own_canonical(self, client):
        section = SectionFactory(name="World", slug="world")
        for _ in range(21):
            ArticleFactory(section=section)
        page = _page(client, "/sections/world/?page=2")
        assert page.link("canonical") == f"{SITE}/sections/world/?page=2"
        assert page.meta["og:url"] == f"{SITE}/sections/world/?page=2"
        assert _page(client, "/sections/world/?page=1").link("canonical") == (
            f"{SITE}/sections/world/")

    def test_section_tag_and_author_pages_describe_themselves(self, client, story):
        assert _page(client, "/sections/world/").meta["og:title"] == "World"
        assert _page(client, "/tags/ports/").meta["og:title"] == "Topic: Ports"
        author = _page(client, "/authors/li-wei/").meta
        assert author["og:title"] == "Li Wei"
        assert author["og:type"] == "profile"
