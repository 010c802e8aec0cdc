"""The tags' admin: what a rename, a merge or a deletion costs, which tags a merge takes,
and two editors on one tag.

Found by QA as an editor: deleting a tag on 9,399 stories took 78 s and
more than 9,000 queries, merging tags on 2,264 stories 8,761 queries,
renaming a tag on 1,847 stories 1,868 (a query and a page-cache stamp per
story); "Merge selected tags" merged whatever was chosen last in any tab;
and a tag's rename was put back without a word by a second editor who had
opened the tag before it and changed only its slug.
"""

import re
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag, TaggedItem

from articles.models import Article
from core import edge, pagecache
from tests.articles.newsroom import staff
from tests.factories import ArticleFactory
from tests.test_edit_conflicts import REFUSED, Editor
from tests import test_invalidation

pytestmark = pytest.mark.django_db

TAGS = "/admin/taggit/tag/"
MERGE = "/admin/taggit/tag/merge-tags/"


def html(response):
    return response.content.decode()


def latest_tag_names(story):
    return (Article.history.filter(id=story.pk).order_by("-history_date", "-history_id")
            .values_list("tag_names", flat=True).first())


def choose(client, *tags):
    """Tick the tags in the list and run "Merge selected tags", as an editor does."""
    return client.post(TAGS, {"action": "render_tag_form",
                              "_selected_action": [tag.pk for tag in tags]})


def merge_page(client, *tags):
    """The merge page the action answers with, as the editor's browser shows it."""
    response = choose(client, *tags)
    assert response.status_code == 200
    return response


def chosen_on(page):
    """The ids the merge page's form sends, as its hidden inputs have them."""
    return re.findall(r'<input type="hidden" name="tags" value="(\d+)"', html(page))


def stories_tagged(count, *names):
    return [ArticleFactory(headline=f"Harbour story {n}", tags=list(names))
            for n in range(count)]


@pytest.fixture
def counted(settings, django_capture_on_commit_callbacks):
    """What a request costs: its queries, its page-cache stamps and the edge purges it
    asks for, the stamps made when it commits included."""
    settings.EDGE_PURGE_URLS = ["http://varnish.internal:6081/"]
    # What Django keeps once read (content types, permissions) is read before counting.
    warm = ArticleFactory(headline="Warming up", tags=["Warm"]).tags.get()
    client = Client()
    client.force_login(staff("Editors", username="warming-up"))
    client.post(f"{TAGS}{warm.pk}/delete/", {"post": "yes"})

    def cost(send):
        with (CaptureQueriesContext(connection) as queries,
              mock.patch.object(pagecache, "_stamp", wraps=pagecache._stamp) as stamps,
              # Counted as purges asked for: each is one request to each cache per 4 KB
              # of tags (core.edge.HEADER_LIMIT), which longer ids fill sooner.
              mock.patch.object(edge, "_send", return_value=True),
              mock.patch.object(edge, "purge", wraps=edge.purge) as purges,
              django_capture_on_commit_callbacks(execute=True)):
            response = send()
        assert response.status_code == 302, html(response)[:2000]
        return {"queries": len(queries), "stamps": stamps.call_count,
                "purges": purges.call_count}

    return cost


