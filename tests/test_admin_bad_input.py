"""The newsroom's admin under input its own pages never send: a clear answer, never a 500.

Found by sending every admin form and list each field's worst values: an
autocomplete field given a word where an id goes, an action on "rows" that
are not ids, the autocomplete view asked about a reverse relation, and
taggit's tag merge asked for by someone who may not merge or with no tags
chosen (which, in plain use, also took a tag off every story when tags were
merged into one of themselves). On SQLite, also a number beyond 64 bits
where an id goes: SQLite cannot compare a column with one (OverflowError).
"""

HUGE = "99999999999999999999"

import re

import pytest
from taggit.models import Tag

from articles.models import Article
from tests.articles.newsroom import ADD_URL, article_form, change_url
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = pytest.mark.django_db

TAGS = "/admin/taggit/tag/"
MERGE = "/admin/taggit/tag/merge-tags/"


def html(response):
    return response.content.decode()


def choose(client, *tags):
    """Tick the tags in the list and run "Merge selected tags", as an editor does."""
    return client.post(TAGS, {"action": "render_tag_form",
                              "_selected_action": [tag.pk for tag in tags]})


class TestAutocompleteFields:
    @pytest.mark.parametrize("field", ["section", "author"])
    @pytest.mark.parametrize("value", ["abc", "1.5", "<script>", HUGE])
    def test_a_story_with_a_word_for_its_section_or_author_is_refused_as_typed(
            self, editor, field, value):
        data = article_form(headline="Harbour reopens", body="The pier is open.",
                            section=SectionFactory(), author=AuthorFactory())
        data[field] = value
        response = editor.post(ADD_URL, data)
        page = html(response)
        assert response.status_code == 200
        assert "Select a valid choice" in page
        assert re.search(r'<textarea name="headline"[^>]*>\s*Harbour reopens</textarea>', page)
        assert not Article.objects.exists()

    def test_a_story_changed_with_a_word_for_its_section_keeps_its_section(self, editor):
        story = ArticleFactory(headline="Harbour reopens")
        response = editor.post(change_url(story), {**article_form(story), "section": "abc"})
        assert response.status_code == 200 and "Select a valid choice" in html(response)
        story.refresh_from_db()
        assert story.section_id is not None

    def test_an_editors_pick_with_a_word_for_its_story_is_refused(self, editor):
        story = ArticleFactory(headline="Harbour reopens")
        response = editor.post(change_url(story), {
            **article_form(story), "related_links-TOTAL_FORMS": "1",
            "related_links-0-to_article": "abc", "related_links-0-position": "1"})
        assert response.status_code == 200 and "Select a valid choice" in html(response)
        assert not story.related_links.exists()

    def test_a_correction_with_a_word_for_its_story_is_refused(self, editor):
        response = editor.post("/admin/standards/correction/add/", {
            "article": "abc", "kind": "correction", "date_0": "2026-03-08",
            "date_1": "12:00:00", "text": "The pier opened in 1998."})
        page = html(response)
        assert response.status_code == 200
        assert "Select a valid choice" in page and "The pier opened in 1998." in page


