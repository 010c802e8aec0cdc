"""Time zones other than UTC, QA round: the hours the clocks change, the calendar's ends, formats.

1. A time the clocks show twice (the hour they go back) no longer locks the
   admin's forms: it is shown with its offset, kept when sent back as shown,
   and a new one is refused with the offsets to choose from.
2. An EDITION_TIME in the hour the clocks skip is due when they go forward,
   never after the edition is sent.
3. The admin's date filters answer "bad filter" for the first year east of UTC.
4. Times read alike on the desk and to reporters; pages never stay in
   caches past midnight, when the masthead's date changes.
"""

import re
from datetime import UTC, datetime, time, timedelta
from html import unescape
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article
from comments.models import ModerationAction, ReaderStanding
from newsletter import edition as serving
from newsletter.models import Edition, Subscriber
from standards.models import BiasReport, Correction
from tests.articles.newsroom import article_form, change_url, form_errors
from tests.factories import ArticleFactory, CommentFactory, CorrectionFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_YORK = "America/New_York"
# On November 1, 2026 the clocks in New York go back at 2:00 EDT (06:00 UTC):
# 01:00-01:59 happens twice, first at -04:00, then at -05:00.
FIRST_0130 = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
SECOND_0130 = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
AFTER = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)


def html(response):
    return unescape(response.content.decode())


def input_value(page, name):
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert tag, name
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


@pytest.fixture
def new_york(settings):
    settings.TIME_ZONE = NEW_YORK
    with timezone.override(ZoneInfo(NEW_YORK)):
        yield


# 1. The hour the clocks go back, in the admin's forms ---------------------------------------

TWICE = ("2026-11-01 01:30:00 happens twice in America/New_York, as the clocks go back. Type "
         "its offset after the time: “01:30:00 -04:00” for the first, before the clocks go "
         "back, or “01:30:00 -05:00” for the second.")


@pytest.fixture
def story(new_york):
    with time_machine.travel(AFTER, tick=False):
        yield ArticleFactory(headline="Harbour reopens", published_at=SECOND_0130)


def save_story(editor, story, **fields):
    with time_machine.travel(AFTER, tick=False):
        return editor.post(change_url(story), article_form(story, **fields))


