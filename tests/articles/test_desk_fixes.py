"""What QA found on the editors' desk: restoring a deleted story, picks that go public later,
long deks in link previews, the 404's address, picks made twice, tiny heroes, slugs in
another case."""

import io
import json
import re
from collections import OrderedDict
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from articles.models import Article, RelatedArticle
from core import pagecache
from tests.articles.newsroom import (ADD_URL, article_form, change_url, form_errors, history_url,
                                     staff)
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, image_file
from tests.markup import parse_html

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=dt_timezone.utc)


@pytest.fixture
def editor(client):
    client.force_login(staff("Editors", username="editor"))
    return client


def _revision_form(client, url):
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = article_form(form.instance, tags=form.initial["tags"])
    return page, form, {**data, "_save": "Revert", "_edit_version": form.edit_version}


class TestRestoringADeletedStory:
    def test_its_revision_restores_it_with_its_tags(self, editor):
        article = ArticleFactory(headline="Ferry strike ends", tags=["Ports"])
        pk = article.pk
        assert editor.post(f"/admin/articles/article/{pk}/delete/",
                           {"post": "yes"}).status_code == 302
        assert not Article.objects.filter(pk=pk).exists()
        assert editor.get(history_url(article)).status_code == 200
        created = article.history.get(history_type="+")

        page, form, data = _revision_form(editor, f"{history_url(article)}{created.pk}/")
        assert "This story was deleted." in page.content.decode()
        response = editor.post(f"{history_url(article)}{created.pk}/", data)

        assert response.status_code == 302
        restored = Article.objects.get(pk=pk)
        assert restored.headline == "Ferry strike ends"
        assert list(restored.tags.names()) == ["Ports"]
        assert restored.history.first().history_user.username == "editor"

    def test_an_image_deleted_with_it_is_asked_for_again(self, editor,
                                                          django_capture_on_commit_callbacks):
        article = ArticleFactory(headline="Ferry strike ends", with_image=True)
        name = article.image.name
        with django_capture_on_commit_callbacks(execute=True):
            editor.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
        assert not article.image.storage.exists(name)
        created = article.history.get(history_type="+")
        url = f"{history_url(article)}{created.pk}/"

        _, _, data = _revision_form(editor, url)
        refused = editor.post(url, data)
        assert refused.status_code == 200
        form = refused.context["adminform"].form
        assert "This image’s file is no longer stored." in str(form.errors["image"])
        assert form["headline"].value() == "Ferry strike ends"

        assert editor.post(url, {**data, "image-clear": "on"}).status_code == 302
        restored = Article.objects.get(pk=article.pk)
        assert restored.headline == "Ferry strike ends" and not restored.image

    def test_a_story_restored_meanwhile_is_a_conflict(self, editor, client):
        """The form opened on the deleted story is refused over the story restored since."""
        article = ArticleFactory(headline="Ferry strike ends")
        editor.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
        created = article.history.get(history_type="+")
        url = f"{history_url(article)}{created.pk}/"
        _, _, first = _revision_form(editor, url)
        _, _, second = _revision_form(editor, url)
        assert editor.post(url, {**first, "headline": "Restored first"}).status_code == 302

        refused = editor.post(url, {**second, "headline": "Restored second"})
        assert refused.status_code == 200
        assert "Someone else saved this article after you opened it" in str(
            refused.context["adminform"].form.non_field_errors())
        assert Article.objects.get(pk=article.pk).headline == "Restored first"


# Picks that go public later: the picking story's page is cached for anonymous readers.

@pytest.fixture
def picked(page_cache_on):
    """Published story A picks draft story B; A's page is in the page cache."""
    with time_machine.travel(T0, tick=False):
        section, author = SectionFactory(), AuthorFactory()
        a = ArticleFactory(headline="Harbour reopens", slug="a", section=section, author=author,
                           published_at=T0 - timedelta(days=1))
        b = ArticleFactory(headline="Ferry fares rise", slug="b", section=section,
                           author=author, draft=True)
        RelatedArticle.objects.create(from_article=a, to_article=b, position=1)
    return a, b


