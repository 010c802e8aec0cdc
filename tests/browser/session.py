"""Browser tests signed in without the sign-in form.

A test about something else starts signed in as Django's test client does it
(`force_login`): the session is made in the database and handed to the browser
as its cookie. Through the form, it cost a page load and a post before each of
some 130 tests. The sign-in forms are still filled in where they are what is
tested: signing in again after a session ended (test_comment_block_session.py,
test_unsaved_changes.py), signing in again elsewhere, which gives a new CSRF
token (test_qa11_out_of_date_form.py: a session made here leaves the browser's
token as it was), a second editor (test_story_desk.py), refusals
(test_a11y2_forms.py), and tests/accounts/ without a browser.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client


def session_cookie(user):
    """A new session signed in to user, as a cookie for a browser context (add a url)."""
    client = Client()
    client.force_login(user)
    return {"name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value}


def sign_in(context, url, user):
    """Sign the browser context in to user on the site at url (a session of its own)."""
    context.add_cookies([{**session_cookie(user), "url": url}])


def signed_in(new_page, live_server, username, **view):
    """A new page (new_page's view options) signed in as username, with nothing loaded."""
    page = new_page(**view)
    sign_in(page.context, live_server.url, get_user_model().objects.get(username=username))
    return page
