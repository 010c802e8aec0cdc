"""The header's "Sign in" leads back to the page it was on (QA, 2026-12-06: the reader who
signed in from a story landed on the home page). Its path only: a page kept in the cache
for everyone carries no visitor's query string."""

import pytest

from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"  # UserFactory's


def sign_in_link(client, path):
    page = client.get(path).content.decode()
    start = page.index('<div class="account-bar">')
    bar = page[start:page.index("</div>", start)]
    return bar.split('">Sign in</a>')[0].rsplit('href="', 1)[1]


def test_sign_in_from_a_story_comes_back_to_it(client):
    story = ArticleFactory(slug="harbour-talks", headline="Harbour talks resume")
    link = sign_in_link(client, "/articles/harbour-talks/?utm_source=feed")
    assert link == "/accounts/login/?next=/articles/harbour-talks/"
    UserFactory(username="ana")
    response = client.post(link, {"username": "ana", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == story.get_absolute_url()


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/",
                                  "/accounts/password_reset/"])
def test_the_account_pages_sign_in_leads_nowhere_else(client, path):
    assert sign_in_link(client, path) == "/accounts/login/"


@pytest.mark.parametrize("path", ["/no-such-page/", "/articles/no-such-story/"])
def test_an_error_page_echoes_no_address_in_its_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert sign_in_link(client, path) == "/accounts/login/"
