"""Tags as the newsroom types them (articles/tags.py): commas between tags, one tag in any case.

The story form, the import and the tag admin read and match a tag the same
way: "New York" typed alone is one tag, and "kestmark" is the site's "Kestmark".
"""

import html
import io
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from taggit.models import Tag, TaggedItem
from taggit.utils import parse_tags

from articles.admin import ArticleAdminForm
from articles.models import Article
from tests.articles.newsroom import ADD_URL, article_form, change_url, form_errors, staff
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = pytest.mark.django_db

TAG_ADD_URL = "/admin/taggit/tag/add/"


def tag_change_url(tag):
    return f"/admin/taggit/tag/{tag.pk}/change/"


# ---------------------------------------------------------------------------
# The story form's tags field


@pytest.mark.parametrize("typed, names", [
    ("New York", ["New York"]),
    ("  Sallow Valley  ", ["Sallow Valley"]),
    ("Harbours, New York, Chamber of Deputies", ["Chamber of Deputies", "Harbours", "New York"]),
    (" Harbours ,, New York , ", ["Harbours", "New York"]),
    ('"Oil, gas", New York', ["New York", "Oil, gas"]),
    ('"Oil, gas" New York', ["New York", "Oil, gas"]),
    ('"New York"', ["New York"]),
    ('Harbours, "Oil, gas', ["Harbours", "Oil", "gas"]),  # a quote left open quotes nothing
    ("", []),
    # One tag in any case, spelled as first typed (it was the spelling that sorted first).
    ("zeta Word, Zeta word", ["zeta Word"]),
    ("Öl preis, ÖL PREIS", ["Öl preis"]),
], ids=["several words alone", "trimmed", "several with commas", "empty ones dropped",
        "quoted comma", "quoted beside words", "quoted alone", "open quote", "nothing",
        "repeated in another case", "repeated in capitals beyond ASCII"])
def test_the_story_forms_tags_field_splits_on_commas_only(typed, names):
    assert ArticleAdminForm().fields["tags"].clean(typed) == names
    assert parse_tags(typed) == names  # taggit's own callers (revisions) read it the same way


def test_a_tag_of_several_words_typed_alone_is_one_tag(client, editor):
    data = article_form(headline="Ferries resume", slug="ferries", body="Words.",
                        section=SectionFactory(), author=AuthorFactory(), tags="New York")

    response = client.post(ADD_URL, data)

    assert response.status_code == 302, form_errors(response)
    assert list(Article.objects.get().tags.names()) == ["New York"]
    assert list(Tag.objects.values_list("name", "slug")) == [("New York", "new-york")]


def test_several_tags_with_commas_and_quotes(client, editor):
    data = article_form(headline="Ferries resume", slug="ferries", body="Words.",
                        section=SectionFactory(), author=AuthorFactory(),
                        tags='New York, "Oil, gas" Sallow Valley')

    response = client.post(ADD_URL, data)

    assert response.status_code == 302, form_errors(response)
    assert sorted(Article.objects.get().tags.names()) == ["New York", "Oil, gas",
                                                          "Sallow Valley"]


def test_the_fields_initial_value_reads_back_as_the_same_tags(client, editor):
    story = ArticleFactory(tags=["New York", "Harbours"])

    page = client.get(change_url(story))
    shown = html.unescape(re.search(r'name="tags" value="([^"]*)"',
                                    page.content.decode()).group(1))
    form = page.context["adminform"].form

    assert shown == '"New York", Harbours'
    assert form.fields["tags"].clean(shown) == ["Harbours", "New York"]
    assert not form.fields["tags"].has_changed(form.initial["tags"], shown)
    # Saved as shown, with another change, the story keeps its two tags.
    response = client.post(change_url(story), article_form(story, tags=shown, dek="New dek."))
    assert response.status_code == 302, form_errors(response)
    assert sorted(story.tags.names()) == ["Harbours", "New York"]
    # The revision keeps them in the same form, and restoring reads them back.
    assert parse_tags(story.history.first().tag_names) == ["Harbours", "New York"]


# ---------------------------------------------------------------------------
# The import


