"""QA round 13, the record a reader can read about themselves, and the edition's watcher.

A reader's account page said nothing of what moderators decided about their standing
(a restriction, a suspension, a ban, a lift); the edition's watcher stopped for good when
the database was wholly away while it ran.
"""

import re
from datetime import timedelta
from html import unescape
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django_tasks_db.models import DBTaskResult

from tests.newsletter import conftest as newsletter_fixtures
from tests.tasks import DATABASE_QUEUE

# The newsletter's stories and clock (tests/newsletter/conftest.py).
clock, newsroom = newsletter_fixtures.clock, newsletter_fixtures.newsroom


# The edition's watcher, the database wholly away --------------------------------------------


class Outage:
    """Every connection to the database refused until `lasts` waits have passed."""

    def __init__(self, lasts):
        self.lasts, self.waits = lasts, []
        self._connect = BaseDatabaseWrapper.ensure_connection

    def ensure_connection(self, wrapper):
        if len(self.waits) < self.lasts:
            raise OperationalError("connection refused: the database is away")
        return self._connect(wrapper)

    def sleep(self, seconds):
        self.waits.append(seconds)

    def __enter__(self):
        outage = self
        self._patches = [
            mock.patch.object(BaseDatabaseWrapper, "ensure_connection",
                              lambda wrapper: outage.ensure_connection(wrapper)),
            mock.patch("newsletter.tasks.sleep", self.sleep)]
        from django.db import connection
        connection.close()  # the next query connects, and is refused
        for patch in self._patches:
            patch.start()
        return self

    def __exit__(self, *exc):
        for patch in self._patches:
            patch.stop()


def _stalled_edition(settings):
    from newsletter.models import Edition
    from tests.newsletter.conftest import EDITION, NOW
    from tests.newsletter.test_edition import subscriber

    settings.TASKS = DATABASE_QUEUE
    settings.EDITION_STALL_SECONDS = 60
    subscriber("ana@example.org", daily=True)
    return Edition.objects.create(scheduled_at=EDITION, watch_key="k",
                                  heartbeat_at=NOW - timedelta(seconds=61))


@pytest.mark.django_db(transaction=True)
def test_a_watcher_run_while_the_database_is_away_looks_again_once_it_is_back(
        newsroom, settings):
    """The watcher's next look goes in the task queue, which is in the database: with the
    database away, queuing it failed too, and the watching ended for good (a log line asked
    someone to run send_edition). It now waits and tries again, and queues its next look
    once the database answers."""
    from newsletter import tasks
    from tests.newsletter.conftest import NOW

    edition = _stalled_edition(settings)
    with Outage(lasts=3) as outage, pytest.raises(OperationalError):
        tasks.watch_edition.call(edition.pk, "k")
    assert len(outage.waits) == 3
    (look,) = DBTaskResult.objects.all()
    assert look.task_path == tasks.watch_edition.module_path
    assert look.args_kwargs["args"] == [edition.pk, "k"]
    assert look.run_after == NOW + timedelta(seconds=60)
    assert tasks.watch_edition.call(edition.pk, "k") == "queued 1 batch again"


@pytest.mark.django_db(transaction=True)
def test_a_watcher_waits_for_the_database_a_bounded_time(newsroom, settings, caplog):
    """An outage longer than its waits ends the watching as before, said in the log: the
    worker is not held for ever."""
    from newsletter import tasks

    edition = _stalled_edition(settings)
    with Outage(lasts=10_000) as outage, pytest.raises(OperationalError):
        tasks.watch_edition.call(edition.pk, "k")
    assert outage.waits == list(tasks.LOOK_AGAIN_WAITS)
    assert sum(outage.waits) <= 15 * 60  # seconds
    assert not DBTaskResult.objects.exists()
    assert "could not queue its next look" in caplog.text


# A reader's account page: what moderators decided about their commenting -------------------


def _moderator():
    from tests.articles.newsroom import staff
    return staff("Moderators", username="mod_maria")


def _set_standing(reader, moderator, **fields):
    """As the readers' admin saves a standing (CommentingReaderAdmin.save_formset)."""
    from comments import moderation
    from comments.models import ReaderStanding

    standing, _ = ReaderStanding.objects.get_or_create(reader=reader)
    for name, value in fields.items():
        setattr(standing, name, value)
    standing.updated_by = moderator
    standing.save()
    moderation.log_standing(moderator, standing)
    return standing


def _words(html):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


class Section:
    """The account page's part about the reader's commenting, as text and list items."""

    def __init__(self, html):
        self.html = html

    def get_text(self, *args):
        return _words(self.html)

    def find_all(self, tag):
        return [Section(item) for item in re.findall(r"<li>(.*?)</li>", self.html, re.S)]

    def find(self, tag):
        return self.find_all(tag)[0]