class TestAStoredTimeInTheRepeatedHour:
    def test_the_form_shows_which_of_the_two_it_is(self, editor, story):
        with time_machine.travel(AFTER, tick=False):
            page = html(editor.get(change_url(story)))
        assert input_value(page, "published_at_0") == "2026-11-01"
        assert input_value(page, "published_at_1") == "01:30:00 -05:00"
        assert re.search(r'name="published_at_1"[^>]*size="15"', page)

    def test_changing_the_headline_alone_saves_and_keeps_the_time(self, editor, story):
        # As the form showed it before (01:30:00, no offset): an old page, a script.
        response = save_story(editor, story, headline="Harbour reopens at dawn")
        assert response.status_code == 302, form_errors(response)
        story.refresh_from_db()
        assert story.headline == "Harbour reopens at dawn"
        assert story.published_at == SECOND_0130
        assert "Publication time" not in LogEntry.objects.get().get_change_message()

    def test_the_page_sent_back_as_shown_keeps_the_time(self, editor, story):
        with time_machine.travel(AFTER, tick=False):
            page = html(editor.get(change_url(story)))
        data = article_form(story, headline="Harbour reopens at dawn")
        data["published_at_1"] = input_value(page, "published_at_1")
        with time_machine.travel(AFTER, tick=False):
            response = editor.post(change_url(story), data)
        assert response.status_code == 302, form_errors(response)
        story.refresh_from_db()
        assert story.published_at == SECOND_0130
        assert "Publication time" not in LogEntry.objects.get().get_change_message()

    def test_the_first_of_the_two_is_kept_too(self, editor, new_york):
        with time_machine.travel(AFTER, tick=False):
            first = ArticleFactory(published_at=FIRST_0130)
            page = html(editor.get(change_url(first)))
        assert input_value(page, "published_at_1") == "01:30:00 -04:00"
        response = save_story(editor, first, headline="Ferries run again")
        assert response.status_code == 302, form_errors(response)
        first.refresh_from_db()
        assert first.published_at == FIRST_0130

    def test_the_review_time_is_kept_as_well(self, editor, story):
        Article.objects.filter(pk=story.pk).update(
            ai_involvement=Article.AIInvolvement.ASSISTED,
            ai_reviewed_by=UserFactory(is_staff=True, is_superuser=True),
            ai_reviewed_at=SECOND_0130 + timedelta(minutes=5))
        story.refresh_from_db()
        with time_machine.travel(AFTER, tick=False):
            assert input_value(html(editor.get(change_url(story))), "ai_reviewed_at_1") == (
                "01:35:00 -05:00")
        response = save_story(editor, story, headline="Harbour reopens at dawn")
        assert response.status_code == 302, form_errors(response)
        story.refresh_from_db()
        assert story.ai_reviewed_at == SECOND_0130 + timedelta(minutes=5)

    def test_a_stored_correction_in_that_hour_is_kept(self, editor, story):
        correction = CorrectionFactory(article=story, date=SECOND_0130 + timedelta(minutes=10))
        data = article_form(story, headline="Harbour reopens at dawn")
        data.update({"corrections-TOTAL_FORMS": "1", "corrections-INITIAL_FORMS": "1",
                     "corrections-0-id": correction.pk, "corrections-0-article": story.pk,
                     "corrections-0-kind": correction.kind,
                     "corrections-0-date_0": "2026-11-01", "corrections-0-date_1": "01:40:00",
                     "corrections-0-text": correction.text, "corrections-0-bias_report": ""})
        with time_machine.travel(AFTER, tick=False):
            response = editor.post(change_url(story), data)
        assert response.status_code == 302, form_errors(response)
        correction.refresh_from_db()
        assert correction.date == SECOND_0130 + timedelta(minutes=10)

    def test_a_correction_in_that_hour_saves_from_its_own_page(self, editor, story):
        correction = CorrectionFactory(article=story, date=SECOND_0130 + timedelta(minutes=10))
        url = f"/admin/standards/correction/{correction.pk}/change/"
        with time_machine.travel(AFTER, tick=False):
            assert input_value(html(editor.get(url)), "date_1") == "01:40:00 -05:00"
            response = editor.post(url, {
                "article": story.pk, "kind": "correction", "date_0": "2026-11-01",
                "date_1": "01:40:00", "text": "The pier opened in 1998.", "bias_report": ""})
        assert response.status_code == 302, html(response)[:2000]
        correction.refresh_from_db()
        assert correction.text == "The pier opened in 1998."
        assert correction.date == SECOND_0130 + timedelta(minutes=10)

    def test_a_suspension_ending_in_that_hour_is_kept(self, moderator, new_york):
        reader = UserFactory(username="loud")
        standing = ReaderStanding.objects.create(reader=reader, suspended_until=SECOND_0130)
        url = f"/admin/accounts/reader/{reader.pk}/change/"
        with time_machine.travel(SECOND_0130 - timedelta(days=2), tick=False):
            assert input_value(html(moderator.get(url)), "standing-0-suspended_until_1") == (
                "01:30:00 -05:00")
            response = moderator.post(url, {
                "standing-TOTAL_FORMS": "1", "standing-INITIAL_FORMS": "1",
                "standing-MIN_NUM_FORMS": "0", "standing-MAX_NUM_FORMS": "1",
                "standing-0-id": standing.pk, "standing-0-reader": reader.pk,
                "standing-0-suspended_until_0": "2026-11-01",
                "standing-0-suspended_until_1": "01:30:00",
                "standing-0-note": "Cooling off",
                "comments-TOTAL_FORMS": "0", "comments-INITIAL_FORMS": "0",
                "comments-MIN_NUM_FORMS": "0", "comments-MAX_NUM_FORMS": "1000",
                "comment_reports-TOTAL_FORMS": "0", "comment_reports-INITIAL_FORMS": "0",
                "comment_reports-MIN_NUM_FORMS": "0", "comment_reports-MAX_NUM_FORMS": "1000"})
        assert response.status_code == 302, html(response)[:3000]
        standing.refresh_from_db()
        assert standing.note == "Cooling off" and standing.suspended_until == SECOND_0130


