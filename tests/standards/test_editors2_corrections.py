"""Corrections stay on the record: each change is kept (revision history), a change
after readers may have seen one is shown ("Amended <date>"), and one readers may have
seen cannot be deleted, even once its story is taken down."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import management

from articles.models import Article
from standards.figures import compute, recent_periods
from standards.models import Correction
from tests.articles.newsroom import change_url, staff
from tests.factories import ArticleFactory, CorrectionFactory
from tests.test_edit_conflicts import Editor

pytestmark = pytest.mark.django_db

MADE = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
AMENDED = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
FIRST_TEXT = "An earlier version misstated the year the bridge opened."
SECOND_TEXT = "An earlier version misstated the year the bridge opened: it was 1931."


def html(response):
    return response.content.decode()


def correction_url(correction):
    return f"/admin/standards/correction/{correction.pk}/change/"


def shown_item(page, correction):
    return re.search(rf'<li id="correction-{correction.pk}">.*?</li>', page, re.S).group(0)


@pytest.fixture
def corrected():
    """A story public since Dec 1 with a correction made on Dec 3."""
    with time_machine.travel(MADE, tick=False):
        story = ArticleFactory(headline="Bridge reopens", slug="bridge-reopens",
                               published_at=MADE - timedelta(days=2))
        correction = CorrectionFactory(article=story, date=MADE, text=FIRST_TEXT)
    return story, correction


@pytest.fixture
def desk():
    return Editor("editor", "Jane Editor")


class TestAmendingACorrection:
    def test_is_kept_in_its_history_and_shown_on_the_story_and_the_log(self, client, desk,
                                                                       corrected):
        story, correction = corrected
        with time_machine.travel(AMENDED, tick=False):
            desk.open(correction_url(correction))
            assert desk.save(text=SECOND_TEXT).status_code == 302
            story_page = html(client.get(story.get_absolute_url()))
            log = html(client.get("/corrections/"))

        amended = ('(Amended <time datetime="2026-12-05T12:00:00+00:00">Dec 5, 2026</time>)')
        for page in (story_page, log):
            item = shown_item(page, correction)
            assert '<time datetime="2026-12-03T12:00:00+00:00">Dec 3, 2026</time>' in item
            assert amended in item and SECOND_TEXT in item
        revisions = list(correction.history.order_by("history_date", "history_id")
                         .values_list("text", "history_user__username"))
        assert revisions == [(FIRST_TEXT, None), (SECOND_TEXT, "editor")]
        history = html(desk.client.get(f"/admin/standards/correction/{correction.pk}/history/"))
        # The change is listed, the words it replaced beside the new ones.
        assert FIRST_TEXT in history and SECOND_TEXT in history

    def test_from_the_story_form_too(self, desk, corrected):
        story, correction = corrected
        with time_machine.travel(AMENDED, tick=False):
            desk.open(change_url(story))
            assert desk.save(**{"corrections-0-text": SECOND_TEXT}).status_code == 302
        assert Correction.objects.get(pk=correction.pk).amended_at == AMENDED

    def test_saving_it_unchanged_or_citing_a_report_is_no_amendment(self, desk, corrected):
        story, correction = corrected
        desk.open(correction_url(correction))
        assert desk.save().status_code == 302
        desk.open(change_url(story))
        assert desk.save(headline="Bridge reopens to traffic").status_code == 302
        assert Correction.objects.get(pk=correction.pk).amended_at is None

    def test_one_never_shown_is_not_marked(self, desk):
        draft = ArticleFactory(draft=True)
        correction = CorrectionFactory(article=draft, text=FIRST_TEXT)
        desk.open(correction_url(correction))
        assert desk.save(text=SECOND_TEXT).status_code == 302
        assert Correction.objects.get(pk=correction.pk).amended_at is None

    def test_one_shown_before_the_story_was_taken_down_is_marked(self, corrected):
        story, correction = corrected
        with time_machine.travel(MADE + timedelta(days=1), tick=False):
            story = Article.objects.get(pk=story.pk)
            story.status = Article.Status.DRAFT
            story.save()
        with time_machine.travel(AMENDED, tick=False):
            correction = Correction.objects.get(pk=correction.pk)
            correction.text = SECOND_TEXT
            correction.save()
        assert Correction.objects.get(pk=correction.pk).amended_at == AMENDED

    def test_the_amendment_dates_the_storys_last_change(self, client, corrected):
        story, correction = corrected
        with time_machine.travel(AMENDED, tick=False):
            correction.text = SECOND_TEXT
            correction.save()
            page = html(client.get(story.get_absolute_url()))
        assert '"dateModified":"2026-12-05T12:00:00+00:00"' in page


class TestDeletingACorrection:
    def test_on_a_public_story_is_refused_with_what_to_do_instead(self, client, desk,
                                                                  corrected):
        story, correction = corrected
        url = f"/admin/standards/correction/{correction.pk}/delete/"
        for response in (desk.client.get(url, follow=True),
                         desk.client.post(url, {"post": "yes"}, follow=True)):
            assert response.redirect_chain[-1][0] == correction_url(correction)
            assert ("“Bridge reopens” is public, and this correction of Dec 3, 2026 is part of "
                    "its public record: it cannot be deleted while the story is public. Amend "
                    "its text instead; the story and /corrections/ then mark it “Amended” with "
                    "the date.") in html(response)
        assert Correction.objects.filter(pk=correction.pk).exists()
        assert f'id="correction-{correction.pk}"' in html(client.get("/corrections/"))

    def test_delete_selected_is_refused_too(self, desk, corrected):
        _, correction = corrected
        other = CorrectionFactory(article=ArticleFactory(draft=True))
        response = desk.client.post("/admin/standards/correction/", {
            "action": "delete_selected", "_selected_action": [correction.pk, other.pk],
            "post": "yes"}, follow=True)
        page = html(response)
        assert "Not deleted: “Bridge reopens” is public" in page
        assert "Nothing was deleted." in page
        assert Correction.objects.count() == 2

    def test_from_the_story_form_is_refused(self, desk, corrected):
        story, correction = corrected
        desk.open(change_url(story))
        desk.fields.append(("corrections-0-DELETE", "on"))  # its box ticked
        response = desk.save()
        assert response.status_code == 200
        assert "it cannot be deleted while the story is public" in html(response)
        assert Correction.objects.filter(pk=correction.pk).exists()

    def test_on_a_story_not_public_is_allowed(self, desk):
        correction = CorrectionFactory(article=ArticleFactory(draft=True))
        url = f"/admin/standards/correction/{correction.pk}/delete/"
        assert desk.client.post(url, {"post": "yes"}).status_code == 302
        assert not Correction.objects.filter(pk=correction.pk).exists()
        # Its history keeps it, deletion included.
        assert list(correction.history.values_list("history_type", flat=True)) == ["-", "+"]

    def test_once_readers_saw_it_it_stays_when_the_story_is_taken_down(self, client, desk,
                                                                        corrected):
        # Taken down, the story lost it, and came back without it: /corrections/ and the
        # past months' figures changed after the fact.
        story, correction = corrected
        with time_machine.travel(AMENDED, tick=False):
            story.status = Article.Status.DRAFT
            story.save()
            url = f"/admin/standards/correction/{correction.pk}/delete/"
            response = desk.client.post(url, {"post": "yes"}, follow=True)
            assert ("Readers have seen this correction of Dec 3, 2026: “Bridge reopens” was "
                    "public after it was made, so it stays on the story&#x27;s record, also "
                    "while the story is not public. Amend its text instead;") in html(response)
            response = desk.client.post("/admin/standards/correction/", {
                "action": "delete_selected", "_selected_action": [correction.pk],
                "post": "yes"}, follow=True)
            assert "Not deleted: Readers have seen this correction" in html(response)
            assert Correction.objects.filter(pk=correction.pk).exists()
            story.status = Article.Status.PUBLISHED
            story.save()
        assert f'id="correction-{correction.pk}"' in html(client.get("/corrections/"))

    def test_taking_the_story_down_in_the_same_save_does_not_free_it(self, desk, corrected):
        story, correction = corrected
        with time_machine.travel(AMENDED, tick=False):
            desk.open(change_url(story))
            desk.fields.append(("corrections-0-DELETE", "on"))
            response = desk.save(status="draft")
        assert response.status_code == 200
        assert "it cannot be deleted while the story is public" in html(response)
        assert Correction.objects.filter(pk=correction.pk).exists()
        assert Article.objects.get(pk=story.pk).is_published()

    def test_one_made_after_the_story_was_taken_down_may_go(self, desk):
        with time_machine.travel(MADE - timedelta(days=2), tick=False):
            story = ArticleFactory(published_at=MADE - timedelta(days=2))
        with time_machine.travel(MADE - timedelta(days=1), tick=False):
            story.status = Article.Status.DRAFT
            story.save()
        with time_machine.travel(MADE, tick=False):
            correction = CorrectionFactory(article=story, date=MADE - timedelta(hours=36))
        with time_machine.travel(AMENDED, tick=False):
            url = f"/admin/standards/correction/{correction.pk}/delete/"
            assert desk.client.post(url, {"post": "yes"}).status_code == 302
        assert not Correction.objects.filter(pk=correction.pk).exists()

    def test_the_transparency_figures_keep_it(self, desk, corrected):
        _, correction = corrected
        with time_machine.travel(AMENDED, tick=False):
            before = compute(recent_periods())[-1]["corrections"]
            desk.client.post(f"/admin/standards/correction/{correction.pk}/delete/",
                             {"post": "yes"})
            correction.text = SECOND_TEXT
            correction.save()
            assert compute(recent_periods())[-1]["corrections"] == before
        assert before["total"] == 1


def test_existing_corrections_get_a_first_revision(transactional_db):
    """Migration 0007 records what each correction said when revision history began."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    staff("Editors")
    correction = CorrectionFactory(text=FIRST_TEXT)
    correction.history.all().delete()
    executor = MigrationExecutor(connection)
    executor.migrate([("standards", "0006_bias_report_from_account")])
    executor.loader.build_graph()
    executor.migrate([("standards", "0007_correction_history")])
    management.call_command("migrate", verbosity=0)
    [first] = Correction.objects.get(pk=correction.pk).history.all()
    assert (first.text, first.history_type, first.history_date) == (
        FIRST_TEXT, "+", correction.date)


class TestItsHistoryPage:
    def test_a_moderator_may_read_it_but_not_revert(self, client, corrected):
        _, correction = corrected
        correction.text = SECOND_TEXT
        correction.save()
        first = correction.history.earliest()
        client.force_login(staff("Moderators", username="moderator"))
        url = f"/admin/standards/correction/{correction.pk}/history/{first.history_id}/"
        assert client.get(url).status_code == 200
        response = client.post(url, {"article": correction.article_id, "kind": "correction",
                                     "date_0": "2026-12-03", "date_1": "12:00:00",
                                     "text": FIRST_TEXT, "_save": "Revert"})
        assert response.status_code == 403
        assert Correction.objects.get(pk=correction.pk).text == SECOND_TEXT

    def test_an_address_that_is_not_a_number_is_not_found(self, editor):
        assert editor.get("/admin/standards/correction/%ff/history/").status_code == 404
        assert editor.get("/admin/standards/correction/1/history/x/").status_code == 404