def _section(client):
    response = client.get("/accounts/")
    assert response.status_code == 200
    html = response.content.decode()
    found = re.search(r'<section[^>]* id="your-standing".*?</section>', html, re.S)
    return (Section(found.group()) if found else None), html


@pytest.mark.django_db
def test_a_reader_reads_what_was_decided_about_their_standing_when_and_why(client):
    """The account page listed the reader's comments and their status, and nothing of a
    suspension, a ban or its lift: a reader could not see what was decided about them,
    when, or the reason given. It now does, newest first, never naming the moderator."""
    from django.utils import dateformat, timezone

    from comments.models import ModerationAction
    from tests.factories import UserFactory

    moderator = _moderator()
    reader = UserFactory(username="ana")
    until = timezone.now() + timedelta(days=3)
    _set_standing(reader, moderator, suspended_until=until,
                  note="Links to the same shop under every story")
    client.force_login(reader)
    section, html = _section(client)
    assert section is not None, "no record of the decision on the account page"
    text = " ".join(section.get_text(" ").split())
    shown_until = dateformat.format(timezone.localtime(until), "M j, Y, g:i A")
    assert f"Your account cannot post comments until {shown_until}" in text
    assert f"Suspended until {shown_until}" in text
    assert "Reason given: Links to the same shop under every story" in text
    decided = ModerationAction.objects.get(reader=reader).created_at
    assert dateformat.format(timezone.localtime(decided), "M j, Y, g:i A") in text
    assert "mod_maria" not in html

    _set_standing(reader, moderator, suspended_until=None, note="Talked it over by email.")
    section, html = _section(client)
    items = [" ".join(li.get_text(" ").split()) for li in section.find_all("li")]
    assert len(items) == 2
    assert "Free to comment" in items[0] and "Talked it over by email." in items[0]
    assert "Suspended until" in items[1]
    assert "You can comment freely." in section.get_text()
    assert "mod_maria" not in html


@pytest.mark.django_db
def test_a_restriction_from_the_desk_and_its_undo_are_on_the_readers_record(client):
    from comments import moderation
    from comments.models import Comment
    from tests.factories import CommentFactory, UserFactory

    moderator = _moderator()
    reader = UserFactory(username="ana")
    comment = CommentFactory(reader=reader)
    entry = moderation.decide_comment(comment, Comment.Status.HIDDEN, moderator,
                                      reason="Insults another reader", restrict=True)
    client.force_login(reader)
    section, _ = _section(client)
    text = " ".join(section.get_text(" ").split())
    assert "Your comments wait for a moderator’s review before they are published." in text
    assert "put your account in pre-moderation" in text
    assert "Reason given: Insults another reader" in text

    # Another moderator changed the standing since: the undo's own words name them.
    other = UserFactory(username="mod_omar", is_staff=True)
    _set_standing(reader, other, is_banned=True, note="")
    moderation.undo_decision(entry, moderator)
    section, html = _section(client)
    items = [" ".join(li.get_text(" ").split()) for li in section.find_all("li")]
    assert "took back an earlier decision" in items[0]
    assert "Suspended for good" in items[1]
    assert "Your account can no longer post comments." in section.get_text()
    assert "mod_maria" not in html and "mod_omar" not in html


@pytest.mark.django_db
def test_only_the_readers_own_standing_decisions_are_listed(client):
    """A reader never moderated sees no such part; a comment hidden without a restriction is
    in their comments' list (Hidden by a moderator), not here; another reader's decisions
    are not theirs."""
    from comments import moderation
    from comments.models import Comment
    from tests.factories import CommentFactory, UserFactory

    moderator = _moderator()
    reader, other = UserFactory(username="ana"), UserFactory(username="ben")
    _set_standing(other, moderator, is_banned=True, note="Ben's note")
    moderation.decide_comment(CommentFactory(reader=reader), Comment.Status.HIDDEN,
                              moderator, reason="Off topic")
    client.force_login(reader)
    section, html = _section(client)
    assert section is None
    assert "Ben's note" not in html and "Off topic" not in html


@pytest.mark.django_db
def test_a_standing_carried_over_does_not_name_the_other_account(client):
    from comments.models import ModerationAction
    from tests.factories import UserFactory

    reader = UserFactory(username="ana")
    _set_standing(reader, _moderator(), is_premoderated=True, note="")
    ModerationAction.objects.create(
        moderator=None, action="reader standing carried over", reader=reader,
        target=f"reader {reader.pk}",
        reason="Carried over from reader 4711, at the same email address: pre-moderated.")
    client.force_login(reader)
    section, _ = _section(client)
    first = " ".join(section.find("li").get_text(" ").split())
    assert ("Pre-moderated, carried over from another account at the same email address."
            in first)
    assert "4711" not in section.get_text()