class TestANewTimeInTheRepeatedHour:
    @pytest.fixture
    def earlier(self, new_york):
        with time_machine.travel(AFTER, tick=False):
            return ArticleFactory(headline="Harbour reopens",
                                  published_at=datetime(2026, 10, 30, 12, tzinfo=UTC))

    def test_typed_without_an_offset_it_is_refused_with_both_offsets(self, editor, earlier):
        data = article_form(earlier)
        data.update(published_at_0="2026-11-01", published_at_1="01:30:00")
        with time_machine.travel(AFTER, tick=False):
            response = editor.post(change_url(earlier), data)
        assert response.status_code == 200
        page = html(response)
        assert TWICE in page
        assert "couldn’t be interpreted" not in page
        # What was typed is kept.
        assert input_value(page, "published_at_1") == "01:30:00"
        earlier.refresh_from_db()
        assert earlier.published_at == datetime(2026, 10, 30, 12, tzinfo=UTC)

    @pytest.mark.parametrize(("typed", "moment"), [
        ("01:30:00 -04:00", FIRST_0130), ("01:30:00 -05:00", SECOND_0130),
        ("01:30 -0500", SECOND_0130), ("01:30:00−05:00", SECOND_0130)])
    def test_typed_with_its_offset_it_is_saved(self, editor, earlier, typed, moment):
        data = article_form(earlier)
        data.update(published_at_0="2026-11-01", published_at_1=typed)
        with time_machine.travel(AFTER, tick=False):
            response = editor.post(change_url(earlier), data)
        assert response.status_code == 302, form_errors(response)
        earlier.refresh_from_db()
        assert earlier.published_at == moment

    def test_a_time_the_clocks_skip_is_refused_with_what_each_offset_means(self, editor,
                                                                          earlier):
        data = article_form(earlier)
        data.update(published_at_0="2026-03-08", published_at_1="02:30:00")
        with time_machine.travel(AFTER, tick=False):
            response = editor.post(change_url(earlier), data)
        assert response.status_code == 200
        assert ("2026-03-08 02:30:00 never happens in America/New_York: the clocks go forward "
                "over it. Give another time, or type an offset after it: “02:30:00 -05:00” is "
                "3:30 AM, after the change, and “02:30:00 -04:00” is 1:30 AM, before it."
                ) in html(response)
        data["published_at_1"] = "02:30:00 -05:00"
        with time_machine.travel(AFTER, tick=False):
            assert editor.post(change_url(earlier), data).status_code == 302
        earlier.refresh_from_db()
        assert earlier.published_at == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)

    @pytest.mark.parametrize("typed", ["01:30:00 +24:00", "01:30:00 -05:75", "01:30 -"])
    def test_an_offset_that_is_none_is_refused(self, editor, earlier, typed):
        data = article_form(earlier)
        data.update(published_at_0="2026-11-01", published_at_1=typed)
        with time_machine.travel(AFTER, tick=False):
            response = editor.post(change_url(earlier), data)
        assert response.status_code == 200 and "Enter a valid time." in html(response)

    def test_a_correction_added_during_that_hour_saves_as_the_form_fills_it(self, editor,
                                                                            new_york):
        now = datetime(2026, 11, 1, 6, 20, tzinfo=UTC)  # 01:20 EST, the second time
        with time_machine.travel(now, tick=False):
            story = ArticleFactory(published_at=datetime(2026, 10, 31, 12, tzinfo=UTC))
            url = f"/admin/standards/correction/add/?article={story.pk}"
            page = html(editor.get(url))
            shown = (input_value(page, "date_0"), input_value(page, "date_1"))
            assert shown == ("2026-11-01", "01:20:00 -05:00")
            assert input_value(page, "initial-date_1") == "01:20:00 -05:00"
            response = editor.post(url, {
                "article": story.pk, "kind": "correction", "date_0": shown[0],
                "date_1": shown[1], "initial-date_0": shown[0], "initial-date_1": shown[1],
                "text": "The pier opened in 1998.", "bias_report": ""})
        assert response.status_code == 302, html(response)[:3000]
        assert Correction.objects.get().date == now

    def test_a_correction_added_then_with_the_time_shown_plainly_is_now(self, editor, new_york):
        now = datetime(2026, 11, 1, 6, 20, tzinfo=UTC)
        with time_machine.travel(now, tick=False):
            story = ArticleFactory(published_at=datetime(2026, 10, 31, 12, tzinfo=UTC))
            response = editor.post(f"/admin/standards/correction/add/?article={story.pk}", {
                "article": story.pk, "kind": "correction", "date_0": "2026-11-01",
                "date_1": "01:20:00", "text": "The pier opened in 1998.", "bias_report": ""})
        assert response.status_code == 302, html(response)[:3000]
        assert Correction.objects.get().date == now

    def test_the_story_form_publishing_now_in_that_hour_saves_again(self, editor, new_york):
        now = datetime(2026, 11, 1, 6, 20, tzinfo=UTC)
        with time_machine.travel(now, tick=False):
            story = ArticleFactory(draft=True, headline="Harbour reopens")
            response = editor.post(change_url(story), article_form(story, status="published"))
            assert response.status_code == 302, form_errors(response)
            story.refresh_from_db()
            assert story.published_at == now
            page = html(editor.get(change_url(story)))
            data = article_form(story, headline="Harbour reopens at dawn")
            data["published_at_1"] = input_value(page, "published_at_1")
            assert data["published_at_1"] == "01:20:00 -05:00"
            response = editor.post(change_url(story), data)
        assert response.status_code == 302, form_errors(response)
        story.refresh_from_db()
        assert story.published_at == now and story.headline == "Harbour reopens at dawn"


