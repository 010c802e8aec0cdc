"""QA round 9, keyboard and screen reader: what a desk note box, a new reader's welcome, the
reader forms, the home page's headings and the story image's error tell."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import ArticleFactory, BiasReportFactory, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db


def staff(client, group, username):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


# The desks' note boxes: a pasted note is not cut by the browser -------------------------


def test_the_triage_note_box_says_its_limit_and_leaves_the_refusal_to_the_desk(client):
    staff(client, "Moderators", "mod")
    report = BiasReportFactory(contact_email="reporter@example.org")
    page = client.get("/admin/moderation/bias-reports/").content.decode()
    box = re.search(rf'<textarea id="note-{report.pk}"[^>]*>', page).group(0)
    # maxlength cut a pasted note to 2,000 characters without a word, and it was emailed so;
    # required answered an empty Dismiss with the browser's bubble.
    assert "maxlength" not in box and "required" not in box
    assert "(up to 2,000 characters; needed to dismiss; emailed with Uphold or Dismiss" in page


def test_an_empty_dismiss_is_answered_by_the_desk(client):
    staff(client, "Moderators", "mod")
    report = BiasReportFactory()
    response = client.post(f"/admin/moderation/bias-reports/{report.pk}/decide/",
                           {"decision": "dismiss", "note": ""}, follow=True)
    said = [str(message) for message in response.context["messages"]]
    assert len(said) == 1 and "note" in said[0].lower()
    report.refresh_from_db()
    assert report.status == "new"


def test_the_comment_note_box_says_its_limit_and_has_no_maxlength(client):
    staff(client, "Moderators", "mod")
    comment = CommentFactory(status="pending")
    page = client.get("/admin/moderation/comments/").content.decode()
    box = re.search(rf'<textarea id="reason-{comment.pk}"[^>]*>', page).group(0)
    assert "maxlength" not in box
    assert "Note for the log <span class=\"desk-quiet\">(optional, up to 300 characters)" in page


# A new reader's welcome --------------------------------------------------------------------


def sign_up(client, next_url=None):
    data = {"username": "newcomer", "email": "newcomer@example.org",
            "password1": "a long and unusual passphrase", "password2":
                "a long and unusual passphrase", "submission_token": ""}
    page = client.get("/accounts/signup/").content.decode()
    data["submission_token"] = re.search(r'name="submission_token" value="([^"]*)"',
                                         page).group(1)
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/signup/", data)


def test_signing_up_from_nowhere_lands_on_the_account_page_saying_welcome(client):
    response = sign_up(client)
    assert response.status_code == 302 and response["Location"] == "/accounts/"
    assert "Welcome, newcomer. You can comment now." in client.get("/accounts/").content.decode()


def test_signing_up_from_a_page_that_shows_no_notice_leaves_no_welcome_waiting(client):
    story = ArticleFactory()
    response = sign_up(client, next_url="/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Welcome" not in client.get("/").content.decode()
    # It was read out in the next story's comments, days later.
    block = client.get(f"{story.get_absolute_url()}comments/?partial=1").content.decode()
    assert "Welcome" not in block


def test_signing_up_to_comment_is_welcomed_by_the_storys_comments(client):
    story = ArticleFactory()
    response = sign_up(client, next_url=story.get_absolute_url())
    assert response["Location"] == story.get_absolute_url()
    block = client.get(f"{story.get_absolute_url()}comments/?partial=1").content.decode()
    assert "Welcome, newcomer. You can comment now." in block


# The readers' forms answer in the site's words, not the browser's bubbles ------------------


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/password_reset/"])
def test_reader_forms_leave_checking_to_the_site(client, path):
    page = client.get(path).content.decode()
    assert re.search(r'<form method="post"[^>]*class="stacked-form" novalidate>', page)


def test_the_new_password_and_delete_forms_leave_checking_to_the_site(client):
    reader = UserFactory(username="ana")
    client.force_login(reader)
    page = client.get("/accounts/delete/").content.decode()
    assert re.search(r'<form method="post"[^>]*class="stacked-form" novalidate>', page)
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode
    client.logout()
    uid = urlsafe_base64_encode(force_bytes(reader.pk))
    token = default_token_generator.make_token(reader)
    form = client.get(f"/accounts/reset/{uid}/{token}/", follow=True).content.decode()
    assert '<form method="post" class="stacked-form" novalidate>' in form


def test_an_empty_sign_in_is_answered_by_the_site(client):
    response = client.post("/accounts/login/", {"username": "", "password": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("This field is required.") == 2
    assert 'aria-invalid="true"' in page and 'id="id_username_error"' in page


# The home page's headings ------------------------------------------------------------------


def test_the_lead_story_is_a_heading_under_lead_story(client):
    ArticleFactory(headline="Harbour reopens", is_featured=True)
    page = client.get("/").content.decode()
    assert re.search(r'<h2 id="lead-heading" class="visually-hidden">Lead story</h2>.*?'
                     r'<h3 class="card-headline" dir="auto"><a href="[^"]+">Harbour reopens',
                     page, re.S)


# The story image's error is read with its input --------------------------------------------


def test_a_refused_story_names_the_image_inputs_error_with_it(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    staff(client, "Editors", "ed")
    image = SimpleUploadedFile("hero.png", b"not really a picture", content_type="image/png")
    response = client.post("/admin/articles/article/add/", {
        "headline": "Image first", "body": "Text.", "status": "draft", "image": image,
        "tags": "", "ai_involvement": "none"})
    assert response.status_code == 200
    page = response.content.decode()
    file_input = re.search(r'<input type="file"[^>]*id="id_image"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in file_input
    described = re.search(r'aria-describedby="([^"]*)"', file_input).group(1).split()
    assert "id_image_error" in described
    assert 'id="id_image_error"' in page
