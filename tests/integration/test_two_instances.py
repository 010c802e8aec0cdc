"""Two gunicorn instances on one database and one cache behave as one site."""

import pytest

from tests.commenting import submission_token

from .conftest import Client

pytestmark = pytest.mark.integration

PUBLISH_ACTION = "publish_now"  # ArticleAdmin.actions


@pytest.fixture(scope="module")
def servers(site, newsroom):
    return site.start(workers=2), site.start(workers=2)


def test_a_session_started_on_one_instance_is_known_to_the_other(servers):
    a, b = servers
    reader = Client()
    reader.login(a, "reader_a")

    page = reader.get(b.url("/"))

    assert page.status == 200
    assert "Signed in as <strong>reader_a</strong>" in page.text
    assert page.headers.get("X-Page-Cache") is None  # signed-in pages are never shared


def test_a_story_published_on_one_instance_shows_at_once_on_the_other(servers, newsroom):
    a, b = servers
    draft = newsroom["draft"]
    anonymous = Client()
    first, second = anonymous.get(b.url("/")), anonymous.get(b.url("/"))
    assert (first.status, first.headers["X-Page-Cache"]) == (200, "miss")
    assert (second.status, second.headers["X-Page-Cache"]) == (200, "hit")
    assert draft["headline"] not in second.text
    assert anonymous.get(b.url(f"/articles/{draft['slug']}/")).status == 404

    editor = Client()
    editor.login(a, "it_editor")
    changelist = a.url("/admin/articles/article/")
    assert editor.get(changelist).status == 200
    response = editor.post(changelist, {"action": PUBLISH_ACTION, "index": "0",
                                        "select_across": "0",
                                        "_selected_action": str(draft["id"])})
    assert response.status == 302, response.text[-2000:]
    assert "Published 1 story." in editor.get(changelist).text

    front = anonymous.get(b.url("/"))  # no sleep: the site version is shared
    assert front.status == 200
    assert front.headers["X-Page-Cache"] == "miss"
    assert draft["headline"] in front.text
    assert anonymous.get(b.url(f"/articles/{draft['slug']}/")).status == 200


def test_comments_and_their_rate_limit_are_shared(servers, newsroom):
    a, b = servers
    comments = f"/articles/{newsroom['published'][0]}/comments/"
    reader = Client()
    reader.login(a, "reader_c")
    page = reader.get(a.url(comments))
    assert page.status == 200

    first = "Posted through instance A, read through instance B."
    response = reader.post(a.url(comments),
                           {"body": first, "submission_token": submission_token(page.text)})
    assert response.status == 303, response.text[-2000:]
    assert response.headers["Location"].startswith(comments + "#comment-")
    assert first in Client().get(b.url(comments)).text

    # Within the 10-second burst limit, through the other instance.
    second = "A second thought, too soon after the first."
    token = submission_token(reader.get(b.url(comments)).text)  # a new form
    response = reader.post(b.url(comments), {"body": second, "submission_token": token})
    assert response.status == 429, response.text[-2000:]
    assert 1 <= int(response.headers["Retry-After"]) <= 10
    assert "You are commenting faster than we allow" in response.text
    assert second in response.text  # the reader's text is kept in the form
    assert second not in Client().get(a.url(comments)).text
