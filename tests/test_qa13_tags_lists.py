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


# A merge into a new tag while a story's save makes a tag with its address -------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_merge_into_a_tag_whose_address_a_story_s_save_takes_meanwhile_is_refused():
    import threading

    from django.db.models.signals import m2m_changed

    from articles.models import Article
    from tests.articles.test_tag_admin_r6 import MERGE, chosen_on, merge_page
    from tests.test_edit_conflicts import Editor
    from tests.test_qa11_races import in_thread, waiting_on_a_lock

    ArticleFactory(headline="Port fees", tags=["Harbours"])
    ArticleFactory(headline="Port dues", tags=["Ports"])
    story = ArticleFactory(headline="Trade talks", tags=["Trade"])
    writing = Editor("first", "First Editor")
    writing.client.raise_request_exception = False
    writing.open(f"/admin/articles/article/{story.pk}/change/")
    merging = Editor("second", "Second Editor", None)
    merging.client.raise_request_exception = False
    page = merge_page(merging.client, *Tag.objects.exclude(name="Trade"))
    added, go = threading.Event(), threading.Event()

    def hold(action, **kwargs):
        if action == "post_add" and not added.is_set():
            added.set()
            go.wait(10)

    saved, merged = {}, {}
    m2m_changed.connect(hold, sender=Article.tags.through, dispatch_uid="qa13", weak=False)
    try:
        # The story's save has made "US" (/tags/us/), not yet committed; the merge's form
        # has found the address free.
        saving = in_thread(lambda: writing.save(tags="Trade, US"), saved)
        assert added.wait(10), saved
        merging_thread = in_thread(lambda: merging.client.post(
            MERGE, {"into": "U.S.", "tags": chosen_on(page)}), merged)
        assert waiting_on_a_lock(unless=merging_thread), merged
    finally:
        go.set()
        m2m_changed.disconnect(sender=Article.tags.through, dispatch_uid="qa13")
    saving.join(15)
    merging_thread.join(15)
    assert saved["result"].status_code == 302, saved
    # It merged them into a new "U.S." at /tags/us_1/, which nobody would guess.
    response = merged["result"]
    assert response.status_code == 400, merged
    page = response.content.decode()
    assert ("“U.S.” would have the address of the tag “US”, /tags/us/" in
            html.unescape(page))
    assert 'value="U.S."' in page
    assert sorted(Tag.objects.values_list("slug", flat=True)) == [
        "harbours", "ports", "trade", "us"]


# The story list's search on SQLite reads the stories' text once a page ----------------------


