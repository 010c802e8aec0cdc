"""The story form's word count, read time, preview, tags and headline; the story list's queries.

Worked through the test client as an editor; tests/browser/test_story_desk.py
drives the same screens in Chromium.
"""

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag

from articles.models import Article, reading_stats
from core.text import render_markdown
from tests.articles.newsroom import (ADD_URL, LIST_URL, article_form, change_url, form_errors,
                                     staff)
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

PREVIEW_URL = "/admin/articles/article/preview/"
# 403 words: a heading, 398 words, a link whose address is not a word; and a script.
BODY = ("## Harbour news\n\n" + "word " * 398
        + "\n\nSee [the notice](https://example.org/a-very-long-address-of-many-parts).\n\n"
        "<script>alert('x')</script>")


@pytest.fixture
def editor(client):
    user = staff("Editors", username="editor", first_name="Jane", last_name="Editor")
    client.force_login(user)
    return user


def html(response):
    return response.content.decode()


class TestWordCount:
    def test_words_and_minutes_are_counted_as_the_article_page_counts_them(self):
        assert reading_stats(render_markdown(BODY)) == (403, 3)
        assert reading_stats(render_markdown("")) == (0, 1)
        story = ArticleFactory(body=BODY)
        assert story.reading_minutes == 3

    def test_the_form_shows_the_count_of_the_stored_body(self, client, editor):
        story = ArticleFactory(body=BODY)
        page = html(client.get(change_url(story)))
        assert (f'<p class="story-stats" id="id_body_stats" data-story-stats="id_body" '
                f'data-preview-url="{PREVIEW_URL}">403 words · 3 min read</p>') in page
        assert "1 word · 1 min read" in html(client.post(PREVIEW_URL, {"body": "One."}))


class TestPreview:
    def test_answers_the_sanitised_html_and_the_count_as_json(self, client, editor):
        response = client.post(PREVIEW_URL, {"body": BODY}, headers={"Accept": "application/json"})
        assert response.status_code == 200
        result = json.loads(response.content)
        assert result["html"].startswith("<h2>Harbour news</h2>")
        assert ('<a href="https://example.org/a-very-long-address-of-many-parts" '
                'rel="noopener noreferrer">the notice</a>') in result["html"]
        assert "<script" not in result["html"]
        assert (result["words"], result["minutes"]) == (403, 3)
        assert result["stats"] == "403 words · 3 min read"
        assert response["Cache-Control"].startswith("max-age=0")

    def test_without_javascript_the_whole_form_posted_gets_a_page(self, client, editor):
        data = article_form(headline="Ferries resume", slug="ferries", dek="After the storm.",
                            body="# The crossing\n\nThe *ferries* run again.",
                            section=SectionFactory(), author=AuthorFactory())
        data["_preview"] = ""

        response = client.post(PREVIEW_URL, data)

        assert response.status_code == 200
        page = html(response)
        assert '<h2 class="story-preview-headline">Ferries resume</h2>' in page
        assert '<p class="story-preview-dek">After the storm.</p>' in page
        assert "<h2>The crossing</h2>\n<p>The <em>ferries</em> run again.</p>" in page
        assert "6 words · 1 min read" in page
        assert not Article.objects.exists()

    def test_the_form_offers_it_as_a_button_that_needs_no_script(self, client, editor):
        page = html(client.get(ADD_URL))
        assert re.search(rf'<button type="submit" class="button story-preview-button" '
                         rf'formaction="{PREVIEW_URL}" formtarget="_blank" formmethod="post" '
                         rf'formnovalidate name="_preview"', page)
        # Save comes first in the form, so Enter in a field saves rather than previews.
        assert page.index('name="_save"') < page.index('name="_preview"')

    def test_only_by_post_with_the_csrf_token(self, editor):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(editor)
        assert browser.get(PREVIEW_URL).status_code == 405
        assert browser.post(PREVIEW_URL, {"body": "x"}).status_code == 403
        browser.get(ADD_URL)  # sets the CSRF cookie, as opening the form does
        token = browser.cookies["csrftoken"].value
        assert browser.post(PREVIEW_URL, {"body": "x"},
                            headers={"X-CSRFToken": token}).status_code == 200

    def test_only_for_those_who_may_write_stories(self, client):
        client.force_login(staff("Moderators"))
        assert client.post(PREVIEW_URL, {"body": "x"}).status_code == 403
        client.force_login(UserFactory(username="a-reader"))
        response = client.post(PREVIEW_URL, {"body": "x"})
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


class TestForm:
    def test_one_tags_field_takes_existing_and_new_tags(self, client, editor):
        Tag.objects.create(name="Harbours", slug="harbours")
        data = article_form(headline="Ferries resume", slug="ferries", body="Words.",
                            section=SectionFactory(), author=AuthorFactory(),
                            tags='harbours, "New York", Storms, storms')

        response = client.post(ADD_URL, data)

        assert response.status_code == 302, form_errors(response)
        story = Article.objects.get()
        assert sorted(story.tags.names()) == ["Harbours", "New York", "Storms"]
        assert Tag.objects.filter(name__iexact="harbours").count() == 1
        page = html(client.get(change_url(story)))
        assert 'name="tags" value="&quot;New York&quot;, Harbours, Storms"' in page

    def test_the_headline_box_wraps_but_the_headline_stays_one_line(self, client, editor):
        data = article_form(headline="Ferries resume\r\nafter   the storm", slug="ferries",
                            body="Words.", section=SectionFactory(), author=AuthorFactory())
        assert client.post(ADD_URL, data).status_code == 302
        assert Article.objects.get().headline == "Ferries resume after the storm"
        page = html(client.get(ADD_URL))
        assert re.search(r'<textarea name="headline"[^>]*maxlength="200"', page)

    def test_no_inline_style_or_script_in_the_form_and_list(self, client, editor):
        story = ArticleFactory(body=BODY, is_featured=True)
        for url in (change_url(story), LIST_URL):
            page = html(client.get(url))
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
            assert not re.search(r"<style\b", page), url
            body = page[page.index('id="content"'):]
            assert " style=" not in body, url


class TestStoryList:
    def test_queries_do_not_grow_with_the_stories_listed(self, client, editor):
        section, author = SectionFactory(), AuthorFactory(ai=True)
        counts = []
        for stories in (2, 12):
            while Article.objects.count() < stories:
                story = ArticleFactory(section=section, author=author, with_image=True,
                                       tags=["Harbours"])
                client.post(change_url(story), article_form(story, dek="Edited."))
            with CaptureQueriesContext(connection) as queries:
                assert client.get(LIST_URL).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1]
