"""Tags in any script (articles/tags.py): "Café" and "東京" have pages, "..." is refused.

taggit makes a tag's slug of its name's letters and digits in any script;
the tag routes took ASCII only, so a story tagged "Café" answered 500 and the
tag had no page. And "ölpreis" beside "ÖLPREIS" is one tag on SQLite too.
"""

import importlib
import io
import json
from urllib.parse import unquote

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import resolve, reverse
from taggit.models import Tag

from articles.models import Article
from articles.tags import as_on_site, lookalike
from tests.articles.newsroom import ADD_URL, article_form, change_url, form_errors
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory
from tests.markup import parse_html, parse_xml

pytestmark = pytest.mark.django_db

NAMES = ["Café", "東京", "Москва", "São Paulo", "C++"]


@pytest.mark.parametrize("name", NAMES)
def test_a_tag_in_any_script_has_a_page_its_story_links_to(client, name):
    story = ArticleFactory(tags=[name])
    tag = Tag.objects.get(name=name)

    page = client.get(story.get_absolute_url())

    assert page.status_code == 200
    url = reverse("articles:tag", kwargs={"slug": tag.slug})
    assert url in parse_html(page).hrefs
    assert resolve(unquote(url)).kwargs == {"slug": tag.slug}  # the round trip
    listing = client.get(url)
    assert listing.status_code == 200 and story.headline in listing.content.decode()
    for feed in ("articles:tag-feed", "articles:tag-feed-atom"):
        assert client.get(reverse(feed, kwargs={"slug": tag.slug})).status_code == 200


def test_an_accented_tag_is_on_its_address():
    story = ArticleFactory(tags=["Café"])

    assert story.tags.get().slug == "café"
    assert reverse("articles:tag", kwargs={"slug": "café"}) == "/tags/caf%C3%A9/"