def _page_a(client):
    response = client.get("/articles/a/")
    assert response.status_code == 200
    return response


def _cached_without_b(client):
    with time_machine.travel(T0 + timedelta(seconds=10), tick=False):
        assert "Ferry fares rise" not in _page_a(client).content.decode()
        assert _page_a(client)["X-Page-Cache"] == "hit"


class TestAPickThatGoesPublic:
    def test_published_it_shows_on_the_picking_story(self, client, picked):
        _, b = picked
        _cached_without_b(client)
        with time_machine.travel(T0 + timedelta(seconds=20), tick=False):
            b.status = Article.Status.PUBLISHED
            b.published_at = T0 + timedelta(seconds=20)
            b.save()
            response = _page_a(client)
        assert response["X-Page-Cache"] != "hit"
        assert "Ferry fares rise" in response.content.decode()

    def test_scheduled_it_shows_once_its_time_comes(self, client, picked):
        _, b = picked
        with time_machine.travel(T0, tick=False):
            b.status, b.published_at = Article.Status.PUBLISHED, T0 + timedelta(minutes=5)
            b.save()
        _cached_without_b(client)
        with time_machine.travel(T0 + timedelta(minutes=5, seconds=1), tick=False):
            response = _page_a(client)
        assert response["X-Page-Cache"] != "hit"
        assert "Ferry fares rise" in response.content.decode()

    def test_every_process_drops_its_copy(self, client, picked, monkeypatch):
        """Each process keeps pages and fragments of its own (pagecache._local).

        Before, a process that rendered A anew after B was published (the
        shared copies of A's page and of its "story" fragment, which holds the
        Related Articles, gone: expired, or culled from the file cache) showed
        B, while another kept serving its own copy without B as a hit: readers
        got one or the other, as their requests reached one process or the other.
        """
        _, b = picked
        first, second = OrderedDict(), OrderedDict()
        with time_machine.travel(T0 + timedelta(seconds=10), tick=False):
            monkeypatch.setattr(pagecache, "_local", first)
            _page_a(client)
        with time_machine.travel(T0 + timedelta(seconds=20), tick=False):
            b.status, b.published_at = Article.Status.PUBLISHED, T0 + timedelta(seconds=20)
            b.save()
        with time_machine.travel(T0 + timedelta(seconds=21), tick=False):
            shared = [key for key in first if key.startswith(("pagecache:", "fragment:"))]
            cache.delete_many(shared)
            monkeypatch.setattr(pagecache, "_local", second)
            assert "Ferry fares rise" in _page_a(client).content.decode()
            monkeypatch.setattr(pagecache, "_local", first)
            response = _page_a(client)
        assert response["X-Page-Cache"] != "hit"
        assert "Ferry fares rise" in response.content.decode()

    def test_its_unpublishing_and_new_headline_reach_the_picking_story(self, client, picked):
        """Covered before: A's page shows B's card, and is tagged with B, while B is public."""
        _, b = picked
        with time_machine.travel(T0, tick=False):
            b.status, b.published_at = Article.Status.PUBLISHED, T0
            b.save()
        with time_machine.travel(T0 + timedelta(seconds=10), tick=False):
            assert "Ferry fares rise" in _page_a(client).content.decode()
        with time_machine.travel(T0 + timedelta(seconds=20), tick=False):
            b.headline = "Ferry fares rise again"
            b.save()
            assert "Ferry fares rise again" in _page_a(client).content.decode()
        with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
            b.status = Article.Status.DRAFT
            b.save()
            assert "Ferry fares rise" not in _page_a(client).content.decode()

    def test_a_new_story_asks_for_no_pickers(self, picked):
        """A story published as it is made has no pickers: its save asks for none."""
        a, _ = picked
        with CaptureQueriesContext(connection) as queries:
            ArticleFactory(section=a.section, author=a.author)
        assert not any("relatedarticle" in query["sql"] for query in queries.captured_queries)