# 2. The edition in the hour the clocks skip ---------------------------------------------------

@pytest.fixture
def spring(settings):
    settings.TIME_ZONE = NEW_YORK
    settings.EDITION_TIME = time(2, 30)
    settings.SITE_URL = "https://news.example"
    with timezone.override(ZoneInfo(NEW_YORK)):
        yield


def due(now):
    return serving.due_moment(now)


class TestTheEditionWhenTheClocksGoForward:
    # On March 8, 2026 New York's clocks go from 2:00 EST to 3:00 EDT (07:00 UTC).
    CHANGE = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)

    @pytest.mark.parametrize("minutes", [0, 5, 29, 30, 31, 120])
    def test_it_is_due_when_the_clocks_go_forward_never_later(self, spring, minutes):
        now = self.CHANGE + timedelta(minutes=minutes)
        moment = due(now)
        assert moment == self.CHANGE and moment <= now
        assert moment.tzinfo == ZoneInfo(NEW_YORK)

    def test_before_the_change_the_day_before_is_due(self, spring):
        assert due(self.CHANGE - timedelta(seconds=1)) == datetime(2026, 3, 7, 7, 30,
                                                                   tzinfo=UTC)

    def test_in_berlin_too(self, settings):
        settings.TIME_ZONE = "Europe/Berlin"
        settings.EDITION_TIME = time(2, 30)
        with timezone.override(ZoneInfo("Europe/Berlin")):
            now = datetime(2026, 3, 29, 1, 5, tzinfo=UTC)
            assert due(now) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)

    def test_the_edition_sent_then_leaves_out_what_is_still_embargoed(self, spring):
        now = self.CHANGE + timedelta(minutes=5)  # 3:05 EDT, when cron runs a skipped job
        with time_machine.travel(now - timedelta(hours=2), tick=False):
            ArticleFactory(headline="Out before the change",
                           published_at=datetime(2026, 3, 8, 6, 0, tzinfo=UTC))
            ArticleFactory(headline="Embargoed until 3:20",
                           published_at=datetime(2026, 3, 8, 7, 20, tzinfo=UTC))
            Subscriber.objects.create(email="daily@example.org", is_daily=True,
                                      confirmed_at=now - timedelta(days=3))
        out = StringIO()
        with time_machine.travel(now, tick=False):
            call_command("send_edition", stdout=out)
        assert "Sunday, March 8, 2026, 3:00 AM" in out.getvalue()
        assert "2:30 AM" not in out.getvalue()
        assert Edition.objects.get().scheduled_at == self.CHANGE
        [message] = mail.outbox
        assert "Out before the change" in message.body
        assert "Embargoed until 3:20" not in message.body

    def test_the_repeated_hour_still_makes_one_edition(self, settings):
        settings.TIME_ZONE = NEW_YORK
        settings.EDITION_TIME = time(1, 30)
        with timezone.override(ZoneInfo(NEW_YORK)):
            runs = [datetime(2026, 11, 1, hour, minute, tzinfo=UTC)
                    for hour, minute in [(5, 31), (6, 5), (6, 31), (7, 0)]]
            # In UTC: a time in the repeated hour equals no other zone's (PEP 495).
            assert {due(run).astimezone(UTC) for run in runs} == {FIRST_0130}
            assert due(datetime(2026, 11, 1, 5, 29, tzinfo=UTC)).astimezone(UTC) == (
                FIRST_0130 - timedelta(days=1))


