"""Every page under /accounts/ says no-store (QA round 5, finding 4).

They show an account's name, its email, a form with a CSRF token tied to the
session, or that a password was just changed or a reset asked for: none may be
kept by a browser's back button, a shared computer or any cache between. The
password change and reset pages answered `private, no-cache` (Django's views,
not wrapped in never_cache) while every other accounts page said no-store.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver

from accounts import urls as account_urls
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# What a route's <...> parts are filled with: any value, since the answer's
# headers matter, whatever page (or refusal) it is.
SAMPLE = {"token": "not-a-token", "uidb64": "MQ"}


def account_paths():
    """Every URL accounts/urls.py routes, under /accounts/ (where evadaily/urls.py puts it)."""
    paths = []
    for pattern in account_urls.urlpatterns:
        assert isinstance(pattern, URLPattern) and not isinstance(pattern, URLResolver)
        route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE[m.group(1)], str(pattern.pattern))
        paths.append(f"/accounts/{route}")
    return paths


def test_every_accounts_route_is_checked():
    """The list below is the URLconf's: a new accounts page is checked without being named."""
    paths = account_paths()
    assert len(paths) == len(account_urls.urlpatterns) >= 15
    for named in ("/accounts/password_change/", "/accounts/password_change/done/",
                  "/accounts/password_reset/", "/accounts/password_reset/done/",
                  "/accounts/reset/done/", "/accounts/reset/MQ/not-a-token/"):
        assert named in paths


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
@pytest.mark.parametrize("path", account_paths())
def test_every_accounts_page_says_no_store(path, signed_in):
    client = Client()
    if signed_in:
        client.force_login(UserFactory(username="ana", email="ana@example.org"))
    for method in ("get", "head"):
        response = getattr(client, method)(path)
        assert response.status_code < 500, (path, response.status_code)
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert "no-store" in directives, (method, path, response.status_code,
                                          response["Cache-Control"])
        assert "public" not in directives


def test_a_password_reset_form_sent_back_with_an_error_says_no_store():
    """A POST answered with the form again (an address that is no email) too."""
    response = Client().post("/accounts/password_reset/", {"email": "not an address"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_password_change_sent_says_no_store():
    client = Client()
    client.force_login(UserFactory(username="ana"))
    response = client.post("/accounts/password_change/", {
        "old_password": "a-long-test-passphrase", "new_password1": "a-new-harbour-passphrase",
        "new_password2": "a-new-harbour-passphrase"})
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]
    done = client.get(response["Location"])
    assert done.status_code == 200 and "no-store" in done["Cache-Control"]
