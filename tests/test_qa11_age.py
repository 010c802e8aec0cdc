"""QA round 11: the site after years of use (long histories, deep archives, what piles up)."""

import os
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.articles.newsroom import change_url, history_url
from tests.factories import ArticleFactory, CorrectionFactory
from tests.test_admin_at_scale import _indexes_read

pytestmark = pytest.mark.django_db

PER_PAGE = 100  # django-simple-history's history_list_per_page


def _changes(html):
    """The text of each row's Changes cell (its last) on a history page, newest row first."""
    body = html[html.index('id="change-history"'):]
    body = body[body.index("<tbody>"):body.index("</tbody>")]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[-1] for row in rows]
    return [re.sub(r"<[^>]+>|\s+", " ", cell).replace("\xa0", " ").strip() for cell in cells]


class TestALongHistory:
    """A story edited more than a history page holds (100 revisions)."""

    def test_the_oldest_revision_on_a_page_shows_what_it_changed(self, editor):
        story = ArticleFactory(dek="dek 0")
        for number in range(1, PER_PAGE + 2):
            story.dek = f"dek {number}"
            story.save()

        first = _changes(editor.get(history_url(story)).content.decode())
        second = _changes(editor.get(f"{history_url(story)}?p=2").content.decode())

        assert len(first) == PER_PAGE
        # The page's oldest revision changed the dek from 1 to 2: the one before it
        # is on the next page.
        assert "dek 1" in first[-1] and "dek 2" in first[-1]
        # The story's first revision changed nothing: it made the story.
        assert second[-1] == ""

    def test_a_tag_change_on_a_pages_oldest_revision_is_shown(self, editor):
        story = ArticleFactory(tags=["Ports"])
        story.save()
        story.tags.add("Ferries")  # into the latest revision, as the admin's form does
        for number in range(PER_PAGE - 1):
            story.dek = f"dek {number}"
            story.save()

        rows = _changes(editor.get(history_url(story)).content.decode())

        assert len(rows) == PER_PAGE
        assert "Tags" in rows[-1] and "Ferries" in rows[-1]

    def test_the_next_pages_newest_revision_costs_one_query(self, editor):
        story = ArticleFactory()
        for number in range(PER_PAGE + 1):
            story.dek = f"dek {number}"
            story.save()
        with CaptureQueriesContext(connection) as first:
            editor.get(history_url(story))
        with CaptureQueriesContext(connection) as last:
            editor.get(f"{history_url(story)}?p=2")

        assert len(first) == len(last) + 1

    def test_a_corrections_history_reads_its_pages_the_same_way(self, editor):
        correction = CorrectionFactory(text="First wording.")
        for number in range(1, PER_PAGE + 1):
            correction.text = f"Wording {number}."
            correction.save()

        rows = _changes(editor.get(
            f"/admin/standards/correction/{correction.pk}/history/").content.decode())

        assert "First wording." in rows[-1] and "Wording 1." in rows[-1]


class TestACorrectionDeletedWithItsStory:
    """Its history's address, kept from before, after the story went with its corrections."""

    def test_its_history_and_revisions_are_not_found(self, editor):
        story = ArticleFactory(draft=True)
        correction = CorrectionFactory(article=story)
        revision = correction.history.get()
        story.delete()
        url = f"/admin/standards/correction/{correction.pk}/history/"

        assert editor.get(url).status_code == 404
        assert editor.get(f"{url}{revision.pk}/").status_code == 404

    def test_one_deleted_alone_keeps_its_history(self, editor):
        correction = CorrectionFactory(article=ArticleFactory(draft=True))
        revision = correction.history.get()
        url = f"/admin/standards/correction/{correction.pk}/history/"
        correction.delete()

        assert editor.get(url).status_code == 200
        assert editor.get(f"{url}{revision.pk}/").status_code == 200


