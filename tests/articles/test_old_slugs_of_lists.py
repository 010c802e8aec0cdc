"""Sections', authors' and tags' old slugs (QA round 7): renamed in the admin, a section
or an author kept no old address, nor a tag renamed or merged into another, and every
link to its page and feeds (other sites', the newsletter's, feed readers') went to a
404. Now they lead on, as a story's do (core.oldslugs; the 404 handler,
articles.views.page_not_found)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, OldSectionSlug, OldTagSlug, Section
from authors.models import OldAuthorSlug
from tests.articles.newsroom import staff
from tests.articles.test_import import copy_dir, refused_lines, story  # noqa: F401 (a fixture)
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = pytest.mark.django_db

TAGS = "/admin/taggit/tag/"
MERGE = "/admin/taggit/tag/merge-tags/"


def rename(owner, slug):
    owner.slug = slug
    owner.save()


def moved_to(client, url):
    response = client.get(url)
    assert response.status_code == 301, (url, response.status_code)
    control = response["Cache-Control"]  # purged by nothing: no shared cache keeps it
    assert "private" in control and "no-cache" in control
    return response["Location"]


@pytest.fixture
def section():
    section = SectionFactory(name="Harbour News", slug="harbour")
    ArticleFactory(section=section, headline="Ferries resume")
    return section


@pytest.fixture
def author():
    author = AuthorFactory(name="Mira Kovac", slug="mira")
    ArticleFactory(author=author, headline="Ferries resume")
    return author


def test_a_sections_old_address_and_its_feeds_lead_to_the_new_ones(client, section):
    rename(section, "port")
    assert moved_to(client, "/sections/harbour/") == "/sections/port/"
    assert moved_to(client, "/sections/harbour/?page=1&utm_source=x") == \
        "/sections/port/?page=1&utm_source=x"
    assert moved_to(client, "/sections/harbour/feed/") == "/sections/port/feed/"
    assert moved_to(client, "/sections/harbour/feed/atom/") == "/sections/port/feed/atom/"
    page = client.get("/sections/harbour/", follow=True)
    assert page.status_code == 200 and "Ferries resume" in page.content.decode()


def test_an_authors_old_address_and_its_feeds_lead_to_the_new_ones(client, author):
    rename(author, "mira-kovac")
    assert moved_to(client, "/authors/mira/") == "/authors/mira-kovac/"
    assert moved_to(client, "/authors/mira/feed/") == "/authors/mira-kovac/feed/"
    assert client.get("/authors/mira/", follow=True).status_code == 200


def test_an_address_in_capitals_leads_to_the_one_in_lower_case(client, section, author):
    assert moved_to(client, "/sections/Harbour/") == "/sections/harbour/"
    assert moved_to(client, "/authors/MIRA/feed/") == "/authors/mira/feed/"


def test_renamed_twice_the_first_address_leads_straight_to_the_last(client, section):
    rename(section, "port")
    rename(section, "waterfront")
    assert moved_to(client, "/sections/harbour/") == "/sections/waterfront/"
    assert moved_to(client, "/sections/port/") == "/sections/waterfront/"


def test_renamed_back_the_slug_is_its_own_again_with_no_loop(client, section):
    rename(section, "port")
    rename(section, "harbour")
    assert client.get("/sections/harbour/").status_code == 200
    assert moved_to(client, "/sections/port/") == "/sections/harbour/"
    assert list(OldSectionSlug.objects.values_list("slug", flat=True)) == ["port"]


def test_a_section_that_takes_an_old_slug_answers_for_it(client, section):
    """Saved without clean() (a script): the section with the slug wins."""
    rename(section, "port")
    SectionFactory(name="Harbour Life", slug="harbour")
    response = client.get("/sections/harbour/")
    assert response.status_code == 200 and "Harbour Life" in response.content.decode()


def test_a_deleted_authors_old_address_is_not_found(client):
    author = AuthorFactory(name="Jon Ade", slug="jon")
    rename(author, "jon-ade")
    author.delete()
    assert not OldAuthorSlug.objects.exists()
    assert client.get("/authors/jon/").status_code == 404
    assert client.get("/authors/nobody/").status_code == 404


def test_a_slug_not_renamed_keeps_no_old_slug(section, author):
    section.name = "Harbour and Port News"
    section.save()
    author.title = "Ports correspondent"
    author.save(update_fields=["title"])
    assert not OldSectionSlug.objects.exists() and not OldAuthorSlug.objects.exists()


# In the admin ---------------------------------------------------------------------


def section_form(section, **changes):
    return {"name": section.name, "slug": section.slug, "position": section.position,
            "edit_version": "", **changes}


def test_the_admin_keeps_the_old_slug_it_renames(client, section):
    client.force_login(staff("Editors", username="editor"))
    page = client.get(f"/admin/articles/section/{section.pk}/change/").content.decode()
    data = section_form(section, slug="port")
    data["edit_version"] = _edit_version(page)
    response = client.post(f"/admin/articles/section/{section.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Section.objects.get(pk=section.pk).slug == "port"
    assert moved_to(client, "/sections/harbour/") == "/sections/port/"


def test_the_admin_refuses_another_section_an_old_address(client, section):
    rename(section, "port")
    client.force_login(staff("Editors", username="editor"))
    data = {"name": "Harbour Life", "slug": "harbour", "position": 9}
    response = client.post("/admin/articles/section/add/", data)
    assert response.status_code == 200
    assert ("The address /sections/harbour/ still leads to “Harbour News”, which had this "
            "slug before it was renamed: taking it would end that link for good. Choose "
            "another slug.") in response.content.decode().replace("&#x27;", "'")
    assert 'value="Harbour Life"' in response.content.decode()  # what was typed is kept
    assert not Section.objects.filter(name="Harbour Life").exists()


def test_an_author_may_not_take_another_authors_old_address(author):
    rename(author, "mira-kovac")
    other = AuthorFactory(name="Mira Kovacs", slug="mira-k")
    other.slug = "mira"
    with pytest.raises(ValidationError) as refused:
        other.full_clean()
    assert "The address /authors/mira/ still leads to “Mira Kovac”" in str(refused.value)
    # Its own old slug, an author may take back.
    author.slug = "mira"
    author.full_clean()


def _edit_version(page):
    found = re.search(r'name="edit_version" value="([^"]*)"', page)
    return found.group(1) if found else ""


# Tags: renamed or merged in the tags' admin ----------------------------------------


@pytest.fixture
def editor(client):
    client.force_login(staff("Editors", username="editor"))
    return client


def merge(client, names, into):
    ids = list(Tag.objects.filter(name__in=names).values_list("pk", flat=True))
    response = client.post(MERGE, {"into": into, "tags": ids})
    assert response.status_code == 302, response.content.decode()[:3000]


def test_merged_tags_addresses_and_feeds_lead_to_the_tag_they_went_into(editor):
    ArticleFactory(headline="Harbour reopens", tags=["Ports", "Harbours", "Café"])
    merge(editor, ["Ports", "Harbours", "Café"], "Waterfront")
    assert moved_to(editor, "/tags/ports/") == "/tags/waterfront/"
    assert moved_to(editor, "/tags/harbours/feed/?x=1") == "/tags/waterfront/feed/?x=1"
    assert moved_to(editor, "/tags/caf%C3%A9/") == "/tags/waterfront/"
    assert moved_to(editor, "/tags/Ports/") == "/tags/waterfront/"
    page = editor.get("/tags/ports/", follow=True)
    assert page.status_code == 200 and "Harbour reopens" in page.content.decode()


def test_merged_again_the_first_tags_address_leads_to_the_last(editor):
    ArticleFactory(headline="Harbour reopens", tags=["Ports", "Harbours"])
    merge(editor, ["Ports", "Harbours"], "Harbours")  # into one of them
    assert editor.get("/tags/harbours/").status_code == 200
    assert moved_to(editor, "/tags/ports/") == "/tags/harbours/"
    ArticleFactory(headline="Quay closes", tags=["Quays"])
    merge(editor, ["Harbours", "Quays"], "Waterfront")
    assert moved_to(editor, "/tags/ports/") == "/tags/waterfront/"
    assert moved_to(editor, "/tags/harbours/") == "/tags/waterfront/"
    assert sorted(OldTagSlug.objects.values_list("slug", flat=True)) == [
        "harbours", "ports", "quays"]


def test_a_tags_slug_renamed_leads_on_and_a_tag_taking_it_back_answers(editor):
    ArticleFactory(headline="Harbour reopens", tags=["Ports"])
    tag = Tag.objects.get(name="Ports")
    response = editor.post(f"{TAGS}{tag.pk}/change/", {"name": "Ports", "slug": "seaports"})
    assert response.status_code == 302
    assert moved_to(editor, "/tags/ports/") == "/tags/seaports/"
    # A story tagged "Ports" again makes a tag of that slug: it answers for itself.
    ArticleFactory(headline="Quay closes", tags=["ports"])
    assert Tag.objects.filter(slug="ports").exists()
    response = editor.get("/tags/ports/")
    assert response.status_code == 200 and "Quay closes" in response.content.decode()


def test_a_deleted_tags_addresses_are_not_found(editor):
    ArticleFactory(headline="Harbour reopens", tags=["Ports", "Harbours"])
    merge(editor, ["Ports", "Harbours"], "Waterfront")
    Tag.objects.get(name="Waterfront").delete()
    assert not OldTagSlug.objects.exists()
    assert editor.get("/tags/ports/").status_code == 404


def test_the_merge_page_says_where_the_removed_tags_links_will_lead(editor):
    ArticleFactory(headline="Harbour reopens", tags=["Ports", "Harbours"])
    page = " ".join(editor.post(TAGS, {"action": "render_tag_form", "_selected_action": list(
        Tag.objects.values_list("pk", flat=True))}).content.decode().split())
    assert ("Links to a removed tag’s page and feeds lead to the tag you name.") in page


@pytest.mark.usefixtures("page_cache_on")
def test_a_page_cached_at_the_old_address_is_not_served_once_renamed(client, section, author):
    for url in ("/sections/harbour/", "/authors/mira/"):
        assert client.get(url).status_code == 200
        assert client.get(url)["X-Page-Cache"] == "hit"
    rename(section, "port")
    rename(author, "mira-kovac")
    assert moved_to(client, "/sections/harbour/") == "/sections/port/"
    assert moved_to(client, "/authors/mira/") == "/authors/mira-kovac/"


def test_an_import_naming_an_authors_old_slug_is_told_the_new_one(settings, copy_dir, author):
    rename(author, "mira-kovac")
    lines = refused_lines(settings, copy_dir, {"articles": [story(author="mira")]})
    assert ('article 1 (slug "harbour-story"): field "author": no author with slug "mira": '
            'the author was renamed, and their slug is "mira-kovac" now') in lines


def _old_addresses(page):
    """The text of the change page's "old addresses" row, tags removed."""
    row = re.search(r'<div class="[^"]*field-old_addresses[^"]*">(.*?)</div>\s*</div>', page, re.S)
    assert row, "no old addresses row"
    return " ".join(re.sub(r"<[^>]+>", " ", row.group(1)).split())


