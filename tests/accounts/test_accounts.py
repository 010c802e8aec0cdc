from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from comments.models import Comment
from standards.models import BiasReport
from tests.factories import ArticleFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_sign_up_signs_in_and_returns(client):
    ArticleFactory(slug="harbour")
    response = client.post("/accounts/signup/", {
        "username": "newreader", "email": "new@example.org",
        "password1": "a-long-harbour-passphrase", "password2": "a-long-harbour-passphrase",
        "next": "/articles/harbour/comments/",
    })
    assert response.status_code == 302
    assert response["Location"] == "/articles/harbour/comments/"
    page = client.get("/articles/harbour/comments/").content.decode()
    assert "Signed in as <strong>newreader</strong>" in page


def test_sign_up_uses_django_password_validators_and_keeps_input(client):
    response = client.post("/accounts/signup/", {
        "username": "newreader", "email": "new@example.org",
        "password1": "123", "password2": "123",
    })
    html = response.content.decode()
    assert response.status_code == 400
    assert "This password is too short." in html
    assert 'value="newreader"' in html and 'value="new@example.org"' in html
    assert not User.objects.filter(username="newreader").exists()


def test_sign_up_with_an_email_in_use_goes_through_without_saying_so(client):
    # tests/accounts/test_signup_privacy.py has the whole story.
    UserFactory(email="taken@example.org")
    response = client.post("/accounts/signup/", {
        "username": "other", "email": "TAKEN@example.org",
        "password1": "a-long-harbour-passphrase", "password2": "a-long-harbour-passphrase",
    })
    assert response.status_code == 302
    assert User.objects.filter(username="other").exists()


def test_sign_up_ignores_an_offsite_next(client):
    response = client.post("/accounts/signup/", {
        "username": "newreader", "email": "new@example.org",
        "password1": "a-long-harbour-passphrase", "password2": "a-long-harbour-passphrase",
        "next": "https://evil.example/",
    })
    assert response["Location"] == "/accounts/"  # the account page, saying welcome


@pytest.mark.parametrize("target", ["abc", "-1", "articles", "<script>", "//evil.example/",
                                    "https://evil.example/", "http://testserver/articles/"])
def test_sign_up_sends_a_next_that_is_not_a_path_here_to_a_page_of_ours(client, target):
    # A word such as "abc" was taken by redirect() for a view's name: a 500.
    UserFactory(username="ana")
    reader = Client()
    reader.force_login(User.objects.get(username="ana"))
    signed_in = reader.get("/accounts/signup/", {"next": target})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/"
    response = client.post("/accounts/signup/", {
        "username": "newreader", "email": "new@example.org",
        "password1": "a-long-harbour-passphrase", "password2": "a-long-harbour-passphrase",
        "next": target,
    })
    # The new reader's account page, where the welcome is shown.
    assert response.status_code == 302 and response["Location"] == "/accounts/"
    assert User.objects.filter(username="newreader").exists()


def test_a_signed_in_reader_at_sign_up_goes_where_next_says(client):
    UserFactory(username="ana")
    client.force_login(User.objects.get(username="ana"))
    response = client.get("/accounts/signup/", {"next": "/articles/?page=2"})
    assert response.status_code == 302 and response["Location"] == "/articles/?page=2"


def test_the_sign_up_form_keeps_only_a_path_as_next(client):
    kept = client.get("/accounts/signup/", {"next": "/articles/harbour/"}).content.decode()
    assert 'name="next" value="/articles/harbour/"' in kept
    dropped = client.get("/accounts/signup/", {"next": "abc"}).content.decode()
    assert 'name="next" value=""' in dropped and "?next=" not in dropped


def test_sign_in_and_sign_out_by_post(client):
    UserFactory(username="ana")
    response = client.post("/accounts/login/", {"username": "ana",
                                                "password": "a-long-test-passphrase"})
    assert response.status_code == 302
    assert "Signed in as" in client.get("/").content.decode()
    assert client.get("/accounts/logout/").status_code == 200  # a Sign out button
    assert client.post("/accounts/logout/").status_code == 302
    assert "Signed in as" not in client.get("/").content.decode()