class TestADeletedStorysRevisions:
    """The history page of a deleted story offers Compare, to choose the revision to restore."""

    def test_two_of_them_are_compared(self, editor):
        story = ArticleFactory(draft=True, dek="The first dek")
        story.dek = "The second dek"
        story.save()
        first, second = story.history.order_by("history_id")
        url = history_url(story)
        story.delete()
        # Its section and author may go too, once no story is left in them.
        story.section.delete()
        story.author.delete()

        assert 'name="from"' in editor.get(url).content.decode()
        response = editor.get(f"{url}compare/?from={first.pk}&to={second.pk}")

        assert response.status_code == 200
        html = response.content.decode()
        assert "The <del>first</del><ins>second</ins> dek" in html
        assert f"{url}{first.pk}/" in html  # "restore this one"

    def test_a_story_that_never_was_is_not_found(self, editor):
        assert editor.get("/admin/articles/article/999/history/compare/?from=1&to=2"
                          ).status_code == 404
        assert editor.get("/admin/articles/article/x/history/compare/?from=1&to=2"
                          ).status_code == 404


class TestTheAdminsLog:
    """Django's log of admin saves keeps an entry for every save, for good."""

    def test_an_open_forms_ask_who_saved_since_reads_the_log_by_its_object(self, editor):
        """Every open change form asks every 20 s; the log had no index by object, and
        each ask scanned it whole (0.4-0.7 s at two million entries)."""
        story = ArticleFactory()
        version = editor.get(change_url(story)).context["adminform"].form.edit_version
        with CaptureQueriesContext(connection) as captured:
            response = editor.post(f"/admin/articles/article/{story.pk}/editing-now/",
                                   {"version": version})
        assert response.status_code == 200
        asked = [q["sql"] for q in captured.captured_queries
                 if 'FROM "django_admin_log"' in q["sql"]]

        assert len(asked) == 1
        assert "admin_log_object_idx" in _indexes_read(asked[0])

    def test_the_admin_homes_recent_actions_read_the_log_by_account_and_time(self, editor):
        """Django's sidebar of the account's ten latest actions read every entry the
        account ever made, or the whole log, and sorted them (0.7 s at two million)."""
        with CaptureQueriesContext(connection) as captured:
            response = editor.get("/admin/")
        assert response.status_code == 200
        asked = [q["sql"] for q in captured.captured_queries
                 if 'FROM "django_admin_log"' in q["sql"]]

        assert len(asked) == 1
        assert "admin_log_user_idx" in _indexes_read(asked[0])


class TestALongBodysHistory:
    """A story of many words edited often: each revision's change is shortened for the
    history page, its common beginning with the one before found by halves."""

    def test_the_page_does_not_walk_the_bodies_a_character_at_a_time(self, editor,
                                                                     monkeypatch):
        from simple_history import template_utils

        walked = []

        def commonprefix(values):
            walked.append(max(map(len, values)))
            return os.path.commonprefix(values)

        monkeypatch.setattr(template_utils, "commonprefix", commonprefix)
        story = ArticleFactory(body="Words of a long read. " * 5000)
        story.body += "One more line."
        story.save()

        html = editor.get(history_url(story)).content.decode()

        assert walked == []
        assert "chars]" in _changes(html)[0] and "One more line." in _changes(html)[0]

    @pytest.mark.parametrize("old, new", [
        ("a" * 500 + "b", "a" * 500 + "c"),
        ("same start " * 30 + "then one ending", "same start " * 30 + "then another"),
        ("x" * 300, "y" * 300),
        ("short", "a much longer text " * 20),
        ("", "b" * 200),
        ("ab" * 100, "ab" * 100),
        ("The harbour at dawn, before the ferries leave.", "The harbour at dusk."),
    ])
    def test_it_shortens_as_django_simple_history_does(self, old, new):
        from simple_history.template_utils import ObjDiffDisplay

        from core.revisions import QuickDiffDisplay

        assert (QuickDiffDisplay(max_length=100).common_shorten_repr(old, new)
                == ObjDiffDisplay(max_length=100).common_shorten_repr(old, new))