class TestCostsDoNotGrowWithTheStories:
    """The same work for 30 stories as for 60 (one query, one stamp, one purge a story made
    a big tag's deletion run for over a minute): any cost a story adds shows. Both fill
    more than a page of the lists these requests read (20 did not: a list of one page
    goes uncounted, one query fewer)."""

    def test_deleting_a_tag(self, editor, counted):
        costs = []
        for count in (30, 60):
            stories = stories_tagged(count, f"Harbours {count}", "Ports")
            tag = Tag.objects.get(name=f"Harbours {count}")
            costs.append(counted(lambda: editor.post(f"{TAGS}{tag.pk}/delete/",
                                                     {"post": "yes"})))
            assert not Tag.objects.filter(pk=tag.pk).exists()
            assert not TaggedItem.objects.filter(tag_id=tag.pk).exists()
            assert {latest_tag_names(story) for story in stories} == {"Ports"}
        assert costs[0] == costs[1]
        assert costs[1]["stamps"] <= 4

    def test_deleting_tags_from_the_list(self, editor, counted):
        costs = []
        for count in (30, 60):
            stories = stories_tagged(count, f"Harbours {count}", f"Quays {count}", "Ports")
            tags = list(Tag.objects.filter(name__in=[f"Harbours {count}", f"Quays {count}"]))
            chosen = {"action": "delete_selected", "post": "yes",
                      "_selected_action": [tag.pk for tag in tags]}
            costs.append(counted(lambda: editor.post(TAGS, chosen)))
            assert not Tag.objects.filter(pk__in=chosen["_selected_action"]).exists()
            assert {latest_tag_names(story) for story in stories} == {"Ports"}
        assert costs[0] == costs[1]

    def test_merging_tags(self, editor, counted):
        costs = []
        for count in (30, 60):
            both = stories_tagged(count, f"Harbours {count}", f"Quays {count}", "Ports")
            one = stories_tagged(count, f"Quays {count}")
            already = stories_tagged(count, f"Waterfront {count}", f"Harbours {count}")
            tags = list(Tag.objects.filter(name__in=[f"Harbours {count}", f"Quays {count}"]))
            choose(editor, *tags)
            costs.append(counted(lambda: editor.post(MERGE, {
                "into": f"Waterfront {count}", "tags": [tag.pk for tag in tags]})))
            into = Tag.objects.get(name=f"Waterfront {count}")
            # Once on each story, also where a story had two of them or the one merged into.
            assert TaggedItem.objects.filter(tag=into).count() == 3 * count
            assert not Tag.objects.filter(pk__in=[tag.pk for tag in tags]).exists()
            assert {latest_tag_names(story) for story in both} == {
                f'"Waterfront {count}", Ports'}
            assert {latest_tag_names(story) for story in one + already} == {
                f'"Waterfront {count}"'}
            assert {frozenset(story.tags.names()) for story in both} == {
                frozenset({"Ports", f"Waterfront {count}"})}
        assert costs[0] == costs[1]
        assert costs[1]["stamps"] <= 4

    def test_renaming_a_tag(self, editor, counted):
        costs = []
        for count in (30, 60):
            stories = stories_tagged(count, f"Harbours {count}", "Ports")
            tag = Tag.objects.get(name=f"Harbours {count}")
            costs.append(counted(lambda: editor.post(f"{TAGS}{tag.pk}/change/", {
                "name": f"Quays {count}", "slug": f"quays-{count}"})))
            assert {latest_tag_names(story) for story in stories} == {f'"Quays {count}", Ports'}
        assert costs[0] == costs[1]

        # Only the latest revision follows; a story without one is left without.
        story = ArticleFactory(headline="Harbour reopens", tags=["Harbours"])
        story.headline = "Harbour reopens at dawn"
        story.save()
        older = Article.history.filter(id=story.pk).order_by("history_date", "history_id")[0]
        unrecorded = ArticleFactory(headline="Quay closes", tags=["Harbours"])
        Article.history.filter(id=unrecorded.pk).delete()
        tag = Tag.objects.get(name="Harbours")
        assert editor.post(f"{TAGS}{tag.pk}/change/",
                           {"name": "Gales", "slug": "gales"}).status_code == 302
        assert latest_tag_names(story) == "Gales"
        older.refresh_from_db()
        assert older.tag_names == "Harbours"
        assert not Article.history.filter(id=unrecorded.pk).exists()