def test_the_tags_sitemap_lists_tags_in_any_script(client, settings):
    settings.SITE_URL = "https://news.example"
    ArticleFactory(tags=["Café", "東京", "Ports"])

    response = client.get("/sitemap-tags.xml")

    assert response.status_code == 200
    locations = [loc.text for loc in parse_xml(response).iter(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert locations == ["https://news.example/tags/caf%C3%A9/",
                         "https://news.example/tags/ports/",
                         "https://news.example/tags/%E6%9D%B1%E4%BA%AC/"]  # by name


# ---------------------------------------------------------------------------
# A name with no letter or digit would have no page: refused


@pytest.mark.parametrize("name", ["...", "🔥", "-", "_"])
def test_the_story_form_refuses_a_tag_with_no_letter_or_digit(client, editor, name):
    story = ArticleFactory(tags=["Ports"])

    response = client.post(change_url(story), article_form(story, tags=f"Ports, {name}"))

    assert response.status_code == 200
    assert (f"A tag needs a letter or a digit, which make the address of its page; "
            f"“{name}” has none.") in form_errors(response)
    assert f'value="Ports, {name}"' in response.content.decode()  # kept as typed
    assert list(story.tags.names()) == ["Ports"]
    assert not Tag.objects.exclude(name="Ports").exists()


def test_the_tag_admin_refuses_a_name_with_no_letter_or_digit(editor):
    response = editor.post("/admin/taggit/tag/add/", {"name": "...", "slug": "dots"})

    assert response.status_code == 200
    assert "A tag needs a letter or a digit" in response.content.decode()
    assert not Tag.objects.exists()


def test_the_tag_admin_stores_a_name_without_its_control_characters(editor):
    """Pasted from a PDF, "Fish\x0cing" was stored as typed, into every page's markup."""
    response = editor.post("/admin/taggit/tag/add/", {"name": "Fish\x0cing\x1b", "slug": "f"})
    assert response.status_code == 302
    assert Tag.objects.get().name == "Fishing"


def _import(folder, tags):
    AuthorFactory(name="Li Wei", slug="li-wei")
    path = folder / "articles.json"
    path.write_text(json.dumps({"articles": [{
        "slug": "a", "headline": "Story a", "body": "Words.", "section": "World",
        "author": "li-wei", "tags": tags}]}), encoding="utf-8")
    call_command("import_articles", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def test_the_import_takes_a_tag_in_any_script(tmp_path, client):
    _import(tmp_path, ["Café", "東京"])

    story = Article.objects.get()
    assert sorted(story.tags.values_list("slug", flat=True)) == ["café", "東京"]
    story.status, story.published_at = "published", story.created_at
    story.save()
    assert client.get(story.get_absolute_url()).status_code == 200


def test_the_import_refuses_a_tag_with_no_letter_or_digit(tmp_path):
    with pytest.raises(CommandError, match="nothing was imported"):
        _import(tmp_path, ["Ports", "..."])

    assert not Tag.objects.exists() and not Article.objects.exists()


def test_existing_tags_with_no_slug_get_one():
    migration = importlib.import_module("articles.migrations.0017_tag_slugs")
    dots = Tag.objects.create(name="...", slug="")
    fire = Tag.objects.create(name="🔥", slug="tag-x")
    Tag.objects.create(name="Café", slug="café")
    story = ArticleFactory()
    story.tags.add(dots)
    Tag.objects.filter(pk=fire.pk).update(slug="a b")  # made in the shell

    migration.give_every_tag_a_slug(apps, None)

    assert dict(Tag.objects.values_list("name", "slug")) == {
        "...": f"tag-{dots.pk}", "🔥": f"tag-{fire.pk}", "Café": "café"}
    assert list(story.tags.all()) == [dots]  # the story keeps its tag


# ---------------------------------------------------------------------------
# One tag in any case, in every script


def test_a_name_is_the_sites_tag_in_any_case_beyond_ascii():
    Tag.objects.create(name="ÖLPREIS", slug="ölpreis")
    Tag.objects.create(name="Straße", slug="straße")
    Tag.objects.create(name="Kestmark", slug="kestmark")
    Tag.objects.create(name="Café", slug="café")

    assert as_on_site(["ölpreis", "STRASSE", "KESTMARK", "Новое"]) == [
        "ÖLPREIS", "Straße", "Kestmark", "Новое"]
    assert as_on_site(["новое", "НОВОЕ"]) == ["новое"]
    assert lookalike("Ölpreis").name == "ÖLPREIS"
    assert lookalike("strasse").name == "Straße"
    assert lookalike("CAFE\u0301").name == "Café"  # an accent typed as its own mark


def test_the_story_form_uses_the_sites_tag_in_any_case_beyond_ascii(client, editor):
    oil = Tag.objects.create(name="ÖLPREIS", slug="ölpreis")
    data = article_form(headline="Oil", slug="oil", body="Words.", section=SectionFactory(),
                        author=AuthorFactory(), tags="ölpreis")

    response = client.post(ADD_URL, data)

    assert response.status_code == 302, form_errors(response)
    assert list(Article.objects.get().tags.all()) == [oil]
    assert Tag.objects.count() == 1


def test_the_tag_admin_refuses_a_name_another_tag_has_in_another_case_beyond_ascii(editor):
    Tag.objects.create(name="ÖLPREIS", slug="ölpreis")

    response = editor.post("/admin/taggit/tag/add/", {"name": "ölpreis", "slug": "olpreis"})

    assert response.status_code == 200
    assert "There is already a tag “ÖLPREIS”" in response.content.decode()
    assert Tag.objects.count() == 1


def test_the_import_uses_the_sites_tag_in_any_case_beyond_ascii(tmp_path):
    oil = Tag.objects.create(name="ÖLPREIS", slug="ölpreis")

    _import(tmp_path, ["ölpreis"])

    assert list(Article.objects.get().tags.all()) == [oil]
    assert Tag.objects.count() == 1


def test_control_characters_typed_with_a_tag_are_dropped(client, editor):
    data = article_form(headline="Oil", slug="oil", body="Words.", section=SectionFactory(),
                        author=AuthorFactory(), tags="Caf\x1bé, \x7fPorts\ufffe")

    response = client.post(ADD_URL, data)

    assert response.status_code == 302, form_errors(response)
    assert sorted(Article.objects.get().tags.names()) == ["Café", "Ports"]

