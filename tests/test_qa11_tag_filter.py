"""The story list's tag filter lists only the chosen tag (QA round 11).

It listed every tag on any story: at 5,000 tags the story list was 376 KB
and took 1.4 s to render, and a newsroom of several years has tens of
thousands. Now it shows the chosen tag and a link to the tag list, whose
rows link to their stories, as the comment list's reader filter does.
"""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag, TaggedItem

from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/articles/article/"


def tags_on_a_story(story, first, last):
    tags = Tag.objects.bulk_create(Tag(name=f"Topic {n:04}", slug=f"topic-{n:04}")
                                   for n in range(first, last))
    story_type = ContentType.objects.get_for_model(Article)
    TaggedItem.objects.bulk_create(TaggedItem(tag=tag, content_type=story_type,
                                              object_id=story.pk) for tag in tags)


def cost(client, url):
    client.get(url)  # what Django keeps once read (content types, permissions) is read
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), len(response.content)


def test_the_story_list_costs_the_same_at_10_and_500_tags(editor):
    harbour = Tag.objects.create(name="Harbour", slug="harbour")
    ArticleFactory(headline="Quay reopens").tags.add(harbour)
    ArticleFactory(headline="Market day")
    story = ArticleFactory(headline="Many topics")
    tags_on_a_story(story, 0, 9)
    urls = [LIST_URL, f"{LIST_URL}?tag=harbour", f"{LIST_URL}?tag=harbour&_facets=True"]
    at_ten = [cost(editor, url) for url in urls]
    tags_on_a_story(story, 9, 499)
    assert Tag.objects.count() == 500
    at_five_hundred = [cost(editor, url) for url in urls]
    for url, (queries, size), (more_queries, more_size) in zip(urls, at_ten, at_five_hundred):
        assert more_queries == queries, url
        assert more_size == size, url  # every tag listed took about 100 bytes more each


def test_a_chosen_tag_filters_the_list_and_is_shown_as_chosen(editor):
    harbour = Tag.objects.create(name="Harbour", slug="harbour")
    ArticleFactory(headline="Quay reopens").tags.add(harbour)
    ArticleFactory(headline="Market day", tags=["Markets"])
    page = editor.get(f"{LIST_URL}?tag=harbour&_facets=True").content.decode()
    assert "Quay reopens" in page and "Market day" not in page
    tag_filter = re.search(r'<details class="story-filter">\s*<summary>By tag.*?</details>',
                           page, re.S).group()
    assert "<summary>By tag: <strong>Harbour (1)</strong></summary>" in tag_filter
    assert re.search(r'<li class="selected">\s*<a href="\?[^"]*tag=harbour[^"]*" '
                     r'aria-current="true">Harbour \(1\)</a>', tag_filter)
    assert "Markets" not in tag_filter
    # "Show counts" goes along to the tag list, and back (QA round 12).
    assert ('<a href="/admin/taggit/tag/?for_list=_facets%3DTrue">Choose another tag…</a>'
            in tag_filter)


def test_a_tag_is_chosen_from_the_tag_list(editor):
    ArticleFactory(headline="Quay reopens", tags=["Harbour"])
    ArticleFactory(headline="Market day", tags=["Markets"])
    page = editor.get(LIST_URL).content.decode()
    tag_filter = re.search(r'<details class="story-filter">\s*<summary>By tag.*?</details>',
                           page, re.S).group()
    assert "<summary>By tag</summary>" in tag_filter
    assert "Harbour" not in tag_filter and "Markets" not in tag_filter
    assert '<a href="/admin/taggit/tag/">Choose a tag…</a>' in tag_filter
    tags = editor.get("/admin/taggit/tag/?q=harb").content.decode()
    assert '<a href="/admin/articles/article/?tag=harbour">Its stories</a>' in tags
    assert "?tag=markets" not in tags
    listed = editor.get("/admin/articles/article/?tag=harbour").content.decode()
    assert "Quay reopens" in listed and "Market day" not in listed


def test_an_unknown_tag_lists_no_story_and_no_error(editor):
    ArticleFactory(headline="Quay reopens", tags=["Harbour"])
    page = editor.get(f"{LIST_URL}?tag=no-such-tag").content.decode()
    assert "Quay reopens" not in page
    assert "<summary>By tag: <strong>no-such-tag</strong></summary>" in page
