"""A flood of one-off page requests cannot wipe sign-in lock-outs or rate limits.

On the default file cache (a few hundred entries, a random third culled when
full), each distinct query string used to store one more page, and enough of
them culled the counters that lock-outs and limits are kept in. Four gunicorn
workers, as the image runs.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.commenting import submission_token

from .conftest import PASSWORD, Client

pytestmark = pytest.mark.integration

FLOOD = 1200  # requests at most, each with a query string never sent before
FLOOD_SECONDS = 6  # and no longer than this: the comment limit is 10 seconds
FLOOD_PATHS = ["/robots.txt?z={}", "/?utm_source={}", "/articles/?page=1&z={}",
               "/feeds/latest/?z={}", "/articles/{story}/?ref={}"]


@pytest.fixture(scope="module")
def server(site, newsroom, tmp_path_factory):
    """Four workers on the default file cache, whatever the suite's database."""
    folder = tmp_path_factory.mktemp("flood-cache")
    return site.start(workers=4, env={"CACHE_URL": f"filecache://{folder / 'cache'}",
                                      "SECURITY_CACHE_URL": ""}), folder / "cache"


def _cache_files(folder):
    return sum(1 for _ in folder.glob("*.djcache"))


def _flood(server, story):
    """Up to FLOOD distinct URLs in FLOOD_SECONDS; the number sent."""
    deadline = time.monotonic() + FLOOD_SECONDS
    paths = [FLOOD_PATHS[n % len(FLOOD_PATHS)].format(f"flood-{n}", story=story)
             for n in range(FLOOD)]

    def send(chunk):
        client, sent = Client(), 0
        for path in chunk:
            if time.monotonic() > deadline:
                break
            assert client.get(server.url(path)).status == 200, path
            sent += 1
        return sent

    with ThreadPoolExecutor(max_workers=8) as pool:
        return sum(pool.map(send, [paths[i::8] for i in range(8)], timeout=60))


def test_a_flood_neither_lifts_a_lock_out_nor_a_comment_limit(server, newsroom):
    server, cache_folder = server
    story = newsroom["published"][0]

    editor = Client()
    assert editor.get(server.url("/accounts/login/")).status == 200
    statuses = [editor.post(server.url("/accounts/login/"),
                            {"username": "it_editor", "password": f"guess-{n}"}).status
                for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429], statuses

    reader = Client()
    reader.login(server, "reader_a")
    comments = f"/articles/{story}/comments/"
    first = reader.get(server.url(comments))
    second = reader.get(server.url(comments))
    response = reader.post(server.url(comments), {
        "body": "Before the flood.", "submission_token": submission_token(first.text)})
    assert response.status == 303, response.text[-2000:]
    posted_at = time.monotonic()

    Client().get(server.url("/robots.txt"))  # stored once, as it should be
    files_before = _cache_files(cache_folder)
    sent = _flood(server, story)
    assert sent >= 450, f"only {sent} requests in {FLOOD_SECONDS} s: the flood proves nothing"
    files_after = _cache_files(cache_folder)

    # Within the 10-second burst limit still: the second comment waits.
    response = reader.post(server.url(comments), {
        "body": "During the flood.", "submission_token": submission_token(second.text)})
    assert time.monotonic() - posted_at < 10, "too slow to test the 10-second limit"
    assert response.status == 429, response.text[-2000:]
    assert "During the flood." in response.text

    # The right password is still refused: the lock-out is still there.
    response = editor.post(server.url("/accounts/login/"),
                           {"username": "it_editor", "password": PASSWORD})
    assert response.status == 429, response.text[-2000:]
    assert editor.cookie("sessionid") is None

    # One-off query strings stored no pages of their own.
    assert files_after - files_before < 50, (files_before, files_after)
