"""A correction is dated between its story's publication and now, wherever it is written."""

from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
import time_machine
from django.core.exceptions import ValidationError

from standards.models import Correction
from tests.articles.newsroom import ADD_URL, article_form, change_url
from tests.factories import (ArticleFactory, AuthorFactory, BiasReportFactory, CorrectionFactory,
                             SectionFactory)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 16, 0, tzinfo=dt_timezone.utc)
PUBLISHED = datetime(2026, 3, 2, 9, 30, tzinfo=dt_timezone.utc)
CORRECTION_ADD = "/admin/standards/correction/add/"
FUTURE = ("This date is in the future. Date a correction when it is made: no later than now "
          "(up to 5 minutes ahead is accepted, for clocks that differ).")
BEFORE = "The story was published on Mar 2, 2026, 9:30 AM: date the correction then or later."


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def story():
    return ArticleFactory(headline="Harbour reopens", published_at=PUBLISHED)


def html(response):
    return response.content.decode()


def date_errors(correction):
    with pytest.raises(ValidationError) as error:
        correction.full_clean()
    return error.value.message_dict["date"]


class TestTheModelsRule:
    @pytest.mark.parametrize("date", [PUBLISHED, NOW, NOW + timedelta(minutes=5)],
                             ids=["at publication", "now", "clock margin"])
    def test_from_publication_to_now_is_accepted(self, story, date):
        Correction(article=story, text="Fixed.", date=date).full_clean()

    @pytest.mark.parametrize("date", [NOW + timedelta(minutes=5, seconds=1),
                                      datetime(2031, 5, 5, tzinfo=dt_timezone.utc)])
    def test_a_date_still_to_come_is_refused(self, story, date):
        assert date_errors(Correction(article=story, text="Fixed.", date=date)) == [FUTURE]

    @pytest.mark.parametrize("date", [PUBLISHED - timedelta(seconds=1),
                                      datetime(1500, 1, 1, tzinfo=dt_timezone.utc)])
    def test_a_date_before_the_story_was_published_is_refused(self, story, date):
        assert date_errors(Correction(article=story, text="Fixed.", date=date)) == [BEFORE]

    def test_a_story_not_yet_out_takes_none(self):
        story = ArticleFactory(published_at=NOW + timedelta(days=1))
        assert date_errors(Correction(article=story, text="Fixed.", date=NOW)) == [
            "The story is not published until Mar 11, 2026, 4:00 PM: add the correction once "
            "it is out."]

    def test_a_story_without_a_publication_time_takes_any_past_date(self):
        draft = ArticleFactory(draft=True)
        Correction(article=draft, text="Fixed.", date=datetime(
            2001, 1, 1, tzinfo=dt_timezone.utc)).full_clean()

    def test_the_publication_time_is_shown_in_the_newsrooms_time(self, story, settings):
        settings.TIME_ZONE = "America/New_York"
        assert date_errors(Correction(article=story, text="Fixed.", date=PUBLISHED
                                      - timedelta(days=1))) == [BEFORE.replace("9:30", "4:30")]

    def test_both_problems_are_told_at_once(self, story):
        correction = Correction(article=story, text="Fixed.", bias_report=BiasReportFactory(
            article=ArticleFactory()), date=datetime(2031, 5, 5, tzinfo=dt_timezone.utc))
        with pytest.raises(ValidationError) as error:
            correction.full_clean()
        assert error.value.message_dict == {
            "bias_report": ["This bias report is about another story."], "date": [FUTURE]}


def correction_post(story, day, time="12:00:00"):
    return {"article": story.pk, "kind": "correction", "date_0": day, "date_1": time,
            "text": "The pier opened in 1998."}


class TestTheCorrectionForm:
    @pytest.mark.parametrize(("day", "message"), [("2031-05-05", FUTURE),
                                                  ("1500-01-01", BEFORE)])
    def test_a_date_out_of_range_is_refused_with_what_was_typed_kept(
            self, editor, story, day, message):
        response = editor.post(CORRECTION_ADD, correction_post(story, day))
        page = html(response)
        assert response.status_code == 200
        assert message in page
        assert "The pier opened in 1998." in page and f'value="{day}"' in page
        assert not Correction.objects.exists()

    def test_a_date_in_range_is_saved(self, editor, story):
        response = editor.post(CORRECTION_ADD, correction_post(story, "2026-03-09"))
        assert response.status_code == 302
        assert Correction.objects.get().date == datetime(2026, 3, 9, 12, tzinfo=dt_timezone.utc)

    def test_changing_a_correction_to_a_later_date_is_refused(self, editor, story):
        correction = CorrectionFactory(article=story, date=NOW - timedelta(days=1))
        response = editor.post(f"/admin/standards/correction/{correction.pk}/change/",
                               correction_post(story, "2031-05-05"))
        assert response.status_code == 200 and FUTURE in html(response)
        correction.refresh_from_db()
        assert correction.date == NOW - timedelta(days=1)


def with_correction(data, day, time="12:00:00"):
    return {**data, "corrections-TOTAL_FORMS": "1", "corrections-INITIAL_FORMS": "0",
            "corrections-0-kind": "correction", "corrections-0-date_0": day,
            "corrections-0-date_1": time, "corrections-0-text": "The pier opened in 1998."}


class TestTheStorysForm:
    @pytest.mark.parametrize(("day", "message"), [("2031-05-05", FUTURE),
                                                  ("1500-01-01", BEFORE)])
    def test_a_date_out_of_range_is_refused_and_nothing_is_saved(
            self, editor, story, day, message):
        data = with_correction(article_form(story, headline="Harbour reopens at last"), day)
        response = editor.post(change_url(story), data)
        page = html(response)
        assert response.status_code == 200
        assert message in page and "The pier opened in 1998." in page
        story.refresh_from_db()
        assert story.headline == "Harbour reopens" and not story.corrections.exists()

    def test_the_date_is_checked_against_the_publication_time_being_saved(
            self, editor, story):
        # Moved to March 9: a correction of March 5 would come before it.
        later = datetime(2026, 3, 9, 8, tzinfo=dt_timezone.utc)
        data = with_correction(article_form(story, published_at=later), "2026-03-05")
        response = editor.post(change_url(story), data)
        assert response.status_code == 200
        assert "The story was published on Mar 9, 2026, 8:00 AM" in html(response)
        story.refresh_from_db()
        assert story.published_at == PUBLISHED and not story.corrections.exists()

    def test_a_story_being_added_has_its_corrections_checked_too(self, editor):
        data = with_correction(article_form(
            headline="Ferry resumes", slug="ferry-resumes", body="It sails.",
            section=SectionFactory(), author=AuthorFactory(), status="published",
            published_at=PUBLISHED), "2026-03-01")
        response = editor.post(ADD_URL, data)
        assert response.status_code == 200 and BEFORE in html(response)
        assert not Correction.objects.exists()

    def test_a_date_in_range_is_saved_with_the_story(self, editor, story):
        response = editor.post(change_url(story), with_correction(article_form(story),
                                                                  "2026-03-09"))
        assert response.status_code == 302
        assert story.corrections.get().date == datetime(2026, 3, 9, 12, tzinfo=dt_timezone.utc)
