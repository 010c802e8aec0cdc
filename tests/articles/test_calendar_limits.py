"""What the story desk stores: times within the calendar, text with LF line breaks.

Times at the ends of the calendar are refused where they are typed or imported.

A story imported as published on 0001-01-01 (Go's "no date") made its page,
its section, its author, the archive and search fail for readers once the
site ran west of UTC; a scheduled time on 9999-12-31 made the save itself
fail and lost the story typed. core.validators.within_calendar refuses them.
And a story is never its own related story.
"""

from datetime import UTC, datetime

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from articles.models import Article, RelatedArticle, related_sql
from comments.models import ReaderStanding
from tests.articles.newsroom import ADD_URL, article_form, change_url, form_errors, staff
from tests.articles import test_import
from tests.articles.test_import import refused_lines, run_import, story
from tests.factories import (ArticleFactory, AuthorFactory, CorrectionFactory, SectionFactory,
                             UserFactory)

pytestmark = pytest.mark.django_db

copy_dir = test_import.copy_dir  # the import's folder of copy, as a fixture here too

REFUSED = "Give a time between the years 1000 and 9000; this one is in"


@pytest.fixture
def west(settings):
    settings.TIME_ZONE = "America/New_York"
    timezone.activate("America/New_York")
    yield
    timezone.deactivate()


@pytest.fixture
def editor_client():
    client = Client()
    client.force_login(staff("Editors", username="editor"))
    return client


def test_an_import_dated_year_one_writes_nothing_and_says_why(settings, west, copy_dir):
    lines = refused_lines(settings, copy_dir, {"articles": [
        story(published_at="0001-01-01T00:00:00Z")]})
    assert any(f'field "published_at": {REFUSED} 1.' in line
               and "0001-01-01 for “no date”" in line for line in lines), lines


def test_an_import_of_an_ordinary_old_story_still_goes_through(settings, copy_dir):
    out, _ = run_import(copy_dir, {"articles": [story(published_at="1912-04-15T02:20:00Z")]})
    assert Article.objects.get().published_at == datetime(1912, 4, 15, 2, 20, tzinfo=UTC)


@pytest.mark.parametrize("field", ["published_at", "ai_reviewed_at"])
def test_the_story_form_refuses_a_time_at_the_end_of_the_calendar(editor_client, west, field):
    section, author = SectionFactory(), AuthorFactory()
    end = datetime(9999, 12, 31, 23, 0, tzinfo=timezone.get_current_timezone())
    fields = {"published_at": end, "status": "scheduled"} if field == "published_at" else {
        "ai_involvement": "assisted", "ai_reviewed_by": UserFactory(is_staff=True),
        "ai_reviewed_at": end}
    response = editor_client.post(ADD_URL, article_form(
        headline="Tides tables for the year", slug="tides", body="High water at six.",
        section=section, author=author, **fields))
    assert response.status_code == 200
    assert f"{REFUSED} 9999." in form_errors(response)
    assert "Tides tables for the year" in response.content.decode()  # kept
    assert not Article.objects.exists()


def test_a_suspension_to_the_end_of_the_calendar_is_refused(west):
    moderator = staff("Moderators", username="mod")
    reader = UserFactory(username="loud")
    client = Client()
    client.force_login(moderator)
    url = f"/admin/accounts/reader/{reader.pk}/change/"
    response = client.post(url, {
        "standing-TOTAL_FORMS": "1", "standing-INITIAL_FORMS": "0",
        "standing-MIN_NUM_FORMS": "0", "standing-MAX_NUM_FORMS": "1",
        "standing-0-reader": reader.pk, "standing-0-suspended_until_0": "9999-12-31",
        "standing-0-suspended_until_1": "23:00:00", "standing-0-note": "",
        **{f"{prefix}-{name}": value for prefix in ("comments", "reports")
           for name, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"),
                               ("MIN_NUM_FORMS", "0"), ("MAX_NUM_FORMS", "0"))},
    })
    assert response.status_code == 200
    assert f"{REFUSED} 9999." in response.content.decode()
    assert not ReaderStanding.objects.exists()


def test_a_story_cannot_be_its_own_related_story(editor_client):
    article = ArticleFactory(headline="Ferries resume")
    data = article_form(article)
    data.update({"related_links-TOTAL_FORMS": "1", "related_links-0-to_article": article.pk,
                 "related_links-0-position": "0"})
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 200
    assert "A story cannot be related to itself." in form_errors(response)
    assert not RelatedArticle.objects.exists()


def test_a_self_pick_already_stored_is_not_shown():
    connection = connections["default"]
    article, other = ArticleFactory(), ArticleFactory()
    RelatedArticle.objects.create(from_article=article, to_article=article, position=0)
    RelatedArticle.objects.create(from_article=article, to_article=other, position=1)
    sql, params = related_sql(article.pk, [], 4, connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        shown = [row[0] for row in cursor.fetchall()]
    assert article.pk not in shown and other.pk in shown


@pytest.mark.parametrize("typed, error", [
    ({"status": "scheduled", "published_at": datetime(2020, 1, 1, 9, 0, tzinfo=UTC)},
     "This time has passed."),
    ({"status": "scheduled", "published_at_0": "2026-02-30", "published_at_1": "09:00:00"},
     "Enter a valid date."),
])
def test_a_refused_time_is_not_also_called_missing(editor_client, typed, error):
    data = article_form(headline="Tides", slug="tides", body="High water at six.",
                        section=SectionFactory(), author=AuthorFactory(),
                        **{k: v for k, v in typed.items() if not k.endswith(("_0", "_1"))})
    data.update({k: v for k, v in typed.items() if k.endswith(("_0", "_1"))})
    errors = form_errors(editor_client.post(ADD_URL, data))
    assert error in errors
    assert "A published story needs a publication time." not in errors


def test_an_import_with_a_bad_time_is_not_also_told_the_time_is_missing(settings, copy_dir):
    lines = refused_lines(settings, copy_dir, {"articles": [
        story(published_at="2026-02-30T09:00:00Z", status="published")]})
    assert any("not an ISO 8601 date" in line for line in lines)
    assert not any('required when status is "published"' in line for line in lines), lines


def test_publishing_now_keeps_whole_seconds_so_the_next_save_changes_no_time(editor_client):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    editor_client.post("/admin/articles/article/", {
        "action": "publish_now", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.published_at is not None and article.published_at.microsecond == 0
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None, slug="second")
    editor_client.post(change_url(draft), article_form(draft, status="published"))
    draft.refresh_from_db()
    assert draft.published_at is not None and draft.published_at.microsecond == 0


def test_text_saved_from_the_admin_is_stored_with_lf_only(editor_client):
    """DESIGN.md section 6: a browser sends CR LF; text is stored with LF."""
    article = ArticleFactory(headline="Ferries resume")
    response = editor_client.post(change_url(article), article_form(
        article, dek="Line one\r\nline two", body="First.\r\n\r\nSecond.\rThird."))
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.dek, article.body) == ("Line one\nline two", "First.\n\nSecond.\nThird.")
    correction = CorrectionFactory(article=article, text="We said Monday.\r\nIt was Tuesday.")
    correction.refresh_from_db()
    assert correction.text == "We said Monday.\nIt was Tuesday."