def test_password_reset_sends_an_email_with_a_working_link(client):
    UserFactory(username="ana", email="ana@example.org")
    response = client.post("/accounts/password_reset/", {"email": "ana@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    form = client.get(urlsplit(link).path, follow=True)
    assert "Choose a new password" in form.content.decode()


def test_deleting_an_account_keeps_comments_as_a_former_reader(client):
    reader = UserFactory(username="leaving", email="leaving@example.org")
    comment = CommentFactory(reader=reader, body="my last word")
    report = BiasReport.objects.create(article=comment.article, reason="other", details="d",
                                       reader=reader, contact_email="leaving@example.org")
    client.force_login(reader)
    wrong = client.post("/accounts/delete/", {"password": "wrong"})
    assert wrong.status_code == 400 and User.objects.filter(pk=reader.pk).exists()
    response = client.post("/accounts/delete/", {"password": "a-long-test-passphrase"})
    assert response.status_code == 302 and response["Location"] == "/accounts/deleted/"
    assert not User.objects.filter(username="leaving").exists()
    comment.refresh_from_db()
    report.refresh_from_db()
    assert comment.reader is None and comment.author_name == "a former reader"
    assert report.reader is None and report.contact_email == ""
    page = client.get(f"/articles/{comment.article.slug}/comments/").content.decode()
    assert "a former reader" in page and "leaving" not in page
    assert Comment.objects.count() == 1


def test_deletion_is_confirmed_once_where_the_reader_lands(client):
    article = ArticleFactory()
    # The front page is the same for everyone: the confirmation has a page of its
    # own, shown once, and is not left over for the next page that shows notices.
    client.force_login(UserFactory(username="leaving"))
    response = client.post("/accounts/delete/", {"password": "a-long-test-passphrase"},
                           follow=True)
    assert response.redirect_chain == [("/accounts/deleted/", 302)]
    page = response.content.decode()
    assert "<h1>Your account is deleted</h1>" in page
    assert 'Your comments stay, shown as from “a former reader”' in page
    assert "no-cache" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in page
    comments = client.get(f"/articles/{article.slug}/comments/").content.decode()
    assert "deleted" not in comments and 'class="notices"' not in comments
    # Again, or from anyone else: nothing was deleted here, so the front page.
    again = client.get("/accounts/deleted/")
    assert again.status_code == 302 and again["Location"] == "/"
    assert Client().get("/accounts/deleted/")["Location"] == "/"


@pytest.mark.parametrize("url", [
    "/accounts/login/?next=/accounts/login/",
    "/accounts/login/?next=%2Faccounts%2Flogin%2F",
    "/accounts/login/?next=/accounts/login/%3Fnext%3D/",
    "/accounts/signup/?next=/accounts/signup/",
])
def test_a_signed_in_reader_sent_back_to_the_same_page_goes_home(client, url):
    """A link anyone can send: it was a 500 (Django's "Redirection loop") or a loop of
    redirects."""
    client.force_login(UserFactory())
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_signed_in_reader_still_goes_where_next_says(client):
    client.force_login(UserFactory())
    response = client.get("/accounts/login/?next=/accounts/")
    assert response.status_code == 302 and response["Location"] == "/accounts/"


@pytest.mark.parametrize("data, missing", [
    ({"username": "", "password": ""}, ("username", "password")),
    ({"username": "reader", "password": ""}, ("password",)),
    ({"username": "read\x00er", "password": "x"}, ("username",)),
])
def test_a_sign_in_form_missing_a_field_says_which(client, data, missing):
    response = client.post("/accounts/login/", data)
    html = response.content.decode()
    assert "didn’t match" not in html  # no password was compared
    assert "Please check the fields marked below." in html
    for name in missing:
        assert f'id="id_{name}_error"' in html
    assert 'value="reader"' in html or data["username"] != "reader"
