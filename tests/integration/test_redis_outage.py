"""With Redis down the site reads from the database; when it is back, nothing stale shows.

Three gunicorn workers share a redis-server of the test's own (the cache and,
in the next database, the security cache) and the suite's database.
"""

import pytest

from tests.commenting import submission_token

from .conftest import PASSWORD, Client, until

pytestmark = pytest.mark.integration

STORY_ID = """
from articles.models import Article
print("RESULT " + json.dumps(Article.objects.get(slug=PARAMS["slug"]).pk))
"""


def test_reading_survives_a_redis_outage_and_recovery_hides_nothing(site, newsroom,
                                                                   redis_server):
    server = site.start(workers=3, env={"CACHE_URL": f"{redis_server.url}/0",
                                        "SECURITY_CACHE_URL": ""})
    kept, unpublished = newsroom["published"][1], newsroom["published"][2]
    story_id = site.shell(STORY_ID, slug=unpublished)
    pages = ["/", "/articles/", f"/articles/{kept}/", f"/articles/{unpublished}/"]

    anonymous, reader, editor = Client(), Client(), Client()
    reader.login(server, "reader_a")
    editor.login(server, "it_editor")
    for path in pages:
        assert anonymous.get(server.url(path)).status == 200
        assert anonymous.get(server.url(path)).headers["X-Page-Cache"] == "hit"
    comments = f"/articles/{kept}/comments/"
    form = reader.get(server.url(comments))
    assert form.status == 200
    redis_server.save()  # what it holds now comes back when it starts again
    redis_server.stop()

    # Every page from the database, for anonymous and signed-in readers alike.
    for _ in range(3):  # several requests, so that every worker meets the outage
        for path in pages:
            page = anonymous.get(server.url(path))
            assert page.status == 200, (path, page.status)
            assert page.headers["X-Page-Cache"] == "miss"
            page = reader.get(server.url(path))
            assert page.status == 200, (path, page.status)
            assert "Signed in as <strong>reader_a</strong>" in page.text
    health = anonymous.get(server.url("/healthz"))
    assert health.status == 200  # the database answers: readers are served
    assert "cache unavailable" in health.text.splitlines()

    # Posting waits for the rate limit's store, and keeps what was typed.
    body = "Typed while the cache was down."
    response = reader.post(server.url(comments),
                           {"body": body, "submission_token": submission_token(form.text)})
    assert response.status in (429, 503), response.status
    assert body in response.text
    # Signing in waits for the lock-out store: no password is checked meanwhile.
    visitor = Client()
    assert visitor.get(server.url("/accounts/login/")).status == 200
    response = visitor.post(server.url("/accounts/login/"),
                            {"username": "reader_c", "password": PASSWORD})
    assert response.status == 503
    assert 'value="reader_c"' in response.text
    assert visitor.cookie("sessionid") is None

    # The newsroom keeps working: an editor unpublishes a story.
    changelist = server.url("/admin/articles/article/")
    assert editor.get(changelist).status == 200
    response = editor.post(changelist, {"action": "unpublish", "index": "0",
                                        "select_across": "0",
                                        "_selected_action": str(story_id)})
    assert response.status == 302, response.text[-2000:]
    assert "Unpublished 1 story." in editor.get(changelist).text
    assert anonymous.get(server.url(f"/articles/{unpublished}/")).status == 404

    redis_server.start()  # with the pages and site version it held before

    def healthy():
        return anonymous.get(server.url("/healthz")).text == "ok"

    def cached_again():
        anonymous.get(server.url("/articles/"))
        return anonymous.get(server.url("/articles/")).headers["X-Page-Cache"] == "hit"

    assert until(healthy), "healthz did not recover"
    assert until(cached_again), "pages are not cached again"
    for _ in range(6):  # on every worker: never the story from before the outage
        assert anonymous.get(server.url(f"/articles/{unpublished}/")).status == 404
        front = anonymous.get(server.url("/"))
        assert front.status == 200
        assert f"/articles/{unpublished}/" not in front.text
    assert reader.get(server.url("/")).status == 200
    # No server error: only the 503s answered on purpose (Django logs them as errors).
    assert [line for line in site.server_errors() if '"status_code": 503' not in line] == []
