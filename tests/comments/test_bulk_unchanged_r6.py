"""Approving an approved comment (or hiding a hidden one) changes nothing, and says so.

The admin's bulk actions said "3 comments approved." of three comments
already approved, and wrote a new log entry, undo entry, moderator and time
for each, overwriting who had actually decided them. Like the story actions
("1 story was already published"), they leave such comments alone and count
them apart. A comment approved but reported is still decided: approving it
closes its reports.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from comments import moderation
from comments.models import Comment, CommentReport, ModerationAction
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

COMMENTS = "/admin/comments/comment/"


def staff(group, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def moderator(client):
    user = staff("Moderators", "mod")
    client.force_login(user)
    return user


@pytest.fixture
def decided_earlier():
    """Who decided the comments first, and when."""
    return staff("Moderators", "first"), timezone.now() - timedelta(hours=2)


def decided(status, decided_earlier, count=1):
    first, at = decided_earlier
    return [CommentFactory(status=status, moderator=first, moderated_at=at,
                           moderation_reason="Checked") for _ in range(count)]


def act(client, action, comments):
    response = client.post(COMMENTS, {
        "action": action, "_selected_action": [c.pk for c in comments], "reason": "again",
        "drawn": timezone.now().isoformat()}, follow=True)
    return [str(message) for message in response.context["messages"]]


def left_alone(comments, decided_earlier):
    first, at = decided_earlier
    for comment in comments:
        comment.refresh_from_db()
        assert (comment.moderator, comment.moderated_at, comment.moderation_reason) == (
            first, at, "Checked")


def test_approving_approved_comments_changes_nothing_and_says_so(
        client, moderator, decided_earlier):
    approved = decided("approved", decided_earlier, 3)
    assert act(client, "approve", approved) == ["3 comments were already approved."]
    left_alone(approved, decided_earlier)
    assert not ModerationAction.objects.exists()
    assert not moderation.undoable_decisions(moderator).exists()


def test_hiding_a_hidden_comment_changes_nothing(client, moderator, decided_earlier):
    hidden = decided("hidden", decided_earlier)
    assert act(client, "hide", hidden) == ["1 comment was already hidden."]
    left_alone(hidden, decided_earlier)
    assert not ModerationAction.objects.exists()


def test_a_mixed_choice_counts_the_unchanged_apart(client, moderator, decided_earlier):
    already = decided("approved", decided_earlier)
    held = [CommentFactory(status="pending"), CommentFactory(status="pending")]
    assert act(client, "approve", [*held, *already]) == [
        "2 comments approved; 1 was already approved."]
    left_alone(already, decided_earlier)
    assert {c.status for c in Comment.objects.filter(pk__in=[c.pk for c in held])} == {
        "approved"}
    assert ModerationAction.objects.filter(action="comment approved").count() == 2
    # An approved comment with an open report is decided: approving it closes the report.
    reported = decided("approved", decided_earlier)[0]
    report = CommentReport.objects.create(comment=reported, reporter=UserFactory(),
                                          reason="spam")
    assert act(client, "approve", [reported, *already]) == [
        "1 comment approved; 1 was already approved."]
    report.refresh_from_db()
    reported.refresh_from_db()
    assert report.resolved_at is not None and reported.moderator == moderator


def test_the_workflow_returns_the_unchanged_apart(moderator, decided_earlier):
    already = decided("hidden", decided_earlier, 2)
    held = CommentFactory(status="pending")
    result = moderation.decide_comments([*already, held], Comment.Status.HIDDEN, moderator)
    assert (result.decided, result.unchanged) == ([held], already)
    left_alone(already, decided_earlier)
    assert ModerationAction.objects.count() == 1


def test_the_desk_decides_no_comment_already_so(client, moderator):
    """Approved on arrival, never decided: a card sent for it changes nothing either."""
    comment = CommentFactory(status="approved")
    response = client.post(f"/admin/moderation/comments/{comment.pk}/decide/", {
        "decision": "approve", "version": "new", "next": "/admin/moderation/comments/"},
        HTTP_X_REQUESTED_WITH="fetch")
    assert response.status_code == 409
    assert "already approved, with no open report. Nothing was changed." in (
        response.content.decode())
    comment.refresh_from_db()
    assert comment.moderator is None and comment.moderated_at is None
    assert not ModerationAction.objects.exists()
