"""QA round 11: an account named as the editor of story or correction revisions (their
history_user) is kept, as one in the admin's record is (accounts.signals.keep_admin_record).

An editor who only ran bulk actions on stories wrote revisions and no LogEntry: the account
could be deleted, and its revisions then no longer said who made them (SET_NULL)."""

from html import unescape

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError
from django.test import Client

from articles.models import Article
from comments.models import Comment
from standards.models import BiasReport, Correction
from tests.articles.newsroom import staff
from tests.factories import ArticleFactory, CorrectionFactory, UserFactory
from tests.test_qa11_races import SENT, form_of

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a-long-test-passphrase"  # UserFactory's


def editor_who_featured_a_story():
    """An editor whose one act was the "Feature selected stories" action, since put out of
    the newsroom: a story revision names them, the admin's record does not."""
    editor = staff("Editors", username="ed")
    story = ArticleFactory(headline="Ferry times change")
    client = Client()
    client.force_login(editor)
    response = client.post("/admin/articles/article/", {
        "action": "feature", "_selected_action": [story.pk]})
    assert response.status_code == 302
    assert Article.history.filter(id=story.pk, history_user=editor).count() == 1
    assert not LogEntry.objects.filter(user=editor).exists()
    editor.groups.clear()
    editor.is_staff = False
    editor.save()
    return editor, client


def editor_of_a_correction():
    editor = UserFactory(username="ed")
    correction = CorrectionFactory.build(article=ArticleFactory())
    correction._history_user = editor
    correction.save()
    assert Correction.history.filter(history_user=editor).count() == 1
    return editor


def admin_client():
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_the_editor_of_story_revisions_cannot_be_deleted_from_the_account_page():
    editor, client = editor_who_featured_a_story()
    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 400
    assert ("This account is named as the editor of story revisions, so it cannot be deleted "
            "here." in unescape(response.content.decode()))
    assert User.objects.filter(pk=editor.pk).exists()
    assert Article.history.filter(history_user=editor).count() == 1


def test_the_admin_lists_the_revisions_as_keeping_the_account():
    editor, _ = editor_who_featured_a_story()
    admin = admin_client()
    url = f"/admin/auth/user/{editor.pk}/delete/"
    page = unescape(admin.get(url).content.decode())
    assert ("ed: named as the editor of 1 story revision (deactivate the account instead)"
            in page)
    assert "would require deleting the following protected related objects" in page
    assert admin.post(url, {"post": "yes"}).status_code == 200
    admin.post("/admin/auth/user/", {"action": "delete_selected", "post": "yes",
                                     "_selected_action": [editor.pk]})
    assert User.objects.filter(pk=editor.pk).exists()
    # It was deleted, and the revision said "by nobody" (history_user SET_NULL).
    assert Article.history.filter(history_user=editor).count() == 1


def test_the_editor_of_correction_revisions_is_kept_however_it_is_deleted():
    editor = editor_of_a_correction()
    page = unescape(admin_client().get(f"/admin/auth/user/{editor.pk}/delete/")
                    .content.decode())
    assert ("ed: named as the editor of 1 correction revision (deactivate the account "
            "instead)" in page)
    client = Client()
    client.force_login(editor)
    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert ("This account is named as the editor of correction revisions, so it cannot be "
            "deleted here." in unescape(response.content.decode()))
    with pytest.raises(ProtectedError), transaction.atomic():
        editor.delete()
    assert Correction.history.filter(history_user=editor).count() == 1


def test_a_reader_with_comments_and_reports_is_deleted_as_before():
    # Readers never edit stories: what they send from a story's page writes no revision.
    reader = UserFactory(username="ana")
    ArticleFactory(slug="ferry-times")
    client = Client()
    client.force_login(reader)
    for url, field, typed, _ in SENT.values():
        assert client.post(url, form_of(client, url, field, typed)).status_code in (302, 303)
    assert Comment.objects.filter(reader=reader).exists()
    assert BiasReport.objects.filter(reader=reader).exists()
    assert not Article.history.filter(history_user=reader).exists()
    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/accounts/deleted/")
    assert not User.objects.filter(username="ana").exists()
    other = UserFactory(username="bo")
    response = admin_client().post(f"/admin/auth/user/{other.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(username="bo").exists()
