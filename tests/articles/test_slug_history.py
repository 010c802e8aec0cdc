"""A story's old slugs: its old links lead to its current address (articles.models.OldSlug)."""

import io
import json
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, OldSlug
from tests.articles.newsroom import article_form, change_url, staff
from tests.articles.test_old_slugs_of_lists import _old_addresses
from tests.factories import ArticleFactory, AuthorFactory, BiasReportFactory, SectionFactory

pytestmark = pytest.mark.django_db


def rename(story, slug):
    story.slug = slug
    story.save()


def moved_to(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 301, (url, response.status_code)
    return response["Location"]


@pytest.fixture
def story():
    return ArticleFactory(headline="QA draft one", slug="qa-draft-one")


def test_the_old_address_and_every_page_under_it_lead_to_the_new_one(client, story):
    report = BiasReportFactory(article=story)
    reference = report.reference
    rename(story, "qa-renamed-one")

    assert moved_to(client, "/articles/qa-draft-one/") == "/articles/qa-renamed-one/"
    assert (moved_to(client, "/articles/qa-draft-one/comments/?page=2&partial=1")
            == "/articles/qa-renamed-one/comments/?page=2&partial=1")
    assert (moved_to(client, "/articles/qa-draft-one/report-bias/")
            == "/articles/qa-renamed-one/report-bias/")
    assert (moved_to(client, f"/articles/qa-draft-one/report-bias/{reference}/?again=1")
            == f"/articles/qa-renamed-one/report-bias/{reference}/?again=1")
    # The query string as sent, parameters no view reads included.
    assert (moved_to(client, "/articles/qa-draft-one/?utm_source=social&x=%C3%A9")
            == "/articles/qa-renamed-one/?utm_source=social&x=%C3%A9")
    page = client.get("/articles/qa-draft-one/", follow=True)
    assert page.status_code == 200 and "QA draft one" in page.content.decode()


def test_the_redirect_is_kept_by_no_shared_cache(client, story):
    rename(story, "qa-renamed-one")
    response = client.get("/articles/qa-draft-one/")
    assert response.status_code == 301
    control = response["Cache-Control"]
    assert "private" in control and "no-cache" in control and "public" not in control


def test_a_form_sent_to_the_old_address_is_sent_again_to_the_new_one(client, story):
    rename(story, "qa-renamed-one")
    response = client.post("/articles/qa-draft-one/report-bias/", {"explanation": "Slanted."})
    assert response.status_code == 308
    assert response["Location"] == "/articles/qa-renamed-one/report-bias/"
    # A comment too: not taken for one sent to a story taken down (QA round 6).
    response = client.post("/articles/qa-draft-one/comments/", {"body": "Good."})
    assert response.status_code == 308
    assert response["Location"] == "/articles/qa-renamed-one/comments/"


@pytest.mark.parametrize("takedown", ["unpublish", "schedule", "delete"])
def test_a_story_taken_down_is_not_found_at_any_of_its_addresses(client, story, takedown):
    rename(story, "qa-renamed-one")
    if takedown == "delete":
        story.delete()
    elif takedown == "unpublish":
        story.status = Article.Status.DRAFT
        story.save()
    else:
        story.published_at = story.published_at.replace(year=story.published_at.year + 1)
        story.save()
    for url in ("/articles/qa-draft-one/", "/articles/qa-draft-one/comments/",
                "/articles/qa-draft-one/report-bias/", "/articles/qa-renamed-one/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "We can’t find that page" in response.content.decode()


def test_a_story_taken_down_renamed_and_published_again_keeps_its_old_links(client, story):
    story.status = Article.Status.DRAFT
    story.save()
    rename(story, "qa-renamed-one")
    assert client.get("/articles/qa-draft-one/").status_code == 404
    story.status = Article.Status.PUBLISHED
    story.save()
    assert moved_to(client, "/articles/qa-draft-one/") == "/articles/qa-renamed-one/"


@pytest.mark.parametrize("state", [{"draft": True}, {"scheduled": True}])
def test_a_slug_never_public_is_not_kept(client, state):
    story = ArticleFactory(slug="working-title", **state)
    rename(story, "final-title")
    story.status = Article.Status.PUBLISHED
    story.published_at = timezone.now() - timedelta(minutes=1)
    story.save()
    assert not OldSlug.objects.exists()
    assert client.get("/articles/working-title/").status_code == 404


def test_a_new_story_on_the_old_slug_wins(client, story):
    rename(story, "qa-renamed-one")
    newcomer = ArticleFactory(headline="A different story", slug="qa-draft-one", draft=True)
    assert not OldSlug.objects.filter(slug="qa-draft-one").exists()
    # While the newcomer is a draft, its address is not found and leads nowhere.
    assert client.get("/articles/qa-draft-one/").status_code == 404
    assert client.get("/articles/qa-draft-one/comments/").status_code == 404
    newcomer.status = Article.Status.PUBLISHED
    newcomer.published_at = story.published_at
    newcomer.save()
    page = client.get("/articles/qa-draft-one/")
    assert page.status_code == 200 and "A different story" in page.content.decode()
    # Deleted, it leaves a 404, not a way to the story that once had the slug.
    newcomer.delete()
    assert client.get("/articles/qa-draft-one/").status_code == 404


def test_an_imported_story_may_not_take_the_old_slug(client, story, tmp_path):
    # Article.clean refuses it, as the admin does: the old links would end there.
    rename(story, "qa-renamed-one")
    SectionFactory(name="World")
    path = tmp_path / "articles.json"
    path.write_text(json.dumps({"articles": [{
        "slug": "qa-draft-one", "headline": "Imported story", "body": "Words.",
        "section": "World", "author": {"name": "Li Wei"},
        "published_at": "2026-02-04T23:06:00Z"}]}), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_articles", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert moved_to(client, "/articles/qa-draft-one/") == "/articles/qa-renamed-one/"
    assert Article.objects.count() == 1


def test_a_chain_of_renames_leads_straight_to_the_current_slug(client, story):
    rename(story, "second-slug")
    rename(story, "third-slug")
    assert moved_to(client, "/articles/qa-draft-one/") == "/articles/third-slug/"
    assert moved_to(client, "/articles/second-slug/") == "/articles/third-slug/"


def test_a_slug_changed_back_leaves_no_loop(client, story):
    rename(story, "qa-renamed-one")
    rename(story, "qa-draft-one")
    assert list(OldSlug.objects.values_list("slug", flat=True)) == ["qa-renamed-one"]
    assert client.get("/articles/qa-draft-one/").status_code == 200
    assert moved_to(client, "/articles/qa-renamed-one/") == "/articles/qa-draft-one/"


def test_a_restored_revision_with_the_old_slug_changes_it_back(client, story):
    original = story.history.get()
    rename(story, "qa-renamed-one")
    original.instance.save()  # built from the revision, not loaded
    assert client.get("/articles/qa-draft-one/").status_code == 200
    assert moved_to(client, "/articles/qa-renamed-one/") == "/articles/qa-draft-one/"


def test_a_slug_changed_in_the_admin_is_kept(client, story):
    client.force_login(staff("Editors", username="editor"))
    response = client.post(change_url(story), article_form(story, slug="qa-renamed-one"))
    assert response.status_code == 302
    client.logout()
    assert moved_to(client, "/articles/qa-draft-one/") == "/articles/qa-renamed-one/"


def test_the_change_page_lists_the_storys_old_addresses_beside_the_slug(client, story):
    client.force_login(staff("Editors", username="editor"))
    assert _old_addresses(client.get(change_url(story)).content.decode()) == (
        "Old addresses: None: this article has left no slug while public.")
    rename(story, "qa-renamed-one")
    rename(story, "qa-renamed-two")
    page = client.get(change_url(story)).content.decode()
    listed = _old_addresses(page).replace("&#x27;", "'")
    assert re.fullmatch(
        r"Old addresses: /articles/qa-renamed-one/ \(left \w{3} \d+, \d{4}\) "
        r"/articles/qa-draft-one/ \(left \w{3} \d+, \d{4}\) Links to these addresses lead "
        r"here\. Another article may not take their slugs; changing this one's slug back to one "
        r"of them takes it back\.", listed), listed
    assert page.index("field-slug") < page.index("field-old_addresses") < page.index("field-dek")
    # The add page has none to show.
    add = client.get("/admin/articles/article/add/")
    assert add.status_code == 200 and "field-old_addresses" not in add.content.decode()


@pytest.mark.parametrize("group", ["Editors", "Moderators"])
def test_a_revisions_page_shows_no_old_addresses_of_today(client, story, group):
    """A revision's page shows the story as it was; the list is of today."""
    revision = story.history.get()
    rename(story, "qa-renamed-one")
    client.force_login(staff(group, username="staffer"))
    response = client.get(f"/admin/articles/article/{story.pk}/history/{revision.history_id}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "qa-draft-one" in html  # the revision's slug
    assert "field-old_addresses" not in html and "/articles/qa-renamed-one/" not in html


def test_a_slug_in_capitals_leads_to_the_story_in_lower_case(client, story):
    assert moved_to(client, "/articles/QA-Draft-One/") == "/articles/qa-draft-one/"
    assert (moved_to(client, "/articles/QA-DRAFT-ONE/comments/?page=1")
            == "/articles/qa-draft-one/comments/?page=1")
    rename(story, "qa-renamed-one")
    assert moved_to(client, "/articles/QA-Draft-One/") == "/articles/qa-renamed-one/"
    assert client.get("/articles/QA-Nothing/").status_code == 404


def test_a_slug_in_capitals_of_a_story_not_public_is_not_found(client):
    ArticleFactory(slug="secret-draft", draft=True)
    assert client.get("/articles/Secret-Draft/").status_code == 404


def test_a_story_whose_slug_has_capitals_is_served_at_it(client):
    ArticleFactory(headline="Shouted", slug="Harbour-Story")
    assert client.get("/articles/Harbour-Story/").status_code == 200


def test_other_pages_not_found_stay_not_found(client, story):
    rename(story, "qa-renamed-one")
    AuthorFactory(slug="qa-draft-one")
    for url in ("/sections/qa-draft-one/", "/tags/qa-draft-one/", "/nothing/qa-draft-one/",
                "/tags/café/", "/tags/BR-\u0663/feed/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "We can’t find that page" in response.content.decode()


def test_old_slugs_cost_the_story_page_no_query(client):
    section, author = SectionFactory(), AuthorFactory()
    counts = []
    for renamed in (False, True):
        story = ArticleFactory(section=section, author=author)
        if renamed:
            rename(story, f"{story.slug}-renamed")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(story.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.usefixtures("page_cache_on")
def test_the_page_cache_keeps_no_redirect_for_a_new_story_to_meet(client, story):
    assert client.get("/articles/qa-draft-one/")["X-Page-Cache"] == "miss"
    assert client.get("/articles/qa-draft-one/")["X-Page-Cache"] == "hit"
    rename(story, "qa-renamed-one")
    assert moved_to(client, "/articles/qa-draft-one/") == "/articles/qa-renamed-one/"
    assert moved_to(client, "/articles/qa-draft-one/") == "/articles/qa-renamed-one/"
    ArticleFactory(headline="A different story", slug="qa-draft-one",
                   published_at=story.published_at)
    page = client.get("/articles/qa-draft-one/")
    assert page.status_code == 200 and "A different story" in page.content.decode()
