"""QA round 11, an editor's long day in the admin: what the newsroom is told when a form
cannot be taken, and what is kept of it."""

import re

import pytest
from django.test import Client

from core.images import MAX_UPLOAD_BYTES
from tests.articles.newsroom import ADD_URL, change_url, staff
from tests.factories import ArticleFactory, AuthorFactory
from tests.security.test_request_size import Unreadable

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    client = Client(raise_request_exception=False)
    client.force_login(staff("Editors", username="editor"))
    return client


def _sent_too_large(client, path, settings):
    return client.generic("POST", path, b"x", content_type="multipart/form-data; boundary=x",
                          CONTENT_LENGTH=str(settings.ADMIN_MAX_REQUEST_BYTES + 1),
                          **{"wsgi.input": Unreadable()})


def test_a_form_over_the_admins_limit_is_told_in_an_editors_words(editor, settings):
    # A 50 MB photo chosen beside a long story: the page said only "Request too large:
    # at most 46080 KB may be sent here." (QA, 2026-12-06).
    story = ArticleFactory()
    for path in (ADD_URL, change_url(story)):
        response = _sent_too_large(editor, path, settings)
        assert response.status_code == 413
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        text = response.content.decode()
        assert text.startswith("Not saved: the form was more than the newsroom takes at once "
                               "(45 MB), because of the file chosen in it.")
        assert "An image can be at most 20 MB." in text
        assert "Back button: what you typed is still in the form, or the form offers it back."\
            in text
        assert text.endswith("Choose a smaller image there and save again.")


def test_a_readers_request_over_its_limit_keeps_its_short_answer(settings):
    response = Client().generic("POST", "/accounts/login/", b"x",
                                CONTENT_LENGTH=str(settings.MAX_REQUEST_BYTES + 1),
                                **{"wsgi.input": Unreadable()})
    assert response.status_code == 413
    assert response.content == b"Request too large: at most 256 KB may be sent here."


def test_the_story_and_author_image_inputs_carry_the_largest_image_taken(editor):
    # static/js/upload_size.js refuses a larger file as it is chosen (the browser tests).
    author = AuthorFactory()
    for path, name in [(ADD_URL, "image"), (change_url(ArticleFactory()), "image"),
                       (f"/admin/authors/author/{author.pk}/change/", "avatar")]:
        page = editor.get(path).content.decode()
        field = re.search(rf'<input type="file" name="{name}"[^>]*>', page)[0]
        assert f'data-max-bytes="{MAX_UPLOAD_BYTES}"' in field, path
    assert '<script type="module" src="/static/js/upload_size.js"></script>' in page


def test_a_preview_sent_after_the_session_ended_leads_back_to_a_page_that_says_what_to_do():
    # Without JavaScript the story form's Preview button posts to the preview in a new tab.
    # Signed out meanwhile, the editor signs in there and is taken to the preview's
    # address, which the browser asks for: the answer was a blank 405 page.
    browser = Client()
    sent = browser.post("/admin/articles/article/preview/", {"body": "Two hours of work."})
    assert sent.status_code == 302
    assert sent["Location"] == "/admin/login/?next=/admin/articles/article/preview/"
    browser.force_login(staff("Editors", username="editor"))
    response = browser.get("/admin/articles/article/preview/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    page = response.content.decode()
    assert ("Nothing to preview here: a preview shows the text sent with the Preview button "
            "of a story’s form. If you were just asked to sign in again, what you typed is "
            "still in the story’s own tab: close this tab, and press Preview there again."
            ) in page
    assert '<article class="story-preview">' not in page


def test_a_pages_scripts_asking_while_signed_out_add_no_word_to_the_sign_in_page():
    # editing_now.js asks every 20 seconds, with the form's token; signed out, each
    # answer added "You were signed out, so what you sent was not saved" once more, and
    # the sign-in page the editor's Save then led to said it once for every 20 seconds.
    story = ArticleFactory()
    browser = Client()
    for mode in ("same-origin", "cors", "no-cors"):  # fetch(); sendBeacon() on leaving
        asked = browser.post(f"/admin/articles/article/{story.pk}/editing-now/",
                             {"version": "x"}, headers={"Sec-Fetch-Mode": mode})
        assert asked.status_code == 302
        asked = browser.post("/admin/articles/article/preview/", {"body": "x"},
                             headers={"Sec-Fetch-Mode": mode, "Accept": "application/json"})
        assert asked.status_code == 302
    sent = browser.post(change_url(story), {"headline": "Ferries are back"},
                        headers={"Sec-Fetch-Mode": "navigate"}, follow=True)
    page = sent.content.decode()
    assert page.count("You were signed out, so what you sent was not saved.") == 1
    # A browser that does not say what its request is for is told, as before.
    page = browser.post(change_url(story), {"headline": "Ferries are back"},
                        follow=True).content.decode()
    assert page.count("You were signed out, so what you sent was not saved.") == 1