@pytest.mark.django_db
@pytest.mark.parametrize("decisions", [1, 45])
def test_the_standing_record_is_bounded_and_its_queries_do_not_grow(
        client, decisions, django_assert_num_queries):
    from comments.account import STANDING_DECISIONS_SHOWN
    from tests.factories import UserFactory

    moderator = _moderator()
    reader = UserFactory(username="ana")
    for n in range(decisions):
        _set_standing(reader, moderator, is_premoderated=n % 2 == 0, note=f"Note {n}")
    client.force_login(reader)
    client.get("/accounts/")  # the session's first read of the user is not the page's
    # session, user, other browsers, newsroom account (groups), the newsroom's record,
    # the reader's standing, its decisions, their bias reports, comment count (no
    # comments: no page of them)
    with django_assert_num_queries(9):
        section, _ = _section(client)
    items = section.find_all("li")
    assert len(items) == min(decisions, STANDING_DECISIONS_SHOWN)
    assert f"Note {decisions - 1}" in items[0].get_text()
    assert ("latest" in section.get_text()) == (decisions > STANDING_DECISIONS_SHOWN)


# A reader's account page: the bias reports they filed -------------------------------------


def _reports_part(client):
    response = client.get("/accounts/")
    assert response.status_code == 200
    html = response.content.decode()
    found = re.search(r'<section[^>]* id="your-bias-reports".*?</section>', html, re.S)
    return (found.group() if found else None), html


@pytest.mark.django_db
def test_a_reader_finds_the_bias_reports_they_filed_and_their_outcomes(client):
    """A report's page, where its outcome and the moderator's note to the reporter are read,
    was reached only by the link on the form's answer (or the email, for a reporter who left
    an address): the account page, which lists the reader's comments, said nothing of their
    reports. It now lists them, each linking to its page."""
    from django.utils import timezone

    from standards.models import BiasReport
    from tests.factories import ArticleFactory, BiasReportFactory, UserFactory

    reader = UserFactory(username="ana")
    story = ArticleFactory(headline="Rates rise again")
    dismissed = BiasReportFactory(
        article=story, reader=reader, status=BiasReport.Status.DISMISSED,
        resolved_at=timezone.now(), resolution_note="The word is the court's own.")
    waiting = BiasReportFactory(reader=reader)
    gone = BiasReportFactory(reader=reader, article=ArticleFactory(draft=True,
                                                                   headline="Taken down"))
    BiasReportFactory(reader=UserFactory(username="ben"), details="Ben's report")
    client.force_login(reader)
    part, html = _reports_part(client)
    assert part is not None, "the reader's bias reports are not on the account page"
    items = [_words(item) for item in re.findall(r"<li>(.*?)</li>", part, re.S)]
    assert len(items) == 3
    assert items[0].startswith(f"{gone.reference}, on a story that is no longer published")
    assert "Taken down" not in html
    assert items[1].startswith(f"{waiting.reference} on") and "Waiting for a moderator" in items[1]
    assert items[2].startswith(f"{dismissed.reference} on Rates rise again")
    assert "Dismissed on" in items[2]
    link = f"/articles/{story.slug}/report-bias/{dismissed.reference}/"
    assert f'href="{link}"' in part
    assert "The word is the court" in client.get(link).content.decode()
    assert "Ben's report" not in html


@pytest.mark.django_db
def test_a_reader_who_filed_no_report_sees_no_such_part(client):
    from tests.factories import BiasReportFactory, UserFactory

    reader = UserFactory(username="ana")
    BiasReportFactory()  # filed by someone not signed in
    client.force_login(reader)
    assert _reports_part(client)[0] is None


@pytest.mark.django_db
@pytest.mark.parametrize("reports", [1, 30])
def test_the_bias_reports_part_is_bounded_and_its_queries_do_not_grow(
        client, reports, django_assert_num_queries):
    from standards.account import REPORTS_SHOWN
    from tests.factories import ArticleFactory, BiasReportFactory, UserFactory

    reader = UserFactory(username="ana")
    for story in ArticleFactory.create_batch(reports):
        BiasReportFactory(article=story, reader=reader)
    client.force_login(reader)
    client.get("/accounts/")  # the session's first read of the user is not the page's
    # session, user, other browsers, newsroom account (groups), the newsroom's record,
    # the reader's standing, their bias reports with their stories, comment count
    with django_assert_num_queries(8):
        part, _ = _reports_part(client)
    assert part.count("<li>") == min(reports, REPORTS_SHOWN)
    assert ("latest" in part) == (reports > REPORTS_SHOWN)
