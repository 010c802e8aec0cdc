"""A former editor's or moderator's account, which the newsroom's record keeps (QA round 11):
the deletion page says so when it is opened, in the words the refusal uses, and asks for no
password; a reader's account is offered the form and deleted as before."""

from html import unescape

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from accounts import views
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    BiasReportFactory,
    CommentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
User = get_user_model()

PASSWORD = "a-long-test-passphrase"  # UserFactory's
ASK = "Ask the newsroom's administrator to deactivate it instead."


def former(username, group):
    """An account that worked in group and has left the newsroom."""
    account = UserFactory(username=username, is_staff=True)
    account.groups.add(Group.objects.get(name=group))
    return account


def left(account):
    account.groups.clear()
    account.is_staff = False
    account.save()
    client = Client()
    client.force_login(account)
    return client


def reviewing_editor():
    editor = former("was-desk", "Editors")
    ArticleFactory(author=AuthorFactory(ai=True), ai_involvement="generated",
                   ai_reviewed_by=editor)
    return editor, "named as the reviewing editor of published stories"


def moderator():
    from comments import moderation
    from comments.models import Comment

    mod = former("was-mod", "Moderators")
    moderation.decide_comment(CommentFactory(status="pending"), Comment.Status.HIDDEN, mod,
                              "Spam link.")
    return mod, "named as the moderator of decisions in the moderation log"


def admin_log():
    editor = former("was-admin", "Editors")
    story = ArticleFactory(draft=True)
    client = Client()
    client.force_login(editor)
    assert client.post(f"/admin/articles/article/{story.pk}/delete/",
                       {"post": "yes"}).status_code == 302
    assert LogEntry.objects.filter(user=editor).exists()
    return editor, ("named as the editor of story revisions and named in the admin's record "
                    "of changes")


def checked(request):
    raise AssertionError("the password was checked")


def page_text(response):
    return unescape(response.content.decode())


@pytest.mark.parametrize("make", [reviewing_editor, moderator, admin_log])
def test_the_page_says_why_when_it_is_opened_and_asks_for_no_password(make, monkeypatch):
    account, why = make()
    client = left(account)
    said = f"This account is {why}, so it cannot be deleted here. {ASK}"
    page = client.get("/accounts/delete/")
    assert page.status_code == 200
    html = page_text(page)
    assert f'<p class="notice" role="alert">{said}</p>' in html
    assert 'name="password"' not in html and "Delete my account" not in html
    assert "<form" not in html.split("<h1>Delete your account</h1>")[1].split("</main>")[0]
    # Sent anyway (a form kept open from before): the same words, the account kept, no
    # password check used.
    monkeypatch.setattr(views, "password_check_refused", checked)
    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 400
    assert said in page_text(response) and 'name="password"' not in page_text(response)
    assert User.objects.filter(pk=account.pk).exists()
    assert views.on_the_record(account) == said  # the one answer to "is it on the record?"


def test_put_on_the_record_after_the_page_looked_is_refused_in_the_same_words(monkeypatch):
    account, why = moderator()
    client = left(account)
    looks = []
    real = views.on_the_record

    def first_finds_nothing(user, rows=()):
        looks.append(user)
        return "" if len(looks) == 1 else real(user, rows)

    monkeypatch.setattr(views, "on_the_record", first_finds_nothing)
    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 400
    assert f"This account is {why}, so it cannot be deleted here. {ASK}" in page_text(response)
    assert User.objects.filter(pk=account.pk).exists()


def test_a_reader_with_comments_and_bias_reports_is_offered_the_form_and_deleted(client):
    reader = UserFactory(username="ana")
    CommentFactory(reader=reader)
    CommentFactory(reader=reader, status="approved")
    BiasReportFactory(reader=reader, contact_email="ana@example.com")
    client.force_login(reader)
    html = page_text(client.get("/accounts/delete/"))
    assert 'name="password"' in html and "Delete my account" in html
    assert "cannot be deleted here" not in html
    assert client.post("/accounts/delete/", {"password": PASSWORD}).status_code == 302
    assert not User.objects.filter(pk=reader.pk).exists()
    assert views.on_the_record(UserFactory(username="bea")) == ""