@pytest.mark.sqlite
@pytest.mark.django_db
def test_the_story_search_on_sqlite_reads_the_stories_text_once_a_page(editor):
    """Each of the list's count, page, date links' range and years asked the search again:
    four reads of every story's text with Python's re, 6.5 s for "harbour" and 14 s for
    "port city" at 20,000 stories (seed_scale)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ArticleFactory(headline="Night ferry timetable", dek="Sailings.", body="At dusk.")
    ArticleFactory(headline="Lighthouse reopens", dek="Open.", body="A ferry passes by.")
    ArticleFactory(headline="Market day", dek="Stalls.", body="Stalls and music.")
    for query, found in [("ferry", {"Night ferry timetable", "Lighthouse reopens"}),
                         ('"ferry passes"', {"Lighthouse reopens"}),
                         ("ferry -lighthouse", {"Night ferry timetable"}),
                         ("zzq", set())]:
        with CaptureQueriesContext(connection) as captured:
            response = editor.get("/admin/articles/article/", {"q": query})
        assert response.status_code == 200
        assert {story.headline for story in response.context["cl"].result_list} == found
        assert response.context["cl"].result_count == len(found)
        searches = [q["sql"] for q in captured.captured_queries if "REGEXP" in q["sql"]]
        assert len(searches) == 1, searches


@pytest.mark.sqlite
@pytest.mark.django_db
def test_a_search_on_sqlite_reads_with_re_only_text_holding_every_word(editor):
    """Only the longest word was looked for with LIKE before re read the text: "port city"
    read every story holding "port" ("report", "support"), 4.7 s at 20,000 stories, where
    none held "city"."""
    from django.db import connection

    from articles.search import matching

    ArticleFactory(headline="Port city plans", dek="Docks.", body="The port city grows.")
    for n in range(3):
        ArticleFactory(headline=f"Report {n}", dek="Support.", body="A sport report.")
    read = []

    def regexp(pattern, string):
        read.append(string)
        return bool(re.search(pattern, string))

    from django.db.backends.sqlite3._functions import _sqlite_regexp

    from articles.models import Article

    connection.ensure_connection()
    connection.connection.create_function("REGEXP", 2, regexp, deterministic=True)
    try:
        for query, found in [('"port city"', {"Port city plans"}),
                             ('"city grows"', {"Port city plans"}),
                             ('"sport report" -city', {f"Report {n}" for n in range(3)}),
                             ('"city report"', set())]:
            read.clear()
            assert set(matching(query, Article.objects.all()).values_list(
                "headline", flat=True)) == found, query
            if query == '"port city"':
                assert read and all("city" in text.lower() for text in read), read
    finally:
        connection.connection.create_function("REGEXP", 2, _sqlite_regexp,
                                              deterministic=True)


# The section list's editable rows, when someone else deleted or moved a row ------------------


def _rows(page):
    """{section name: (the position box's value, its row's error)} as the list shows them."""
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page.content.decode(), re.S):
        name = re.search(r'<th class="field-name"><a [^>]*>([^<]*)</a>', row)
        box = re.search(r'<input type="number" name="form-\d+-position" value="([^"]*)"', row)
        if name and box:
            error = re.search(r'<ul class="errorlist[^"]*"[^>]*><li>(.*?)</li>', row)
            rows[html.unescape(name.group(1))] = (box.group(1), error and html.unescape(
                error.group(1)))
    return rows


@pytest.fixture
def two_editors():
    from tests.test_edit_conflicts import Editor

    return Editor("first", "Ada First"), Editor("second", "Ben Second")


@pytest.mark.django_db
def test_a_row_deleted_meanwhile_leaves_the_list_s_other_rows_saved(two_editors):
    from articles.models import Section
    from tests.factories import SectionFactory
    from tests.test_edit_conflicts import _positions, _save_list

    first, second = two_editors
    world = SectionFactory(name="World", slug="world", position=0)
    SectionFactory(name="Climate", slug="climate", position=4)
    sport = SectionFactory(name="Sport", slug="sport", position=8)
    shown = _positions(first.client)
    Section.objects.get(slug="climate").delete()
    # It was "Please correct the error below." with no error shown, Sport's row holding
    # Climate's box (and 4), Sport's 9 lost; saving again got the same, for good.
    saved = _save_list(first.client, shown, world=1, sport=9)
    assert saved.status_code == 302
    world.refresh_from_db()
    sport.refresh_from_db()
    assert (world.position, sport.position) == (1, 9)
    told = [str(message) for message in first.client.get(saved.url).context["messages"]]
    assert told == [
        "A section in the list was deleted by someone else after you opened it, so its row "
        "was not saved.", "2 sections were changed successfully."]


@pytest.mark.django_db
def test_a_refused_row_is_shown_in_its_own_row_when_someone_else_moved_rows(two_editors):
    from articles.models import Section
    from tests.factories import SectionFactory
    from tests.test_edit_conflicts import ListFields, _positions, _save_list

    first, second = two_editors
    SectionFactory(name="World", slug="world", position=0)
    climate = SectionFactory(name="Climate", slug="climate", position=4)
    SectionFactory(name="Sport", slug="sport", position=8)
    shown = _positions(first.client)
    Section.objects.filter(pk=climate.pk).update(position=10)  # now after Sport
    refused = _save_list(first.client, shown, climate=7, sport=9)
    assert refused.status_code == 200
    # Sport's row showed Climate's 7 and its error, and Climate's row Sport's 9.
    rows = _rows(refused)
    assert rows["Climate"] == (
        "7", "Someone else saved “10” here after you opened this list, so yours is not saved "
        "yet. Save again to keep yours.")
    assert rows["Sport"] == ("9", None)
    assert rows["World"] == ("0", None)
    again = _save_list(first.client, ListFields(refused.content.decode()).fields)
    assert again.status_code == 302
    assert dict(Section.objects.values_list("slug", "position")) == {
        "world": 0, "climate": 7, "sport": 9}


# A story action on stories another editor deleted after the list was shown -------------------


def _told(client, response):
    assert response.status_code == 302
    return [str(message) for message in client.get(response.url).context["messages"]]


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["publish_now", "feature", "delete_selected"])
def test_a_story_action_says_which_chosen_stories_were_deleted_meanwhile(editor, action):
    from articles.models import Article

    stories = [ArticleFactory(headline=f"Ferry {n}", status="draft", published_at=None)
               for n in range(3)]
    chosen = [str(story.pk) for story in stories]
    Article.objects.filter(pk__in=chosen[:2]).delete()  # by another editor
    extra = {"post": "yes"} if action == "delete_selected" else {}
    told = _told(editor, editor.post("/admin/articles/article/", {
        "action": action, "_selected_action": chosen, **extra}))
    # "Published 1 story." alone: two of the three chosen gone without a word.
    assert ("2 stories were left out: since the list was shown, they were deleted or no "
            "longer fit the list’s filters.") in told
    assert len(told) == 2


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["unpublish", "delete_selected"])
def test_a_story_action_on_stories_all_deleted_meanwhile_says_so(editor, action):
    from articles.models import Article

    story = ArticleFactory(headline="Ferry")
    Article.objects.filter(pk=story.pk).delete()
    extra = {"post": "yes"} if action == "delete_selected" else {}
    # Nothing was said: the list came back as if the action had not been asked for.
    assert _told(editor, editor.post("/admin/articles/article/", {
        "action": action, "_selected_action": [str(story.pk)], **extra})) == [
        "1 story was left out: since the list was shown, it was deleted or no longer fits "
        "the list’s filters."]


# "Delete selected" on readers' accounts in the user list, on PostgreSQL ----------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)  # as served: no transaction around the request
def test_delete_selected_on_a_reader_s_account_asks_then_deletes(admin_client):
    from django.contrib.auth import get_user_model

    from tests.factories import UserFactory

    reader = UserFactory(username="harbourfan")
    chosen = {"action": "delete_selected", "_selected_action": [str(reader.pk)]}
    # It was a 500: the reader's account was locked FOR NO KEY UPDATE outside a transaction
    # (the confirmation page is asked for outside one), which PostgreSQL's driver refuses.
    asked = admin_client.post("/admin/auth/user/", chosen)
    assert asked.status_code == 200
    assert "Are you sure" in asked.content.decode()
    done = admin_client.post("/admin/auth/user/", {**chosen, "post": "yes"})
    assert done.status_code == 302
    assert not get_user_model().objects.filter(pk=reader.pk).exists()
