"""Moderators deciding from the admin's pages: a reader's standing, a comment's own
page and the comment list's actions, and what the moderation log says of them.

Each moderator is a browser of their own (tests.test_edit_conflicts.Editor).
"""

from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.utils import timezone

from comments import moderation
from comments.models import ModerationAction, ReaderStanding
from tests.factories import CommentFactory, UserFactory
from tests.test_edit_conflicts import Editor

pytestmark = pytest.mark.django_db

COMMENTS = "/admin/comments/comment/"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def moderators():
    return Editor("first", "Ada First", "Moderators"), Editor("second", "Ben Second", "Moderators")


def reader_page(reader):
    return f"/admin/accounts/reader/{reader.pk}/change/"


def text_of(response):
    return unescape(response.content.decode())


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


# A reader's standing saved from a page opened before another moderator's.


def test_a_stale_standing_page_does_not_lift_another_moderators_ban(moderators):
    first, second = moderators
    reader = UserFactory(username="loud")
    until = (timezone.now() + timedelta(days=5)).replace(microsecond=0)  # as forms keep it
    ReaderStanding.objects.create(reader=reader, suspended_until=until)
    first.open(reader_page(reader))
    second.open(reader_page(reader))
    first.fields.append(("standing-0-is_banned", "on"))  # ticked
    assert first.save().status_code == 302

    refused = second.save(**{"standing-0-suspended_until_0": "",
                             "standing-0-suspended_until_1": "",
                             "standing-0-note": "lifted by B"})

    assert refused.status_code == 200
    html = text_of(refused)
    assert "Someone else saved this reader after you opened it" in html
    assert "Suspended for good, set by first" in html  # their decision, shown
    assert "Saved since you opened this form by Ada First" in html  # logged under the proxy
    # What the second moderator typed is kept in the form.
    assert second.value("standing-0-note") == "lifted by B"
    assert second.value("standing-0-suspended_until_0") == ""
    standing = ReaderStanding.objects.get(reader=reader)
    assert standing.is_banned and standing.suspended_until == until and standing.note == ""
    assert standing.updated_by.username == "first"


def test_a_comment_posted_meanwhile_does_not_refuse_the_standing(moderators):
    first, _ = moderators
    reader = UserFactory(username="loud")
    first.open(reader_page(reader))
    CommentFactory(reader=reader)
    first.fields.append(("standing-0-is_premoderated", "on"))
    assert first.save().status_code == 302
    assert ReaderStanding.objects.get(reader=reader).is_premoderated


# Undoing a decision made on a comment's own page.


def test_undoing_a_decision_from_the_comments_page_puts_the_comment_back(moderators):
    first, second = moderators
    earlier = timezone.now() - timedelta(days=1)
    comment = CommentFactory(status="approved", moderated_at=earlier,
                             moderator=get_user_model().objects.get(username="second"),
                             moderation_reason="fine by me")
    first.open(f"{COMMENTS}{comment.pk}/change/")
    assert first.save(status="hidden", moderation_reason="via change form").status_code == 302
    decision = ModerationAction.objects.get(action="comment hidden")
    assert decision.undo["status"] == "approved"

    response = first.client.post(f"/admin/moderation/decisions/{decision.pk}/undo/",
                                 {"next": "/admin/moderation/comments/"}, follow=True)

    assert any(m.startswith("Undone:") for m in messages_of(response))
    comment.refresh_from_db()
    assert (comment.status, comment.moderator.username, comment.moderated_at,
            comment.moderation_reason) == ("approved", "second", earlier, "fine by me")


# A reason longer than the comment and the log can hold.


def test_a_reason_too_long_is_refused_by_the_lists_action_and_nothing_is_decided(moderators):
    first, _ = moderators
    comment = CommentFactory(status="pending")
    page = first.client.get(COMMENTS).content.decode()
    # No maxlength: the browser cut a pasted reason there unsaid (tests/test_qa10_moderation.py).
    assert 'name="reason" size="40">' in page

    response = first.client.post(COMMENTS, {"action": "hide", "_selected_action": [comment.pk],
                                            "reason": "x" * 400, "index": 0}, follow=True)

    assert response.status_code == 200
    assert messages_of(response) == [
        "Nothing was decided. A reason can be at most 300 characters (this one has 400): "
        "shorten it, then choose the comments again."]
    comment.refresh_from_db()
    assert comment.status == "pending" and comment.moderated_at is None
    assert not ModerationAction.objects.exists()


def test_a_decision_stores_no_more_of_its_reason_than_the_columns_hold():
    """On PostgreSQL a longer one was a DataError, and the moderator a server error."""
    comment = CommentFactory(status="pending")
    moderator = UserFactory(username="mod", is_staff=True)
    moderation.decide_comments([comment], "hidden", moderator, "y" * 400,
                               drawn_at=timezone.now())
    comment.refresh_from_db()
    assert comment.moderation_reason == "y" * 299 + "…"
    assert ModerationAction.objects.get().reason == "y" * 299 + "…"


# A suspension that has already ended.


def test_a_suspension_ending_in_the_past_is_refused_with_what_was_typed_kept(moderators):
    first, _ = moderators
    reader = UserFactory(username="loud")
    first.open(reader_page(reader))
    a_year_ago = timezone.localtime() - timedelta(days=365)
    first.fields += [("standing-0-suspended_until_0", f"{a_year_ago:%Y-%m-%d}"),
                     ("standing-0-suspended_until_1", "09:00:00"),
                     ("standing-0-note", "for the spam")]
    refused = first.save()
    assert refused.status_code == 200
    assert "This date has passed: a suspension must end in the future." in text_of(refused)
    assert first.value("standing-0-suspended_until_0") == f"{a_year_ago:%Y-%m-%d}"
    assert first.value("standing-0-note") == "for the spam"
    assert not ReaderStanding.objects.filter(reader=reader).exists()


def test_a_suspension_that_has_ended_is_left_alone_when_it_is_not_changed(moderators):
    first, _ = moderators
    reader = UserFactory(username="loud")
    ReaderStanding.objects.create(reader=reader,
                                  suspended_until=timezone.now() - timedelta(days=30))
    first.open(reader_page(reader))
    first.fields.append(("standing-0-is_premoderated", "on"))
    assert first.save().status_code == 302
    assert ReaderStanding.objects.get(reader=reader).is_premoderated


# The moderation log's entry for a standing.


@override_settings(TIME_ZONE="Europe/Berlin")
def test_the_logs_standing_entry_reads_as_moderators_say_it_with_the_note(moderators):
    first, _ = moderators
    reader = UserFactory(username="loud")
    with time_machine.travel(NOW, tick=False):
        first.open(reader_page(reader))
        first.fields += [("standing-0-suspended_until_0", "2026-12-06"),
                         ("standing-0-suspended_until_1", "09:00:00"),
                         ("standing-0-is_premoderated", "on"),
                         ("standing-0-note", "Three spam links in a day.")]
        assert first.save().status_code == 302
    entry = ModerationAction.objects.get(action="reader standing")
    assert entry.reason == ("suspended until Dec 6, 2026, 9:00 AM (Europe/Berlin time); then pre-moderated. "
                            "Note: “Three spam links in a day.”")


def test_a_long_note_is_kept_whole_in_the_log():
    reader = UserFactory(username="loud")
    standing = ReaderStanding.objects.create(reader=reader, is_banned=True, note="z" * 300)
    moderation.log_standing(UserFactory(username="mod"), standing)
    reason = ModerationAction.objects.get().reason
    assert reason == f"suspended for good. Note: “{'z' * 300}”"