class TestLongDeks:
    def test_descriptions_are_cut(self, client):
        words = "The harbour authority said ferries would run again from Monday. "
        story = ArticleFactory(dek=words * 300)  # about 20,000 characters
        page = parse_html(client.get(story.get_absolute_url()))
        for key in ("description", "og:description", "twitter:description"):
            description = page.meta[key]
            assert len(description) <= 300, key
            assert description.startswith("The harbour authority said ferries"), key
            assert description.endswith("…"), key

    def test_a_short_dek_is_whole(self, client):
        story = ArticleFactory(dek="Ferries run again from Monday.")
        page = parse_html(client.get(story.get_absolute_url()))
        for key in ("description", "og:description", "twitter:description"):
            assert page.meta[key] == "Ferries run again from Monday.", key

    def test_the_structured_data_is_cut_the_same_way(self, client):
        words = "The harbour authority said ferries would run again from Monday. "
        story = ArticleFactory(dek=words * 300)
        html = client.get(story.get_absolute_url()).content.decode()
        data = json.loads(re.search(
            r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1])
        [article] = [item for item in (data if isinstance(data, list) else [data])
                     if item.get("@type") == "NewsArticle"]
        assert len(article["description"]) <= 300
        assert article["description"].startswith("The harbour authority said ferries")

    def test_a_dek_of_one_long_word_is_cut_too(self, client):
        story = ArticleFactory(dek="x" * 20_000)
        page = parse_html(client.get(story.get_absolute_url()))
        for key in ("description", "og:description", "twitter:description"):
            assert len(page.meta[key]) == 300, key


def test_the_404_page_names_no_address_of_its_own(client):
    response = client.get("/articles/no-such-story/")
    assert response.status_code == 404
    page = parse_html(response)
    assert "og:url" not in page.meta
    assert page.meta["og:title"] and page.meta["robots"] == "noindex"
    assert 'rel="canonical"' not in response.content.decode()


def test_a_preview_says_private_once(client, editor):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    directives = [part.strip() for part in response["Cache-Control"].split(",")]
    assert directives.count("private") == 1 and "no-store" in directives


def _related_rows(*stories, prefix="related_links"):
    data = {f"{prefix}-TOTAL_FORMS": str(len(stories)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, story in enumerate(stories):
        data |= {f"{prefix}-{index}-to_article": story.pk, f"{prefix}-{index}-position": index}
    return data


class TestPickedTwice:
    def test_plain_message_and_rows_kept(self, editor):
        story = ArticleFactory(headline="Harbour reopens")
        pick, other = ArticleFactory(headline="Ferry fares rise"), ArticleFactory()
        response = editor.post(change_url(story), {**article_form(story),
                                                   **_related_rows(pick, other, pick)})
        assert response.status_code == 200
        errors = form_errors(response)
        assert "“Ferry fares rise” is picked twice; pick each related story once." in errors
        assert "duplicate data" not in response.content.decode()
        [inline] = [formset for formset in response.context["inline_admin_formsets"]
                    if formset.formset.prefix == "related_links"]
        assert [form["to_article"].value() for form in inline.formset.forms] == [
            str(pick.pk), str(other.pk), str(pick.pk)]
        assert not RelatedArticle.objects.exists()

    def test_a_pick_already_saved_and_picked_again(self, editor):
        story = ArticleFactory()
        pick = ArticleFactory(headline="Ferry fares rise")
        saved = RelatedArticle.objects.create(from_article=story, to_article=pick)
        data = {**article_form(story), **_related_rows(pick, pick)}
        data |= {"related_links-INITIAL_FORMS": "1", "related_links-0-id": saved.pk,
                 "related_links-0-from_article": story.pk}
        response = editor.post(change_url(story), data)
        assert response.status_code == 200
        assert "“Ferry fares rise” is picked twice" in form_errors(response)
        assert "duplicate" not in response.content.decode()

    def test_a_saved_pick_removed_and_picked_again_below(self, editor):
        story = ArticleFactory()
        pick = ArticleFactory(headline="Ferry fares rise")
        saved = RelatedArticle.objects.create(from_article=story, to_article=pick, position=0)
        data = {**article_form(story), **_related_rows(pick, pick)}
        data |= {"related_links-INITIAL_FORMS": "1", "related_links-0-id": saved.pk,
                 "related_links-0-from_article": story.pk, "related_links-0-DELETE": "on",
                 "related_links-1-position": 5}
        response = editor.post(change_url(story), data)
        assert response.status_code == 302, form_errors(response)
        [kept] = RelatedArticle.objects.all()
        assert (kept.to_article, kept.position) == (pick, 5)


def _png(size):
    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 90, 140)).save(buffer, "PNG")
    return SimpleUploadedFile("hero.png", buffer.getvalue(), content_type="image/png")


