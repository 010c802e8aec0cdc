"""The editors' desk: deleting a story with readers' records, a new story on another's old
address, and a story deleted while an editor had it open."""

import io
import json
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.models import Article, OldSlug
from comments.models import Comment
from standards.models import BiasReport, Correction
from tests.articles.newsroom import ADD_URL, LIST_URL, article_form, change_url, staff
from tests.factories import (ArticleFactory, BiasReportFactory, CommentFactory,
                             CorrectionFactory, SectionFactory)
from tests.test_edit_conflicts import Editor

pytestmark = pytest.mark.django_db


def html(response):
    return response.content.decode()


def delete_url(story):
    return f"/admin/articles/article/{story.pk}/delete/"


@pytest.fixture
def desk():
    return Editor("editor", "Jane Editor")


@pytest.fixture
def discussed():
    """A public story with three comments, a bias report and a correction."""
    story = ArticleFactory(headline="Ferry strike ends", slug="ferry-strike-ends")
    CommentFactory.create_batch(3, article=story)
    BiasReportFactory(article=story)
    CorrectionFactory(article=story)
    return story


REFUSAL = ("“Ferry strike ends” is public, and 3 comments, 1 bias report and 1 correction are "
           "on its public record: the transparency report counts them in its figures for past "
           "months. Deleting the story would delete them for good. Unpublish it instead: it "
           "leaves the site at once and keeps its record, all of which comes back if it is "
           "published again.")


class TestDeletingAStoryWithRecords:
    def test_a_public_one_is_refused_with_a_way_to_unpublish_it(self, desk, discussed):
        for response in (desk.client.get(delete_url(discussed)),
                         desk.client.post(delete_url(discussed), {"post": "yes"})):
            assert response.status_code == 200
            page = html(response)
            assert "Cannot delete article" in page and REFUSAL in page
            assert 'value="Unpublish it"' in page
        assert Article.objects.filter(pk=discussed.pk).exists()
        assert Comment.objects.count() == 3

        unpublish = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>',
                              html(response), re.S)
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', unpublish.group(2)))
        done = desk.client.post(unpublish.group(1), fields, follow=True)
        assert "Unpublished 1 story." in html(done)
        assert Article.objects.get(pk=discussed.pk).status == Article.Status.DRAFT

    def test_once_not_public_it_goes_with_them_counted(self, desk, discussed):
        Article.objects.filter(pk=discussed.pk).update(status=Article.Status.DRAFT)
        page = html(desk.client.get(delete_url(discussed)))
        assert "Are you sure you want to delete" in page
        for line in ("Comments: 3", "Bias reports: 1", "Corrections: 1"):
            assert line in page
        assert desk.client.post(delete_url(discussed), {"post": "yes"}).status_code == 302
        assert not Article.objects.filter(pk=discussed.pk).exists()
        assert (Comment.objects.count(), BiasReport.objects.count(),
                Correction.objects.count()) == (0, 0, 0)

    def test_a_public_story_with_no_records_is_deleted_as_before(self, desk):
        story = ArticleFactory()
        assert desk.client.post(delete_url(story), {"post": "yes"}).status_code == 302
        assert not Article.objects.filter(pk=story.pk).exists()

    def test_delete_selected_refuses_the_public_ones(self, desk, discussed):
        draft = ArticleFactory(draft=True)
        CommentFactory(article=draft)
        chosen = {"action": "delete_selected", "_selected_action": [discussed.pk, draft.pk],
                  "index": "0", "post": "yes"}
        page = html(desk.client.post(LIST_URL, chosen, follow=True))
        assert f"Not deleted: {REFUSAL}" in page
        assert "Nothing was deleted." in page
        assert Article.objects.count() == 2

        chosen["_selected_action"] = [draft.pk]
        confirm = html(desk.client.post(LIST_URL, {**chosen, "post": ""}))
        assert "Comments: 1" in confirm
        desk.client.post(LIST_URL, chosen)
        assert list(Article.objects.values_list("pk", flat=True)) == [discussed.pk]

    def test_a_moderator_still_may_not_delete_stories(self, client):
        client.force_login(staff("Moderators", username="moderator"))
        story = ArticleFactory(draft=True)
        CommentFactory(article=story)
        assert client.post(delete_url(story), {"post": "yes"}).status_code == 403
        assert Article.objects.filter(pk=story.pk).exists()


@pytest.fixture
def renamed():
    """A public story renamed: its old address leads to it."""
    story = ArticleFactory(headline="QA draft one", slug="qa-draft-one")
    story.slug = "qa-renamed-one"
    story.save()
    assert OldSlug.objects.filter(slug="qa-draft-one", article=story).exists()
    return story


OLD_ADDRESS = ("The address /articles/qa-draft-one/ still leads to “QA draft one”, which had "
               "this slug before it was renamed: a story taking it would end that link for "
               "good. Choose another slug.")