# 3. The first year, east of UTC ---------------------------------------------------------------

@pytest.fixture
def auckland(settings):
    settings.TIME_ZONE = "Pacific/Auckland"
    settings.DEBUG = False
    with timezone.override(ZoneInfo("Pacific/Auckland")):
        yield


@pytest.mark.parametrize("query", [
    "published_at__year=1", "published_at__year=1&published_at__month=1",
    "published_at__year=1&published_at__month=1&published_at__day=1"])
def test_the_first_year_in_the_story_list_is_a_bad_filter(editor, auckland, query):
    ArticleFactory()
    response = editor.get(f"/admin/articles/article/?{query}")
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


@pytest.mark.parametrize(("url", "query"), [
    ("/admin/comments/comment/", "created_at__gte=0001-01-01&created_at__lt=0001-01-02"),
    ("/admin/comments/moderationaction/", "created_at__year=1"),
    ("/admin/comments/moderationaction/", "created_at__gte=0001-01-01+00:00:00"),
])
def test_the_first_year_in_the_moderation_lists_is_a_bad_filter(moderator, auckland, url,
                                                                query):
    CommentFactory()
    response = moderator.get(f"{url}?{query}")
    assert response.status_code == 302 and response["Location"].endswith("?e=1")
    assert moderator.get(f"{url}?{query}&e=1").status_code == 200


def test_the_first_year_in_an_export_is_a_bad_request(moderator, auckland):
    url = "/admin/comments/moderationaction/export.csv?created_at__year=1"
    assert moderator.get(url).status_code == 400


def test_the_last_moments_west_of_utc_are_a_bad_filter_too(moderator, settings):
    settings.TIME_ZONE = NEW_YORK
    with timezone.override(ZoneInfo(NEW_YORK)):
        CommentFactory()
        response = moderator.get("/admin/comments/comment/?created_at__lt=9999-12-31+23:00:00")
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_the_years_in_between_still_filter(editor, auckland):
    ArticleFactory(headline="Harbour reopens", published_at=datetime(2026, 3, 2, tzinfo=UTC))
    response = editor.get("/admin/articles/article/?published_at__year=2026")
    assert response.status_code == 200 and "Harbour reopens" in html(response)


# 4. Formats -----------------------------------------------------------------------------------

DECIDED = datetime(2026, 12, 2, 15, 7, tzinfo=UTC)


