"""A deleted reader's name leaves the moderation log and the admin's history, and a
suspension outlives the account: its name and address stay held until it would have ended."""

import json
from datetime import timedelta
from html import unescape
from io import StringIO

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import HeldName, ProvenEmail, Reader
from comments import moderation
from comments.models import Comment, ModerationAction, ReaderStanding
from tests.factories import CommentFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()

PASSWORD = "a-long-harbour-passphrase"
NOT_AVAILABLE = "This name is not available. Please choose another."
HELD_EMAIL = "This email address cannot be used at the moment."


@pytest.fixture
def moderator(db):
    return UserFactory(username="desk", is_staff=True)


@pytest.fixture
def bob(db):
    return UserFactory(username="qa_bob", email="bob@example.org")


def sign_up(username, email="bob@example.org", address="127.0.0.1"):
    return Client(REMOTE_ADDR=address).post("/accounts/signup/", {
        "username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD})


def delete_account(user):
    client = Client()
    client.force_login(user)
    response = client.post("/accounts/delete/", {"password": "a-long-test-passphrase"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert not User.objects.filter(pk=user.pk).exists()


def suspend(reader, moderator, **standing):
    standing = ReaderStanding.objects.create(reader=reader, updated_by=moderator, **standing)
    moderation.log(moderator, "reader standing", reader, "pre-moderation=no")
    return standing


# The moderation log names readers by id, and shows them by their name while it lasts.

def test_the_log_names_a_reader_by_id_and_shows_their_current_name(moderator, bob):
    suspend(bob, moderator, suspended_until=timezone.now() + timedelta(days=3))
    comment = CommentFactory(reader=bob)
    moderation.decide_comment(comment, Comment.Status.HIDDEN, moderator, "rude")
    standing, decision = ModerationAction.objects.order_by("pk")
    assert (standing.target, standing.reader) == (f"reader {bob.pk}", bob)
    assert (decision.target, decision.reader) == (f"comment {comment.pk} by reader {bob.pk}", bob)
    assert "qa_bob" not in standing.target + decision.target
    bob.username = "bob_renamed"
    bob.save()
    assert ModerationAction.objects.get(pk=standing.pk).target_shown == "bob_renamed"
    assert ModerationAction.objects.get(pk=decision.pk).target_shown == (
        f"comment {comment.pk} by bob_renamed")


def test_an_undo_is_logged_of_the_same_reader(moderator, bob):
    comment = CommentFactory(reader=bob)
    decision = moderation.decide_comment(comment, Comment.Status.HIDDEN, moderator)
    moderation.undo_decision(decision, moderator)
    undo = ModerationAction.objects.exclude(pk=decision.pk).get()
    assert (undo.target, undo.reader) == (decision.target, bob)


def test_a_deleted_readers_entries_say_a_former_reader_and_the_decisions_stay(moderator, bob):
    suspend(bob, moderator, suspended_until=timezone.now() - timedelta(days=1))
    comment = CommentFactory(reader=bob)
    moderation.decide_comment(comment, Comment.Status.HIDDEN, moderator, "rude")
    other = CommentFactory(reader=UserFactory(username="ana"))
    moderation.decide_comment(other, Comment.Status.HIDDEN, moderator)
    delete_account(bob)
    assert sign_up("qa_bob").status_code == 302  # the suspension had ended: the name is free
    new_bob = User.objects.get(username="qa_bob")
    entries = ModerationAction.objects.order_by("pk")
    assert [(entry.action, entry.target_shown, entry.reason) for entry in entries] == [
        ("reader standing", "a former reader", "pre-moderation=no"),
        ("comment hidden", f"comment {comment.pk} by a former reader", "rude"),
        ("comment hidden", f"comment {other.pk} by ana", ""),
    ]
    assert not ModerationAction.objects.filter(reader=new_bob).exists()
    assert "qa_bob" not in "".join(str(entry) for entry in entries)


def test_the_admins_history_of_a_deleted_reader_no_longer_names_them(moderator, bob):
    standing = suspend(bob, moderator, is_premoderated=True)
    comment = CommentFactory(reader=bob, body="Rude words here")
    other = CommentFactory(reader=UserFactory(username="qa_bobby"), body="Kind words")

    def logged(obj, message=""):
        return LogEntry.objects.log_actions(
            moderator.pk, [obj], CHANGE, change_message=message, single_object=True)

    reader_entry = logged(Reader.objects.get(pk=bob.pk), [{"changed": {
        "name": "reader standing", "object": str(standing), "fields": ["Pre-moderation"]}}])
    user_entry = logged(bob)
    comment_entry = logged(comment)
    standing_entry = logged(standing)
    other_entry = logged(other)
    assert reader_entry.object_repr == "qa_bob"
    assert comment_entry.object_repr == "qa_bob: Rude words here"

    delete_account(bob)
    for entry in (reader_entry, user_entry, comment_entry, standing_entry, other_entry):
        entry.refresh_from_db()
    assert reader_entry.object_repr == user_entry.object_repr == "a former reader"
    assert json.loads(reader_entry.change_message)[0]["changed"]["object"] == (
        "Standing of a former reader")
    assert comment_entry.object_repr == "a former reader: Rude words here"
    assert standing_entry.object_repr == "Standing of a former reader"
    assert other_entry.object_repr == "qa_bobby: Kind words"  # someone else's
    assert not LogEntry.objects.filter(object_repr__contains="qa_bob:").exists()
    assert LogEntry.objects.count() == 5  # the history itself stays


def test_a_reader_deleted_in_the_admin_through_the_proxy_is_forgotten_too(moderator, bob):
    suspend(bob, moderator, is_banned=True)
    Reader.objects.get(pk=bob.pk).delete()
    assert ModerationAction.objects.get().target_shown == "a former reader"
    assert HeldName.objects.exists()


# A suspension outlives the account.

def test_a_suspended_reader_cannot_delete_and_sign_up_again_at_once(moderator, bob):
    ProvenEmail.record(bob)  # an address never proven is not held (test_privacy_r6)
    until = timezone.now() + timedelta(days=3)
    suspend(bob, moderator, suspended_until=until)
    delete_account(bob)
    held = HeldName.objects.get()
    assert held.until == until
    assert held.email and "bob" not in held.email  # a keyed hash, not the address
    for n, username in enumerate(["qa_bob", "QA_Bob", "qa_b0b"]):
        html = unescape(sign_up(username, email="other@example.org",
                                address=f"192.0.2.{n}").content.decode())
        assert NOT_AVAILABLE in html
        assert f'value="{username}"' in html
    response = sign_up("bob_again")  # another name, the same address
    html = unescape(response.content.decode())
    assert response.status_code == 400 and HELD_EMAIL in html
    assert 'value="bob_again"' in html
    response = sign_up("bob_again", email="BOB@Example.org",  # however it is written
                       address="198.51.100.1")
    assert HELD_EMAIL in unescape(response.content.decode())
    assert not User.objects.filter(username__in=["qa_bob", "bob_again"]).exists()
    assert sign_up("bob_again", email="new@example.org", address="198.51.100.2"
                   ).status_code == 302


def test_the_hold_ends_with_the_suspension(moderator, bob, settings):
    suspend(bob, moderator, suspended_until=timezone.now() + timedelta(days=3))
    delete_account(bob)
    HeldName.objects.update(until=timezone.now() - timedelta(seconds=1))
    assert sign_up("qa_bob").status_code == 302


def test_a_ban_holds_the_name_and_address_for_a_year(moderator, bob):
    suspend(bob, moderator, is_banned=True)
    before = timezone.now()
    delete_account(bob)
    held = HeldName.objects.get()
    assert before + timedelta(days=365) <= held.until <= timezone.now() + timedelta(days=365)
    assert NOT_AVAILABLE in unescape(sign_up("qa_bob", "x@example.org").content.decode())


def test_a_reader_in_good_standing_leaves_nothing_held(moderator, bob):
    suspend(bob, moderator, is_premoderated=True,
            suspended_until=timezone.now() - timedelta(minutes=1))
    delete_account(bob)
    assert not HeldName.objects.exists()
    assert sign_up("qa_bob").status_code == 302


def test_purge_drops_a_held_name_once_the_suspension_would_have_ended(moderator, bob):
    suspend(bob, moderator, suspended_until=timezone.now() + timedelta(days=3))
    delete_account(bob)
    ended = HeldName.objects.create(skeleton="x", folded="x", email="",
                                    until=timezone.now() - timedelta(minutes=1))
    out = StringIO()
    call_command("purge_personal_data", stdout=out)
    assert not HeldName.objects.filter(pk=ended.pk).exists() and HeldName.objects.count() == 1
    assert ("names held from deleted accounts whose suspension had ended"
            in out.getvalue())


def test_purge_says_sessions_go_once_expired_not_after_30_days():
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session.set_expiry(-1)
    session.create()
    out = StringIO()
    call_command("purge_personal_data", stdout=out)
    output = out.getvalue()
    assert "1 expired sessions" in output
    line = next(line for line in output.splitlines() if "expired sessions" in line)
    assert "30 days" not in line


def test_the_migration_names_the_readers_of_earlier_entries_by_id(moderator, bob):
    import importlib

    from django.apps import apps

    comment = CommentFactory(reader=bob)
    gone = CommentFactory(reader=None)
    earlier = timezone.now() - timedelta(days=30)
    rows = [
        ("reader standing", "qa_bob", timezone.now()),
        ("reader standing", "qa_bob", earlier),  # before this qa_bob joined: another one
        ("comment hidden", f"comment {comment.pk} by qa_bob", timezone.now()),
        ("comment hidden", f"comment {gone.pk} by someone_gone", timezone.now()),
        ("bias report upheld", "BR-12", timezone.now()),
    ]
    bob.date_joined = earlier + timedelta(days=1)
    bob.save()
    for action, target, created_at in rows:
        ModerationAction.objects.create(moderator=moderator, action=action, target=target,
                                        created_at=created_at)
    migration = importlib.import_module("comments.migrations.0013_moderation_log_reader_by_id")
    migration.refer_to_readers_by_id(apps, None)
    assert [(entry.target, entry.reader_id)
            for entry in ModerationAction.objects.order_by("pk")] == [
        (f"reader {bob.pk}", bob.pk),
        ("a former reader", None),
        (f"comment {comment.pk} by reader {bob.pk}", bob.pk),
        (f"comment {gone.pk} by a former reader", None),
        ("BR-12", None),
    ]
