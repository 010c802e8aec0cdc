"""A newsroom account (editor, moderator, superuser) is never restricted by moderators.

A moderator could put an editor, another moderator or the superuser in
pre-moderation from the desk, and no admin page could lift it (the readers'
admin leaves staff out): only the ten-minute undo did. Restricting one is
refused now, their comment can still be hidden, and a standing stored on one
before that no longer holds the account back (ReaderStanding.applies).
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from comments import moderation
from comments.models import Comment, ModerationAction, ReaderStanding
from tests.commenting import post_comment
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/moderation/comments/"
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}
RESTRICT_BUTTON = 'value="restrict"'
REFUSED = ("This comment is by editor, a newsroom account: newsroom accounts are not put in "
           "pre-moderation, suspended or banned, but their comments can be hidden. Nothing was "
           "decided: use Hide to hide this comment.")


def staff(group, username):
    user = UserFactory(username=username, is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def moderator(client):
    user = staff("Moderators", "mod")
    client.force_login(user)
    return user


@pytest.fixture
def editor():
    return staff("Editors", "editor")


def restrict(client, comment, headers=None):
    return client.post(f"/admin/moderation/comments/{comment.pk}/decide/", {
        "decision": "restrict", "version": "new", "next": QUEUE}, **(headers or {}))


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def nothing_changed(comment):
    comment.refresh_from_db()
    assert comment.status == "pending" and comment.moderator_id is None
    assert not ReaderStanding.objects.exists()
    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize("account", ["editor", "other_moderator", "root"])
def test_the_desk_refuses_to_restrict_a_newsroom_account(client, moderator, account):
    author = {"editor": lambda: staff("Editors", "editor"),
              "other_moderator": lambda: staff("Moderators", "editor"),
              "root": lambda: UserFactory(username="editor", is_staff=True,
                                          is_superuser=True)}[account]()
    comment = CommentFactory(reader=author, status="pending", hold_reason="Contains a link")
    response = restrict(client, comment)
    assert response.status_code == 303
    assert messages_of(client.get(response["Location"])) == [REFUSED]
    nothing_changed(comment)
    # A reader's comment, the same way: restricted.
    theirs = CommentFactory(reader=UserFactory(username="ana"), status="pending")
    assert restrict(client, theirs).status_code == 303
    assert ReaderStanding.objects.get().reader.username == "ana"


def test_the_desk_hands_the_card_back_without_the_button_when_sent_by_the_script(
        client, moderator, editor):
    comment = CommentFactory(reader=editor, status="pending", body="Our correction policy.")
    response = restrict(client, comment, FETCH)
    assert response.status_code == 409
    card = response.content.decode()
    assert 'data-desk-item' in card and "data-desk-card-notice" in card
    assert "their comments can be hidden" in card and RESTRICT_BUTTON not in card
    assert 'value="hide"' in card
    nothing_changed(comment)
    # Their comment can still be hidden, with no standing set.
    response = client.post(f"/admin/moderation/comments/{comment.pk}/decide/", {
        "decision": "hide", "version": "new", "next": QUEUE})
    assert response.status_code == 303
    comment.refresh_from_db()
    assert comment.status == "hidden" and comment.moderator == moderator
    assert not ReaderStanding.objects.exists()


def test_the_queue_offers_no_restriction_for_a_newsroom_account(client, moderator, editor):
    CommentFactory(reader=editor, status="pending", body="From the newsroom.")
    reader = UserFactory(username="ana")
    CommentFactory(reader=reader, status="pending", body="From a reader.")
    html = client.get(QUEUE).content.decode()
    staff_card, reader_card = (html[html.index(f"by {name} on “"):]
                               for name in ("editor", "ana"))
    staff_card = staff_card[:staff_card.index("</article>")]
    reader_card = reader_card[:reader_card.index("</article>")]
    assert RESTRICT_BUTTON not in staff_card and RESTRICT_BUTTON in reader_card
    assert "a newsroom account, not restricted by moderators" in staff_card
    # The readers' admin leaves staff out: a link there would say the account does not exist.
    assert f"/admin/accounts/reader/{editor.pk}/" not in staff_card
    assert f"/admin/accounts/reader/{reader.pk}/" in reader_card


def test_the_workflow_refuses_it_whoever_calls_it(editor):
    comment = CommentFactory(reader=editor, status="pending")
    with pytest.raises(moderation.RestrictionRefused):
        moderation.decide_comment(comment, Comment.Status.HIDDEN, staff("Moderators", "mod"),
                                  restrict=True)
    nothing_changed(comment)


def test_the_comment_list_names_a_newsroom_account_without_a_dead_link(
        client, moderator, editor):
    CommentFactory(reader=editor, body="From the newsroom.")
    html = client.get("/admin/comments/comment/").content.decode()
    assert "editor (newsroom)" in html
    assert f"/admin/accounts/reader/{editor.pk}/" not in html


# A standing stored on a newsroom account before this was refused.


@pytest.fixture
def restricted_editor(editor):
    ReaderStanding.objects.create(reader=editor, is_premoderated=True, is_banned=True,
                                  suspended_until=timezone.now() + timedelta(days=3))
    return editor


def test_a_standing_stored_on_a_newsroom_account_holds_nothing_back(client, restricted_editor):
    article = ArticleFactory(slug="harbour")
    client.force_login(restricted_editor)
    page = client.get("/articles/harbour/comments/").content.decode()
    assert "can no longer post comments" not in page and "data-comment-form" in page
    response = post_comment(client, "harbour", "The newsroom answers: we checked the figures.")
    assert response.status_code in (200, 302, 303)
    comment = Comment.objects.get(article=article)
    assert (comment.status, comment.hold_reason) == ("approved", "")
    assert moderation.comment_refusal(restricted_editor) is None
    # The same standing on a reader holds them back.
    reader = UserFactory(username="ana")
    ReaderStanding.objects.create(reader=reader, is_banned=True)
    client.force_login(reader)
    page = client.get("/articles/harbour/comments/").content.decode()
    assert "Your account can no longer post comments." in page


def test_the_desk_shows_a_newsroom_accounts_stored_standing_as_not_applying(
        client, moderator, restricted_editor):
    CommentFactory(reader=restricted_editor, status="pending", body="From the newsroom.")
    html = client.get(QUEUE).content.decode()
    assert "a newsroom account, not restricted by moderators" in html
    assert "suspended for good" not in html


def test_a_new_reader_at_a_newsroom_accounts_mailbox_takes_no_standing(restricted_editor):
    reader = UserFactory(username="ana", email=restricted_editor.email)
    assert not ReaderStanding.objects.filter(reader=reader).exists()