def test_a_reporter_reads_the_decision_date_as_bylines_are_written(client, settings):
    settings.TIME_ZONE = NEW_YORK
    with time_machine.travel(DECIDED + timedelta(days=1), tick=False):
        story = ArticleFactory(slug="harbour", published_at=DECIDED - timedelta(days=3))
        report = {"reason": "factual_error", "details": "The bridge opened in 1998."}
        first = client.post("/articles/harbour/report-bias/", report)
        BiasReport.objects.filter(article=story).update(
            status=BiasReport.Status.DISMISSED, resolved_at=DECIDED)
        page = html(client.get(first["Location"]))
    assert ("This report has already been decided: a moderator dismissed it on Dec 2, 2026."
            ) in page
    assert "2 December 2026" not in page


def test_the_comment_desk_writes_times_as_the_admin_does(moderator, settings):
    settings.TIME_ZONE = NEW_YORK
    with time_machine.travel(DECIDED, tick=False):
        story = ArticleFactory()
        CommentFactory(article=story, body="An earlier reply", status="approved",
                       created_at=DECIDED - timedelta(days=400))
        CommentFactory(article=story, body="Held for review", status="pending",
                       created_at=DECIDED - timedelta(hours=1))
        page = html(moderator.get("/admin/moderation/comments/"))
    assert "posted Dec 2, 2026, 9:07 AM" in page
    assert "Oct 28, 2025, 11:07 AM" in page  # a year back, with its year
    assert "This comment</strong> <span class=\"desk-quiet\">Dec 2, 2026, 9:07 AM" in page
    # No time on the 24-hour clock is left.
    assert not re.search(r"\b\d\d?:\d\d\b(?! [AP]M)", re.sub(r"<[^>]*>", "", page))


def test_the_desks_decisions_are_timed_as_the_admin_does(moderator, settings):
    settings.TIME_ZONE = NEW_YORK
    with time_machine.travel(DECIDED, tick=False):
        comment = CommentFactory(status="pending")
        moderator.post(f"/admin/moderation/comments/{comment.pk}/decide/",
                       {"decision": "approve", "version": "new",
                        "next": "/admin/moderation/comments/"})
        assert ModerationAction.objects.exists()
        page = html(moderator.get("/admin/moderation/comments/"))
    assert "at 10:07 AM" in page


def test_the_bias_report_desk_writes_times_as_the_admin_does(moderator, settings):
    settings.TIME_ZONE = NEW_YORK
    with time_machine.travel(DECIDED, tick=False):
        story = ArticleFactory()
        BiasReport.objects.create(article=story, reason="other", details="d",
                                  created_at=DECIDED - timedelta(hours=2))
        BiasReport.objects.create(article=story, reason="other", details="e",
                                  status=BiasReport.Status.DISMISSED, resolved_at=DECIDED,
                                  created_at=DECIDED - timedelta(days=2))
        page = html(moderator.get("/admin/moderation/bias-reports/"))
        page += html(moderator.get("/admin/moderation/bias-reports/?state=decided"))
    assert "filed Dec 2, 2026, 8:07 AM" in page
    assert "decided Dec 2, 2026, 10:07 AM" in page


# Midnight in caches ------------------------------------------------------------------------------

@pytest.mark.usefixtures("page_cache_on")
@pytest.mark.parametrize(("before_midnight", "stale"),
                         [(20, 0), (600, 0), (620, 20), (630, 30), (5000, 30)])
def test_no_cache_serves_a_page_past_midnight(client, settings, before_midnight, stale):
    settings.TIME_ZONE = NEW_YORK
    settings.PAGE_CACHE_SECONDS = 600
    midnight = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)  # in New York
    with time_machine.travel(midnight - timedelta(hours=2), tick=False):
        ArticleFactory(slug="harbour")
    with time_machine.travel(midnight - timedelta(seconds=before_midnight), tick=False):
        for response in (client.get("/articles/harbour/"), client.get("/articles/harbour/")):
            control = dict(part.strip().partition("=")[::2]
                           for part in response["Cache-Control"].split(","))
            s_maxage = int(control["s-maxage"])
            assert int(control["stale-while-revalidate"]) == stale
            assert s_maxage + stale <= before_midnight
