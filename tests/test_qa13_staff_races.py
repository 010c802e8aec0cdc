"""QA round 13, staff accounts under concurrency, on PostgreSQL: an administrator deleting a
moderator's account while the desk decides that moderator's comment, or while the moderator
decides one."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from comments.models import ModerationAction
from tests.articles.newsroom import staff
from tests.factories import CommentFactory, UserFactory
from tests.test_qa11_races import in_thread, waiting_on_a_lock
from tests.test_qa12_accounts_import import admin_deletes, admin_deletion_paused

DESK = "/admin/moderation/comments/"


def decides(desk, comment, decision="hide"):
    return lambda: desk.post(f"{DESK}{comment.pk}/decide/", {
        "decision": decision, "version": "new", "next": DESK, "reason": "Off topic."})


def chief():
    admin = Client()
    admin.force_login(UserFactory(username="chief", is_staff=True, is_superuser=True))
    return admin


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["delete page", "delete selected"])
def test_a_moderators_comment_decided_while_the_admin_deletes_the_account(how):
    from django.contrib.messages import get_messages

    leaving = staff("Moderators", username="leaving")
    comment = CommentFactory(reader=leaving, status="pending")
    desk = Client(raise_request_exception=False)
    desk.force_login(staff("Moderators", username="first"))
    deleted, decided = {}, {}
    # The deletion holds the account and has found what goes with it, and waits.
    with admin_deletion_paused("its signals") as (paused, go):
        deletion = in_thread(admin_deletes(chief(), leaving, how), deleted)
        assert paused.wait(10), deleted
        deciding = in_thread(decides(desk, comment), decided)
        assert waiting_on_a_lock(unless=deciding), decided
        go.set()
        deletion.join(15)
        deciding.join(15)
    assert not deletion.is_alive() and not deciding.is_alive()
    # The desk held the comment, then waited on the account for its log entry; the deletion
    # held the account, then waited on the comment to unname it: a deadlock, one a 500.
    assert "error" not in deleted, deleted.get("error")
    assert deleted["result"].status_code == 302
    assert not get_user_model().objects.filter(pk=leaving.pk).exists()
    assert "error" not in decided, decided.get("error")
    assert decided["result"].status_code == 303
    assert [str(message) for message in get_messages(decided["result"].wsgi_request)] == [
        "Hid the comment by a former reader. You can undo it under “Your last decisions” "
        "for 10 minutes."]
    comment.refresh_from_db()
    assert comment.status == "hidden" and comment.reader_id is None
    assert ModerationAction.objects.get().reader is None


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["delete page", "delete selected"])
def test_a_moderator_deciding_while_the_admin_deletes_the_account_is_told_so(how):
    leaving = staff("Moderators", username="leaving")
    comment = CommentFactory(reader=UserFactory(username="loud"), status="pending")
    desk = Client(raise_request_exception=False)
    desk.force_login(leaving)
    deleted, decided = {}, {}
    with admin_deletion_paused("its signals") as (paused, go):
        deletion = in_thread(admin_deletes(chief(), leaving, how), deleted)
        assert paused.wait(10), deleted
        deciding = in_thread(decides(desk, comment), decided)
        assert waiting_on_a_lock(unless=deciding), decided
        go.set()
        deletion.join(15)
        deciding.join(15)
    assert not deletion.is_alive() and not deciding.is_alive()
    assert "error" not in deleted, deleted.get("error")
    assert deleted["result"].status_code == 302
    assert not get_user_model().objects.filter(pk=leaving.pk).exists()
    # The decision named the account at its commit, deleted meanwhile: a 500.
    assert "error" not in decided, decided.get("error")
    response = decided["result"]
    assert response.status_code == 403
    page = response.content.decode()
    assert "Nothing was decided: your account has been deleted." in page
    assert "Off topic." in page  # the note, to copy
    comment.refresh_from_db()
    assert comment.status == "pending" and comment.moderator_id is None
    assert not ModerationAction.objects.exists()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_moderators_comment_hidden_from_the_list_while_the_admin_deletes_the_account():
    from django.utils import timezone

    leaving = staff("Moderators", username="leaving")
    comment = CommentFactory(reader=leaving, status="pending")
    listing = Client(raise_request_exception=False)
    listing.force_login(UserFactory(username="first", is_staff=True, is_superuser=True))
    deleted, decided = {}, {}
    with admin_deletion_paused("its signals") as (paused, go):
        deletion = in_thread(admin_deletes(chief(), leaving, "delete page"), deleted)
        assert paused.wait(10), deleted
        deciding = in_thread(lambda: listing.post("/admin/comments/comment/", {
            "action": "hide", "index": "0", "reason": "Off topic.",
            "drawn": timezone.now().isoformat(), "_selected_action": [comment.pk]}), decided)
        assert waiting_on_a_lock(unless=deciding), decided
        go.set()
        deletion.join(15)
        deciding.join(15)
    assert not deletion.is_alive() and not deciding.is_alive()
    assert "error" not in deleted, deleted.get("error")
    assert deleted["result"].status_code == 302
    assert "error" not in decided, decided.get("error")
    assert decided["result"].status_code == 302
    comment.refresh_from_db()
    assert comment.status == "hidden" and comment.reader_id is None
    assert ModerationAction.objects.get().reader is None


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_decision_on_a_moderators_comment_undone_while_the_admin_deletes_the_account():
    leaving = staff("Moderators", username="leaving")
    comment = CommentFactory(reader=leaving, status="pending")
    desk = Client(raise_request_exception=False)
    desk.force_login(staff("Moderators", username="first"))
    assert decides(desk, comment)().status_code == 303
    action = ModerationAction.objects.get()
    deleted, undone = {}, {}
    with admin_deletion_paused("its signals") as (paused, go):
        deletion = in_thread(admin_deletes(chief(), leaving, "delete page"), deleted)
        assert paused.wait(10), deleted
        undoing = in_thread(lambda: desk.post(
            f"/admin/moderation/decisions/{action.pk}/undo/", {"next": DESK}), undone)
        assert waiting_on_a_lock(unless=undoing), undone
        go.set()
        deletion.join(15)
        undoing.join(15)
    assert not deletion.is_alive() and not undoing.is_alive()
    assert "error" not in deleted, deleted.get("error")
    assert deleted["result"].status_code == 302
    assert "error" not in undone, undone.get("error")
    assert undone["result"].status_code == 303
    comment.refresh_from_db()
    assert comment.status == "pending" and comment.reader_id is None
    assert [entry.reader for entry in ModerationAction.objects.all()] == [None, None]


# A bias report decided by a moderator whose account an administrator deletes meanwhile ---

TRIAGE = "/admin/moderation/bias-reports/"


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["delete page", "delete selected"])
def test_a_moderator_deciding_a_bias_report_while_the_admin_deletes_the_account_is_told_so(
        how):
    from standards.models import BiasReport
    from tests.factories import BiasReportFactory

    leaving = staff("Moderators", username="leaving")
    report = BiasReportFactory()
    desk = Client(raise_request_exception=False)
    desk.force_login(leaving)
    deleted, decided = {}, {}
    with admin_deletion_paused("its signals") as (paused, go):
        deletion = in_thread(admin_deletes(chief(), leaving, how), deleted)
        assert paused.wait(10), deleted
        deciding = in_thread(lambda: desk.post(f"{TRIAGE}{report.pk}/decide/", {
            "decision": "dismiss", "note": "Checked: the quotes are fair."}), decided)
        assert waiting_on_a_lock(unless=deciding), decided
        go.set()
        deletion.join(15)
        deciding.join(15)
    assert not deletion.is_alive() and not deciding.is_alive()
    assert "error" not in deleted, deleted.get("error")
    assert deleted["result"].status_code == 302
    assert not get_user_model().objects.filter(pk=leaving.pk).exists()
    # The decision named the account at its commit, deleted meanwhile: a 500.
    assert "error" not in decided, decided.get("error")
    response = decided["result"]
    assert response.status_code == 403
    page = response.content.decode()
    assert "Nothing was decided: your account has been deleted." in page
    assert "Checked: the quotes are fair." in page  # the note, to copy
    report.refresh_from_db()
    assert report.status == BiasReport.Status.NEW and report.moderator_id is None
    assert not ModerationAction.objects.exists()


# A reader's standing saved by a moderator whose account an administrator deletes meanwhile

@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_standing_saved_while_the_admin_deletes_the_moderators_account_is_refused():
    from comments.models import ReaderStanding
    from tests.test_edit_conflicts import Editor

    reader = UserFactory(username="loud")
    CommentFactory(reader=reader, status="pending")
    moderator = Editor("leaving", "Lee Leaving", "Moderators")
    moderator.client.raise_request_exception = False
    leaving = get_user_model().objects.get(username="leaving")
    moderator.open(f"/admin/accounts/reader/{reader.pk}/change/")
    moderator.fields.append(("standing-0-is_premoderated", "on"))
    moderator.set(**{"standing-0-note": "Cooling off, ticket 77."})
    deleted, saved = {}, {}
    with admin_deletion_paused("its signals") as (paused, go):
        deletion = in_thread(admin_deletes(chief(), leaving, "delete page"), deleted)
        assert paused.wait(10), deleted
        saving = in_thread(moderator.save, saved)
        assert waiting_on_a_lock(unless=saving), saved
        go.set()
        deletion.join(15)
        saving.join(15)
    assert not deletion.is_alive() and not saving.is_alive()
    assert "error" not in deleted, deleted.get("error")
    assert deleted["result"].status_code == 302
    assert not get_user_model().objects.filter(pk=leaving.pk).exists()
    # The standing and its log entry named the account at the commit, deleted meanwhile.
    assert "error" not in saved, saved.get("error")
    response = saved["result"]
    assert response.status_code == 403
    assert not ReaderStanding.objects.exists()
    assert not ModerationAction.objects.exists()


# A decision's reason (or a bias report's note) edited in its admin form by a moderator whose
# account an administrator deletes meanwhile

@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("record", ["comment", "bias report"])
def test_a_reason_edited_while_the_admin_deletes_the_moderators_account_is_refused(record):
    from django.utils import timezone

    from standards.models import BiasReport
    from tests.factories import BiasReportFactory
    from tests.test_edit_conflicts import Editor

    if record == "comment":
        row = CommentFactory(reader=UserFactory(username="loud"), status="hidden",
                             moderation_reason="Off topic.", moderated_at=timezone.now())
        url, field = f"/admin/comments/comment/{row.pk}/change/", "moderation_reason"
    else:
        row = BiasReportFactory(status=BiasReport.Status.DISMISSED,
                                resolution_note="Checked: fair.", resolved_at=timezone.now())
        url, field = f"/admin/standards/biasreport/{row.pk}/change/", "resolution_note"
    moderator = Editor("leaving", "Lee Leaving", "Moderators")
    moderator.client.raise_request_exception = False
    leaving = get_user_model().objects.get(username="leaving")
    moderator.open(url)
    moderator.set(**{field: "Checked again: still fair."})
    deleted, saved = {}, {}
    with admin_deletion_paused("its signals") as (paused, go):
        deletion = in_thread(admin_deletes(chief(), leaving, "delete page"), deleted)
        assert paused.wait(10), deleted
        saving = in_thread(moderator.save, saved)
        waiting_on_a_lock(unless=saving)
        go.set()
        deletion.join(15)
        saving.join(15)
    assert not deletion.is_alive() and not saving.is_alive()
    assert "error" not in deleted, deleted.get("error")
    assert deleted["result"].status_code == 302
    # The log entry of the edit named the account at the commit, deleted meanwhile: a 500.
    assert "error" not in saved, saved.get("error")
    assert saved["result"].status_code == 403
    row.refresh_from_db()
    assert getattr(row, field) in ("Off topic.", "Checked: fair.")
    assert not ModerationAction.objects.exists()
