"""QA round 11: a page rendered for a session is kept by no cache, the browser's included.

A signed-in reader's or staff member's page names them and holds their forms. It was sent
`private, no-cache`: no shared cache kept it, but the browser did, and after signing out
the Back button brought the page back from the back/forward cache, still saying
"Signed in as ..." (tests/browser/test_qa11_private_pages.py shows it in Chromium).
`no-store` keeps it out of both; Chromium then drops such a page from its back/forward
cache as soon as the session cookie changes.
"""

import pytest
from django.contrib.messages.storage.cookie import CookieStorage
from django.core import signing

from tests.factories import ArticleFactory, CommentFactory, SectionFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]

# Every kind of page a reader browses that is not an account page (those were no-store
# already): public pages rendered for them, the comments block, search, a 404.
PAGES = ["/", "/articles/", "/articles/harbour/", "/articles/harbour/comments/",
         "/articles/harbour/comments/?partial=1", "/sections/world/", "/search/?q=harbour",
         "/about/", "/no-such-page/", "/articles/no-such-story/"]


@pytest.fixture
def story():
    story = ArticleFactory(headline="Harbour ferries", slug="harbour",
                           section=SectionFactory(name="World", slug="world"))
    CommentFactory(article=story, body="Good news for the early shift.")
    return story


def _directives(response):
    return {part.strip() for part in response["Cache-Control"].split(",")}


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("who", ["reader", "staff"])
def test_a_page_rendered_for_a_session_is_stored_nowhere(client, story, url, who):
    user = UserFactory(username="ana", is_staff=who == "staff")
    client.force_login(user)
    response = client.get(url)
    assert "X-Page-Cache" not in response
    assert {"private", "no-store"} <= _directives(response), response["Cache-Control"]
    if response.status_code == 200 and not url.startswith("/articles/harbour/comments/"):
        assert "Signed in as <strong>ana</strong>" in response.content.decode()


def test_head_is_answered_as_get(client, story):
    client.force_login(UserFactory())
    assert {"private", "no-store"} <= _directives(client.head("/articles/harbour/"))


def test_a_page_with_a_notice_waiting_is_stored_nowhere(client, story):
    """A notice (a message) is shown once: Back must not bring it back."""
    client.cookies[CookieStorage.cookie_name] = signing.get_cookie_signer(
        salt=CookieStorage.key_salt).sign("[]")
    response = client.get("/articles/harbour/")
    assert "X-Page-Cache" not in response
    assert {"private", "no-store"} <= _directives(response)


@pytest.mark.parametrize("url", ["/", "/articles/harbour/",
                                 "/articles/harbour/comments/?partial=1"])
def test_anonymous_readers_still_share_public_pages(client, story, url):
    client.get(url)
    response = client.get(url)
    assert response["X-Page-Cache"] == "hit"
    assert "public" in _directives(response) and "no-store" not in _directives(response)


def test_a_stale_session_cookie_still_gets_the_shared_page(client, story):
    """A cookie with no session behind it is no session: the page is the public one."""
    client.cookies["sessionid"] = "a1b2" * 8
    client.get("/articles/harbour/")
    response = client.get("/articles/harbour/")
    assert response["X-Page-Cache"] == "hit"
    assert "public" in _directives(response)