class TestTagMerge:
    @pytest.fixture
    def tagged(self):
        return (ArticleFactory(headline="Harbour reopens", tags=["Ports"]),
                ArticleFactory(headline="Quay closes", tags=["Harbours", "Ports"]))

    def test_an_editor_merges_two_tags_into_a_new_one(self, editor, tagged):
        ports, harbours = Tag.objects.get(name="Ports"), Tag.objects.get(name="Harbours")
        page = html(choose(editor, ports, harbours))
        assert "“Harbours”: 1 tagged" in page and "“Ports”: 2 tagged" in page
        response = editor.post(MERGE, {"into": "Harbours and ports",
                                       "tags": [ports.pk, harbours.pk]}, follow=True)
        assert "Merged “Harbours” and “Ports” into “Harbours and ports”: 2 tagged with it." \
            in html(response)
        for story in tagged:
            assert set(story.tags.names()) == {"Harbours and ports"}
        assert set(Tag.objects.values_list("name", flat=True)) == {"Harbours and ports"}

    @pytest.mark.parametrize("typed", ["Ports", "ports", "  PORTS "])
    def test_merging_into_one_of_them_keeps_it_on_every_story(self, editor, tagged, typed):
        # taggit's own merge took the kept tag off every story that had it.
        ports, harbours = Tag.objects.get(name="Ports"), Tag.objects.get(name="Harbours")
        choose(editor, ports, harbours)
        assert editor.post(MERGE, {"into": typed,
                                   "tags": [ports.pk, harbours.pk]}).status_code == 302
        for story in tagged:
            assert list(story.tags.names()) == ["Ports"]
        assert list(Tag.objects.values_list("pk", flat=True)) == [ports.pk]

    def test_one_tag_merged_into_itself_is_left_as_it_was(self, editor, tagged):
        ports = Tag.objects.get(name="Ports")
        choose(editor, ports)
        response = editor.post(MERGE, {"into": "ports", "tags": [ports.pk]}, follow=True)
        assert "Nothing to merge: “Ports” was the only tag chosen." in html(response)
        assert [list(story.tags.names()) for story in tagged] == [["Ports"], ["Harbours", "Ports"]]

    def test_an_empty_name_is_refused_and_the_tags_stay(self, editor, tagged):
        choose(editor, *Tag.objects.all())
        response = editor.post(MERGE, {"into": "   ",
                                       "tags": list(Tag.objects.values_list("pk", flat=True))})
        assert response.status_code == 400 and "This field is required." in html(response)
        assert Tag.objects.count() == 2

    def test_with_no_tags_chosen_nothing_is_made_and_the_editor_is_told(self, editor, tagged):
        before = set(Tag.objects.values_list("name", flat=True))
        response = editor.post(MERGE, {"into": "Waterfront"}, follow=True)
        assert response.status_code == 200
        assert "Choose the tags to merge in the list" in html(response)
        assert set(Tag.objects.values_list("name", flat=True)) == before

    def test_a_chosen_tag_deleted_meanwhile_merges_nothing(self, editor, tagged):
        # The others alone are not what the editor chose to merge: they are shown again
        # (tests/articles/test_tag_admin_r6.py).
        ports, harbours = Tag.objects.get(name="Ports"), Tag.objects.get(name="Harbours")
        choose(editor, ports, harbours)
        chosen = [ports.pk, harbours.pk]
        harbours.delete()
        response = editor.post(MERGE, {"into": "Waterfront", "tags": chosen})
        assert response.status_code == 400 and "so nothing was merged" in html(response)
        assert [set(story.tags.names()) for story in tagged] == [{"Ports"}, {"Ports"}]

    def test_a_moderator_who_may_only_view_tags_cannot_merge_them(self, moderator, tagged):
        ports, harbours = Tag.objects.get(name="Ports"), Tag.objects.get(name="Harbours")
        assert "Merge selected tags" not in html(moderator.get(TAGS))
        choose(moderator, ports, harbours)
        session = moderator.session
        session["selected_tag_ids"] = f"{ports.pk},{harbours.pk}"  # as if chosen
        session.save()
        assert moderator.get(MERGE).status_code == 403
        assert moderator.post(MERGE, {"into": "Waterfront"}).status_code == 403
        assert not Tag.objects.filter(name="Waterfront").exists()
        assert set(tagged[1].tags.names()) == {"Harbours", "Ports"}


class TestChangelistActions:
    @pytest.mark.parametrize("chosen", [["abc"], ["1", "abc"], ["1.5"], ["\u00e9"], [HUGE]])
    def test_an_action_on_rows_that_are_not_ids_is_refused(self, editor, chosen):
        story = ArticleFactory(headline="Harbour reopens")
        response = editor.post("/admin/articles/article/", {
            "action": "delete_selected", "_selected_action": [story.pk, *chosen]})
        assert response.status_code == 400
        assert "The rows chosen are not rows of this list." in html(response)
        assert Article.objects.filter(pk=story.pk).exists()

    def test_an_action_on_ids_still_runs(self, editor):
        story = ArticleFactory(headline="Harbour reopens")
        response = editor.post("/admin/articles/article/", {
            "action": "delete_selected", "_selected_action": [story.pk]})
        assert response.status_code == 200 and "Delete multiple objects" in html(response)