class TestAnotherStorysOldAddress:
    def test_a_new_story_may_not_take_it_in_the_admin(self, client, desk, renamed):
        section = SectionFactory()
        data = article_form(headline="A different story", slug="qa-draft-one", body="Words.",
                            section=section, author=renamed.author)
        response = desk.client.post(ADD_URL, data)
        assert response.status_code == 200
        assert OLD_ADDRESS in str(response.context["adminform"].form.errors["slug"])
        assert Article.objects.count() == 1
        assert client.get("/articles/qa-draft-one/").status_code == 301

    def test_nor_in_other_capitals_or_by_renaming(self, desk, renamed):
        other = ArticleFactory(draft=True, headline="Another story")
        response = desk.client.post(change_url(other), article_form(other, slug="QA-Draft-One"))
        assert response.status_code == 200
        assert OLD_ADDRESS in str(response.context["adminform"].form.errors["slug"])

    def test_the_story_itself_may_take_it_back(self, desk, renamed):
        response = desk.client.post(change_url(renamed), article_form(renamed, slug="qa-draft-one"))
        assert response.status_code == 302
        assert Article.objects.get(pk=renamed.pk).slug == "qa-draft-one"

    def test_the_import_refuses_it_too(self, renamed, tmp_path):
        SectionFactory(name="World")
        path = tmp_path / "articles.json"
        path.write_text(json.dumps({"articles": [{
            "slug": "qa-draft-one", "headline": "Imported story", "body": "Words.",
            "section": "World", "author": {"name": "Li Wei"},
            "published_at": "2026-02-04T23:06:00Z"}]}), encoding="utf-8")
        err = io.StringIO()
        with pytest.raises(CommandError):
            call_command("import_articles", str(path), stdout=io.StringIO(), stderr=err)
        assert f'article 1 (slug "qa-draft-one"): field "slug": {OLD_ADDRESS}' in err.getvalue()
        assert Article.objects.count() == 1
        assert OldSlug.objects.filter(slug="qa-draft-one").exists()


class TestAStoryDeletedWhileOpen:
    def test_what_was_typed_comes_back_as_a_new_draft(self, desk):
        story = ArticleFactory(headline="Ferry strike ends", slug="ferry-strike-ends",
                               draft=True)
        CorrectionFactory(article=story, text="The strike ended on Monday, not Sunday.")
        desk.open(change_url(story))
        other = Editor("other", "Ben Other")
        assert other.client.post(delete_url(story), {"post": "yes"}).status_code == 302

        typed = "Ferry strike ends after six days"
        response = desk.save(headline=typed)
        assert response.status_code == 200
        page = html(response)
        assert ("“Ferry strike ends” was deleted by Ben Other at ") in page
        assert ("while you had it open, so your changes were not saved. Everything you typed "
                "is below, as a new draft: saving creates the story again, not public.") in page
        assert "Please correct" not in page  # nothing to correct: only saved anew
        form = response.context["adminform"].form
        assert form["headline"].value() == typed
        assert form["status"].value() == Article.State.DRAFT
        assert f'action="{ADD_URL}"' in page
        assert "The strike ended on Monday, not Sunday." in page
        assert not Article.objects.exists()

        desk.url = ADD_URL  # where the form is sent now, as a browser sends it
        saved = desk.save()
        assert saved.status_code == 302, saved.context["adminform"].form.errors
        restored = Article.objects.get()
        assert (restored.headline, restored.status) == (typed, Article.Status.DRAFT)
        assert restored.pk != story.pk
        assert list(restored.corrections.values_list("text", flat=True)) == [
            "The strike ended on Monday, not Sunday."]

    def test_a_story_that_never_was_is_not_found_as_before(self, desk):
        response = desk.client.post("/admin/articles/article/999/change/",
                                    {"headline": "Typed"}, follow=True)
        assert response.redirect_chain[-1][0] == "/admin/"
        assert not Article.objects.exists()


class TestMinorWording:
    def test_a_sections_slug_taken_names_the_section(self, desk):
        SectionFactory(name="World", slug="world")
        response = desk.client.post("/admin/articles/section/add/",
                                    {"name": "World news", "slug": "world", "position": "1"})
        assert response.status_code == 200
        errors = str(response.context["adminform"].form.errors["slug"])
        assert ("The section “World” has the slug “world”, and each section needs its own "
                "address. Choose another slug.") in errors
        assert "already exists" not in errors

    @pytest.mark.parametrize(("typed", "said"), [
        ("01:30:00 -04:00", "1:30 AM (-04:00, before the clocks go back)"),
        ("01:30:00 -05:00", "1:30 AM (-05:00, after the clocks go back)")])
    def test_scheduling_in_the_hour_told_twice_says_which(self, desk, settings, typed, said):
        settings.TIME_ZONE = "America/New_York"
        story = ArticleFactory(draft=True, headline="Clocks go back")
        with time_machine.travel(datetime(2026, 10, 30, 12, tzinfo=UTC)):
            response = desk.client.post(change_url(story), {
                **article_form(story, status="scheduled"),
                "published_at_0": "2026-11-01", "published_at_1": typed}, follow=True)
        assert (f"“Clocks go back” is scheduled: it becomes public on Sunday, November 1, 2026 "
                f"at {said}.") in html(response)
