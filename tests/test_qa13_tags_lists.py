"""QA round 13, tags and the admin's lists: the tag list chosen from the story list, the
tag merge, the story search at scale, and the lists' odd parameters."""

import html
import re

import pytest
from django.utils.http import urlencode
from taggit.models import Tag

from tests.factories import ArticleFactory


def _links(page, name):
    return [html.unescape(href) for href in re.findall(
        rf'<a href="([^"]*)"[^>]*>{re.escape(name)}</a>', page.content.decode())]


def _carried_list(editor):
    """The tag list as opened from a filtered story list's "Choose another tag…"."""
    ArticleFactory(headline="Ferry fares", tags=["Fares"], draft=True)
    ArticleFactory(headline="Ferry timetable", tags=["Ferries"], draft=True)
    kept = "q=ferry&status=draft"
    return kept, f"/admin/taggit/tag/?{urlencode({'for_list': kept})}"


# The tag list carries the story list's filters through all its links -------------------------


@pytest.mark.django_db
def test_the_tag_list_s_total_link_keeps_the_story_list_s_filters(editor):
    kept, choose = _carried_list(editor)
    searched = editor.get(f"{choose}&q=fare")
    assert searched.status_code == 200
    # "2 total" led to "?": the tag list alone, its "Its stories" links unfiltered.
    [total] = _links(searched, "2 total")
    assert total == f"?{urlencode({'for_list': kept})}"
    everything = editor.get(f"/admin/taggit/tag/{total}")
    assert f"/admin/articles/article/?{kept}&tag=ferries" in _links(everything, "Its stories")


@pytest.mark.django_db
def test_a_tag_list_searched_alone_leads_to_every_tag_alone(editor):
    ArticleFactory(headline="Ferry fares", tags=["Fares"])
    ArticleFactory(headline="Ferry timetable", tags=["Ferries"])
    assert _links(editor.get("/admin/taggit/tag/?q=fare"), "2 total") == ["?"]


def _merge_page(editor, choose):
    chosen = [str(pk) for pk in Tag.objects.order_by("pk").values_list("pk", flat=True)]
    return editor.post(choose, {"action": "render_tag_form", "_selected_action": chosen})


@pytest.mark.django_db
def test_a_merge_goes_back_to_the_tag_list_with_the_story_list_s_filters(editor):
    kept, choose = _carried_list(editor)
    page = _merge_page(editor, choose)
    assert page.status_code == 200
    # Its Cancel led to the tag list alone, and so did the merge.
    assert _links(page, "Cancel") == [choose]
    [action] = re.findall(r'<form method="post" action="([^"]*)"', page.content.decode())
    chosen = re.findall(r'name="tags" value="(\d+)"', page.content.decode())
    done = editor.post(html.unescape(action), {"tags": chosen, "into": "Ferry"})
    assert done.status_code == 302
    assert done.url == choose
    back = editor.get(done.url)
    assert _links(back, "Its stories") == [f"/admin/articles/article/?{kept}&tag=ferry"]


@pytest.mark.django_db
def test_a_refused_merge_keeps_the_story_list_s_filters_too(editor):
    kept, choose = _carried_list(editor)
    page = _merge_page(editor, choose)
    [action] = re.findall(r'<form method="post" action="([^"]*)"', page.content.decode())
    chosen = re.findall(r'name="tags" value="(\d+)"', page.content.decode())
    refused = editor.post(html.unescape(action), {"tags": chosen, "into": '"Ferry"'})
    assert refused.status_code == 400
    assert 'value="&quot;Ferry&quot;"' in refused.content.decode()
    assert _links(refused, "Cancel") == [choose]
    [again] = re.findall(r'<form method="post" action="([^"]*)"', refused.content.decode())
    assert again == action


@pytest.mark.django_db
def test_a_merge_from_the_tag_list_alone_goes_back_to_it_alone(editor):
    ArticleFactory(headline="Ferry fares", tags=["Fares"])
    ArticleFactory(headline="Ferry timetable", tags=["Ferries"])
    page = _merge_page(editor, "/admin/taggit/tag/")
    assert _links(page, "Cancel") == ["/admin/taggit/tag/"]
    chosen = re.findall(r'name="tags" value="(\d+)"', page.content.decode())
    done = editor.post("/admin/taggit/tag/merge-tags/", {"tags": chosen, "into": "Ferry"})
    assert done.url == "/admin/taggit/tag/"