class TestAutocompleteView:
    def test_a_reverse_relation_is_refused_like_an_unknown_field(self, editor):
        ArticleFactory(tags=["Ports"])
        for field in ("article", "no_such_field"):
            response = editor.get("/admin/autocomplete/", {
                "app_label": "taggit", "model_name": "tag", "field_name": field, "term": "p"})
            assert response.status_code == 403, field

    def test_a_story_field_still_suggests(self, editor):
        SectionFactory(name="World")
        response = editor.get("/admin/autocomplete/", {
            "app_label": "articles", "model_name": "article", "field_name": "section",
            "term": "Wor"})
        assert response.status_code == 200
        assert [item["text"] for item in response.json()["results"]] == ["World"]


class TestChangelistLists:
    def test_a_filter_given_a_number_its_column_cannot_hold_is_refused(self, editor):
        ArticleFactory(headline="Harbour reopens")
        assert editor.get("/admin/articles/article/", {"section": HUGE}).status_code == 400
        # A section that does not exist, or a word, as before: an empty list, or the list
        # marked ?e=1 (Django's answer to a filter it cannot apply).
        assert editor.get("/admin/articles/article/", {"section": "12345"}).status_code == 200
        assert editor.get("/admin/articles/article/", {"section": "abc"}).status_code == 302

    @pytest.mark.parametrize("row", ["abc", HUGE])
    def test_edited_rows_that_are_not_ids_are_refused(self, editor, row):
        section = SectionFactory(name="World", position=3)
        response = editor.post("/admin/articles/section/", {
            "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000", "form-0-id": row, "form-0-position": "1",
            "_save": "Save"})
        assert response.status_code == 400
        assert "The rows sent are not rows of this list." in html(response)
        section.refresh_from_db()
        assert section.position == 3

    def test_edited_rows_are_still_saved(self, editor):
        section = SectionFactory(name="World", position=3)
        response = editor.post("/admin/articles/section/", {
            "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000", "form-0-id": section.pk, "form-0-position": "1",
            "_save": "Save"})
        assert response.status_code == 302
        section.refresh_from_db()
        assert section.position == 1


def input_value(page, name):
    """The value an input shows, or None when it has none."""
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert tag, name
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


class TestPrefilledAddForms:
    """An add form prefilled from its link (?field=value), as draft_correction_url links."""

    CORRECTION_ADD = "/admin/standards/correction/add/"

    @pytest.mark.parametrize(("url", "field"), [
        (CORRECTION_ADD, "date"), (ADD_URL, "published_at"), (ADD_URL, "ai_reviewed_at")])
    @pytest.mark.parametrize("value", ["x", "2026-02-30", "2026-01-01T25:00", "0001-01-01",
                                       "9999-12-31T23:59:59-12:00", ""])
    def test_a_date_that_does_not_read_is_left_out(self, editor, url, field, value):
        response = editor.get(url, {field: value})
        assert response.status_code == 200
        assert input_value(html(response), f"{field}_0") != value or value == ""

    @pytest.mark.parametrize(("url", "field"), [
        (CORRECTION_ADD, "date"), (ADD_URL, "published_at"), (ADD_URL, "ai_reviewed_at")])
    def test_a_date_that_reads_is_shown_in_the_newsrooms_time(self, editor, settings, url,
                                                              field):
        settings.TIME_ZONE = "America/New_York"
        page = html(editor.get(url, {field: "2026-03-02T09:30:00+00:00"}))
        assert (input_value(page, f"{field}_0"), input_value(page, f"{field}_1")) == (
            "2026-03-02", "04:30:00")
        page = html(editor.get(url, {field: "2026-01-01"}))
        assert (input_value(page, f"{field}_0"), input_value(page, f"{field}_1")) == (
            "2026-01-01", "00:00:00")

    def test_the_rest_of_the_link_still_prefills(self, editor):
        story = ArticleFactory(headline="Harbour reopens")
        page = html(editor.get(self.CORRECTION_ADD, {"article": story.pk, "kind": "clarification",
                                                     "date": "x"}))
        assert f'<option value="{story.pk}" selected>' in page
        assert '<option value="clarification" selected>' in page