def import_articles(folder, articles):
    path = folder / "articles.json"
    path.write_text(json.dumps({"articles": articles}), encoding="utf-8")
    call_command("import_articles", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def article(slug, tags):
    return {"slug": slug, "headline": f"Story {slug}", "body": "Words.", "section": "World",
            "author": "li-wei", "tags": tags}


@pytest.fixture
def kestmark():
    AuthorFactory(name="Li Wei", slug="li-wei")
    return Tag.objects.create(name="Kestmark", slug="kestmark")


def test_the_import_uses_the_sites_tag_in_any_case(tmp_path, kestmark):
    import_articles(tmp_path, [article("a", ["kestmark", "Sallow Valley"]),
                               article("b", ["KESTMARK", "sallow valley"])])

    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Kestmark", "Sallow Valley"]
    for slug in ("a", "b"):
        assert sorted(Article.objects.get(slug=slug).tags.names()) == ["Kestmark",
                                                                       "Sallow Valley"]
    assert TaggedItem.objects.filter(tag=kestmark).count() == 2


def test_an_import_that_fails_while_writing_leaves_no_tag(tmp_path, kestmark, monkeypatch):
    real_save = Article.save

    def fail_at_b(self, *args, **kwargs):
        if self.slug == "b":
            raise OSError("No space left on device")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Article, "save", fail_at_b)
    with pytest.raises(CommandError, match="nothing was imported"):
        import_articles(tmp_path, [article("a", ["kestmark", "Brand New"]),
                                   article("b", ["KESTMARK"])])

    assert list(Tag.objects.values_list("name", flat=True)) == ["Kestmark"]
    assert not TaggedItem.objects.exists() and not Article.objects.exists()


def test_the_import_refuses_a_tag_the_story_form_could_not_show(tmp_path, kestmark):
    err = io.StringIO()
    path = tmp_path / "articles.json"
    path.write_text(json.dumps({"articles": [article("a", ["Kestmark", 'Say "no"'])]}))

    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_articles", str(path), stdout=io.StringIO(), stderr=err)

    assert err.getvalue().splitlines() == [
        'article 1 (slug "a"): field "tags[1]": must not hold a double quote (")']
    assert list(Tag.objects.values_list("name", flat=True)) == ["Kestmark"]


# ---------------------------------------------------------------------------
# The tag admin


def test_the_tag_admin_refuses_a_name_another_tag_has_in_another_case(editor):
    trade = Tag.objects.create(name="Trade", slug="trade")

    response = editor.post(TAG_ADD_URL, {"name": "TRADE", "slug": "trade-2"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is already a tag “Trade”" in page and "Use that tag instead." in page
    assert re.search(r'<input type="text" name="name" value="TRADE"', page)
    assert list(Tag.objects.values_list("name", flat=True)) == ["Trade"]

    # Renamed to "trade", another tag is refused too, with the merge suggested.
    ports = Tag.objects.create(name="Ports", slug="ports")
    response = editor.post(tag_change_url(ports), {"name": "trade", "slug": "ports"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is already a tag “Trade”" in page and "Merge selected tags" in page
    ports.refresh_from_db()
    assert ports.name == "Ports"

    # A tag may change its own case.
    response = editor.post(tag_change_url(trade), {"name": "TRADE", "slug": "trade"})
    assert response.status_code == 302
    trade.refresh_from_db()
    assert trade.name == "TRADE"


def test_the_tag_admin_refuses_a_double_quote(editor):
    response = editor.post(TAG_ADD_URL, {"name": 'Say "no"', "slug": "say-no"})

    assert response.status_code == 200
    assert "A tag cannot hold a double quote" in response.content.decode()
    assert not Tag.objects.exists()


def test_a_tag_longer_than_a_tag_can_be_is_a_form_error_not_a_crash(client):
    """The tags field takes any length; PostgreSQL refused a longer name with an error page."""
    client.force_login(staff("Editors", username="long-tags"))
    article = ArticleFactory()
    name = "Harbour " * 13  # 104 characters
    response = client.post(change_url(article), article_form(article, tags=f'"{name.strip()}"'))
    assert response.status_code == 200
    assert "A tag can be at most 100 characters" in form_errors(response)
    assert not Tag.objects.filter(name__startswith="Harbour Harbour").exists()