def test_the_change_page_lists_the_old_addresses_that_lead_there(client, section):
    client.force_login(staff("Editors", username="editor"))
    change = f"/admin/articles/section/{section.pk}/change/"
    assert _old_addresses(client.get(change).content.decode()) == (
        "Old addresses: None: this section has had no other slug since it was first saved.")
    rename(section, "port")
    rename(section, "waterfront")
    listed = _old_addresses(client.get(change).content.decode())
    assert re.fullmatch(
        r"Old addresses: /sections/port/ \(left \w{3} \d+, \d{4}\) /sections/harbour/ \(left "
        r"\w{3} \d+, \d{4}\) Links to these addresses lead here\. Another section may not take "
        r"their slugs; changing this one's slug back to one of them takes it back\.",
        listed.replace("&#x27;", "'")), listed
    # The add page has none to show.
    assert "old-addresses" not in client.get("/admin/articles/section/add/").content.decode()


def test_an_authors_change_page_lists_them_beside_the_slug(client, author):
    client.force_login(staff("Editors", username="editor"))
    rename(author, "mira-kovac")
    page = client.get(f"/admin/authors/author/{author.pk}/change/").content.decode()
    assert "/authors/mira/" in _old_addresses(page)
    assert page.index("field-slug") < page.index("field-old_addresses") < page.index("field-title")
    add = client.get("/admin/authors/author/add/")
    assert add.status_code == 200 and "old-addresses" not in add.content.decode()


def test_a_tag_on_drafts_alone_is_not_found_in_capitals_or_by_an_old_slug(editor):
    """A redirect to a tag's page would tell its name while no public story has it (an
    embargoed subject); TagView answers 404 for it, and so do the addresses leading on."""
    draft = ArticleFactory(headline="Minister to resign", tags=["Budget"],
                           status=Article.Status.DRAFT, published_at=None)
    tag = Tag.objects.get(name="Budget")
    response = editor.post(f"{TAGS}{tag.pk}/change/", {"name": "Budget", "slug": "budget-cuts"})
    assert response.status_code == 302
    for url in ("/tags/budget-cuts/", "/tags/Budget-Cuts/", "/tags/BUDGET-CUTS/feed/",
                "/tags/budget/", "/tags/budget/feed/atom/"):
        assert editor.get(url).status_code == 404, url
    draft.status, draft.published_at = Article.Status.PUBLISHED, timezone.now()
    draft.save()
    assert moved_to(editor, "/tags/Budget-Cuts/") == "/tags/budget-cuts/"
    assert moved_to(editor, "/tags/budget/feed/atom/") == "/tags/budget-cuts/feed/atom/"
