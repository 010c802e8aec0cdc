"""QA round 12, accounts and the import under concurrency, on PostgreSQL: a reader's account
deleted from the admin while the reader sends something; an import and an editor claiming
one slug at once."""

import threading
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, pre_delete
from django.test import Client

from accounts.models import UsernameSkeleton
from comments.models import Comment
from standards.models import BiasReport
from tests.factories import ArticleFactory, UserFactory
from tests.test_qa11_races import SENT, form_of, in_thread, waiting_on_a_lock

# A reader's comment or bias report sent while an administrator deletes the account -------


@contextmanager
def admin_deletion_paused(at):
    """(paused, go): a deletion of an account stops inside its transaction, at `at`: "its
    signals" (pre_delete: what it takes with it is found, nothing is deleted yet), "its
    name" (the row that keeps its name deleted, the account's own row not yet), or "the
    account" (its own row deleted); sets paused and waits for go."""
    paused, go = threading.Event(), threading.Event()
    signal = pre_delete if at == "its signals" else post_delete
    model = UsernameSkeleton if at == "its name" else get_user_model()

    def pause(sender, instance, **kwargs):
        if isinstance(instance, model):
            paused.set()
            go.wait(10)

    signal.connect(pause, dispatch_uid="qa12-admin-deletion-paused")
    try:
        yield paused, go
    finally:
        go.set()
        signal.disconnect(dispatch_uid="qa12-admin-deletion-paused")


def admin_deletes(admin, reader, how):
    if how == "delete page":
        return lambda: admin.post(f"/admin/auth/user/{reader.pk}/delete/", {"post": "yes"})
    return lambda: admin.post("/admin/auth/user/", {
        "action": "delete_selected", "post": "yes", "_selected_action": [reader.pk]})


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["delete page", "delete selected"])
@pytest.mark.parametrize("at", ["its signals", "its name", "the account"])
@pytest.mark.parametrize("sent", SENT)
def test_what_a_reader_sends_while_the_admin_deletes_the_account_is_refused_in_words(
        sent, at, how):
    reader = UserFactory(username="ana")
    ArticleFactory(slug="ferry-times")
    admin = Client()
    admin.force_login(UserFactory(username="chief", is_staff=True, is_superuser=True))
    posting = Client(raise_request_exception=False)
    posting.force_login(reader)
    url, field, typed, told = SENT[sent]
    form = form_of(posting, url, field, typed)
    deleted, posted = {}, {}
    with admin_deletion_paused(at) as (paused, go):
        deletion = in_thread(admin_deletes(admin, reader, how), deleted)
        assert paused.wait(10), deleted
        post = in_thread(lambda: posting.post(url, form), posted)
        # What is sent waits for the deletion's end: the account is held from the start.
        assert waiting_on_a_lock(unless=post), posted
        go.set()
        deletion.join(10)
        post.join(10)
    # It was a 500 for the administrator (from the delete page; the action's page said
    # nothing), the comment or report stored meanwhile naming the account at the commit.
    assert "error" not in deleted, deleted.get("error")
    assert deleted["result"].status_code == 302
    assert not get_user_model().objects.filter(pk=reader.pk).exists()
    response = posted["result"]
    assert response.status_code == 403
    page = response.content.decode()
    assert told in page and typed in page
    assert not Comment.objects.exists() and not BiasReport.objects.exists()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("at", ["its signals", "its name"])
def test_a_comment_reported_while_the_admin_deletes_the_reporter_is_refused_in_words(at):
    from comments.models import CommentReport
    from tests.factories import CommentFactory

    reader = UserFactory(username="ana")
    comment = CommentFactory(reader=UserFactory(username="loud"), status="approved")
    admin = Client()
    admin.force_login(UserFactory(username="chief", is_staff=True, is_superuser=True))
    reporting = Client(raise_request_exception=False)
    reporting.force_login(reader)
    deleted, reported = {}, {}
    with admin_deletion_paused(at) as (paused, go):
        deletion = in_thread(admin_deletes(admin, reader, "delete page"), deleted)
        assert paused.wait(10), deleted
        report = in_thread(lambda: reporting.post(f"/comments/{comment.pk}/report/",
                                                  {"reason": "spam"}), reported)
        assert waiting_on_a_lock(unless=report), reported
        go.set()
        deletion.join(10)
        report.join(10)
    assert "error" not in deleted, deleted.get("error")
    assert deleted["result"].status_code == 302
    response = reported["result"]
    assert response.status_code == 403
    assert "Nothing was reported: your account has been deleted." in response.content.decode()
    assert not CommentReport.objects.exists()
