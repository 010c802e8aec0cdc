"""The comment desk's note for the log: refused when too long, never cut; and the one read
of the reader's standing that "Hide and restrict" needs."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.models import Comment, ModerationAction, ReaderStanding
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/moderation/comments/"
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


@pytest.fixture
def moderator(client):
    user = UserFactory(username="mod", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(user)
    return user


def decide(client, comment, decision, reason, headers=None):
    return client.post(f"/admin/moderation/comments/{comment.pk}/decide/", {
        "decision": decision, "version": "new", "next": QUEUE, "reason": reason,
    }, **(headers or {}))


@pytest.mark.parametrize("headers", [None, FETCH], ids=["plain", "script"])
def test_a_note_over_300_characters_is_refused_and_shown_to_copy(client, moderator, headers):
    comment = CommentFactory(status="pending")
    note = "The thread shows a pattern. " * 11 + "End."  # 312 characters
    response = decide(client, comment, "hide", note, headers)
    # A page of its own, even to the script: desk.js sends the form again plainly.
    assert response.status_code == 400
    html = response.content.decode()
    assert "a note can be at most 300 characters, and this one has 312" in html
    assert "Shorten it, then decide again." in html
    assert note.strip() in html and "desk-note-kept" in html
    assert f'href="{QUEUE}"' in html
    comment.refresh_from_db()
    assert comment.status == "pending" and comment.moderator is None
    assert not ModerationAction.objects.exists()


def test_a_note_of_300_characters_after_its_spaces_are_joined_is_kept_whole(client, moderator):
    comment = CommentFactory(status="pending")
    note = "x" * 150 + "   \n\n  " + "y" * 149  # 300 once the run of spaces is one
    assert decide(client, comment, "hide", note).status_code == 303
    comment.refresh_from_db()
    assert comment.status == "hidden"
    assert comment.moderation_reason == "x" * 150 + " " + "y" * 149
    assert ModerationAction.objects.get().reason == comment.moderation_reason


def test_hide_and_restrict_reads_the_readers_standing_once_before_writing_it(client, moderator):
    reader = UserFactory(username="ana")
    ReaderStanding.objects.create(reader=reader, note="Warned in March.")
    comment = CommentFactory(status="pending", reader=reader)
    with CaptureQueriesContext(connection) as queries:
        assert decide(client, comment, "restrict", "").status_code == 303
    table = ReaderStanding._meta.db_table
    reads = [q["sql"] for q in queries.captured_queries
             if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]]
    # restriction_refusal's read; _restrict's get_or_create reads it again to write it.
    assert len(reads) == 2, reads
    standing = ReaderStanding.objects.get(reader=reader)
    assert standing.is_premoderated and standing.note == "Warned in March."
    assert Comment.objects.get(pk=comment.pk).status == "hidden"


def test_a_stale_restrict_button_is_still_refused_and_decides_nothing(client, moderator):
    reader = UserFactory(username="ana")
    ReaderStanding.objects.create(reader=reader, is_premoderated=True, updated_by=moderator)
    comment = CommentFactory(status="pending", reader=reader)
    response = decide(client, comment, "restrict", "", FETCH)
    assert response.status_code == 409
    assert "ana is in pre-moderation already (set by mod)" in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == "pending" and not ModerationAction.objects.exists()