class TestTinyHeroes:
    def _post(self, client, image):
        return client.post(ADD_URL, article_form(
            headline="A story", slug="a-story", body="Words.", section=SectionFactory(),
            author=AuthorFactory(), image=image, image_alt="The harbour"))

    @pytest.mark.parametrize("size", [(1, 1), (199, 600), (1600, 199)])
    def test_refused_with_the_rule_and_the_form_kept(self, editor, size):
        response = self._post(editor, _png(size))
        assert response.status_code == 200
        assert (f"This image is {size[0]} × {size[1]} pixels, too small to show: use one at "
                "least 200 pixels wide and 200 tall.") in form_errors(response)
        form = response.context["adminform"].form
        assert form["headline"].value() == "A story" and form["image_alt"].value() == (
            "The harbour")
        assert not Article.objects.exists()

    def test_the_least_size_is_taken(self, editor):
        response = self._post(editor, _png((200, 200)))
        assert response.status_code == 302, form_errors(response)

    def test_a_small_image_already_stored_is_kept(self, editor):
        story = ArticleFactory(image=image_file("small.png", size=(100, 80), fmt="PNG"),
                               image_alt="A chart")
        response = editor.post(change_url(story), article_form(story, headline="Edited"))
        assert response.status_code == 302, form_errors(response)
        story.refresh_from_db()
        assert story.headline == "Edited" and story.image.name.endswith(".png")


class TestSlugsInAnotherCase:
    def test_a_new_story_with_another_case_of_a_slug_is_refused(self, editor):
        ArticleFactory(headline="Imports rise", slug="imp-case")
        response = editor.post(ADD_URL, article_form(
            headline="Imports fall", slug="IMP-CASE", body="Words.", section=SectionFactory(),
            author=AuthorFactory()))
        assert response.status_code == 200
        assert ("The story “Imports rise” has the slug “imp-case”: two stories’ slugs must "
                "differ in more than capitals. Choose another slug.") in form_errors(response)
        assert response.context["adminform"].form["headline"].value() == "Imports fall"
        assert Article.objects.count() == 1

    def test_the_same_slug_gets_the_same_message(self, editor):
        ArticleFactory(headline="Imports rise", slug="imp-case")
        response = editor.post(ADD_URL, article_form(
            headline="Imports fall", slug="imp-case", body="Words.", section=SectionFactory(),
            author=AuthorFactory()))
        assert "has the slug “imp-case”" in form_errors(response)
        assert "already exists" not in form_errors(response)

    def test_a_story_given_its_own_slug_in_capitals_is_asked_for_lower_case(self, editor):
        # Not "another story has it": the story's own slug, which must be lower case.
        story = ArticleFactory(slug="imp-case")
        response = editor.post(change_url(story), article_form(story, slug="Imp-Case"))
        assert response.status_code == 200
        assert "Write the slug in lower case, “imp-case”" in form_errors(response)
        assert "has the slug" not in form_errors(response)