class TestAMergeTakesTheTagsItsPageShows:
    @pytest.fixture
    def tags(self):
        ArticleFactory(headline="Harbour reopens", tags=["Ports", "Harbours"])
        ArticleFactory(headline="Bank rates hold", tags=["Markets", "Banks"])
        return {tag.name: tag for tag in Tag.objects.all()}

    def test_two_tabs_each_merge_what_they_chose(self, editor, tags):
        first = merge_page(editor, tags["Ports"], tags["Harbours"])
        second = merge_page(editor, tags["Markets"], tags["Banks"])
        assert "“Harbours”: 1 tagged" in html(first) and "“Ports”: 1 tagged" in html(first)
        assert "Markets" not in html(first)

        response = editor.post(MERGE, {"into": "Waterfront", "tags": chosen_on(first)},
                               follow=True)
        assert "Merged “Harbours” and “Ports” into “Waterfront”" in html(response)
        assert set(Tag.objects.values_list("name", flat=True)) == {
            "Waterfront", "Markets", "Banks"}

        response = editor.post(MERGE, {"into": "Finance", "tags": chosen_on(second)},
                               follow=True)
        assert "Merged “Banks” and “Markets” into “Finance”" in html(response)
        assert set(Tag.objects.values_list("name", flat=True)) == {"Waterfront", "Finance"}

    def test_a_tag_deleted_meanwhile_merges_nothing_and_says_so(self, editor, tags):
        page = merge_page(editor, tags["Ports"], tags["Harbours"])
        tags["Harbours"].delete()
        response = editor.post(MERGE, {"into": "Waterfront", "tags": chosen_on(page)})
        assert response.status_code == 400
        assert ("A tag you chose was deleted after you chose it, so nothing was merged. The "
                "tag left is listed above: merge it, or choose again in the tag list."
                in html(response))
        assert not Tag.objects.filter(name="Waterfront").exists()
        assert list(Article.objects.get(headline="Harbour reopens").tags.names()) == ["Ports"]
        # The page now shows, and carries, the tag left: sent again, it merges that one.
        assert "“Ports”: 1 tagged" in html(response) and "Harbours" not in html(response)
        assert chosen_on(response) == [str(tags["Ports"].pk)]
        assert 'value="Waterfront"' in html(response)
        response = editor.post(MERGE, {"into": "Waterfront", "tags": chosen_on(response)})
        assert response.status_code == 302
        assert list(Article.objects.get(headline="Harbour reopens").tags.names()) == [
            "Waterfront"]

    def test_two_of_three_deleted_meanwhile_are_counted(self, editor, tags):
        page = merge_page(editor, tags["Ports"], tags["Harbours"], tags["Markets"])
        Tag.objects.filter(name__in=["Ports", "Harbours"]).delete()
        response = editor.post(MERGE, {"into": "Waterfront", "tags": chosen_on(page)})
        assert response.status_code == 400
        assert ("2 of the tags you chose were deleted after you chose them, so nothing was "
                "merged. The tag left is listed above" in html(response))
        assert chosen_on(response) == [str(tags["Markets"].pk)]

    def test_every_tag_deleted_meanwhile_sends_the_editor_back_to_the_list(self, editor, tags):
        page = merge_page(editor, tags["Ports"], tags["Harbours"])
        Tag.objects.filter(name__in=["Ports", "Harbours"]).delete()
        response = editor.post(MERGE, {"into": "Waterfront", "tags": chosen_on(page)},
                               follow=True)
        assert response.redirect_chain == [(TAGS, 302)]
        assert ("The tags you chose were deleted after you chose them, so nothing was merged."
                in html(response))
        assert not Tag.objects.filter(name="Waterfront").exists()

    @pytest.mark.parametrize("sent", [[], ["abc"], ["99999999999999999999"], ["-1"]])
    def test_a_form_without_tags_merges_nothing(self, editor, tags, sent):
        choose(editor, tags["Ports"], tags["Harbours"])  # chosen in another tab
        response = editor.post(MERGE, {"into": "Waterfront", "tags": sent}, follow=True)
        assert "Choose the tags to merge in the list" in html(response)
        assert set(Tag.objects.values_list("name", flat=True)) == set(tags)

    def test_the_page_lists_and_carries_the_tags_and_keeps_nothing_in_the_session(
            self, editor, tags):
        page = merge_page(editor, tags["Ports"], tags["Harbours"])
        assert sorted(chosen_on(page)) == sorted(str(tags[n].pk) for n in ("Ports", "Harbours"))
        assert "The 2 tags you chose:" in html(page)
        assert "“Harbours”: 1 tagged" in html(page) and "“Ports”: 1 tagged" in html(page)
        assert f'action="{MERGE}"' in html(page)
        assert "selected_tag_ids" not in editor.session
        # Opened again (the address alone), it has no tags to merge and says so.
        response = editor.get(MERGE, follow=True)
        assert "Choose the tags to merge in the list" in html(response)
        # A moderator, who may only view tags, sending the same form is refused.
        moderator = Client()
        moderator.force_login(staff("Moderators", username="moderator"))
        sent = {"into": "Waterfront", "tags": chosen_on(page)}
        assert moderator.post(MERGE, sent).status_code == 403
        assert set(Tag.objects.values_list("name", flat=True)) == set(tags)


class TestTwoEditorsOnOneTag:
    def test_a_slug_change_over_a_rename_is_refused_and_nothing_is_lost(self):
        ArticleFactory(headline="Harbour reopens", tags=["Harbours"])
        tag = Tag.objects.get(name="Harbours")
        url = f"{TAGS}{tag.pk}/change/"
        first, second = Editor("first", "Ana First"), Editor("second", "Ben Second")
        first.open(url)
        second.open(url)
        assert first.save(name="Ports").status_code == 302
        response = second.save(slug="harbour")
        assert response.status_code == 200
        assert REFUSED.format("tag") in html(response)
        tag.refresh_from_db()
        assert (tag.name, tag.slug) == ("Ports", "harbours")
        # Their version beside this editor's, and in the form where this editor changed
        # nothing: saving again keeps both changes.
        assert "Ports" in html(response)
        assert second.save().status_code == 302
        tag.refresh_from_db()
        assert (tag.name, tag.slug) == ("Ports", "harbour")

    def test_a_save_over_nothing_new_goes_through(self):
        tag = Tag.objects.create(name="Harbours")
        url = f"{TAGS}{tag.pk}/change/"
        editor = Editor("first", "Ana First")
        editor.open(url)
        assert 'name="_edit_version"' in html(editor.client.get(url))
        assert editor.save(name="Ports").status_code == 302
        tag.refresh_from_db()
        assert tag.name == "Ports"


# The small newsroom whose pages tests/test_invalidation.py renders and checks.
newsroom = test_invalidation.newsroom


def _delete_ports(newsroom, clock):
    editor = Client()
    editor.force_login(staff("Editors", username="deleting"))
    ports = Tag.objects.get(slug="ports")
    assert editor.post(f"{TAGS}{ports.pk}/delete/", {"post": "yes"}).status_code == 302


@pytest.mark.usefixtures("page_cache_on")
def test_a_tags_deletion_stales_exactly_the_pages_that_showed_it(newsroom, client):
    """As when each tagging was deleted with its signals: A's and B's pages and cards
    (C's page shows B, which shares its tag), the tag's page (taken down) and the feeds."""
    purged, pages = test_invalidation._purged_by(client, _delete_ports, newsroom)
    assert purged == test_invalidation.SHOWS_A | {"nova", "story c", "tag markets"}
    assert pages["tag ports"] and "/tags/ports/" not in pages["story b"]
